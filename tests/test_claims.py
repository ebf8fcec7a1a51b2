"""Quantities on the seed articles: what is counted, qualifier, attribution and date."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from storyline.extract import claims
from storyline.extract.claims import extract_quantities
from storyline.model import Article

# Published dates the seed texts state themselves (001: "date 2021-07-04" header; 002:
# "Published in Dawn, July 6th, 2021" footer); the others state none.
PUBLISHED = {"001": "2021-07-04", "002": "2021-07-06"}
# Crude cleaning for the test: the first line is a title or header (002 has none), and the
# page furniture after these markers is not article text.
_CUTS = ("Must Read", "Our goal is to create", "Published in Dawn", "Free Press Kashmir is")


def load_seeds(seeds: Path, published: dict[str, str] | None = None) -> list[Article]:
    dates = {**PUBLISHED, **(published or {})}
    out = []
    for path in sorted(seeds.glob("*.txt")):
        aid = path.name[:3]
        text = path.read_text(encoding="utf-8")
        if aid != "002":
            text = text.split("\n", 1)[1]
        for cut in _CUTS:
            text = text.split(cut)[0]
        out.append(Article(id=aid, text=text, published=dates.get(aid)))
    return out


@pytest.fixture(scope="module")
def quantities(seeds: Path) -> dict[str, list[claims.Quantity]]:
    return {a.id: extract_quantities(a) for a in load_seeds(seeds)}


def _find(qs: list[claims.Quantity], value: str, unit: str) -> claims.Quantity:
    hits = [q for q in qs if q.value.lower() == value.lower() and q.unit == unit]
    assert hits, f"{value} {unit} not in {[(q.value, q.unit) for q in qs]}"
    return hits[0]


def test_troops_found_in_every_crossing_report(quantities):
    for aid in ("000", "001", "002", "003"):
        assert any(q.unit == "troops" for q in quantities[aid]), aid


def test_troops_values_qualifiers_and_attribution(quantities):
    q = _find(quantities["001"], "more than 300", "troops")
    assert (q.qualifier, q.number, q.descriptor) == ("more than", 300.0, "Afghan")
    assert q.attribution == "Tajikistan's State Committee for National Security"
    q = _find(quantities["000"], "1,037", "troops")  # "1,037 Afghan servicemen"
    assert (q.qualifier, q.number) == (None, 1037.0)
    assert q.attribution == "border guard service"
    q = _find(quantities["000"], "more than 1,000", "troops")  # "security personnel"
    assert q.attribution == "Tajik border guard service"
    q = _find(quantities["002"], "1,037", "troops")
    assert q.attribution == "Tajikistan’s national security committee"
    q = _find(quantities["003"], "more than 130", "troops")
    assert q.attribution is not None and "State Committee for National Security" in q.attribution


def test_districts_and_pronoun_attribution(quantities):
    six = _find(quantities["000"], "six", "districts")
    assert six.qualifier is None  # "took over six": a phrasal verb, not "over" = more than
    ten = [q for q in quantities["001"] if q.unit == "districts" and q.number == 10]
    assert len(ten) == 2
    # "..., 10 districts fell to the Taliban, eight without a fight, he said." -> the speaker
    # of the previous sentence.
    assert "Mohib-ul Rahman" in {q.attribution for q in ten}


def test_dates_resolve_against_publication(seeds):
    arts = {a.id: a for a in load_seeds(seeds, {"000": "2021-07-05", "003": "2021-06-22"})}
    q = _find(extract_quantities(arts["002"]), "more than 1,000", "troops")
    assert q.date == "2021-07-05" and q.reported == "2021-07-06"  # "on Monday", Tuesday paper
    q = _find(extract_quantities(arts["001"]), "more than 300", "troops")
    assert q.date == "2021-07-04"  # no day named: the publication date
    q = _find(extract_quantities(arts["000"]), "more than 1,000", "troops")
    assert q.date == "2021-07-04"  # "on Sunday" in a Monday report
    q = _find(extract_quantities(arts["003"]), "more than 130", "troops")
    assert q.date == "2021-06-21"  # "released yesterday afternoon"
    q = _find(extract_quantities(arts["002"]), "about 2,500", "troops")
    assert q.date == "2021-07-06"  # "Since May 1": a period start, not the day it held


def test_undated_article_gives_undated_quantities(quantities):
    assert all(q.date is None for q in quantities["000"])


def test_calendar_numbers_and_durations_are_skipped():
    text = (
        "In 2011, on July 2, 2021, Guo, 44, paid $5 million over 20 years to the 3rd "
        "battalion at 7 p.m. on 9/11, a 15-meter-long arm, and the two sides met."
    )
    assert extract_quantities(Article(id="x", text=text)) == []


def test_ranges_units_and_vague_figures():
    text = (
        "The evacuation of the remaining 2,500-3,500 US troops and 7,000 NATO soldiers "
        "continued. Hundreds of Afghan security force members fled. Taliban fighters took "
        "more than 50 of the country's 370 districts."
    )
    qs = extract_quantities(Article(id="x", text=text))
    got = {(q.value, q.unit, q.descriptor) for q in qs}
    assert ("2,500-3,500", "troops", "US") in got
    assert ("7,000", "troops", "NATO") in got
    assert ("Hundreds of", "troops", "Afghan") in got
    assert ("more than 50", "districts", None) in got
    rng = next(q for q in qs if q.value == "2,500-3,500")
    assert (rng.number, rng.high) == (2500.0, 3500.0)
    for q in qs:  # offsets point at the figure in the article text
        assert text[q.start : q.end].lower() == q.value.lower()


def test_docstring_examples():
    assert doctest.testmod(claims).failed == 0


def test_sentence_date_resolves_with_timex():
    """The day a loose sentence names, via storyline.extract.timex (no stand-in parser)."""
    f = claims.sentence_date
    assert f("Troops fled on Monday.", "2021-07-06") == "2021-07-05"
    assert f("Troops fled on Sunday night.", "2021-07-04") == "2021-07-04"  # same day
    assert f("It was released yesterday afternoon.", "2021-06-22") == "2021-06-21"
    assert f("Since May 1 fighting has spread.", "2021-07-06") is None
    assert f("On July 2, 2021 the base was vacated.", None) == "2021-07-02"
    assert f("Troops fled on Monday.", None) is None


def test_range_low_end_takes_the_scale_of_the_high_end():
    qs = extract_quantities(Article(id="x", text="Between 10 to 13,000 people crossed."))
    assert [(q.number, q.high, q.unit) for q in qs] == [(10_000.0, 13_000.0, "people")]


def test_units_are_plural_nouns_never_garbled():
    # Fictional sentences shaped like the garbled rows of issue 15 ("feets", "louds",
    # "purchaseds", "yearsâs"): no unit is made up by adding an "s".
    text = (
        "The climber reached 19,350 feet. Fans were 30 loud at the 2 purchased stands. "
        "After 20 yearsâ€™s wait, 12 stories of the tower fell. Police arrested 14 protesters."
    )
    qs = extract_quantities(Article(id="x", text=text))
    # Heights and distances are read, and never compared (compare skips MEASURES).
    assert {(q.value, q.unit) for q in qs if q.unit not in claims.MEASURES} == {("14", "protesters")}


def test_names_with_numbers_and_increments_are_skipped():
    text = (
        "Channel Seven said Flight 103 and Apollo 11 were named. Another 12 more people were "
        "hurt, and two other men were held. Nearly 20 people fled Corran's 300 homes."
    )
    got = {q.value for q in extract_quantities(Article(id="x", text=text))}
    assert got == {"nearly 20", "300"}


def test_attribution_is_a_real_speaker():
    f = claims.attribution
    assert f("Six people died, officials said on Monday.") == "officials"
    assert f("Ten died, said Dr. Ann Lee.") == "Dr. Ann Lee"
    assert f("Ten died, said U.S. officials.") == "U.S. officials"
    assert f("At least 144 people were killed, activists said.") == "activists"
    assert f("Ten died, the UN meanwhile said.") == "UN"
    assert f("Last week he said 40 people were hurt.") is None
    for fragment in ("Monday", "U", "Dr", "Last week he", "At least 144 people were"):
        assert not claims.speaker(fragment), fragment
    assert claims.speaker("Tajik border guard service") and claims.speaker("Mohib-ul Rahman")
