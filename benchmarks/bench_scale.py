"""Embedded engine vs a 2-worker Dask LocalCluster on synthetic corpora of growing size.

The corpora are synthesized from the T17 articles (``clustering/t17_stories.jsonl.gz``) by
resampling with a fixed seed: a *new* article is a resampled T17 article with 30% of its
words replaced by words of another article (5-gram Jaccard to its source ~0.03: a distinct
report), a *copy* (``--dup-rate`` of the articles) is an earlier synthetic article with 2% of
its words replaced and sometimes its last paragraph cut (Jaccard ~0.8: a near-duplicate).

Measured per size: articles/s of ingest+clean (``read_articles``), of dedupe
(``mark_duplicates`` over the whole set with an empty index) and of both; the peak RSS of
each worker and of the driver (psutil, sampled every 0.5 s); the load average, because the
machine may be shared. ``--grouping`` also measures how far the bulk path's blocked grouping
(``storyline.engines.bulk.group_in_blocks``) is from one sequential ``Grouper`` on T17.

    python benchmarks/bench_scale.py --sizes 2000 10000 --json bench_scale.json
    python benchmarks/bench_scale.py --grouping
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("STORYLINE_SHARED", REPO.parent / "shared")) / "data"


def load_base(limit: int | None = None) -> list[dict]:
    with gzip.open(DATA / "clustering" / "t17_stories.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return rows[:limit] if limit else rows


def _edit(words: list[str], rate: float, vocab: list[str], rng: np.random.Generator) -> list[str]:
    out = list(words)
    hits = np.flatnonzero(rng.random(len(out)) < rate)
    for k, pick in zip(hits, rng.integers(0, len(vocab), size=len(hits)), strict=True):
        out[k] = vocab[pick]
    return out


def synthesize(base: list[dict], n: int, seed: int = 7, dup_rate: float = 0.2) -> list[dict]:
    """``n`` synthetic articles (format A rows), deterministic for a seed."""
    from datetime import date, timedelta

    rng = np.random.default_rng(seed)
    vocab = sorted({w for row in base[:500] for w in row["text"].split()})
    made: list[dict] = []
    for i in range(n):
        if made and rng.random() < dup_rate:
            src = made[int(rng.integers(len(made)))]
            paras = src["text"].split("\n")
            if len(paras) > 3 and rng.random() < 0.5:
                paras = paras[:-1]
            text = "\n".join(" ".join(_edit(p.split(), 0.02, vocab, rng)) for p in paras)
            shift = int(rng.integers(0, 3))
        else:
            src = base[int(rng.integers(len(base)))]
            text = "\n".join(" ".join(_edit(p.split(), 0.30, vocab, rng)) for p in src["text"].split("\n"))
            shift = int(rng.integers(-3, 4))
        pub = src.get("published")
        if pub:
            pub = (date.fromisoformat(pub) + timedelta(days=shift)).isoformat()
        made.append(
            {
                "id": f"syn-{i:07d}",
                "title": src.get("title"),
                "text": text,
                "published": pub,
                "outlet": src.get("outlet"),
                "story": src.get("story"),
            }
        )
    return made


def write_corpus(rows: list[dict], folder: Path, files: int = 4) -> list[Path]:
    paths = []
    per = -(-len(rows) // files)
    for k in range(files):
        path = folder / f"part-{k}.jsonl.gz"
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            for row in rows[k * per : (k + 1) * per]:
                fh.write(json.dumps(row) + "\n")
        paths.append(path)
    return paths


class MemorySampler:
    """Peak RSS of the driver and (given a client) of every worker, sampled in a thread."""

    def __init__(self, client=None, every: float = 0.5) -> None:  # type: ignore[no-untyped-def]
        import psutil

        self.client, self.every = client, every
        self.proc = psutil.Process()
        self.driver = 0
        self.workers: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        def rss() -> int:
            import psutil

            return psutil.Process().memory_info().rss

        while not self._stop.is_set():
            self.driver = max(self.driver, self.proc.memory_info().rss)
            if self.client is not None:
                try:
                    for addr, val in self.client.run(rss).items():
                        self.workers[addr] = max(self.workers.get(addr, 0), val)
                except Exception:  # noqa: BLE001 - a missed sample is not a failure
                    pass
            self._stop.wait(self.every)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_engine(name: str, paths: list[Path], engine=None) -> dict:  # type: ignore[no-untyped-def]
    from storyline.dedupe import DuplicateIndex
    from storyline.engines import get_engine
    from storyline.pipeline import Options

    opts = Options(engine=name)
    eng = engine or get_engine(name)
    client = getattr(eng, "client", None)
    busy = {}
    with MemorySampler(client) as mem:
        t0 = time.perf_counter()
        with _stream(client, busy, "ingest"):
            arts, errs = eng.read_articles(paths, opts)
        t1 = time.perf_counter()
        with _stream(client, busy, "dedupe"):
            sigs = eng.mark_duplicates(arts, DuplicateIndex(opts.dedupe), opts)
        t2 = time.perf_counter()
    n = len(arts)
    extra = {}
    if client is not None:
        extra = driver_share(paths, opts, sigs, busy, n, t1 - t0, t2 - t1)
    return {
        **extra,
        "engine": name,
        "articles": n,
        "errors": len(errs),
        "duplicates": sum(1 for a in arts if a.duplicate_of),
        "ingest_s": t1 - t0,
        "dedupe_s": t2 - t1,
        "total_s": t2 - t0,
        "ingest_aps": n / (t1 - t0),
        "dedupe_aps": n / (t2 - t1),
        "total_aps": n / (t2 - t0),
        "driver_peak_mb": mem.driver / 2**20,
        "worker_peak_mb": sorted(v / 2**20 for v in mem.workers.values()),
        "links": {a.id: a.duplicate_of for a in arts if a.duplicate_of},
        "n_sigs": len(sigs),
    }


class _stream:
    """Sum of task compute seconds on the workers while the block runs (0 without a client)."""

    def __init__(self, client, out: dict, key: str) -> None:  # type: ignore[no-untyped-def]
        self.client, self.out, self.key, self.ts = client, out, key, None

    def __enter__(self) -> None:
        if self.client is not None:
            from distributed import get_task_stream

            self.ts = get_task_stream(client=self.client)
            self.ts.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self.ts is not None:
            self.ts.__exit__(*exc)
            self.out[self.key] = sum(
                s["stop"] - s["start"]
                for t in self.ts.data
                for s in t.get("startstops", ())
                if s.get("action") == "compute"
            )


def driver_share(paths, opts, sigs, busy: dict, n: int, ingest_s: float, dedupe_s: float) -> dict:  # type: ignore[no-untyped-def]
    """The serial part that stays in the driver (planning = reading records of big files;
    inserting signatures into the DuplicateIndex), the workers' busy seconds, and the
    throughput they project for W workers: n / (driver + busy / W), scheduling overhead
    ignored."""
    from storyline.dedupe import DuplicateIndex
    from storyline.engines.dask import plan_units

    t = time.perf_counter()
    plan_units(paths, opts)
    plan_s = time.perf_counter() - t
    idx = DuplicateIndex(opts.dedupe)
    t = time.perf_counter()
    for aid, (sig, size) in sigs.items():
        idx.add(aid, sig, size)
    index_s = time.perf_counter() - t
    worker_s = busy.get("ingest", 0.0) + busy.get("dedupe", 0.0)
    driver_s = plan_s + index_s
    return {
        "driver_plan_s": plan_s,
        "driver_index_s": index_s,
        "worker_busy_s": worker_s,
        "worker_busy_ingest_s": busy.get("ingest", 0.0),
        "worker_busy_dedupe_s": busy.get("dedupe", 0.0),
        "projected_aps": {w: n / (driver_s + worker_s / w) for w in (2, 10, 50)},
        "overhead_s": ingest_s + dedupe_s - driver_s - worker_s / 2,
    }


def bench_sizes(sizes: list[int], seed: int, dup_rate: float) -> list[dict]:
    from storyline.engines.dask import DaskEngine

    base = load_base()
    t = time.perf_counter()
    engine = DaskEngine(None)
    startup = time.perf_counter() - t
    print(f"LocalCluster (2 workers x 1 thread) started in {startup:.1f} s", flush=True)
    rows = []
    try:
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                # The corpus is dropped once written: the driver's peak then measures the engine.
                paths = write_corpus(synthesize(base, n, seed, dup_rate), Path(tmp))
                gc.collect()
                load0 = os.getloadavg()[0]
                local = run_engine("local", paths)
                gc.collect()
                dask = run_engine("dask", paths, engine)
                load1 = os.getloadavg()[0]
            llinks, dlinks = local.pop("links"), dask.pop("links")
            diff = sorted(k for k in set(llinks) | set(dlinks) if llinks.get(k) != dlinks.get(k))
            row = {
                "size": n,
                "local": local,
                "dask": dask,
                "same_links": not diff,
                "link_diffs": [(k, llinks.get(k), dlinks.get(k)) for k in diff[:20]],
                "load_avg": [round(load0, 1), round(load1, 1)],
                "cluster_start_s": startup,
            }
            rows.append(row)
            print_row(row)
    finally:
        engine.close()
    return rows


def print_row(row: dict) -> None:
    loc, dsk = row["local"], row["dask"]
    print(
        f"\n== {row['size']:,} articles ({loc['articles']:,} read, {loc['duplicates']:,} duplicates; "
        f"same links: {row['same_links']}; load avg {row['load_avg'][0]}->{row['load_avg'][1]} on "
        f"{os.cpu_count()} cores)"
    )
    print(
        f"{'':12}{'ingest+clean/s':>16}{'dedupe/s':>12}{'total/s':>10}{'total s':>10}{'driver MB':>11}  worker peak MB"
    )
    for r in (loc, dsk):
        print(
            f"{r['engine']:12}{r['ingest_aps']:16.1f}{r['dedupe_aps']:12.1f}{r['total_aps']:10.1f}"
            f"{r['total_s']:10.1f}{r['driver_peak_mb']:11.0f}  {', '.join(f'{v:.0f}' for v in r['worker_peak_mb'])}"
        )
    print(
        f"{'dask/local':12}{dsk['ingest_aps'] / loc['ingest_aps']:16.2f}{dsk['dedupe_aps'] / loc['dedupe_aps']:12.2f}"
        f"{dsk['total_aps'] / loc['total_aps']:10.2f}",
        flush=True,
    )
    if "worker_busy_s" in dsk:
        proj = dsk["projected_aps"]
        print(
            f"workers busy {dsk['worker_busy_s']:.1f} s (ingest {dsk['worker_busy_ingest_s']:.1f}, dedupe "
            f"{dsk['worker_busy_dedupe_s']:.1f}); driver serial: planning {dsk['driver_plan_s']:.1f} s, index "
            f"inserts {dsk['driver_index_s']:.1f} s; projected articles/s at 2/10/50 workers: "
            f"{proj[2]:.0f} / {proj[10]:.0f} / {proj[50]:.0f}",
            flush=True,
        )


def bench_grouping(limit: int | None, block_days: list[int]) -> list[dict]:
    """Sequential Grouper vs blocked grouping (``group_in_blocks``) on T17, both scored
    against the gold stories and against each other (ARI, B-cubed F1 of one vs the other)."""
    from storyline.engines.bulk import BulkOptions, group_in_blocks
    from storyline.evaluation.group import scores
    from storyline.group import GroupOptions, group_articles
    from storyline.model import Article

    rows = load_base(limit)
    arts = [
        Article(id=r["id"], text=r["text"], title=r.get("title"), published=r.get("published")) for r in rows
    ]
    gold = [r["story"] for r in rows]
    gopts = GroupOptions(embedder="tfidf-hash")
    t = time.perf_counter()
    _stories, asg = group_articles(arts, gopts)
    seq_s = time.perf_counter() - t
    seq = {a.article_id: a.story_id for a in asg}
    seq_pred = [seq[a.id] for a in arts]
    out = [{"method": "sequential", "seconds": seq_s, **scores(gold, seq_pred)}]
    for days in block_days:
        t = time.perf_counter()
        blocked = group_in_blocks(arts, gopts, BulkOptions(block_days=days))
        sec = time.perf_counter() - t
        pred = [blocked[a.id][0] for a in arts]
        vs_seq = scores(seq_pred, pred)
        out.append(
            {
                "method": f"blocks of {days} days",
                "seconds": sec,
                **scores(gold, pred),
                "ari_vs_sequential": vs_seq["ari"],
                "bcubed_f1_vs_sequential": vs_seq["bcubed_f1"],
                "stories": len(set(pred)),
            }
        )
    out[0]["stories"] = len(set(seq_pred))
    print(f"\nGrouping on T17 ({len(arts):,} articles, 9 gold stories, embedder tfidf-hash, run serially)")
    print(f"{'method':20}{'stories':>8}{'B3 F1':>8}{'ARI':>7}{'ARI vs seq':>12}{'B3 F1 vs seq':>14}{'s':>7}")
    for r in out:
        print(
            f"{r['method']:20}{r['stories']:8d}{r['bcubed_f1']:8.3f}{r['ari']:7.3f}"
            f"{r.get('ari_vs_sequential', 1.0):12.3f}{r.get('bcubed_f1_vs_sequential', 1.0):14.3f}{r['seconds']:7.1f}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dup-rate", type=float, default=0.2)
    ap.add_argument("--grouping", action="store_true", help="measure the blocked grouping instead")
    ap.add_argument("--block-days", type=int, nargs="*", default=[30, 90, 365])
    ap.add_argument("--limit", type=int, default=None, help="T17 articles for --grouping")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    result = (
        bench_grouping(args.limit, args.block_days)
        if args.grouping
        else bench_sizes(args.sizes, args.seed, args.dup_rate)
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
