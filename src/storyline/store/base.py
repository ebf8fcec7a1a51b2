"""What every store backend shares: the ``StoryStore`` protocol and the records it returns.

Kept apart from ``store/__init__.py`` so a backend module can import these without importing
the package's registry (which names the backends): no import cycle, whichever loads first.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import numpy as np

from storyline.errors import InputError
from storyline.model import Article, Entity, IngestError, Revision, Story, story_from_dict, to_dict

# Parts of a JSON state (``set_json``) that pages read on their own, stored again beside it
# under "<key>.<part>" (``get_json_part``): the group state of the 10k-article benchmark store
# is 4.7 MB of JSON (170 ms to decode), and a story page needs only its alias map (64 bytes)
# to find the stories merged into it.
JSON_PARTS: dict[str, tuple[str, ...]] = {"group_state": ("alias",)}

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


def host_of(url: str | None) -> str | None:
    """The host of a URL, "www." dropped: how pages name the source of an article that
    has no outlet."""
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def _day(value: str | None) -> date | None:
    """The day of an ISO date or timestamp, else None (``ingest.meta.parse_day``'s rule)."""
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class OutletSpan:
    """One source of a story's articles as the coverage-by-outlet table shows it: its name
    (outlet, else URL host, else the article id), its articles, their first and latest date."""

    name: str
    n_articles: int
    first: str | None
    last: str | None


@dataclass(frozen=True)
class StoryOutline:
    """What a story list row and a story page's header show about a story's articles,
    computed once from their indexed columns when the story is stored (``outline_of``), so
    a page reads one small column instead of every article of 25 stories (the index of a
    10k-article store read ~5,000 rows and parsed the JSON of those without an outlet).

    ``per_day``: (ISO day, articles) for each day with one, by day; ``outlets``: the names
    of the sources that have an outlet or URL, sorted; ``by_outlet``: every source, sorted
    by name; ``first_date``/``last_date``: the earliest and latest dated ``published``."""

    per_day: list[tuple[str, int]]
    undated: int
    n_duplicates: int
    outlets: list[str]
    by_outlet: list[OutletSpan]
    first_date: str | None = None
    last_date: str | None = None
    n_articles: int = 0  # the story's articles stored when it was

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoryOutline:
        return cls(
            per_day=[(d, int(n)) for d, n in data["per_day"]], undated=int(data["undated"]),
            n_duplicates=int(data["n_duplicates"]), outlets=list(data["outlets"]),
            by_outlet=[OutletSpan(**o) for o in data["by_outlet"]],
            first_date=data.get("first_date"), last_date=data.get("last_date"),
            n_articles=int(data.get("n_articles") or 0),
        )


def outline_of(rows: Iterable[ArticleRow]) -> StoryOutline:
    """The outline of a story from its articles' rows (``url`` needed where ``outlet`` is
    missing, as ``article_rows_for`` gives it)."""
    counts: Counter[date] = Counter()
    undated = duplicates = 0
    dated: list[str] = []
    named: set[str] = set()
    spans: dict[str, list[str]] = {}
    sizes: Counter[str] = Counter()
    for r in rows:
        day = _day(r.published)
        if day is None:
            undated += 1
        else:
            counts[day] += 1
            dated.append(r.published or "")
        duplicates += bool(r.duplicate_of)
        name = r.outlet or host_of(r.url) or r.id
        if r.outlet or r.url:
            named.add(name)
        sizes[name] += 1
        if r.published:
            spans.setdefault(name, []).append(r.published)
    dated.sort()
    by_outlet = [OutletSpan(name, sizes[name], min(spans[name]) if name in spans else None,
                            max(spans[name]) if name in spans else None) for name in sorted(sizes)]
    return StoryOutline([(d.isoformat(), counts[d]) for d in sorted(counts)], undated, duplicates,
                        sorted(named), by_outlet, dated[0] if dated else None,
                        dated[-1] if dated else None, sum(sizes.values()))


def names_of(story: Story) -> list[list[Any]]:
    """The story's entities without their article ids, as stored for search pages
    (``StoryStore.story_entities``): [name, label, variants] each, in story order."""
    return [[e.name, e.label, e.variants] for e in story.entities]


def entities_from_names(data: list[list[Any]], words: Collection[str] | None = None) -> list[Entity]:
    """The inverse of ``names_of``: entities with empty ``article_ids``; with ``words``
    (casefolded), only those whose name or a spelling holds one of them."""
    if words is None:
        return [Entity(name, label, list(variants), []) for name, label, variants in data]
    if not words:
        return []
    holds = re.compile("|".join(re.escape(w) for w in words)).search  # one C call an entity
    return [Entity(name, label, list(variants), []) for name, label, variants in data
            if holds("\n".join([name, *variants]).casefold())]


# What a story page shows of a long list, and so what its stored projection keeps
# (``page_of``): the largest T17 story holds 591 figures, 2,842 entities and 165 events, a
# 3.4 MB JSON a page decoded whole to show 30, 25 per kind and 100 of them.
PAGE_COMPARISONS = 30
PAGE_EVENTS = 100
PAGE_ENTITIES = 25  # per kind (people, places, organisations)


@dataclass
class StoryPage:
    """What a story page shows of a story, stored beside its full JSON (``page_of``): the
    story with its summary, timeline and article ids whole, and cut to what the page shows
    elsewhere: the first ``PAGE_COMPARISONS`` comparison rows and the first that many of those
    marked ``shown`` (in story order), the first ``PAGE_EVENTS`` events, the first
    ``PAGE_ENTITIES`` entities of each label (their ``article_ids`` emptied: the page shows
    how many, ``entity_articles``). The counts say how long each list is in full.
    ``outline`` is filled by ``StoryStore.story_page``."""

    story: Story
    n_comparisons: int
    n_events: int
    n_entities: dict[str, int]
    entity_articles: list[int]
    outline: StoryOutline | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        return {"story": to_dict(self.story), "n_comparisons": self.n_comparisons,
                "n_events": self.n_events, "n_entities": self.n_entities,
                "entity_articles": self.entity_articles}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoryPage:
        return cls(story_from_dict(data["story"]), int(data["n_comparisons"]), int(data["n_events"]),
                   dict(data["n_entities"]), list(data["entity_articles"]))


def page_of(story: Story) -> StoryPage:
    """The stored page projection of ``story`` (see ``StoryPage``)."""
    shown = [c for c in story.comparisons if c.shown][:PAGE_COMPARISONS]
    keep = {id(c) for c in story.comparisons[:PAGE_COMPARISONS]} | {id(c) for c in shown}
    n_entities: Counter[str] = Counter(e.label for e in story.entities)
    taken: Counter[str] = Counter()
    entities, entity_articles = [], []
    for ent in story.entities:
        taken[ent.label] += 1
        if taken[ent.label] <= PAGE_ENTITIES:
            entities.append(dataclasses.replace(ent, article_ids=[]))
            entity_articles.append(len(ent.article_ids))
    cut = dataclasses.replace(
        story, comparisons=[c for c in story.comparisons if id(c) in keep],
        events=story.events[:PAGE_EVENTS], entities=entities)
    return StoryPage(cut, len(story.comparisons), len(story.events), dict(n_entities), entity_articles)


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

    def set_json(self, key: str, value: Any) -> None:
        """Store ``value`` as JSON under ``key``; the parts ``JSON_PARTS`` names for that
        key are stored again on their own (``get_json_part``)."""
        ...

    def get_json_part(self, key: str, part: str) -> Any:
        """``get_json(key)[part]`` (None when either is missing), read from the part stored on
        its own when ``JSON_PARTS`` names it, without decoding the whole state."""
        ...

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

    def story_page(self, story_id: str) -> StoryPage | None:
        """What the story page shows of a story (``StoryPage``, with its ``outline``),
        read from the projection stored beside it: not its whole JSON."""
        ...

    def story_outlines(self, ids: Iterable[str]) -> dict[str, StoryOutline]:
        """story id -> its outline (``StoryOutline``), read from the column stored with it
        (unknown ids left out): what list rows show without reading articles."""
        ...

    def story_entities(self, ids: Iterable[str], words: Collection[str] | None = None
                       ) -> dict[str, list[Entity]]:
        """story id -> its entities with empty ``article_ids`` (unknown ids left out), read
        from a column stored with it: what a search page matches a query against. With
        ``words`` (casefolded), only the entities whose name or a spelling holds one: a
        search makes no record of the thousands of entities of a large story that name
        nothing it asked for."""
        ...

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
