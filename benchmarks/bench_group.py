"""Grouping speed at 1k, 10k and 50k articles: does the cost grow linearly?

Embeddings are excluded (they are computed once for a base set of real articles); the
larger sets are synthesized by resampling the base set with a fixed seed, each copy given a
new id and a publication date spread at a constant rate (articles per day), as a real
stream would be. Prints articles/s per size (wall clock and CPU time) and the ratio of the CPU time per
article to the 1k run (about 1.0 means linear total cost).

    /work/venv/bin/python benchmarks/bench_group.py [--base 500] [--embedder auto]
        [--sizes 1000,10000,50000] [--per-day 100] [--seed 0] [--no-corrections]

``--no-corrections`` turns off the split and merge checks (GroupOptions.split_entity_cos,
merge_threshold) to show what they cost.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from storyline.evaluation.group import load_articles
from storyline.group import Features, Grouper, GroupOptions, compute_features

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "clustering"


def _resample(base: list, feats: Features, n: int, per_day: int, seed: int):
    """n articles drawn with replacement from ``base``, dated ``per_day`` a day."""
    rng = random.Random(seed)
    picks = [rng.randrange(len(base)) for _ in range(n)]
    start = date(2020, 1, 1)
    articles = []
    for k, i in enumerate(picks):
        day = start + timedelta(days=k // per_day)
        articles.append(dataclasses.replace(
            base[i], id=f"{base[i].id}#{k}", published=day.isoformat(), duplicate_of=None))
    sub = Features(
        tok=[feats.tok[i] for i in picks], ent=[feats.ent[i] for i in picks],
        emb=feats.emb[picks], embedder=feats.embedder, titles=[feats.titles[i] for i in picks])
    return articles, sub


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "t17_stories.jsonl.gz")
    parser.add_argument("--base", type=int, default=500, help="real articles to resample")
    parser.add_argument("--embedder", default="auto")
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--per-day", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-corrections", action="store_true",
                        help="no split/merge checks (to measure their cost)")
    args = parser.parse_args(argv)

    options = GroupOptions(embedder=args.embedder)
    if args.no_corrections:
        options = dataclasses.replace(options, split_entity_cos=0.0, merge_threshold=1.0)
    base, _, _, _ = load_articles(args.data, limit=args.base, seed=args.seed)
    t0 = time.perf_counter()
    feats = compute_features(base, options)
    embed_s = time.perf_counter() - t0
    print(f"base: {len(base)} articles of {args.data.name}; features+embedding "
          f"({feats.embedder}): {embed_s:.1f} s = {len(base) / embed_s:,.1f} articles/s "
          "(excluded below)")
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        articles, sub = _resample(base, feats, n, args.per_day, args.seed)
        grouper = Grouper(options)
        grouper.add(articles, features=sub)
        seconds = grouper.timing["group_s"]
        cpu = grouper.timing["group_cpu_s"]
        stories = grouper.stories()
        state_mb = len(json.dumps(grouper.state().to_dict())) / 1e6
        rows.append((n, seconds, cpu, len(stories), sum(len(s.events) for s in stories),
                     state_mb))
    first = rows[0][2] / rows[0][0]
    print(f"{'articles':>9} {'wall s':>7} {'cpu s':>7} {'art/s wall':>11} {'art/s cpu':>10} "
          f"{'cpu per-article ratio':>22} {'stories':>8} {'events':>7} {'state MB':>9}")
    for n, seconds, cpu, n_stories, n_events, mb in rows:
        print(f"{n:>9,} {seconds:>7.2f} {cpu:>7.2f} {n / seconds:>11,.0f} {n / cpu:>10,.0f} "
              f"{cpu / n / first:>22.2f} {n_stories:>8,} {n_events:>7,} {mb:>9.1f}")
    print(f"load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())} "
          f"(wall-clock rates suffer on a shared machine; CPU rates much less)")
    print(f"peak RSS {_rss_mb():.0f} MB", file=sys.stderr)


def _rss_mb() -> float:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:  # pragma: no cover - not on Linux
        return float("nan")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
