"""Web archives (.warc, .arc, gzipped or not): one article per HTML response record.

Read by a small streaming parser of our own rather than a general WARC library, because
what matters here is what happens when an archive is wrong, and each failure must cost one
record, with its number, never the archive or the run:

- every byte counts against ``max_archive_bytes`` (decompressed) and the time budget, and
  header lines are read at most 64 KiB at a time, so a small archive of zeros stops at once;
- a response body is held to ``max_file_bytes`` (and again after HTTP decompression);
- each record's length is checked against the file: a record cut short is reported as
  truncated (never kept half-read), a Content-Length that runs into the next record or
  stops short of its own end is reported and reading resumes at the next record header;
- a gzip member cut short ends reading with the number of the record it cut.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from pathlib import Path

from storyline.ingest.base import (
    GZIP_ERRORS,
    IngestOptions,
    MiB,
    Record,
    Refused,
    Stream,
    decode,
    error,
    gzip_reason,
    open_input,
    short_id,
)
from storyline.model import IngestError

_LINE = 64 * 1024  # longest header line read
_HEADERS = 512  # most header lines in one record
# A record header inside the bytes a wrong Content-Length swallowed.
_EMBEDDED = re.compile(rb"(?:^|\n)(WARC/1\.\d\r?\n[A-Za-z-]+:)")
_NEXT_WARC = re.compile(rb"\nWARC/1\.\d\r?\n")


class _Buffer:
    """A ``Stream`` with bytes put back (a record header found inside another record)."""

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.back = b""

    def unread(self, data: bytes) -> None:
        self.back = data + self.back

    def readline(self, n: int = _LINE) -> bytes:
        if not self.back:
            return self.stream.readline(n)
        cut = self.back.find(b"\n", 0, n)
        end = cut + 1 if cut >= 0 else n if len(self.back) >= n else 0
        if end:
            line, self.back = self.back[:end], self.back[end:]
            return line
        line, self.back = self.back, b""
        return line + self.stream.readline(n - len(line))

    def read(self, n: int) -> bytes:
        parts = []
        if self.back:
            parts.append(self.back[:n])
            self.back = self.back[n:]
            n -= len(parts[0])
        while n > 0:
            part = self.stream.read(min(n, MiB))
            if not part:
                break
            parts.append(part)
            n -= len(part)
        return b"".join(parts)

    def skip(self, n: int) -> int:
        """Read and drop ``n`` bytes (fewer at the end of the file); the count dropped."""
        dropped = 0
        while dropped < n:
            part = self.read(min(n - dropped, MiB))
            if not part:
                break
            dropped += len(part)
        return dropped

    def peek_line(self) -> bytes:
        line = self.readline()
        self.unread(line)
        return line


def read(path: Path, options: IngestOptions) -> Iterator[Record | IngestError]:
    reader = _Reader(str(path), options)
    try:
        with open_input(path, options.max_archive_bytes, options) as stream:
            yield from reader.records(_Buffer(stream))
    except Refused as exc:
        yield reader.stopped(str(exc))
    except GZIP_ERRORS as exc:
        yield reader.stopped(gzip_reason(exc))
    except OSError as exc:
        yield error(reader.src, f"cannot read: {exc.strerror or exc}")


class _Reader:
    """The state of reading one archive: how many records were seen, and the current one."""

    def __init__(self, src: str, options: IngestOptions) -> None:
        self.src = src
        self.options = options
        self.n = 0  # records seen (every type)
        self.found = 0  # HTML responses
        self.where = src
        self.arc = False
        self.inside = False  # within a record (its header read, its end not yet)

    def stopped(self, reason: str) -> IngestError:
        if self.n == 0:
            return error(self.src, f"not a readable WARC file ({reason})")
        if not self.inside:
            return error(self.src, f"{reason}, after record {self.n}; reading stopped there")
        return error(self.where, f"record {self.n}: {reason}; reading stopped there")

    def records(self, buf: _Buffer) -> Iterator[Record | IngestError]:
        while True:
            line = _first_line(buf)
            if not line:
                break
            if self.n == 0 and not line.startswith(b"WARC/"):
                if not line.startswith(b"filedesc://"):
                    yield error(self.src, "not a WARC file (it does not start with a WARC/1.x record header)")
                    return
                self.arc = True
            elif not self._is_header(line):
                skipped = _resync(buf, self.arc)
                yield error(
                    self.where,
                    f"{len(line) + skipped:,} bytes that are no record after record {self.n}; skipped",
                )
                continue
            yield from self._record(buf, line)
        if self.found == 0:
            yield error(self.src, "WARC file holds no HTML responses")

    def _is_header(self, line: bytes) -> bool:
        if not self.arc:
            return line.startswith(b"WARC/")
        fields = line.split()
        return len(fields) in (5, 10) and fields[-1].isdigit()

    def _record(self, buf: _Buffer, line: bytes) -> Iterator[Record | IngestError]:
        self.n += 1
        self.inside = True
        self.where = f"{self.src}#record-{self.n}"
        head = _arc_header(line) if self.arc else _warc_header(buf)
        if isinstance(head, str):
            yield error(self.where, f"record {self.n}: {head}; skipped to the next record")
            _resync(buf, self.arc)
            self.inside = False
            return
        length, uri, http = head
        if uri:
            self.where = f"{self.src}#{uri}"
        # Blocks up to the limit are read whole (a response is kept; any block is searched
        # for a record header when its length turns out wrong); larger ones are skipped.
        limit = self.options.max_file_bytes + _LINE  # the body plus room for HTTP headers
        too_big = length > limit
        block = b"" if too_big else buf.read(length)
        got = buf.skip(length) if too_big else len(block)
        broken: BaseException | None = None
        try:
            framed = got >= length and _ends_cleanly(buf, self.arc)
        except GZIP_ERRORS as exc:  # the archive breaks after this record, which is whole
            framed, broken = True, exc
        if not framed:
            yield from self._misframed(buf, block, length, got)
        elif http and too_big:
            yield error(
                self.where, f"record {self.n}: response of {length:,} bytes is larger than the limit; skipped"
            )
        elif http:
            yield from self._response(block, uri)
        self.inside = False
        if broken is not None:
            raise broken

    def _misframed(self, buf: _Buffer, block: bytes, length: int, got: int) -> Iterator[IngestError]:
        """A record whose Content-Length does not fit the file: report it, and go on at the
        next record header (inside its block when the length ran into the next record)."""
        inner = _EMBEDDED.search(block) if not self.arc else None
        if inner:
            buf.unread(block[inner.start(1) :])
            yield error(
                self.where,
                f"record {self.n}: Content-Length {length:,} runs into the next record "
                f"(the record ends after {inner.start(1):,} bytes); record skipped",
            )
        elif got < length:
            yield error(self.where, f"record {self.n}: truncated ({got:,} of {length:,} bytes); not read")
        else:
            _resync(buf, self.arc)
            yield error(
                self.where,
                f"record {self.n}: Content-Length {length:,} stops short of the record's end; skipped",
            )

    def _response(self, block: bytes, uri: str | None) -> Iterator[Record | IngestError]:
        parsed = _http_html(block, self.options.max_file_bytes)
        if parsed is None:
            return  # not an HTML page (an image, a stylesheet): not an article
        self.found += 1
        if isinstance(parsed, str):
            yield error(self.where, f"record {self.n}: {parsed}")
            return
        try:
            html = decode(parsed)
        except ValueError as exc:
            yield error(self.where, f"record {self.n}: {exc}")
            return
        yield Record(id=short_id(uri or f"{self.src}-{self.found}"), source=self.where, html=html, url=uri)


def _first_line(buf: _Buffer) -> bytes:
    """The next non-blank line (b"" at the end of the file). A long run of blank lines is
    read in blocks, not line by line."""
    blank = 0
    while True:
        line = buf.readline()
        if not line or line.strip():
            return line
        blank += len(line)
        if blank > _LINE:
            skipped = _resync(buf, arc=False)
            if not skipped and not buf.peek_line():
                return b""


def _resync(buf: _Buffer, arc: bool) -> int:
    """Skip to the next line that starts a WARC record (in 1 MiB blocks); bytes skipped.
    ARC files carry no marker to find, so an ARC is read no further."""
    skipped, carry = 0, b"\n"
    while True:
        chunk = buf.read(MiB)
        if not chunk:
            return skipped
        if arc:
            skipped += len(chunk)
            continue
        data = carry + chunk
        m = _NEXT_WARC.search(data)
        if m:
            buf.unread(data[m.start() + 1 :])
            return skipped + m.start() + 1 - len(carry)
        skipped += len(chunk)
        carry = data[-16:]


def _warc_header(buf: _Buffer) -> tuple[int, str | None, bool] | str:
    """The header lines after ``WARC/1.x`` -> (Content-Length, target URI, whether the
    block is an HTTP response), or the reason it is unusable."""
    fields: dict[str, str] = {}
    for _ in range(_HEADERS):
        line = buf.readline()
        if not line:
            return "the file ends inside the record header"
        if not line.endswith(b"\n"):
            return f"header line longer than {_LINE:,} bytes"
        if not line.strip():
            break
        name, sep, value = line.decode("latin-1").partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    else:
        return f"more than {_HEADERS} header lines"
    length = fields.get("content-length", "")
    if not length.isdigit():
        return f"no valid Content-Length ({length[:40]!r})"
    ctype = fields.get("content-type", "application/http").lower()
    http = fields.get("warc-type", "").lower() == "response" and "application/http" in ctype
    return int(length), fields.get("warc-target-uri") or None, http


def _arc_header(line: bytes) -> tuple[int, str | None, bool] | str:
    """``url ip date mime length`` (ARC v1; v2 has ten fields, the length last)."""
    fields = line.decode("latin-1").split()
    if len(fields) not in (5, 10) or not fields[-1].isdigit():
        return "malformed ARC record header"
    url = fields[0]
    return int(fields[-1]), url, url.startswith(("http:", "https:"))


def _ends_cleanly(buf: _Buffer, arc: bool) -> bool:
    """After a record's block: its blank-line trailer, then the end of the file or the next
    record's header. Anything else means the Content-Length did not fit the record."""
    tail = buf.read(4)
    buf.unread(tail.lstrip(b"\r\n"))
    line = _first_line(buf)
    buf.unread(line)
    if not line:
        return True
    if arc:
        fields = line.split()
        return len(fields) in (5, 10) and fields[-1].isdigit()
    return line.startswith(b"WARC/")


def _http_html(block: bytes, limit: int) -> bytes | str | None:
    """An HTTP response -> its HTML body (dechunked, decompressed), None when it is not
    HTML, or the reason the body cannot be used."""
    if not block.startswith(b"HTTP/"):
        return None
    sep, skip = block.find(b"\r\n\r\n", 0, _LINE), 4
    if sep < 0:
        sep, skip = block.find(b"\n\n", 0, _LINE), 2
    if sep < 0:
        return "HTTP headers without an end" if b"html" in block[:_LINE].lower() else None
    headers: dict[str, str] = {}
    for raw in block[:sep].decode("latin-1").splitlines()[1:]:
        name, _, value = raw.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "html" not in headers.get("content-type", ""):
        return None
    body = block[sep + skip :]
    if "chunked" in headers.get("transfer-encoding", ""):
        body = _dechunk(body)
    coding = headers.get("content-encoding", "identity")
    if coding in ("gzip", "x-gzip", "deflate"):
        out = _inflate(body, coding, limit)
        if isinstance(out, str):
            return out
        body = out
    elif coding not in ("identity", ""):
        return f"content encoding {coding[:20]!r} is not supported"
    if len(body) > limit:
        return f"response body larger than {limit:,} bytes"
    return body


def _dechunk(body: bytes) -> bytes:
    """A chunked transfer body -> its data; a body that is not validly chunked (many
    archives store it already dechunked) is returned as it is."""
    out: list[bytes] = []
    pos = 0
    while True:
        eol = body.find(b"\r\n", pos, pos + 1024)
        if eol < 0:
            return body
        try:
            size = int(body[pos:eol].split(b";")[0], 16)
        except ValueError:
            return body
        if size == 0:
            return b"".join(out)
        out.append(body[eol + 2 : eol + 2 + size])
        pos = eol + 2 + size + 2
        if pos > len(body):
            return body


def _inflate(body: bytes, coding: str, limit: int) -> bytes | str:
    """gzip/deflate content -> at most ``limit`` bytes, or the reason."""
    modes = (16 + zlib.MAX_WBITS,) if coding != "deflate" else (zlib.MAX_WBITS, -zlib.MAX_WBITS)
    for wbits in modes:
        inflater = zlib.decompressobj(wbits)
        try:
            out = inflater.decompress(body, limit + 1)
        except zlib.error:
            continue
        if len(out) > limit:
            return f"response body decompresses past {limit:,} bytes (refused as a possible bomb)"
        return out
    return f"response body is not valid {coding} data"
