"""``storyline.options.Options``: complete, light to import, saved with the store, and the
summarizer seam it selects through."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import storyline
from storyline import pipeline
from storyline.errors import StorylineError
from storyline.model import Article, Citation
from storyline.options import Options
from storyline.store import Store
from storyline.summarize import SUMMARIZERS, get_summarizer, summarize


def test_one_options_class_everywhere() -> None:
    assert storyline.Options is Options
    assert pipeline.Options is Options


def test_every_stage_is_reachable() -> None:
    from storyline.clean import CleanOptions
    from storyline.compare import CompareOptions
    from storyline.dedupe import DedupeOptions
    from storyline.extract.entities import EntityOptions
    from storyline.extract.timex import TimexOptions
    from storyline.group import GroupOptions
    from storyline.ingest import IngestOptions
    from storyline.summarize import LLMOptions, SummaryOptions
    from storyline.timeline import TimelineOptions

    opts = Options()
    expected = {
        "ingest": IngestOptions, "clean": CleanOptions, "dedupe": DedupeOptions,
        "group": GroupOptions, "timex": TimexOptions, "entities": EntityOptions,
        "compare": CompareOptions, "timeline": TimelineOptions, "summary": SummaryOptions,
        "llm": LLMOptions,
    }  # fmt: skip
    for name, cls in expected.items():
        assert isinstance(getattr(opts, name), cls), name
    assert opts.summary.method == "extractive"


def test_import_is_light() -> None:
    """No stage, no model library: the CLI and the engines import it for types and flags."""
    code = (
        "import json, sys, storyline.options\n"
        "mods = set(sys.modules)\n"
        "heavy = {'torch', 'spacy', 'nltk', 'sentence_transformers', 'datasketch', 'rapidfuzz'}\n"
        "stages = {m for m in mods if m.startswith('storyline.')}\n"
        "print(json.dumps([sorted(heavy & mods), sorted(stages)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    heavy, stages = json.loads(out.stdout)
    assert heavy == []
    assert set(stages) <= {"storyline.options", "storyline.errors", "storyline.model", "storyline.text"}


def test_round_trip_defaults() -> None:
    data = Options().to_dict()
    assert json.loads(json.dumps(data)) == data  # plain JSON
    assert Options.from_dict(json.loads(json.dumps(data))) == Options()
    hooked = Options()
    hooked.timeline.timexes = lambda text, dct: []
    assert "timexes" not in hooked.to_dict()["timeline"]  # a function hook, not a setting


def test_unknown_keys_and_bad_values_fall_back_to_defaults() -> None:
    opts = Options.from_dict({
        "no_such_stage": {"x": 1},
        "summary": {"sentences": "many", "words": 80, "no_such_option": 3, "support": [1]},
        "group": {"story": {"threshold": 0.2, "bogus": 1}, "split_sizes": [5, 9]},
        "batch_size": None,
        "compare": "not a mapping",
    })  # fmt: skip
    default = Options()
    assert opts.summary.sentences == default.summary.sentences
    assert opts.summary.words == 80
    assert opts.summary.support == default.summary.support
    assert opts.group.story.threshold == 0.2
    assert opts.group.story.w_tok == default.group.story.w_tok
    assert opts.group.split_sizes == (5, 9)
    assert opts.batch_size == default.batch_size  # not optional: None is refused
    assert opts.compare == default.compare
    assert Options.from_dict(None) == default
    assert Options.from_dict({"summary": {"sentences": None}}).summary.sentences is None


_words = st.text(alphabet="abcdefgh-", min_size=1, max_size=8)


@st.composite
def _options(draw: st.DrawFn) -> Options:
    opts = Options()
    opts.engine = draw(st.sampled_from(["local", "dask"]))
    opts.scheduler = draw(st.none() | st.just("tcp://10.0.0.5:8786"))
    opts.batch_size = draw(st.integers(1, 10**6))
    opts.summary.sentences = draw(st.none() | st.integers(1, 50))
    opts.summary.words = draw(st.none() | st.integers(10, 5000))
    opts.summary.method = draw(st.sampled_from(["extractive", "llm"]))
    opts.summary.lead_weight = draw(st.floats(0, 2, allow_nan=False))
    opts.summary.support.min_coverage = draw(st.floats(0, 1, allow_nan=False))
    opts.llm.url = draw(st.none() | st.just("http://127.0.0.1:8080"))
    opts.llm.model = draw(st.none() | _words)
    opts.llm.api_key = draw(st.none() | _words)
    opts.clean.extra_patterns = draw(st.dictionaries(_words, _words, max_size=3))
    opts.clean.list_stop_reasons = tuple(draw(st.lists(_words, max_size=3)))
    opts.compare.skip_units = frozenset(draw(st.lists(_words, max_size=4)))
    opts.group.split_sizes = tuple(draw(st.lists(st.integers(1, 100), max_size=3)))
    opts.group.story.threshold = draw(st.floats(0, 1, allow_nan=False))
    opts.entities.use_spacy = draw(st.none() | st.booleans())
    opts.timeline.start = draw(st.none() | st.just("2021-07-01"))
    opts.timex = dataclasses.replace(opts.timex, future_window_days=draw(st.integers(0, 365)))
    return opts


@settings(max_examples=60, deadline=None)
@given(_options())
def test_round_trip_property(opts: Options) -> None:
    data = json.loads(json.dumps(opts.to_dict()))
    assert Options.from_dict(data) == opts


def test_saved_with_the_store_without_secrets_or_run_settings(tmp_path: Path) -> None:
    opts = Options(engine="dask", scheduler="tcp://x:1", batch_size=7)
    opts.summary.sentences = 2
    opts.llm.api_key = "secret"
    with Store(tmp_path / "s.db") as store:
        assert pipeline.stored_options(store) == Options()  # a new store: defaults
        pipeline.save_options(store, opts)
        saved = store.get_json(pipeline.OPTIONS)
        back = pipeline.stored_options(store)
    assert "secret" not in json.dumps(saved)
    assert back.summary.sentences == 2
    assert back.llm.api_key is None
    assert (back.engine, back.scheduler, back.batch_size) == ("local", None, 1000)


def _article(aid: str, text: str) -> Article:
    return Article(id=aid, text=text, published="2024-03-09")


ARTICLES = [
    _article("a", "The river flooded the town of Alba on Monday, officials said. "
                  "Rescue teams moved 200 families to the school on the hill overnight. "
                  "The mayor asked residents to stay away from the old bridge until Friday."),
    _article("b", "Floods hit Alba on Monday after two days of rain, officials said. "
                  "About 200 families spent the night in the school on the hill. "
                  "Engineers will inspect the old bridge before it opens again."),
]  # fmt: skip


class EchoSummarizer:
    """A summarizer registered by the tests: the first sentence of the first article."""

    def summarize(self, articles: list[Article], options: Options) -> list[Citation]:
        return [Citation(text=articles[0].text.split(". ")[0] + ".", sources=[articles[0].id])]


def test_summarizer_is_chosen_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    opts = Options()
    story = pipeline.analyze_story("s", ARTICLES, {}, opts)
    assert story.summary == get_summarizer("extractive").summarize(ARTICLES, opts)
    assert story.summary == summarize(ARTICLES, opts.summary)

    monkeypatch.setitem(SUMMARIZERS, "echo", f"{__name__}:EchoSummarizer")
    opts.summary.method = "echo"
    story = pipeline.analyze_story("s", ARTICLES, {}, opts)
    assert [c.text for c in story.summary] == [
        "The river flooded the town of Alba on Monday, officials said."
    ]


def test_unknown_or_unconfigured_summarizer_is_a_storyline_error() -> None:
    with pytest.raises(StorylineError, match="unknown summary method"):
        get_summarizer("abstractive-magic")
    opts = Options()
    opts.summary.method = "llm"  # but no URL
    with pytest.raises(StorylineError, match="needs an endpoint"):
        pipeline.analyze_story("s", ARTICLES, {}, opts)


def test_analyze_without_options_uses_the_stored_ones(tmp_path: Path) -> None:
    opts = Options()
    opts.group.embedder = "tfidf-hash"
    opts.entities.use_spacy = False
    opts.summary.sentences = 1
    with Store(tmp_path / "s.db") as store:
        result = pipeline.add_articles(store, ARTICLES, options=opts)
        stories = pipeline.analyze(store, result.stories)  # no options: the saved ones
    assert stories and all(len(s.summary) == 1 for s in stories)
