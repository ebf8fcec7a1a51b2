"""Live sources: a URL of a feed (RSS, Atom, JSON Feed) or of an article page -> Records.

A feed's entries are followed to their pages, each read as an HTML file is (``prepare``
extracts the text and the title, outlet, byline and date), so an article fetched live is
the same Article as the saved page would be. When an entry's page cannot be fetched, the
entry's own content or summary is kept, and an IngestError says so; an entry with neither
is an IngestError naming its URL. Nothing here raises for a bad source: every failure is
one IngestError line naming the URL and the reason.

``read_url`` is what ``ingest.walk`` runs for a URL input (``add``, ``digest``);
``storyline.watch`` uses the parts (``load_source``, ``entry_records``) to skip entries it
has seen before fetching their pages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from storyline.ingest.base import IngestOptions, Record, decode, error, short_id
from storyline.ingest.fetch import Fetched, Fetcher, FetchError, shared_fetcher
from storyline.model import IngestError

_XML_TYPES = ("xml", "rss", "atom", "rdf")
_FEED_START = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*(?:<\?xml|<rss|<feed|<rdf:RDF)", re.I)
_HTML_START = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*(?:<!doctype html|<html|<head|<body|<article)", re.I)


@dataclass
class Entry:
    """One feed entry: where its page is, and what the feed itself says about it."""

    url: str | None
    ident: str
    title: str | None = None
    content: str = ""  # HTML (or text) the feed carries: the fallback when the page fails
    published: str | None = None  # YYYY-MM-DD
    author: str | None = None


@dataclass
class Feed:
    url: str
    title: str | None
    entries: list[Entry]


@dataclass
class Page:
    url: str
    record: Record


Source = Feed | Page


def text_of(fetched: Fetched) -> str:
    """The body as text: the declared charset, else UTF-8/UTF-16 by BOM or cp1252 (as for
    files), else UTF-8 with replacement characters (a page is read, not refused, for a
    stray byte)."""
    if fetched.charset:
        try:
            return fetched.body.decode(fetched.charset, "replace")
        except LookupError:
            pass
    try:
        return decode(fetched.body)
    except ValueError:
        return fetched.body.decode("utf-8", "replace")


def parse_source(fetched: Fetched) -> Source:
    """A fetched answer as a feed or a page, by its media type and, when the type is vague
    (text/plain, application/octet-stream), by how the body starts. FetchError when it is
    neither ("not a feed or a web page")."""
    ctype, body = fetched.content_type, fetched.body
    head = body[:512].lstrip()
    if "json" in ctype or head.startswith(b"{"):
        return _json_feed(fetched)
    if any(t in ctype for t in _XML_TYPES) and "html" not in ctype or _FEED_START.match(body[:512]):
        feed = _xml_feed(fetched)
        if feed is not None:
            return feed
        if not _HTML_START.match(body[:512]) and "html" not in ctype:
            raise FetchError(f"not a feed: no RSS/Atom entries in the {ctype or 'XML'} answer")
    if "html" in ctype or _HTML_START.match(body[:512]):
        return Page(fetched.url, Record(id=short_id(fetched.url), source=fetched.url, html=text_of(fetched)))
    if ctype == "text/plain":
        return Page(fetched.url, Record(id=short_id(fetched.url), source=fetched.url, text=text_of(fetched)))
    raise FetchError(f"not a feed or a web page ({ctype or 'no Content-Type'})")


def _xml_feed(fetched: Fetched) -> Feed | None:
    import feedparser  # a core dependency, loaded only when a feed is read

    parsed = feedparser.parse(fetched.body, response_headers={"content-location": fetched.url})
    if not parsed.get("version") and not parsed.entries:
        return None
    entries = []
    for i, item in enumerate(parsed.entries, 1):
        content = ""
        if item.get("content"):
            content = item["content"][0].get("value", "")
        content = content or item.get("summary", "") or item.get("description", "")
        stamp = item.get("published_parsed") or item.get("updated_parsed")
        link = item.get("link")
        entries.append(
            Entry(
                url=link,
                ident=item.get("id") or link or f"{fetched.url}#{i}",
                title=item.get("title"),
                content=content,
                published=f"{stamp.tm_year:04d}-{stamp.tm_mon:02d}-{stamp.tm_mday:02d}" if stamp else None,
                author=item.get("author"),
            )
        )
    return Feed(fetched.url, parsed.feed.get("title"), entries)


def _json_feed(fetched: Fetched) -> Feed:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1): small enough to read directly."""
    try:
        doc = json.loads(text_of(fetched))
    except ValueError as exc:
        raise FetchError(f"not a feed: invalid JSON ({exc})") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise FetchError("not a feed: JSON without a JSON Feed version")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FetchError("not a feed: JSON Feed without an items list")
    entries = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            continue
        link = _str(item.get("url")) or _str(item.get("external_url"))
        content = _str(item.get("content_html")) or _html_text(_str(item.get("content_text")))
        content = content or _html_text(_str(item.get("summary")))
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        names = [a["name"] for a in authors if isinstance(a, dict) and _str(a.get("name"))]
        entries.append(
            Entry(
                url=link,
                ident=_str(item.get("id")) or link or f"{fetched.url}#{i}",
                title=_str(item.get("title")),
                content=content,
                published=_day(_str(item.get("date_published")) or _str(item.get("date_modified"))),
                author=", ".join(names) or None,
            )
        )
    return Feed(fetched.url, _str(doc.get("title")), entries)


def _str(value: object) -> str | None:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


def _html_text(text: str | None) -> str:
    import html

    if not text:
        return ""
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def _day(value: str | None) -> str | None:
    m = re.match(r"(\d{4}-\d{2}-\d{2})", value or "")
    return m.group(1) if m else None


def load_source(
    url: str, fetcher: Fetcher, etag: str | None = None, last_modified: str | None = None
) -> tuple[Fetched, Source | None]:
    """Fetch ``url`` and parse it; the Source is None when the answer is 304 (unchanged).
    FetchError on any failure."""
    fetched = fetcher.get(url, etag, last_modified)
    if fetched.not_modified:
        return fetched, None
    return fetched, parse_source(fetched)


def entry_records(entry: Entry, feed: Feed, fetcher: Fetcher) -> list[Record | IngestError]:
    """The Record of one feed entry: its page, fetched and read as HTML; or, when the page
    fails, the entry's own content with an IngestError saying so; or an IngestError."""
    where = entry.url or f"{feed.url}#{entry.ident}"
    if entry.url:
        try:
            fetched = fetcher.get(entry.url)
            page = parse_source(fetched)
            if isinstance(page, Feed):
                raise FetchError("the entry links to a feed, not an article page")
            rec = page.record
            rec.id, rec.url, rec.source = short_id(entry.url), fetched.url, entry.url
            rec.title, rec.byline, rec.published = entry.title, entry.author, entry.published
            return [rec]
        except FetchError as exc:
            reason = str(exc)
    else:
        reason = "the entry has no link"
    if not entry.content.strip():
        return [error(where, f"{reason}; the feed entry has no text of its own: not read")]
    note = error(where, f"{reason}; kept the feed entry's own text instead of the page")
    rec = Record(
        id=short_id(entry.url or entry.ident),
        source=where,
        html=f"<html><body><article>{entry.content}</article></body></html>",
        outlet=feed.title,
        url=entry.url,
        title=entry.title,
        byline=entry.author,
        published=entry.published,
    )
    return [rec, note]


def read_url(
    url: str, options: IngestOptions | None = None, fetcher: Fetcher | None = None
) -> Iterator[Record | IngestError]:
    """The Records of a URL input: one per feed entry (its page), or the page itself.

    Uses the process's shared fetcher unless given one (``fetch.configure`` sets its
    options, as ``--ignore-robots`` does); its ``max_bytes`` bounds every answer, below
    ``options.max_file_bytes``."""
    client = fetcher or shared_fetcher()
    try:
        _fetched, source = load_source(url, client)
    except FetchError as exc:
        yield error(url, str(exc))
        return
    if isinstance(source, Page):
        source.record.source = url
        source.record.url = source.url
        yield source.record
        return
    if source is None:  # 304 without validators sent: a broken server
        yield error(url, "HTTP 304 to an unconditional request: nothing read")
        return
    if not source.entries:
        yield error(url, "the feed has no entries")
        return
    yield from entries_of(source, source.entries, client)


def entries_of(feed: Feed, entries: Sequence[Entry], fetcher: Fetcher) -> Iterator[Record | IngestError]:
    for entry in entries:
        yield from entry_records(entry, feed, fetcher)
