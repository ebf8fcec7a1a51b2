"""The clean stage on the five seed articles and an evaluation gate on real boilerplate data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from storyline.clean import REASONS, CleanOptions, HtmlDocument, clean_text, extract_html
from storyline.model import Removed

# storyline F1 on the first 40 records of scrapinghub_text, measured 2026-11-25 with
# ``evaluate(scrapinghub_text, limit=40)``: storyline .934 (do-nothing .685). These 40 records
# were development data for CleanOptions, so the gate guards regressions, not quality claims
# (the held-out records 40-180 give .893). The floor leaves room for small deliberate
# trade-offs; lowering it is a visible decision.
SCRAPINGHUB40_F1_FLOOR = 0.90
# storyline must beat the raw page by at least this much on the same records.
MARGIN_OVER_DO_NOTHING = 0.15


def _seed(seeds: Path, prefix: str) -> tuple[str, str | None]:
    """A seed as ingest hands it over: metadata header and headline stripped, title apart."""
    path = next(seeds.glob(f"{prefix}_*.txt"))
    text = path.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    header = re.match(r"\s*date \d{4}-\d{2}-\d{2} (.*)", first)
    if header:
        return rest, header.group(1).strip()
    if prefix in ("000", "004"):  # these seeds open with their headline
        return rest, first.strip()
    return text, None


def _reasons(removed: list[Removed], fragment: str) -> set[str]:
    return {r.reason for r in removed if fragment in r.text}


def _assert_auditable(text: str, body: str, removed: list[Removed]) -> None:
    """Every non-blank input line is either in the body or among the removed pieces."""
    kept = body.split("\n") if body else []
    dropped = [r.text for r in removed]
    for line in text.splitlines():
        line = re.sub(r"[ \t\u00a0]+", " ", line).strip()
        if line:
            assert line in kept or line in dropped, line
    assert all(r.reason in REASONS for r in removed)


def test_seed_000_must_read_teasers(seeds: Path) -> None:
    text, title = _seed(seeds, "000")
    body, removed = clean_text(text, title)
    _assert_auditable(text, body, removed)
    assert "related-list" in _reasons(removed, "Must Read")
    assert "teaser" in _reasons(removed, "LHC told 54 cases")
    assert "teaser" in _reasons(removed, "FIA has registered three cases")
    assert "Peace talks between the two sides remain inconclusive." in body
    assert body.startswith("More than 1,000 Afghan security personnel fled")
    assert "Imran" not in body


def test_seed_001_recommended_stories_caption_byline_comments(seeds: Path) -> None:
    text, title = _seed(seeds, "001")
    body, removed = clean_text(text, title)
    _assert_auditable(text, body, removed)
    assert _reasons(removed, "Ben Farmer") == {"byline"}
    assert _reasons(removed, "3 min read") == {"byline"}
    caption = "An Afghan National Army soldier stands guard at a checkpoint"
    assert len([r for r in removed if caption in r.text]) == 2
    assert _reasons(removed, caption) <= {"caption", "duplicate-line"}
    assert caption not in body
    assert _reasons(removed, "temporarily suspending article commenting") == {"comment-notice"}
    assert _reasons(removed, "Recommended Stories") == {"related-list"}
    # teasers of other stories, one of them about the same war
    for teaser in ("Ukraine sparks fury", "Indians plant millions of saplings",
                   "Afghan troops flee to neighbouring countries", "Lobster", "Didi"):
        assert teaser.lower() not in body.lower()
    assert _reasons(removed, "Des Moines faces extreme measures") == {"teaser"}
    assert "Hundreds of Afghan troops fled into neighbouring Tajikistan" in body
    assert "The Pentagon has said it will continue to give funding" in body
    assert body.count("\n") + 1 == 16  # the article's 16 paragraphs, nothing else


def test_seed_002_footer_and_opinion_sidebar_keep_subheadings(seeds: Path) -> None:
    text, title = _seed(seeds, "002")
    body, removed = clean_text(text, title)
    _assert_auditable(text, body, removed)
    lines = body.split("\n")
    assert "Emergency situation" in lines
    assert "Call for Kabul to step up its counteroffensive as soon as possible" in lines
    assert _reasons(removed, "Published in Dawn, July 6th, 2021") == {"footer"}
    assert _reasons(removed, "Opinion") == {"sidebar"}
    assert _reasons(removed, "Updated 05 Nov, 2024") <= {"sidebar", "duplicate-line"}
    assert "Smog hazard" not in body and "Ceasefire charade" not in body
    assert lines[-1].startswith("Despite the Taliban’s rapid gains")


def test_seed_003_clean_article_is_untouched(seeds: Path) -> None:
    text, title = _seed(seeds, "003")
    body, removed = clean_text(text, title)
    assert removed == []
    assert len(body.split("\n")) == 10


def test_seed_004_promos_and_navigation(seeds: Path) -> None:
    text, title = _seed(seeds, "004")
    body, removed = clean_text(text, title)
    _assert_auditable(text, body, removed)
    assert _reasons(removed, "file photo") == {"caption"}
    assert _reasons(removed, "is now on Telegram") == {"promo"}
    assert _reasons(removed, "FPK Android App") == {"promo"}
    assert _reasons(removed, "Click to comment") == {"comment-notice"}
    assert _reasons(removed, "To Top") == {"navigation"}
    assert body.startswith("Taliban have captured Afghanistan’s main border crossing")
    assert "Jen Psaki, the White House Press Secretary" in body


def test_off_topic_teasers_without_header_are_found_by_similarity(seeds: Path) -> None:
    """Snippets of unrelated stories glued after an article, with no "Recommended" header
    and no keyword to give them away, are removed because they share no vocabulary with it."""
    article, _ = _seed(seeds, "003")
    teaser_text, _ = _seed(seeds, "001")
    snippets = [
        line.strip()
        for line in teaser_text.splitlines()
        if line.strip().startswith(("In the dim light", "The profitable U.S. lobster",
                                    "As tension runs high"))
    ]
    assert len(snippets) == 3
    body, removed = clean_text(article + "\n" + "\n".join(snippets))
    for snippet in snippets:
        assert snippet not in body
        assert _reasons(removed, snippet[:40]) == {"off-topic"}
    assert len(body.split("\n")) == 10  # the article itself is untouched


def test_title_repeated_in_text_is_removed(seeds: Path) -> None:
    text, title = _seed(seeds, "000")
    body, removed = clean_text(f"{title}\n{text}", title)
    assert _reasons(removed, title or "") == {"title"}
    assert title not in body


@pytest.mark.parametrize(
    "odd",
    ["", "   \n\n  ", "\x00\x01\x02" * 500, "\ufffd" * 1000, "word " * 200_000, "a\rb\r",
     "\n".join(["Home", "Menu", "Login"] * 50)],
)
def test_odd_input_never_raises(odd: str) -> None:
    body, removed = clean_text(odd)
    assert isinstance(body, str)
    assert all(isinstance(r, Removed) for r in removed)


def test_binary_input_is_not_text() -> None:
    body, removed = clean_text("\x00\x01\x02\x03 binary" * 100)
    assert body == ""
    assert [r.reason for r in removed] == ["not-text"]


def test_extract_html_metadata_and_debris() -> None:
    paragraph = (
        "<p>The border guard service said more than a thousand soldiers crossed the river "
        "overnight after the insurgents took six districts in the province.</p>"
    )
    html = (
        "<html><head><title>Troops cross border</title>"
        '<meta property="article:published_time" content="2021-07-05T10:00:00Z">'
        '<meta name="author" content="Jane Doe"></head><body><article>'
        "<h1>Troops cross border</h1>" + paragraph * 6
        + "<p>Free Press Kashmir is now on Telegram. Click here to Join.</p>"
        "</article></body></html>"
    )
    doc = extract_html(html, url="https://example.org/news/troops")
    assert isinstance(doc, HtmlDocument)
    assert doc.title == "Troops cross border"
    assert doc.date == "2021-07-05"
    assert doc.author == "Jane Doe"
    assert "border guard service said" in doc.text
    assert "Telegram" not in doc.text
    assert any(r.reason == "promo" for r in doc.removed)
    assert extract_html("").text == ""
    assert extract_html("\x00garbage<<<").text == ""


def test_options_are_used() -> None:
    text = "Sponsored by ACME widgets\n" + ("A sentence of the article body here. " * 8)
    _, removed = clean_text(text, options=CleanOptions(extra_patterns={"^sponsored by": "promo"}))
    assert [r.reason for r in removed] == ["promo"]


def test_eval_gate_scrapinghub_text(data_dir: Path) -> None:
    """storyline beats the raw page clearly and stays above its measured floor."""
    from storyline.evaluation.clean import evaluate

    path = data_dir / "boilerplate" / "scrapinghub_text.jsonl.gz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    report = evaluate(path, limit=40)
    assert report.task == "clean" and report.n == 40
    ours, floor = report.systems["storyline"], report.systems["do-nothing"]
    assert set(ours) == {"precision", "recall", "f1"}
    assert ours["f1"] >= floor["f1"] + MARGIN_OVER_DO_NOTHING
    assert ours["f1"] >= SCRAPINGHUB40_F1_FLOOR


def test_metric_matches_benchmark_definition() -> None:
    """Hand-computed cases of the scrapinghub benchmark's shingle metric."""
    from storyline.evaluation.clean import metrics_from_counts, shingle_matching

    gold = "one two three four five"
    assert shingle_matching(gold, gold) == (1.0, 0.0, 0.0)
    tp, fp, fn = shingle_matching(gold, "one two three four six seven")
    # gold shingles: (1234) (2345); predicted: (1234) (2346) (3467) -> tp 1, fp 2, fn 1
    assert (tp, fp, fn) == pytest.approx((0.25, 0.5, 0.25))
    m = metrics_from_counts([(tp, fp, fn), (1.0, 0.0, 0.0)])
    assert m["precision"] == pytest.approx((1 / 3 + 1) / 2)
    assert m["recall"] == pytest.approx((0.5 + 1) / 2)
