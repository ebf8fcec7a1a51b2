"""Compare what several sources say about the same figure: agree, changed over time, conflict.

A story's sources rarely disagree outright; more often one reported an early count ("more
than 300 crossed", Sunday night) and another the final one ("1,037", Monday). A reader needs
the two told apart from a genuine disagreement (six districts fell vs ten, on the same day).

The stage works in three steps:

1. **Group** the quantities of ``storyline.extract.claims`` that count the same thing: same unit,
   compatible descriptors ("Afghan" troops are not "US" troops) and similar sentence context
   (tf-idf cosine over content words, with event verbs mapped to a class, "fled"/"crossed"
   -> cross, and spelling variants of names folded, "Badakshan" -> "Badakhshan").
2. **Read** each value as an interval: "1,037" = [1037]; "more than 1,000" = (1000, 2000],
   i.e. up to the next step of its last significant digit, because news rounds a count down
   to a round figure; "about 300" = [270, 330]; "hundreds of" = [200, 999].
3. **Label**: if all intervals share a point the sources agree; otherwise the values are
   split into mutually compatible readings, and if those readings follow one another in time
   (each reported strictly later than the previous, and rising) the figure
   changed_over_time; anything else (same day, undated, or falling) is a conflict.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from storyline.extract.analysis import sentences_of
from storyline.extract.claims import DURATIONS, STATUS, Quantity, extract_quantities, to_number
from storyline.model import Article, ClaimValue, Comparison
from storyline.text import STOP_WORDS


@dataclass
class CompareOptions:
    """Knobs of the compare stage.

    ``min_similarity`` and ``window`` were set on the five seed articles
    (/work/shared/seeds), the only data with figures labelled by event: with a 12-word window
    the same-event pairs that hold the groups together score 0.36-0.75 (Afghan troops
    crossing into Tajikistan; six vs 10 districts falling in Badakhshan, 0.46; the UN envoy's
    "more than 50" districts, 0.60), different-event pairs of one unit at most 0.29
    (districts in Badakhshan vs country-wide) and 0.17 (US troops withdrawing vs Afghan
    troops fleeing). The margin is thin: recheck it when a labelled set of figures exists.
    ``min_group_similarity`` stops single-link chaining; it was set by eye on 60 articles of
    Timeline17 H1N1_bbc (flu counts of different countries and days chained into one group
    at 0) and does not bind on the seeds.
    """

    min_similarity: float = 0.35
    min_group_similarity: float = 0.2
    # Words each side of the figure that describe it (0: the whole sentence).
    window: int = 12
    # "more than N" reaches up to N + max(step of N's last significant digit, slack * N).
    more_than_slack: float = 0.25
    # "about N" = [N (1 - tol), N (1 + tol)]; 10 % is the brief's convention ("about 300" =
    # [270, 330]).
    about_tolerance: float = 0.10
    # Counts in news (crossed, killed, fell) only grow; a lower later figure is a conflict.
    allow_decrease: bool = False
    # Measures rather than counts: never compared.
    skip_units: frozenset[str] = field(
        default_factory=lambda: frozenset(
            DURATIONS | {"kilometres", "kilometers", "miles", "metres", "meters", "kms", "km"}
        )
    )
    # Name tokens at least this similar (rapidfuzz ratio, 0-100) are one name: "Badakshan" /
    # "Badakhshan" (94.7), "Bandrar" / "Bandar" (92.3); "Kunduz" / "Kandahar" is 57.
    name_fold_ratio: float = 88.0


# Event words mapped to one class, so "fled across the border" meets "crossed the border".
_EVENTS = {
    "cross": {
        "fled",
        "flee",
        "flees",
        "fleeing",
        "crossed",
        "cross",
        "crosses",
        "crossing",
        "crossings",
        "escaped",
        "escape",
        "escaping",
        "retreated",
        "entered",
        "exodus",
        "enter",
        "fled.",
    },
    "fall": {
        "fell",
        "fallen",
        "fall",
        "falls",
        "captured",
        "capture",
        "seized",
        "seize",
        "overran",
        "overrun",
        "lost",
        "captures",
    },  # "took over" -> "captured" first
    "withdraw": {
        "withdrawal",
        "withdraw",
        "withdrawing",
        "withdrew",
        "evacuation",
        "departure",
        "leave",
        "leaving",
        "pull",
        "pulled",
    },
    "killed": {"killed", "dead", "died", "deaths", "death", "kill"},
    "wounded": {"wounded", "injured", "injuries"},
    "arrest": {"arrested", "detained", "arrests", "detention"},
}
_EVENT_OF = {w: k for k, ws in _EVENTS.items() for w in ws}
_EVENT_PHRASE = {
    "cross": "who crossed the border",
    "fall": "that fell",
    "withdraw": "withdrawn",
    "killed": "killed",
    "wounded": "wounded",
    "arrest": "arrested",
}
_NUMBER_WORDS = re.compile(
    r"^(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|twenty|thirty|forty|fifty|hundred|hundreds|thousand|"
    r"thousands|million|millions|dozen|dozens)$"
)
_TOKEN = re.compile(r"[A-Za-z][\w’'-]*")
_PLACE_AFTER = re.compile(
    r"\b(?:into|in|to|across|of|from)\s+(?:the\s+)?(?:[a-z]+\s+)?([A-Z][\w-]+)(?![’']s)"
)
_WHERE = re.compile(
    r"\b(?:into|in|across|of|from|at|near)\s+(?:the\s+)?(?:[a-z]+\s+)?([A-Z][\w-]+)(?![’'\w-])"
)


def compare(
    articles: list[Article],
    quantities: list[Quantity] | None = None,
    options: CompareOptions | None = None,
) -> list[Comparison]:
    """Comparisons of the figures that at least two articles give for the same thing.

    ``quantities`` defaults to ``extract_quantities`` over ``articles``. The result is sorted
    with the most-cited comparisons first.
    """
    opts = options or CompareOptions()
    if quantities is None:
        quantities = [q for a in articles for q in extract_quantities(a)]
    qs = [q for q in quantities if q.unit and q.unit not in opts.skip_units]
    if not qs:
        return []
    fold = _name_folder(articles, qs, opts.name_fold_ratio)
    idf = _idf(articles, fold)
    vectors = [_vector(q, fold, idf, opts.window) for q in qs]
    wheres = [_where(q, fold, opts.window) for q in qs]
    groups = _group(qs, vectors, wheres, opts)
    found = []
    for members in groups:
        group = [qs[i] for i in members]
        if len({q.article_id for q in group}) < 2:
            continue
        values, reps = _values(group)
        # One sentence copied by several outlets (a wire story) is one statement, not a
        # comparison; the report schema wants at least two values.
        if len(values) >= 2:
            found.append((group, values, reps))
    anchors = anchor_days([(values, reps) for _, values, reps in found], opts)
    out: list[Comparison] = []
    for group, values, reps in found:
        verdict, reason = explain(values, opts, reps, anchors)
        out.append(Comparison(subject=_subject(group, fold), label=verdict, values=values, reason=reason))
    out.sort(key=lambda c: (-len({s for v in c.values for s in v.sources}), c.subject))
    return out


# --- grouping ----------------------------------------------------------------------------


def _name_folder(articles: list[Article], qs: list[Quantity], ratio: float) -> dict[str, str]:
    """Map each capitalised token to the most frequent spelling it is a variant of."""
    counts: Counter[str] = Counter()
    for a in articles:
        counts.update(t for t in _TOKEN.findall(a.text or "") if t[0].isupper() and len(t) > 3)
    for q in qs:
        counts.update(t for t in _TOKEN.findall(q.sentence) if t[0].isupper() and len(t) > 3)
    fold: dict[str, str] = {}
    # Heads by (first letter, length), each list in the order the heads were made: only
    # heads within two characters can match, and the earliest matching head wins, as in a
    # scan of all heads (which made this quadratic: 2,000 heads in a big story).
    heads: dict[tuple[str, int], list[tuple[int, str]]] = defaultdict(list)
    made = 0
    for tok, _ in counts.most_common():
        low = _strip(tok)
        if low in fold:
            continue
        near = sorted(
            h for d in range(-2, 3) for h in heads.get((low[0], len(low) + d), ())
        )
        for _, head in near:
            if fuzz.ratio(head, low) >= ratio:
                fold[low] = head
                break
        else:
            fold[low] = low
            heads[(low[0], len(low))].append((made, low))
            made += 1
    return fold


@lru_cache(maxsize=1 << 16)
def _strip(token: str) -> str:
    return re.sub(r"[’']s$", "", token).lower()


_TAKE_OVER = re.compile(r"\b(?:took|take|takes|taken|taking)\s+(?:over|control)\b", re.IGNORECASE)


def _features(sentence: str, fold: dict[str, str], skip: set[str]) -> list[str]:
    out = []
    for tok in _TOKEN.findall(_TAKE_OVER.sub("captured", sentence)):
        low = _strip(tok)
        if low in skip or low in STOP_WORDS or len(low) < 3 or _NUMBER_WORDS.match(low):
            continue
        if low in _EVENT_OF:
            out.append("event:" + _EVENT_OF[low])
            continue
        low = fold.get(low, low)
        out.append(low[:-1] if low.endswith("s") and len(low) > 4 else low)
    return out


def _idf(articles: list[Article], fold: dict[str, str]) -> dict[str, float]:
    df: Counter[str] = Counter()
    n = 0
    for a in articles:
        for s in sentences_of(a):
            df.update(set(_features(s.text, fold, set())))
            n += 1
    return {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()} | {"": math.log(1 + n) + 1}


def _window(q: Quantity, size: int) -> str:
    """The words around the figure: a long sentence often states two things ("troops fled
    ... with the fall of 10 districts"), and the figure belongs to the nearer one."""
    pos = q.sentence.lower().find(q.value.lower())
    if pos < 0 or size <= 0:
        return q.sentence
    before = q.sentence[:pos].split()[-size:]
    after = q.sentence[pos:].split()[: size + 1]
    return " ".join(before + after)


def _vector(q: Quantity, fold: dict[str, str], idf: dict[str, float], window: int = 0) -> dict[str, float]:
    skip = {q.unit, *(q.qualifier or "").split()}
    feats = set(_features(_window(q, window), fold, skip))
    if q.descriptor:
        feats.add("desc:" + q.descriptor.lower())
    vec = {t: idf.get(t, idf[""]) for t in feats}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _descriptors_clash(a: Quantity, b: Quantity) -> bool:
    """ "Afghan troops" vs "US troops", "confirmed" vs "suspected" cases: different things."""
    if not a.descriptor or not b.descriptor:
        return False
    wa, wb = a.descriptor.split(), b.descriptor.split()
    sa, sb = {w for w in wa if w in STATUS}, {w for w in wb if w in STATUS}
    na, nb = {w.lower() for w in wa if w not in STATUS}, {w.lower() for w in wb if w not in STATUS}
    return bool((sa and sb and sa != sb) or (na and nb and not na & nb))


def _where(q: Quantity, fold: dict[str, str], window: int) -> set[str]:
    """Places named after a preposition in the words following the figure ("cases in
    Mexico", "fled into Tajikistan"); what precedes it is too often another clause."""
    pos = q.sentence.lower().find(q.value.lower())
    if pos < 0:
        return set()
    after = " ".join(q.sentence[pos + len(q.value) :].split()[: window or None])
    return {fold.get(_strip(m.group(1)), _strip(m.group(1))) for m in _WHERE.finditer(after)}


def _places_clash(a: set[str], b: set[str]) -> bool:
    """Both figures say where and no place matches ("Tajik" matches "Tajikistan")."""
    if not a or not b:
        return False
    return not any(
        x == y or (min(len(x), len(y)) >= 4 and (x.startswith(y) or y.startswith(x))) for x in a for y in b
    )


def _group(
    qs: list[Quantity],
    vectors: list[dict[str, float]],
    wheres: list[set[str]],
    opts: CompareOptions,
) -> list[list[int]]:
    """Greedy average-link groups over same-unit pairs, strongest links first.

    A pair links when its similarity reaches ``min_similarity`` and the two groups it joins
    are, on average over all their cross pairs, at least ``min_group_similarity`` alike
    (single link alone chains a month of flu figures into one group). Figures whose owners
    ("Afghan" / "US" troops), status ("confirmed" / "suspected") or place ("cases in Mexico"
    / "in the UK") differ never link. Two figures one
    article gives for the same day that cannot both hold ("six" and "1" cases; "more than
    50 of the country's 370 districts") never share a group: an article does not contradict
    itself, so they count different things.
    """
    by_unit: dict[str, list[int]] = {}
    for i, q in enumerate(qs):
        by_unit.setdefault(q.unit, []).append(i)
    # link[a][b]: the sum of the similarities between the members of groups a and b (only
    # non-zero sums are kept). Merging two groups adds their rows, so the average-link test
    # reads one number instead of summing all cross pairs again: that sum made the step
    # cubic (a 1,460-article story: 4.5 million additions for 22k candidate links).
    link: dict[int, dict[int, float]] = defaultdict(dict)
    pairs: list[tuple[float, int, int]] = []
    for idx in by_unit.values():
        for x, i in enumerate(idx):
            for j in idx[x + 1 :]:
                a, b = qs[i], qs[j]
                if _descriptors_clash(a, b) or _places_clash(wheres[i], wheres[j]):
                    sim = 0.0
                elif a.article_id == b.article_id and a.number == b.number and a.qualifier == b.qualifier:
                    sim = 1.0  # the same figure twice in one article: the same claim
                else:
                    sim = _cosine(vectors[i], vectors[j])
                if sim:
                    link[i][j] = link[j][i] = sim
                if sim >= opts.min_similarity and (a.article_id != b.article_id or sim == 1.0):
                    pairs.append((sim, i, j))
    pairs.sort(key=lambda p: -p[0])
    intervals = [interval(q, opts) for q in qs]
    members = {i: [i] for i in range(len(qs))}
    root = list(range(len(qs)))
    for _, i, j in pairs:
        ri, rj = root[i], root[j]
        if ri == rj:
            continue
        left, right = members[ri], members[rj]
        if _cannot_link(qs, intervals, left, right):
            continue
        total = link[ri].get(rj, 0.0)
        if total / (len(left) * len(right)) < opts.min_group_similarity:
            continue
        for k in right:
            root[k] = ri
        members[ri].extend(members.pop(rj))
        _merge_links(link, ri, rj)
    return list(members.values())


def _merge_links(link: dict[int, dict[int, float]], into: int, gone: int) -> None:
    """Group ``gone`` joined group ``into``: its link sums are added to ``into``'s."""
    row = link.pop(gone, {})
    row.pop(into, None)
    mine = link[into]
    mine.pop(gone, None)
    for other, value in row.items():
        total = mine.get(other, 0.0) + value
        mine[other] = total
        theirs = link[other]
        theirs.pop(gone, None)
        theirs[into] = total


def _cannot_link(
    qs: list[Quantity], intervals: list[tuple[float, float]], a: list[int], b: list[int]
) -> bool:
    for i in a:
        for j in b:
            p, q = qs[i], qs[j]
            if p.article_id != q.article_id or p.date != q.date:
                continue
            if (p.qualifier or "") in _VAGUE_RANGE or (q.qualifier or "") in _VAGUE_RANGE:
                continue  # "hundreds fled" beside "1,037 fled" is rounding, not two counts
            if p.sentence == q.sentence and p.value != q.value:
                return True
            (lo1, hi1), (lo2, hi2) = intervals[i], intervals[j]
            if max(lo1, lo2) > min(hi1, hi2):
                return True
    return False


# --- intervals and labels ----------------------------------------------------------------


def _step(n: float) -> float:
    """Place value of the last significant digit: 300 -> 100, 1,000 -> 1,000, 130 -> 10."""
    if n <= 0 or n != int(n):
        return 1.0
    k = int(n)
    step = 1
    while k % 10 == 0 and k >= 10:
        k //= 10
        step *= 10
    return float(step)


_VAGUE_RANGE = {  # the conventional reading of vague plurals (a "hundreds" is at least 200)
    "dozens of": (24, 99),
    "scores of": (40, 99),
    "hundreds of": (200, 999),
    "thousands of": (2_000, 9_999),
    "tens of thousands of": (20_000, 99_999),
    "hundreds of thousands of": (200_000, 999_999),
    "millions of": (2_000_000, 999_999_999),
}
_EPS = 1e-6


def interval(q: Quantity | ClaimValue, options: CompareOptions | None = None) -> tuple[float, float]:
    """The closed interval of values a written figure allows (open ends nudged by 1e-6)."""
    opts = options or CompareOptions()
    n = float(q.number or 0.0)
    qual = (q.qualifier or "").lower()
    high = getattr(q, "high", None)
    if high is None and isinstance(q, ClaimValue) and q.qualifier is None:
        reading = to_number(q.value)  # a written range "2,500-3,500" keeps its upper end
        high = reading[1] if reading else None
    if qual in _VAGUE_RANGE:
        return _VAGUE_RANGE[qual]
    if high is not None:
        return n, float(high)
    reach = max(_step(n), opts.more_than_slack * n)
    if qual in {"more than", "over", "well over", "just over"}:
        return n + _EPS, n + reach
    if qual in {"at least", "no fewer than", "no less than"}:
        return n, n + reach
    if qual in {"about", "around", "approximately", "roughly", "some", "an estimated", "close to"}:
        return n * (1 - opts.about_tolerance), n * (1 + opts.about_tolerance)
    if qual in {"nearly", "almost", "just under"}:
        return n - reach, n - _EPS
    if qual in {"up to", "as many as", "at most"}:
        return 0.0, n
    if qual in {"fewer than", "less than", "under"}:
        return 0.0, n - _EPS
    return n, n


_Key = tuple[str, str]  # (day the figure held, day it was reported); "" when unknown


def _readings(
    items: list[tuple[ClaimValue, _Key]], opts: CompareOptions
) -> list[list[tuple[ClaimValue, _Key]]]:
    """Split values into runs whose intervals share a point, scanning by lower bound."""
    ordered = sorted(items, key=lambda it: interval(it[0], opts))
    out: list[list[tuple[ClaimValue, _Key]]] = []
    lo, hi = -math.inf, math.inf
    for it in ordered:
        a, b = interval(it[0], opts)
        if out and max(lo, a) <= min(hi, b):
            out[-1].append(it)
            lo, hi = max(lo, a), min(hi, b)
        else:
            out.append([it])
            lo, hi = a, b
    return out


def label(
    values: list[ClaimValue],
    options: CompareOptions | None = None,
    reported: list[str | None] | None = None,
    anchors: dict[str, str] | None = None,
) -> str:
    """agree | changed_over_time | conflict for the values of one comparison (see ``explain``)."""
    return explain(values, options, reported, anchors)[0]


def explain(
    values: list[ClaimValue],
    options: CompareOptions | None = None,
    reported: list[str | None] | None = None,
    anchors: dict[str, str] | None = None,
) -> tuple[str, str]:
    """The label of one comparison and a one-line reason a reader can check.

    Values are split into readings (runs of mutually compatible figures). One reading: the
    sources agree. Several: each is placed in time by its dated values, keyed by (day the
    figure held, day it was reported), so that a later report of a larger figure for the same
    day ("more than 300" on Sunday night, "more than 1,000" on Sunday in Monday's paper) is an
    update. A value of an undated article is placed at its ``anchors`` day when the article
    gives other figures that dated articles also give (it was written when those were
    known). If the placed readings follow one another strictly in time and rise, the figure
    changed_over_time; two readings at the same time, or a falling figure, is a conflict. A
    reading that cannot be placed at all is a conflict when nothing is dated, and otherwise
    only when no place in the rising series fits it (counts in news grow, so an undated
    lower figure reads as an earlier count; the reason says so). Vague figures ("hundreds
    of") are listed but only decide the label when no precise figure exists: "hundreds fled"
    beside "1,037 fled" is rounding.
    """
    opts = options or CompareOptions()
    reps = reported or [None] * len(values)
    anchors = anchors or {}
    items = []
    for v, rep in zip(values, reps, strict=True):
        day = v.date or ""
        if not day and not rep:
            day = max((anchors[s] for s in v.sources if s in anchors), default="")
        items.append((v, (day, rep or day)))
    precise = [it for it in items if (it[0].qualifier or "") not in _VAGUE_RANGE]
    readings = _readings(precise or items, opts)
    if len(readings) == 1:
        return "agree", f"every figure fits {_show(readings[0])}"
    placed = [r for r in readings if any(k[0] for _, k in r)]
    loose = [r for r in readings if not any(k[0] for _, k in r)]
    if not placed:
        return "conflict", f"{_join(readings)} differ, and no source dates them"
    spans = {id(r): (min(k for _, k in r if k[0]), max(k for _, k in r if k[0])) for r in placed}
    placed.sort(key=lambda r: spans[id(r)])
    for prev, nxt in zip(placed, placed[1:], strict=False):
        if spans[id(prev)][1] >= spans[id(nxt)][0]:
            return "conflict", f"{_show(prev)} and {_show(nxt)} are given for the same time"
        if not _rises(prev, nxt, opts) and not opts.allow_decrease:
            return "conflict", f"{_show(nxt)} is lower than the earlier {_show(prev)}"
    for r in loose:
        pos = sum(1 for p in placed if _rises(p, r, opts))
        before, after = placed[pos - 1] if pos else None, placed[pos] if pos < len(placed) else None
        fits = (before is None or _rises(before, r, opts)) and (after is None or _rises(r, after, opts))
        if not fits or (before and after and spans[id(before)][1][0] >= spans[id(after)][0][0]):
            return "conflict", f"{_show(r)} has no date and fits nowhere between {_join(placed)}"
    reason = f"rose from {_show(placed[0])} to {_show(placed[-1])}" if len(placed) > 1 else ""
    for r in loose:
        where = "an intermediate"
        if _rises(r, placed[0], opts):
            where = "an earlier"
        elif _rises(placed[-1], r, opts):
            where = "a later"
        note = f"{_show(r)} reads as {where} count"
        reason = f"{reason}; {note}" if reason else note
    return "changed_over_time", reason


def _rises(a: list[tuple[ClaimValue, _Key]], b: list[tuple[ClaimValue, _Key]], opts: CompareOptions) -> bool:
    return interval(b[0][0], opts)[0] > interval(a[0][0], opts)[1]


def _show(reading: list[tuple[ClaimValue, _Key]]) -> str:
    """"1,037 (2021-07-06)": the most precise value of a reading, with the day it held."""
    value, key = min(reading, key=lambda it: (it[0].qualifier is not None, not it[1][0], it[0].value))
    if value.date:
        return f"{value.value} ({value.date})"
    if key[0]:
        return f"{value.value} (undated article, placed at {key[0]} by its other figures)"
    return f"{value.value} (undated)"


def _join(readings: list[list[tuple[ClaimValue, _Key]]]) -> str:
    return ", ".join(_show(r) for r in readings)


def anchor_days(
    comparisons: list[tuple[list[ClaimValue], list[str | None]]], opts: CompareOptions
) -> dict[str, str]:
    """The day each undated article is placed at: the latest day of the dated figures its own
    figures match (seeds: the undated Reuters copy gives "1,037", dated 2021-07-06 by AFP)."""
    anchors: dict[str, str] = {}
    for values, reps in comparisons:
        items = [(v, (v.date or "", r or "")) for v, r in zip(values, reps, strict=True)]
        precise = [it for it in items if (it[0].qualifier or "") not in _VAGUE_RANGE]
        for reading in _readings(precise, opts):
            days = [k[0] for _, k in reading if k[0]]
            if not days:
                continue
            for v, k in reading:
                if not k[0] and not k[1]:
                    for s in v.sources:
                        anchors[s] = max(anchors.get(s, ""), max(days))
    return anchors


def _values(group: list[Quantity]) -> tuple[list[ClaimValue], list[str | None]]:
    # One ClaimValue per (value, sentence); the same sentence in two articles cites both.
    merged: dict[tuple[str, str], tuple[ClaimValue, str | None]] = {}
    for q in sorted(group, key=lambda q: (q.date or "9999", q.reported or "", q.article_id, q.start)):
        key = (q.value.lower(), re.sub(r"\W+", " ", q.sentence.lower()).strip())
        if key in merged:
            if q.article_id not in merged[key][0].sources:
                merged[key][0].sources.append(q.article_id)
            continue
        merged[key] = (
            ClaimValue(
                value=q.value,
                number=q.number,
                qualifier=q.qualifier,
                sentence=q.sentence,
                sources=[q.article_id],
                date=q.date,
                attribution=q.attribution,
            ),
            q.reported,
        )
    return [v for v, _ in merged.values()], [r for _, r in merged.values()]


def _subject(group: list[Quantity], fold: dict[str, str]) -> str:
    """A short description: "Afghan troops who crossed the border into Tajikistan"."""
    desc = Counter(q.descriptor for q in group if q.descriptor).most_common(1)
    unit = group[0].unit
    events: Counter[str] = Counter()
    places: Counter[str] = Counter()
    display: dict[str, str] = {}
    for q in group:
        words = re.findall(r"[a-z]+", _TAKE_OVER.sub("captured", q.sentence).lower())
        # In order of first mention, not a set's order: that changes with the process's
        # string hashing and broke ties ("killed" / "wounded") differently from run to run.
        events.update(list(dict.fromkeys(_EVENT_OF[w] for w in words if w in _EVENT_OF)))
        for m in _PLACE_AFTER.finditer(q.sentence):
            key = fold.get(_strip(m.group(1)), _strip(m.group(1)))
            if desc and key == desc[0][0].lower():
                continue
            places[key] += 1
            display.setdefault(key, m.group(1))
    parts = [desc[0][0]] if desc else []
    parts.append(unit)
    event = events.most_common(1)[0][0] if events else None
    # Only an event most of the figures' sentences name, and not when the unit is one.
    if event and events[event] * 2 >= len(group) and unit not in _EVENT_OF:
        parts.append(_EVENT_PHRASE[event])
    else:
        event = None
    if places:
        key, n = places.most_common(1)[0]
        if n >= 2:
            display_name = _display(key, fold, display)
            parts.append(("into " if event == "cross" else "in ") + display_name)
    return " ".join(parts)


def _display(key: str, fold: dict[str, str], seen: dict[str, str]) -> str:
    name = seen.get(key, key)
    if name.lower() != key:
        return key.capitalize()
    return name
