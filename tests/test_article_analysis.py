"""Per-article analysis is computed once, kept in the store, and reused by story analysis."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline import pipeline
from storyline.extract import analysis as analysis_mod
from storyline.model import Article, to_dict
from storyline.store import Store

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "news"


def _corpus() -> Path:
    return SEEDS if SEEDS.is_dir() else EXAMPLES


def test_analysis_is_stored_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(tmp_path / "s.db") as store:
        report, result = pipeline.digest(store, [_corpus()])
        ids = [aid for s in report.stories for aid in s.article_ids]
        stored = store.analyses(ids)
        # Every article of an analysed story has its sentences and figures kept.
        assert set(stored) == set(ids)
        assert all(d["sentences"] and d["quantities"] is not None for d in stored.values())
        before = [to_dict(s) for s in report.stories]

        # A second analysis must not split or tag any article again: it reads the store.
        def refuse(*_args: object, **_kw: object) -> None:
            raise AssertionError("an article was analysed twice")

        monkeypatch.setattr(analysis_mod, "split_sentences", refuse)
        monkeypatch.setattr(analysis_mod, "_mentions", refuse)
        writes: list[int] = []
        put = store.put_analyses
        monkeypatch.setattr(store, "put_analyses", lambda items: (writes.append(len(items)), put(items)))
        again = pipeline.analyze(store, [s.id for s in report.stories])
        assert [to_dict(s) for s in again] == before
        assert writes == []  # nothing new was learnt, so nothing is written again


def test_stale_analysis_is_recomputed(tmp_path: Path) -> None:
    """A stored record made from another text is ignored, not trusted."""
    with Store(tmp_path / "s.db") as store:
        report, _ = pipeline.digest(store, [_corpus()])
        story = report.stories[0]
        aid = story.article_ids[0]
        record = store.analyses([aid])[aid]
        record["sentences"] = [[0, 5, "Bogus"]]  # what another text would have given
        record["checksum"] = "0" * 16
        store.put_analyses({aid: record})
        again = pipeline.analyze(store, [story.id])
        assert to_dict(again[0]) == to_dict(story)
        assert store.analyses([aid])[aid]["sentences"] != [[0, 5, "Bogus"]]


def test_article_page_dates_read_as_a_reader_reads_them() -> None:
    # What the web article page lists under "Dates": the readable form, never the code.
    from storyline.web.views import article_extractions

    art = Article(id="x", text="On Thursday morning police arrested the 68-year-old at his home.",
                  published="2011-03-11")
    dates, _, _, unavailable = article_extractions(art)
    assert not unavailable.get("dates") and dates is not None
    shown = {d.text: (d.value, d.readable) for d in dates}
    assert shown["Thursday morning"] == ("2011-03-10TMO", "10 Mar 2011, morning")
    assert shown["68-year-old"] == ("P68Y", "age 68")
