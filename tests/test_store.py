"""The stores: round trips, idempotent adds, clashing ids kept, search, one writer at a time,
integrity. Every test runs against SQLite and PostgreSQL (``new_store_target``, conftest)."""

from __future__ import annotations

import builtins
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline import pipeline
from storyline.errors import InputError, MissingExtraError
from storyline.extract.entities import EntityOptions
from storyline.group import GroupOptions
from storyline.model import Article, Entity, IngestError, Removed, Story
from storyline.store import ArticleRow, Store, StoredBatch, StoryListing, StoryStore, open_store

NewTarget = Callable[[], "str | Path"]
REPO = Path(__file__).resolve().parents[1]

ids = st.text(alphabet="abcdefghij0123456789-_", min_size=1, max_size=12)
texts = st.text(min_size=1, max_size=400).filter(lambda t: t.strip() != "")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(ids, texts, st.none() | st.text(max_size=50)),
        min_size=1,
        max_size=6,
        unique_by=lambda x: x[0],
    )
)
def test_round_trip(new_store_target: NewTarget, rows: list[tuple[str, str, str | None]]) -> None:
    arts = [
        Article(id=i, text=t, title=title, removed=[Removed("x", "teaser")], published="2021-07-04")
        for i, t, title in rows
    ]
    with open_store(new_store_target()) as store:
        first = store.add_articles(arts)
        assert isinstance(first, StoredBatch) and first.added == [a.id for a in arts]
        again = store.add_articles([Article(**{**a.__dict__}) for a in arts])
        assert again.added == [] and sorted(again.unchanged) == sorted(a.id for a in arts)
        loaded = {a.id: a for a in store.articles()}
    for art in arts:
        assert loaded[art.id] == art


def test_backends_satisfy_the_protocol(new_store_target: NewTarget) -> None:
    with open_store(new_store_target()) as store:
        assert isinstance(store, StoryStore)


def test_same_id_other_text_is_kept_under_a_derived_id(new_store_target: NewTarget) -> None:
    with open_store(new_store_target()) as store:
        store.add_articles([Article(id="x", text="first text")])
        res = store.add_articles([Article(id="x", text="second, different text")])
        assert list(res.renamed) == ["x"] and res.renamed["x"].startswith("x~")
        res2 = store.add_articles([Article(id="x", text="second, different text")])
        assert res2.added == [] and res2.unchanged == [res.renamed["x"]]
        assert {a.text for a in store.articles()} == {"first text", "second, different text"}
        assert store.integrity_ok()


def test_stories_and_search(new_store_target: NewTarget) -> None:
    with open_store(new_store_target()) as store:
        store.add_articles([
            Article(id="a", text="The Verrin Dam held on Monday.", title="Dam holds"),
            Article(id="b", text="Rain fell on Verrin again; the river rose.", title="Rain"),
        ])
        store.put_story(Story(id="s-1", title="Dam", article_ids=["a"]), ("2025-03-10", "2025-03-10"))
        store.put_story(Story(id="s-2", title="Old", article_ids=["b"]), ("2025-01-01", "2025-01-02"))
        store.put_story(Story(id="s-0", title="Undated", article_ids=[]))
        store.put_story(Story(id="s-2", title="Older", article_ids=["b"]), ("2025-01-01", "2025-01-02"))
        assert store.story("s-1").title == "Dam" and store.story("nope") is None
        assert [s.id for s in store.stories()] == ["s-1", "s-2", "s-0"]  # newest last date first
        assert [s.title for s in store.stories(["s-2"])] == ["Older"]
        assert store.search("verrin") == ["a", "b"] or store.search("verrin") == ["b", "a"]
        assert store.search("VERRIN dam") == ["a"]  # every word, any case, title or text
        assert store.search("holds") == ["a"]
        assert store.search("verrin", limit=1) in (["a"], ["b"])
        assert store.search('dam" OR "x') == []  # quotes in queries cannot break FTS syntax
        assert store.search("dam OR rain") == []  # nor can operators: every word must match
        assert store.search("   ") == []
        store.delete_story("s-1")
        assert store.story("s-1") is None


def test_groups_rows_signatures_and_copies(new_store_target: NewTarget) -> None:
    rng = np.random.default_rng(7)
    sig_a = rng.integers(0, 2**64 - 1, size=128, dtype=np.uint64)
    sig_b = rng.integers(0, 2**64 - 1, size=128, dtype=np.uint64)
    with open_store(new_store_target()) as store:
        store.add_articles(
            [
                Article(id="a", text="one", title="A", outlet="Post", published="2025-03-09",
                        url="https://example.org/a"),
                Article(id="b", text="one again", duplicate_of="a"),
                Article(id="c", text="no signature"),
            ],
            {"a": (sig_a, 40), "b": (sig_b, 41)},
        )
        store.set_group("a", "s-1", "e-1")
        store.set_group("b", "s-1", None)
        assert store.groups() == {"a": ("s-1", "e-1"), "b": ("s-1", None), "c": (None, None)}
        sigs = list(store.signatures())
        assert [(s[0], s[2], s[3]) for s in sigs] == [("a", 40, None), ("b", 41, "a")]
        assert sigs[0][1].dtype == np.uint64 and np.array_equal(sigs[0][1], sig_a)
        assert np.array_equal(sigs[1][1], sig_b)
        assert store.article_rows() == [
            ArticleRow("a", "A", "Post", "2025-03-09", None, "s-1", "e-1", "https://example.org/a"),
            ArticleRow("b", None, None, None, "a", "s-1", None, None),
            ArticleRow("c", None, None, None, None, None, None, None),
        ]
        assert store.duplicates("a") == ["b"] and store.duplicates("b") == []
        assert [a.id for a in store.articles(["c", "a", "a"])] == ["a", "c"]  # insertion order
        assert store.article("b").duplicate_of == "a" and store.article("zz") is None
        assert store.count_articles() == 3


def test_page_queries_read_only_what_a_page_shows(new_store_target: NewTarget) -> None:
    with open_store(new_store_target()) as store:
        store.add_articles([
            Article(id="a", text="Dam holds.", title="A", published="2025-03-09",
                    url="https://example.org/a"),
            Article(id="b", text="Rain again.", title="B", published="2025-03-10"),
            Article(id="c", text="Old news.", published="2024-01-01", outlet="Post",
                    url="https://example.org/c"),
            Article(id="d", text="Copy: dam holds.", duplicate_of="a"),
        ])
        for aid, sid in (("a", "s-1"), ("b", "s-1"), ("d", "s-1"), ("c", "s-2")):
            store.set_group(aid, sid, None)
        store.put_story(Story(id="s-1", title="Dam", article_ids=["a", "b", "d"]),
                        ("2025-03-09", "2025-03-10"))
        store.put_story(Story(id="s-2", title="Old", article_ids=["c"]), ("2024-01-01", "2024-01-01"))
        store.put_story(Story(id="s-3", title="Same day, smaller", article_ids=[]),
                        ("2025-03-10", "2025-03-10"))
        store.put_story(Story(id="s-0", title="Undated", article_ids=[]))
        store.add_errors([IngestError("x.txt", "empty")])
        listed = store.story_listing()
        # Ranked by coverage fading with age: s-1 (3 fresh articles), s-2 (one article a year
        # old: 4 / 15.5) above s-3 (fresh, but no article: 0), the undated story last.
        assert [s.id for s in listed] == ["s-1", "s-2", "s-3", "s-0"]
        assert listed[0] == StoryListing("s-1", "Dam", "2025-03-09", "2025-03-10", 3, 1, None,
                                         listed[0].updated)
        assert [s.id for s in store.story_listing(offset=1, limit=2)] == ["s-2", "s-3"]
        assert store.story_listing(offset=9, limit=5) == [] and store.count_stories() == 4
        assert store.story_titles(["s-2", "nope", "s-1"]) == {"s-2": "Old", "s-1": "Dam"}
        rows = store.article_rows_for(["d", "a", "zz", "a"])
        assert rows == [ArticleRow("a", "A", None, "2025-03-09", None, "s-1", None,
                                   "https://example.org/a"),
                        ArticleRow("d", None, None, None, "a", "s-1", None, None)]
        assert [r.id for r in store.story_article_rows(["s-1"])] == ["a", "b", "d"]
        # the URL only where it stands in for a missing outlet
        assert store.story_article_rows(["s-2", "s-9"]) == [
            ArticleRow("c", None, "Post", "2024-01-01", None, "s-2", None, None)]
        assert store.article_texts(["b", "zz"]) == {"b": "Rain again."}
        assert store.count_errors() == 1
        assert store.article_rows_for([]) == [] and store.story_titles([]) == {}


def test_meta_json_and_errors(new_store_target: NewTarget) -> None:
    with open_store(new_store_target()) as store:
        assert store.get_meta("store_version") == "1"
        assert store.get_json("state") is None
        store.set_json("state", {"alias": {"s-2": "s-1"}, "n": [1, 2.5]})
        store.set_json("state", {"alias": {"s-3": "s-1"}})
        assert store.get_json("state") == {"alias": {"s-3": "s-1"}}
        store.add_errors([IngestError("a.txt", "empty"), IngestError("b.txt", "not UTF-8")])
        store.add_errors([IngestError("a.txt", "empty")])
        found = sorted((e.path, e.error) for e in store.errors())
        assert found == [("a.txt", "empty"), ("b.txt", "not UTF-8")]


def test_analyses_round_trip_and_go_with_their_article(new_store_target: NewTarget) -> None:
    with open_store(new_store_target()) as store:
        store.add_articles([Article(id="a", text="one"), Article(id="b", text="two")])
        assert store.analyses(["a", "b"]) == {}
        store.put_analyses({"a": {"sentences": ["One."], "dates": [], "n": 1.5}, "b": {"é": None}})
        store.put_analyses({"b": {"figures": [3]}})
        assert store.analyses(["a", "b", "zz"]) == {
            "a": {"sentences": ["One."], "dates": [], "n": 1.5},
            "b": {"figures": [3]},
        }
        with store.writing():  # no delete method yet: the web/CLI never delete articles
            store.conn.execute("DELETE FROM articles WHERE id = 'a'")  # type: ignore[attr-defined]  # both backends have conn
        assert store.analyses(["a", "b"]) == {"b": {"figures": [3]}}


def test_a_failed_transaction_leaves_nothing(new_store_target: NewTarget) -> None:
    with open_store(new_store_target()) as store:
        try:
            with store.writing():
                store.add_articles([Article(id="a", text="text")])
                store.put_story(Story(id="s-1", title="t", article_ids=["a"]))
                raise RuntimeError("killed")
        except RuntimeError:
            pass
        assert store.count_articles() == 0 and store.stories() == []
        store.add_articles([Article(id="a", text="text")])  # and the store is usable after
        assert store.count_articles() == 1


def test_one_writer_at_a_time_readers_never_wait(new_store_target: NewTarget) -> None:
    target = new_store_target()
    order: list[str] = []
    opened, go = threading.Event(), threading.Event()

    def writer() -> None:  # another process, in effect: its own connection
        with open_store(target) as second:  # opening takes the write lock too: do it first
            opened.set()
            go.wait(10)
            with second.writing():
                order.append("second")
                second.add_articles([Article(id="b", text="two")])

    with open_store(target) as first:
        thread = threading.Thread(target=writer)
        thread.start()
        assert opened.wait(10)
        with first.writing():
            first.add_articles([Article(id="a", text="one")])
            go.set()
            time.sleep(0.5)  # the second writer is now waiting for the lock
            with open_store(target, readonly=True, timeout=5) as reader:
                assert reader.count_articles() == 0  # sees only committed data, without waiting
            order.append("first")
        thread.join(20)
        assert order == ["first", "second"]
        assert [a.id for a in first.articles()] == ["a", "b"]


def test_readonly_store_reads_and_refuses_a_missing_store(new_store_target: NewTarget) -> None:
    target = new_store_target()
    with open_store(target) as store:
        store.add_articles([Article(id="a", text="The Verrin Dam held.")])
    with open_store(target, readonly=True) as reader:
        assert reader.count_articles() == 1 and reader.search("dam") == ["a"]
        assert reader.analyses(["a"]) == {}
    if isinstance(target, Path):
        missing: str | Path = target.with_name("missing.db")
    else:
        import psycopg

        base, _, name = target.rpartition("/")
        missing = f"{base}/{name}_empty"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}_empty")
    with pytest.raises(InputError):
        open_store(missing, readonly=True)


def test_digest_gives_the_same_stories_on_every_backend(
    new_store_target: NewTarget, tmp_path: Path
) -> None:
    """The pipeline end to end: the same stories (ids, titles, articles) as into SQLite."""
    opts = pipeline.Options(
        group=GroupOptions(embedder="tfidf-hash"), entities=EntityOptions(use_spacy=False)
    )
    paths = [REPO / "examples" / "news"]

    def run(target: str | Path) -> list[tuple[str, str, list[str]]]:
        with open_store(target) as store:
            report, result = pipeline.digest(store, paths, opts)
            assert result.ingested
            again = pipeline.add(store, paths, opts)
            assert again.new == []
            return [(s.id, s.title, s.article_ids) for s in report.stories]

    assert run(new_store_target()) == run(tmp_path / "reference.db")


def test_open_store_by_path_or_url(tmp_path: Path) -> None:
    with open_store(tmp_path / "a.db") as store:
        assert isinstance(store, Store)
    with open_store(str(tmp_path / "b.db")) as store:
        assert isinstance(store, Store)
    with pytest.raises(InputError, match="no store backend"):
        open_store("mysql://localhost/x")


def test_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "psycopg":
            raise ImportError("No module named 'psycopg'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MissingExtraError, match=r"storyline\[postgres\]"):
        open_store("postgresql://nobody@127.0.0.1:1/none")


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    try:
        Store(bad)
    except Exception as exc:  # noqa: BLE001 - checking the type and message below
        assert "not a usable storyline database" in str(exc)
        assert not isinstance(exc, sqlite3.DatabaseError)
    else:
        raise AssertionError("expected an error")


def test_unreachable_server_is_a_one_line_input_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(InputError, match="cannot connect") as info:
        open_store("postgresql://nobody:secret@127.0.0.1:1/none", timeout=2)
    assert "secret" not in str(info.value)


def test_revisions_are_numbered_filtered_and_rolled_back(new_store_target: NewTarget) -> None:
    from storyline.model import Change, Revision

    target = new_store_target()

    def rev(story_id: str, at: str, text: str) -> Revision:
        change = Change("figure", text, "300", "1,037", ["troops"])
        return Revision(story_id, f"Story {story_id}", at, [change])

    with open_store(target) as store:
        assert store.latest_revision() == 0 and store.revisions() == [] and store.revised_stories() == {}
        made = [rev("s-1", "2026-07-04T10:00:00+00:00", "troops: 300 → 1,037"),
                rev("s-2", "2026-07-05T10:00:00+00:00", "districts: 6 → 10 é"),
                rev("s-1", "2026-07-06T10:00:00+00:00", "troops: 1,037 → 1,500")]
        numbers = store.add_revisions(made)
        assert numbers == sorted(numbers) and len(set(numbers)) == 3
        assert [r.number for r in made] == numbers and store.latest_revision() == numbers[-1]
        assert store.revisions() == made[::-1]  # newest first, every field round-trips
        assert [r.number for r in store.revisions(["s-1"])] == [numbers[2], numbers[0]]
        assert store.revisions(since=numbers[1]) == [made[2]]
        assert store.revisions(since="2026-07-04T12:00:00+00:00", limit=1) == [made[2]]
        assert store.revisions([], since=0) == []
        assert store.revised_stories() == {"s-1": numbers[2], "s-2": numbers[1]}
        assert store.revised_stories(numbers[1]) == {"s-1": numbers[2]}
        assert store.revised_stories("2026-07-05T00:00:00+00:00") == {"s-1": numbers[2], "s-2": numbers[1]}
        try:
            with store.writing():
                store.add_revisions([rev("s-3", "2026-07-07T10:00:00+00:00", "killed")])
                raise RuntimeError("killed")
        except RuntimeError:
            pass
        assert store.latest_revision() == numbers[-1] and "s-3" not in store.revised_stories()
        later = store.add_revisions([rev("s-3", "2026-07-08T10:00:00+00:00", "later")])
        assert later[0] > numbers[-1]  # numbers only grow: a reader's "last seen" stays valid
    with open_store(target, readonly=True) as reader:
        assert [r.story_id for r in reader.revisions(limit=2)] == ["s-3", "s-1"]
        assert reader.latest_revision() == later[0]


def test_a_store_from_before_revisions_reads_as_having_none(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with Store(db) as store:
        store.add_articles([Article(id="a", text="one")])
    with sqlite3.connect(db) as conn:  # as written by a storyline without revisions
        conn.execute("DROP TABLE revisions")
    with open_store(db, readonly=True) as reader:
        assert reader.revisions() == [] and reader.latest_revision() == 0 and reader.revised_stories(3) == {}
    with open_store(db) as writer:  # opened to write, it gains the table
        assert writer.add_revisions([]) == [] and writer.latest_revision() == 0


def _listing_store(store: StoryStore) -> None:
    """Five stories: two widely covered (3+ articles, 2+ outlets), one recent but from one
    outlet, one old single article, one made of sign-up prompts (noise)."""
    arts = []
    for sid, n, outlets, day in (("big", 4, ["Post", "Wire"], "2025-03-01"),
                                 ("bigger", 6, ["Post", "Wire", "Daily"], "2025-01-05"),
                                 ("solo", 5, ["Post"], "2025-03-10"),
                                 ("old", 1, ["Wire"], "2024-06-01"),
                                 ("junk", 4, ["Post", "Wire"], "2025-03-10")):
        for i in range(n):
            arts.append((Article(id=f"{sid}{i}", text=f"{sid} report {i} on airstrikes near the dam.",
                                 outlet=outlets[i % len(outlets)], published=day), sid))
    store.add_articles([a for a, _ in arts])
    for art, sid in arts:
        store.set_group(art.id, sid, None)
    for sid in ("big", "bigger", "solo", "old", "junk"):
        ids = [a.id for a, s in arts if s == sid]
        day = next(a.published for a, s in arts if s == sid)
        store.put_story(Story(id=sid, title=sid.title(), article_ids=ids,
                              noise="sign-up prompt" if sid == "junk" else None), (day, day))


def test_listing_ranks_covered_stories_first_and_hides_noise(new_store_target: NewTarget) -> None:
    with open_store(new_store_target()) as store:
        _listing_store(store)
        listed = store.story_listing()
        # Covered by 2+ outlets first (the recent one before the older, bigger one), then
        # the rest (recent first); noise left out.
        assert [s.id for s in listed] == ["big", "bigger", "solo", "old"]
        assert [(s.n_outlets, s.major) for s in listed] == [(2, True), (3, True), (1, False), (1, False)]
        assert store.count_listed() == 4 and store.count_listed(noise=True) == 5
        everything = store.story_listing(noise=True)
        assert everything[-1].id == "junk" and everything[-1].noise == "sign-up prompt"
        assert [s.id for s in store.story_listing(1, 2)] == ["bigger", "solo"]


def test_search_stems_filters_dates_pages_and_finds_stories(new_store_target: NewTarget) -> None:
    with open_store(new_store_target()) as store:
        _listing_store(store)
        named = [Entity("Muammar Gaddafi", "PERSON", ["Gaddafi", "Qaddafi"], ["big0"])]
        store.put_story(Story(id="big", title="Dam breach", article_ids=["big0"], entities=named),
                        ("2025-03-01", "2025-03-01"))
        assert len(store.search("airstrike", limit=100)) == 20  # stemmed: "airstrikes"
        assert set(store.search("airstrike", 100, since="2025-03-01")) == {
            *(f"big{i}" for i in range(4)), *(f"solo{i}" for i in range(5)), *(f"junk{i}" for i in range(4))}
        assert store.search("airstrike", 100, until="2024-12-31") == ["old0"]
        first, second = store.search("airstrike", 10), store.search("airstrike", 10, offset=10)
        assert len(first) == len(second) == 10 and not set(first) & set(second)
        assert store.search_stories("qaddafi") == ["big"] and store.search_stories("breaches") == ["big"]
        assert store.search_stories("nothing-like-this") == []


def test_an_older_store_gains_the_listing_columns_and_stemmed_search(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with Store(db) as store:
        _listing_store(store)
    with sqlite3.connect(db) as conn:  # as written before the ranking columns and stemming
        conn.execute("ALTER TABLE stories DROP COLUMN n_outlets")
        conn.execute("ALTER TABLE stories DROP COLUMN noise")
        conn.execute("DROP TABLE articles_fts")
        conn.execute("DROP TABLE stories_fts")
        conn.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(id UNINDEXED, title, text)")
        conn.execute("INSERT INTO articles_fts SELECT id, '', json_extract(data, '$.text') FROM articles")
    with open_store(db, readonly=True) as reader:  # still lists, newest first, as it did
        assert {s.id for s in reader.story_listing()} == {"big", "bigger", "solo", "old", "junk"}
        assert reader.search("airstrike") == []  # not stemmed yet
    with open_store(db) as writer:  # opened to write, it is migrated
        assert [s.id for s in writer.story_listing()] == ["big", "bigger", "solo", "old"]
        assert writer.story_listing(noise=True)[-1].noise == "sign-up prompt"
        assert len(writer.search("airstrike", limit=100)) == 20


def _paged_store(store: StoryStore) -> Story:
    """A story longer than a page in every list: 70 comparisons (every third marked shown),
    130 events, 40 people and 3 places, over articles from two outlets, a URL and neither."""
    from storyline.model import ClaimValue, Comparison, Event

    store.add_articles([
        Article(id="a1", text="One.", published="2025-03-09T08:00", outlet="Post"),
        Article(id="a2", text="Two.", published="2025-03-11", outlet="Post"),
        Article(id="a3", text="Three.", published="2025-03-11", url="https://www.wire.example/3"),
        Article(id="a4", text="Four.", duplicate_of="a1"),
        Article(id="a5", text="Five.", published="not a date", outlet="Herald"),
    ])
    ids = ["a1", "a2", "a3", "a4", "a5"]
    comparisons = [Comparison(f"figure {i}", "agree", [ClaimValue("3", 3.0, None, "Three.", ["a3"])],
                              shown=i % 3 == 0) for i in range(70)]
    story = Story(
        id="s-big", title="Big", article_ids=ids, comparisons=comparisons,
        events=[Event(f"e{i}", f"event {i}", ["a1"]) for i in range(130)],
        entities=[Entity(f"Person {i}", "PERSON", [f"Person {i}", f"P. {i}"], ids[: 1 + i % 5])
                  for i in range(40)] + [Entity("Verrin", "PLACE", ["Verrin"], ["a1", "a2"])] * 3,
    )
    for aid in ids:
        store.set_group(aid, story.id, None)
    store.put_story(story, ("2025-03-09T08:00", "2025-03-11"))
    return story


def test_story_page_projection_outline_and_names(new_store_target: NewTarget) -> None:
    from storyline.store.base import PAGE_COMPARISONS, PAGE_ENTITIES, PAGE_EVENTS, OutletSpan

    with open_store(new_store_target()) as store:
        story = _paged_store(store)
        page = store.story_page("s-big")
        assert page is not None and store.story_page("nope") is None
        cut = page.story
        assert cut.article_ids == story.article_ids and cut.title == "Big"
        # the first 30 rows, and the first 30 marked shown (24 here), in story order
        assert [c.subject for c in cut.comparisons] == [
            f"figure {i}" for i in range(70) if i < PAGE_COMPARISONS or i % 3 == 0]
        assert page.n_comparisons == 70 and page.n_events == 130 and len(cut.events) == PAGE_EVENTS
        assert page.n_entities == {"PERSON": 40, "PLACE": 3}
        people = [f"Person {i}" for i in range(PAGE_ENTITIES)]
        assert [e.name for e in cut.entities] == people + ["Verrin"] * 3
        assert page.entity_articles == [1 + i % 5 for i in range(PAGE_ENTITIES)] + [2, 2, 2]
        assert all(e.article_ids == [] for e in cut.entities)
        outline = page.outline
        assert outline is not None and outline == store.story_outlines(["s-big", "nope"])["s-big"]
        assert outline.per_day == [("2025-03-09", 1), ("2025-03-11", 2)] and outline.undated == 2
        assert (outline.first_date, outline.last_date) == ("2025-03-09T08:00", "2025-03-11")
        assert outline.n_duplicates == 1 and outline.n_articles == 5
        assert outline.outlets == ["Herald", "Post", "wire.example"]
        assert outline.by_outlet == [
            OutletSpan("Herald", 1, "not a date", "not a date"),
            OutletSpan("Post", 2, "2025-03-09T08:00", "2025-03-11"),
            OutletSpan("a4", 1, None, None), OutletSpan("wire.example", 1, "2025-03-11", "2025-03-11")]
        names = store.story_entities(["s-big", "nope"])
        assert list(names) == ["s-big"] and len(names["s-big"]) == 43
        assert names["s-big"][1] == Entity("Person 1", "PERSON", ["Person 1", "P. 1"], [])
        store.delete_story("s-big")
        assert store.story_page("s-big") is None and store.story_outlines(["s-big"]) == {}


def _sql(target: str | Path, statement: str) -> list[tuple[Any, ...]]:
    """Run one statement on a store's database behind the store's back."""
    if isinstance(target, Path):
        with sqlite3.connect(target) as conn:
            return conn.execute(statement).fetchall()
    import psycopg

    with psycopg.connect(str(target), autocommit=True) as pg:
        cur = pg.execute(statement)
        return cur.fetchall() if cur.description else []


def test_json_parts_are_read_without_the_whole_state(new_store_target: NewTarget) -> None:
    target = new_store_target()
    state = {"alias": {"s-2": "s-1"}, "pool": [1, 2, 3], "name": "x"}
    with open_store(target) as store:
        store.set_json("group_state", state)
        store.set_json("other", {"alias": {"a": "b"}})
        assert store.get_meta("group_state.alias") == '{"s-2": "s-1"}'
        assert store.get_meta("other.alias") is None  # only the parts JSON_PARTS names
        assert store.get_json_part("group_state", "alias") == {"s-2": "s-1"}
        # other parts are extracted by the database
        assert store.get_json_part("group_state", "pool") == [1, 2, 3]
        assert store.get_json_part("group_state", "name") == "x"
        assert store.get_json_part("group_state", "nope") is None
        assert store.get_json_part("missing", "alias") is None
    _sql(target, "DELETE FROM meta WHERE key = 'group_state.alias'")  # as written before parts
    with open_store(target, readonly=True) as reader:
        assert reader.get_json_part("group_state", "alias") == {"s-2": "s-1"}
    with open_store(target) as writer:  # opened to write, the part is split off
        assert writer.get_meta("group_state.alias") == '{"s-2": "s-1"}'


def test_an_older_store_gains_the_page_columns(new_store_target: NewTarget) -> None:
    """A store made before the outline, page and names columns still reads (read-only:
    from the story's JSON and articles) and is filled in when opened to write."""
    target = new_store_target()
    with open_store(target) as store:
        _paged_store(store)
        expected = store.story_page("s-big"), store.story_entities(["s-big"])
    for column in ("outline", "page", "names"):  # as the code before them wrote it
        _sql(target, f"ALTER TABLE stories DROP COLUMN {column}")
    with open_store(target, readonly=True) as reader:
        assert (reader.story_page("s-big"), reader.story_entities(["s-big"])) == expected
        assert reader.story_outlines(["s-big"])["s-big"] == expected[0].outline
    with open_store(target) as writer:
        assert (writer.story_page("s-big"), writer.story_entities(["s-big"])) == expected
    assert _sql(target, "SELECT COUNT(*) FROM stories WHERE outline IS NOT NULL AND page IS NOT NULL"
               " AND names IS NOT NULL") == [(1,)]
