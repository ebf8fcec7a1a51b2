"""What every store backend shares: the ``StoryStore`` protocol and the records it returns.

Kept apart from ``store/__init__.py`` so a backend module can import these without importing
the package's registry (which names the backends): no import cycle, whichever loads first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from storyline.model import Article, IngestError, Story

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


@runtime_checkable
class StoryStore(Protocol):
    """Everything the pipeline, CLI, report and web app ask of a store.

    A backend keeps articles (with their MinHash signature, duplicate link, story and event),
    stories, ingest errors, small JSON state (``get_json``/``set_json``) and per-article
    analyses. ``writing()`` is one exclusive write transaction: two processes adding at once
    serialize, and an exception inside leaves nothing of it behind. Reads never wait for a
    writer. Open one with ``storyline.store.open_store(path_or_url)``.
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

    def signatures(self) -> Iterator[tuple[str, np.ndarray, int, str | None]]: ...

    def set_group(self, article_id: str, story_id: str, event_id: str | None) -> None: ...

    def groups(self) -> dict[str, tuple[str | None, str | None]]: ...

    def search(self, query: str, limit: int = 50) -> list[str]:
        """Ids of articles holding every word of ``query`` (title or text), best first."""
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

    def add_errors(self, errors: Iterable[IngestError]) -> None: ...

    def errors(self) -> list[IngestError]: ...

    def integrity_ok(self) -> bool: ...


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
