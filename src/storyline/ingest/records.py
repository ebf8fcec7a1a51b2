"""Record files: many articles as fields (JSONL/NDJSON, CSV with a ``text`` column, JSON).

Every record goes through ``base.record_from_mapping``, so the formats agree on what the
fields mean; a record without text is an error naming its line or row, the others still
count. Record files may be up to ``max_decompressed_bytes`` (they hold many articles).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from storyline.ingest.base import IngestOptions, Record, load_text, record_from_mapping, stem
from storyline.model import IngestError


def _text(path: Path, options: IngestOptions) -> str | IngestError:
    loaded = load_text(path, options.max_decompressed_bytes)
    return loaded if isinstance(loaded, IngestError) else loaded[1]


def read_jsonl(path: Path, options: IngestOptions) -> Iterator[Record | IngestError]:
    """One JSON object per line; ids default to ``<stem>-<line number>``."""
    text = _text(path, options)
    if isinstance(text, IngestError):
        yield text
        return
    src, name = str(path), stem(path)
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield IngestError(f"{src}:{lineno}", f"not valid JSON ({exc.msg})")
            continue
        yield record_from_mapping(item, src, f"{name}-{lineno}", f"line {lineno}", where=f"{src}:{lineno}")


def read_json(path: Path, options: IngestOptions) -> Iterator[Record | IngestError]:
    """A JSON list of articles, ``{"articles": [...]}``, or one article object."""
    text = _text(path, options)
    if isinstance(text, IngestError):
        yield text
        return
    src, name = str(path), stem(path)
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
        yield record_from_mapping(item, src, f"{name}-{i}", f"item {i}")


def read_csv(path: Path, options: IngestOptions) -> Iterator[Record | IngestError]:
    """A header row naming the fields (``text`` required); ids default to ``<stem>-<row>``."""
    text = _text(path, options)
    if isinstance(text, IngestError):
        yield text
        return
    src, name = str(path), stem(path)
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
            yield record_from_mapping(
                dict(zip(header, row, strict=True)), src, f"{name}-{rowno}", f"row {rowno}", where=where
            )
    except csv.Error as exc:
        yield IngestError(src, f"malformed CSV ({exc})")
