"""Verdicts: each written figure read as an interval, then agree / changed_over_time / conflict.

A figure is read as the closed interval of values it allows: "1,037" = [1037]; "more than
1,000" = [1000, 2000], up to the next step of its last significant digit, because news rounds
a count down to a round figure (the stated figure itself is allowed: a source that writes
"more than 300" and one that writes "300" report the same count loosely); "about 300" =
[270, 330]; "nearly 20" = [10, 20]; "hundreds of" = [200, 999]. If all intervals share a
point the sources agree; otherwise the values are split into mutually compatible readings,
and if those follow one another in time and rise, the figure changed_over_time; anything
else is a conflict.
"""

from __future__ import annotations

import math

from storyline.compare.options import CompareOptions
from storyline.extract.claims import to_number
from storyline.model import ClaimValue, Quantity


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


VAGUE_RANGE = {  # the conventional reading of vague plurals (a "hundreds" is at least 200)
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
    if qual in VAGUE_RANGE:
        return VAGUE_RANGE[qual]
    if high is not None:
        return n, float(high)
    reach = max(_step(n), opts.more_than_slack * n)
    if qual in {"more than", "over", "well over", "just over"}:
        return n, n + reach
    if qual in {"at least", "no fewer than", "no less than"}:
        return n, n + reach
    if qual in {"about", "around", "approximately", "roughly", "some", "an estimated"}:
        return n * (1 - opts.about_tolerance), n * (1 + opts.about_tolerance)
    if qual in {"nearly", "almost", "just under", "close to"}:
        return n - reach, n
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
    precise = [it for it in items if (it[0].qualifier or "") not in VAGUE_RANGE]
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
    """ "1,037 (2021-07-06)": the most precise value of a reading, with the day it held."""
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
        precise = [it for it in items if (it[0].qualifier or "") not in VAGUE_RANGE]
        for reading in _readings(precise, opts):
            days = [k[0] for _, k in reading if k[0]]
            if not days:
                continue
            for v, k in reading:
                if not k[0] and not k[1]:
                    for s in v.sources:
                        anchors[s] = max(anchors.get(s, ""), max(days))
    return anchors
