"""What every input format shares: the ``Record`` it yields, the limits it obeys, and the
helpers that make formats behave alike (bytes read under a size limit, text decoding, ids).

Format modules (``text``, ``html``, ``records``, ``feed``, ``warc``) import from here and
from nowhere else in ``ingest``, so a new format never depends on another one.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyline.model import IngestError


@dataclass
class IngestOptions:
    """Limits that keep one bad input from taking the run down with it."""

    # A single article file (text/HTML) larger than this is refused: no real article is
    # 32 MiB of text, and reading one would only bloat memory and the store.
    max_file_bytes: int = 32 * 1024 * 1024
    # Decompressed size at which a .gz stops being read (gzip bombs); record files
    # (JSONL/CSV/WARC) are streamed, so they may be larger than single articles.
    max_decompressed_bytes: int = 1024 * 1024 * 1024
    # Fields longer than this are cut (a 100 kB "title" is crawl debris, not a headline).
    max_title_chars: int = 500
    max_text_chars: int = 2_000_000


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


class _Refused(Exception):
    """An input refused on purpose (too large, a gzip bomb)."""


def load(path: Path, limit: int) -> bytes | IngestError:
    """The bytes of a file (read through ``.gz``), or the reason it cannot be used: missing
    permissions, larger than ``limit`` (decompressed), not gzip, or empty."""
    src = str(path)
    try:
        data = _read_bytes(path, split_suffix(path)[1], limit)
    except _Refused as exc:
        return IngestError(src, str(exc))
    except OSError as exc:
        return IngestError(src, f"cannot read: {exc.strerror or exc}")
    if not data.strip():
        return IngestError(src, "empty file")
    return data


def _read_bytes(path: Path, gz: bool, limit: int) -> bytes:
    if not gz:
        size = path.stat().st_size
        if size > limit:
            raise _Refused(f"file too large ({size:,} bytes; limit {limit:,})")
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except (gzip.BadGzipFile, EOFError, OSError) as exc:
        raise _Refused(f"not a readable gzip file ({exc})") from None
    if len(data) > limit:
        raise _Refused(f"decompressed size exceeds {limit:,} bytes (refused as a possible gzip bomb)")
    return data


def load_text(path: Path, limit: int) -> tuple[bytes, str] | IngestError:
    """``load`` then ``decode``: the bytes and their text, or the reason as an IngestError."""
    data = load(path, limit)
    if isinstance(data, IngestError):
        return data
    try:
        return data, decode(data)
    except ValueError as exc:
        return IngestError(str(path), str(exc))


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
        v = item.get(key)
        values[key] = None if v is None or str(v).strip() == "" else str(v).strip()
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
