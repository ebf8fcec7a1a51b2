"""The web app in a real browser (Debian's Chromium through Playwright, never a download):
a citation chip jumps to the cited sentence, and article markup never executes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("STORYLINE_CHROMIUM", "/usr/bin/chromium")
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"{CHROMIUM} not found (apt-get install chromium) - browser tests skipped", allow_module_level=True
    )
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
playwright_api = pytest.importorskip("playwright.sync_api")

from storyline import pipeline  # noqa: E402 - after the skip guards
from storyline.extract.entities import EntityOptions  # noqa: E402
from storyline.group import GroupOptions  # noqa: E402
from storyline.store import Store  # noqa: E402
from storyline.text import split_sentences  # noqa: E402
from storyline.web import background_server, create_app  # noqa: E402
from test_web import IMG, SCRIPT, xss_article  # noqa: E402 - one hostile article for both files

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Same stories as the full models on the seeds, without ~20 s of model loading (see test_web).
FAST = pipeline.Options(group=GroupOptions(embedder="tfidf-hash"), entities=EntityOptions(use_spacy=False))


@pytest.fixture(scope="module")
def site(seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    db = tmp_path_factory.mktemp("browser") / "seeds.db"
    with Store(db) as store:
        result = pipeline.add(store, [seeds], FAST)
        extra = pipeline.add_articles(store, [xss_article()], options=FAST)
        pipeline.analyze(store, result.stories + extra.stories, FAST)
    with background_server(create_app(db, options=FAST)) as url:
        yield url, db


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_citation_chip_opens_the_cited_sentence(site: tuple[str, Path], seeds: Path, browser) -> None:  # type: ignore[no-untyped-def]
    url, db = site
    seed_ids = {p.stem for p in seeds.iterdir()}
    with Store(db) as store:
        story = max(store.stories(), key=lambda s: len(seed_ids & set(s.article_ids)))
        texts = {a.id: a.text for a in store.articles(story.article_ids)}
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.goto(url + "/")
    assert page.locator("h1").inner_text() == "Stories"
    page.locator(f"a.title[href='/stories/{story.id}']").click()
    page.wait_for_url(f"**/stories/{story.id}")
    assert page.locator("h1").inner_text() == story.title
    chip = page.locator("ol.summary a.chip[href*='#s-']").first
    href = chip.get_attribute("href")
    assert href
    chip.click()
    page.wait_for_url("**/articles/**")
    aid, n = href.split("/articles/", 1)[1].split("#s-")
    assert page.url.endswith(href)
    target = page.locator(":target")
    assert target.get_attribute("id") == f"s-{n}"
    assert target.inner_text() == split_sentences(texts[aid])[int(n) - 1].text
    assert target.is_visible()
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < 800  # scrolled into view
    highlight = target.evaluate("e => getComputedStyle(e).backgroundColor")
    assert highlight not in ("rgba(0, 0, 0, 0)", "transparent")
    page.close()


def test_article_markup_never_executes(site: tuple[str, Path], browser) -> None:  # type: ignore[no-untyped-def]
    url, db = site
    with Store(db) as store:
        story_id = store.groups()["xss-probe"][0]
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ("/articles/xss-probe", f"/stories/{story_id}", "/?q=Tamsin", "/"):
        page.goto(url + path)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__xss") == "undefined", path
        assert page.locator("main img, main script, main iframe, main i").count() == 0, path
        bold = page.locator("main b").all_inner_texts()  # the story page bolds event titles
        assert not [b for b in bold if b in ("bold", "aground")], path
    page.goto(url + "/articles/xss-probe")
    text = page.locator("main").inner_text()
    assert SCRIPT in text and IMG in text and "<b>bold</b> & <i>italic</i>" in text
    assert page.locator("h1").inner_text() == f"{SCRIPT}Ferry <b>aground</b> at Port Tamsin"
    assert page.locator("a[href^='javascript:']").count() == 0
    assert dialogs == []
    page.close()


def test_the_add_form_posts_from_the_browser(site: tuple[str, Path], browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The form's own POST passes the cross-site check: the browser sends this site's
    Origin (not "null", as it did under Referrer-Policy: no-referrer)."""
    url, _ = site
    upload = tmp_path / "ferry-update.txt"
    upload.write_text("Ferry service resumes\n\nFerries to Port Tamsin sailed again on Saturday, "
                      "the harbour master said.\n", encoding="utf-8")
    page = browser.new_page()
    page.goto(url + "/add")
    assert page.locator("textarea[name=paths]").count() == 0  # uploads only
    page.locator("input[type=file]").set_input_files(str(upload))
    page.locator("form.add button[type=submit]").click()
    page.wait_for_url("**/jobs/**")
    assert page.locator("h1").inner_text().startswith(("Adding articles", "Articles added"))
    page.close()
