"""The Dask engine gives the same answers as the embedded one (articles, duplicate links,
stories), on a 2-worker LocalCluster started on loopback for this module.

The dev-set check (ingest + dedupe of the 4,608 T17 articles plus the 496 ECB+ ones, 5,099
articles and 5 errors) takes about 100 s on 2 cores. It caught ``storyline.clean`` picking
its stop list in hash-seed order (2 articles cleaned differently in the worker processes);
the list is now sorted.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("distributed")

from storyline.dedupe import (  # noqa: E402 - after the importorskip
    DedupeOptions,
    DuplicateIndex,
    banding,
)
from storyline.engines import get_engine  # noqa: E402
from storyline.engines.local import LocalEngine  # noqa: E402
from storyline.group import GroupOptions  # noqa: E402
from storyline.model import Article  # noqa: E402
from storyline.pipeline import Options, add, digest  # noqa: E402
from storyline.store import Store  # noqa: E402


@pytest.fixture(scope="module")
def scheduler() -> str:
    """A 2-worker LocalCluster on 127.0.0.1, no dashboard (the engine's own settings)."""
    from storyline.engines.dask import start_client

    client, cluster = start_client(None)
    client.close()
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _options(engine: str, scheduler: str | None = None) -> Options:
    # The hashed embedder keeps the test fast; grouping runs in the driver with either engine.
    return Options(engine=engine, scheduler=scheduler, group=GroupOptions(embedder="tfidf-hash"))


def _copies(seeds: Path, folder: Path) -> Path:
    """Edited copies of two seeds (changed word, cut tail, verbatim), as a second input."""
    folder.mkdir()
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds.iterdir())]
    paras = texts[2].split("\n\n")
    (folder / "edited.txt").write_text(
        texts[2].replace("Sunday", "Saturday") + "\n\nAn extra closing line.\n"
    )
    (folder / "cut.txt").write_text("\n\n".join(paras[: int(len(paras) * 0.7)]) + "\n")
    (folder / "verbatim.txt").write_text(texts[0])
    return folder


def _snapshot(store: Store) -> tuple[list[dict], dict]:
    arts = sorted((dataclasses.asdict(a) for a in store.articles()), key=lambda a: a["id"])
    return arts, store.groups()


def test_seeds_same_articles_duplicates_and_stories(seeds: Path, scheduler: str, tmp_path: Path) -> None:
    copies = _copies(seeds, tmp_path / "copies")
    snaps = {}
    for engine in ("local", "dask"):
        opts = _options(engine, scheduler if engine == "dask" else None)
        with Store(tmp_path / f"{engine}.db") as store:
            dig, res = digest(store, [seeds], opts)
            assert len(res.new) == 5 and not res.errors
            add(store, [copies], opts)  # second run: copies checked against the store's index
            snaps[engine] = (_snapshot(store), dig.stats)
    (local_arts, local_groups), local_stats = snaps["local"]
    (dask_arts, dask_groups), dask_stats = snaps["dask"]
    assert dask_arts == local_arts
    assert dask_groups == local_groups
    assert dask_stats == local_stats
    dup = {a["id"]: a["duplicate_of"] for a in dask_arts}
    assert dup["edited"] == dup["cut"] == "002_d63c0128255b66d4"
    assert dup["verbatim"] == "000_036379da49c29635"
    assert sum(1 for v in dup.values() if v) == 3


def test_dask_engine_reports_bad_inputs_like_local(scheduler: str, tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text(
        '{"text": "One fine article about the harbour."}\nnot json\n{"title": "x"}\n'
    )
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01")
    paths = [tmp_path / "bad.jsonl", tmp_path / "blob.bin", tmp_path / "missing.txt"]
    local = LocalEngine().read_articles(paths, _options("local"))
    engine = get_engine("dask", scheduler)
    try:
        remote = engine.read_articles(paths, _options("dask", scheduler))
    finally:
        engine.close()
    assert remote == local
    assert len(remote[0]) == 1 and len(remote[1]) == 4


def _googlenews(data_dir: Path) -> list[Article]:
    with gzip.open(data_dir / "clustering" / "googlenews_titles.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return [Article(id=r["id"], text=r["text"], published=r.get("published")) for r in rows]


def test_dedupe_same_links_on_6k_titles_in_batches(data_dir: Path, scheduler: str) -> None:
    """6,000 GoogleNews-T titles (many repeated headlines), deduplicated in two batches
    against a growing index, as ``add_articles`` does: the same links as the local engine.
    (The titles are the articles' whole text, so ``prepare`` would drop them as headlines:
    ingest equality is checked on the seeds and, slow, on T17 + ECB+.)"""
    opts = _options("dask", scheduler)
    results = {}
    for engine_name in ("local", "dask"):
        arts = _googlenews(data_dir)[:6000]
        engine = get_engine(engine_name, scheduler if engine_name == "dask" else None)
        index = DuplicateIndex(opts.dedupe)
        sigs = {}
        try:
            for start in range(0, len(arts), 3000):
                sigs.update(engine.mark_duplicates(arts[start : start + 3000], index, opts))
        finally:
            engine.close()
        results[engine_name] = ({a.id: a.duplicate_of for a in arts}, sigs)
    (ldup, lsig), (ddup, dsig) = results["local"], results["dask"]
    assert len(ldup) >= 5000
    assert ddup == ldup
    assert sum(1 for v in ldup.values() if v) > 150  # repeated headlines: the check has teeth
    assert lsig.keys() == dsig.keys()
    assert all((lsig[k][0] == dsig[k][0]).all() and lsig[k][1] == dsig[k][1] for k in lsig)


def test_band_pairs_are_exactly_the_lsh_candidates(seeds: Path) -> None:
    """Banded candidate pairs == pairs datasketch's MinHashLSH returns (no more, no fewer)."""
    opts = Options().dedupe
    texts = [p.read_text() for p in sorted(seeds.iterdir())]
    texts += [texts[1][: len(texts[1]) // 2], texts[3] + " Extra words at the end.", texts[3]]
    sigs, _sizes = banding.signature_block(texts, opts)
    index = DuplicateIndex(opts)
    b, r = banding.lsh_params(opts)
    assert (b, r) == index.bands
    n = len(texts)
    rows = banding.band_rows(sigs, np.arange(n), np.ones(n, bool), np.ones(n, bool), b, r)
    pairs = {tuple(p) for part in banding.split_rows(rows, 3) for p in banding.pair_rows(None, part).tolist()}
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=opts.lsh_threshold, num_perm=opts.num_perm)  # as DuplicateIndex builds it
    expected = set()
    for i in range(n):
        for j in lsh.query(banding_minhash(sigs[i], opts)):
            expected.add((i, int(j)))
        lsh.insert(str(i), banding_minhash(sigs[i], opts))
    expected = {(i, j) for i, j in expected if banding.shares_band(sigs[i], sigs[j], b, r)}
    assert pairs == expected
    assert {(5, 1), (6, 3), (7, 3), (7, 6)} <= pairs


def banding_minhash(sig: np.ndarray, opts: DedupeOptions) -> Any:
    from datasketch import MinHash

    return MinHash(num_perm=opts.num_perm, seed=opts.seed, hashvalues=sig, scheme="affine32")


def test_dev_set_same_articles_and_duplicates(data_dir: Path, scheduler: str) -> None:
    """5,104 real articles (T17 + ECB+): the same cleaned articles, errors and links."""
    paths = [data_dir / "clustering" / "t17_stories.jsonl.gz", data_dir / "clustering" / "ecbplus.jsonl.gz"]
    out = {}
    for engine_name in ("local", "dask"):
        opts = _options(engine_name, scheduler if engine_name == "dask" else None)
        engine = get_engine(engine_name, opts.scheduler)
        try:
            arts, errs = engine.read_articles(paths, opts)
            engine.mark_duplicates(arts, DuplicateIndex(opts.dedupe), opts)
        finally:
            engine.close()
        out[engine_name] = ([dataclasses.asdict(a) for a in arts], errs)
    assert len(out["local"][0]) >= 5000
    assert out["dask"] == out["local"]


def test_bulk_path_writes_parquet_with_the_same_duplicates(
    seeds: Path, scheduler: str, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq
    from distributed import Client

    from storyline.engines.bulk import BulkOptions, run_bulk

    copies = _copies(seeds, tmp_path / "copies")
    opts = _options("local")
    local, _errs = LocalEngine().read_articles([seeds, copies], opts)
    LocalEngine().mark_duplicates(local, DuplicateIndex(opts.dedupe), opts)
    with Client(scheduler) as client:
        res = run_bulk([seeds, copies], tmp_path / "out", opts, client, BulkOptions(partition_size=3))
    table = pq.read_table(tmp_path / "out" / "articles.parquet").to_pandas()
    table = table.astype(object).where(table.notna(), None)
    assert res.articles == len(table) == 8 and res.duplicates == 3
    assert {"id", "duplicate_of", "story_id", "event_id", "published", "title", "outlet", "text"} <= set(
        table.columns
    )
    got = {row.id: row.duplicate_of for row in table.itertuples()}
    assert got == {a.id: a.duplicate_of for a in local}
    assert table["text"].tolist() == [
        a.text for a in sorted(local, key=lambda a: table["id"].tolist().index(a.id))
    ]
    story = dict(zip(table["id"], table["story_id"], strict=True))
    assert all(story[aid] == story[dup] for aid, dup in got.items() if dup)
    assert table["story_id"].notna().all() and table["event_id"].notna().all()


def test_plan_units_read_the_same_records_in_order(
    seeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Dask units, read as the workers read them, are ``iter_records`` of the same
    paths: the same walk, big containers split into record chunks, small files in runs."""
    from storyline.engines import dask as dask_engine
    from storyline.ingest import iter_records, read_items

    examples = Path(__file__).resolve().parents[1] / "examples" / "news"
    monkeypatch.setattr(dask_engine, "SPLIT_BYTES", 100)  # every container counts as big
    monkeypatch.setattr(dask_engine, "RECORDS_PER_UNIT", 2)
    monkeypatch.setattr(dask_engine, "FILES_PER_UNIT", 3)
    paths = [examples, tmp_path / "missing.txt", seeds]
    opts = _options("local")
    units = dask_engine.plan_units(paths, opts)
    flat = [x for kind, u in units for x in (read_items(u, opts.ingest) if kind == "paths" else u)]
    assert flat == list(iter_records(paths, opts.ingest))
    assert {kind for kind, _u in units} == {"items", "paths"} and len(units) > 4


def test_bulk_command_offers_the_bulk_options() -> None:
    from click.testing import CliRunner

    from storyline.cli import main

    out = CliRunner().invoke(main, ["bulk", "--help"]).output
    assert "--block-days" in out and "--no-dates" in out and "--scheduler" in out and "Example" in out
