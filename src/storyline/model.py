"""Typed records passed between pipeline stages.

Every stage takes and returns these dataclasses, never loose dicts; the JSON report is
exactly these records serialized (see ``to_dict``), validated by the JSON Schema shipped in
``storyline/schema/digest.schema.json``. Bump ``SCHEMA_VERSION`` when a field changes meaning.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.1"


@dataclass
class Removed:
    """A piece of the input text that cleaning dropped, kept so that a user can audit it."""

    text: str
    reason: str


@dataclass
class Article:
    """One news article, as ingested and then cleaned.

    ``published`` is an ISO ``YYYY-MM-DD`` date or None; it is never guessed. When it was
    inferred from the text rather than given (metadata header, footer, URL), ``date_evidence``
    says from what, and ``published_inferred`` is True.
    """

    id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    byline: str | None = None
    url: str | None = None
    published: str | None = None
    published_inferred: bool = False
    date_evidence: str | None = None
    raw_text: str = ""
    removed: list[Removed] = field(default_factory=list)
    duplicate_of: str | None = None
    source: str | None = None

    @property
    def body(self) -> str:
        """The text used for analysis: the cleaned text."""
        return self.text


@dataclass
class IngestError:
    """An input that could not be ingested, with a one-line reason."""

    path: str
    error: str


@dataclass
class Citation:
    """A sentence with the ids of every article that states it."""

    text: str
    sources: list[str]


@dataclass
class Event:
    """A group of articles inside a story that report the same development."""

    id: str
    title: str
    article_ids: list[str]


@dataclass
class TimelineEntry:
    """One dated development. ``precision`` is ``day``, ``month`` or ``year``."""

    date: str
    precision: str
    text: str
    sources: list[str]


@dataclass
class Entity:
    """A person, place or organisation with the spelling variants merged into it."""

    name: str
    label: str
    variants: list[str]
    article_ids: list[str]


@dataclass
class ClaimValue:
    """One source's value for a compared quantity, with the sentence that states it."""

    value: str
    number: float | None
    qualifier: str | None
    sentence: str
    sources: list[str]
    date: str | None = None
    attribution: str | None = None


@dataclass
class Comparison:
    """What several sources say about one thing, labelled ``agree``, ``changed_over_time``
    or ``conflict``."""

    subject: str
    label: str
    values: list[ClaimValue]
    # Why the label: "rose from more than 300 (2021-07-04) to 1,037 (2021-07-06)".
    reason: str | None = None


@dataclass
class Story:
    """A group of articles about one developing story."""

    id: str
    title: str
    article_ids: list[str]
    summary: list[Citation] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)


@dataclass
class Digest:
    """The whole result of a run: what the JSON report holds."""

    articles: list[Article]
    stories: list[Story]
    errors: list[IngestError] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION


def to_dict(record: Any) -> dict[str, Any]:
    """Serialize any record of this module to plain JSON-ready data."""
    return dataclasses.asdict(record)


def article_from_dict(data: dict[str, Any]) -> Article:
    """Rebuild an Article from ``to_dict`` output (store and report round trips)."""
    fields = {f.name for f in dataclasses.fields(Article)}
    values = {k: v for k, v in data.items() if k in fields}
    values["removed"] = [Removed(**r) for r in values.get("removed") or []]
    return Article(**values)


def story_from_dict(data: dict[str, Any]) -> Story:
    """Rebuild a Story from ``to_dict`` output."""
    return Story(
        id=data["id"],
        title=data["title"],
        article_ids=list(data["article_ids"]),
        summary=[Citation(**c) for c in data.get("summary") or []],
        events=[Event(**e) for e in data.get("events") or []],
        timeline=[TimelineEntry(**t) for t in data.get("timeline") or []],
        comparisons=[
            Comparison(
                subject=c["subject"],
                label=c["label"],
                values=[ClaimValue(**v) for v in c["values"]],
                reason=c.get("reason"),
            )
            for c in data.get("comparisons") or []
        ],
        entities=[Entity(**e) for e in data.get("entities") or []],
    )
