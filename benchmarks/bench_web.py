"""Web app under load: p50/p99 and req/s per route, and errors, with 8 clients on 127.0.0.1.

Builds a store of N articles (default 10,000: the T17 and ECB+ articles of
``../shared/data/clustering``, then ECB+ again under edited ids, as wire copies, until N; a
rebuild is identical) or reuses one given with ``--db``; starts ``storyline serve`` on a free loopback port in a child
process (the server measured is the one users run), and sends a fixed number of requests per
route from ``--clients`` threads (httpx), stopping a route early at ``--time-limit`` seconds.
Routes: ``/``, ``/api/stories``, story pages (the largest story, and others), article pages,
search (``/?q=`` with words drawn from the titles).

The store is built with the hashed TF-IDF grouping and rule-based entities: page speed does
not depend on model quality, and the build takes minutes instead of an hour.

    python benchmarks/bench_web.py --db /tmp/web10k.db          # builds it when missing
    python benchmarks/bench_web.py --db /tmp/web10k.db --requests 200 --clients 8
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("STORYLINE_SHARED", REPO.parent / "shared")) / "data" / "clustering"
SOURCES = ("t17_stories", "ecbplus")
REPEATED = "ecbplus"  # small stories: copies make them larger without a long analysis
FIELDS = ("id", "title", "text", "published", "url", "outlet")


def _read(name: str) -> list[dict]:
    with gzip.open(DATA / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [{k: row.get(k) for k in FIELDS} for row in map(json.loads, fh)]


def corpus(n: int) -> list[dict]:
    """``n`` articles: the sources in order, then copies of ``REPEATED`` with edited ids."""
    rows = [row for name in SOURCES for row in _read(name)][:n]
    extra = _read(REPEATED)
    copy = 1
    while len(rows) < n:
        rows += [{**row, "id": f"{row['id']}~copy{copy}"} for row in extra][: n - len(rows)]
        copy += 1
    return rows


def build(db: Path, n: int) -> None:
    from storyline import pipeline
    from storyline.extract.entities import EntityOptions
    from storyline.group import GroupOptions
    from storyline.store import open_store

    opts = pipeline.Options(group=GroupOptions(embedder="tfidf-hash"),
                            entities=EntityOptions(use_spacy=False))
    rows = corpus(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "articles.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        start = time.perf_counter()
        with open_store(db) as store:
            result = pipeline.add(store, [path], opts)
            added = time.perf_counter()
            stale = pipeline.stale_stories(store)  # all of them, unless resuming a build
            print(f"build: {len(result.new)} articles stored in {added - start:.0f} s; "
                  f"analysing {len(stale)} stories", flush=True)
            pipeline.analyze(store, stale, opts)
        print(f"build: done in {time.perf_counter() - start:.0f} s", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def targets(db: Path, rng: random.Random) -> dict[str, list[str]]:
    """The URLs each route is measured on, read from the store."""
    import sqlite3
    from urllib.parse import quote

    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
        stories = conn.execute("SELECT id, n_articles FROM stories ORDER BY n_articles DESC").fetchall()
        articles = [r[0] for r in conn.execute("SELECT id FROM articles")]
        titles = [r[0] for r in conn.execute("SELECT title FROM articles WHERE title IS NOT NULL")]
    words = sorted({w.lower() for t in titles for w in t.split() if w.isalpha() and len(w) > 4})
    largest = stories[0][0]
    others = [s for s, _ in stories[1:]]
    print(f"store: {len(articles)} articles, {len(stories)} stories, the largest "
          f"{stories[0][1]} articles", flush=True)
    return {
        "/": ["/"],
        "/api/stories": ["/api/stories"],
        "story (largest)": [f"/stories/{quote(largest, safe='')}"],
        "story": [f"/stories/{quote(s, safe='')}" for s in rng.sample(others, min(50, len(others)))],
        "article": [f"/articles/{quote(a, safe='/~')}"
                    for a in rng.sample(articles, min(50, len(articles)))],
        "search": [f"/?q={quote(' '.join(rng.sample(words, k)))}"
                   for k in (1, 1, 1, 2) for _ in range(10)],
    }


def run_route(base: str, urls: list[str], requests: int, clients: int,
              time_limit: float) -> tuple[list[float], int, float]:
    """Latencies (s) of ``requests`` GETs spread over ``clients`` threads, error count, wall."""
    import httpx

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.monotonic() + time_limit

    def client() -> None:
        with httpx.Client(base_url=base, timeout=60) as http:
            while time.monotonic() < deadline:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                t0 = time.perf_counter()
                try:
                    ok = http.get(urls[i % len(urls)]).status_code == 200
                except httpx.HTTPError:
                    ok = False
                took = time.perf_counter() - t0
                with lock:
                    latencies.append(took)
                    errors[0] += not ok

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    cmd = [str(Path(sys.executable).with_name("storyline")), "serve", "--db", str(db), "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"storyline serve exited: {proc.stderr.read().decode()[-500:]}"
                                 if proc.stderr else "storyline serve exited") from None
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("storyline serve did not start in 60 s")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="store to use (built with --articles when missing)")
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=200, help="requests per route")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per route at most")
    ap.add_argument("--routes", nargs="*", help="only these routes")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--url", help="measure a server already running on --db (e.g. another "
                    "version) instead of starting one")
    args = ap.parse_args(argv)
    db = args.db or Path(tempfile.gettempdir()) / f"storyline-web-{args.articles}.db"
    if not db.exists():
        build(db, args.articles)
    routes = targets(db, random.Random(args.seed))
    proc = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        port = free_port()
        proc = serve(db, port)
        base = f"http://127.0.0.1:{port}"
    run: Callable[[list[str]], tuple[list[float], int, float]] = lambda urls: run_route(  # noqa: E731
        base, urls, args.requests, args.clients, args.time_limit)
    try:
        run(["/"] * 2)  # warm-up: first connection, templates compiled
        print(f"{'route':<18}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>8}{'errors':>8}")
        total_errors = 0
        for name, urls in routes.items():
            if args.routes and name not in args.routes:
                continue
            lat, errors, wall = run(urls)
            total_errors += errors
            print(f"{name:<18}{len(lat):>6}{pct(lat, .5) * 1000:>9.0f}{pct(lat, .99) * 1000:>9.0f}"
                  f"{len(lat) / wall:>8.1f}{errors:>8}", flush=True)
        print(f"errors: {total_errors}")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
