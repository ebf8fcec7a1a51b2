"""Evaluate COMPARE on real multi-source sets (format B): planted disagreements, quiet controls.

No public data labels which figures of several news articles disagree, so the disagreement
is planted, in the real articles of Multi-News or NeuS sets:

- **figure**: a number that two or more documents of the set state before the same plural
  noun ("239 passengers" / "239 passengers"; found by a regular expression; not a year, a
  measure, a duration or a qualified figure such as "as many as 125", which a tripled
  figure would not contradict; chosen independently of storyline's extractor), is tripled
  wherever one of them states it ("717 passengers");
- **day**: a weekday that two or more documents name in sentences sharing at least two
  content words, one of them a name (``same_event``), is moved two days on wherever one of
  them names it ("Sunday" -> "Tuesday").

``planted_recall`` is the fraction of plants for which a conflict or changed_over_time row
(a conflict only at or above ``CompareOptions.min_conflict_confidence``: what a reader is
shown) holds the planted value from the planted document; it is reported for figures, days
and both. ``control_conflicts_per_set`` is the mean number of such conflict rows on the same
sets unchanged: real sets rarely disagree, so most are false alarms.

``verdict_precision`` scores rows against hand labels (``tests/data/compare_dev_labels.jsonl``:
set id, row kind, subject, values and sources as storyline produced them, and the right
verdict, or ``none`` when the row should not exist: the values count different things). Only
rows of the data file that match a labelled row are scored; ``labelled_rows`` says how many.
A conflict below the confidence threshold is not shown as a verdict: it is left out of
``verdict_precision`` and counted in ``hidden_conflicts_rightly_hidden`` (the fraction of
hidden conflicts whose label is not conflict). ``conflict_precision`` is the precision of
the shown conflicts; ``subjects_coherent`` the fraction of labelled rows whose subject reads
as a coherent phrase (all labelled rows, shown or not).

Baseline ``naive``: every number followed by the same noun in two documents, with differing
values, is a conflict (one row per noun); for days, every two different weekdays named in
sentences sharing two content words. On labelled rows it calls a row conflict whenever its
values differ.

ClaimDiff (../shared/data/claims) is not used: its pairs are opinion claims labelled for
strengthening or weakening, with no figures or days to compare.

Multi-News validation is the dev set (the labels and ``CompareOptions`` thresholds were set
on it); NeuS validation is held out.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storyline.compare import CompareOptions, compare
from storyline.errors import InputError
from storyline.evaluation import EvalReport
from storyline.evaluation.data import read_jsonl, require
from storyline.model import Article, Comparison
from storyline.text import STOP_WORDS, WEEKDAYS

SEED = 15
LABELS = Path(__file__).resolve().parents[3] / "tests" / "data" / "compare_dev_labels.jsonl"
Compare = Callable[[list[Article]], list[Comparison]]

# A figure and the plural noun after it ("71 beagles").
_FIGURE = re.compile(r"(?<![\w.,$£€/-])(\d{1,3}(?:,\d{3})+|\d+)\s+([a-z]{2,}s)\b")
_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_WORD = re.compile(r"[A-Za-z]{3,}")
_NOT_COUNTS = CompareOptions().skip_units | {"million", "billion", "trillion", "thousand", "hundred"}
_QUALIFIED = re.compile(
    r"\b(?:more than|over|at least|about|around|approximately|roughly|nearly|almost|up to|"
    r"as many as|some|fewer than|less than|under|at most|an estimated|close to)\s+$",
    re.IGNORECASE,
)


@dataclass
class Plant:
    """One planted change: which document, what was written and what it became."""

    kind: str  # "figure" | "day"
    doc: int
    old: str
    new: str
    noun: str  # the noun after the figure, or the sentence's words for a day


def load_sets(data: Path, limit: int | None = None) -> list[tuple[str, list[str]]]:
    """(set id, documents) of a format-B file, sets of at least two non-empty documents."""
    out = []
    for obj in read_jsonl(data, limit):
        require(obj, ("id", "documents"), data, "a multi-document record")
        docs = [d for d in obj["documents"] if isinstance(d, str) and d.strip()]
        if len(docs) >= 2:
            out.append((str(obj["id"]), docs))
    if not out:
        raise InputError(f"{data}: no record with two or more documents")
    return out


def articles_of(set_id: str, docs: list[str]) -> list[Article]:
    return [Article(id=f"{set_id}/{k}", text=d) for k, d in enumerate(docs)]


# --- planting -------------------------------------------------------------------------------


def _is_count(number: str) -> bool:
    plain = number.replace(",", "")
    return not re.fullmatch(r"(?:1[89]|20)\d\d", plain) and int(plain) >= 2


def _format(n: int, like: str) -> str:
    return f"{n:,}" if "," in like or n >= 10_000 else str(n)


def _countable(doc: str, m: re.Match[str]) -> bool:
    """A plain count: not a year, not a measure, duration or scale word ("150 million
    years"), and with no qualifier before it ("as many as 125" allows a tripled figure)."""
    noun = m.group(2)
    if not _is_count(m.group(1)) or noun in STOP_WORDS or noun in _NOT_COUNTS:
        return False
    return not _QUALIFIED.search(doc[max(0, m.start() - 25) : m.start()])


def plant_figure(docs: list[str], rng: random.Random) -> tuple[list[str], Plant] | None:
    """Triple one figure that two or more documents state for the same noun ("239
    passengers" / "239 passengers") at every place the chosen document states it: a source
    is consistent with itself. The same number before different nouns ("47 corpses" / "the
    141 nations") is not one figure: such plants were disagreements no reader would see."""
    seen: dict[tuple[str, str], set[int]] = {}
    for k, d in enumerate(docs):
        for m in _FIGURE.finditer(d):
            if _countable(d, m):
                seen.setdefault((m.group(1), m.group(2)), set()).add(k)
    shared = sorted(key for key, ks in seen.items() if len(ks) >= 2)
    if not shared:
        return None
    number, noun = rng.choice(shared)
    k = max(seen[(number, noun)])
    new = _format(int(number.replace(",", "")) * 3, number)
    out = list(docs)
    where = r"(?<![\w.,$£€/-])" + re.escape(number) + r"(?=\s+" + re.escape(noun) + r"\b)"
    out[k] = re.sub(where, new, docs[k])
    return out, Plant("figure", k, number, new, noun)


def _content(sentence: str) -> set[str]:
    """Content words of a sentence, names capitalised ("Sanders"), the others lower-cased."""
    out = set()
    for m in _WORD.finditer(sentence):
        w = m.group(0)
        if w.lower() in STOP_WORDS or w.lower() in WEEKDAYS:
            continue
        out.add(w if w[0].isupper() and m.start() > 0 else w.lower())
    return out


def same_event(a: set[str], b: set[str]) -> bool:
    """Two sentences about one event, by a rule independent of storyline's: at least three
    content words in common, one of them a name."""
    common = a & b
    return len(common) >= 3 and any(w[0].isupper() for w in common)


def _day_pairs(docs: list[str]) -> list[tuple[int, int, int, int, str]]:
    """(doc a, start in a, doc b, start in b, weekday) where both name the weekday in
    sentences that ``same_event`` pairs."""
    found: list[tuple[int, int, str, set[str]]] = []
    for k, d in enumerate(docs):
        for m in _WEEKDAY.finditer(d):
            lo = max(d.rfind(". ", 0, m.start()), 0)
            hi = d.find(". ", m.end())
            found.append((k, m.start(), m.group(1), _content(d[lo : hi if hi > 0 else len(d)])))
    out = []
    for i, (ka, sa, wa, ca) in enumerate(found):
        for kb, sb, wb, cb in found[i + 1 :]:
            if ka != kb and wa == wb and same_event(ca, cb):
                out.append((ka, sa, kb, sb, wa))
    return out


def plant_day(docs: list[str], rng: random.Random) -> tuple[list[str], Plant] | None:
    """Move one weekday that two documents give for the same thing two days on, at every
    mention in one of them."""
    pairs = _day_pairs(docs)
    if not pairs:
        return None
    _, _, k, _, day = rng.choice(sorted(pairs))
    new = WEEKDAYS[(WEEKDAYS.index(day.lower()) + 2) % 7].capitalize()
    out = list(docs)
    # Every mention in that document: a source that moved the day says so throughout.
    out[k] = re.sub(r"\b" + day + r"\b", new, docs[k])
    return out, Plant("day", k, day, new, "")


def found_plant(rows: list[Comparison], set_id: str, plant: Plant, threshold: float) -> bool:
    """A shown conflict, or a change, holding the planted value from the planted document."""
    doc = f"{set_id}/{plant.doc}"
    for r in rows:
        if r.label not in {"conflict", "changed_over_time"}:
            continue
        if r.label == "conflict" and getattr(r, "confidence", 1.0) < threshold:
            continue
        for v in r.values:
            if doc in v.sources and plant.new.lower() in v.value.lower():
                return True
    return False


def shown_conflicts(rows: list[Comparison], threshold: float) -> int:
    return sum(1 for r in rows if r.label == "conflict" and getattr(r, "confidence", 1.0) >= threshold)


# --- the naive baseline ---------------------------------------------------------------------


def naive_conflicts(docs: list[str]) -> list[tuple[str, set[str]]]:
    """Every noun two documents give different numbers for; every weekday pair that differs
    in sentences that ``same_event`` pairs. (what, values) per conflict."""
    by_noun: dict[str, dict[int, set[str]]] = {}
    for k, d in enumerate(docs):
        for m in _FIGURE.finditer(d):
            if _countable(d, m):
                by_noun.setdefault(m.group(2), {}).setdefault(k, set()).add(m.group(1))
    out = []
    for noun, per_doc in by_noun.items():
        values = set().union(*per_doc.values())
        if len(per_doc) >= 2 and len(values) >= 2:
            out.append((noun, values))
    days: list[tuple[int, str, set[str]]] = []
    for k, d in enumerate(docs):
        for m in _WEEKDAY.finditer(d):
            lo = max(d.rfind(". ", 0, m.start()), 0)
            hi = d.find(". ", m.end())
            days.append((k, m.group(1), _content(d[lo : hi if hi > 0 else len(d)])))
    for i, (ka, wa, ca) in enumerate(days):
        for kb, wb, cb in days[i + 1 :]:
            if ka != kb and wa != wb and same_event(ca, cb):
                out.append(("day", {wa, wb}))
    return out


def naive_found(docs: list[str], plant: Plant) -> bool:
    return any(plant.new in values for _, values in naive_conflicts(docs))


# --- hand labels ----------------------------------------------------------------------------


def row_key(set_id: str, row: Comparison) -> str:
    """What identifies a row across runs: the set, the kind and each value with its sources."""
    vals = sorted(
        f"{v.value.lower()}@{','.join(sorted(s.rsplit('/', 1)[-1] for s in v.sources))}" for v in row.values
    )
    return f"{set_id}|{row.kind}|{';'.join(vals)}"


def read_labels(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    out = {}
    for obj in read_jsonl(path):
        require(obj, ("key", "gold"), path, "a compare label")
        out[str(obj["key"])] = obj
    return out


# --- the run --------------------------------------------------------------------------------


def evaluate(
    data: Path,
    limit: int | None = None,
    labels: Path | None = None,
    system: Compare | None = None,
    options: CompareOptions | None = None,
) -> EvalReport:
    """Planted recall, control conflicts and labelled precision of storyline and naive."""
    opts = options or CompareOptions()
    run: Compare = system or (lambda arts: compare(arts, None, opts))
    threshold = opts.min_conflict_confidence
    sets = load_sets(data, limit)
    gold = read_labels(labels or LABELS)
    rng = random.Random(SEED)
    hits: dict[str, dict[str, list[bool]]] = {s: {"figure": [], "day": []} for s in ("storyline", "naive")}
    control = {"storyline": 0, "naive": 0}
    scored = {"storyline": [0, 0], "naive": [0, 0]}  # right, total
    conflicts_right = [0, 0]
    subjects_ok = [0, 0]
    hidden = [0, 0]  # hidden conflicts that were rightly hidden, all hidden conflicts
    started = time.perf_counter()
    for set_id, docs in sets:
        rows = run(articles_of(set_id, docs))
        control["storyline"] += shown_conflicts(rows, threshold)
        control["naive"] += len(naive_conflicts(docs))
        for row in rows:
            lab = gold.get(row_key(set_id, row))
            if lab is None:
                continue
            if "subject_ok" in lab:
                subjects_ok[0] += bool(lab["subject_ok"])
                subjects_ok[1] += 1
            if row.label == "conflict" and row.confidence < threshold:
                hidden[0] += lab["gold"] != "conflict"
                hidden[1] += 1
                continue  # not shown as a verdict: scored as hidden, below
            right = lab["gold"] == row.label
            scored["storyline"][0] += right
            scored["storyline"][1] += 1
            if row.label == "conflict":
                conflicts_right[0] += right
                conflicts_right[1] += 1
            differ = (
                len({(v.number, v.date, v.value.lower() if v.number is None else "") for v in row.values}) > 1
            )
            scored["naive"][0] += lab["gold"] == ("conflict" if differ else "agree")
            scored["naive"][1] += 1
        for plant_fn in (plant_figure, plant_day):
            planted = plant_fn(docs, rng)
            if planted is None:
                continue
            new_docs, plant = planted
            hits["storyline"][plant.kind].append(
                found_plant(run(articles_of(set_id, new_docs)), set_id, plant, threshold)
            )
            hits["naive"][plant.kind].append(naive_found(new_docs, plant))
    seconds = time.perf_counter() - started
    systems: dict[str, dict[str, float]] = {}
    for name in ("storyline", "naive"):
        fig, day = hits[name]["figure"], hits[name]["day"]
        both = fig + day
        metrics: dict[str, float] = {}
        for key, found in (
            ("planted_recall", both),
            ("planted_figure_recall", fig),
            ("planted_day_recall", day),
        ):
            if found:  # no plant, no figure (0 would read as a miss)
                metrics[key] = sum(found) / len(found)
        metrics["control_conflicts_per_set"] = control[name] / len(sets)
        if scored[name][1]:
            metrics["verdict_precision"] = scored[name][0] / scored[name][1]
        systems[name] = metrics
    if conflicts_right[1]:
        systems["storyline"]["conflict_precision"] = conflicts_right[0] / conflicts_right[1]
    if hidden[1]:
        systems["storyline"]["hidden_conflicts_rightly_hidden"] = hidden[0] / hidden[1]
    if subjects_ok[1]:
        systems["storyline"]["subjects_coherent"] = subjects_ok[0] / subjects_ok[1]
    notes = [
        "",
        f"{len(sets)} sets; planted figures {len(hits['storyline']['figure'])}, days "
        f"{len(hits['storyline']['day'])}; labelled rows matched {scored['storyline'][1]}; "
        f"conflicts shown at confidence >= {threshold}; {seconds:.1f} s.",
    ]
    extra = {
        "planted_figures": len(hits["storyline"]["figure"]),
        "planted_days": len(hits["storyline"]["day"]),
        "labelled_rows": scored["storyline"][1],
        "conflict_threshold": threshold,
        "seconds": round(seconds, 1),
    }
    return EvalReport("compare", str(data), len(sets), systems, notes, extra)


def dump_rows(
    data: Path, limit: int | None = None, options: CompareOptions | None = None
) -> list[dict[str, Any]]:
    """The rows storyline makes on ``data``, keyed as the labels are (for labelling)."""
    opts = options or CompareOptions()
    out = []
    for set_id, docs in load_sets(data, limit):
        for row in compare(articles_of(set_id, docs), None, opts):
            out.append(
                {
                    "key": row_key(set_id, row),
                    "set": set_id,
                    "kind": row.kind,
                    "subject": row.subject,
                    "label": row.label,
                    "confidence": row.confidence,
                    "values": [v.value for v in row.values],
                }
            )
    return out


def to_jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
