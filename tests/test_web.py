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


def test_stories_page_lists_every_story_newest_first(client: TestClient, store: Store) -> None:
    page = client.get("/")
    assert page.status_code == 200
    body = page.text
    stories = store.stories()
    assert len(stories) >= 3
    positions = []
    for story in stories:
        assert f'href="/stories/{story.id}"' in body
        positions.append(body.index(f'href="/stories/{story.id}"'))
    last = {s.id: max((a.published or "") for a in store.articles(s.article_ids)) for s in stories}
    listed = [sid for _, sid in sorted(zip(positions, [s.id for s in stories], strict=True))]
    assert [last[s] for s in listed] == sorted(last.values(), reverse=True)
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
    app = create_app(copy, options=FAST)
    client = TestClient(app)
    good = (
        b"Ferry service to Port Tamsin resumes after grounding\n\n"
        b"Ferries to Port Tamsin sailed again on Saturday, two days after a ferry ran aground "
        b"near the pier, the harbour master said.\n\n"
        b"All 40 passengers taken ashore on Thursday were unhurt, the ferry company said.\n"
    )
    files = [("files", ("../My Ferry News!.txt", good, "text/plain")),
             ("files", ("broken.txt", b"\x00\x01\x02PK\x03\x04" * 200, "application/octet-stream"))]
    r = client.post("/add", files=files, data={"paths": str(tmp_path / "missing.html")},
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
    assert f'href="/stories/{job.stories[0]}"' in page
    with Store(copy) as s:
        assert s.article("My_Ferry_News_") is not None
        assert s.groups()["My_Ferry_News_"][0] in job.stories
    api = client.get(f"/api/jobs/{job_id}").json()
    assert api["status"] == "done" and len(api["errors"]) == 2


def test_add_form_refuses_empty_and_cross_site_posts(client: TestClient) -> None:
    assert client.get("/add").status_code == 200
    assert client.post("/add", data={"paths": "  "}).status_code == 400
    r = client.post("/add", data={"paths": "/etc/hostname"},
                    headers={"origin": "http://evil.example"}, follow_redirects=False)
    assert r.status_code == 403


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
