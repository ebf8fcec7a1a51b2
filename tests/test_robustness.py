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
    for prefix in manifest.bad_prefixes:
        assert any(p.startswith(prefix) for p in error_paths), prefix
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
        # Bad dates are dropped with the reason, 100 kB titles cut (the cut noted).
        odd = [a for a in store.articles() if a.id.startswith("j")]
        assert all(a.published is None for a in odd)
        assert all(len(a.title or "") <= 500 for a in odd)
        assert any(r.reason.startswith("title-too-long") for a in odd for r in a.removed)
        # The 5 MB id is stored as its hash, with the reason; the name with a \xff byte
        # is stored readably.
        longid = next(a for a in store.articles() if manifest.hashed_id in a.text)
        assert len(longid.id) == 16 and [r.reason for r in longid.removed if "id-" in r.reason]
        assert any(a.source.endswith("bad\\xffbyte.txt") for a in store.articles())
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


def test_both_engines_read_the_same(tmp_path: Path) -> None:
    """The Dask engine reads the hostile corpus exactly as the local one: same articles,
    same errors, in the same order."""
    pytest.importorskip("distributed")
    from storyline.engines import get_engine

    make_corpus(tmp_path / "in", n_good=24, seed=3)
    opts = pipeline.Options()
    local = get_engine("local").read_articles([tmp_path / "in"], opts)
    engine = get_engine("dask")
    try:
        dask = engine.read_articles([tmp_path / "in"], opts)
    finally:
        engine.close()
    assert [a.id for a in dask[0]] == [a.id for a in local[0]]
    assert [a.text for a in dask[0]] == [a.text for a in local[0]]
    assert dask[1] == local[1] and len(local[1]) > 20


def test_unreadable_folder_is_reported(tmp_path: Path) -> None:
    """A folder that cannot be listed is an error in its place. We may run as root, for
    whom chmod 000 changes nothing: the walk then runs in a child that drops to nobody."""
    import tempfile

    from storyline.ingest import walk

    top = Path(tempfile.mkdtemp(dir="/tmp" if os.geteuid() == 0 else tmp_path))
    try:
        (top / "in" / "locked").mkdir(parents=True)
        (top / "in" / "a.txt").write_text("An article in a readable folder.\n")
        (top / "in" / "locked" / "b.txt").write_text("An article behind a locked door.\n")
        for d in (top, top / "in"):
            d.chmod(0o755)
        (top / "in" / "locked").chmod(0)
        got = _walk_as_nobody(top / "in") if os.geteuid() == 0 else [_plain(i) for i in walk([top / "in"])]
    finally:
        (top / "in" / "locked").chmod(0o755)
        import shutil

        shutil.rmtree(top)
    assert got[0] == ("file", str(top / "in" / "a.txt"))
    assert got[1][0] == "error" and got[1][1] == str(top / "in" / "locked")
    assert "cannot read folder" in got[1][2] and "ermission" in got[1][2]
    assert len(got) == 2


def _plain(item: object) -> tuple[str, ...]:
    from storyline.model import IngestError

    if isinstance(item, IngestError):
        return ("error", item.path, item.error)
    return ("file", str(item.path))  # type: ignore[attr-defined]  # an InputFile


def _walk_as_nobody(folder: Path) -> list[tuple[str, ...]]:
    import json
    import pwd

    from storyline.ingest import walk

    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no exec (nobody cannot read this interpreter), only the walk
        try:
            os.close(read_end)
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            with os.fdopen(write_end, "w") as out:
                json.dump([_plain(i) for i in walk([folder])], out)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as inp:
        data = inp.read()
    os.waitpid(pid, 0)
    return [tuple(x) for x in json.loads(data)]


def test_limits_cut_with_reasons_and_isolate_records(tmp_path: Path) -> None:
    """Small limits, so that each is reached cheaply: text, HTML and ids are cut with the
    reason kept; an oversize CSV field costs its row only; the per-file time budget and the
    archive cap stop reading with an error saying where."""
    from badcorpus import warc_record
    from storyline.ingest import IngestOptions, iter_records, prepare
    from storyline.model import Article, IngestError

    words = " ".join(f"word{i}" for i in range(400))  # 3,089 characters
    (tmp_path / "long.txt").write_text(f"A headline\n\n{words}.\n")
    (tmp_path / "page.html").write_text(f"<html><body><article><p>{words}.</p></article></body></html>")
    oversize = "\n".join(["x" * 1000] * 5)  # a quoted field over five lines, past max_file_bytes
    rows = ["id,text", 'a,"First row, kept."', f'b,"{oversize}"', 'c,"Third row, kept too."']
    (tmp_path / "rows.csv").write_text("\n".join(rows) + "\n")
    text = "Text with a NUL\\u0000 and \\ud800."
    (tmp_path / "ids.jsonl").write_text('{"id": "' + "k" * 300 + '", "text": "' + text + '"}\n')
    page = b"<html><body><article><p>" + words.encode() + b"</p></article></body></html>"
    pages = [warc_record(f"https://x.example/{k}", page) for k in range(3)]
    (tmp_path / "big.warc").write_bytes(b"".join(pages))
    opts = IngestOptions(
        max_text_chars=1000, max_html_chars=2000, max_file_bytes=4000, max_archive_bytes=6000
    )
    out = {}
    for item in iter_records([tmp_path], opts):
        res = item if isinstance(item, IngestError) else prepare(item, opts)
        out[res.path if isinstance(res, IngestError) else res.id] = res
    assert isinstance(out["long"], Article) and len(out["long"].raw_text) == 1000
    assert [r.reason for r in out["long"].removed if "too-long" in r.reason] == [
        "text-too-long: cut at 1,000 characters"
    ]
    html_cut = [r.reason for r in out["page"].removed if "too-long" in r.reason]  # type: ignore[union-attr]
    assert html_cut[0] == "html-too-long: cut at 2,000 characters"
    assert {"a", "c"} <= set(out) and "oversize field" in out[f"{tmp_path / 'rows.csv'}:3"].error
    hashed = next(a for a in out.values() if isinstance(a, Article) and a.source.endswith("ids.jsonl:1"))
    assert len(hashed.id) == 16 and "\x00" not in hashed.text and "\ufffd" in hashed.text
    hashed.text.encode("utf-8")  # valid UTF-8: no lone surrogate left
    archive = [k for k in out if k.startswith(str(tmp_path / "big.warc"))]
    assert archive and "exceeds 6,000 bytes" in out[archive[-1]].error
    slow = list(iter_records([tmp_path / "rows.csv"], IngestOptions(max_seconds_per_file=0)))
    assert len(slow) == 1 and "time budget" in slow[0].error  # type: ignore[union-attr]


def test_a_reader_that_raises_costs_its_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a format's reader raises becomes one error naming the file and how far it
    got; the files after it are read."""
    from storyline.ingest import FORMATS, Record, iter_records
    from storyline.ingest.formats import Format

    def explode(path: Path, options: object):  # type: ignore[no-untyped-def]
        yield Record(id="first", source=str(path), text="The first record is fine.")
        raise AttributeError("'NoneType' object has no attribute 'startswith'")

    monkeypatch.setitem(FORMATS, ".boom", Format("boom", (".boom",), explode))
    (tmp_path / "a.boom").write_text("x")
    (tmp_path / "b.txt").write_text("An article after the broken file.\n")
    got = list(iter_records([tmp_path]))
    assert [getattr(g, "id", None) for g in got] == ["first", None, "b"]
    assert got[1].path == str(tmp_path / "a.boom")  # type: ignore[union-attr]
    assert got[1].error.startswith("could not read after 1 record: AttributeError")  # type: ignore[union-attr]
