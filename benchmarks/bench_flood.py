"""Templated floods: `storyline add` on N tiny JSONL lines that share one template.

    python benchmarks/bench_flood.py                          # 5k and 10k, both variants
    python benchmarks/bench_flood.py --sizes 10000 100000 --variant near
    python benchmarks/bench_flood.py --sizes 1000000 --timeout 900 --no-analyze

A crawl of a weather or sports feed gives thousands of records that differ in a town, a word
or only a number. Duplicate detection must stay near-linear on them (an LSH band bucket then
holds thousands of ids, and comparing each new record with all of them is quadratic), and
storing must go on at a steady rate with bounded memory. Two variants, each one line per
record like ``{"id": "n123", "title": "Weather update 123", "text": "The weather in ..."}``:

- ``template``: the town, the weather word and a few fillers change between lines (most
  lines are near-duplicates of one of a few hundred originals);
- ``near``: only a number changes (every line is a near-duplicate of the first).

Each size runs the real CLI (`storyline add --db fresh.db FILE`, default options unless
``--no-analyze``) in a child process, and prints seconds, lines/s, stored articles and
duplicates (read back from the store), the child's peak RSS, and the per-line cost relative
to the previous size (near-linear means the ratio stays near 1). ``--timeout`` kills a run
that is too slow and prints how much it stored by then.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOWNS = [
    f"{a}{b}"
    for a in ("Nor", "Sud", "Est", "West", "Ash", "Oak", "Elm", "Fair", "Glen", "Hill")
    for b in ("ton", "ford", "bury", "field", "wick", "ham", "stead", "mouth", "by", "dale")
]
WORDS = ["sunny", "rainy", "cloudy", "windy", "foggy", "stormy", "mild", "cold", "warm", "humid"]
FILLERS = ["Expect", "Forecasters see", "Residents report", "Officials announce", "Radar shows"]


def line(i: int, variant: str, rng: random.Random) -> str:
    """One JSONL record of the flood (deterministic for the rng's seed)."""
    if variant == "near":
        text = (
            f"The weather in Springfield is sunny today with a high of {i % 97} degrees. "
            "Winds stay light from the west and no rain is expected before the weekend. "
            f"Reading number {i} of the automatic station."
        )
    else:
        town, word = rng.choice(TOWNS), rng.choice(WORDS)
        text = (
            f"The weather in {town} is {word} today. {rng.choice(FILLERS)} a high of "
            f"{rng.randint(0, 40)} degrees and a low of {rng.randint(-10, 20)} degrees. "
            f"{rng.choice(FILLERS)} {rng.choice(WORDS)} skies for the evening in {town}."
        )
    return json.dumps({"id": f"n{i}", "title": f"Weather update {i}", "text": text})


def write_flood(path: Path, n: int, variant: str, seed: int = 17) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(line(i, variant, rng) + "\n")


def stored(db: Path) -> tuple[int, int]:
    """(articles, duplicates) in the store, read without the package (works on a killed run)."""
    if not db.exists():
        return 0, 0
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        n, d = con.execute("SELECT COUNT(*), COUNT(duplicate_of) FROM articles").fetchone()
        return int(n), int(d)
    except sqlite3.Error:
        return 0, 0
    finally:
        con.close()


def run_add(src: Path, db: Path, analyze: bool, timeout: float) -> tuple[float, int, bool, str]:
    """Run the CLI; (seconds, peak RSS in KiB, finished with exit 0, last stderr line)."""
    cli = "import sys; from storyline.cli import run; sys.argv[0] = 'storyline'; run()"
    cmd = [sys.executable, "-c", cli, "add", "--db", str(db), str(src)]
    if not analyze:
        cmd.insert(4, "--no-analyze")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    t0 = time.perf_counter()
    err = src.with_suffix(".err")
    with err.open("wb") as errfh:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errfh, env=env)
        finished = True
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                finished = False
                break
            time.sleep(0.2)
    secs = time.perf_counter() - t0
    tail = err.read_text(errors="replace").strip().splitlines()
    ok = finished and os.waitstatus_to_exitcode(status) == 0
    last = tail[-1] if tail and not ok else ""
    return secs, int(usage.ru_maxrss), ok, last


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000])
    ap.add_argument("--variant", choices=["template", "near", "both"], default="both")
    ap.add_argument("--no-analyze", dest="analyze", action="store_false", help="pass --no-analyze")
    ap.add_argument("--timeout", type=float, default=900.0, help="kill a run after this many seconds")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    variants = ["template", "near"] if args.variant == "both" else [args.variant]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="storyline-flood-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"# storyline add{'' if args.analyze else ' --no-analyze'}, workdir {work}, load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'variant':9} {'lines':>8} {'seconds':>8} {'lines/s':>8} {'stored':>8} {'dups':>8} "
        f"{'peak MiB':>8} {'cost ratio':>10}"
    )
    for variant in variants:
        prev: float | None = None
        for n in args.sizes:
            src = work / f"{variant}-{n}.jsonl"
            db = work / f"{variant}-{n}.db"
            if not src.exists():
                write_flood(src, n, variant)
            for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                stale.unlink(missing_ok=True)
            secs, rss, finished, last = run_add(src, db, args.analyze, args.timeout)
            arts, dups = stored(db)
            per_line = secs / max(arts, 1)
            ratio = f"{per_line / prev:.2f}" if prev and finished else "-"
            flag = "" if finished or secs < args.timeout else f"  KILLED ({100 * arts / n:.1f}% stored)"
            print(
                f"{variant:9} {n:>8} {secs:>8.1f} {arts / secs:>8.0f} {arts:>8} {dups:>8} "
                f"{rss / 1024:>8.0f} {ratio:>10}{flag}" + (f"  [{last}]" if last else ""),
                flush=True,
            )
            if finished and arts:
                prev = per_line


if __name__ == "__main__":
    main()
