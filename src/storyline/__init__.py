"""storyline: turn a pile of news articles into the story they tell."""

from storyline.model import (
    Article,
    Citation,
    ClaimValue,
    Comparison,
    Digest,
    Entity,
    Event,
    IngestError,
    Removed,
    Story,
    TimelineEntry,
)

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Citation",
    "ClaimValue",
    "Comparison",
    "Digest",
    "Entity",
    "Event",
    "IngestError",
    "Removed",
    "Story",
    "TimelineEntry",
    "__version__",
]
