"""RSS and Atom feeds (.rss, .atom, .xml): one article per entry, its HTML content cleaned
later by ``prepare``; entries without content are errors naming ``file#entry``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from storyline.ingest.base import IngestOptions, Record, load_text, short_id, stem
from storyline.model import IngestError


def read(path: Path, options: IngestOptions) -> Iterator[Record | IngestError]:
    import feedparser  # a dependency; imported here because only feeds need it

    loaded = load_text(path, options.max_file_bytes, options)  # decoded only to refuse binary data
    if isinstance(loaded, IngestError):
        yield loaded
        return
    src = str(path)
    parsed = feedparser.parse(loaded[0])
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
        ident = entry.get("id") or link or f"{stem(path)}-{i}"
        yield Record(
            id=short_id(ident) if ("/" in ident or len(ident) > 80) else ident,
            source=f"{src}#{i}",
            html=f"<html><body><article>{content}</article></body></html>",
            title=entry.get("title"),
            byline=entry.get("author"),
            url=link,
            published=published,
            outlet=parsed.feed.get("title"),
            extra={"fragment": True},
        )
