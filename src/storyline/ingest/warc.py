"""Web archives (.warc, .arc, gzipped or not): one article per HTML response record.

Streamed with warcio (a dependency, imported here because only WARC needs it), so an
archive may be far larger than ``max_file_bytes``; each response body is held to that limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from storyline.ingest.base import IngestOptions, Record, decode, short_id
from storyline.model import IngestError


def read(path: Path, options: IngestOptions) -> Iterator[Record | IngestError]:
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
                body = rec.content_stream().read(options.max_file_bytes + 1)
                found += 1
                where = f"{src}#{url}"
                if len(body) > options.max_file_bytes:
                    yield IngestError(where, "response body too large")
                    continue
                try:
                    html = decode(body)
                except ValueError as exc:
                    yield IngestError(where, str(exc))
                    continue
                yield Record(id=short_id(url or f"{src}-{found}"), source=where, html=html, url=url)
    except (ArchiveLoadFailed, OSError, ValueError) as exc:
        yield IngestError(src, f"not a readable WARC file ({exc})")
        return
    if found == 0:
        yield IngestError(src, "WARC file holds no HTML responses")
