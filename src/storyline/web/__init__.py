"""``storyline serve``: a local web app to read stories, timelines and where sources differ.

Pages (server-rendered Jinja2, autoescaped, no JavaScript) and a JSON API under ``/api/``
that mirrors them (``/openapi.json``, and ``/docs``: the same, rendered as a page without any
asset from the network). Every request opens the store read-only
(``storyline.web.views.open_reader``), so the app keeps answering while ``storyline add``
writes in another process, and reads only what the page shows (lists are paged). ``/add``
takes uploads (capped while they are read), queues at most ``MAX_PENDING_JOBS`` jobs and
refuses POSTs from other sites (``guard``); server paths are read only inside a folder the
app was given. Binds 127.0.0.1 unless told otherwise.

Example::

    from pathlib import Path
    from storyline.web import create_app
    app = create_app(Path("storyline.db"))   # then: uvicorn.run(app, port=8765)
"""

from __future__ import annotations

import ipaddress
import logging
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from storyline.errors import InputError, StorylineError
from storyline.model import Article, Entity, Story
from storyline.options import Options
from storyline.pipeline import resolve_story_id, stored_options
from storyline.report import verdict_label
from storyline.store import StoryStore, is_store_url, open_store, store_label
from storyline.store.base import PAGE_COMPARISONS, PAGE_ENTITIES, PAGE_EVENTS
from storyline.web import feeds, views
from storyline.web.guard import RequestGuard, bad_characters, cross_site
from storyline.web.jobs import (
    MAX_PENDING_JOBS,
    MAX_UPLOAD_BYTES,
    Job,
    Jobs,
    QueueFull,
    new_upload_dir,
    parse_paths,
    save_uploads,
)

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
# Pages carry no script at all: even if escaping ever failed, injected markup could not run.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]
# Stories per page of the index, and the default and largest page of ``/api/stories``: a
# page costs its stories' articles (25 recent T17 stories: ~2,600 rows, ~25 ms), whatever
# the store's size (listing every story read every article: 14 s at 3k articles).
PAGE_SIZE = 25
API_PAGE_SIZE = 50
API_MAX_PAGE = 1000
# Comparisons shown on a story page (conflicts first, then in the story's order); the JSON
# has them all. The largest T17 story compares 591 figures: a page nobody reads to the end.
# (The store keeps what a page shows of a story apart from its whole JSON: ``PAGE_*``.)
MAX_COMPARISONS = PAGE_COMPARISONS
# ... and of each, the sources' values shown (one figure of that story has 200 sources), the
# events, and the articles per page of the story's article list.
MAX_VALUES = 8
MAX_EVENTS = PAGE_EVENTS
ARTICLES_PER_PAGE = 200
SEARCH_PAGE_SIZE = 50


# -- API models (the OpenAPI page documents these) ---------------------------------------------


class DayCount(BaseModel):
    date: str
    count: int


class StorySummary(BaseModel):
    id: str
    title: str
    first_date: str | None
    last_date: str | None
    n_articles: int
    n_duplicates: int
    outlets: list[str]
    per_day: list[DayCount]
    undated: int
    n_outlets: int = 0
    major: bool = False  # 3+ articles from 2+ outlets: listed first
    noise: str | None = None  # why the story is page furniture, not news


class ArticleSummary(BaseModel):
    id: str
    title: str | None
    outlet: str | None
    published: str | None
    duplicate_of: str | None
    story_id: str | None
    event_id: str | None
    url: str | None


class StoryDetail(BaseModel):
    summary: StorySummary
    story: Story
    articles: list[ArticleSummary]


class DateOut(BaseModel):
    text: str
    type: str
    value: str
    start: int
    end: int
    sentence: int | None


class QuantityOut(BaseModel):
    value: str
    number: float | None
    unit: str | None
    qualifier: str | None
    attribution: str | None
    date: str | None
    sentence_text: str
    sentence: int | None


class ArticleDetail(BaseModel):
    article: Article
    story_id: str | None
    event_id: str | None
    story_title: str | None
    copies: list[str]
    sentences: list[str]
    dates: list[DateOut] | None
    entities: list[Entity] | None
    quantities: list[QuantityOut] | None
    unavailable: dict[str, str]


class SearchHitOut(BaseModel):
    article: ArticleSummary
    story_title: str | None
    snippet: str


class SearchOut(BaseModel):
    query: str
    hits: list[SearchHitOut]


class JobErrorOut(BaseModel):
    path: str
    error: str


class JobOut(BaseModel):
    id: str
    status: str
    stage: str
    done: int
    total: int | None
    inputs: list[str]
    new: list[str]
    unchanged: list[str]
    renamed: dict[str, str]
    errors: list[JobErrorOut]
    stories: list[str]
    message: str | None


def _summary(row: views.StoryRow) -> StorySummary:
    return StorySummary(
        id=row.id, title=row.title, first_date=row.first_date, last_date=row.last_date,
        n_articles=row.n_articles, n_duplicates=row.n_duplicates, outlets=row.outlets,
        per_day=[DayCount(date=d, count=n) for d, n in row.coverage.per_day],
        undated=row.coverage.undated, n_outlets=row.n_outlets, major=row.major, noise=row.noise,
    )


def _brief(a: views.ArticleBrief) -> ArticleSummary:
    return ArticleSummary(**asdict(a))


def _job_out(job: Job) -> JobOut:
    return JobOut(**{k: v for k, v in asdict(job).items() if k in JobOut.model_fields})


# -- the app -------------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its extension: article text is untrusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = views.format_date
    env.filters["span"] = views.format_span
    env.filters["safe_url"] = _safe_url
    return env


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links become clickable; a ``javascript:`` URL in an article stays text."""
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None


def create_app(db: Path | str, *, allowed_hosts: list[str] | None = None,
               options: Options | None = None, local_folder: Path | None = None,
               max_upload_bytes: int = MAX_UPLOAD_BYTES,
               max_pending_jobs: int = MAX_PENDING_JOBS) -> FastAPI:
    """The web app over the store ``db`` (created empty if missing).

    ``allowed_hosts`` restricts the Host header (``serve`` passes the loopback names when it
    binds loopback, which stops DNS-rebinding pages from reading the store); None allows any.
    ``options`` are the ``Options`` used by add jobs and the article page (the store's saved
    options when None). ``local_folder``: the one folder whose files the add form may name
    by path (None: uploads only). ``max_upload_bytes`` caps a request's body as it is read;
    ``max_pending_jobs`` caps the add jobs queued (more get 429).
    """
    db = db if is_store_url(db) else Path(db)
    label = db.name if isinstance(db, Path) else store_label(db)  # never a URL's password
    with open_store(db) as first:  # create or validate once, with the write lock
        page_options = options or stored_options(first)
    app = FastAPI(
        title="storyline",
        summary="Read stories, timelines and where sources differ.",
        description="JSON twins of the web pages. Ids are those shown in page URLs.",
        version="1",
        docs_url=None,  # Swagger UI loads its scripts from a CDN: /docs is our own page
        redoc_url=None,
    )
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    app.add_middleware(RequestGuard, max_body=max_upload_bytes)
    env = _environment()
    jobs = Jobs(db, options, max_pending=max_pending_jobs)
    app.state.db = db
    app.state.jobs = jobs
    cookie = feeds.seen_cookie(label)

    def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(request=request, db=label, **context)
        return HTMLResponse(html, status_code=status_code)

    def reader() -> StoryStore:
        try:
            return views.open_reader(db)
        except InputError as exc:
            raise HTTPException(503, str(exc)) from None

    def error(request: Request, status: int, message: str,
              headers: dict[str, str] | None = None) -> Response:
        """An error as JSON under /api/, as a page elsewhere."""
        if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
            return JSONResponse({"detail": message}, status_code=status, headers=headers)
        titles = {400: "Bad request", 403: "Forbidden", 404: "Not found",
                  413: "Upload too large", 429: "Too many jobs", 503: "Store unavailable"}
        response = page(request, "error.html.j2", status_code=status,
                        title=titles.get(status, "Error"), message=message)
        response.headers.update(headers or {})
        return response

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        bad = bad_characters(request)
        response: Response = error(request, 400, bad) if bad else await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # same-origin: links to outlets carry no referrer, and the browser sends this
        # site's real Origin with its own form posts (no-referrer made it "null").
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("error serving %s", request.url.path)
        message = str(exc) if isinstance(exc, StorylineError) else \
            f"unexpected error ({type(exc).__name__}); see the server log"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=500)
        return page(request, "error.html.j2", status_code=500, title="Error", message=message)

    # -- pages ------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def stories_page(request: Request, q: str = "",
                     page_no: int = Query(1, alias="page", ge=1, le=10**6),
                     since: str = "", show_all: bool = Query(False, alias="all"),
                     date_from: str = Query("", alias="from"),
                     date_to: str = Query("", alias="to")) -> HTMLResponse:
        with reader() as store:
            if q.strip():
                found = views.search_all(store, q, SEARCH_PAGE_SIZE, offset=(page_no - 1) * SEARCH_PAGE_SIZE,
                                         since=views.iso_day(date_from), until=views.iso_day(date_to))
                return page(request, "search.html.j2", q=q, found=found, hits=found.articles,
                            page_no=page_no, per_page=SEARCH_PAGE_SIZE, date_from=date_from,
                            date_to=date_to)
            rows = views.story_rows(store, (page_no - 1) * PAGE_SIZE, PAGE_SIZE, noise=show_all)
            # "new": changed since ?since=, else since the last visit (a cookie per store)
            seen = views.mark_new(store, rows, feeds.baseline(since, request.cookies.get(cookie)))
            n_stories = store.count_listed(noise=show_all)
            n_hidden = store.count_stories() - n_stories
            n_articles = store.count_articles()
            n_errors = store.count_errors()
        pages = max(1, -(-n_stories // PAGE_SIZE))
        response = page(request, "stories.html.j2", q="", rows=rows, n_stories=n_stories,
                        n_articles=n_articles, n_errors=n_errors, page_no=page_no, pages=pages,
                        first=(page_no - 1) * PAGE_SIZE, show_all=show_all, n_hidden=n_hidden)
        if not since.strip():
            response.set_cookie(cookie, str(seen), max_age=400 * 86400, httponly=True, samesite="lax")
        return response

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(request: Request, story_id: str,
                   page_no: int = Query(1, alias="page", ge=1, le=10**6),
                   since: str = "", figures: str = "") -> Response:
        first = (page_no - 1) * ARTICLES_PER_PAGE
        with reader() as store:
            # Stored most important first; the rows compare marks `shown` (about 10) open
            # the table, the rest behind "show all" (?figures=all).
            view = views.story_view(store, story_id, first=first, count=ARTICLES_PER_PAGE,
                                    all_figures=figures == "all", max_comparisons=MAX_COMPARISONS,
                                    max_values=MAX_VALUES)
            current = resolve_story_id(store, story_id) if view is None else story_id
            news = views.story_news(store, story_id, feeds.baseline(since)) if view else None
        if view is None and current != story_id:  # merged into an older story: follow it
            return RedirectResponse(f"/stories/{quote(current, safe='')}", status_code=301)
        if view is None or view.page is None:
            raise HTTPException(404, f"no story {story_id!r} in this store")
        entities: dict[str, list[tuple[Entity, int]]] = {}
        for ent, n in zip(view.story.entities, view.page.entity_articles, strict=True):
            entities.setdefault(ent.label, []).append((ent, n))
        return page(request, "story.html.j2", q="", v=view, s=view.story, news=news,
                    comparisons=view.comparisons, n_comparisons=view.page.n_comparisons,
                    verdict=verdict_label, entities=entities, n_entities=view.page.n_entities,
                    max_values=MAX_VALUES, max_events=MAX_EVENTS, n_events=view.page.n_events,
                    max_entities=PAGE_ENTITIES, page_no=page_no, per_page=ARTICLES_PER_PAGE,
                    first=first)

    @app.get("/entities/{name:path}", response_class=HTMLResponse, include_in_schema=False)
    def entity_page(request: Request, name: str) -> HTMLResponse:
        with reader() as store:
            view = views.entity_view(store, name)
        if not view.stories:
            raise HTTPException(404, f"no story names {name!r} in this store")
        return page(request, "entity.html.j2", q="", e=view)

    @app.get("/articles/{article_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str, cite: str = "") -> Response:
        if cite:  # a comparison chip followed: find the quoted sentence, then show it
            with reader() as store:
                n = views.cited_sentence(store, article_id, cite)
            anchor = f"#s-{n}" if n else ""
            return RedirectResponse(f"/articles/{quote(article_id, safe='/~')}{anchor}",
                                    status_code=303)
        with reader() as store:
            view = views.article_view(store, article_id, options=page_options)
        if view is None:
            raise HTTPException(404, f"no article {article_id!r} in this store")
        return page(request, "article.html.j2", q="", v=view, a=view.article)

    def add_page(request: Request, status_code: int = 200, message: str | None = None) -> HTMLResponse:
        return page(request, "add.html.j2", status_code=status_code, q="", message=message,
                    folder=local_folder, max_mib=max_upload_bytes // 2**20)

    @app.get("/add", response_class=HTMLResponse, include_in_schema=False)
    def add_form(request: Request) -> HTMLResponse:
        return add_page(request)

    @app.post("/add", include_in_schema=False)
    async def add_submit(request: Request) -> Response:
        # Refusals come before a byte of the body is read: a forged post or a full queue
        # costs the server nothing, and never leaves an upload folder behind.
        refused = cross_site(request)
        if refused:
            raise HTTPException(403, refused)
        try:
            jobs.reserve()
        except QueueFull as exc:
            raise HTTPException(429, str(exc), headers={"Retry-After": "30"}) from None
        upload_dir: Path | None = None
        try:
            async with request.form(max_files=1000, max_fields=20) as form:
                uploads = [f for f in form.getlist("files")
                           if isinstance(f, StarletteUpload) and f.filename]
                raw = form.get("paths")
                raw_paths = raw if isinstance(raw, str) else ""
                if raw_paths.strip() and local_folder is None:
                    return add_page(request, 400, "This server reads uploaded files only; "
                                    "upload the files instead of naming paths.")
                paths, errors = parse_paths(raw_paths, local_folder) if local_folder else ([], [])
                if not uploads and not paths and not errors:
                    return add_page(request, 400, "Choose at least one file"
                                    + (", or paste at least one path." if local_folder else "."))
                if uploads:
                    upload_dir = new_upload_dir()
                    saved, upload_errors = await run_in_threadpool(  # copying must not block
                        save_uploads, [(u.filename or "", u.file) for u in uploads], upload_dir,
                        max_upload_bytes)
                    paths, errors = saved + paths, upload_errors + errors
            job = jobs.submit(paths, errors, upload_dir, reserved=True)
        except BaseException:
            jobs.release()
            if upload_dir is not None:
                shutil.rmtree(upload_dir, ignore_errors=True)
            raise
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    @app.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    def job_page(request: Request, job_id: str) -> HTMLResponse:
        job = jobs.get(job_id)
        if job is None:
            raise HTTPException(
                404, f"no job {job_id!r} (jobs are forgotten when the server stops)")
        titles: dict[str, str] = {}
        if not job.running and job.stories:
            with reader() as store:
                titles = {s.id: s.title for s in store.stories(job.stories)}
        return page(request, "job.html.j2", q="", job=job, titles=titles)

    feeds.register(app, reader)  # Atom feeds and /api/stories/ID/changes

    # -- API --------------------------------------------------------------------------------

    @app.get("/api/stories", response_model=list[StorySummary], tags=["stories"])
    def api_stories(offset: int = Query(0, ge=0),
                    limit: int = Query(API_PAGE_SIZE, ge=1, le=API_MAX_PAGE),
                    show_all: bool = Query(False, alias="all")) -> list[StorySummary]:
        """Stories ranked by coverage and recency (3+ articles from 2+ outlets first; noise
        stories only with ``all=1``), ``limit`` of them from ``offset`` (a page: ask for the
        next with ``offset + limit`` until fewer than ``limit`` come back), with their date
        span, outlets and articles per day."""
        with reader() as store:
            return [_summary(r) for r in views.story_rows(store, offset, limit, noise=show_all)]

    @app.get("/api/stories/{story_id}", response_model=StoryDetail, tags=["stories"],
             responses={404: {"description": "No such story"}})
    def api_story(story_id: str) -> Any:
        """One story: cited summary, timeline, comparisons, events, entities, its articles.
        A story merged into an older one redirects (301) to that one."""
        with reader() as store:
            view = views.story_view(store, story_id, chips=False)
            current = resolve_story_id(store, story_id) if view is None else story_id
        if view is None and current != story_id:
            return RedirectResponse(f"/api/stories/{quote(current, safe='')}", status_code=301)
        if view is None:
            raise HTTPException(404, f"no story {story_id!r} in this store")
        return StoryDetail(summary=_summary(view.row), story=view.story,
                           articles=[_brief(a) for a in view.articles])

    @app.get("/api/articles/{article_id:path}", response_model=ArticleDetail, tags=["articles"],
             responses={404: {"description": "No such article"}})
    def api_article(article_id: str, extract: bool = True) -> ArticleDetail:
        """One article: cleaned text and sentences (``#s-N`` anchors of the page count from 1),
        what cleaning removed, and its dates, entities and quantities (null when an extractor
        is not available, with the reason in ``unavailable``)."""
        with reader() as store:
            v = views.article_view(store, article_id, extract=extract, options=options)
        if v is None:
            raise HTTPException(404, f"no article {article_id!r} in this store")
        return ArticleDetail(
            article=v.article, story_id=v.story_id, event_id=v.event_id,
            story_title=v.story_title, copies=v.copies,
            sentences=[s.text for s in v.index.sentences],
            dates=[DateOut(**asdict(d)) for d in v.dates] if v.dates is not None else None,
            entities=v.entities,
            quantities=[QuantityOut(**asdict(q)) for q in v.quantities]
            if v.quantities is not None else None,
            unavailable=v.unavailable,
        )

    @app.get("/api/search", response_model=SearchOut, tags=["articles"])
    def api_search(q: str) -> SearchOut:
        """Full-text search (SQLite FTS5) over article titles and text, best match first."""
        with reader() as store:
            hits = views.search(store, q)
        return SearchOut(query=q, hits=[
            SearchHitOut(article=_brief(h.article), story_title=h.story_title,
                         snippet=h.snippet_text) for h in hits])

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        """The API described from its OpenAPI schema, server-rendered: works offline."""
        return page(request, "api.html.j2", q="", spec=app.openapi())

    @app.get("/api/jobs/{job_id}", response_model=JobOut, tags=["jobs"],
             responses={404: {"description": "No such job"}})
    def api_job(job_id: str) -> JobOut:
        """The state of an add-articles job started from ``/add``."""
        job = jobs.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return _job_out(job)

    return app


# -- serving -------------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or a StorylineError saying why not (port in use...)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise StorylineError(
            f"cannot listen on {host}:{port}: unknown host ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        hint = (f"; is another server running there? try --port {port + 1}"
                if exc.errno in (98, 48, 10048) else "")
        raise StorylineError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}") from None
    sock.set_inheritable(True)
    return sock


@contextmanager
def background_server(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run ``app`` in a thread for the ``with`` block; yields its base URL (a free port when
    ``port`` is 0). For browser tests and the screenshot script."""
    import uvicorn

    sock = bind(host, port)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        sock.close()
        raise StorylineError(f"the web server did not start on {host}:{sock.getsockname()[1]}")
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _warm_up() -> None:
    """Load the article page's extractors (spaCy: ~5 s) while the user opens the first page,
    so the first article they open answers as fast as the rest."""
    try:
        views.article_extractions(Article(id="warm-up", text="Reporters met in Paris on 3 May."))
    except Exception:  # noqa: BLE001 - warming up is an optimisation; the page reports failures
        pass


def serve(db: Path | str, host: str = "127.0.0.1", port: int = 8765,
          local_folder: Path | None = None) -> None:
    """Serve the web app over ``db`` until Ctrl+C; prints the URL to open. The add form
    takes uploads, and paths inside ``local_folder`` when one is given.

    Example: ``serve(Path("storyline.db"))`` then open http://127.0.0.1:8765/
    """
    try:
        import uvicorn
    except ImportError:
        from storyline.errors import MissingExtraError

        raise MissingExtraError("uvicorn", "web") from None
    allowed = LOOPBACK_NAMES if _is_loopback(host) else None
    app = create_app(db, allowed_hosts=allowed, local_folder=local_folder)
    sock = bind(host, port)
    real_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    print(f"storyline: serving {store_label(db)} at http://{shown}:{real_port}/  (Ctrl+C to stop)",
          flush=True)
    if not allowed:
        print(f"storyline: warning: {host} is not loopback; anyone who can reach this machine "
              "can read the store and add files", flush=True)
    threading.Thread(target=_warm_up, name="storyline-warm-up", daemon=True).start()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
