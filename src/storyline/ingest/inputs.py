"""The one walk over inputs, shared by every engine (local, Dask, bulk).

``walk`` turns the paths a user gives into ``InputFile``s (and an ``IngestError`` per path
that does not exist), in a fixed order; ``read_file`` reads one of them with its registered
format. Engines differ only in how they partition these files and their records, so they
see the same inputs in the same order and read each with the same code.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from storyline.ingest.base import IngestOptions, Record, split_suffix
from storyline.ingest.formats import Format, format_for
from storyline.model import IngestError


@dataclass(frozen=True)
class InputFile:
    """One file to read: its format suffix (``.gz`` stripped), whether it is gzipped, and
    its registered format (None: a type ingest does not read, reported when read)."""

    path: Path
    suffix: str
    gz: bool
    format: Format | None

    @classmethod
    def of(cls, path: str | Path) -> InputFile:
        p = Path(path)
        suffix, gz = split_suffix(p)
        return cls(p, suffix, gz, format_for(suffix))

    def size(self) -> int:
        """Bytes on disk (compressed), 0 when it cannot be read: for planning only."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


def walk(paths: Iterable[str | Path]) -> Iterator[InputFile | IngestError]:
    """Every file under ``paths``, in order: files as given, folders walked recursively in
    sorted order (hidden files and folders are passed over by design, as a file browser
    does); a path that does not exist is an IngestError in its place."""
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            yield IngestError(str(path), "no such file or folder")
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield InputFile.of(Path(root) / name)
        else:
            yield InputFile.of(path)


def read_file(file: InputFile, options: IngestOptions | None = None) -> Iterator[Record | IngestError]:
    """The records of one file, read by its registered format; an unknown type is an error."""
    if file.format is None:
        yield IngestError(str(file.path), f"unsupported file type {file.suffix or '(no extension)'!r}")
        return
    yield from file.format.read(file.path, options or IngestOptions())


def iter_records(
    paths: Iterable[str | Path], options: IngestOptions | None = None
) -> Iterator[Record | IngestError]:
    """Yield a Record per article and an IngestError per input that could not be read:
    ``walk`` then ``read_file``. Folders are walked recursively in sorted order; ``.gz``
    files are read through."""
    return read_items(walk(paths), options)


def read_items(
    items: Iterable[InputFile | IngestError], options: IngestOptions | None = None
) -> Iterator[Record | IngestError]:
    """``iter_records`` over items already walked (a partition of ``walk``'s output)."""
    opts = options or IngestOptions()
    for item in items:
        if isinstance(item, IngestError):
            yield item
        else:
            yield from read_file(item, opts)
