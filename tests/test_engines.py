"""The local engine's process pool gives the answers of one process, and known inputs are
not read again (engines.pool, engines.analyses, ingest.known) — on real articles."""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import os
import shutil
from pathlib import Path

import pytest

from storyline import pipeline
from storyline.engines.pool import WorkerPool
from storyline.options import Options
from storyline.store import open_store


def _pids(chunk: list[int], _arg: object) -> list[int]:
    return [os.getpid() for _ in chunk]


def _options(workers: int) -> Options:
    opts = Options(workers=workers)
    opts.group.embedder = "tfidf-hash"  # the default install's; no model to load
    opts.entities.use_spacy = False
    return opts


def test_pool_runs_big_inputs_in_workers_and_small_ones_here() -> None:
    pool = WorkerPool(2, small=8, chunk=4)
    try:
        assert set(pool.map_chunks(_pids, range(5))) == {os.getpid()}  # small: this process
        far = list(pool.map_chunks(_pids, range(40)))
        assert len(far) == 40 and os.getpid() not in far
    finally:
        pool.close()
    one = WorkerPool(1, small=8, chunk=4)
    assert set(one.map_chunks(_pids, range(40))) == {os.getpid()}


def test_pool_keeps_input_order() -> None:
    pool = WorkerPool(2, small=4, chunk=3)
    try:
        assert list(pool.map_chunks(_double, range(100), 2)) == [2 * i for i in range(100)]
    finally:
        pool.close()


def _double(chunk: list[int], k: int) -> list[int]:
    return [k * i for i in chunk]


@pytest.fixture(scope="module")
def t17_slice(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 300 Timeline17 articles as one JSONL file: past the in-process threshold."""
    src = data_dir / "clustering" / "t17_stories.jsonl.gz"
    if not src.is_file():
        pytest.skip(f"{src} not found")
    out = tmp_path_factory.mktemp("t17") / "t17_300.jsonl"
    with gzip.open(src, "rt", encoding="utf-8") as fh, out.open("w", encoding="utf-8") as dst:
        dst.writelines(itertools.islice(fh, 300))
    return out


def test_two_workers_give_the_same_articles_analyses_and_stories(t17_slice: Path, tmp_path: Path) -> None:
    results = []
    for workers in (1, 2):
        store = open_store(tmp_path / f"w{workers}.db")
        _digest, result = pipeline.digest(store, [t17_slice], _options(workers))
        articles = store.articles()
        results.append(
            (
                result.new,
                [dataclasses.asdict(a) for a in articles],
                store.analyses(a.id for a in articles),
                sorted((dataclasses.asdict(s) for s in store.stories()), key=lambda s: s["id"]),
            )
        )
        store.close()
    (new1, arts1, an1, stories1), (new2, arts2, an2, stories2) = results
    assert len(new1) == 300 and new1 == new2
    assert arts1 == arts2
    assert len(an1) == 300 and an1 == an2
    assert len(stories1) >= 2 and stories1 == stories2  # several stories, each the same


def test_known_files_are_skipped_and_edited_ones_read_again(seeds: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(seeds, folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    store = open_store(tmp_path / "s.db")
    first = pipeline.add(store, [folder], _options(1))
    assert first.known_files == 0 and len(first.new) == len(files)

    again = pipeline.add(store, [folder], _options(1))
    assert again.known_files == len(files)
    assert (again.new, sorted(again.unchanged)) == ([], sorted(first.new))
    assert again.stories == first.stories and again.changed == []

    os.utime(files[0])  # touched, same bytes: still known (its content hash says so)
    edited = files[1]
    body = edited.read_text(encoding="utf-8")
    assert "Afghan troops fled into" in body  # the lead sentence (the seeds are fixed data)
    edited.write_text(body.replace("Afghan troops fled into", "Afghan soldiers fled into"), encoding="utf-8")
    third = pipeline.add(store, [folder], _options(1))
    assert third.known_files == len(files) - 1
    assert len(third.new) == 1  # the edited article, stored under a derived id
    assert len(third.ingested) == len(files)

    other = _options(1)
    other.summary.sentences = 2  # other options: another analysis, so everything is read
    assert pipeline.add(store, [folder], other).known_files == 0
    store.close()
