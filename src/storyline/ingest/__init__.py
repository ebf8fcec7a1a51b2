"""Read articles from files and folders: text, HTML, JSONL/CSV/JSON, RSS/Atom, WARC, gzip.

Reading is split in two so that it can run per article anywhere (one process or a cluster):
``iter_records`` turns inputs into raw ``Record``s (or ``IngestError``s, never exceptions),
and ``prepare`` turns one record into a cleaned ``Article``: metadata read from the document,
title split off, boilerplate removed. Nothing is dropped silently: every input is either a
record or an error with a one-line reason naming the file.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyline.ingest import meta
from storyline.model import Article, IngestError, Removed
from storyline.text import normalize_space

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
RECORD_SUFFIXES = {".jsonl", ".ndjson", ".csv", ".json"}
WARC_SUFFIXES = {".warc", ".arc"}
FIELDS = ("id", "title", "text", "published", "url", "outlet", "byline")


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


def iter_records(
    paths: Iterable[str | Path], options: IngestOptions | None = None
) -> Iterator[Record | IngestError]:
    """Yield a Record per article and an IngestError per input that could not be read.

    Folders are walked recursively in sorted order (hidden files and folders are passed over
    by design, as a file browser does); ``.gz`` files are read through.
    """
    opts = options or IngestOptions()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            yield IngestError(str(path), "no such file or folder")
        elif path.is_dir():
            for child in _walk(path):
                yield from _read_file(child, opts)
        else:
            yield from _read_file(path, opts)


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def _suffixes(path: Path) -> tuple[str, bool]:
    """The format suffix of a path, and whether it is gzipped (``a.jsonl.gz`` -> .jsonl)."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    return Path(name).suffix, gz


def _read_file(path: Path, opts: IngestOptions) -> Iterator[Record | IngestError]:
    suffix, gz = _suffixes(path)
    src = str(path)
    known = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES | RECORD_SUFFIXES | WARC_SUFFIXES
    if suffix not in known:
        yield IngestError(src, f"unsupported file type {suffix or '(no extension)'!r}")
        return
    try:
        if suffix in WARC_SUFFIXES:
            yield from _read_warc(path, opts)
            return
        limit = opts.max_decompressed_bytes if suffix in RECORD_SUFFIXES else opts.max_file_bytes
        data = _read_bytes(path, gz, limit)
    except _Refused as exc:
        yield IngestError(src, str(exc))
        return
    except OSError as exc:
        yield IngestError(src, f"cannot read: {exc.strerror or exc}")
        return
    if not data.strip():
        yield IngestError(src, "empty file")
        return
    if suffix in RECORD_SUFFIXES:
        yield from _read_records(path, suffix, data, opts)
        return
    try:
        text = decode(data)
    except ValueError as exc:
        yield IngestError(src, str(exc))
        return
    stem = _stem(path)
    if suffix in TEXT_SUFFIXES:
        yield Record(id=stem, source=src, text=text)
    elif suffix in HTML_SUFFIXES:
        yield Record(id=stem, source=src, html=text)
    else:
        yield from _read_feed(path, data)


class _Refused(Exception):
    """An input refused on purpose (too large, a gzip bomb)."""


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


def _stem(path: Path) -> str:
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return Path(name).stem


def _read_records(
    path: Path, suffix: str, data: bytes, opts: IngestOptions
) -> Iterator[Record | IngestError]:
    src = str(path)
    try:
        text = decode(data)
    except ValueError as exc:
        yield IngestError(src, str(exc))
        return
    stem = _stem(path)
    if suffix == ".csv":
        yield from _read_csv(src, stem, text)
        return
    if suffix == ".json":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield IngestError(src, f"not valid JSON (line {exc.lineno}: {exc.msg})")
            return
        items = obj.get("articles") if isinstance(obj, dict) else obj
        if isinstance(obj, dict) and items is None:
            items = [obj]
        if not isinstance(items, list):
            yield IngestError(src, 'expected a JSON list of articles or {"articles": [...]}')
            return
        for i, item in enumerate(items, 1):
            yield _from_mapping(item, src, f"{stem}-{i}", f"item {i}")
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield IngestError(f"{src}:{lineno}", f"not valid JSON ({exc.msg})")
            continue
        yield _from_mapping(item, src, f"{stem}-{lineno}", f"line {lineno}", where=f"{src}:{lineno}")


def _read_csv(src: str, stem: str, text: str) -> Iterator[Record | IngestError]:
    csv.field_size_limit(64 * 1024 * 1024)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        yield IngestError(src, f"not a readable CSV file ({exc or 'no header'})")
        return
    if "text" not in header:
        yield IngestError(src, f"CSV header has no 'text' column (columns: {', '.join(header)[:200]})")
        return
    try:
        for rowno, row in enumerate(reader, 2):
            if not any(cell.strip() for cell in row):
                continue
            where = f"{src}:{rowno}"
            if len(row) != len(header):
                yield IngestError(where, f"row has {len(row)} columns, header has {len(header)}")
                continue
            yield _from_mapping(
                dict(zip(header, row, strict=True)), src, f"{stem}-{rowno}", f"row {rowno}", where=where
            )
    except csv.Error as exc:
        yield IngestError(src, f"malformed CSV ({exc})")


def _from_mapping(
    item: Any, src: str, default_id: str, what: str, where: str | None = None
) -> Record | IngestError:
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


def _read_feed(path: Path, data: bytes) -> Iterator[Record | IngestError]:
    import feedparser  # a dependency; imported here because only feeds need it

    src = str(path)
    parsed = feedparser.parse(data)
    if not parsed.entries:
        reason = getattr(parsed, "bozo_exception", None)
        yield IngestError(src, f"no RSS/Atom entries found{f' ({reason})' if reason else ''}")
        return
    for i, entry in enumerate(parsed.entries, 1):
        content = ""
        if entry.get("content"):
            content = entry["content"][0].get("value", "")
        content = content or entry.get("summary", "") or entry.get("description", "")
        if not content.strip():
            yield IngestError(f"{src}#{i}", "feed entry has no content")
            continue
        published = None
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        if stamp:
            published = f"{stamp.tm_year:04d}-{stamp.tm_mon:02d}-{stamp.tm_mday:02d}"
        link = entry.get("link")
        ident = entry.get("id") or link or f"{_stem(path)}-{i}"
        yield Record(
            id=_short_id(ident) if ("/" in ident or len(ident) > 80) else ident,
            source=f"{src}#{i}",
            html=f"<html><body><article>{content}</article></body></html>",
            title=entry.get("title"),
            byline=entry.get("author"),
            url=link,
            published=published,
            outlet=parsed.feed.get("title"),
            extra={"fragment": True},
        )


def _read_warc(path: Path, opts: IngestOptions) -> Iterator[Record | IngestError]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    src = str(path)
    found = 0
    try:
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type != "response":
                    continue
                ctype = (rec.http_headers.get_header("Content-Type") if rec.http_headers else "") or ""
                if "html" not in ctype.lower():
                    continue
                url = rec.rec_headers.get_header("WARC-Target-URI")
                body = rec.content_stream().read(opts.max_file_bytes + 1)
                found += 1
                where = f"{src}#{url}"
                if len(body) > opts.max_file_bytes:
                    yield IngestError(where, "response body too large")
                    continue
                try:
                    html = decode(body)
                except ValueError as exc:
                    yield IngestError(where, str(exc))
                    continue
                yield Record(id=_short_id(url or f"{src}-{found}"), source=where, html=html, url=url)
    except (ArchiveLoadFailed, OSError, ValueError) as exc:
        yield IngestError(src, f"not a readable WARC file ({exc})")
        return
    if found == 0:
        yield IngestError(src, "WARC file holds no HTML responses")


def _short_id(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8", "replace")).hexdigest()[:16]


def content_hash(text: str) -> str:
    """A stable fingerprint of an article's text (whitespace-insensitive)."""
    return hashlib.sha1(" ".join(text.split()).encode("utf-8", "replace")).hexdigest()


def prepare(record: Record, options: IngestOptions | None = None) -> Article | IngestError:
    """One raw record -> a cleaned Article, or an IngestError when no article text is left.

    Metadata given with the record wins; otherwise it is read from the document (header
    line, byline, footer, URL), and a date taken from the text is marked inferred with its
    evidence.
    """
    from storyline import clean  # the clean stage; imported here to keep ingest light

    opts = options or IngestOptions()
    published, evidence, inferred = None, None, False
    if record.published:
        published = _given_date(record.published)
        evidence = (
            "given" if published else f"given date {record.published[:40]!r} is not a valid date; ignored"
        )
    removed: list[Removed] = []
    title, byline, outlet = record.title, record.byline, record.outlet
    if record.html is not None:
        doc = clean.extract_html(record.html, url=record.url)
        raw_text, body, removed = doc.text, doc.text, list(doc.removed)
        title = title or doc.title
        byline = byline or doc.author
        outlet = outlet or doc.sitename
        if not published and doc.date and meta.valid_date(doc.date):
            published, evidence, inferred = doc.date, "HTML metadata", False
    else:
        raw_text = record.text[: opts.max_text_chars]
        lines = raw_text.splitlines()
        while lines and not lines[0].strip():
            lines.pop(0)
        head_removed: list[Removed] = []
        if lines:
            header = meta.parse_header(lines[0])
            if header:
                if not published:
                    published, evidence, inferred = (
                        header[0],
                        f"metadata header: {lines[0].strip()[:80]}",
                        False,
                    )
                title = title or header[1]
                head_removed.append(Removed(lines.pop(0).strip(), "metadata-header"))
            elif meta.looks_like_headline(lines[0], lines[1] if len(lines) > 1 else None):
                if title is None or _same(title, lines[0]):
                    title = title or lines[0].strip()
                    head_removed.append(Removed(lines.pop(0).strip(), "headline"))
        found = meta.read_lines(lines)
        byline = byline or found.byline
        outlet = outlet or found.outlet
        if not published and found.published:
            published, evidence, inferred = found.published, found.date_evidence, True
        body, removed = clean.clean_text("\n".join(lines), title=title)
        if not body.strip():
            # Cleaning judged every line boilerplate; for a text file that is more likely a
            # short article than a page of debris, so keep it rather than lose it.
            body, removed = "\n".join(lines), []
        removed = head_removed + removed
    if not published and record.url:
        url_date = meta.date_from_url(record.url)
        if url_date:
            published, evidence, inferred = url_date, f"URL path: {record.url}", True
    outlet = outlet or meta.outlet_from_url(record.url)
    body = normalize_space(body)
    if not body:
        return IngestError(record.source, "no article text left after cleaning")
    return Article(
        id=record.id,
        text=body,
        title=_cut(title, opts.max_title_chars),
        outlet=_cut(outlet, 200),
        byline=_cut(byline, 200),
        url=_cut(record.url, 2000),
        published=published,
        published_inferred=inferred,
        date_evidence=evidence,
        raw_text=raw_text,
        removed=removed,
        source=record.source,
    )


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).lower() == " ".join(b.split()).lower()


def _cut(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    if not value:
        return None
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _given_date(value: str) -> str | None:
    m = re.match(r"^\s*(\d{4}-\d{2}-\d{2})", value)
    if m:
        return m.group(1) if meta.valid_date(m.group(1)) else None
    return meta.parse_date_text(value)
