"""Feeds out: Atom (RFC 4287) feeds of the stories' revisions, and their JSON twin.

``/feeds/stories.atom`` holds every story's latest revisions, ``/stories/ID/feed.atom`` one
story's (with those of stories merged into it), and ``/api/stories/ID/changes`` the same as
JSON. An entry is one revision: what one ``storyline add`` changed in one story. Built with
``xml.etree`` (every text escaped by the serializer, never by hand); entry ids are the
revision's permanent link on this server (``/stories/ID#rev-N``: a revision number is never
reused), ``updated`` is when the revision was made.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import escape
from pydantic import BaseModel

from storyline.changes import parse_since, story_revisions
from storyline.errors import InputError
from storyline.model import Revision
from storyline.pipeline import resolve_story_id
from storyline.store import StoryStore

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
# Entries per feed: readers poll often and keep what they saw; the JSON pages further.
FEED_ENTRIES = 50
EPOCH = "1970-01-01T00:00:00+00:00"  # ``updated`` of a feed with no entry yet (it is required)

ET.register_namespace("", ATOM)


class ChangesOut(BaseModel):
    story_id: str
    title: str
    revisions: list[Revision]


def _story_url(base: str, story_id: str) -> str:
    return f"{base}/stories/{quote(story_id, safe='')}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _content(revision: Revision) -> str:
    """The entry's HTML (escaped here, then as XML text by the serializer: RFC 4287 3.1.1.2)."""
    items = []
    for change in revision.changes:
        extra = ""
        if change.kind in ("timeline", "summary") and change.items:
            extra = "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in change.items[:10]) + "</ul>"
        items.append(f"<li>{escape(change.text)}{extra}</li>")
    return f"<ul>{''.join(items)}</ul>"


def atom_feed(
    revisions: Sequence[Revision], *, base: str, feed_url: str, title: str, alternate: str
) -> bytes:
    """An Atom document of ``revisions`` (newest first). ``base`` is the server's URL with
    no trailing slash; ``feed_url`` this feed's own URL (its id and ``rel="self"``)."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", feed_url)
    _sub(feed, "title", title)
    _sub(feed, "updated", max((r.at for r in revisions), default=EPOCH))
    _sub(feed, "link", rel="self", href=feed_url, type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=alternate, type="text/html")
    author = _sub(feed, "author")
    _sub(author, "name", "storyline")
    _sub(feed, "generator", "storyline")
    for rev in revisions:
        entry = _sub(feed, "entry")
        link = f"{_story_url(base, rev.story_id)}#rev-{rev.number}"
        _sub(entry, "id", link)
        lead = rev.changes[0].text if rev.changes else "updated"
        _sub(entry, "title", f"{rev.title}: {lead}")
        _sub(entry, "updated", rev.at)
        _sub(entry, "link", rel="alternate", href=link, type="text/html")
        _sub(entry, "summary", "; ".join(c.text for c in rev.changes[:4]))
        _sub(entry, "content", _content(rev), type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def _since(value: str) -> str | int | None:
    try:
        return parse_since(value) if value.strip() else None
    except InputError as exc:
        raise HTTPException(400, str(exc)) from None


def seen_cookie(label: str) -> str:
    """The cookie that remembers, per store (no accounts), the last revision a reader's
    browser saw on the story list: one name per store label, so two stores served on one
    host do not share it."""
    return "seen-" + hashlib.sha1(label.encode()).hexdigest()[:10]


def baseline(since: str, cookie: str | None = None) -> str | int | None:
    """What "new" is counted from: ``?since=`` when given (a bad one is a 400), else the
    revision number the cookie holds, else nothing (a first visit marks nothing)."""
    if since.strip():
        return _since(since)
    return int(cookie) if cookie and cookie.isdigit() else None


def register(app: FastAPI, reader: Callable[[], StoryStore]) -> None:
    """Add the feed routes and ``/api/stories/ID/changes`` to the app (``reader`` opens the
    store read-only, as every other route does)."""

    @app.get("/feeds/stories.atom", include_in_schema=False)
    def stories_feed(request: Request, since: str = "") -> Response:
        base = str(request.base_url).rstrip("/")
        with reader() as store:
            revisions = store.revisions(since=_since(since), limit=FEED_ENTRIES)
        body = atom_feed(
            revisions,
            base=base,
            feed_url=f"{base}/feeds/stories.atom",
            title="storyline: what changed in the stories",
            alternate=f"{base}/",
        )
        return Response(body, media_type=MEDIA_TYPE)

    @app.get("/stories/{story_id}/feed.atom", include_in_schema=False)
    def story_feed(request: Request, story_id: str, since: str = "") -> Response:
        base = str(request.base_url).rstrip("/")
        with reader() as store:
            current = resolve_story_id(store, story_id)
            story_title = store.story_titles([current]).get(current)
            if story_title is not None and current != story_id:
                return RedirectResponse(f"{_story_url('', current)}/feed.atom", status_code=301)
            if story_title is None:
                raise HTTPException(404, f"no story {story_id!r} in this store")
            revisions = story_revisions(store, current, since=_since(since), limit=FEED_ENTRIES)
        page = _story_url(base, current)
        body = atom_feed(
            revisions,
            base=base,
            feed_url=f"{page}/feed.atom",
            title=f"storyline: {story_title}",
            alternate=page,
        )
        return Response(body, media_type=MEDIA_TYPE)

    @app.get(
        "/api/stories/{story_id}/changes",
        response_model=ChangesOut,
        tags=["stories"],
        responses={404: {"description": "No such story"}},
    )
    def api_changes(story_id: str, since: str = "", limit: int = Query(FEED_ENTRIES, ge=1, le=1000)) -> Any:
        """What each run changed in a story, newest first (``since``: a revision number,
        an ISO time or an age such as ``2h``). A merged story's id redirects (301)."""
        with reader() as store:
            current = resolve_story_id(store, story_id)
            title = store.story_titles([current]).get(current)
            if title is not None and current != story_id:
                return RedirectResponse(f"/api/stories/{quote(current, safe='')}/changes", status_code=301)
            if title is None:
                raise HTTPException(404, f"no story {story_id!r} in this store")
            revisions = story_revisions(store, current, since=_since(since), limit=limit)
        return ChangesOut(story_id=current, title=title, revisions=revisions)
