"""The one walk over inputs, shared by every engine (local, Dask, bulk).

``walk`` turns the paths a user gives into ``InputFile``s (and an ``IngestError`` per path
that does not exist), in a fixed order; ``read_file`` reads one of them with its registered
format (an http(s) URL is an ``InputFile`` too, fetched when read: ``ingest.live``).
Engines differ only in how they partition these files and their records, so they see the
same inputs in the same order and read each with the same code.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from storyline.ingest.base import (
    TIME_BUDGET,
    IngestOptions,
    Record,
    error,
    file_kind,
    readable,
    short_id,
    split_suffix,
)
from storyline.ingest.fetch import FetchError, check_url, is_url
from storyline.ingest.formats import Format, format_for
from storyline.ingest.live import read_url
from storyline.model import IngestError


@dataclass(frozen=True)
class InputFile:
    """One file to read: its format suffix (``.gz`` stripped), whether it is gzipped, and
    its registered format (None: a type ingest does not read, reported when read)."""

    path: Path
    suffix: str
    gz: bool
    format: Format | None
    # An http(s) URL to fetch instead of a file (a feed or a page, see ``ingest.live``).
    url: str | None = None

    @classmethod
    def of(cls, path: str | Path) -> InputFile:
        p = Path(path)
        suffix, gz = split_suffix(p)
        return cls(p, suffix, gz, format_for(suffix))

    @classmethod
    def of_url(cls, url: str) -> InputFile:
        return cls(Path(short_id(url)), "", False, None, url)

    @property
    def name(self) -> str:
        """What errors call this input: the URL, or the file's path."""
        return self.url or str(self.path)

    def size(self) -> int:
        """Bytes on disk (compressed), 0 when it cannot be read: for planning only."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


def walk(paths: Iterable[str | Path]) -> Iterator[InputFile | IngestError]:
    """Every file under ``paths``, in order: files as given, folders walked recursively in
    sorted order (a folder's files, then its subfolders; hidden files and folders are passed
    over by design, as a file browser does).

    Each path that cannot be read is an IngestError in its place, never a silent gap: a
    missing path or a dangling symlink, a folder that cannot be listed, a named pipe, device
    or socket (only regular files are read: a FIFO would block the run), a symlinked folder
    already walked (a loop). Symlinked folders are followed once.
    """
    seen: set[tuple[int, int]] = set()
    for raw in paths:
        if isinstance(raw, str) and is_url(raw):  # fetched when read (ingest.live), not a path
            try:
                yield InputFile.of_url(check_url(raw))
            except FetchError as exc:
                yield error(raw, str(exc))
            continue
        path = Path(raw)
        try:
            st = path.stat()
        except OSError as exc:
            yield _stat_error(path, exc)
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk_folder(path, st, seen)
        elif stat.S_ISREG(st.st_mode):
            yield InputFile.of(path)
        else:
            yield error(str(path), f"{file_kind(st.st_mode)}, not a regular file: not read")


def _stat_error(path: Path, exc: OSError) -> IngestError:
    if isinstance(exc, FileNotFoundError):
        if path.is_symlink():
            return error(str(path), f"dangling symlink (to {readable(os.readlink(path))}): not read")
        return error(str(path), "no such file or folder")
    return error(str(path), f"cannot read: {exc.strerror or exc}")


def _walk_folder(
    folder: Path, st: os.stat_result, seen: set[tuple[int, int]]
) -> Iterator[InputFile | IngestError]:
    key = (st.st_dev, st.st_ino)
    if key in seen:
        yield error(str(folder), "folder already read (a symlink back into the input): not read again")
        return
    seen.add(key)
    try:
        with os.scandir(folder) as listing:
            entries = sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as exc:
        yield error(str(folder), f"cannot read folder: {exc.strerror or exc}")
        return
    folders: list[tuple[Path, os.stat_result]] = []
    for entry in entries:
        path = Path(entry.path)
        try:
            est = entry.stat()  # follows symlinks, as reading will
        except OSError as exc:
            yield _stat_error(path, exc)
            continue
        if stat.S_ISDIR(est.st_mode):
            folders.append((path, est))
        elif stat.S_ISREG(est.st_mode):
            yield InputFile.of(path)
        else:
            yield error(str(path), f"{file_kind(est.st_mode)}, not a regular file: not read")
    for path, est in folders:
        yield from _walk_folder(path, est, seen)


def read_file(file: InputFile, options: IngestOptions | None = None) -> Iterator[Record | IngestError]:
    """The records of one file, read by its registered format; an unknown type is an error.

    Whatever the format does, one file cannot take the run down: an exception raised while
    reading it becomes one IngestError (the file, how many records were read, the reason)
    and reading goes on with the next file; and a reader that is still going after the
    per-file time budget is stopped between records, with an error saying where.
    """
    src = file.name
    opts = options or IngestOptions()
    if file.url is not None:
        records = read_url(file.url, opts)
    elif file.format is None:
        yield error(src, f"unsupported file type {file.suffix or '(no extension)'!r}")
        return
    else:
        records = file.format.read(file.path, opts)
    count, spent = 0, 0.0
    while True:
        start = time.monotonic()
        try:
            item = next(records)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - any reader failure is this file's error, see docstring
            yield error(src, f"could not read {_after(count)}: {type(exc).__name__}: {exc}")
            return
        spent += time.monotonic() - start
        count += 1
        yield error(item.path, item.error) if isinstance(item, IngestError) else item
        if spent > opts.max_seconds_per_file:
            getattr(records, "close", lambda: None)()  # a generator: stop it now
            if not (isinstance(item, IngestError) and TIME_BUDGET in item.error):  # said already
                budget = f"{opts.max_seconds_per_file:g} s"
                yield error(src, f"{TIME_BUDGET} ({budget}) spent; stopped {_after(count)}")
            return


def _after(count: int) -> str:
    return "before its first record" if count == 0 else f"after {count} record{'s' if count > 1 else ''}"


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
