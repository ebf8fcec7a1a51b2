"""Screenshots of the web app for the docs: stories, story and article pages.

Builds a store from the bundled ``examples/news`` (project-written articles, so no third-party
text ends up in the images) unless ``--db`` names one, serves it on a free local port and
photographs the pages with Debian's Chromium through Playwright (no browser download).

    python docs/make_screenshots.py                # writes docs/screenshots/*.png
    python docs/make_screenshots.py --db my.db --out /tmp/shots
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def build_store(db: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from storyline import pipeline
    from storyline.store import Store

    with Store(db) as store:
        result = pipeline.add(store, [REPO / "examples" / "news"])
        pipeline.analyze(store, result.stories)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="store to show (default: built from examples/news)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--width", type=int, default=1200)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    from storyline.web import background_server, create_app

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "screens.db"
        if args.db is None:
            build_store(db)
        args.out.mkdir(parents=True, exist_ok=True)
        with background_server(create_app(db)) as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": 900})
            page.goto(url + "/")
            page.screenshot(path=str(args.out / "stories.png"), full_page=True)
            # The story with the most articles, then the first located citation chip.
            links = page.eval_on_selector_all("ul.stories a.title", "els => els.map(e => e.href)")
            counts = [int(re.search(r"(\d+) article", t).group(1))  # type: ignore[union-attr]
                      for t in page.locator("ul.stories .what .meta").all_inner_texts()]
            page.goto(links[counts.index(max(counts))])
            page.screenshot(path=str(args.out / "story.png"), full_page=True)
            page.locator("a.chip[href*='#s-']").first.click()
            page.wait_for_load_state()
            page.screenshot(path=str(args.out / "article.png"), full_page=True)
            browser.close()
    for name in ("stories", "story", "article"):
        print(args.out / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
