"""Nothing lost, nothing crashes: hostile input, killed runs, two writers, readers during writes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from badcorpus import make_corpus
from storyline import pipeline
from storyline.store import Store


def _markers(store: Store, prefix: str) -> list[str]:
    found = []
    for art in store.articles():
        found += [w.strip(".") for w in art.text.split() if w.startswith(prefix)]
    return found


def _account(store: Store, errors: list, manifest) -> None:  # type: ignore[no-untyped-def]
    stored = _markers(store, "zq")
    assert sorted(set(stored)) == sorted(manifest.good)  # every good article is in the store
    assert len(stored) == len(set(stored))  # exactly once
    error_paths = {e.path for e in errors}
    missing = manifest.bad_files - error_paths
    assert not missing, missing  # every bad input is reported
    assert all(e.error and "\n" not in e.error and len(e.error) < 300 for e in errors)
    sources = {(a.source or "").split("#")[0] for a in store.articles()}
    for path in manifest.either:
        assert path in sources or path in error_paths, path


def test_hostile_corpus_nothing_lost(tmp_path: Path) -> None:
    manifest = make_corpus(tmp_path / "in", n_good=120)
    opts = pipeline.Options(batch_size=50)
    with Store(tmp_path / "s.db") as store:
        result = pipeline.add(store, [tmp_path / "in"], opts)
        _account(store, result.errors, manifest)
        assert store.integrity_ok()
        # The clashing id (other text) is kept under a derived id, not overwritten.
        assert any(new.startswith(manifest.clash_id + "~") for new in result.renamed.values())
        # Bad dates are dropped with the reason, 100 kB titles cut.
        odd = [a for a in store.articles() if a.id.startswith("j")]
        assert all(a.published is None for a in odd)
        assert all(len(a.title or "") <= 500 for a in odd)
        # The same input again changes nothing.
        again = pipeline.add(store, [tmp_path / "in"], opts)
        assert again.new == [] and len(again.unchanged) == len(result.new)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from storyline.cli import run; run()", *args]


def test_killed_runs_lose_and_double_nothing(tmp_path: Path) -> None:
    manifest = make_corpus(tmp_path / "in", n_good=240, seed=11)
    db = tmp_path / "k.db"
    cmd = _cli("add", str(tmp_path / "in"), "--db", str(db), "--no-analyze", "--batch-size", "15")
    rng = random.Random(3)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    kills = 0
    for _ in range(5):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(1.0, 6.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        with Store(db) as store:
            assert store.integrity_ok()
            stored = _markers(store, "zq")
            assert len(stored) == len(set(stored))  # never doubled, even mid-way
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    with Store(db) as store:
        assert store.integrity_ok()
        _account(store, store.errors(), manifest)
    assert kills >= 1  # at least one run really was interrupted


def test_two_writers_and_a_reader(tmp_path: Path) -> None:
    a = make_corpus(tmp_path / "a", n_good=60, seed=21)
    b = make_corpus(tmp_path / "b", n_good=60, seed=22)
    db = tmp_path / "c.db"
    Store(db).close()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    stop = threading.Event()
    reads: list[int] = []
    failures: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                with Store(db) as store:
                    reads.append(len(store.articles()))
                    store.stories()
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(exc)
            time.sleep(0.05)

    thread = threading.Thread(target=reader)
    thread.start()
    procs = [
        subprocess.Popen(
            _cli(
                "add",
                str(tmp_path / d),
                str(tmp_path / "a"),
                "--db",
                str(db),
                "--batch-size",
                "10",
                "--no-analyze",
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for d in ("a", "b")
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    stop.set()
    thread.join()
    assert [p.returncode for p in procs] == [0, 0], outs
    assert not failures, failures[:3]
    assert reads and reads == sorted(reads)  # readers saw the store grow, never shrink
    with Store(db) as store:
        assert store.integrity_ok()
        stored = _markers(store, "zq")
        assert sorted(stored) == sorted(a.good | b.good)


@pytest.mark.parametrize("batch", [1, 3, 1000])
def test_batches_do_not_change_the_store(tmp_path: Path, batch: int) -> None:
    examples = Path(__file__).resolve().parents[1] / "examples" / "news"
    with Store(tmp_path / f"b{batch}.db") as store:
        pipeline.add(store, [examples], pipeline.Options(batch_size=batch))
        got = {a.id: (a.duplicate_of, a.text) for a in store.articles()}
    with Store(tmp_path / "ref.db") as ref:
        pipeline.add(ref, [examples], pipeline.Options())
        want = {a.id: (a.duplicate_of, a.text) for a in ref.articles()}
    assert got == want
