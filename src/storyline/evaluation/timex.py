"""Temporal expression recognition and normalisation, scored TempEval-3 style on format E.

Metrics (fractions in [0, 1]), as in the TempEval-3 scorer (UzZaman et al., 2013):

- ``strict_f1``: an expression counts when its offsets equal a gold one's exactly;
- ``relaxed_f1``: an expression counts when it overlaps a gold one (one-to-one, in text order);
- ``value_f1`` / ``type_f1``: attribute F1 over the relaxed matches. The TempEval-3 scorer
  takes attribute precision = correct attributes / system expressions and recall = correct
  attributes / gold expressions, which is the same as relaxed F1 x attribute accuracy on the
  matched pairs; that is what we compute. Values are compared as exact strings.

Systems: ``storyline`` on the whole file and on each half (the first half of TBAQ is what the
grammar was tuned on; the second half is the check against over-fitting), ``dateparser``
(``dateparser.search.search_dates`` with ``RELATIVE_BASE`` = dct, everything typed DATE at
day precision) and ``regex`` (absolute dates and years only, no relative expressions).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from storyline.evaluation import EvalReport
from storyline.evaluation.data import read_jsonl, require
from storyline.extract.timex import Timex, find_timexes

Span = tuple[int, int, str, str]  # start, end, type, value

# HeidelTime's published TempEval-3 task A results (UzZaman et al., 2013, Table 4).
HEIDELTIME_NOTE = (
    "HeidelTime (TempEval-3 task A, published, on the TE3 test set, not computed here): "
    "strict F1 .813, relaxed F1 .903, value F1 .776, type F1 .836."
)


def score(gold: Sequence[Sequence[Span]], system: Sequence[Sequence[Span]]) -> dict[str, float]:
    """TempEval-3 timex scores of system spans against gold spans, document by document."""
    n_gold = sum(len(g) for g in gold)
    n_sys = sum(len(s) for s in system)
    strict = relaxed = value_ok = type_ok = 0
    for g_doc, s_doc in zip(gold, system, strict=True):
        exact = {(g[0], g[1]) for g in g_doc}
        strict += sum(1 for s in s_doc if (s[0], s[1]) in exact)
        used: set[int] = set()
        for s in s_doc:
            for i, g in enumerate(g_doc):
                if i not in used and s[0] < g[1] and g[0] < s[1]:
                    used.add(i)
                    relaxed += 1
                    type_ok += s[2] == g[2]
                    value_ok += s[3] == g[3]
                    break

    def f1(hits: int) -> float:
        p = hits / n_sys if n_sys else 0.0
        r = hits / n_gold if n_gold else 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    return {
        "strict_f1": f1(strict),
        "relaxed_f1": f1(relaxed),
        "value_f1": f1(value_ok),
        "type_f1": f1(type_ok),
    }


def _storyline(text: str, dct: str) -> list[Span]:
    return [(t.start, t.end, t.type, t.value) for t in find_timexes(text, dct)]


def _dateparser_system() -> Callable[[str, str], list[Span]]:
    from dateparser.search import search_dates

    def run(text: str, dct: str) -> list[Span]:
        base = dt.datetime.fromisoformat(dct[:10])
        try:
            found = search_dates(text, languages=["en"], settings={"RELATIVE_BASE": base}) or []
        except Exception:  # noqa: BLE001  # a baseline must not stop the evaluation
            found = []
        out: list[Span] = []
        pos = 0
        for substring, when in found:
            i = text.find(substring, pos)
            if i < 0:
                i = text.find(substring)
            if i < 0:
                continue
            out.append((i, i + len(substring), "DATE", when.date().isoformat()))
            pos = i + len(substring)
        return out

    return run


_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan\\.|Feb\\.|Mar\\.|Apr\\.|Jun\\.|Jul\\.|Aug\\.|Sept\\.|Sep\\.|Oct\\.|Nov\\.|Dec\\."
)
_REGEX = re.compile(
    rf"\b(?P<mon>{_MONTHS})\s+(?P<day>\d{{1,2}})(?:,\s+(?P<year>\d{{4}}))?\b"
    r"|\b(?P<y>(?:19|20)\d\d)\b"
)


def _regex(text: str, dct: str) -> list[Span]:
    """Baseline: explicit dates and four-digit years; a month/day without a year takes the dct's."""
    out: list[Span] = []
    for m in _REGEX.finditer(text):
        if m.group("y"):
            out.append((m.start(), m.end(), "DATE", m.group("y")))
            continue
        names = [n.rstrip(".").lower()[:3] for n in _MONTHS.split("|")[:12]]
        month = names.index(m.group("mon").rstrip(".").lower()[:3]) + 1
        year = m.group("year") or dct[:4]
        out.append((m.start(), m.end(), "DATE", f"{year}-{month:02d}-{int(m.group('day')):02d}"))
    return out


def evaluate(
    data: Path, *, limit: int | None = None, baselines: bool = True, **_: Any
) -> EvalReport:
    """Score storyline, dateparser and a regex baseline on a format-E file (e.g. TBAQ)."""
    data = Path(data)
    docs = list(read_jsonl(data, limit))
    for doc in docs:
        require(doc, ("id", "dct", "text", "timexes"), data, "a format-E record")
    gold = [[(t["start"], t["end"], t["type"], t["value"]) for t in d["timexes"]] for d in docs]

    # Speed is CPU time of this (single-threaded) process: "articles per second on one core",
    # not disturbed by other jobs sharing the machine.
    t0 = time.process_time()
    ours = [_storyline(d["text"], d["dct"]) for d in docs]
    elapsed = time.process_time() - t0
    half = len(docs) // 2
    systems: dict[str, dict[str, float]] = {
        "storyline": score(gold, ours) | {"articles_per_s": len(docs) / max(elapsed, 1e-9)},
        "storyline-dev-half": score(gold[:half], ours[:half]),
        "storyline-heldout-half": score(gold[half:], ours[half:]),
    }
    if baselines:
        systems["regex"] = score(gold, [_regex(d["text"], d["dct"]) for d in docs])
        run = _dateparser_system()
        t0 = time.process_time()
        theirs = []
        for i, d in enumerate(docs, 1):
            theirs.append(run(d["text"], d["dct"]))
            if i % 25 == 0 or i == len(docs):
                print(f"dateparser baseline: {i}/{len(docs)} documents", file=sys.stderr)
        elapsed = time.process_time() - t0
        systems["dateparser"] = score(gold, theirs) | {
            "articles_per_s": len(docs) / max(elapsed, 1e-9)
        }
    notes = [
        "",
        f"Halves: documents 1-{half} (dev: the grammar was tuned on these) and "
        f"{half + 1}-{len(docs)} (held out). value/type F1 = relaxed F1 x attribute accuracy "
        "(TempEval-3 scorer). articles_per_s: CPU time, one core.",
        HEIDELTIME_NOTE,
    ]
    return EvalReport(
        task="timex",
        data=str(data),
        n=len(docs),
        systems=systems,
        notes=notes,
        extra={"gold_timexes": sum(len(g) for g in gold)},
    )


def errors(
    data: Path, *, limit: int | None = None, half: str = "dev"
) -> list[tuple[str, Timex | None, dict[str, Any] | None]]:
    """Mismatches for error analysis (not used by the CLI): (kind, system timex, gold timex)."""
    docs = list(read_jsonl(Path(data), limit))
    n = len(docs) // 2
    docs = docs[:n] if half == "dev" else docs[n:] if half == "heldout" else docs
    out: list[tuple[str, Timex | None, dict[str, Any] | None]] = []
    for d in docs:
        sys_t = find_timexes(d["text"], d["dct"])
        golds = d["timexes"]
        used: set[int] = set()
        for t in sys_t:
            hit = next(
                (
                    i
                    for i, g in enumerate(golds)
                    if i not in used and t.start < g["end"] and g["start"] < t.end
                ),
                None,
            )
            if hit is None:
                out.append(("fp", t, None))
                continue
            used.add(hit)
            g = golds[hit]
            if (t.start, t.end) != (g["start"], g["end"]):
                out.append(("span", t, g))
            if t.value != g["value"]:
                out.append(("value", t, g | {"dct": d["dct"]}))
        out.extend(
            ("fn", None, g | {"ctx": d["text"][max(0, g["start"] - 40) : g["end"] + 40]})
            for i, g in enumerate(golds)
            if i not in used
        )
    return out
