"""The web app (storyline serve) through FastAPI's TestClient, on a store built from the
bundled examples/news plus one article full of markup (the XSS probe)."""

from __future__ import annotations

import re
import socket
import sqlite3
import time
from pathlib import Path

import pytest
from markupsafe import escape

pytest.importorskip("fastapi")
pytest.importorskip("multipart")
from fastapi.testclient import TestClient  # noqa: E402 - after the importorskip guards

from storyline import pipeline  # noqa: E402
from storyline.errors import StorylineError  # noqa: E402
from storyline.extract.entities import EntityOptions  # noqa: E402
from storyline.group import GroupOptions  # noqa: E402
from storyline.model import Article, Removed  # noqa: E402
from storyline.store import Store  # noqa: E402
from storyline.text import split_sentences  # noqa: E402
from storyline.web import bind, create_app, serve  # noqa: E402
from storyline.web.jobs import safe_name  # noqa: E402
from storyline.web.views import SentenceIndex, coverage, format_span  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "news"
SCRIPT = "<script>window.__xss=1;alert(1)</script>"
IMG = '<img src=x onerror="window.__xss=1;alert(1)">'


def xss_article() -> Article:
    """An article whose every field carries markup that must be shown, never run."""
    text = (
        f"Residents of Port Tamsin said on Thursday that {SCRIPT} a ferry ran aground "
        "near the pier.\n"
        f"The harbour master said {IMG} that 40 passengers were taken ashore by lifeboat.\n"
        "A ferry company spokesman called the <b>bold</b> & <i>italic</i> rumours false."
    )
    return Article(
        id="xss-probe", text=text, raw_text="<iframe src=javascript:alert(1)></iframe>\n" + text,
        title=f"{SCRIPT}Ferry <b>aground</b> at Port Tamsin", outlet=f"{IMG}Tamsin Gazette",
        url="javascript:window.__xss=1", published="2025-03-20",
        removed=[Removed("<iframe src=javascript:alert(1)></iframe>", "boilerplate")],
    )


# The pipeline without its neural models (hashed TF-IDF grouping, rule-based entities): the
# same stories on examples/news and the seeds, in ~3 s instead of ~20 s of model loading.
# The web app only shows what the pipeline made; the models have their own tests.
FAST = pipeline.Options(group=GroupOptions(embedder="tfidf-hash"),
                        entities=EntityOptions(use_spacy=False))


def build_store(db: Path, paths: list[Path]) -> None:
    with Store(db) as store:
        result = pipeline.add(store, paths, FAST)
        extra = pipeline.add_articles(store, [xss_article()], options=FAST)
        pipeline.analyze(store, result.stories + extra.stories, FAST)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "web.db"
    build_store(path, [EXAMPLES])
    return path


@pytest.fixture(scope="module")
def client(db: Path) -> TestClient:
    return TestClient(create_app(db, options=FAST))


@pytest.fixture(scope="module")
def store(db: Path):
    with Store(db) as s:
        yield s


def test_stories_page_lists_every_story_ranked_by_coverage(client: TestClient, store: Store) -> None:
    page = client.get("/")
    assert page.status_code == 200
    body = page.text
    stories = store.stories()
    assert len(stories) >= 3
    positions = []
    for story in stories:
        assert f'href="/stories/{story.id}"' in body
        positions.append(body.index(f'href="/stories/{story.id}"'))
    listed = [sid for _, sid in sorted(zip(positions, [s.id for s in stories], strict=True))]
    # Stories with 3+ articles from 2+ outlets lead; within a tier, more outlets first.
    outlets = {s.id: len({a.outlet or a.url for a in store.articles(s.article_ids)}) for s in stories}
    sizes = {s.id: len(s.article_ids) for s in stories}
    major = [sid for sid in listed if sizes[sid] >= 3 and outlets[sid] >= 2]
    assert major and listed[: len(major)] == major
    assert [outlets[s] for s in major] == sorted((outlets[s] for s in major), reverse=True)
    assert "Smaller stories" in body or len(major) == len(listed)
    assert "last update" in body and "ranked by coverage and recency" in body
    dam = next(s for s in stories if "Verrin" in s.title)
    assert "8 – 11 Mar 2025" in body and "<svg class=\"coverage\"" in body
    assert f"{len(dam.article_ids)} articles" in body
    assert page.headers["content-security-policy"].startswith("default-src 'none'")


def test_story_page_links_citations_to_the_cited_sentence(client: TestClient, store: Store) -> None:
    dam = next(s for s in store.stories() if "Verrin" in s.title)
    body = client.get(f"/stories/{dam.id}").text
    for heading in ("Summary", "Timeline", "Where sources agree", "Events", "Articles"):
        assert heading in body
    for c in dam.summary:
        assert str(escape(c.text)) in body
    anchors = set(re.findall(r'href="/articles/([^"#]+)#s-(\d+)"', body))
    assert len(anchors) >= 5
    articles = {a.id: a for a in store.articles(dam.article_ids)}
    cited = [c.text for c in dam.summary] + [t.text for t in dam.timeline]
    exact = 0
    for aid, n in anchors:
        sentences = split_sentences(articles[aid].text)
        assert 1 <= int(n) <= len(sentences)
        exact += sentences[int(n) - 1].text in cited
    assert exact >= 3  # verbatim summary/timeline sentences land on themselves
    assert "changed over time" in body or "conflict" in body
    copies = [a for a in articles.values() if a.duplicate_of]
    for copy in copies:
        assert f'href="/articles/{copy.duplicate_of}"' in body
    assert "copy of" in body if copies else True


def test_comparison_chips_find_their_sentence_when_followed(client: TestClient, store: Store) -> None:
    from html import unescape
    from urllib.parse import unquote

    dam = next(s for s in store.stories() if "Verrin" in s.title)
    body = client.get(f"/stories/{dam.id}").text
    figures = {v.sentence[:300] for c in dam.comparisons for v in c.values}
    lazy = [h for h in re.findall(r'href="(/articles/[^"?#]+\?cite=[^"]+)"', body)
            if unquote(unescape(h).split("?cite=", 1)[1]) in figures]
    assert lazy  # comparison chips: placed when followed, not when the page is made
    texts = {a.id: a.text for a in store.articles(dam.article_ids)}
    for href in lazy[:5]:
        r = client.get(unescape(href), follow_redirects=False)
        assert r.status_code == 303
        target, _, n = r.headers["location"].partition("#s-")
        aid = unquote(target.removeprefix("/articles/"))
        cited = unquote(unescape(href).split("?cite=", 1)[1])
        assert n and split_sentences(texts[aid])[int(n) - 1].text.startswith(cited[:40])
    r = client.get("/articles/xss-probe?cite=nothing+like+this+at+all", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/articles/xss-probe"


def test_article_page_numbers_sentences_and_shows_removed(client: TestClient, store: Store) -> None:
    art = next(a for a in store.articles() if a.removed and not a.duplicate_of)
    body = client.get(f"/articles/{art.id}").text
    sentences = split_sentences(art.text)
    for i, s in enumerate(sentences, 1):
        assert f'<span class="sent" id="s-{i}">{escape(s.text)}</span>' in body
    assert f'id="s-{len(sentences) + 1}"' not in body
    for r in art.removed:
        assert f"removed · {r.reason}" in body
    for section in ("Dates", "Entities", "Figures"):
        assert f"<h2>{section}</h2>" in body
    assert "not available" not in body


def test_article_page_survives_a_failing_extractor(client: TestClient, store: Store,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import storyline.extract.claims

    def broken(article: Article) -> list:
        raise RuntimeError("extractor under construction")

    monkeypatch.setattr(storyline.extract.claims, "extract_quantities", broken)
    aid = store.articles()[0].id
    page = client.get(f"/articles/{aid}")
    assert page.status_code == 200 and "not available" in page.text
    data = client.get(f"/api/articles/{aid}").json()
    assert data["quantities"] is None
    assert "extractor under construction" in data["unavailable"]["quantities"]
    assert data["dates"] is not None


def test_search_finds_articles_and_their_stories(client: TestClient, store: Store) -> None:
    body = client.get("/", params={"q": "e-bikes"}).text
    hits = re.findall(r'href="/articles/([^"]+)"', body)
    assert hits and all("quillon" in h or "tech-ledger" in h for h in hits)
    story = store.groups()[hits[0]][0]
    assert f'href="/stories/{story}"' in body and "<mark>" in body
    data = client.get("/api/search", params={"q": "spillway"}).json()
    ids = [h["article"]["id"] for h in data["hits"]]
    assert "valley-courier-0308" in ids and all(h["article"]["story_id"] for h in data["hits"])
    assert client.get("/api/search", params={"q": "zyzzyva"}).json()["hits"] == []
    assert "Nothing found" in client.get("/", params={"q": "zyzzyva"}).text


def test_search_stems_finds_stories_and_entities_filters_dates_and_pages(
        client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import storyline.web

    def articles(body: str) -> list[str]:
        return re.findall(r'class="title" href="/articles/([^"]+)"', body)

    plain = articles(client.get("/", params={"q": "spillway"}).text)
    assert "valley-courier-0308" in plain
    assert articles(client.get("/", params={"q": "spillways"}).text) == plain  # stemmed
    dam = next(s for s in store.stories() if "Verrin" in s.title)
    body = client.get("/", params={"q": "Verrin"}).text
    assert f'class="title" href="/stories/{dam.id}"' in body.split("<h2>Articles</h2>")[0]
    named = next(e for e in dam.entities if len(e.name) > 4)
    body = client.get("/", params={"q": named.name}).text
    assert "People, places, organisations" in body and 'href="/entities/' in body
    dated = {a.id: a.published for a in store.articles(plain)}
    later = articles(client.get("/", params={"q": "spillway", "from": "2025-03-10"}).text)
    assert later == [i for i in plain if (dated[i] or "") >= "2025-03-10"] and len(later) < len(plain)
    monkeypatch.setattr(storyline.web, "SEARCH_PAGE_SIZE", 2)
    first = client.get("/", params={"q": "spillway"}).text
    second = client.get("/", params={"q": "spillway", "page": 2}).text
    assert articles(first) + articles(second) == plain[:4] and 'rel="next"' in first


def test_api_mirrors_the_pages(client: TestClient, store: Store) -> None:
    listed = client.get("/api/stories").json()
    assert {s["id"] for s in listed} == {s.id for s in store.stories()}
    dam = next(s for s in listed if "Verrin" in s["title"])
    assert dam["first_date"] == "2025-03-08" and sum(d["count"] for d in dam["per_day"]) >= 4
    detail = client.get(f"/api/stories/{dam['id']}").json()
    assert detail["story"]["id"] == dam["id"] and detail["story"]["summary"]
    assert [a["id"] for a in detail["articles"]] == detail["story"]["article_ids"]
    aid = detail["story"]["article_ids"][0]
    art = client.get(f"/api/articles/{aid}").json()
    assert art["article"]["id"] == aid and art["story_id"] == dam["id"]
    assert art["sentences"] == [s.text for s in split_sentences(store.article(aid).text)]
    assert any(d["type"] == "DATE" for d in art["dates"])
    assert art["quantities"] and art["entities"]
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/stories", "/api/stories/{story_id}", "/api/articles/{article_id}",
              "/api/search", "/api/jobs/{job_id}"):
        assert p in paths


def test_unknown_ids_are_404_in_json_and_html(client: TestClient) -> None:
    for url in ("/api/stories/nope", "/api/articles/nope", "/api/jobs/nope"):
        r = client.get(url)
        assert r.status_code == 404 and "nope" in r.json()["detail"]
    for url in ("/stories/nope", "/articles/nope", "/jobs/nope"):
        r = client.get(url)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert "Not found" in r.text


def test_markup_in_articles_is_escaped(client: TestClient, store: Store) -> None:
    sid = store.groups()["xss-probe"][0]
    for url in ("/articles/xss-probe", f"/stories/{sid}", "/?q=Tamsin", "/"):
        body = client.get(url).text
        assert "<script>window" not in body and "<img src=x" not in body
        assert "<b>aground" not in body
        assert "<iframe" not in body and 'href="javascript:' not in body
    body = client.get("/articles/xss-probe").text
    assert str(escape(SCRIPT)) in body and str(escape(IMG)) in body
    assert "javascript:window.__xss=1" in body  # the URL is shown as text, not linked


def test_reads_while_another_connection_holds_the_write_lock(db: Path, client: TestClient) -> None:
    with Store(db) as writer, writer.writing():
        writer.conn.execute("UPDATE meta SET value = value WHERE key = 'store_version'")
        start = time.monotonic()
        assert client.get("/").status_code == 200
        assert client.get("/api/articles/xss-probe?extract=false").status_code == 200
        assert time.monotonic() - start < 5


def test_upload_adds_good_files_and_reports_bad_ones(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    app = create_app(copy, options=FAST, local_folder=tmp_path)
    client = TestClient(app, headers={"origin": "http://testserver"})
    good = (
        b"Ferry service to Port Tamsin resumes after grounding\n\n"
        b"Ferries to Port Tamsin sailed again on Saturday, two days after a ferry ran aground "
        b"near the pier, the harbour master said.\n\n"
        b"All 40 passengers taken ashore on Thursday were unhurt, the ferry company said.\n"
    )
    files = [("files", ("../My Ferry News!.txt", good, "text/plain")),
             ("files", ("broken.txt", b"\x00\x01\x02PK\x03\x04" * 200, "application/octet-stream"))]
    r = client.post("/add", files=files, data={"paths": "missing.html\n/etc\n../../etc/hostname"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    job_id = r.headers["location"].rsplit("/", 1)[1]
    job = app.state.jobs.wait(job_id, timeout=120)
    assert job is not None and job.status == "done", job
    assert job.new == ["My_Ferry_News_"]
    page = client.get(f"/jobs/{job_id}").text
    assert 'http-equiv="refresh"' not in page
    assert re.search(r"uploaded broken\.txt</code>: binary file", page)
    assert "missing.html</code>: no such file" in page
    assert "<code>/etc</code>: outside" in page and "etc/hostname</code>: outside" in page
    assert f'href="/stories/{job.stories[0]}"' in page
    with Store(copy) as s:
        assert s.article("My_Ferry_News_") is not None
        assert s.groups()["My_Ferry_News_"][0] in job.stories
    api = client.get(f"/api/jobs/{job_id}").json()
    assert api["status"] == "done" and len(api["errors"]) == 4


def test_add_form_refuses_empty_and_cross_site_posts(client: TestClient) -> None:
    assert client.get("/add").status_code == 200
    same = {"origin": "http://testserver"}
    assert client.post("/add", files={"files": ("", b"")}, headers=same).status_code == 400
    assert client.post("/add", files={"files": ("", b"")},
                       headers={"referer": "http://testserver/add"}).status_code == 400
    forged = [{"origin": "http://evil.example"}, {"origin": "null"}, {},
              {"referer": "http://evil.example/x"}, {**same, "sec-fetch-site": "cross-site"},
              {"origin": "http://testserver.evil.example"}]
    for headers in forged:
        r = client.post("/add", files={"files": ("a.txt", b"Some text.")}, headers=headers,
                        follow_redirects=False)
        assert r.status_code == 403, headers
        assert "refused" in r.text
    assert client.app.state.jobs.max_pending - client.app.state.jobs._pending > 0  # none queued


def test_server_paths_are_not_read_without_a_folder(client: TestClient, store: Store) -> None:
    before = store.count_articles()
    assert "paths" not in client.get("/add").text  # no such field on the form
    r = client.post("/add", data={"paths": "/etc"}, headers={"origin": "http://testserver"},
                    follow_redirects=False)
    assert r.status_code == 400 and "uploaded files only" in r.text
    assert store.count_articles() == before


def test_the_job_queue_is_bounded(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile
    import threading

    from storyline.web.jobs import Jobs

    release = threading.Event()
    monkeypatch.setattr(Jobs, "_pipeline", lambda self, job, paths, upload_dir: release.wait(30))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = create_app(db, options=FAST, max_pending_jobs=2)
    client = TestClient(app, headers={"origin": "http://testserver"})
    threads = threading.active_count()
    try:
        codes = [client.post("/add", files={"files": (f"a{i}.txt", b"Some news text.")},
                             follow_redirects=False).status_code for i in range(5)]
        assert codes == [303, 303, 429, 429, 429]
        r = client.post("/add", files={"files": ("b.txt", b"x")})
        assert r.status_code == 429 and "try again when one has finished" in r.text
        assert r.headers["retry-after"]
        assert len(list(tmp_path.glob("storyline-upload-*"))) == 2  # none for refused posts
        assert threading.active_count() <= threads + 1  # one worker, not a thread per job
    finally:
        release.set()
    for job_id in list(app.state.jobs._jobs):
        assert app.state.jobs.wait(job_id, 10).status == "done"
    assert client.post("/add", files={"files": ("c.txt", b"x")},
                       follow_redirects=False).status_code == 303  # places given back
    assert app.state.jobs.wait(list(app.state.jobs._jobs)[-1], 10).status == "done"
    assert list(tmp_path.glob("storyline-upload-*")) == []


def test_control_characters_and_overlong_queries_are_400(client: TestClient) -> None:
    for url in ("/?q=%00", "/?q=dam%00", "/?q=a%1fb", "/stories/s%00x", "/articles/a%00",
                "/?q=" + "dam " * 300):
        r = client.get(url)
        assert r.status_code == 400 and "text/html" in r.headers["content-type"], url
    for url in ("/api/search?q=%00", "/api/articles/x%07y", "/api/stories/%00"):
        r = client.get(url)
        assert r.status_code == 400 and ("control characters" in r.json()["detail"]), url
    assert client.get("/api/search", params={"q": "dam\u00e9 spillway"}).status_code == 200


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    for url in ("/", "/api/stories", "/add", "/docs"):
        get, head = client.get(url), client.head(url)
        assert head.status_code == 200 and head.content == b"", url
        assert head.headers["content-type"] == get.headers["content-type"]
    assert client.head("/stories/nope").status_code == 404


def test_api_docs_work_offline(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200 and r.headers["content-security-policy"].startswith("default-src 'none'")
    for path in ("/api/stories", "/api/stories/{story_id}", "/api/search", "/api/jobs/{job_id}"):
        assert f"<code>{path}</code>" in r.text
    assert "<script" not in r.text and "cdn" not in r.text.lower()
    assert "offset" in r.text and client.get("/redoc").status_code == 404


def test_story_lists_are_paged(client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import storyline.web

    every = [s["id"] for s in client.get("/api/stories").json()]
    assert len(every) >= 3 and set(every) == {s.id for s in store.stories()}
    pages = [client.get("/api/stories", params={"offset": o, "limit": 2}).json()
             for o in range(0, len(every), 2)]
    assert [s["id"] for p in pages for s in p] == every and all(len(p) <= 2 for p in pages)
    for bad in ({"limit": 0}, {"limit": 5000}, {"offset": -1}):
        assert client.get("/api/stories", params=bad).status_code == 422
    monkeypatch.setattr(storyline.web, "PAGE_SIZE", 2)
    first, second = client.get("/").text, client.get("/?page=2").text
    on = [re.findall(r'class="title" href="/stories/([^"]+)"', b) for b in (first, second)]
    assert on == [every[:2], every[2:4]]
    assert 'href="/?page=2" rel="next"' in first and 'href="/?page=1" rel="prev"' in second
    assert f"{len(every)} stories from" in second
    assert "No stories on page 99" in client.get("/?page=99").text


def test_pages_read_only_what_they_show(client: TestClient, store: Store,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """No page reads a whole table or decodes every story: those reads fail here."""
    def whole(name: str):  # type: ignore[no-untyped-def]
        def refuse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            if name in ("articles", "stories") and (args or kwargs):
                return real[name](self, *args, **kwargs)  # by id: allowed
            raise AssertionError(f"a page called Store.{name}() over the whole store")
        return refuse

    dam = next(s for s in store.stories() if "Verrin" in s.title)
    names = ("article_rows", "groups", "stories", "articles", "errors", "signatures")
    real = {n: getattr(Store, n) for n in names}
    for name in names:
        monkeypatch.setattr(Store, name, whole(name))
    for url in ("/", "/api/stories", f"/stories/{dam.id}", f"/api/stories/{dam.id}",
                "/articles/xss-probe", "/api/articles/xss-probe", "/?q=spillway",
                "/api/search?q=spillway"):
        assert client.get(url).status_code == 200, url


def test_pages_decode_no_whole_story_and_list_rows_read_no_article(
        client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index, a story page and a search read the projections stored with each story
    (outline, page, names), never a story's whole JSON nor, for list rows, its articles."""
    dam = next(s for s in store.stories() if "Verrin" in s.title)
    expected = client.get(f"/stories/{dam.id}").text

    def refuse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a page decoded a whole story or read every article of a row")

    for name in ("story", "stories", "story_article_rows"):
        monkeypatch.setattr(Store, name, refuse)
    for url in ("/", "/api/stories", f"/stories/{dam.id}", "/?q=spillway", "/?q=Verrin"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/stories/{dam.id}").text == expected


def test_story_page_pages_its_articles(client: TestClient, store: Store,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import storyline.web

    dam = next(s for s in store.stories() if "Verrin" in s.title)
    assert len(dam.article_ids) >= 3
    monkeypatch.setattr(storyline.web, "ARTICLES_PER_PAGE", 2)
    first, second = (client.get(f"/stories/{dam.id}", params={"page": n}).text for n in (1, 2))
    rows = [re.findall(r'<tr id="a-([^"]+)"', body) for body in (first, second)]
    assert rows == [dam.article_ids[:2], dam.article_ids[2:4]]
    assert f"articles 1–2 of {len(dam.article_ids)}" in first and 'rel="next"' in first
    assert f"articles 3–{min(4, len(dam.article_ids))} of {len(dam.article_ids)}" in second
    # the header and the coverage-by-outlet table still count every article
    for body in (first, second):
        assert f"{len(dam.article_ids)} articles" in body
        table = body.split('id="outlets"')[1].split('id="events"')[0]
        counts = re.findall(r'<td class="n">(\d+)</td>', table)
        assert sum(map(int, counts)) == len(dam.article_ids)


def test_uploads_are_capped_while_they_are_read(db: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Through a real server: a declared 3,000 MiB body is refused before it is sent; a
    chunked one (no declared size) as soon as it passes the cap; neither leaves files."""
    import select
    import tempfile

    from storyline.web import background_server

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = create_app(db, options=FAST, max_upload_bytes=2**20)
    with background_server(app) as url:
        host = url.removeprefix("http://")
        head = (f"POST /add HTTP/1.1\r\nHost: {host}\r\nOrigin: {url}\r\n"
                "Content-Type: multipart/form-data; boundary=XyZ\r\n")
        part = (b'--XyZ\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n'
                b"Content-Type: text/plain\r\n\r\n")
        with socket.create_connection(("127.0.0.1", int(host.rsplit(":", 1)[1])), timeout=10) as sock:
            start = time.monotonic()
            sock.sendall((head + f"Content-Length: {3000 * 2**20}\r\n\r\n").encode() + part)
            answer = sock.recv(4096).decode("latin-1")
            assert answer.startswith("HTTP/1.1 413") and time.monotonic() - start < 5
        with socket.create_connection(("127.0.0.1", int(host.rsplit(":", 1)[1])), timeout=10) as sock:
            sock.sendall((head + "Transfer-Encoding: chunked\r\n\r\n").encode())
            chunk = part + b"news " * 13107  # 64 KiB a chunk
            sent = 0
            answered = False
            while sent < 64 * 2**20 and not answered:
                try:
                    sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                except OSError:
                    break  # the server closed the connection after answering
                sent += len(chunk)
                answered = bool(select.select([sock], [], [], 0)[0])
                chunk = b"news " * 13107
            # Refused near the 1 MiB cap: what was sent beyond it sat in the kernel's socket
            # buffers (several MiB on loopback), never read by the server.
            assert sent < 16 * 2**20
            answer = b""
            while b"larger than" not in answer and (more := sock.recv(65536)):
                answer += more
            assert answer.startswith(b"HTTP/1.1 413") and b"larger than 1 MiB" in answer
    assert list(tmp_path.glob("storyline-upload-*")) == []
    assert app.state.jobs._pending == 0


def test_serve_reports_a_port_in_use(db: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(StorylineError, match=rf"127.0.0.1:{port}.*try --port {port + 1}"):
            bind("127.0.0.1", port)
        with pytest.raises(StorylineError, match="cannot listen"):
            serve(db, port=port)


def test_helpers() -> None:
    cov = coverage(["2025-03-08", "2025-03-08", "2025-03-10", None])
    assert cov.per_day == [("2025-03-08", 2), ("2025-03-10", 1)] and cov.undated == 1
    assert [b.count for b in cov.bars] == [2, 1] and cov.bars[0].height > cov.bars[1].height
    assert coverage(["2025-01-01", "2025-12-31"]).bin_days > 1
    assert format_span("2025-03-08", "2025-03-11") == "8 – 11 Mar 2025"
    assert format_span(None, None) == "undated"
    assert safe_name("../../etc/pass wd.txt") == "pass_wd.txt"
    assert safe_name("C:\\x\\.hidden.html") == "hidden.html" and safe_name("") == "upload"
    text = "First one here. Second sentence is longer.\nThird."
    index = SentenceIndex(Article(id="a", text=text))
    assert index.locate("Second sentence is longer.") == 2
    assert index.locate("second  sentence is longer") == 2
    assert index.locate("Nothing like it at all in the text") is None
    assert index.at(0) == 1 and index.at(20) == 2


def test_empty_and_unusable_stores(tmp_path: Path) -> None:
    client = TestClient(create_app(tmp_path / "new.db", options=FAST))
    body = client.get("/").text
    assert "0 stories from 0 articles" in body and 'href="/add"' in body
    assert client.get("/api/stories").json() == []
    bad = tmp_path / "notes.db"
    bad.write_text("not a database\n" * 100)
    with pytest.raises(StorylineError, match="notes.db"):
        create_app(bad)
