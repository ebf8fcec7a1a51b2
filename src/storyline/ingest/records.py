"""Record files: many articles as fields (JSONL/NDJSON, CSV with a ``text`` column, JSON).

Every record goes through ``base.record_from_mapping``, so the formats agree on what the
fields mean; a record without text is an error naming its line or row, the others still
count. JSONL and CSV are streamed one record at a time (a file may hold up to
``max_decompressed_bytes``; one record at most ``max_file_bytes``), so a bad line, an
oversize field or a file cut short costs that record, never the records around it. A JSON
document is parsed whole, up to ``max_json_bytes``.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from storyline.ingest.base import (
    GZIP_ERRORS,
    IngestOptions,
    MiB,
    Record,
    Refused,
    Stream,
    error,
    gzip_reason,
    load_text,
    open_input,
    record_from_mapping,
    stem,
)
from storyline.model import IngestError

_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")  # multi-byte UTF-8, as ``base.decode``


@dataclass
class _Bad:
    """A line that could not be used, and why (becomes an IngestError naming the line)."""

    reason: str


def _decode_line(data: bytes) -> str | _Bad:
    """One line's bytes -> text, by the rules of ``base.decode`` applied per line: UTF-8, or
    cp1252 for a line without any UTF-8 sequence; a line mixing both is refused."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
    if _UTF8_SEQUENCE.search(data):
        return _Bad(f"invalid UTF-8 at byte {bad} in a line that is otherwise UTF-8 (mixed encodings)")
    return data.decode("cp1252", errors="replace")


def _lines(stream: Stream, max_line: int) -> Iterator[tuple[int, str | _Bad]]:
    """The numbered lines of a text stream (without line ends), each at most ``max_line``
    bytes: a longer line is a ``_Bad`` in its place and the next line is read as usual.
    Raises ``Refused`` for a binary or empty file, and what the stream raises."""
    first = stream.readline(max_line + 1)
    if not first.strip() and not first.endswith(b"\n"):
        raise Refused("empty file")
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield from _utf16_lines(first, stream, max_line)
        return
    if b"\x00" in first[:8192]:
        raise Refused("binary file (NUL bytes), not text")
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    line, lineno = first, 1
    while line:
        if len(line) > max_line and not line.endswith(b"\n"):
            dropped = len(line) + stream.skip_line()
            yield lineno, _Bad(f"line longer than {max_line:,} bytes ({dropped:,} or more); skipped")
        else:
            text = _decode_line(line.rstrip(b"\r\n"))
            if isinstance(text, str) and "\x00" in text:
                text = _Bad("binary data (NUL bytes), not text")
            yield lineno, text
        line = stream.readline(max_line + 1)
        lineno += 1


def _utf16_lines(first: bytes, stream: Stream, max_line: int) -> Iterator[tuple[int, str | _Bad]]:
    """Lines of a UTF-16 file (it has a byte-order mark), decoded incrementally in 1 MiB
    chunks: newlines are two bytes there, so the byte-level split cannot be used."""
    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    pending, lineno, chunk = "", 1, first
    while True:
        pending += decoder.decode(chunk, final=not chunk)
        *done, pending = pending.split("\n")
        for line in done:
            yield lineno, line.rstrip("\r") if len(line) <= max_line else _Bad("line too long; skipped")
            lineno += 1
        if len(pending) > max_line:
            raise Refused(f"line {lineno} is longer than {max_line:,} characters")
        if not chunk:
            break
        chunk = stream.read(MiB)
    if pending:
        yield lineno, pending.rstrip("\r")


def _stream_items(path: Path, options: IngestOptions, parse: _Parser) -> Iterator[Record | IngestError]:
    """Open ``path`` as a stream of lines and run ``parse`` over them; a file-level problem
    (not a regular file, binary, a gzip bomb, a gzip file cut short, the time budget) is one
    error naming where reading stopped, after the records read so far."""
    src = str(path)
    where, count = src, 0
    try:
        with open_input(path, options.max_decompressed_bytes, options) as stream:
            for item in parse(_lines(stream, options.max_file_bytes), src, stem(path)):
                where = item.path if isinstance(item, IngestError) else item.source
                count += 1
                yield item
        if count == 0:
            yield error(src, "empty file (no records)")
    except Refused as exc:
        yield error(src, _stopped(str(exc), where, src))
    except GZIP_ERRORS as exc:
        yield error(src, _stopped(gzip_reason(exc), where, src))
    except OSError as exc:
        yield error(src, f"cannot read: {exc.strerror or exc}")


def _stopped(reason: str, where: str, src: str) -> str:
    if where == src:
        return reason
    return f"{reason}; reading stopped after {where[len(src) :].lstrip(':#')}"


class _Parser:
    """(numbered lines, source, file stem) -> records and errors: one per line format."""

    def __call__(
        self, lines: Iterator[tuple[int, str | _Bad]], src: str, name: str
    ) -> Iterator[Record | IngestError]:
        raise NotImplementedError


def read_jsonl(path: Path, options: IngestOptions) -> Iterator[Record | IngestError]:
    """One JSON object per line; ids default to ``<stem>-<line number>``."""
    return _stream_items(path, options, _JsonlParser())


class _JsonlParser(_Parser):
    def __call__(
        self, lines: Iterator[tuple[int, str | _Bad]], src: str, name: str
    ) -> Iterator[Record | IngestError]:
        for lineno, line in lines:
            where = f"{src}:{lineno}"
            if isinstance(line, _Bad):
                yield error(where, line.reason)
                continue
            if not line.strip():
                continue
            item = _json(line)
            if isinstance(item, _Bad):
                yield error(where, item.reason)
                continue
            yield record_from_mapping(item, src, f"{name}-{lineno}", f"line {lineno}", where=where)


def _json(text: str) -> object | _Bad:
    """``json.loads`` with its failures as reasons; nesting is bounded by the interpreter's
    recursion limit (about 1,000 levels), past which the line is refused, not the run."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return _Bad(
            f"not valid JSON (line {exc.lineno}: {exc.msg})"
            if "\n" in text
            else f"not valid JSON ({exc.msg})"
        )
    except RecursionError:
        return _Bad("JSON nested too deeply (more levels than the parser allows)")


def read_json(path: Path, options: IngestOptions) -> Iterator[Record | IngestError]:
    """A JSON list of articles, ``{"articles": [...]}``, or one article object."""
    loaded = load_text(path, options.max_json_bytes, options)
    if isinstance(loaded, IngestError):
        yield loaded
        return
    src, name = str(path), stem(path)
    obj = _json(loaded[1])
    del loaded
    if isinstance(obj, _Bad):
        yield error(src, obj.reason)
        return
    items = obj.get("articles") if isinstance(obj, dict) else obj
    if isinstance(obj, dict) and items is None:
        items = [obj]
    if not isinstance(items, list):
        yield error(src, 'expected a JSON list of articles or {"articles": [...]}')
        return
    for i, item in enumerate(items, 1):
        yield record_from_mapping(item, src, f"{name}-{i}", f"item {i}")


def read_csv(path: Path, options: IngestOptions) -> Iterator[Record | IngestError]:
    """A header row naming the fields (``text`` required); ids default to ``<stem>-<row>``,
    the row being its first line's number in the file."""
    return _stream_items(path, options, _CsvParser(options.max_file_bytes))


class _CsvParser(_Parser):
    """CSV one row at a time. Rows are cut out of the lines first (``_row_open`` follows
    the quotes as the csv module does) and each row is then parsed alone, so an oversize
    field or a broken row costs that row only, and the rows after it are read as usual."""

    def __init__(self, max_row: int) -> None:
        self.max_row = max_row
        if csv.field_size_limit() < max_row:
            csv.field_size_limit(max_row)  # the row cap below is the limit that counts

    def __call__(
        self, lines: Iterator[tuple[int, str | _Bad]], src: str, name: str
    ) -> Iterator[Record | IngestError]:
        header: list[str] | None = None
        for rowno, row in self._rows(lines):
            where = f"{src}:{rowno}"
            if isinstance(row, _Bad):
                if header is None:
                    yield error(src, f"not a readable CSV file (header: {row.reason})")
                    return
                yield error(where, row.reason)
                continue
            if header is None:
                header = [h.strip().lower() for h in row]
                if "text" not in header:
                    yield error(src, f"CSV header has no 'text' column (columns: {', '.join(header)[:200]})")
                    return
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield error(where, f"row has {len(row)} columns, header has {len(header)}")
                continue
            yield record_from_mapping(
                dict(zip(header, row, strict=True)), src, f"{name}-{rowno}", f"row {rowno}", where=where
            )
        if header is None:
            yield error(src, "not a readable CSV file (no header)")

    def _rows(self, lines: Iterator[tuple[int, str | _Bad]]) -> Iterator[tuple[int, list[str] | _Bad]]:
        """(first line number, cells or the reason) per row. An oversize row is followed to
        its end with its text dropped (memory stays bounded), then reported."""
        parts: list[str] = []
        size, start, problem, in_quotes = 0, 0, "", False
        for lineno, line in lines:
            fresh = not parts and not problem and not in_quotes
            if fresh:
                start = lineno
            text = "" if isinstance(line, _Bad) else line
            if isinstance(line, _Bad):
                problem = problem or line.reason
            in_quotes = _row_open(text, in_quotes, first=fresh)
            size += len(text) + 1
            if size > self.max_row:
                problem = (
                    problem or f"row longer than {self.max_row:,} characters (an oversize field); skipped"
                )
                parts.clear()
            elif not problem:
                parts.append(text)
            if in_quotes:
                continue  # inside a quoted field: the row goes on
            yield start, _Bad(problem) if problem else _parse_row("\n".join(parts))
            parts.clear()
            size, problem = 0, ""
        if parts or problem:
            yield start, _Bad(problem or "unterminated quoted field (the file ends inside it)")


# Inside a quoted field: everything up to the closing quote ("" is a quote in the field).
_QUOTED = re.compile(r'(?:[^"]|"")*')


def _row_open(line: str, in_quotes: bool, first: bool) -> bool:
    """Whether a row is still inside a quoted field at the end of ``line``: the quote
    rules of the csv module (a quote opens a field only at its start, right after a comma
    or at the row's start; a quote elsewhere in an unquoted field is a character), followed
    with C-speed scans rather than a loop over characters."""
    i = 0
    if first and line.startswith('"'):
        in_quotes, i = True, 1
    while True:
        if in_quotes:
            end = _QUOTED.match(line, i).end()  # type: ignore[union-attr]  # the pattern matches the empty string
            if end >= len(line):
                return True
            in_quotes, i = False, end + 1
        else:
            j = line.find(',"', i)
            if j < 0:
                return False
            in_quotes, i = True, j + 2


def _parse_row(text: str) -> list[str] | _Bad:
    try:
        return next(csv.reader([text], strict=True), [])
    except csv.Error as exc:
        return _Bad(f"malformed CSV row ({exc})")
