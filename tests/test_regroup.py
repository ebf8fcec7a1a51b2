"""Stories that split or merge while articles arrive in several `add` calls: the store ends
as one `digest` would leave it, stories that lost their articles go, and a merged story's
old id keeps answering (it redirects to the story it joined)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline import pipeline
from storyline.extract.entities import EntityOptions
from storyline.group import GroupOptions, GroupState
from storyline.model import Article
from storyline.store import Store
from test_group import _egypt_libya

FAST = pipeline.Options(
    group=GroupOptions(embedder="tfidf-hash"), entities=EntityOptions(use_spacy=False)
)


def _copy(articles: list[Article]) -> list[Article]:
    return [Article(id=a.id, text=a.text, title=a.title, published=a.published) for a in articles]


@pytest.fixture(scope="module")
def batched(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, set[str]]:
    """The slice added in batches of 60 (a store), what one call stores, the stories touched."""
    tmp = tmp_path_factory.mktemp("regroup")
    articles = sorted(_egypt_libya(data_dir)[0], key=lambda a: (a.published or "", a.id))
    with Store(tmp / "one.db") as one:
        pipeline.add_articles(one, _copy(articles), options=FAST)
        expected = one.groups()
    touched: set[str] = set()
    with Store(tmp / "many.db") as many:
        for start in range(0, len(articles), 60):
            result = pipeline.add_articles(many, _copy(articles[start : start + 60]), options=FAST)
            touched |= set(result.stories)
        # Analysed once at the end, as `add --no-analyze` then `add` would (the analysis of
        # ~300-article stories per batch is what makes this slow, not the grouping).
        pipeline.analyze(many, sorted(touched), FAST)
    return tmp / "many.db", expected, touched


def test_batches_store_what_one_call_stores(batched: tuple[Path, dict, set[str]]) -> None:
    db, expected, touched = batched
    with Store(db) as many:
        assert many.groups() == expected
        state = GroupState.from_dict(many.get_json(pipeline.GROUP_STATE))
        live = {sid for sid, _ in expected.values()}
        # A split and a merge happened; every story a batch touched (including one that
        # lost all its articles) was analysed or deleted: nothing stale is left behind.
        assert len(live) >= 2 and state.alias
        assert set(state.alias) <= touched
        assert pipeline.stale_stories(many) == []
        assert {s.id for s in many.stories()} == live
        for old in state.alias:
            assert pipeline.resolve_story_id(many, old) in live


def test_merged_story_id_redirects(batched: tuple[Path, dict, set[str]]) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from storyline.web import create_app

    db, _, _ = batched
    with Store(db) as store:
        alias = GroupState.from_dict(store.get_json(pipeline.GROUP_STATE)).alias
    old, new = next(iter(alias.items()))
    client = TestClient(create_app(db, options=FAST))
    page = client.get(f"/stories/{old}", follow_redirects=False)
    assert page.status_code == 301 and page.headers["location"].endswith(new)
    api = client.get(f"/api/stories/{old}")
    assert api.status_code == 200 and api.json()["story"]["id"] == new
    assert client.get("/stories/s-nothing").status_code == 404
