"""``Options``: every stage's options in one object, and its JSON form.

One object is passed down the pipeline instead of keyword lists, so an option set on the
command line, in the web app or by a library caller reaches the stage that reads it; and
it is saved with the store (``to_dict``/``from_dict``), so a later ``add``, ``report`` or
web job analyses a story the way the first ``digest`` did.

Light on purpose: this module imports no stage. Each stage's options class is created on
first use by the factories below, so importing ``storyline.options`` (the CLI does, and the
engines do for their types) loads neither scikit-learn nor torch nor spaCy, and no stage
can form an import cycle through it.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storyline.clean import CleanOptions
    from storyline.compare import CompareOptions
    from storyline.dedupe import DedupeOptions
    from storyline.extract.entities import EntityOptions
    from storyline.extract.timex import TimexOptions
    from storyline.group.options import GroupOptions
    from storyline.ingest import IngestOptions
    from storyline.summarize.options import LLMOptions, SummaryOptions
    from storyline.timeline import TimelineOptions

__all__ = ["Options"]


def _stage(module: str, name: str) -> Callable[[], Any]:
    """A default factory that imports the stage's options class only when an ``Options`` is
    made (a stage package imports its numeric code with it)."""

    def make() -> Any:
        return getattr(importlib.import_module(module), name)()

    make.__qualname__ = f"default {name}"
    return make


@dataclass
class Options:
    """Every stage's options in one object, in pipeline order."""

    ingest: IngestOptions = field(default_factory=_stage("storyline.ingest", "IngestOptions"))
    clean: CleanOptions = field(default_factory=_stage("storyline.clean", "CleanOptions"))
    dedupe: DedupeOptions = field(default_factory=_stage("storyline.dedupe", "DedupeOptions"))
    group: GroupOptions = field(default_factory=_stage("storyline.group.options", "GroupOptions"))
    timex: TimexOptions = field(default_factory=_stage("storyline.extract.timex", "TimexOptions"))
    entities: EntityOptions = field(
        default_factory=_stage("storyline.extract.entities", "EntityOptions")
    )
    compare: CompareOptions = field(default_factory=_stage("storyline.compare", "CompareOptions"))
    timeline: TimelineOptions = field(
        default_factory=_stage("storyline.timeline", "TimelineOptions")
    )
    # ``summary.method`` names the summarizer (storyline.summarize.SUMMARIZERS).
    summary: SummaryOptions = field(
        default_factory=_stage("storyline.summarize.options", "SummaryOptions")
    )
    # The ``llm`` summarizer's endpoint and prompt (used when summary.method is "llm"); its
    # output passes the same support check as the extractive summary.
    llm: LLMOptions = field(default_factory=_stage("storyline.summarize.options", "LLMOptions"))
    # Where per-article work runs: "local" (this process) or "dask" (see storyline.engines).
    engine: str = "local"
    scheduler: str | None = None
    # Processes of the local engine's per-article work (cleaning, per-article analysis):
    # None = min(cores, 4); 1 = all in this process. Small inputs stay in this process anyway.
    workers: int | None = None
    # Articles stored per transaction: what a killed run can lose (and redo on the next).
    batch_size: int = 1000

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form: nested dicts, tuples and sets as lists. Functions (the
        timeline's ``timexes`` hook) are code, not settings, and are left out."""
        out = _plain(self)
        assert isinstance(out, dict)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Options:
        """The options ``data`` (a ``to_dict`` form) describes. Keys this version does not
        know, and values of the wrong kind, are ignored and leave the default: options saved
        by an older or newer storyline still open."""
        made = _merge(cls(), data or {})
        assert isinstance(made, cls)
        return made


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not callable(getattr(value, f.name))
        }
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _merge(current: Any, data: Mapping[str, Any]) -> Any:
    """A copy of the dataclass instance ``current`` with the fields ``data`` gives."""
    changes = {}
    for f in dataclasses.fields(current):
        if f.init and f.name in data:
            changes[f.name] = _coerce(getattr(current, f.name), data[f.name], _annotation(f))
    return dataclasses.replace(current, **changes) if changes else current


def _annotation(f: dataclasses.Field[Any]) -> str:
    """The field's declared type as text (the stage modules use postponed annotations)."""
    if isinstance(f.type, str):
        return f.type
    return getattr(f.type, "__name__", None) or str(f.type)


def _coerce(current: Any, value: Any, annotation: str) -> Any:
    """``value`` read back into the field's type, or ``current`` when it does not fit."""
    kinds = {part.strip().split("[")[0] for part in annotation.split("|")}
    if value is None:
        return None if "None" in kinds else current
    if dataclasses.is_dataclass(current):
        return _merge(current, value) if isinstance(value, Mapping) else current
    if isinstance(value, bool):
        return value if "bool" in kinds else current
    if isinstance(value, int) and "int" in kinds:
        return value
    if isinstance(value, int | float) and "float" in kinds:
        return float(value)
    if isinstance(value, str) and "str" in kinds:
        return value
    if isinstance(value, list | tuple):
        if "tuple" in kinds:
            return tuple(value)
        if "frozenset" in kinds:
            return frozenset(value)
        if "list" in kinds:
            return list(value)
    if isinstance(value, Mapping) and "dict" in kinds:
        return dict(value)
    return current
