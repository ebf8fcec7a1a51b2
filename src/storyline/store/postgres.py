"""The PostgreSQL store: the SQLite store's contract on a server several machines can share.

Same tables and the same answers as ``store/sqlite.py``: ``writing()`` is one transaction
holding a transaction-level advisory lock (writers queue as under SQLite's ``BEGIN
IMMEDIATE``; readers never wait), full-text search is a ``tsvector`` column with the
``simple`` configuration (lower-cased words, no stemming, as FTS5's ``unicode61``) queried
with ``websearch_to_tsquery``, and signatures are little-endian ``bytea``. Text columns use
the ``C`` collation so every ``ORDER BY`` sorts as SQLite does, whatever the database locale.
Open one with ``open_store("postgresql://user@host/db")``; needs ``storyline[postgres]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from storyline.errors import InputError, MissingExtraError
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
    store_label,
    wait_for_write_lock,
)

if TYPE_CHECKING:
    import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT COLLATE "C" PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    published TEXT COLLATE "C",
    title TEXT,
    outlet TEXT,
    source TEXT,
    duplicate_of TEXT COLLATE "C",
    story_id TEXT COLLATE "C",
    event_id TEXT COLLATE "C",
    signature BYTEA,
    shingles INTEGER,
    data TEXT NOT NULL,
    fts TSVECTOR
);
CREATE INDEX IF NOT EXISTS articles_story ON articles(story_id);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(hash);
CREATE INDEX IF NOT EXISTS articles_seq ON articles(seq);
CREATE INDEX IF NOT EXISTS articles_duplicate ON articles(duplicate_of);
CREATE INDEX IF NOT EXISTS articles_fts ON articles USING GIN (fts);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT COLLATE "C" PRIMARY KEY,
    title TEXT NOT NULL,
    first_date TEXT COLLATE "C",
    last_date TEXT COLLATE "C",
    n_articles INTEGER NOT NULL,
    updated TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS errors (
    path TEXT COLLATE "C" NOT NULL,
    error TEXT COLLATE "C" NOT NULL,
    at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (path, error)
);
CREATE TABLE IF NOT EXISTS analyses (
    id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revisions (
    number BIGSERIAL PRIMARY KEY,
    story_id TEXT COLLATE "C" NOT NULL,
    at TEXT COLLATE "C" NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS revisions_story ON revisions(story_id, number);
CREATE INDEX IF NOT EXISTS revisions_at ON revisions(at)
"""
# Columns and indexes the stories table gained after it first shipped: added to an older store
# when it is next opened to write (``_migrate``); ``fts`` finds a story by title and entities.
STORY_MIGRATION = (
    "ALTER TABLE stories ADD COLUMN IF NOT EXISTS n_outlets INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE stories ADD COLUMN IF NOT EXISTS noise TEXT",
    "ALTER TABLE stories ADD COLUMN IF NOT EXISTS fts TSVECTOR",
    "CREATE INDEX IF NOT EXISTS stories_fts ON stories USING GIN (fts)",
)
# What pages read instead of the story's JSON and its articles (``base.StoryOutline``,
# ``base.StoryPage``), as JSON; added and filled when an older store is opened to write. A
# story whose columns are NULL (a read-only store made before them) is read the old way.
PAGE_MIGRATION = (
    "ALTER TABLE stories ADD COLUMN IF NOT EXISTS outline TEXT",
    "ALTER TABLE stories ADD COLUMN IF NOT EXISTS page TEXT",
    "ALTER TABLE stories ADD COLUMN IF NOT EXISTS names TEXT",
)
# English stemming ("airstrike" finds "airstrikes"); a store indexed with another
# configuration is re-indexed when next opened to write.
FTS_CONFIG = "english"
# The list order (``story_listing``), as in the SQLite store.
# A story's last day as a date (NULL when it has none or it is malformed).
_DAY = "(CASE WHEN last_date ~ '^\\d{4}-\\d{2}-\\d{2}' THEN substr(last_date, 1, 10)::date END)"
_RANK = (
    f" ORDER BY (noise IS NOT NULL), (n_articles >= {MAJOR_ARTICLES} AND n_outlets >= {MAJOR_OUTLETS})"
    f" DESC, (n_articles >= {MAJOR_ARTICLES}) DESC,"
    f" ((n_articles + {OUTLET_WEIGHT} * n_outlets) / (1.0 + COALESCE((SELECT MAX({_DAY}) FROM stories)"
    f" - {_DAY}, {UNDATED_AGE})::float / {RECENT_DAYS})) DESC,"
    " n_outlets DESC, n_articles DESC, COALESCE(last_date, '') DESC, id"
)

# Any constant works: the lock is per database, and a storyline store is one database.
# (The two halves spell "stor" "ylin" in ASCII, to stay clear of other applications' keys.)
WRITE_LOCK = (0x73746F72, 0x796C696E)
# The tsvector of one article is capped at 1 MB by PostgreSQL; a text this long (far beyond
# any news article) is indexed by its first part only rather than refused.
MAX_INDEXED_CHARS = 500_000


def _driver() -> Any:
    """psycopg, imported on first use: the SQLite store must not need it."""
    try:
        import psycopg
    except ImportError:
        raise MissingExtraError("psycopg", "postgres") from None
    return psycopg


def pg_text(value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL characters; the indexed columns drop them (the
    article itself round-trips exactly: its JSON escapes them)."""
    return value.replace("\x00", "") if value is not None else None


class PostgresStore:
    """A storyline store in a PostgreSQL database. Use as a context manager, or ``close()``."""

    def __init__(
        self,
        url: str,
        timeout: float = 60.0,
        readonly: bool = False,
        wait: float | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        """Open (and create the tables of) the store at ``url``; ``readonly`` opens an existing
        one without ever taking the write lock. ``timeout`` bounds connecting and one attempt
        at the write lock; a writer then tells ``on_wait`` once and keeps trying (``wait``
        seconds in all; ``None``: until it gets the lock), as the SQLite store does."""
        pg = _driver()
        self.url = url
        self.readonly = readonly
        self.wait, self.on_wait = wait, on_wait
        self._depth = 0
        self._revisions = True  # False on a read-only store written before revisions existed
        name = store_label(url)
        try:
            self.conn: psycopg.Connection[Any] = pg.connect(
                url, autocommit=True, connect_timeout=max(1, int(timeout))
            )
        except pg.Error as exc:
            detail = " ".join(str(exc).split())  # libpq's messages span lines; the CLI shows one
            raise InputError(f"{name}: cannot connect to the storyline database ({detail})") from None
        self.conn.execute(f"SET lock_timeout = {int(timeout * 1000)}")
        try:
            if readonly:
                self.conn.execute("SET default_transaction_read_only = on")
                if self.conn.execute("SELECT to_regclass('articles')").fetchone()[0] is None:
                    raise InputError(f"{name}: no storyline store in this database")
                self._revisions = self._one("SELECT to_regclass('revisions')") is not None
                self._ranked = self._has_column("noise")
                self._paged = self._has_column("names")
                self._check_version(name)
                return
            with self.writing():
                for stmt in SCHEMA.split(";"):
                    if stmt.strip():
                        self.conn.execute(stmt)
                self._migrate()
                self._check_version(name)
        except pg.errors.LockNotAvailable:
            self.conn.close()
            raise InputError(
                f"{name}: the store is busy (another storyline process is writing); "
                "try again when it has finished"
            ) from None
        except pg.Error as exc:
            self.conn.close()
            detail = " ".join(str(exc).split())
            raise InputError(f"{name}: not a usable storyline database ({detail})") from None
        except InputError:
            self.conn.close()
            raise

    def _migrate(self) -> None:
        """Bring a store made by an older version up to date (inside the opening write
        transaction): the stories' list and search columns, filled from their articles,
        and the articles' search vectors in the stemmed configuration."""
        had = self._has_column("n_outlets")
        paged = self._has_column("names")
        for stmt in STORY_MIGRATION + PAGE_MIGRATION:
            self.conn.execute(stmt)
        self._ranked = self._paged = True
        self._split_json_parts()
        if not had:
            for (data,) in self.conn.execute("SELECT data FROM stories").fetchall():
                story = story_from_dict(json.loads(data))
                self.conn.execute("UPDATE stories SET n_outlets = %s, noise = %s WHERE id = %s",
                                  (self._outlets_of(story.article_ids), story.noise, story.id))
                self._index_story(story)
        if not paged:  # one story decoded at a time: a large store's stories need not fit at once
            for (sid,) in self.conn.execute("SELECT id FROM stories").fetchall():
                data = self._one("SELECT data FROM stories WHERE id = %s", (sid,))
                story = story_from_dict(json.loads(data))
                rows = self.article_rows_for(story.article_ids)
                self.conn.execute("UPDATE stories SET outline = %s, page = %s, names = %s WHERE id = %s",
                                  (*self._projections(story, rows), sid))
        if self.get_meta("fts_config") != FTS_CONFIG:
            self.conn.execute(
                f"UPDATE articles SET fts = to_tsvector('{FTS_CONFIG}', left(COALESCE(title, '') || ' '"
                f" || COALESCE(data::json ->> 'text', ''), {MAX_INDEXED_CHARS}))")
            self.set_meta("fts_config", FTS_CONFIG)

    def _has_column(self, name: str) -> bool:
        """Whether the stories table has this column (an older store may not)."""
        return self._one(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'stories'"
            " AND column_name = %s AND table_schema = current_schema()", (name,)) is not None

    @staticmethod
    def _projections(story: Story, rows: list[ArticleRow]) -> tuple[str, str, str]:
        """The outline, page and names columns of ``story`` (JSON), from its articles' rows."""
        return (json.dumps(outline_of(rows).to_json(), ensure_ascii=False),
                json.dumps(page_of(story).to_json(), ensure_ascii=False),
                json.dumps(names_of(story), ensure_ascii=False))

    def _outlets_of(self, article_ids: list[str]) -> int:
        """How many distinct outlets (else URL hosts) published these articles."""
        rows = self.conn.execute(
            "SELECT outlet, CASE WHEN outlet IS NULL THEN data::json ->> 'url' END FROM articles"
            " WHERE id = ANY(%s)", ([pg_text(i) for i in dict.fromkeys(article_ids)],))
        return outlet_count(rows)

    def _index_story(self, story: Story) -> None:
        names = " ".join(dict.fromkeys(n for e in story.entities for n in [e.name, *e.variants]))
        self.conn.execute(
            f"UPDATE stories SET fts = setweight(to_tsvector('{FTS_CONFIG}', %s), 'A')"
            f" || to_tsvector('{FTS_CONFIG}', %s) WHERE id = %s",
            (pg_text(story.title), pg_text(names), story.id))

    def _check_version(self, name: str) -> None:
        version = self.get_meta("store_version")
        if version is None and not self.readonly:
            self.set_meta("store_version", STORE_VERSION)
        elif version is not None and version != STORE_VERSION:
            raise InputError(f"{name}: store version {version}, expected {STORE_VERSION}")

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def writing(self) -> Iterator[psycopg.Connection[Any]]:
        """An exclusive write transaction: committed whole, or rolled back whole. Nested
        calls join the outer transaction, as under SQLite."""
        if self._depth:
            yield self.conn
            return
        self._depth += 1
        try:
            with self.conn.transaction():
                wait_for_write_lock(self._lock, store_label(self.url), wait=self.wait, on_wait=self.on_wait)
                yield self.conn
        finally:
            self._depth -= 1

    def _lock(self) -> bool:
        """One try at the write lock: queue for the advisory lock until ``lock_timeout``.
        The try runs in a savepoint, so a timed-out one leaves the transaction usable; the
        lock, once taken, is held until the whole transaction ends."""
        pg = _driver()
        try:
            with self.conn.transaction():
                self.conn.execute("SELECT pg_advisory_xact_lock(%s::integer, %s::integer)", WRITE_LOCK)
        except pg.errors.LockNotAvailable:
            return False
        return True

    def _one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self.conn.execute(sql, tuple(params)).fetchone()
        return row[0] if row else None

    # -- meta -----------------------------------------------------------------------
    def _has_meta(self, key: str) -> bool:
        return self.conn.execute("SELECT 1 FROM meta WHERE key = %s", (key,)).fetchone() is not None

    def get_meta(self, key: str) -> str | None:
        value: str | None = self._one("SELECT value FROM meta WHERE key = %s", (key,))
        return value

    def set_meta(self, key: str, value: str) -> None:
        with self.writing():
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                (key, pg_text(value)),
            )

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
        row = self.conn.execute("SELECT (value::json -> %s)::text FROM meta WHERE key = %s",
                                (part, key)).fetchone()
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
        stored = self._one("SELECT hash FROM articles WHERE id = %s", (article.id,))
        if stored is None:
            return article.id, False
        if stored == digest:
            return article.id, True
        alt = f"{article.id}~{digest[:8]}"
        return alt, self._one("SELECT 1 FROM articles WHERE id = %s", (alt,)) is not None

    def add_articles(
        self,
        articles: Iterable[Article],
        signatures: dict[str, tuple[np.ndarray, int]] | None = None,
    ) -> StoredBatch:
        """Store new articles (inside the caller's transaction if there is one)."""
        result = StoredBatch([], [], {})
        sigs = signatures or {}
        with self.writing():
            seq = int(self._one("SELECT COALESCE(MAX(seq), 0) FROM articles"))
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
                searchable = f"{art.title or ''} {art.text}"[:MAX_INDEXED_CHARS]
                self.conn.execute(
                    "INSERT INTO articles(id, seq, hash, published, title, outlet, source, duplicate_of,"
                    " signature, shingles, data, fts)"
                    f" VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s, to_tsvector('{FTS_CONFIG}', %s))",
                    (
                        art.id,
                        seq,
                        content_hash(art.text),
                        pg_text(art.published),
                        pg_text(art.title),
                        pg_text(art.outlet),
                        pg_text(art.source),
                        art.duplicate_of,
                        signature_bytes(sig[0]) if sig is not None else None,
                        sig[1] if sig is not None else None,
                        json.dumps(to_dict(art), ensure_ascii=False),
                        pg_text(searchable),
                    ),
                )
                result.added.append(art.id)
        return result

    def articles(self, ids: Iterable[str] | None = None) -> list[Article]:
        """Stored articles, in insertion order (all, or the given ids)."""
        if ids is None:
            rows = self.conn.execute("SELECT data, duplicate_of FROM articles ORDER BY seq").fetchall()
        else:
            rows = self.conn.execute(
                "SELECT data, duplicate_of FROM articles WHERE id = ANY(%s) ORDER BY seq",
                (list(dict.fromkeys(ids)),),
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
        return int(self._one("SELECT COUNT(*) FROM articles"))

    def article_rows(self) -> list[ArticleRow]:
        """Every article's indexed columns, in insertion order (no full JSON decoded)."""
        rows = self.conn.execute(
            "SELECT id, title, outlet, published, duplicate_of, story_id, event_id,"
            " data::json ->> 'url' FROM articles ORDER BY seq"
        )
        return [ArticleRow(*r) for r in rows]

    def duplicates(self, article_id: str) -> list[str]:
        """Ids of the stored copies of ``article_id``, in insertion order."""
        rows = self.conn.execute(
            "SELECT id FROM articles WHERE duplicate_of = %s ORDER BY seq", (article_id,)
        )
        return [r[0] for r in rows]

    # -- read queries of the web app (indexed; only the rows a page shows) -------------
    # The URL stands in for a missing outlet only: it is read from the article's JSON (a
    # parse of its whole text) just for the rows that have no outlet.
    _ROW = ("SELECT id, title, outlet, published, duplicate_of, story_id, event_id,"
            " CASE WHEN outlet IS NULL THEN data::json ->> 'url' END FROM articles")

    def article_rows_for(self, ids: Iterable[str]) -> list[ArticleRow]:
        """The indexed columns of these articles (unknown ids left out), in insertion order."""
        rows = self.conn.execute(self._ROW + " WHERE id = ANY(%s) ORDER BY seq",
                                 ([pg_text(i) for i in dict.fromkeys(ids)],))
        return [ArticleRow(*r) for r in rows]

    def story_article_rows(self, story_ids: Iterable[str]) -> list[ArticleRow]:
        """The indexed columns of every article of these stories, in insertion order."""
        rows = self.conn.execute(self._ROW + " WHERE story_id = ANY(%s) ORDER BY seq",
                                 ([pg_text(i) for i in dict.fromkeys(story_ids)],))
        return [ArticleRow(*r) for r in rows]

    def article_texts(self, ids: Iterable[str]) -> dict[str, str]:
        """The cleaned text of these articles (their JSON is not decoded in Python)."""
        rows = self.conn.execute("SELECT id, data::json ->> 'text' FROM articles WHERE id = ANY(%s)",
                                 ([pg_text(i) for i in dict.fromkeys(ids)],))
        return {aid: text or "" for aid, text in rows}

    def story_listing(
        self, offset: int = 0, limit: int | None = None, *, noise: bool = False
    ) -> list[StoryListing]:
        """Stories ranked by coverage and recency (``_RANK``), one page; noise stories only
        when ``noise`` (last). A read-only store made before the ranking columns lists
        newest first, as it did then."""
        page = (None if limit is None else max(0, limit), max(0, offset))
        if not self._ranked:
            rows = self.conn.execute(
                "SELECT id, title, first_date, last_date, n_articles, 0, NULL, updated FROM stories"
                " ORDER BY COALESCE(last_date, '') DESC, COALESCE(first_date, '') DESC,"
                " n_articles DESC, id LIMIT %s OFFSET %s", page)
            return [StoryListing(*r) for r in rows]
        where = "" if noise else " WHERE noise IS NULL"
        rows = self.conn.execute(
            "SELECT id, title, first_date, last_date, n_articles, n_outlets, noise, updated"
            f" FROM stories{where}{_RANK} LIMIT %s OFFSET %s", page)
        return [StoryListing(*r) for r in rows]

    def count_listed(self, noise: bool = False) -> int:
        if noise or not self._ranked:
            return self.count_stories()
        return int(self._one("SELECT COUNT(*) FROM stories WHERE noise IS NULL"))

    def story_titles(self, ids: Iterable[str]) -> dict[str, str]:
        rows = self.conn.execute("SELECT id, title FROM stories WHERE id = ANY(%s)",
                                 ([pg_text(i) for i in dict.fromkeys(ids)],))
        return {sid: title for sid, title in rows}

    def count_stories(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM stories"))

    def count_errors(self) -> int:
        return int(self._one("SELECT COUNT(*) FROM errors"))

    def signatures(self) -> Iterator[tuple[str, np.ndarray, int, str | None]]:
        """(id, MinHash signature, shingle count, duplicate_of) of every stored article."""
        rows = self.conn.execute(
            "SELECT id, signature, shingles, duplicate_of FROM articles"
            " WHERE signature IS NOT NULL ORDER BY seq"
        ).fetchall()
        for aid, blob, n, dup in rows:
            yield aid, signature_array(bytes(blob)), int(n or 1), dup

    def set_group(self, article_id: str, story_id: str, event_id: str | None) -> None:
        with self.writing():
            self.conn.execute(
                "UPDATE articles SET story_id = %s, event_id = %s WHERE id = %s",
                (story_id, event_id, article_id),
            )

    def groups(self) -> dict[str, tuple[str | None, str | None]]:
        """article id -> (story id, event id) for every stored article."""
        rows = self.conn.execute("SELECT id, story_id, event_id FROM articles ORDER BY seq")
        return {aid: (sid, eid) for aid, sid, eid in rows}

    def search(
        self, query: str, limit: int = 50, *, offset: int = 0, since: str | None = None,
        until: str | None = None,
    ) -> list[str]:
        """Ids of articles holding every word of ``query`` (title or text, stemmed), best
        first, one page; ``since``/``until`` (ISO dates, inclusive) bound their dates."""
        if not query.strip():
            return []
        where, params = "", [pg_text(fts_phrases(query))]
        if since:
            where += " AND published >= %s"
            params.append(since)
        if until:
            where += " AND published <= %s"
            params.append(until + "~")  # "~" sorts after any time part of that day
        rows = self.conn.execute(
            f"SELECT id FROM articles, websearch_to_tsquery('{FTS_CONFIG}', %s) AS q WHERE fts @@ q"
            f"{where} ORDER BY ts_rank_cd(fts, q) DESC, seq LIMIT %s OFFSET %s",
            (*params, max(0, limit), max(0, offset)),
        )
        return [r[0] for r in rows]

    def search_stories(self, query: str, limit: int = 20) -> list[str]:
        """Ids of stories whose title or entity names hold every word of ``query``, stemmed."""
        if not query.strip() or not self._ranked:
            return []
        rows = self.conn.execute(
            f"SELECT id FROM stories, websearch_to_tsquery('{FTS_CONFIG}', %s) AS q WHERE fts @@ q"
            " ORDER BY ts_rank_cd(fts, q) DESC, n_articles DESC, id LIMIT %s",
            (pg_text(fts_phrases(query)), max(0, limit)),
        )
        return [r[0] for r in rows]

    # -- per-article analyses ---------------------------------------------------------
    def put_analyses(self, items: dict[str, dict]) -> None:
        """Store (replace) one JSON object per article id; each id must be a stored article
        (a foreign key: the analysis is deleted with its article)."""
        with self.writing(), self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO analyses(id, data) VALUES (%s, %s)"
                " ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data",
                [(aid, json.dumps(data, ensure_ascii=False)) for aid, data in items.items()],
            )

    def analyses(self, ids: Iterable[str]) -> dict[str, dict]:
        """The stored analyses of these article ids; ids without one are left out."""
        rows = self.conn.execute(
            "SELECT id, data FROM analyses WHERE id = ANY(%s)", (list(dict.fromkeys(ids)),)
        )
        return {aid: json.loads(data) for aid, data in rows}

    # -- stories --------------------------------------------------------------------
    def put_story(self, story: Story, dates: tuple[str | None, str | None] = (None, None)) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.writing():
            rows = self.article_rows_for(story.article_ids)
            self.conn.execute(
                "INSERT INTO stories(id, title, first_date, last_date, n_articles, updated, data,"
                " n_outlets, noise, outline, page, names)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (id) DO UPDATE SET"
                " title = EXCLUDED.title,"
                " first_date = EXCLUDED.first_date, last_date = EXCLUDED.last_date,"
                " n_articles = EXCLUDED.n_articles, updated = EXCLUDED.updated, data = EXCLUDED.data,"
                " n_outlets = EXCLUDED.n_outlets, noise = EXCLUDED.noise, outline = EXCLUDED.outline,"
                " page = EXCLUDED.page, names = EXCLUDED.names",
                (
                    story.id,
                    pg_text(story.title),
                    pg_text(dates[0]),
                    pg_text(dates[1]),
                    len(story.article_ids),
                    now,
                    json.dumps(to_dict(story), ensure_ascii=False),
                    outlet_count((r.outlet, r.url) for r in rows),
                    pg_text(story.noise),
                    *self._projections(story, rows),
                ),
            )
            self._index_story(story)

    def delete_story(self, story_id: str) -> None:
        with self.writing():
            self.conn.execute("DELETE FROM stories WHERE id = %s", (story_id,))

    def stories(self, ids: Iterable[str] | None = None) -> list[Story]:
        """Stored stories, newest last date first."""
        rows = self.conn.execute(
            "SELECT id, data FROM stories ORDER BY COALESCE(last_date, '') DESC, id"
        ).fetchall()
        wanted = set(ids) if ids is not None else None
        return [story_from_dict(json.loads(d)) for sid, d in rows if wanted is None or sid in wanted]

    def story(self, story_id: str) -> Story | None:
        data = self._one("SELECT data FROM stories WHERE id = %s", (story_id,))
        return story_from_dict(json.loads(data)) if data is not None else None

    def story_page(self, story_id: str) -> StoryPage | None:
        """The story page's projection of a story and its outline (two small JSON columns);
        a story stored without them (read-only store made before them) is read whole."""
        if self._paged:
            row = self.conn.execute("SELECT page, outline FROM stories WHERE id = %s",
                                    (pg_text(story_id),)).fetchone()
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
        wanted = [pg_text(i) or "" for i in dict.fromkeys(ids)]
        out: dict[str, StoryOutline] = {}
        if self._paged:
            rows = self.conn.execute("SELECT id, outline FROM stories WHERE id = ANY(%s)"
                                     " AND outline IS NOT NULL", (wanted,))
            out = {sid: StoryOutline.from_json(json.loads(data)) for sid, data in rows}
        rest = list(self.story_titles([s for s in wanted if s not in out]))
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
        wanted = [pg_text(i) or "" for i in dict.fromkeys(ids)]
        out: dict[str, list[Entity]] = {}
        if self._paged:
            rows = self.conn.execute("SELECT id, names FROM stories WHERE id = ANY(%s)"
                                     " AND names IS NOT NULL", (wanted,))
            out = {sid: entities_from_names(json.loads(data), words) for sid, data in rows}
        for sid in wanted:
            if sid not in out and (story := self.story(sid)) is not None:
                out[sid] = entities_from_names(names_of(story), words)
        return out

    # -- revisions ------------------------------------------------------------------
    def add_revisions(self, revisions: Iterable[Revision]) -> list[int]:
        """Store revisions in order, numbering them (a sequence: never reused)."""
        numbers = []
        with self.writing():
            for rev in revisions:
                data = json.dumps({**to_dict(rev), "number": 0}, ensure_ascii=False)
                rev.number = int(
                    self._one(
                        "INSERT INTO revisions(story_id, at, data) VALUES (%s, %s, %s) RETURNING number",
                        (pg_text(rev.story_id), pg_text(rev.at), data),
                    )
                )
                numbers.append(rev.number)
        return numbers

    @staticmethod
    def _since(since: str | int | None) -> tuple[str, list[Any]]:
        if since is None:
            return "", []
        if isinstance(since, int):
            return " AND number > %s", [since]
        return " AND at > %s", [pg_text(since)]

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
            where += " AND story_id = ANY(%s)"
            params.append([pg_text(i) for i in dict.fromkeys(story_ids)])
        rows = self.conn.execute(
            f"SELECT number, data FROM revisions WHERE TRUE{where} ORDER BY number DESC LIMIT %s",
            (*params, None if limit is None else max(0, limit)),
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
            f"SELECT story_id, MAX(number) FROM revisions WHERE TRUE{where} GROUP BY story_id", params
        )
        return {sid: int(n) for sid, n in rows}

    def latest_revision(self) -> int:
        if not self._revisions:
            return 0
        return int(self._one("SELECT COALESCE(MAX(number), 0) FROM revisions"))

    # -- errors ---------------------------------------------------------------------
    def add_errors(self, errors: Iterable[IngestError]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [(pg_text(e.path), pg_text(e.error), now) for e in errors]
        if not rows:
            return
        with self.writing(), self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO errors(path, error, at) VALUES (%s,%s,%s)"
                " ON CONFLICT (path, error) DO UPDATE SET at = EXCLUDED.at",
                rows,
            )

    def errors(self) -> list[IngestError]:
        rows = self.conn.execute("SELECT path, error FROM errors ORDER BY at, path")
        return [IngestError(p, e) for p, e in rows]

    def integrity_ok(self) -> bool:
        """Whether every table answers. The server guards its own files: there is no
        whole-file check to run as SQLite's ``integrity_check``."""
        for table in ("meta", "articles", "stories", "errors", "analyses") + ("revisions",) * self._revisions:
            self.conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchall()
        return True
