"""Feeds out and "what's new" on the web: Atom feeds parsed by a real feed parser
(feedparser), the changes API, the story page's "What's new" and its marks, the story list's
"new" marks (``?since=`` and the per-store cookie), entity pages. The store is the seeds
added in two runs (a story in motion) plus a fictional article full of markup."""

from __future__ import annotations

import shutil
from pathlib import Path

import feedparser
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402 - after the importorskip guard

from storyline import pipeline  # noqa: E402
from storyline.extract.entities import EntityOptions  # noqa: E402
from storyline.group import GroupOptions  # noqa: E402
from storyline.model import Article  # noqa: E402
from storyline.store import Store  # noqa: E402
from storyline.web import background_server, create_app  # noqa: E402

FAST = pipeline.Options(group=GroupOptions(embedder="tfidf-hash"), entities=EntityOptions(use_spacy=False))
SCRIPT = "<script>alert(1)</script>"


def add(store: Store, paths: list[Path] | None = None, articles: list[Article] | None = None) -> None:
    result = (
        pipeline.add(store, paths or [], FAST)
        if paths
        else pipeline.add_articles(store, articles or [], options=FAST)
    )
    pipeline.analyze(store, pipeline.stories_to_analyze(store, result), FAST)


def markup_article(n: int = 1) -> Article:
    return Article(
        id=f"tamsin-{n}",
        title=f"{SCRIPT}Ferry <b>aground</b> at Port Tamsin & beyond",
        outlet="Tamsin Gazette",
        published="2025-03-20",
        text="Residents of Port Tamsin said on Thursday that a ferry ran aground near the pier.\n"
        "The harbour master said that 40 passengers were taken ashore by lifeboat.",
    )


@pytest.fixture(scope="module")
def db(seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("feeds")
    files = sorted(seeds.iterdir())
    path = tmp / "feeds.db"
    with Store(path) as store:
        add(store, files[:2])  # revision 1: the story is made ("more than 300" troops)
        add(store, files[2:])  # revision 2: 1,037 troops, new outlets and timeline entries
        add(store, articles=[markup_article()])  # revision 3: another story, markup in its title
    return path


@pytest.fixture(scope="module")
def client(db: Path) -> TestClient:
    return TestClient(create_app(db, options=FAST))


@pytest.fixture(scope="module")
def seed_story(db: Path) -> str:
    with Store(db) as store:
        return next(s.id for s in store.stories() if len(s.article_ids) == 5)


def parsed(client: TestClient, url: str) -> feedparser.FeedParserDict:
    res = client.get(url)
    assert res.status_code == 200 and res.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(res.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_stories_feed_is_valid_atom_of_every_revision(client: TestClient, seed_story: str) -> None:
    feed = parsed(client, "/feeds/stories.atom")
    assert feed.feed.id == "http://testserver/feeds/stories.atom"
    assert {(link.rel, link.href) for link in feed.feed.links} >= {
        ("self", "http://testserver/feeds/stories.atom"),
        ("alternate", "http://testserver/"),
    }
    assert feed.feed.updated_parsed is not None and feed.feed.author == "storyline"
    ids = [e.id for e in feed.entries]
    assert len(ids) == 3 and len(set(ids)) == 3  # one entry per revision, newest first
    assert ids[1:] == [f"http://testserver/stories/{seed_story}#rev-{n}" for n in (2, 1)]
    assert all(e.updated_parsed is not None and e.link == e.id for e in feed.entries)
    # Markup in a story title is text in the feed, never markup.
    assert "<script>alert(1)</script>Ferry <b>aground</b>" in feed.entries[0].title
    raw = client.get("/feeds/stories.atom").text
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    assert [e.id for e in parsed(client, "/feeds/stories.atom?since=2").entries] == ids[:1]


def test_story_feed_names_what_changed(client: TestClient, seed_story: str) -> None:
    feed = parsed(client, f"/stories/{seed_story}/feed.atom")
    assert feed.feed.id == f"http://testserver/stories/{seed_story}/feed.atom"
    assert feed.feed.title.startswith("storyline: ")
    latest, first = feed.entries
    assert "+3 articles from 2 outlets" in latest.title
    assert "more than 300 → 1,037" in latest.content[0].value and "new story" in first.summary
    assert client.get("/stories/s-nope/feed.atom").status_code == 404
    assert client.get("/feeds/stories.atom?since=soonish").status_code == 400


def test_changes_api(client: TestClient, seed_story: str) -> None:
    res = client.get(f"/api/stories/{seed_story}/changes")
    assert res.status_code == 200
    body = res.json()
    assert body["story_id"] == seed_story and [r["number"] for r in body["revisions"]] == [2, 1]
    figure = next(c for c in body["revisions"][0]["changes"] if c["kind"] == "figure")
    assert (figure["before"], figure["after"]) == ("more than 300", "1,037")
    assert [
        r["number"] for r in client.get(f"/api/stories/{seed_story}/changes?since=1").json()["revisions"]
    ] == [2]
    assert client.get("/api/stories/s-nope/changes").status_code == 404
    assert "/api/stories/{story_id}/changes" in client.get("/openapi.json").json()["paths"]


def test_story_page_opens_with_whats_new_and_marks_new_items(client: TestClient, seed_story: str) -> None:
    html = client.get(f"/stories/{seed_story}").text
    news, summary = html.index("What's new"), html.index('id="summary"')
    assert news < summary and "more than 300 → 1,037" in html[news:summary]
    assert f'href="/stories/{seed_story}/feed.atom"' in html
    body = html[summary:]
    assert body.count('<span class="tag new">new</span>') >= 4  # timeline, summary, figures, names
    timeline = body[body.index('id="timeline"') : body.index('id="compare"')]
    assert 'class="new"' in timeline and "1,037" in timeline
    # Counted from revision 2: nothing after it, nothing marked.
    later = client.get(f"/stories/{seed_story}?since=2").text
    assert later[later.index('id="summary"') :].count('class="new"') == 0
    assert '<a href="/entities/Tajikistan">Tajikistan</a>' in html


def test_story_list_marks_stories_changed_since_the_last_visit(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    client = TestClient(create_app(copy, options=FAST))
    first = client.get("/")  # a first visit marks nothing, and remembers what it saw
    assert 'class="tag new"' not in first.text
    assert any(c.startswith("seen-") for c in client.cookies)
    assert client.get("/?since=2").text.count('class="tag new"') == 1  # the markup story only
    with Store(copy) as store:
        add(
            store,
            articles=[
                Article(
                    id="verrin-1",
                    text="The Verrin Dam held on Monday after rain.",
                    title="Verrin Dam holds",
                    published="2025-04-02",
                )
            ],
        )
    again = client.get("/").text  # the cookie says revision 3 was seen: only the new story
    assert again.count('class="tag new"') == 1
    marked = again[: again.index('class="tag new"')]
    assert marked.rindex("Verrin Dam holds") > marked.rfind("<li>")
    assert 'class="tag new"' not in client.get("/").text  # seen now


def test_entity_page_lists_its_stories_and_timeline(client: TestClient, seed_story: str) -> None:
    page = client.get("/entities/Tajikistan")
    assert page.status_code == 200 and f'href="/stories/{seed_story}"' in page.text
    assert page.text.count("<li>") >= 2  # the story, and dated entries naming Tajikistan
    assert client.get("/entities/Nobody%20Here").status_code == 404


def test_feed_over_a_real_server(db: Path, seed_story: str) -> None:
    app = create_app(db, options=FAST)
    with background_server(app) as base:
        feed = feedparser.parse(f"{base}/stories/{seed_story}/feed.atom")
    assert not feed.bozo and feed.status == 200 and len(feed.entries) == 2
    assert feed.entries[0].link == f"{base}/stories/{seed_story}#rev-2"
