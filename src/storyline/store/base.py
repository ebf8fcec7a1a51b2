"""What every store backend shares: the ``StoryStore`` protocol and the records it returns.

Kept apart from ``store/__init__.py`` so a backend module can import these without importing
the package's registry (which names the backends): no import cycle, whichever loads first.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import numpy as np

from storyline.errors import InputError
from storyline.model import Article, IngestError, Revision, Story

# Bumped when a stored layout changes in a way an older storyline cannot read. Adding a
# table (``analyses``) is not such a change: older stores gain it when next opened to write.
STORE_VERSION = "1"


@dataclass
class StoredBatch:
    """What ``add_articles`` did: ids stored, ids already present, renamed ids.

    Not ``pipeline.AddResult`` (a whole run: errors, stories touched); this is one batch."""

    added: list[str]
    unchanged: list[str]
    renamed: dict[str, str]


@dataclass(frozen=True)
class ArticleRow:
    """An article's indexed columns, read without decoding its stored JSON (list pages need
    every article's date and outlet, and decoding full texts would make them slow)."""

    id: str
    title: str | None
    outlet: str | None
    published: str | None
    duplicate_of: str | None
    story_id: str | None
    event_id: str | None
    url: str | None = None


@dataclass(frozen=True)
class StoryListing:
    """A story's indexed columns (no story JSON decoded): what a list of stories sorts and
    pages by. ``first_date``/``last_date`` are its articles' earliest and latest dates."""

    id: str
    title: str
    first_date: str | None
    last_date: str | None
    n_articles: int
    # Distinct outlets of its articles, why it is noise (None: news), when it was analysed.
    n_outlets: int = 0
    noise: str | None = None
    updated: str | None = None

    @property
    def major(self) -> bool:
        """Covered widely enough to lead a list: ``MAJOR_ARTICLES`` articles from
        ``MAJOR_OUTLETS`` outlets, and not noise."""
        return self.noise is None and self.n_articles >= MAJOR_ARTICLES and self.n_outlets >= MAJOR_OUTLETS


# A story lists first (``story_listing``) when it has this many articles from this many
# outlets: one outlet's one-off article is not yet a story others followed.
MAJOR_ARTICLES, MAJOR_OUTLETS = 3, 2
# A story whose latest article is within this many days of the store's latest is "recent":
# recent stories rank before older ones of their tier.
RECENT_DAYS = 30
# Within a tier a story ranks by coverage fading with age: (articles + OUTLET_WEIGHT x
# outlets) / (1 + days behind the store's latest story / RECENT_DAYS). A story last updated a
# month before the latest counts half, so three fresh articles do not outrank a big story of
# last month, but a big story of last year yields to a moderately covered current one.
OUTLET_WEIGHT, UNDATED_AGE = 3, 3650


def rank_score(n_articles: int, n_outlets: int, age_days: float | None) -> float:
    """The within-tier rank of a story (``story_listing`` computes the same in SQL)."""
    age = UNDATED_AGE if age_days is None else age_days
    return (n_articles + OUTLET_WEIGHT * n_outlets) / (1.0 + age / RECENT_DAYS)


@runtime_checkable
class StoryStore(Protocol):
    """Everything the pipeline, CLI, report and web app ask of a store.

    A backend keeps articles (with their MinHash signature, duplicate link, story and event),
    stories, ingest errors, small JSON state (``get_json``/``set_json``) and per-article
    analyses. ``writing()`` is one exclusive write transaction: two processes adding at once
    serialize (the second waits for the lock as long as it takes, see
    ``wait_for_write_lock``), and an exception inside leaves nothing of it behind. Reads
    never wait for a writer. Open one with ``storyline.store.open_store(path_or_url)``.
    """

    def __enter__(self) -> StoryStore: ...

    def __exit__(self, *exc: object) -> None: ...

    def close(self) -> None: ...

    def writing(self) -> AbstractContextManager[Any]:
        """An exclusive write transaction; nested calls join the outer one."""
        ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def get_json(self, key: str) -> Any: ...

    def set_json(self, key: str, value: Any) -> None: ...

    def resolve_id(self, article: Article) -> tuple[str, bool]:
        """The id under which this article is (or would be) stored, and whether it is there."""
        ...

    def add_articles(
        self,
        articles: Iterable[Article],
        signatures: dict[str, tuple[np.ndarray, int]] | None = None,
    ) -> StoredBatch: ...

    def articles(self, ids: Iterable[str] | None = None) -> list[Article]:
        """Stored articles in insertion order (all, or the given ids)."""
        ...

    def article(self, article_id: str) -> Article | None: ...

    def count_articles(self) -> int: ...

    def article_rows(self) -> list[ArticleRow]:
        """Every article's indexed columns, in insertion order."""
        ...

    def duplicates(self, article_id: str) -> list[str]:
        """Ids of the articles marked as copies of ``article_id``, in insertion order."""
        ...

    # Read queries of the web app: each reads only the rows a page shows, by an index.
    def article_rows_for(self, ids: Iterable[str]) -> list[ArticleRow]:
        """The indexed columns of these articles (unknown ids left out), in insertion order.
        ``url`` is filled only where ``outlet`` is missing (lists show it in its place;
        reading it costs a parse of the article's JSON)."""
        ...

    def story_article_rows(self, story_ids: Iterable[str]) -> list[ArticleRow]:
        """The indexed columns of every article grouped into these stories, insertion order
        (``url`` as in ``article_rows_for``)."""
        ...

    def article_texts(self, ids: Iterable[str]) -> dict[str, str]:
        """The cleaned text of these articles, without decoding the rest of their JSON."""
        ...

    def story_listing(
        self, offset: int = 0, limit: int | None = None, *, noise: bool = False
    ) -> list[StoryListing]:
        """Stories ranked by coverage and recency, one page: those with ``MAJOR_ARTICLES``
        articles from ``MAJOR_OUTLETS`` outlets first, then other stories of
        ``MAJOR_ARTICLES`` articles, then the rest (a one-article story never buries a big
        one); within each, recent ones (``RECENT_DAYS`` of the latest) first, then more
        outlets, more articles, later last date. Noise stories are left out unless
        ``noise`` (then listed last)."""
        ...

    def count_listed(self, noise: bool = False) -> int:
        """How many stories ``story_listing`` lists (noise ones only when ``noise``)."""
        ...

    def story_titles(self, ids: Iterable[str]) -> dict[str, str]:
        """story id -> title for these ids (unknown ids left out)."""
        ...

    def count_stories(self) -> int: ...

    def count_errors(self) -> int: ...

    def signatures(self) -> Iterator[tuple[str, np.ndarray, int, str | None]]: ...

    def set_group(self, article_id: str, story_id: str, event_id: str | None) -> None: ...

    def groups(self) -> dict[str, tuple[str | None, str | None]]: ...

    def search(
        self, query: str, limit: int = 50, *, offset: int = 0, since: str | None = None,
        until: str | None = None,
    ) -> list[str]:
        """Ids of articles holding every word of ``query`` (title or text, stemmed), best
        first, one page; ``since``/``until`` (ISO dates, inclusive) bound their dates."""
        ...

    def search_stories(self, query: str, limit: int = 20) -> list[str]:
        """Ids of stories whose title or entity names hold every word of ``query``, stemmed."""
        ...

    def put_analyses(self, items: dict[str, dict]) -> None:
        """Store (replace) one JSON object per stored article id."""
        ...

    def analyses(self, ids: Iterable[str]) -> dict[str, dict]:
        """The stored analyses of these article ids (ids without one are left out)."""
        ...

    def put_story(self, story: Story, dates: tuple[str | None, str | None] = (None, None)) -> None: ...

    def delete_story(self, story_id: str) -> None: ...

    def stories(self, ids: Iterable[str] | None = None) -> list[Story]:
        """Stored stories, newest last date first."""
        ...

    def story(self, story_id: str) -> Story | None: ...

    # Revisions: what each run changed in a story (``storyline.changes``).
    def add_revisions(self, revisions: Iterable[Revision]) -> list[int]:
        """Store revisions in the given order; each gets the next number of the store
        (set on the record too, and returned)."""
        ...

    def revisions(
        self,
        story_ids: Iterable[str] | None = None,
        since: str | int | None = None,
        limit: int | None = None,
    ) -> list[Revision]:
        """Stored revisions, newest first: all, or those of these stories; ``since`` a
        revision number (those after it) or a UTC ISO time (those made after it)."""
        ...

    def revised_stories(self, since: str | int | None = None) -> dict[str, int]:
        """story id -> the number of its latest revision (after ``since``), read from the
        indexed columns only: what a list marks as new."""
        ...

    def latest_revision(self) -> int:
        """The number of the store's latest revision (0: none)."""
        ...

    def add_errors(self, errors: Iterable[IngestError]) -> None: ...

    def errors(self) -> list[IngestError]: ...

    def integrity_ok(self) -> bool: ...


def outlet_count(rows: Iterable[tuple[str | None, str | None]]) -> int:
    """Distinct outlets among (outlet, url) pairs: the outlet, else the URL's host ("www."
    dropped), as the list pages name a source; a pair with neither is not counted."""
    names = set()
    for outlet, url in rows:
        host = urlsplit(url).hostname if url else None
        name = (outlet or "").strip().lower() or (host or "").removeprefix("www.")
        if name:
            names.add(name)
    return len(names)


def signature_bytes(signature: np.ndarray) -> bytes:
    """A MinHash signature as stored: little-endian uint64, so a store moves between machines."""
    return signature.astype("<u8").tobytes()


def signature_array(blob: bytes) -> np.ndarray:
    """The inverse of ``signature_bytes``."""
    return np.frombuffer(blob, dtype="<u8").astype(np.uint64)


def fts_phrases(query: str) -> str:
    """Each word of ``query`` as a quoted phrase, quotes inside dropped: a user's query can
    never be read as search syntax (``OR``, ``-``, unbalanced quotes), and every word must
    match. Both the FTS5 ``MATCH`` and PostgreSQL's ``websearch_to_tsquery`` read it alike."""
    return " ".join('"' + w.replace('"', "") + '"' for w in query.split())


def store_label(target: str | Path) -> str:
    """How messages and pages name a store: its path, or its URL with the password hidden."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", str(target))


# The pause between two attempts at the write lock: short at first (a batch of the other
# writer may be about to commit), doubling up to the longest. Each attempt itself waits the
# store's ``timeout`` inside the database (SQLite's busy handler, PostgreSQL's lock queue),
# so the pause only spaces the attempts out; it is kept short because a lock freed during
# it is taken only after it (0.5 s at most).
FIRST_PAUSE, LONGEST_PAUSE = 0.05, 0.5


def wait_for_write_lock(
    attempt: Callable[[], bool],
    label: str,
    *,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> None:
    """Take the write lock through ``attempt`` (one try, bounded by the store's timeout,
    true when it got the lock), trying again with backoff while another writer holds it.

    A second ``storyline add`` must queue behind the first, however long that one's batches
    take, never die with "database is locked" and lose its run: so by default it waits as
    long as it takes (``wait`` seconds bounds it), and ``on_wait`` is told once, with a line
    naming the store, so a user knows why nothing moves. Giving up is an ``InputError``.
    """
    started = time.monotonic()
    pause = FIRST_PAUSE
    told = False
    while not attempt():
        waited = time.monotonic() - started
        if wait is not None and waited >= wait:
            raise InputError(
                f"{label}: the store is busy (another storyline process has been writing for "
                f"{waited:.0f} s); try again when it has finished"
            )
        if not told and on_wait is not None:
            on_wait(f"waiting for another writer on {label} ...")
            told = True
        time.sleep(pause if wait is None else min(pause, max(0.0, wait - waited)))
        pause = min(pause * 2, LONGEST_PAUSE)
