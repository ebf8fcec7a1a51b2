"""storyline: turn a pile of news articles into the story they tell.

Example:
    >>> from storyline import Store, digest, write_reports
    >>> with Store("storyline.db") as store:                    # doctest: +SKIP
    ...     report, result = digest(store, ["examples/news"])
    ...     write_reports(report, Path("report"))
"""

from __future__ import annotations

from typing import Any

from storyline.errors import InputError, MissingExtraError, StorylineError
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

# The pipeline pulls in scikit-learn and friends; load it on first use, not on import.
_LAZY = {
    "Options": "storyline.options",
    "AddResult": "storyline.pipeline",
    "add": "storyline.pipeline",
    "analyze": "storyline.pipeline",
    "digest": "storyline.pipeline",
    "read_articles": "storyline.pipeline",
    "Store": "storyline.store",
    "write_reports": "storyline.report",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'storyline' has no attribute {name!r}")


__all__ = [
    "AddResult",
    "Article",
    "Citation",
    "ClaimValue",
    "Comparison",
    "Digest",
    "Entity",
    "Event",
    "IngestError",
    "InputError",
    "MissingExtraError",
    "Options",
    "Removed",
    "Store",
    "Story",
    "StorylineError",
    "TimelineEntry",
    "__version__",
    "add",
    "analyze",
    "digest",
    "read_articles",
    "write_reports",
]
