"""What every input format shares: the ``Record`` it yields, the limits it obeys, and the
helpers that make formats behave alike (bytes read under a size limit, text decoding, ids).

Format modules (``text``, ``html``, ``records``, ``feed``, ``warc``) import from here and
from nowhere else in ``ingest``, so a new format never depends on another one.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import stat
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from storyline.model import IngestError

MiB = 1024 * 1024


@dataclass
class IngestOptions:
    """Limits that keep one bad input from taking the run down with it. Every byte limit
    counts bytes actually read (after decompression), never the size a file reports: a
    device or a gzip bomb reports a small size."""

    # A single article file (text/HTML/feed), and a single record of a record file or a
    # WARC, larger than this is refused: no real article is 32 MiB of text, and reading one
    # would only bloat memory and the store.
    max_file_bytes: int = 32 * MiB
    # Decompressed size at which a streamed record file (JSONL/CSV) stops being read (gzip
    # bombs); record files are read one record at a time, so they may be larger than articles.
    max_decompressed_bytes: int = 1024 * MiB
    # A JSON document is parsed whole (objects cost several times their text in memory):
    # 256 MiB keeps one under ~1.5 GB; larger collections belong in JSONL.
    max_json_bytes: int = 256 * MiB
    # A web archive is streamed record by record; this bounds the bytes decompressed (records
    # skipped included), so that a small archive of zeros cannot run for minutes.
    max_archive_bytes: int = 8 * 1024 * MiB
    # Fields longer than this are cut, with the reason kept (a 100 kB "title" is crawl debris,
    # not a headline; a 5 MB id is replaced by its hash).
    max_title_chars: int = 500
    max_text_chars: int = 2_000_000
    # HTML is cut before extraction at four times that (markup, scripts and styles are most
    # of a page). Measured on a 31 MB page: +20 s and +0.3 GB over the run, not +58 s, +0.6 GB.
    max_html_chars: int = 8_000_000
    max_id_chars: int = 200
    # Reading one file (not cleaning its articles) stops after this long, reported with the
    # number of records read: a pathological file must not hold the run for hours.
    max_seconds_per_file: float = 300.0


@dataclass
class Record:
    """One article as read, before cleaning. ``html`` is set for HTML sources."""

    id: str
    source: str
    text: str = ""
    html: str | None = None
    title: str | None = None
    outlet: str | None = None
    byline: str | None = None
    url: str | None = None
    published: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def split_suffix(path: Path) -> tuple[str, bool]:
    """The format suffix of a path, and whether it is gzipped (``a.jsonl.gz`` -> .jsonl)."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    return Path(name).suffix, gz


def stem(path: Path) -> str:
    """The file name without its format suffix (and ``.gz``): the default article id."""
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return Path(name).stem


def short_id(value: str) -> str:
    """A 16-hex-digit id for values unfit as ids (URLs, long feed GUIDs)."""
    return hashlib.sha1(value.encode("utf-8", "replace")).hexdigest()[:16]


def content_hash(text: str) -> str:
    """A stable fingerprint of an article's text (whitespace-insensitive)."""
    return hashlib.sha1(" ".join(text.split()).encode("utf-8", "replace")).hexdigest()


class Refused(Exception):
    """An input refused on purpose (not a regular file, too large, a gzip bomb, too slow);
    the message is the one-line reason. Formats catch it and yield an IngestError."""


# What ``os.stat`` calls the file types ingest does not read.
_KINDS = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def file_kind(mode: int) -> str:
    """``st_mode`` -> "a named pipe", "a socket", ...: how an unreadable kind is reported."""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


# Named in every error of a file stopped for taking too long (and looked for, so that a
# stop is reported once).
TIME_BUDGET = "the per-file time budget"


class Stream:
    """A binary stream that refuses to go on past ``limit`` bytes or once its reads have
    taken ``budget`` seconds.

    Every read counts the bytes it returns (decompressed, for gzip), so the limit is what was
    really read, whatever the file claims to be; a gzip bomb or an endless device stops at
    the limit with ``Refused``. Only the time spent inside its own reads counts: the work a
    consumer does between reads (cleaning 4,608 records on a busy machine took more than
    300 s of wall time) is not the file's fault; ``inputs.read_file`` bounds the parsing.
    """

    def __init__(self, raw: BinaryIO, limit: int, budget: float, what: str) -> None:
        self._raw = raw
        self.limit = limit
        self.budget = budget
        self.what = what  # "decompressed size", "size": named in the refusal
        self.count = 0
        self.spent = 0.0

    def _account(self, data: bytes, started: float) -> bytes:
        self.spent += time.monotonic() - started
        self.count += len(data)
        if self.count > self.limit:
            raise Refused(f"{self.what} exceeds {self.limit:,} bytes (read stopped there)")
        if self.spent > self.budget:
            raise Refused(f"{TIME_BUDGET} spent (stopped after {self.count:,} bytes)")
        return data

    def read(self, n: int) -> bytes:
        started = time.monotonic()
        return self._account(self._raw.read(n), started)

    def readline(self, n: int) -> bytes:
        """One line of at most ``n`` bytes (a longer line is returned cut, without its \\n)."""
        started = time.monotonic()
        return self._account(self._raw.readline(n), started)

    def skip_line(self, chunk: int = MiB) -> int:
        """Read and drop the rest of an over-long line; the bytes dropped."""
        dropped = 0
        while True:
            part = self.readline(chunk)
            dropped += len(part)
            if not part or part.endswith(b"\n"):
                return dropped


@contextmanager
def open_input(path: Path, limit: int, options: IngestOptions) -> Iterator[Stream]:
    """Open a file for reading, through ``.gz``, as a ``Stream`` of at most ``limit``
    (decompressed) bytes within the per-file time budget.

    Only regular files are read: the file is opened without blocking (a named pipe would
    otherwise wait for a writer forever) and its type checked on the open descriptor, so a
    symlink to /dev/zero or a FIFO swapped in after the walk is refused, not read.
    Raises ``Refused`` (and OSError for missing permissions and the like).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise Refused(f"{file_kind(mode)}, not a regular file: not read")
        os.set_blocking(fd, True)
        raw: BinaryIO = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    budget = options.max_seconds_per_file
    with raw:
        if split_suffix(path)[1]:
            with gzip.GzipFile(fileobj=raw, mode="rb") as gz:
                yield Stream(gz, limit, budget, "decompressed size")  # type: ignore[arg-type]  # GzipFile reads bytes like BinaryIO
        else:
            yield Stream(raw, limit, budget, "size")


# What a broken gzip stream raises while being read (truncated, corrupt, not gzip at all).
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def gzip_reason(exc: BaseException) -> str:
    """A one-line reason for a gzip failure, naming truncation plainly."""
    if isinstance(exc, EOFError):
        return "truncated gzip data (the file ends mid-stream)"
    return f"not a readable gzip file ({exc})"


def load(path: Path, limit: int, options: IngestOptions | None = None) -> bytes | IngestError:
    """The bytes of a file (read through ``.gz``), or the reason it cannot be used: not a
    regular file, missing permissions, more than ``limit`` bytes read (decompressed), not
    gzip, or empty."""
    src = readable(str(path))
    try:
        with open_input(path, limit, options or IngestOptions()) as stream:
            data = stream.read(limit + 1)
    except Refused as exc:
        reason = str(exc)
        if split_suffix(path)[1] and "exceeds" in reason:
            reason = f"decompressed size exceeds {limit:,} bytes: refused as a possible gzip bomb"
        return error(src, reason)
    except GZIP_ERRORS as exc:
        return error(src, gzip_reason(exc))
    except OSError as exc:
        return error(src, f"cannot read: {exc.strerror or exc}")
    if not data.strip():
        return error(src, "empty file")
    return data


def load_text(
    path: Path, limit: int, options: IngestOptions | None = None
) -> tuple[bytes, str] | IngestError:
    """``load`` then ``decode``: the bytes and their text, or the reason as an IngestError."""
    data = load(path, limit, options)
    if isinstance(data, IngestError):
        return data
    try:
        return data, decode(data)
    except ValueError as exc:
        return error(str(path), str(exc))


# -------------------------------------------------------------------------- valid strings

# The longest reason an IngestError carries: one line, readable on a console.
MAX_REASON_CHARS = 240
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def readable(name: str) -> str:
    """A file name (or any string) as valid UTF-8 text: the undecodable bytes Python keeps
    in a name as lone surrogates (``bad\\udcffbyte``) are shown as ``\\xff`` escapes, so the
    name stays recognisable and can be stored."""
    if name.isascii() or not _LONE_SURROGATE.search(name):
        return name
    raw = name.encode("utf-8", "surrogateescape") if _only_escapes(name) else None
    if raw is not None:
        return raw.decode("utf-8", "backslashreplace")
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", name)


def _only_escapes(name: str) -> bool:
    # surrogateescape only made U+DC80..U+DCFF; other lone surrogates came from elsewhere.
    return all("\udc80" <= c <= "\udcff" for c in _LONE_SURROGATE.findall(name))


def valid_text(value: str) -> str:
    """Text that every store accepts: lone surrogates (a JSON ``"\\ud800"``) become U+FFFD
    and NUL characters (refused by PostgreSQL) are dropped."""
    if value.isascii():
        return value.replace("\x00", "") if "\x00" in value else value
    if _LONE_SURROGATE.search(value):
        value = _LONE_SURROGATE.sub("\ufffd", value)
    return value.replace("\x00", "") if "\x00" in value else value


def error(path: str, reason: str) -> IngestError:
    """An IngestError fit to store and print: a readable path, a one-line reason of at most
    ``MAX_REASON_CHARS`` characters."""
    line = " ".join(valid_text(readable(reason)).split())
    if len(line) > MAX_REASON_CHARS:
        line = line[: MAX_REASON_CHARS - 1] + "…"
    return IngestError(valid_text(readable(path)), line)


def decode(data: bytes) -> str:
    """Bytes -> text: UTF-8 (BOM allowed), UTF-16/32 with a BOM, or a single-byte legacy
    encoding (cp1252) when the file holds no UTF-8 at all. Binary data and text that mixes
    UTF-8 with other bytes raise ValueError with the reason."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _check_text(data.decode("utf-16"))
        except UnicodeDecodeError:
            raise ValueError("invalid UTF-16 despite its byte-order mark") from None
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (NUL bytes), not text")
    try:
        return _check_text(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        bad = exc.start
    if re.search(rb"[\xc2-\xf4][\x80-\xbf]+", data):
        raise ValueError(f"invalid UTF-8 at byte {bad} in a file that is otherwise UTF-8 (mixed encodings)")
    return _check_text(data.decode("cp1252", errors="replace"))


def _check_text(text: str) -> str:
    sample = text[:20000]
    if sample:
        control = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f")
        if control / len(sample) > 0.05:
            raise ValueError("binary file (control characters), not text")
    return text


def record_from_mapping(
    item: Any, src: str, default_id: str, what: str, where: str | None = None
) -> Record | IngestError:
    """One article given as a mapping (a JSON object, a CSV row, a Parquet row) -> a Record.

    ``what`` names the item in errors ("line 3"); ``where`` is its source (default ``src``).
    Shared by every format that carries fields, so that they agree on what a field means.
    """
    where = where or src
    if not isinstance(item, dict):
        return IngestError(where, f"{what} is not an object with a 'text' field")
    text = item.get("text")
    html = item.get("html")
    if not isinstance(text, str) and not isinstance(html, str):
        return IngestError(where, f"{what} has no 'text' string")
    values: dict[str, str | None] = {}
    for key in ("id", "title", "published", "url", "outlet", "byline"):
        v = _field(item.get(key))
        values[key] = None if v is None or v.strip() == "" else v.strip()
    return Record(
        id=values["id"] or default_id,
        source=where,
        text=text if isinstance(text, str) else "",
        html=html if isinstance(html, str) and not isinstance(text, str) else None,
        title=values["title"],
        outlet=values["outlet"],
        byline=values["byline"],
        url=values["url"],
        published=values["published"],
    )


def _field(value: Any) -> str | None:
    """A metadata field as text: strings and numbers as they are, a list of them joined
    (several authors); anything else (objects, nested lists) is not a value for a field."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    return None
