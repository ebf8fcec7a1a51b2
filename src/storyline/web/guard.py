"""What the web app checks before a request reaches a page: body size, method, origin, text.

``RequestGuard`` is plain ASGI middleware, the outermost layer of the app, because two of its
jobs cannot be done later: a request body is counted *while it is read* (a 3 GB upload is
refused at its first read when it declares its size, and after the cap when it is chunked,
never spooled to disk first), and ``HEAD`` is answered as ``GET`` without a body (FastAPI
routes declare ``GET`` only). The checks on what a request says (``cross_site``,
``bad_characters``) are functions the app calls, so their refusals render like every other
error (HTML page or JSON under ``/api/``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote, urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# C0 controls and DEL: no search word or id holds one, and NUL breaks the stores' query
# syntax (FTS5 "unterminated string", PostgreSQL refuses NUL in text).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A query parameter longer than this is refused: no search is this long (FTS5 cost grows
# with the words), and a chip's quoted sentence is cut at 300 (views.MAX_CITE_CHARS).
MAX_QUERY_CHARS = 1000


class BodyTooLarge(HTTPException):
    """A request body over the cap: 413, raised from inside the body read."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request larger than {_size(limit)}, refused; "
                              "upload fewer or smaller files at a time")


def _size(n: int) -> str:
    return f"{n // 2**20} MiB" if n >= 2**20 else f"{n} bytes"


class RequestGuard:
    """ASGI middleware: caps the bytes of every request body as they arrive, and answers
    ``HEAD`` as the same ``GET`` with the body left out (headers, Content-Length included,
    as the ``GET`` would send them)."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = dict(scope, method="GET")
        declared = _content_length(scope)
        limit = self.max_body
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)  # refused before a byte of the body is read
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def no_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, counted, no_body if head else send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def bad_characters(request: Request) -> str | None:
    """Why the path or query cannot be served (control characters, an overlong query), or
    None. Checked before any page runs: such text must give 400, never reach a store."""
    path = unquote(request.url.path)
    if CONTROL.search(path):
        return "control characters in the URL path"
    for key, value in request.query_params.multi_items():
        if CONTROL.search(key) or CONTROL.search(value):
            return f"control characters in the query parameter {key!r}"[:120]
        if len(value) > MAX_QUERY_CHARS:
            return f"query parameter {key!r} longer than {MAX_QUERY_CHARS} characters"[:120]
    return None


def cross_site(request: Request) -> str | None:
    """Why a POST is refused as possibly forged by another site, or None when it comes from
    one of this app's own pages. A browser sends ``Origin`` on every form POST (the pages
    send ``Referrer-Policy: same-origin`` so it is the real origin, not ``null``); a POST
    without ``Origin`` and ``Referer``, or with ``Origin: null`` (sandboxed frames, data:
    URLs), cannot prove where it comes from and is refused too."""
    host = request.headers.get("host", "")
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return "cross-site form submission refused"
    origin = request.headers.get("origin")
    if origin is not None:
        if origin == "null" or urlsplit(origin).netloc != host:
            return "cross-site form submission refused (Origin is not this site)"
        return None
    referer = request.headers.get("referer")
    if not referer:
        return "form submission refused: no Origin or Referer header says it comes from this site"
    if urlsplit(referer).netloc != host:
        return "cross-site form submission refused (Referer is not this site)"
    return None
