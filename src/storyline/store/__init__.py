"""Where the pipeline keeps everything: articles, duplicate links, stories, events, errors.

``open_store(target)`` opens a store by path or URL: a file path is the SQLite store (one
file, no server; ``Store`` is that class and stays the default), a ``postgresql://`` URL the
PostgreSQL store (``pip install 'storyline[postgres]'``), for several machines writing one
store. Both satisfy ``StoryStore``, the protocol the pipeline, CLI, report and web app are
written against, and pass the same tests.

A new backend is one module with a class taking ``(target, timeout=..., readonly=...)``
(and ``wait=``, ``on_wait=``, waiting for the write lock through
``base.wait_for_write_lock`` as the others do) and one ``register_backend`` line below.
Backends load lazily, so a missing driver costs nothing until its URL is used.

    >>> from storyline.store import open_store
    >>> with open_store("storyline.db") as store:          # doctest: +SKIP
    ...     print(store.count_articles())
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from storyline.errors import InputError
from storyline.store.base import (
    STORE_VERSION,
    ArticleRow,
    StoredBatch,
    StoryListing,
    StoryStore,
    fts_phrases,
    signature_array,
    signature_bytes,
    store_label,
)
from storyline.store.sqlite import Store

__all__ = [
    "STORE_VERSION",
    "ArticleRow",
    "Store",
    "StoredBatch",
    "StoryListing",
    "StoryStore",
    "fts_phrases",
    "is_store_url",
    "open_store",
    "register_backend",
    "signature_array",
    "signature_bytes",
    "store_label",
]


class StoreOpener(Protocol):
    """A backend class (or factory): opens, creating if needed, the store at ``target``."""

    def __call__(
        self, target: str, *, timeout: float = ..., readonly: bool = ..., **waiting: Any
    ) -> StoryStore:
        """``waiting`` is ``wait`` and ``on_wait`` (see ``open_store``), passed only when given."""
        ...


# URL scheme -> "module:attribute" of the backend, imported on first use.
BACKENDS: dict[str, str] = {}


def register_backend(scheme: str, target: str) -> None:
    """Open ``scheme://...`` URLs with ``target``, a ``"package.module:Class"`` string (so
    registering never imports the backend or its driver)."""
    BACKENDS[scheme.lower()] = target


register_backend("postgresql", "storyline.store.postgres:PostgresStore")
register_backend("postgres", "storyline.store.postgres:PostgresStore")


def is_store_url(target: str | Path) -> bool:
    """Whether ``target`` names a store by URL (``scheme://...``) rather than a file path."""
    return isinstance(target, str) and "://" in target and target.split("://", 1)[0].isidentifier()


def open_store(
    target: str | Path,
    *,
    timeout: float = 60.0,
    readonly: bool = False,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> StoryStore:
    """Open the store at ``target``: a registered URL scheme's backend, else a SQLite file.

    ``readonly`` never takes the write lock, so a reader (the web app) does not wait for a
    running ``add``. A writer waits for another one's lock as long as it takes: each try
    lasts ``timeout`` seconds, after the first ``on_wait`` is told (one line naming the
    store) and it tries again with backoff, for ``wait`` seconds in all (``None``: no limit).
    Raises ``InputError`` for an unknown scheme, an unusable store or a wait run out, and
    ``MissingExtraError`` when the backend's driver is not installed.
    """
    waiting: dict[str, Any] = {}
    if wait is not None:
        waiting["wait"] = wait
    if on_wait is not None:
        waiting["on_wait"] = on_wait
    if not is_store_url(target):
        return Store(target, timeout=timeout, readonly=readonly, **waiting)
    url = str(target)
    scheme = url.split("://", 1)[0].lower()
    if scheme not in BACKENDS:
        known = ", ".join(sorted(f"{s}://" for s in BACKENDS))
        raise InputError(f"{scheme}://...: no store backend for this scheme (known: {known}, or a file path)")
    module, _, attr = BACKENDS[scheme].partition(":")
    opener: StoreOpener = getattr(importlib.import_module(module), attr)
    return opener(url, timeout=timeout, readonly=readonly, **waiting)
