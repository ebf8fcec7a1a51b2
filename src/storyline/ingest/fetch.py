"""A polite, bounded HTTP fetcher for live sources (feeds and article pages).

Everything storyline reads from the web goes through one ``Fetcher``, so that every request
is polite (robots.txt honoured by default, one request per host per ``host_delay``, a user
agent that names storyline) and bounded (connect and read timeouts, a total time per
request, a byte cap enforced while the body streams in, a redirect limit, http and https
only). A failure is a ``FetchError`` whose message is one line naming the reason (``HTTP
404``, ``timed out``, ``too large``...): callers turn it into an ``IngestError`` for the URL,
never a traceback.

Conditional GET is the caller's choice: pass the ``etag`` / ``last_modified`` of the last
answer and a ``Fetched`` with ``status == 304`` (and no body) says nothing changed.
"""

from __future__ import annotations

import re
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    import httpx

MiB = 1024 * 1024
SCHEMES = ("http", "https")
_REDIRECTS = (301, 302, 303, 307, 308)


def _user_agent() -> str:
    try:
        ver = version("storyline")
    except PackageNotFoundError:  # running from a source tree without an install
        ver = "0"
    return f"storyline/{ver} (+https://pypi.org/project/storyline/; news reader)"


@dataclass
class FetchOptions:
    """How the fetcher behaves; the defaults suit a person following a few dozen feeds."""

    user_agent: str = field(default_factory=_user_agent)
    connect_timeout: float = 10.0
    # Longest silence while reading an answer ...
    read_timeout: float = 30.0
    # ... and longest a whole request may take: a server that trickles a byte every few
    # seconds never trips the read timeout.
    total_timeout: float = 60.0
    # A news page is well under 2 MiB and a feed under 5 MiB; 16 MiB leaves room for odd
    # ones while a runaway answer costs a bounded amount of memory.
    max_bytes: int = 16 * MiB
    max_redirects: int = 5
    # Seconds between two requests to the same host (robots.txt Crawl-delay, when longer
    # and at most ``max_crawl_delay``, wins).
    host_delay: float = 1.0
    max_crawl_delay: float = 60.0
    robots: bool = True
    # How long a host's robots.txt is trusted before it is read again.
    robots_ttl: float = 3600.0


class FetchError(Exception):
    """A URL that could not be fetched; ``str(exc)`` is the one-line reason. ``retry_after``
    carries a server's Retry-After (seconds) when it gave one."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass
class Fetched:
    """One answer: 200 with its body, or 304 (not modified, empty body)."""

    url: str  # after redirects
    status: int
    body: bytes
    content_type: str  # media type, lower case, without parameters ("" when absent)
    charset: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def check_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host; FetchError otherwise. Other
    schemes (file:, ftp:, data:...) are refused: a feed must not make storyline read local
    files or talk other protocols."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in SCHEMES:
        shown = parts.scheme or "(none)"
        raise FetchError(f"unsupported URL scheme {shown!r}: only http and https are fetched")
    if not parts.hostname:
        raise FetchError("URL without a host")
    return url.strip()


def is_url(value: object) -> bool:
    """Whether an input names a URL (any ``scheme://``) rather than a file path: URLs are
    fetched (or refused, for schemes other than http and https), never looked up on disk."""
    text = str(value)
    head, sep, _rest = text.partition("://")
    return bool(sep) and head.isalpha() and len(head) > 1


class Fetcher:
    """One HTTP client with its politeness state (robots.txt per host, last request per
    host). Reuse one for many requests; ``close`` it (or use ``with``) when done."""

    def __init__(
        self,
        options: FetchOptions | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import httpx  # a core dependency; imported here so that reading files never loads it

        self.options = options or FetchOptions()
        opts = self.options
        self._clock, self._sleep = clock, sleep
        timeout = httpx.Timeout(opts.read_timeout, connect=opts.connect_timeout)
        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,  # followed here: each hop is checked (scheme, robots, limit)
            headers={"User-Agent": opts.user_agent},
        )
        self._last: dict[str, float] = {}  # host -> clock of its last request
        self._robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser | None]] = {}
        self.requests = 0  # made, robots.txt included: for tests and the watch summary

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET ``url`` following at most ``max_redirects`` redirects; FetchError on failure
        (robots.txt disallow, HTTP status >= 400, timeout, too large, bad scheme...)."""
        current = check_url(url)
        for _hop in range(self.options.max_redirects + 1):
            if self.options.robots and not self._allowed(current):
                raise FetchError(f"disallowed by robots.txt of {_origin(current)} (--ignore-robots to fetch)")
            headers: dict[str, str] = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            answer = self._request(current, headers)
            if isinstance(answer, Fetched):
                return answer
            current = check_url(answer)  # a redirect: its target, checked like the first URL
        raise FetchError(f"more than {self.options.max_redirects} redirects")

    # ------------------------------------------------------------------ one request

    def _request(self, url: str, headers: dict[str, str]) -> Fetched | str:
        """One request: the answer, or the URL a redirect points to."""
        import httpx

        self._wait_turn(url)
        start = self._clock()
        try:
            with self.client.stream("GET", url, headers=headers) as resp:
                if resp.status_code in _REDIRECTS:
                    target = resp.headers.get("Location")
                    if not target:
                        raise FetchError(f"HTTP {resp.status_code} redirect without a Location")
                    return urljoin(url, target)
                if resp.status_code == 304:
                    return self._answer(resp, b"")
                if resp.status_code >= 400:
                    phrase = f" {resp.reason_phrase}" if resp.reason_phrase else ""
                    raise FetchError(f"HTTP {resp.status_code}{phrase}", _retry_after(resp))
                return self._answer(resp, self._read_body(resp, start))
        except httpx.TimeoutException as exc:
            what = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for the answer"
            raise FetchError(f"timed out {what}") from None
        except httpx.TooManyRedirects:  # not raised with follow_redirects=False; kept for safety
            raise FetchError(f"more than {self.options.max_redirects} redirects") from None
        except httpx.ConnectError as exc:
            raise FetchError(f"cannot connect: {_first_line(exc) or 'connection refused'}") from None
        except httpx.DecodingError as exc:
            raise FetchError(f"could not decode the answer: {_first_line(exc)}") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {_first_line(exc) or 'connection failed'}") from None

    def _read_body(self, resp: httpx.Response, start: float) -> bytes:
        """The decoded body (gzip/deflate undone), read in chunks: stops at ``max_bytes``
        and at ``total_timeout``, whatever Content-Length claimed."""
        cap = self.options.max_bytes
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap and "Content-Encoding" not in resp.headers:
            raise FetchError(f"too large: {int(declared):,} bytes announced, the limit is {cap:,}")
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise FetchError(f"too large: more than {cap:,} bytes (stopped reading)")
            chunks.append(chunk)
            if self._clock() - start > self.options.total_timeout:
                raise FetchError(f"too slow: not done after {self.options.total_timeout:g} s")
        return b"".join(chunks)

    def _answer(self, resp: httpx.Response, body: bytes) -> Fetched:
        ctype, _sep, params = resp.headers.get("Content-Type", "").partition(";")
        charset = None
        for param in params.split(";"):
            key, _eq, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                charset = value.strip().strip("\"'")
        return Fetched(
            url=str(resp.url),
            status=resp.status_code,
            body=body,
            content_type=ctype.strip().lower(),
            charset=charset,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
        )

    def _wait_turn(self, url: str) -> None:
        """Sleep until this host's last request is ``host_delay`` (or its Crawl-delay) ago."""
        host = _origin(url)
        delay = self.options.host_delay
        cached = self._robots.get(host)
        if self.options.robots and cached and cached[1] is not None:
            crawl = cached[1].crawl_delay(self.options.user_agent)
            if crawl:
                delay = max(delay, min(float(crawl), self.options.max_crawl_delay))
        last = self._last.get(host)
        if last is not None:
            wait = last + delay - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last[host] = self._clock()
        self.requests += 1

    # ------------------------------------------------------------------ robots.txt

    def _allowed(self, url: str) -> bool:
        origin = _origin(url)
        now = self._clock()
        cached = self._robots.get(origin)
        if cached is None or now - cached[0] > self.options.robots_ttl:
            cached = (now, self._read_robots(origin))
            self._robots[origin] = cached
        rules = cached[1]
        return rules is None or rules.can_fetch(self.options.user_agent, url)

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        """The host's rules, as the standard library reads them: 401/403 disallow all, a
        missing file or any other failure allows all (None)."""
        rules = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            answer = self._robots_answer(origin + "/robots.txt")
        except FetchError as exc:
            if str(exc).startswith(("HTTP 401", "HTTP 403")):
                rules.parse(["User-agent: *", "Disallow: /"])
                return rules
            return None
        rules.parse(answer.body.decode(answer.charset or "utf-8", "replace").splitlines())
        return rules

    def _robots_answer(self, url: str) -> Fetched:
        current = url
        for _hop in range(self.options.max_redirects + 1):
            answer = self._request(current, {})
            if isinstance(answer, Fetched):
                return answer
            current = check_url(answer)
        raise FetchError("robots.txt: too many redirects")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


def _first_line(exc: Exception) -> str:
    """The exception's message on one line, without the ``[Errno -2]`` of socket errors."""
    text = str(exc).strip()
    return re.sub(r"^\[Errno -?\d+\]\s*", "", text.splitlines()[0]) if text else ""


# The fetcher that URL inputs of ``add`` and ``digest`` use (one per process, made on first
# use): ``configure`` sets its options before then (the CLI's --ignore-robots).
_default: Fetcher | None = None
_default_options = FetchOptions()


def configure(options: FetchOptions) -> None:
    """Use ``options`` for the shared fetcher from now on (closing the current one)."""
    global _default, _default_options
    _default_options = options
    if _default is not None:
        _default.close()
        _default = None


def shared_options() -> FetchOptions:
    """The options the shared fetcher uses (``configure`` changes them)."""
    return _default_options


def shared_fetcher() -> Fetcher:
    """The process's fetcher for URL inputs read through ``ingest.walk``."""
    global _default
    if _default is None:
        _default = Fetcher(_default_options)
    return _default
