"""The input formats ``ingest`` reads: file suffixes -> a reader, one registration each.

A reader takes a file path and the ``IngestOptions`` and yields ``Record``s and
``IngestError``s (never raises for a bad file); ``.gz`` is handled for every format by
``base.load``. To add a format: write ``ingest/<format>.py`` with a ``read`` function, and
add one ``register(Format(...))`` line at the end of this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from storyline.errors import StorylineError
from storyline.ingest import feed, html, records, text, warc
from storyline.ingest.base import IngestOptions, Record
from storyline.model import IngestError

Reader = Callable[[Path, IngestOptions], Iterator[Record | IngestError]]


@dataclass(frozen=True)
class Format:
    """One input format: its name, its suffixes (lower case, with the dot) and its reader."""

    name: str
    suffixes: tuple[str, ...]
    read: Reader
    # A file of many articles (records, feed entries, archive responses): a big one is
    # worth reading once and splitting its records across workers (the Dask engine).
    container: bool = False


# suffix -> format; filled by the ``register`` lines below, in that order.
FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    """Make ``fmt`` the reader of its suffixes. A suffix has one format: a second claim is
    a programming error, reported rather than silently shadowing the first."""
    taken = [s for s in fmt.suffixes if s in FORMATS]
    if taken:
        owner = FORMATS[taken[0]].name
        raise StorylineError(f"format {fmt.name!r}: suffix {taken[0]!r} is already {owner!r}")
    for suffix in fmt.suffixes:
        FORMATS[suffix] = fmt
    return fmt


def format_for(suffix: str) -> Format | None:
    """The format registered for a suffix (``.jsonl``; without ``.gz``), or None."""
    return FORMATS.get(suffix.lower())


def formats() -> Iterable[Format]:
    """The registered formats, each once, in registration order."""
    return list(dict.fromkeys(FORMATS.values()))


register(Format("text", (".txt", ".text", ".md"), text.read))
register(Format("html", (".html", ".htm", ".xhtml"), html.read))
register(Format("feed", (".rss", ".atom", ".xml"), feed.read, container=True))
register(Format("jsonl", (".jsonl", ".ndjson"), records.read_jsonl, container=True))
register(Format("csv", (".csv",), records.read_csv, container=True))
register(Format("json", (".json",), records.read_json, container=True))
register(Format("warc", (".warc", ".arc"), warc.read, container=True))
