"""The SQLite store: round trips, idempotent adds, clashing ids kept, integrity."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyline.model import Article, Removed, Story
from storyline.store import Store

ids = st.text(alphabet="abcdefghij0123456789-_", min_size=1, max_size=12)
texts = st.text(min_size=1, max_size=400).filter(lambda t: t.strip() != "")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(ids, texts, st.none() | st.text(max_size=50)),
        min_size=1,
        max_size=6,
        unique_by=lambda x: x[0],
    )
)
def test_round_trip(tmp_path: Path, rows: list[tuple[str, str, str | None]]) -> None:
    db = tmp_path / "rt.db"
    db.unlink(missing_ok=True)
    arts = [
        Article(id=i, text=t, title=title, removed=[Removed("x", "teaser")], published="2021-07-04")
        for i, t, title in rows
    ]
    with Store(db) as store:
        store.add_articles(arts)
        again = store.add_articles([Article(**{**a.__dict__}) for a in arts])
        assert again.added == [] and sorted(again.unchanged) == sorted(a.id for a in arts)
        loaded = {a.id: a for a in store.articles()}
    for art in arts:
        assert loaded[art.id] == art


def test_same_id_other_text_is_kept_under_a_derived_id(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.add_articles([Article(id="x", text="first text")])
        res = store.add_articles([Article(id="x", text="second, different text")])
        assert list(res.renamed) == ["x"] and res.renamed["x"].startswith("x~")
        res2 = store.add_articles([Article(id="x", text="second, different text")])
        assert res2.added == [] and res2.unchanged == [res.renamed["x"]]
        assert {a.text for a in store.articles()} == {"first text", "second, different text"}
        assert store.integrity_ok()


def test_stories_and_search(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.add_articles([Article(id="a", text="The Verrin Dam held on Monday.", title="Dam holds")])
        store.put_story(Story(id="s-1", title="Dam", article_ids=["a"]), ("2025-03-10", "2025-03-10"))
        assert store.story("s-1").title == "Dam"
        assert store.search("verrin") == ["a"]
        assert store.search('dam" OR "x') == []  # quotes in queries cannot break FTS syntax


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        try:
            with store.writing():
                store.add_articles([Article(id="a", text="text")])
                raise RuntimeError("killed")
        except RuntimeError:
            pass
        assert store.count_articles() == 0


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
