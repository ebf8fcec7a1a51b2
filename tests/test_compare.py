"""Cross-source comparison on the seed articles: agree / changed_over_time / conflict."""

from __future__ import annotations

import re
from pathlib import Path

from storyline.compare import CompareOptions, anchor_days, compare, explain, interval, label
from storyline.extract.claims import extract_quantities
from storyline.model import ClaimValue, Comparison
from test_claims import load_seeds


def _by_value(c: Comparison) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for v in c.values:
        out.setdefault(v.value.lower(), set()).update(v.sources)
    return out


def _troops(comparisons: list[Comparison]) -> Comparison:
    hits = [c for c in comparisons if "1,037" in _by_value(c)]
    assert len(hits) == 1, [c.subject for c in comparisons]
    return hits[0]


def _districts(comparisons: list[Comparison]) -> Comparison:
    hits = [c for c in comparisons if "six" in _by_value(c)]
    assert len(hits) == 1, [c.subject for c in comparisons]
    return hits[0]


def test_troops_crossing_compared_across_sources(seeds: Path):
    c = _troops(compare(load_seeds(seeds)))
    values = _by_value(c)
    assert {"000", "002"} <= values["1,037"]
    assert values["more than 300"] == {"001"}
    assert {"000", "002"} <= values["more than 1,000"]
    assert "about 2,500" not in values  # US troops withdrawing, another thing
    assert c.subject == "Afghan troops who crossed the border into Tajikistan"
    # As the seed texts date themselves, 000 (Reuters) and 003 carry no date. 000's figures
    # match dated ones; 003's "more than 130" matches none, and as the lowest count it can
    # only be an earlier one (counts grow): the reason says so rather than hiding it.
    assert c.label == "changed_over_time"
    assert c.reason == (
        "rose from more than 300 (2021-07-04) to 1,037 (2021-07-06); "
        "more than 130 (undated) reads as an earlier count"
    )


def test_troops_changed_over_time_once_every_report_is_dated(seeds: Path):
    # Dates from outside the texts: 000 was published Monday 2021-07-05 (it quotes an
    # official who "told Reuters on Monday"), 003 on 2021-06-22. Then the figures follow one
    # another: >130 (21 June), >300 (Sunday 4 July, Sunday-night report), >1,000 / 1,037
    # (Sunday's total in Monday's and Tuesday's reports): a count that grew, not a dispute.
    arts = load_seeds(seeds, {"000": "2021-07-05", "003": "2021-06-22"})
    c = _troops(compare(arts))
    assert c.label == "changed_over_time"
    assert _by_value(c)["more than 130"] == {"003"}


def test_districts_six_vs_ten_conflict(seeds: Path):
    for extra in ({}, {"000": "2021-07-05"}):
        c = _districts(compare(load_seeds(seeds, extra)))
        values = _by_value(c)
        assert values["six"] == {"000"} and values["10"] == {"001"}
        # Undated six vs 10 on 4 July; or, dated, a lower figure reported later: both are
        # sources disagreeing about the same districts (Badakhshan), not a count growing.
        assert c.label == "conflict", extra
        # Undated, 000 is placed by the figures it shares with dated reports (1,037 on 6 July).
        placed = "2021-07-05" if extra else "undated article, placed at 2021-07-06 by its other figures"
        assert c.reason == f"six ({placed}) is lower than the earlier 10 (2021-07-04)"
        assert "Badakhshan" in c.subject
        assert not {"dozens of", "more than 50", "370"} & set(values)  # country-wide counts


def test_nothing_absurd(seeds: Path):
    arts = load_seeds(seeds)
    qs = [q for a in arts for q in extract_quantities(a)]
    comparisons = compare(arts, qs)
    unit_of = {(q.article_id, q.value.lower(), q.sentence): q.unit for q in qs}
    for c in comparisons:
        assert c.label in {"agree", "changed_over_time", "conflict"}
        assert len({s for v in c.values for s in v.sources}) >= 2
        units = {unit_of[(s, v.value.lower(), v.sentence)] for v in c.values for s in v.sources}
        assert len(units) == 1, (c.subject, units)
        for v in c.values:
            assert v.value.lower() in v.sentence.lower()
            assert not re.fullmatch(r"(?:19|20)\d\d", v.value)  # no years
    assert {c.label for c in comparisons} >= {"conflict"}


def _cv(value: str, number: float, qualifier: str | None, date: str | None) -> ClaimValue:
    return ClaimValue(
        value=value, number=number, qualifier=qualifier, sentence=value, sources=["x"], date=date
    )


def test_intervals():
    assert interval(_cv("more than 1,000", 1000, "more than", None)) == (1000.000001, 2000)
    assert interval(_cv("about 300", 300, "about", None)) == (270, 330)
    assert interval(_cv("1,037", 1037, None, None)) == (1037, 1037)
    assert interval(_cv("2,500-3,500", 2500, None, None)) == (2500, 3500)
    assert interval(_cv("hundreds of", 100, "hundreds of", None)) == (200, 999)
    assert interval(_cv("up to 100", 100, "up to", None)) == (0, 100)


def test_labels():
    more_1000 = _cv("more than 1,000", 1000, "more than", "2021-07-05")
    exact = _cv("1,037", 1037, None, "2021-07-05")
    early = _cv("more than 300", 300, "more than", "2021-07-04")
    assert label([more_1000, exact]) == "agree"
    assert label([early, exact]) == "changed_over_time"
    same_day = _cv("more than 300", 300, "more than", "2021-07-05")
    assert label([same_day, exact]) == "conflict"
    later_lower = _cv("six", 6, None, "2021-07-05")
    assert label([_cv("10", 10, None, "2021-07-04"), later_lower]) == "conflict"
    assert (
        label([_cv("10", 10, None, "2021-07-04"), later_lower], CompareOptions(allow_decrease=True))
        == "changed_over_time"
    )
    # A later report of a larger figure for the same day is an update.
    assert (
        label(
            [early, _cv("more than 1,000", 1000, "more than", "2021-07-04")],
            reported=["2021-07-04", "2021-07-05"],
        )
        == "changed_over_time"
    )
    # Vague figures do not overturn precise ones.
    assert label([exact, _cv("hundreds of", 100, "hundreds of", "2021-07-05")]) == "agree"


def test_undated_figures():
    exact = _cv("1,037", 1037, None, "2021-07-05")
    early = _cv("more than 300", 300, "more than", "2021-07-04")
    undated_low = _cv("more than 130", 130, "more than", None)
    # Nothing dated: two different figures cannot be ordered.
    assert explain([undated_low, _cv("1,037", 1037, None, None)]) == (
        "conflict",
        "more than 130 (undated), 1,037 (undated) differ, and no source dates them",
    )
    assert label([undated_low, early, exact]) == "changed_over_time"
    # Between two readings of the same day there is no room for it.
    mid = _cv("more than 500", 500, "more than", None)
    same_day = [_cv("more than 300", 300, "more than", "2021-07-05"), exact]
    assert label([mid, *same_day]) == "conflict"
    # An undated article's figure is placed by the article's other figures (anchors).
    six = ClaimValue(value="six", number=6, qualifier=None, sentence="six", sources=["a"])
    ten = _cv("10", 10, None, "2021-07-04")
    assert label([six, ten]) == "changed_over_time"  # unplaced: read as an earlier count
    assert label([six, ten], anchors={"a": "2021-07-06"}) == "conflict"
    same = ClaimValue("1,037", 1037, None, "1,037", ["a"])
    assert anchor_days([([exact, same], [None, None])], CompareOptions()) == {"a": "2021-07-05"}


def test_empty_input():
    assert compare([]) == []
