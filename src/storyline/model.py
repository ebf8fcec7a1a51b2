"""Typed records passed between pipeline stages.

Every stage takes and returns these dataclasses, never loose dicts; the JSON report is
exactly these records serialized (see ``to_dict``), validated by the JSON Schema shipped in
``storyline/schema/digest.schema.json``. Bump ``SCHEMA_VERSION`` when a field changes meaning.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1.1"
# Bump when ``storyline.extract.analyze_article`` computes something else: stored analyses of
# another version are recomputed, not trusted.
ANALYSIS_VERSION = 2  # 2: ``mentions`` (spaCy's names, read once per article)



@dataclass(frozen=True)
class Sentence:
    """A sentence and where it stands in the text it came from (``storyline.text.split_sentences``).
    Defined here, with the other records, so that importing the records stays light."""

    text: str
    start: int
    end: int

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
    # What every stage reads instead of re-splitting the text (``storyline.extract.analysis_of``
    # attaches it once). Not part of the report and not of equality: it is derived data.
    analysis: ArticleAnalysis | None = field(
        default=None, compare=False, repr=False, metadata={"transient": True}
    )

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
    # How sure the label is (0-1); a conflict below ``CompareOptions.min_conflict_confidence``
    # is never shown.
    confidence: float = 1.0
    # "figure" (a count, an amount) or "date" (the day sources give for one event).
    kind: str = "figure"
    # Among the rows a story page and the report show first (most important ~10); the others
    # are kept, in order of importance, behind "show all".
    shown: bool = True


@dataclass
class Quantity:
    """One figure stated in one sentence of one article.

    ``value`` is the figure as written, qualifier included ("1,037", "more than 300",
    "hundreds of"); ``number`` its numeric reading (the magnitude for vague figures:
    100 for "hundreds of"); ``high`` the upper end of a written range ("2,500-3,500").
    ``date`` is when it held: the resolved date the sentence names, else the article's
    published date; ``reported`` is always the published date (what a later report updates).
    """

    article_id: str
    sentence: str
    value: str
    number: float
    qualifier: str | None
    unit: str
    attribution: str | None
    date: str | None
    reported: str | None = None
    high: float | None = None
    # Modifiers that say whose or which: capitalised ("Afghan", "US", "NATO") or a status
    # ("confirmed", "suspected").
    descriptor: str | None = None
    start: int = 0  # character offset of the figure in ``Article.text``
    end: int = 0


@dataclass(frozen=True)
class DateMention:
    """A calendar date a sentence names: offsets inside the sentence, the ISO value
    ("2021-07-04", "2021-07", "2021") and its precision (``day``, ``month`` or ``year``)."""

    start: int
    end: int
    value: str
    precision: str


@dataclass
class ArticleAnalysis:
    """What one article says, computed once (``storyline.extract.analyze_article``) and kept,
    so that no stage splits the same text again and a story analysis reuses it.

    ``sentences`` are ``split_sentences(article.text)``; ``dates[i]`` the calendar dates that
    sentence ``i`` names (only sentences with a day-like word are tagged: the tagger's cost
    grows with the text and most sentences name no day); ``days[i]`` the day sentence ``i``
    reports about (its first day-precision date not after "since", "until" ...), else None,
    filled only for the sentences a stage asked about (``storyline.extract.analysis.day_of``);
    ``quantities`` the figures (None until ``storyline.extract.claims`` has read them).
    ``checksum`` ties the record to the article id, text and date it was computed from: a
    record whose checksum differs is stale and recomputed. ``mentions[model]`` the names a
    spaCy model found, (text, label) each (``storyline.extract.entities``): spaCy is the
    costliest per-article step, so an ``add`` must not run it again over stored articles.
    """

    checksum: str
    sentences: list[Sentence]
    dates: list[list[DateMention]]
    days: dict[int, str | None]
    quantities: list[Quantity] | None = None
    version: int = ANALYSIS_VERSION
    mentions: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (what the store keeps); sentences as [start, end, text]."""
        return {
            "version": self.version,
            "checksum": self.checksum,
            "sentences": [[s.start, s.end, s.text] for s in self.sentences],
            "dates": [[[d.start, d.end, d.value, d.precision] for d in ds] for ds in self.dates],
            "days": [[i, d] for i, d in sorted(self.days.items())],
            "quantities": None if self.quantities is None else [to_dict(q) for q in self.quantities],
            "mentions": {m: [[t, label] for t, label in found] for m, found in sorted(self.mentions.items())},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArticleAnalysis:
        """Rebuild from ``to_dict`` output."""
        quantities = data.get("quantities")
        return cls(
            checksum=data["checksum"],
            sentences=[Sentence(text, start, end) for start, end, text in data["sentences"]],
            dates=[[DateMention(*d) for d in ds] for ds in data["dates"]],
            days={int(i): d for i, d in data["days"]},
            quantities=None if quantities is None else [Quantity(**q) for q in quantities],
            version=data.get("version", 0),
            mentions={m: [(t, label) for t, label in found] for m, found in data.get("mentions", {}).items()},
        )


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
    # Why the story is page furniture rather than news ("sign-up prompt", "comment thread"),
    # else None (``storyline.noise.story_noise``): such a story is left out of default lists.
    noise: str | None = None


@dataclass
class Change:
    """One thing a revision changed in a story, as a reader reads it (``text``), with what it
    was and is now where that is one value (a title, a figure, a verdict) and the ids it
    names (articles added, timeline entries' and summary sentences' texts, entity names,
    stories merged). ``kind``: ``new``, ``articles``, ``title``, ``timeline``, ``summary``,
    ``figure``, ``verdict``, ``entities``, ``merged``, ``split`` or ``removed``."""

    kind: str
    text: str
    before: str | None = None
    after: str | None = None
    items: list[str] = field(default_factory=list)


@dataclass
class Revision:
    """What one ``add``/``digest`` (or ``report`` of a stale story) changed in one story:
    the diff of its analysis before and after (``storyline.changes``). ``number`` is given
    by the store (increasing over the whole store, 0 until stored); ``at`` is UTC ISO time."""

    story_id: str
    title: str
    at: str
    changes: list[Change]
    number: int = 0


@dataclass
class Digest:
    """The whole result of a run: what the JSON report holds."""

    articles: list[Article]
    stories: list[Story]
    errors: list[IngestError] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION


def to_dict(record: Any) -> dict[str, Any]:
    """Serialize any record of this module to plain JSON-ready data.

    Like ``dataclasses.asdict``, but fields marked ``transient`` (``Article.analysis``) are
    left out: they are derived data, stored on their own, and not part of the report.
    """
    out = _plain(record)
    assert isinstance(out, dict)
    return out


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.metadata.get("transient")
        }
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_plain(v) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return type(value)((_plain(k), _plain(v)) for k, v in value.items())
    return copy.deepcopy(value)


def article_from_dict(data: dict[str, Any]) -> Article:
    """Rebuild an Article from ``to_dict`` output (store and report round trips)."""
    fields = {f.name for f in dataclasses.fields(Article)}
    values = {k: v for k, v in data.items() if k in fields}
    values["removed"] = [Removed(**r) for r in values.get("removed") or []]
    return Article(**values)


def revision_from_dict(data: dict[str, Any]) -> Revision:
    """Rebuild a Revision from ``to_dict`` output (the store keeps that JSON)."""
    return Revision(
        story_id=data["story_id"],
        title=data["title"],
        at=data["at"],
        changes=[Change(**c) for c in data.get("changes") or []],
        number=int(data.get("number") or 0),
    )


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
                confidence=c.get("confidence", 1.0),
                kind=c.get("kind", "figure"),
                shown=c.get("shown", True),
            )
            for c in data.get("comparisons") or []
        ],
        entities=[Entity(**e) for e in data.get("entities") or []],
        noise=data.get("noise"),
    )
