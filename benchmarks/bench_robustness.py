"""Throw >= 10,000 hostile and good inputs at `storyline add` and account for every one.

    python benchmarks/bench_robustness.py --good 10000 [--big] [--workdir /tmp/robust]

Builds the corpus of tests/badcorpus.py (good synthetic articles in every format and
encoding, plus empty, binary, mixed-encoding, script-only, gzip-bomb, zip, broken JSON/CSV
inputs, and the attacks of issue #17: a JSONL line of 200,000 '[', a non-UTF-8 file name, a
5 MB id, WARCs cut short or with wrong Content-Lengths, a .warc.gz of zeros, a symlink to
/dev/zero, a named pipe, a dangling symlinked folder and a symlink loop; with --big also a
200 MB text file, a one-line 50 MB file, a 31 MB HTML page, a CSV field past 32 MiB and the
zeros WARC at 5 MB compressed, 5 GB inflated), runs the real CLI
(`storyline add --no-analyze`) in a child process, then checks: zero crashes, every good
article stored exactly once, every bad input in the errors with a one-line reason,
`PRAGMA integrity_check` ok. Prints counts, wall time and the child's peak memory (max RSS).

Last run (2 shared cores): `--good 2000 --big`: 2,087 inputs, exit 0 in 122 s, peak RSS
1,019 MB; 2,011/2,011 good stored, 75/75 bad reported, 0 crashes, integrity ok.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from badcorpus import make_corpus  # noqa: E402 - the path is set just above
from storyline.store import Store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--good", type=int, default=10_000)
    ap.add_argument("--big", action="store_true", help="add the 200 MB and 50 MB files")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/storyline-robustness"))
    args = ap.parse_args()
    root = args.workdir / "in"
    db = args.workdir / "r.db"
    if db.exists():
        db.unlink()
    t0 = time.time()
    manifest = make_corpus(root, n_good=args.good, seed=5, big=args.big)
    files = sum(1 for _ in root.iterdir())
    print(
        f"corpus: {files:,} files, {manifest.inputs:,} inputs "
        f"({len(manifest.good):,} good, {len(manifest.bad_files):,} bad, {len(manifest.either)} either) "
        f"in {time.time() - t0:.1f}s"
    )
    t0 = time.time()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from storyline.cli import run; run()",
            "add",
            str(root),
            "--db",
            str(db),
            "--no-analyze",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    wall = time.time() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"storyline add: exit {proc.returncode} in {wall:.1f}s ({manifest.inputs / wall:,.0f} inputs/s), "
        f"peak RSS {peak_mb:,.0f} MB"
    )
    print(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-2000:])
    crashed = proc.returncode not in (0, 1) or "Traceback" in proc.stderr
    with Store(db) as store:
        markers: list[str] = []
        for art in store.articles():
            markers += [w.strip(".") for w in art.text.split() if w.startswith("zq")]
        errors = store.errors()
        ok_integrity = store.integrity_ok()
    error_paths = {e.path for e in errors}
    missing_good = manifest.good - set(markers)
    doubled = len(markers) - len(set(markers))
    missing_bad = manifest.bad_files - error_paths
    missing_bad |= {p for p in manifest.bad_prefixes if not any(e.startswith(p) for e in error_paths)}
    multi_line = [e for e in errors if "\n" in e.error]
    n_bad = len(manifest.bad_files) + len(manifest.bad_prefixes)
    print(
        f"good stored: {len(set(markers)):,}/{len(manifest.good):,}; doubled {doubled}; "
        f"bad reported: {n_bad - len(missing_bad):,}/{n_bad:,}; "
        f"errors in store {len(errors):,}; integrity {'ok' if ok_integrity else 'FAILED'}; "
        f"crash {'YES' if crashed else 'no'}"
    )
    if missing_good or doubled or missing_bad or multi_line or crashed or not ok_integrity:
        print("FAILED:", sorted(missing_good)[:5], sorted(missing_bad)[:5], multi_line[:2])
        sys.exit(1)


if __name__ == "__main__":
    main()
