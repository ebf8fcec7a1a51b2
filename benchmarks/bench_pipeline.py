"""The whole pipeline as a user runs it: ``pipeline.digest`` (ingest -> report files), ``add``
into a grown store, re-adding what is stored, and the seeds from a cold start.

Corpus: Timeline17 (``clustering/t17_stories.jsonl.gz``, 4,608 articles) in a fixed shuffled
order; sizes beyond it add edited copies: copy ``k`` of an article gets the id suffix
``~k``, 10% of its words replaced by words of other T17 articles (5-gram Jaccard to the
original ~0.4, so not a near-duplicate) and its publication date moved ``k`` years on (a
later round of the same kind of news, so it forms new stories rather than swelling old ones).

Every measurement runs in its own child process, so that peak RSS (``ru_maxrss``) is that
run's and the seeds' figure includes the imports. With more than one worker (``--workers``,
default: cores, at most 4) cleaning and the per-article analyses run in a process pool:
the first CPU and RSS figures are the main process's; the "with the pool's processes"
line adds the fork server and workers (sampled with psutil every 0.2 s). Per-stage seconds are exclusive wall
times of the stage functions, wrapped for the run (a stage called inside another, such as
the per-article analysis first asked for by the timeline, is counted once, as itself).
With a pool, stories are analysed in the workers too (``engines.analyses.analyze_stories``),
so the story stages (summary, timeline, compare, entities) are timed only with ``--workers 1``;
otherwise their wall time shows as "store (analyze)", the main process waiting for them.

Without ``--install all`` the runs use what the default install has: the hashed TF-IDF
embedder and rule-based entities (no torch, no spaCy), as the README's figures promise.

    python benchmarks/bench_pipeline.py                       # short: 1k digest, add, seeds
    python benchmarks/bench_pipeline.py --sizes 1000 5000 10000 --add --json out.json
    python benchmarks/bench_pipeline.py --sizes 1000 --profile 25   # cProfile top functions
    python benchmarks/bench_pipeline.py --sizes 1000 --install all --embedder minilm
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gzip
import io
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STORYLINE_SHARED", REPO.parent / "shared"))
T17 = SHARED / "data" / "clustering" / "t17_stories.jsonl.gz"
SEEDS = SHARED / "seeds"


# ---------------------------------------------------------------- corpus


def _base() -> list[dict[str, Any]]:
    with gzip.open(T17, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    random.Random(13).shuffle(rows)
    return rows


def _shift_year(day: str | None, years: int) -> str | None:
    if not day:
        return day
    try:
        d = date.fromisoformat(day[:10])
    except ValueError:
        return day
    try:
        return d.replace(year=d.year + years).isoformat()
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28).isoformat()


def _copy(row: dict[str, Any], k: int, vocab: list[str], rng: random.Random) -> dict[str, Any]:
    """Copy ``k`` of a T17 row: new id, 10% of the words swapped, ``k`` years later."""
    paras = []
    for para in row["text"].split("\n"):
        words = para.split()
        for i in range(len(words)):
            if rng.random() < 0.10:
                words[i] = vocab[rng.randrange(len(vocab))]
        paras.append(" ".join(words))
    out = dict(row)
    out["id"] = f"{row['id']}~{k}"
    out["text"] = "\n".join(paras)
    out["published"] = _shift_year(row.get("published"), k)
    return out


def corpus(n: int, start: int = 0) -> list[dict[str, Any]]:
    """Articles ``start`` .. ``start + n`` of the endless corpus (T17, then copies 1, 2, ...)."""
    base = _base()
    vocab = sorted({w for row in base[:400] for w in row["text"].split() if w.isalpha()})
    rows = []
    for i in range(start, start + n):
        k, j = divmod(i, len(base))
        rows.append(base[j] if k == 0 else _copy(base[j], k, vocab, random.Random(i)))
    return rows


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    return path


# ---------------------------------------------------------------- stage timing

# (module, attribute, stage): wrapped for the run; times are exclusive of nested stages.
_STAGES = [
    ("storyline.ingest.known", "read_inputs", "known inputs"),
    ("storyline.engines.local", "LocalEngine.read_files", "ingest+clean"),
    ("storyline.engines.local", "dedupe_marks", "dedupe"),
    ("storyline.group.grouper", "Grouper.add", "group"),
    ("storyline.pipeline", "add_articles", "store (add)"),
    ("storyline.pipeline", "prepare_analyses", "analyses (pool)"),
    ("storyline.extract.analysis", "_analyze", "sentences+dates"),
    ("storyline.compare", "extract_quantities", "claims"),
    ("storyline.pipeline", "build_timeline", "timeline"),
    ("storyline.pipeline", "compare", "compare"),
    ("storyline.pipeline", "extract_entities", "entities"),
    ("storyline.pipeline", "_summary", "summary"),
    ("storyline.pipeline", "analyze", "store (analyze)"),
    ("storyline.pipeline", "build_digest", "digest record"),
    ("storyline.report", "write_reports", "report files"),
]


class StageClock:
    """Exclusive seconds per stage: a stack of running stages, the child's time taken off
    its parent's."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self._stack: list[list[float]] = []  # [start, cpu start, time of children, cpu of children]

    def wrap(self, fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append([time.perf_counter(), time.process_time(), 0.0, 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                start, cpu_start, inner, inner_cpu = self._stack.pop()
                spent = time.perf_counter() - start
                cpu = time.process_time() - cpu_start
                self.seconds[stage] += spent - inner
                self.cpu[stage] += cpu - inner_cpu
                if self._stack:
                    self._stack[-1][2] += spent
                    self._stack[-1][3] += cpu

        return timed

    def install(self) -> None:
        import importlib

        for module, attr, stage in _STAGES:
            owner: Any = importlib.import_module(module)
            *path, name = attr.split(".")
            for part in path:
                owner = getattr(owner, part)
            setattr(owner, name, self.wrap(getattr(owner, name), stage))


# ---------------------------------------------------------------- child runs


def _options(install: str, embedder: str | None, workers: int | None = None) -> Any:
    from storyline.options import Options

    opts = Options(workers=workers)
    if install == "default":
        opts.group.embedder = "tfidf-hash"
        opts.entities.use_spacy = False
    if embedder:
        opts.group.embedder = embedder
    return opts


def _workers(opts: Any) -> int:
    from storyline.engines.pool import resolve_workers

    return resolve_workers(opts.workers)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TreeSampler:
    """Peak RSS and CPU seconds of this process and every process it started (the pool's
    fork server and its workers), sampled every 0.2 s with psutil when it is installed:
    what the run costs the machine, not only its main process."""

    def __init__(self) -> None:
        import threading

        self.peak_mb = 0.0
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        rss = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                with proc.oneshot():
                    rss += proc.memory_info().rss
                    t = proc.cpu_times()
                    self._cpu[proc.pid] = t.user + t.system
            except psutil.Error:
                continue
        self.peak_mb = max(self.peak_mb, rss / 2**20)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def __enter__(self) -> TreeSampler:
        try:
            import psutil  # noqa: F401 - optional
        except ImportError:
            return self
        self._sample()
        self._base = dict(self._cpu)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread.is_alive():
            self._stop.set()
            self._thread.join()
            self._sample()

    def cpu_s(self) -> float | None:
        """CPU seconds of the tree since entry (a worker's last 0.2 s may be missed)."""
        if not self._cpu:
            return None
        base = getattr(self, "_base", {})
        return sum(v - base.get(pid, 0.0) for pid, v in self._cpu.items())


def child_digest(args: argparse.Namespace) -> dict[str, Any]:
    """``pipeline.digest`` + report files of ``args.n`` articles into a new store; then,
    with ``--add``, 100 new articles, and every stored article again."""
    from storyline import pipeline, report
    from storyline.store import open_store

    clock = StageClock()
    clock.install()
    tmp = Path(args.workdir)
    src = write_jsonl(corpus(args.n), tmp / f"corpus_{args.n}.jsonl")
    opts = _options(args.install, args.embedder, args.workers)
    store = open_store(str(tmp / f"store_{args.n}.db"))
    prof = cProfile.Profile() if args.profile else None
    t0, c0 = time.perf_counter(), time.process_time()
    with TreeSampler() as tree:
        if prof:
            prof.enable()
        dig, _result = pipeline.digest(store, [src], opts)
        report.write_reports(dig, tmp / f"report_{args.n}")
        if prof:
            prof.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    tree_cpu = tree.cpu_s()
    out: dict[str, Any] = {
        "run": "digest",
        "articles": args.n,
        "install": args.install,
        "embedder": opts.group.embedder,
        "workers": _workers(opts),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "articles_per_s": round(args.n / wall, 1),
        "articles_per_cpu_s": round(args.n / cpu, 1),
        "peak_rss_mb": round(_peak_mb()),
        "tree_peak_rss_mb": round(tree.peak_mb),
        "tree_cpu_s": None if tree_cpu is None else round(tree_cpu, 2),
        "stories": len(dig.stories),
        "stages_s": {k: round(v, 2) for k, v in sorted(clock.seconds.items(), key=lambda kv: -kv[1])},
        "stages_cpu_s": {k: round(v, 2) for k, v in clock.cpu.items()},
    }
    if prof:
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats("tottime").print_stats(args.profile)
        out["profile_tottime"] = buf.getvalue()
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats("cumulative").print_stats(args.profile)
        out["profile_cumulative"] = buf.getvalue()
    if args.add:
        out["add"] = _adds(store, args.n, opts, tmp, src)
    store.close()
    return out


def _adds(store: Any, n: int, opts: Any, tmp: Path, src: Path) -> dict[str, Any]:
    from storyline import pipeline

    fresh = write_jsonl(corpus(100, start=n), tmp / f"fresh_{n}.jsonl")
    figures: dict[str, Any] = {}
    for name, path in (("add 100 new", fresh), (f"re-add {n} stored", src)):
        t0, c0 = time.perf_counter(), time.process_time()
        result = pipeline.add(store, [path], opts)
        t1, c1 = time.perf_counter(), time.process_time()
        wanted = pipeline.stories_to_analyze(store, result)  # what `storyline add` analyses
        pipeline.analyze(store, wanted, opts)
        t2, c2 = time.perf_counter(), time.process_time()
        figures[name] = {
            "add_s": round(t1 - t0, 2),
            "analyze_s": round(t2 - t1, 2),
            "add_cpu_s": round(c1 - c0, 2),
            "analyze_cpu_s": round(c2 - c1, 2),
            "new": len(result.new),
            "stories_analyzed": len(wanted),
        }
    return figures


def child_seeds(args: argparse.Namespace) -> dict[str, Any]:
    """The seeds from a cold start: imports, a new store, digest, report files."""
    t0, c0 = time.perf_counter(), time.process_time()
    from storyline import pipeline
    from storyline.report import write_reports
    from storyline.store import open_store

    tmp = Path(args.workdir)
    store = open_store(str(tmp / "seeds.db"))
    dig, _ = pipeline.digest(store, [SEEDS], _options(args.install, args.embedder, args.workers))
    write_reports(dig, tmp / "report_seeds")
    store.close()
    return {
        "run": "seeds cold start",
        "install": args.install,
        "wall_s": round(time.perf_counter() - t0, 2),
        "cpu_s": round(time.process_time() - c0, 2),
        "peak_rss_mb": round(_peak_mb()),
        "stories": len(dig.stories),
        "torch_loaded": "torch" in sys.modules,
        "spacy_loaded": "spacy" in sys.modules,
    }


def _child(run: str, args: argparse.Namespace, n: int = 0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench_pipeline_") as tmp:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            run,
            "--n",
            str(n),
            "--workdir",
            tmp,
            "--install",
            args.install,
        ]
        if args.embedder:
            cmd += ["--embedder", args.embedder]
        if args.profile:
            cmd += ["--profile", str(args.profile)]
        if args.add:
            cmd.append("--add")
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            sys.exit(f"bench_pipeline: child run {run} {n} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def _print(row: dict[str, Any]) -> None:
    if row["run"] == "digest":
        print(
            f"\ndigest {row['articles']:>6} articles ({row['install']}, {row['embedder']}, "
            f"{row.get('workers', 1)} workers): "
            f"{row['wall_s']:.1f} s wall ({row['articles_per_s']:.1f} articles/s), "
            f"{row['cpu_s']:.1f} s CPU ({row['articles_per_cpu_s']:.1f} articles/CPU-s), "
            f"peak RSS {row['peak_rss_mb']} MB, {row['stories']} stories"
        )
        if row.get("tree_cpu_s") is not None:
            print(
                f"  with the pool's processes: {row['tree_cpu_s']:.1f} s CPU, "
                f"peak RSS {row['tree_peak_rss_mb']} MB (summed over processes)"
            )
        total = sum(row["stages_cpu_s"].values()) or 1.0
        print(f"  {'stage':<18} {'wall s':>8} {'CPU s':>8} {'CPU %':>6}")
        for stage, secs in row["stages_s"].items():
            cpu = row["stages_cpu_s"][stage]
            print(f"  {stage:<18} {secs:8.2f} {cpu:8.2f} {100 * cpu / total:5.1f}%")
        for name, fig in row.get("add", {}).items():
            print(
                f"  {name:<20} add {fig['add_s']:.2f} s ({fig['add_cpu_s']:.2f} CPU) + analyze "
                f"{fig['analyze_s']:.2f} s ({fig['analyze_cpu_s']:.2f} CPU) "
                f"({fig['new']} new, {fig['stories_analyzed']} stories re-analysed)"
            )
        for key in ("profile_tottime", "profile_cumulative"):
            if key in row:
                print(f"\n-- cProfile, by {key.split('_')[1]} --")
                lines = row[key].splitlines()
                start = next((i for i, s in enumerate(lines) if "ncalls" in s), 0)
                print("\n".join(lines[start:]))
    else:
        print(
            f"\nseeds, cold start ({row['install']}): {row['wall_s']:.2f} s wall, "
            f"{row['cpu_s']:.2f} s CPU (after interpreter start), peak RSS "
            f"{row['peak_rss_mb']} MB, {row['stories']} stories, torch loaded: "
            f"{row['torch_loaded']}, spaCy loaded: {row['spacy_loaded']}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000], help="digest sizes (none: seeds only)")
    ap.add_argument(
        "--install",
        choices=("default", "all"),
        default="default",
        help="default: tfidf-hash embedder, rule entities; all: what is installed",
    )
    ap.add_argument("--embedder", default=None, help="group embedder: tfidf-hash, minilm, model2vec, auto")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's top N functions")
    ap.add_argument("--add", action="store_true", help="also add 100 new articles and re-add all")
    ap.add_argument("--no-seeds", action="store_true")
    ap.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes of the local engine (default: cores, at most 4; 1: one process)",
    )
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--workdir", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        row = child_digest(args) if args.child == "digest" else child_seeds(args)
        print(json.dumps(row))
        return
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
    rows = []
    for n in args.sizes:
        rows.append(_child("digest", args, n))
        _print(rows[-1])
    if not args.no_seeds:
        rows.append(_child("seeds", args))
        _print(rows[-1])
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
