"""Live sources against a real HTTP server on 127.0.0.1: URL inputs of `add`, the fetcher's
limits and manners, and `storyline watch` (feeds that grow, failing and slow sources,
restarts, Ctrl-C). Every feed and page here is fictional, written for these tests."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from storyline import pipeline
from storyline.cli import main
from storyline.extract.entities import EntityOptions
from storyline.group import GroupOptions
from storyline.ingest import fetch
from storyline.ingest.fetch import Fetcher, FetchError, FetchOptions
from storyline.ingest.live import read_url
from storyline.model import IngestError
from storyline.options import Options
from storyline.store import open_store
from storyline.watch import STATE_KEY, Watcher, backoff, parse_every

PLACES = ["Norwell", "Carrow Bay", "Eastmere", "Haldon", "Pellow", "Ristow", "Tamsby", "Ulvic"]
THINGS = ["ferry", "library", "orchard", "tramline", "observatory", "granary", "lighthouse", "market"]


def article_html(n: int, title: str | None = None) -> str:
    """A fictional news page, distinct for each n: a title, site name, date and body."""
    place, thing = PLACES[n % len(PLACES)], THINGS[(n * 3) % len(THINGS)]
    title = title or f"{place} council votes on the {thing} plan, item {n}"
    paras = [
        f"The council of {place} voted {n + 5} to {n % 4} on Tuesday to approve the {thing} plan, "
        f"ending a debate that began {n + 2} years ago when residents first asked for it.",
        f"Supporters said the {thing} would bring {100 + n * 7} jobs to {place} and its neighbours, "
        f"while critics questioned the cost of {n + 3} million crowns set out in the budget.",
        f"Mayor Ilse Varga{n} told reporters that work on the {thing} would start in spring and "
        f"that a public meeting would be held in the old hall of {place} next month.",
        f"Residents interviewed outside the hall were divided: some welcomed the {thing}, others "
        f"said the money should go to roads and schools in the {place} district instead.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        "<!doctype html><html><head>"
        f"<title>{title}</title>"
        '<meta property="og:site_name" content="The Fictional Courier">'
        f'<meta property="article:published_time" content="2026-03-{(n % 27) + 1:02d}T09:00:00Z">'
        f"</head><body><nav>Home | World | Sport</nav><article><h1>{title}</h1>{body}</article>"
        "<footer>Copyright The Fictional Courier</footer></body></html>"
    )


@dataclass
class Site:
    """What the server serves; tests change it between polls (a feed that grows)."""

    items: list[int] = field(default_factory=lambda: [0, 1, 2])
    failures_left: int = 0  # /flaky.xml answers 500 this many times, then the feed
    missing: set[int] = field(default_factory=set)  # pages that answer 404
    log: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)  # path, status, headers
    lock: threading.Lock = field(default_factory=threading.Lock)
    base: str = ""

    def rss(self) -> bytes:
        entries = "".join(
            f"<item><title>Item {n} headline</title><link>{self.base}/a/{n}.html</link>"
            f"<guid>{self.base}/a/{n}.html</guid><pubDate>{formatdate(1772000000 + n * 86400, usegmt=True)}"
            f"</pubDate><description>Short summary of item {n} from the feed itself, about the "
            f"{THINGS[(n * 3) % len(THINGS)]} of {PLACES[n % len(PLACES)]} and what the council decided "
            f"there this week.</description></item>"
            for n in self.items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Fictional Courier</title><link>{self.base}/</link>{entries}</channel></rss>"
        ).encode()

    def json_feed(self) -> bytes:
        items = [
            {
                "id": f"j{n}",
                "url": f"{self.base}/a/{n}.html",
                "title": f"JSON item {n}",
                "date_published": "2026-04-02T10:00:00Z",
                "authors": [{"name": "Petra Lind"}],
            }
            for n in self.items
        ]
        doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Fictional JSON", "items": items}
        return json.dumps(doc).encode()


class Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        return None

    def send(
        self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8", **headers: str
    ) -> None:
        with self.site.lock:
            self.site.log.append((self.path, status, dict(self.headers)))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        if "Content_Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def feed(self, body: bytes, ctype: str) -> None:
        etag = '"' + hashlib.sha1(body).hexdigest()[:12] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send(304, ETag=etag)
            return
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            self.send(200, gzip.compress(body), ctype, ETag=etag, Content_Encoding="gzip")
        else:
            self.send(200, body, ctype, ETag=etag)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        site, path = self.site, self.path
        if path == "/robots.txt":
            self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif path == "/feed.xml":
            self.feed(site.rss(), "application/rss+xml")
        elif path == "/feed.json":
            self.feed(site.json_feed(), "application/feed+json")
        elif path == "/flaky.xml":
            with site.lock:
                fail = site.failures_left > 0
                site.failures_left -= fail
            if fail:
                self.send(500, b"oops")
            else:
                self.feed(site.rss(), "application/rss+xml")
        elif path.startswith("/a/") and path.endswith(".html"):
            n = int(path[3:-5])
            if n in site.missing:
                self.send(404, b"gone")
            else:
                self.send(200, article_html(n).encode())
        elif path == "/private/secret.html":
            self.send(200, article_html(99).encode())
        elif path == "/slow":
            time.sleep(2.0)
            self.send(200, article_html(50).encode())
        elif path.startswith("/loop/"):
            n = int(path[6:])
            self.send(302, Location=f"/loop/{n + 1}")
        elif path.startswith("/hop/"):
            n = int(path[5:])
            self.send(302, Location=f"/hop/{n - 1}") if n > 0 else self.send(200, article_html(60).encode())
        elif path == "/big-announced":
            self.send(200, b"<html>" + b"x" * 300_000, Content_Length="300006")
        elif path == "/big":
            # No Content-Length: the body ends when the connection closes (HTTP/1.0 style).
            with site.lock:
                site.log.append((path, 200, dict(self.headers)))
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                while True:  # endless: only a client that stops reading ends this answer
                    self.wfile.write(b"<p>" + b"y" * 10_000 + b"</p>")
            except OSError:
                with site.lock:
                    site.log.append(("/big stopped by the client", 0, {}))
        elif path == "/plain.bin":
            self.send(200, b"\x00\x01\x02binary", "application/octet-stream")
        else:
            self.send(404, b"not here")


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site()
    handler = type("SiteHandler", (Handler,), {"site": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


# No model to load (the default install's embedder, no spaCy): these tests are about fetching.
FAST = Options(group=GroupOptions(embedder="tfidf-hash"), entities=EntityOptions(use_spacy=False))


def new_db(tmp_path: Path) -> Path:
    """A store whose saved options are FAST: the CLI commands run with them."""
    db = tmp_path / "s.db"
    with open_store(db) as store:
        pipeline.save_options(store, FAST)
    return db


@pytest.fixture(autouse=True)
def quick_fetch() -> Iterator[None]:
    """The shared fetcher (URL inputs of add/digest) without the per-host pause."""
    fetch.configure(FetchOptions(host_delay=0.0))
    yield
    fetch.configure(FetchOptions())


def fetcher(**changes: Any) -> Fetcher:
    return Fetcher(FetchOptions(**{"host_delay": 0.0, **changes}))


def requests_for(site: Site, path: str) -> list[tuple[str, int, dict[str, str]]]:
    return [r for r in site.log if r[0] == path]


# --------------------------------------------------------------------------- URL inputs


def test_add_a_feed_url_fetches_each_entry_page(site: Site, tmp_path: Path) -> None:
    db = new_db(tmp_path)
    out = CliRunner().invoke(main, ["add", f"{site.base}/feed.xml", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "no such file" not in out.output
    with open_store(db, readonly=True) as store:
        arts = {a.url: a for a in store.articles()}
    assert set(arts) == {f"{site.base}/a/{n}.html" for n in site.items}
    art = arts[f"{site.base}/a/1.html"]
    assert art.title == "Item 1 headline"  # the feed's title for the entry
    assert art.outlet == "The Fictional Courier"  # from the page, as for a saved file
    assert art.published == "2026-02-26"  # the feed's date (pubDate 1772086400)
    assert "voted 6 to 1" in art.text and "Home | World" not in art.text
    # The pages came in gzip-free, the feed gzipped: both read.
    feed_req = requests_for(site, "/feed.xml")[0]
    assert "gzip" in feed_req[2].get("Accept-Encoding", "")
    assert "storyline/" in feed_req[2]["User-Agent"]


def test_add_a_page_url_reads_it_as_html(site: Site, tmp_path: Path) -> None:
    db = new_db(tmp_path)
    out = CliRunner().invoke(main, ["add", f"{site.base}/a/4.html", "--db", str(db)])
    assert out.exit_code == 0, out.output
    with open_store(db, readonly=True) as store:
        (art,) = store.articles()
    assert art.title == article_html(4).split("<title>")[1].split("</title>")[0]
    assert art.outlet == "The Fictional Courier" and art.published == "2026-03-05"
    assert art.url == f"{site.base}/a/4.html" and art.source == art.url


def test_json_feed(site: Site) -> None:
    site.items = [5, 6]
    records = list(read_url(f"{site.base}/feed.json", fetcher=fetcher()))
    assert [r.title for r in records if not isinstance(r, IngestError)] == ["JSON item 5", "JSON item 6"]
    assert all(not isinstance(r, IngestError) and r.byline == "Petra Lind" for r in records)
    assert all(not isinstance(r, IngestError) and r.published == "2026-04-02" for r in records)


def test_entry_page_failing_keeps_the_feed_text_and_says_so(site: Site) -> None:
    site.missing = {1}
    records = list(read_url(f"{site.base}/feed.xml", fetcher=fetcher()))
    errors = [r for r in records if isinstance(r, IngestError)]
    assert [e.path for e in errors] == [f"{site.base}/a/1.html"]
    assert "HTTP 404" in errors[0].error and "kept the feed entry's own text" in errors[0].error
    kept = [r for r in records if not isinstance(r, IngestError) and r.url == f"{site.base}/a/1.html"]
    assert kept and kept[0].html and "Short summary of item 1" in kept[0].html


def test_non_http_urls_are_refused(site: Site, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Not to be read through a URL.\n")
    db = new_db(tmp_path)
    out = CliRunner().invoke(main, ["add", f"file://{secret}", "ftp://127.0.0.1/x", "--db", str(db)])
    assert out.exit_code == 1
    assert "unsupported URL scheme 'file': only http and https are fetched" in out.output
    assert "unsupported URL scheme 'ftp'" in out.output
    assert "Traceback" not in out.output
    out = CliRunner().invoke(main, ["watch", "gopher://127.0.0.1/", "--once", "--db", str(db)])
    assert out.exit_code == 2 and "unsupported URL scheme 'gopher'" in out.output
    with pytest.raises(FetchError, match="only http and https"):
        fetcher().get("file:///etc/passwd")


def test_a_page_that_is_neither_feed_nor_html_is_one_error(site: Site) -> None:
    (err,) = list(read_url(f"{site.base}/plain.bin", fetcher=fetcher()))
    assert isinstance(err, IngestError) and "not a feed or a web page (application/octet-stream)" in err.error


# --------------------------------------------------------------------------- the fetcher


def test_conditional_get_is_answered_304(site: Site) -> None:
    with fetcher() as f:
        first = f.get(f"{site.base}/feed.xml")
        assert first.status == 200 and first.etag and b"<rss" in first.body  # gzip undone
        again = f.get(f"{site.base}/feed.xml", etag=first.etag)
    assert again.not_modified and again.body == b""
    assert [r[1] for r in requests_for(site, "/feed.xml")] == [200, 304]


def test_slow_answer_times_out(site: Site) -> None:
    with fetcher(read_timeout=0.3) as f, pytest.raises(FetchError, match="timed out waiting for the answer"):
        f.get(f"{site.base}/slow")


def test_redirects_followed_up_to_the_limit(site: Site) -> None:
    with fetcher(max_redirects=3) as f:
        assert f.get(f"{site.base}/hop/3").url == f"{site.base}/hop/0"
        with pytest.raises(FetchError, match="more than 3 redirects"):
            f.get(f"{site.base}/loop/0")
    assert len(requests_for(site, "/loop/3")) == 1 and not requests_for(site, "/loop/4")


def test_oversized_answers_are_cut_off(site: Site) -> None:
    with fetcher(max_bytes=100_000) as f:
        with pytest.raises(FetchError, match="too large: 300,006 bytes announced"):
            f.get(f"{site.base}/big-announced")
        with pytest.raises(FetchError, match=r"too large: more than 100,000 bytes \(stopped reading\)"):
            f.get(f"{site.base}/big")
    # The server, which would send for ever, saw the client hang up.
    deadline = time.time() + 5
    while time.time() < deadline and not requests_for(site, "/big stopped by the client"):
        time.sleep(0.05)
    assert requests_for(site, "/big stopped by the client")


def test_robots_txt_is_honoured_unless_ignored(site: Site, tmp_path: Path) -> None:
    url = f"{site.base}/private/secret.html"
    with fetcher() as f, pytest.raises(FetchError, match="disallowed by robots.txt"):
        f.get(url)
    assert not requests_for(site, "/private/secret.html")
    db = new_db(tmp_path)
    out = CliRunner().invoke(main, ["add", url, "--db", str(db)])
    assert out.exit_code == 1 and "disallowed by robots.txt" in out.output
    out = CliRunner().invoke(main, ["add", url, "--ignore-robots", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert len(requests_for(site, "/private/secret.html")) == 1


def test_per_host_delay_spaces_requests() -> None:
    slept: list[float] = []
    now = [100.0]
    f = Fetcher(FetchOptions(host_delay=2.0, robots=False), clock=lambda: now[0], sleep=slept.append)
    f._wait_turn("http://a.example/1")
    now[0] += 0.5
    f._wait_turn("http://a.example/2")
    f._wait_turn("http://b.example/1")
    f.close()
    assert slept == [1.5]


# --------------------------------------------------------------------------- watch


def test_every_parses_durations() -> None:
    assert [parse_every(t) for t in ("30s", "15m", "1h", "2d", "90")] == [30, 900, 3600, 172800, 90]
    with pytest.raises(ValueError):
        parse_every("soon")
    assert backoff(60, 0) == 60 and backoff(60, 1) == 120 and backoff(60, 3) == 480
    assert backoff(900, 20) == 6 * 3600


def stored(db: Path) -> list[Any]:
    with open_store(db, readonly=True) as store:
        return store.articles()


def test_watch_feed_grows_restarts_and_no_duplicates(site: Site, tmp_path: Path) -> None:
    db = new_db(tmp_path)
    feed = f"{site.base}/feed.xml"
    args = ["watch", feed, "--once", "--delay", "0", "--db", str(db)]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    assert f"feed {feed}: 3 new, 0 known" in out.output
    assert "watch stopped: 1 polls, 3 new articles, 0 failing sources" in out.output
    # Unchanged feed: a 304, no page fetched again.
    pages_before = sum(1 for r in site.log if r[0].startswith("/a/"))
    out = CliRunner().invoke(main, args)
    assert f"feed {feed}: not modified" in out.output, out.output
    assert sum(1 for r in site.log if r[0].startswith("/a/")) == pages_before
    # The feed grows: within one poll every new item is stored, the known ones not fetched.
    site.items += [3, 4]
    out = CliRunner().invoke(main, args)
    assert f"feed {feed}: 2 new, 3 known" in out.output, out.output
    assert [len(requests_for(site, f"/a/{n}.html")) for n in range(5)] == [1, 1, 1, 1, 1]
    arts = stored(db)
    assert sorted(a.url for a in arts) == [f"{site.base}/a/{n}.html" for n in range(5)]
    assert not [a for a in arts if a.duplicate_of]
    # A restart that has forgotten its state still adds nothing twice (content dedupe).
    with open_store(db) as store, store.writing():
        store.set_json(STATE_KEY, None)
    out = CliRunner().invoke(main, args)
    assert f"feed {feed}: 0 new, 5 known" in out.output, out.output
    assert len(stored(db)) == 5


def test_watch_json_feed_and_page_sources(site: Site, tmp_path: Path) -> None:
    db = new_db(tmp_path)
    site.items = [7]
    page = f"{site.base}/a/8.html"
    out = CliRunner().invoke(
        main, ["watch", f"{site.base}/feed.json", page, "--once", "--delay", "0", "--db", str(db)]
    )
    assert out.exit_code == 0, out.output
    assert f"feed {site.base}/feed.json: 1 new, 0 known" in out.output
    assert f"page {page}: 1 new, 0 known" in out.output
    out = CliRunner().invoke(main, ["watch", page, "--once", "--delay", "0", "--db", str(db)])
    assert f"page {page}: 0 new, 1 known" in out.output, out.output
    assert len(stored(db)) == 2


class FakeClock:
    """Time that passes only when the watcher sleeps: the schedule tested exactly."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_failing_source_backs_off_and_recovers(site: Site, tmp_path: Path) -> None:
    site.failures_left = 2
    flaky, good = f"{site.base}/flaky.xml", f"{site.base}/feed.json"
    clock, lines = FakeClock(), []
    with open_store(new_db(tmp_path)) as store, fetcher() as f:
        w = Watcher(
            store,
            [flaky, good, str(tmp_path / "gone")],
            FAST,
            f,
            60.0,
            say=lines.append,
            clock=clock,
            sleep=clock.sleep,
        )
        w.run(rounds=7)
        state = store.get_json(STATE_KEY)["sources"]
    flaky_lines = [line for line in lines if flaky in line]
    assert flaky_lines[0] == f"url {flaky}: failed: HTTP 500 Internal Server Error (retry in 2m)"
    assert flaky_lines[1] == f"url {flaky}: failed: HTTP 500 Internal Server Error (retry in 4m)"
    # Its entries link to the pages the JSON feed gave: known by URL, not fetched again.
    assert flaky_lines[2] == f"feed {flaky}: 0 new, 3 known"
    assert [len(requests_for(site, f"/a/{n}.html")) for n in range(3)] == [1, 1, 1]
    assert state[flaky]["failures"] == 0 and state[good]["failures"] == 0
    # Polled at 0, 2 and 6 minutes (backoff), while the good source was polled every minute.
    assert len(requests_for(site, "/flaky.xml")) == 3
    assert len([line for line in lines if good in line]) == 7
    assert state[str(tmp_path / "gone")]["failures"] >= 2
    assert any("no such file or folder" in line for line in lines)


def test_restarted_watch_resumes_its_schedule(site: Site, tmp_path: Path) -> None:
    db, feed = new_db(tmp_path), f"{site.base}/feed.xml"
    clock, lines = FakeClock(), []
    for _ in range(2):  # the second Watcher is a restart, 10 s later
        with open_store(db) as store, fetcher() as f:
            w = Watcher(store, [feed], FAST, f, 60.0, say=lines.append, clock=clock, sleep=clock.sleep)
            w.run(rounds=1)
        clock.now += 10
    assert lines[0] == f"feed {feed}: 3 new, 0 known"
    assert lines[-1] == "nothing due yet: next poll in 50s"
    assert len(requests_for(site, "/feed.xml")) == 1


def test_entry_without_page_or_text_is_retried_then_given_up(site: Site, tmp_path: Path) -> None:
    site.items = [0, 1]
    site.missing = {1}
    feed = f"{site.base}/feed.json"  # JSON items here carry no text of their own
    clock, lines = FakeClock(), []
    with open_store(new_db(tmp_path)) as store, fetcher() as f:
        w = Watcher(store, [feed], FAST, f, 60.0, say=lines.append, clock=clock, sleep=clock.sleep)
        for _ in range(4):
            w.poll_round(force=True)
            site.log.append(("poll", 0, {}))
            site.items.append(10 + len(site.items))  # the feed changes: no 304
    assert len(requests_for(site, "/a/1.html")) == 3  # MAX_ENTRY_TRIES, then given up
    assert any("HTTP 404" in line and "no text of its own" in line for line in lines)


def test_watch_folder_reads_new_and_changed_files(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "one.html").write_text(article_html(1))
    db = new_db(tmp_path)
    args = ["watch", str(inbox), "--once", "--db", str(db)]
    out = CliRunner().invoke(main, args)
    assert f"folder {inbox}: 1 new, 0 known" in out.output, out.output
    (inbox / "two.html").write_text(article_html(2))
    out = CliRunner().invoke(main, args)
    assert f"folder {inbox}: 1 new, 1 known" in out.output, out.output
    assert len(stored(db)) == 2


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_watch_cleanly(site: Site, tmp_path: Path) -> None:
    db = new_db(tmp_path)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from storyline.cli import run; run()",
            "watch",
            f"{site.base}/feed.xml",
            f"{site.base}/slow",
            "--every",
            "1s",
            "--delay",
            "0",
            "--db",
            str(db),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # Ctrl-C as a terminal sends it: a run started in the background (as CI may start
        # the tests) inherits SIGINT ignored, and the child would never see it.
        preexec_fn=_sigint_default,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the feed's poll; the slow page is being fetched now
    assert "3 new" in first, first + (proc.stderr.read() if proc.stderr else "")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert out.strip().splitlines()[-1].startswith("watch stopped: ")
    with open_store(db, readonly=True) as store:
        assert store.get_json(STATE_KEY)["sources"][f"{site.base}/feed.xml"]["etag"]
        assert len(store.articles()) == 3
