"""The SQLite store, the default backend: every article, its duplicate link, its story and
event, and the stories.

One file, no server. Writes go through ``Store.writing()``, a ``BEGIN IMMEDIATE``
transaction, so two processes adding at once serialize instead of interleaving, and a run
killed half-way leaves the last committed batch intact (WAL journal, ``synchronous=NORMAL``).
Adding the same article again (same id, same text) changes nothing; the same id with a
different text is kept under a derived id, never overwriting the first.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from storyline.errors import InputError
from storyline.ingest import content_hash
from storyline.model import (
    Article,
    Entity,
    IngestError,
    Revision,
    Story,
    article_from_dict,
    revision_from_dict,
    story_from_dict,
    to_dict,
)
from storyline.store.base import (
    JSON_PARTS,
    MAJOR_ARTICLES,
    MAJOR_OUTLETS,
    OUTLET_WEIGHT,
    RECENT_DAYS,
    STORE_VERSION,
    UNDATED_AGE,
    ArticleRow,
    StoredBatch,
    StoryListing,
    StoryOutline,
    StoryPage,
    entities_from_names,
    fts_phrases,
    names_of,
    outlet_count,
    outline_of,
    page_of,
    signature_array,
    signature_bytes,
    wait_for_write_lock,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    published TEXT,
    title TEXT,
    outlet TEXT,
    source TEXT,
    duplicate_of TEXT,
    story_id TEXT,
    event_id TEXT,
    signature BLOB,
    shingles INTEGER,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_story ON articles(story_id);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(hash);
CREATE INDEX IF NOT EXISTS articles_duplicate ON articles(duplicate_of);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    first_date TEXT,
    last_date TEXT,
    n_articles INTEGER NOT NULL,
    updated TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS errors (
    path TEXT NOT NULL,
    error TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (path, error)
);
CREATE TABLE IF NOT EXISTS analyses (
    id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revisions (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    story_id TEXT NOT NULL,
    at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS revisions_story ON revisions(story_id, number);
CREATE INDEX IF NOT EXISTS revisions_at ON revisions(at);
"""
# Porter stemming: "airstrike" finds "airstrikes". A store made before it is re-indexed when
# next opened to write (``_migrate``).
FTS = ("CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(id UNINDEXED, title, text,"
       " tokenize='porter unicode61')")
# Stories found by their title and their entities' names and spellings.
STORIES_FTS = ("CREATE VIRTUAL TABLE IF NOT EXISTS stories_fts USING fts5(id UNINDEXED, title, names,"
               " tokenize='porter unicode61')")
# Columns the stories table gained after it was first shipped: added to an older store when
# it is next opened to write (n_outlets filled from its articles).
STORY_COLUMNS = (("n_outlets", "INTEGER NOT NULL DEFAULT 0"), ("noise", "TEXT"))
# What pages read instead of the story's JSON and its articles (``base.StoryOutline``,
# ``base.StoryPage``), as JSON; added and filled when an older store is opened to write. A
# story whose columns are NULL (a read-only store made before them) is read the old way.
PAGE_COLUMNS = (("outline", "TEXT"), ("page", "TEXT"), ("names", "TEXT"))
# The list order (``story_listing``): news before noise; stories covered by MAJOR_ARTICLES
# articles from MAJOR_OUTLETS outlets first; then coverage fading with age (``base.rank_score``),
# more outlets, more articles, the later last date.
_RANK = (
    f" ORDER BY (noise IS NOT NULL), (n_articles >= {MAJOR_ARTICLES} AND n_outlets >= {MAJOR_OUTLETS})"
    f" DESC, (n_articles >= {MAJOR_ARTICLES}) DESC,"
    f" ((n_articles + {OUTLET_WEIGHT} * n_outlets) / (1.0 + COALESCE((SELECT julianday(MAX(last_date))"
    f" FROM stories) - julianday(last_date), {UNDATED_AGE}) / {RECENT_DAYS})) DESC,"
    " n_outlets DESC, n_articles DESC, COALESCE(last_date, '') DESC, id"
)


class Store:
    """A storyline database file. Use as a context manager, or call ``close()``."""

    def __init__(
        self,
        path: str | Path,
        timeout: float = 60.0,
        readonly: bool = False,
        wait: float | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        """Open (and create) a store. ``readonly`` opens an existing one without ever taking
        the write lock, so a reader (the web app) never waits for a running ``add``; such a
        connection may be used from another thread, never by two at once.

        A writer waiting for another one's lock tries for ``timeout`` seconds at a time, tells
        ``on_wait`` once and keeps trying (``wait`` seconds in all; ``None``: until it gets it).
        """
        self.path = Path(path)
        self.wait, self.on_wait = wait, on_wait
        try:
            if readonly:
                if not self.path.is_file():
                    raise InputError(f"{self.path}: no such storyline database")
                self.conn = sqlite3.connect(
                    f"{self.path.resolve().as_uri()}?mode=ro",
                    uri=True,
                    timeout=timeout,
                    isolation_level=None,
                    check_same_thread=False,
                )
                rows = self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                tables = {r[0] for r in rows}
                self._fts = "articles_fts" in tables
                self._analyses = "analyses" in tables  # a store written before they existed
                self._revisions = "revisions" in tables
                self._stories_fts = "stories_fts" in tables
                cols = {r[1] for r in self.conn.execute("PRAGMA table_info(stories)")}
                self._ranked = {name for name, _ in STORY_COLUMNS} <= cols
                self._paged = {name for name, _ in PAGE_COLUMNS} <= cols
                return
            self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")  # an article's analysis goes with it
            self.conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            with self.writing():
                for stmt in SCHEMA.split(";"):
                    if stmt.strip():
                        self.conn.execute(stmt)
                self._analyses = True
                self._revisions = True
                try:
                    self.conn.execute(FTS)
                    self.conn.execute(STORIES_FTS)
                    self._fts = self._stories_fts = True
                except sqlite3.OperationalError:
                    self._fts = self._stories_fts = False
                self._migrate()
                version = self.get_meta("store_version")
                if version is None:
                    self.set_meta("store_version", STORE_VERSION)
                elif version != STORE_VERSION:
                    raise InputError(f"{self.path}: store version {version}, expected {STORE_VERSION}")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise InputError(
                    f"{self.path}: the store is busy (another storyline process is writing); "
                    "try again when it has finished"
                ) from None
            raise InputError(f"{self.path}: not a usable storyline database ({exc})") from None
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a usable storyline database ({exc})") from None

    def _migrate(self) -> None:
        """Bring a store made by an older version up to date (inside the opening write
        transaction): the stories' list columns, filled from their articles, and the
        stemmed search indexes, rebuilt from the stored articles and stories."""
        cols = {r[1] for r in self.conn.execute("PRAGMA table_info(stories)")}
        missing = [(name, decl) for name, decl in STORY_COLUMNS if name not in cols]
        for name, decl in missing:
            self.conn.execute(f"ALTER TABLE stories ADD COLUMN {name} {decl}")
        self._ranked = True
        if missing:
            for sid, data in self.conn.execute("SELECT id, data FROM stories").fetchall():
                story = story_from_dict(json.loads(data))
                self.conn.execute("UPDATE stories SET n_outlets = ?, noise = ? WHERE id = ?",
                                  (self._outlets_of(story.article_ids), story.noise, sid))
        unpaged = [(name, decl) for name, decl in PAGE_COLUMNS if name not in cols]
        for name, decl in unpaged:
            self.conn.execute(f"ALTER TABLE stories ADD COLUMN {name} {decl}")
        self._paged = True
        self._split_json_parts()
        if unpaged:  # one story decoded at a time: a large store's stories need not fit at once
            for (sid,) in self.conn.execute("SELECT id FROM stories").fetchall():
                row = self.conn.execute("SELECT data FROM stories WHERE id = ?", (sid,)).fetchone()
                story = story_from_dict(json.loads(row[0]))
                self.conn.execute("UPDATE stories SET outline = ?, page = ?, names = ? WHERE id = ?",
                                  (*self._projections(story, self.article_rows_for(story.article_ids)), sid))
        if not self._fts:
            return
        row = self.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()
        if row and "porter" not in row[0]:
            self.conn.execute("DROP TABLE articles_fts")
            self.conn.execute(FTS)
            self.conn.execute("INSERT INTO articles_fts(id, title, text) SELECT id, COALESCE(title, ''),"
                              " json_extract(data, '$.text') FROM articles ORDER BY seq")
        n_fts = self.conn.execute("SELECT COUNT(*) FROM stories_fts").fetchone()[0]
        if n_fts == 0:
            for (data,) in self.conn.execute("SELECT data FROM stories").fetchall():
                self._index_story(story_from_dict(json.loads(data)))

    def _outlets_of(self, article_ids: list[str]) -> int:
        """How many distinct outlets (else URL hosts) published these articles."""
        return outlet_count(self._by_chunks(
            "SELECT outlet, CASE WHEN outlet IS NULL THEN json_extract(data, '$.url') END"
            " FROM articles WHERE id IN ({marks})", article_ids))

    @staticmethod
    def _projections(story: Story, rows: list[ArticleRow]) -> tuple[str, str, str]:
        """The outline, page and names columns of ``story`` (JSON), from its articles' rows."""
        return (json.dumps(outline_of(rows).to_json(), ensure_ascii=False),
                json.dumps(page_of(story).to_json(), ensure_ascii=False),
                json.dumps(names_of(story), ensure_ascii=False))

    def _index_story(self, story: Story) -> None:
        if not self._stories_fts:
            return
        self.conn.execute("DELETE FROM stories_fts WHERE id = ?", (story.id,))
        names = " ".join(dict.fromkeys(n for e in story.entities for n in [e.name, *e.variants]))
        self.conn.execute("INSERT INTO stories_fts(id, title, names) VALUES (?, ?, ?)",
                          (story.id, story.title, names))

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """An exclusive write transaction: committed whole, or rolled back whole."""
        if self.conn.in_transaction:
            yield self.conn
            return
        wait_for_write_lock(self._begin, str(self.path), wait=self.wait, on_wait=self.on_wait)
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _begin(self) -> bool:
        """One try at the write lock (``BEGIN IMMEDIATE``, waiting the busy timeout)."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return False
            raise
        return True

    # -- meta -----------------------------------------------------------------------
    def _has_meta(self, key: str) -> bool:
        return self.conn.execute("SELECT 1 FROM meta WHERE key = ?", (key,)).fetchone() is not None

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.writing():
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def get_json(self, key: str) -> Any:
        raw = self.get_meta(key)
        return json.loads(raw) if raw is not None else None

    def set_json(self, key: str, value: Any) -> None:
        with self.writing():
            self.set_meta(key, json.dumps(value))
            for part in JSON_PARTS.get(key, ()):
                got = value.get(part) if isinstance(value, dict) else None
                self.set_meta(f"{key}.{part}", json.dumps(got))

    def get_json_part(self, key: str, part: str) -> Any:
        """The part stored on its own; else (a store written before parts were, or a part
        not split off) the part extracted by the database, whole state not decoded here."""
        if part in JSON_PARTS.get(key, ()):
            raw = self.get_meta(f"{key}.{part}")
            if raw is not None:
                return json.loads(raw)
        row = self.conn.execute("SELECT json_quote(json_extract(value, '$.\"' || ? || '\"')) FROM meta"
                                " WHERE key = ?", (part, key)).fetchone()
        return json.loads(row[0]) if row is not None and row[0] is not None else None

    def _split_json_parts(self) -> None:
        """Store the ``JSON_PARTS`` of states written before parts were split off."""
        for key, parts in JSON_PARTS.items():
            for part in parts:
                if self.get_meta(f"{key}.{part}") is None and self._has_meta(key):
                    self.set_meta(f"{key}.{part}", json.dumps(self.get_json_part(key, part)))

    # -- articles -------------------------------------------------------------------
    def resolve_id(self, article: Article) -> tuple[str, bool]:
        """The id under which this article is (or would be) stored, and whether it is there.

        Same id and same text: already stored. Same id, other text: the derived id
        ``<id>~<hash8>`` (stable, so ingesting that file again is recognised too).
        """
        digest = content_hash(article.text)
        row = self.conn.execute("SELECT hash FROM articles WHERE id = ?", (article.id,)).fetchone()
        if row is None:
            return article.id, False
        if row[0] == digest:
            return article.id, True
        alt = f"{article.id}~{digest[:8]}"
        row = self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (alt,)).fetchone()
        return alt, row is not None

    def add_articles(
        self,
        articles: Iterable[Article],
        signatures: dict[str, tuple[np.ndarray, int]] | None = None,
    ) -> StoredBatch:
        """Store new articles (inside the caller's transaction if there is one)."""
        result = StoredBatch([], [], {})
        sigs = signatures or {}
        with self.writing():
            seq = self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0]
            for art in articles:
                new_id, present = self.resolve_id(art)
                if present:
                    result.unchanged.append(new_id)
                    continue
                if new_id != art.id:
                    result.renamed[art.id] = new_id
                    art.id = new_id
                seq += 1
                sig = sigs.get(art.id)
                self.conn.execute(
                    "INSERT INTO articles(id, seq, hash, published, title, outlet, source, duplicate_of,"
                    " signature, shingles, data) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        art.id,
                        seq,
                        content_hash(art.text),
                        art.published,
                        art.title,
                        art.outlet,
                        art.source,
                        art.duplicate_of,
                        signature_bytes(sig[0]) if sig is not None else None,
                        sig[1] if sig is not None else None,
                        json.dumps(to_dict(art), ensure_ascii=False),
                    ),
                )
                if self._fts:
                    self.conn.execute(
                        "INSERT INTO articles_fts(id, title, text) VALUES (?, ?, ?)",
                        (art.id, art.title or "", art.text),
                    )
                result.added.append(art.id)
        return result

    def articles(self, ids: Iterable[str] | None = None) -> list[Article]:
        """Stored articles, in insertion order (all, or the given ids)."""
        if ids is None:
            rows = self.conn.execute("SELECT data, duplicate_of FROM articles ORDER BY seq").fetchall()
        else:
            wanted = list(dict.fromkeys(ids))
            rows = []
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                marks = ",".join("?" * len(chunk))
                rows += self.conn.execute(
                    f"SELECT data, duplicate_of FROM articles WHERE id IN ({marks}) ORDER BY seq", chunk
                ).fetchall()
        out = []
        for data, dup in rows:
            art = article_from_dict(json.loads(data))
            art.duplicate_of = dup
            out.append(art)
        return out

    def article(self, article_id: str) -> Article | None:
        found = self.articles([article_id])
        return found[0] if found else None

    def count_articles(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def article_rows(self) -> list[ArticleRow]:
        """Every article's indexed columns, in insertion order (no full JSON decoded)."""
        rows = self.conn.execute(
            "SELECT id, title, outlet, published, duplicate_of, story_id, event_id,"
            " json_extract(data, '$.url') FROM articles ORDER BY seq"
        )
        return [ArticleRow(*r) for r in rows]

    def duplicates(self, article_id: str) -> list[str]:
        """Ids of the stored copies of ``article_id``, in insertion order."""
        rows = self.conn.execute("SELECT id FROM articles WHERE duplicate_of = ? ORDER BY seq", (article_id,))
        return [r[0] for r in rows]

    # -- read queries of the web app (indexed; only the rows a page shows) -------------
    # The URL stands in for a missing outlet only: it is read from the article's JSON (a
    # parse of its whole text) just for the rows that have no outlet.
    _ROW = ("SELECT id, title, outlet, published, duplicate_of, story_id, event_id,"
            " CASE WHEN outlet IS NULL THEN json_extract(data, '$.url') END FROM articles")

    def _by_chunks(self, sql: str, ids: Iterable[str]) -> list[Any]:
        """``sql`` (ending in ``IN ({marks})``) run over ``ids`` 500 at a time: SQLite caps
        the number of parameters of one statement."""
        wanted = list(dict.fromkeys(ids))
        rows: list[Any] = []
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows += self.conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk).fetchall()
        return rows

    def article_rows_for(self, ids: Iterable[str]) -> list[ArticleRow]:
        """The indexed columns of these articles (unknown ids left out), in insertion order."""
        rows = self._by_chunks(self._ROW.replace("SELECT ", "SELECT seq, ", 1)
                               + " WHERE id IN ({marks})", ids)
        return [ArticleRow(*r[1:]) for r in sorted(rows)]

    def story_article_rows(self, story_ids: Iterable[str]) -> list[ArticleRow]:
        """The indexed columns of every article of these stories, in insertion order."""
        rows = self._by_chunks(self._ROW.replace("SELECT ", "SELECT seq, ", 1)
                               + " WHERE story_id IN ({marks})", story_ids)
        return [ArticleRow(*r[1:]) for r in sorted(rows)]

    def article_texts(self, ids: Iterable[str]) -> dict[str, str]:
        """The cleaned text of these articles (their JSON is not decoded in Python)."""
        rows = self._by_chunks("SELECT id, json_extract(data, '$.text') FROM articles"
                               " WHERE id IN ({marks})", ids)
        return {aid: text or "" for aid, text in rows}

    def story_listing(
        self, offset: int = 0, limit: int | None = None, *, noise: bool = False
    ) -> list[StoryListing]:
        """Stories ranked by coverage and recency (``_RANK``), one page; noise stories only
        when ``noise`` (last). A read-only store made before the ranking columns lists
        newest first, as it did then."""
        page = (-1 if limit is None else max(0, limit), max(0, offset))
        if not self._ranked:
            rows = self.conn.execute(
                "SELECT id, title, first_date, last_date, n_articles, 0, NULL, updated FROM stories"
                " ORDER BY COALESCE(last_date, '') DESC, COALESCE(first_date, '') DESC,"
                " n_articles DESC, id LIMIT ? OFFSET ?", page)
            return [StoryListing(*r) for r in rows]
        where = "" if noise else " WHERE noise IS NULL"
        rows = self.conn.execute(
            "SELECT id, title, first_date, last_date, n_articles, n_outlets, noise, updated"
            f" FROM stories{where}{_RANK} LIMIT ? OFFSET ?", page)
        return [StoryListing(*r) for r in rows]

    def count_listed(self, noise: bool = False) -> int:
        if noise or not self._ranked:
            return self.count_stories()
        return int(self.conn.execute("SELECT COUNT(*) FROM stories WHERE noise IS NULL").fetchone()[0])

    def story_titles(self, ids: Iterable[str]) -> dict[str, str]:
        return dict(self._by_chunks("SELECT id, title FROM stories WHERE id IN ({marks})", ids))

    def count_stories(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0])

    def count_errors(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM errors").fetchone()[0])

    def signatures(self) -> Iterator[tuple[str, np.ndarray, int, str | None]]:
        """(id, MinHash signature, shingle count, duplicate_of) of every stored article."""
        rows = self.conn.execute(
            "SELECT id, signature, shingles, duplicate_of FROM articles"
            " WHERE signature IS NOT NULL ORDER BY seq"
        )
        for aid, blob, n, dup in rows:
            yield aid, signature_array(blob), int(n or 1), dup

    def set_group(self, article_id: str, story_id: str, event_id: str | None) -> None:
        with self.writing():
            self.conn.execute(
                "UPDATE articles SET story_id = ?, event_id = ? WHERE id = ?",
                (story_id, event_id, article_id),
            )

    def groups(self) -> dict[str, tuple[str | None, str | None]]:
        """article id -> (story id, event id) for every stored article."""
        rows = self.conn.execute("SELECT id, story_id, event_id FROM articles")
        return {aid: (sid, eid) for aid, sid, eid in rows}

    def search(
        self, query: str, limit: int = 50, *, offset: int = 0, since: str | None = None,
        until: str | None = None,
    ) -> list[str]:
        """Ids of articles holding every word of ``query`` (stemmed: "airstrike" finds
        "airstrikes"), best first, one page; ``since``/``until`` (ISO dates, inclusive)
        keep the articles published in that span."""
        if not self._fts or not query.strip():
            return []
        where, params = "", [fts_phrases(query)]
        if since:
            where += " AND a.published >= ?"
            params.append(since)
        if until:
            where += " AND a.published <= ?"
            params.append(until + "~")  # "~" sorts after any time part of that day
        join = " JOIN articles a ON a.id = f.id" if where else ""
        rows = self.conn.execute(
            f"SELECT f.id FROM articles_fts f{join} WHERE articles_fts MATCH ?{where}"
            " ORDER BY f.rank LIMIT ? OFFSET ?", (*params, max(0, limit), max(0, offset))
        )
        return [r[0] for r in rows]

    def search_stories(self, query: str, limit: int = 20) -> list[str]:
        """Ids of stories whose title or entity names (every spelling merged into an entity)
        hold every word of ``query``, stemmed, best first."""
        if not self._stories_fts or not query.strip():
            return []
        rows = self.conn.execute(
            "SELECT id FROM stories_fts WHERE stories_fts MATCH ? ORDER BY rank LIMIT ?",
            (fts_phrases(query), max(0, limit)),
        )
        return [r[0] for r in rows]

    # -- per-article analyses ---------------------------------------------------------
    def put_analyses(self, items: dict[str, dict]) -> None:
        """Store (replace) one JSON object per article id; each id must be a stored article
        (a foreign key: the analysis is deleted with its article)."""
        with self.writing():
            self.conn.executemany(
                "INSERT OR REPLACE INTO analyses(id, data) VALUES (?, ?)",
                [(aid, json.dumps(data, ensure_ascii=False)) for aid, data in items.items()],
            )

    def analyses(self, ids: Iterable[str]) -> dict[str, dict]:
        """The stored analyses of these article ids; ids without one are left out."""
        if not self._analyses:
            return {}
        wanted = list(dict.fromkeys(ids))
        out: dict[str, dict] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for aid, data in self.conn.execute(f"SELECT id, data FROM analyses WHERE id IN ({marks})", chunk):
                out[aid] = json.loads(data)
        return out

    # -- stories --------------------------------------------------------------------
    def put_story(self, story: Story, dates: tuple[str | None, str | None] = (None, None)) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.writing():
            rows = self.article_rows_for(story.article_ids)
            self.conn.execute(
                "INSERT OR REPLACE INTO stories(id, title, first_date, last_date, n_articles, updated, data,"
                " n_outlets, noise, outline, page, names) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    story.id,
                    story.title,
                    dates[0],
                    dates[1],
                    len(story.article_ids),
                    now,
                    json.dumps(to_dict(story), ensure_ascii=False),
                    outlet_count((r.outlet, r.url) for r in rows),
                    story.noise,
                    *self._projections(story, rows),
                ),
            )
            self._index_story(story)

    def delete_story(self, story_id: str) -> None:
        with self.writing():
            self.conn.execute("DELETE FROM stories WHERE id = ?", (story_id,))
            if self._stories_fts:
                self.conn.execute("DELETE FROM stories_fts WHERE id = ?", (story_id,))

    def stories(self, ids: Iterable[str] | None = None) -> list[Story]:
        """Stored stories, newest last date first."""
        rows = self.conn.execute(
            "SELECT id, data FROM stories ORDER BY COALESCE(last_date, '') DESC, id"
        ).fetchall()
        wanted = set(ids) if ids is not None else None
        return [story_from_dict(json.loads(d)) for sid, d in rows if wanted is None or sid in wanted]

    def story(self, story_id: str) -> Story | None:
        row = self.conn.execute("SELECT data FROM stories WHERE id = ?", (story_id,)).fetchone()
        return story_from_dict(json.loads(row[0])) if row else None

    def story_page(self, story_id: str) -> StoryPage | None:
        """The story page's projection of a story and its outline (two small JSON columns);
        a story stored without them (read-only store made before them) is read whole."""
        if self._paged:
            row = self.conn.execute("SELECT page, outline FROM stories WHERE id = ?", (story_id,)).fetchone()
            if row is None:
                return None
            if row[0] is not None and row[1] is not None:
                page = StoryPage.from_json(json.loads(row[0]))
                page.outline = StoryOutline.from_json(json.loads(row[1]))
                return page
        story = self.story(story_id)
        if story is None:
            return None
        page = page_of(story)
        page.outline = outline_of(self.article_rows_for(story.article_ids))
        return page

    def story_outlines(self, ids: Iterable[str]) -> dict[str, StoryOutline]:
        """story id -> outline, from the stored column (else from the rows of the articles
        grouped into the story, for a read-only store made before the column)."""
        wanted = list(dict.fromkeys(ids))
        out: dict[str, StoryOutline] = {}
        if self._paged:
            for sid, data in self._by_chunks("SELECT id, outline FROM stories WHERE id IN ({marks})"
                                             " AND outline IS NOT NULL", wanted):
                out[sid] = StoryOutline.from_json(json.loads(data))
        rest = [sid for sid in self.story_titles([s for s in wanted if s not in out])]
        if rest:
            members: dict[str, list[ArticleRow]] = {sid: [] for sid in rest}
            for r in self.story_article_rows(rest):
                members[r.story_id or ""].append(r)
            out.update((sid, outline_of(rows)) for sid, rows in members.items())
        return out

    def story_entities(self, ids: Iterable[str], words: Collection[str] | None = None
                       ) -> dict[str, list[Entity]]:
        """story id -> entities without article ids, from the stored names column (else
        from the story's JSON, for a read-only store made before the column)."""
        wanted = list(dict.fromkeys(ids))
        out: dict[str, list[Entity]] = {}
        if self._paged:
            for sid, data in self._by_chunks("SELECT id, names FROM stories WHERE id IN ({marks})"
                                             " AND names IS NOT NULL", wanted):
                out[sid] = entities_from_names(json.loads(data), words)
        for sid in wanted:
            if sid not in out and (story := self.story(sid)) is not None:
                out[sid] = entities_from_names(names_of(story), words)
        return out

    # -- revisions ------------------------------------------------------------------
    def add_revisions(self, revisions: Iterable[Revision]) -> list[int]:
        """Store revisions in order, numbering them (AUTOINCREMENT: a number is never reused,
        so a reader's "last seen" number stays meaningful)."""
        numbers = []
        with self.writing():
            for rev in revisions:
                data = json.dumps({**to_dict(rev), "number": 0}, ensure_ascii=False)
                cur = self.conn.execute(
                    "INSERT INTO revisions(story_id, at, data) VALUES (?, ?, ?)", (rev.story_id, rev.at, data)
                )
                rev.number = int(cur.lastrowid or 0)
                numbers.append(rev.number)
        return numbers

    @staticmethod
    def _since(since: str | int | None) -> tuple[str, list[Any]]:
        if since is None:
            return "", []
        if isinstance(since, int):
            return " AND number > ?", [since]
        return " AND at > ?", [since]

    def revisions(
        self,
        story_ids: Iterable[str] | None = None,
        since: str | int | None = None,
        limit: int | None = None,
    ) -> list[Revision]:
        """Stored revisions, newest first (of these stories; after ``since``)."""
        if not self._revisions:
            return []
        where, params = self._since(since)
        if story_ids is not None:
            wanted = list(dict.fromkeys(story_ids))
            if not wanted:
                return []
            where += f" AND story_id IN ({','.join('?' * len(wanted))})"
            params += wanted
        rows = self.conn.execute(
            f"SELECT number, data FROM revisions WHERE 1=1{where} ORDER BY number DESC LIMIT ?",
            [*params, -1 if limit is None else max(0, limit)],
        )
        out = []
        for number, data in rows:
            rev = revision_from_dict(json.loads(data))
            rev.number = int(number)
            out.append(rev)
        return out

    def revised_stories(self, since: str | int | None = None) -> dict[str, int]:
        if not self._revisions:
            return {}
        where, params = self._since(since)
        rows = self.conn.execute(
            f"SELECT story_id, MAX(number) FROM revisions WHERE 1=1{where} GROUP BY story_id", params
        )
        return {sid: int(n) for sid, n in rows}

    def latest_revision(self) -> int:
        if not self._revisions:
            return 0
        return int(self.conn.execute("SELECT COALESCE(MAX(number), 0) FROM revisions").fetchone()[0])

    # -- errors ---------------------------------------------------------------------
    def add_errors(self, errors: Iterable[IngestError]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.writing():
            self.conn.executemany(
                "INSERT OR REPLACE INTO errors(path, error, at) VALUES (?,?,?)",
                [(e.path, e.error, now) for e in errors],
            )

    def errors(self) -> list[IngestError]:
        rows = self.conn.execute("SELECT path, error FROM errors ORDER BY at, path")
        return [IngestError(p, e) for p, e in rows]

    def integrity_ok(self) -> bool:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
