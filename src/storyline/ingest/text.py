"""Plain-text articles (.txt, .text, .md): one file, one article; the file name is its id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from storyline.ingest.base import IngestOptions, Record, load_text, stem
from storyline.model import IngestError


def read(path: Path, options: IngestOptions) -> Iterator[Record | IngestError]:
    loaded = load_text(path, options.max_file_bytes, options)
    if isinstance(loaded, IngestError):
        yield loaded
        return
    yield Record(id=stem(path), source=str(path), text=loaded[1])
