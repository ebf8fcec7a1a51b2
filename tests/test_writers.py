"""Concurrent writers: a second writer waits for the lock, says so once, and finishes.

Before, a second `storyline add` that started while another held a batch for longer than the
busy timeout died with "database is locked", exit 3, its run lost. These tests hold the
write lock in one real process for longer than the other's (shortened) lock timeout and
check that the other finishes with everything stored. Both backends (``new_store_target``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from storyline.errors import InputError
from storyline.model import Article
from storyline.store import open_store

NewTarget = Callable[[], "str | Path"]

# Holds the write lock of the store named by argv[1], with one article added, until a line
# arrives on stdin: the test releases it only once the other writer has said it is waiting
# and has retried, so the hold outlasts that writer's lock timeout whatever the machine's speed.
HOLDER = """
import sys
from storyline.model import Article
from storyline.store import open_store

with open_store(sys.argv[1]) as store:
    with store.writing():
        store.add_articles([Article(id="held", text="The article of the writer holding the lock.")])
        print("holding", flush=True)
        sys.stdin.readline()
print("released", flush=True)
"""

TEXTS = [
    "Engineers at the Verrin dam opened a relief channel on Sunday, officials said.\n\n"
    "The reservoir fell by three metres overnight.",
    "Residents of Hollin Ford returned home on Tuesday after the evacuation order was lifted.\n\n"
    "About 1,500 people below the dam must stay in Wendmere.",
    "The provincial water board said inspections of the dam wall would take two weeks.\n\n"
    "Repairs are expected to cost 40 million.",
]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from storyline.cli import run; run()", *args]


def _lines_into(stream: Iterable[str], lines: list[str], seen: threading.Event, needle: str) -> None:
    for line in stream:
        lines.append(line)
        if needle in line:
            seen.set()


def test_a_second_add_waits_for_the_writer_and_finishes(new_store_target: NewTarget, tmp_path: Path) -> None:
    target = new_store_target()
    with open_store(target):  # created before either writer starts
        pass
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i, text in enumerate(TEXTS):
        (inputs / f"dam-{i}.txt").write_text(text)
    env = {**os.environ, "STORYLINE_LOCK_TIMEOUT": "1", "HF_HUB_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    adder: subprocess.Popen[str] | None = None
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "holding", holder.stderr.read() if holder.stderr else ""
        adder = subprocess.Popen(
            _cli("add", str(inputs), "--db", str(target), "--no-analyze"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        err_lines: list[str] = []
        waiting = threading.Event()
        needle = "waiting for another writer"
        args = (adder.stderr, err_lines, waiting, needle)
        reader = threading.Thread(target=_lines_into, args=args, daemon=True)
        reader.start()
        assert waiting.wait(300), "".join(err_lines)
        time.sleep(2.5)  # more tries of 1 s each go by while the lock is still held
        assert adder.poll() is None, "".join(err_lines)  # still waiting, not dead
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.wait(60) == 0
        out, _ = adder.communicate(timeout=300)
        reader.join(10)
    finally:
        for proc in (holder, adder):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    stderr = "".join(err_lines)
    assert adder.returncode == 0, stderr
    assert "database is locked" not in stderr and "Traceback" not in stderr
    waits = [line for line in err_lines if "waiting for another writer" in line]
    assert waits == [f"waiting for another writer on {target} ...\n"]  # once, naming the store
    assert "ingested 3, skipped 0 (3 new)" in out
    with open_store(target, readonly=True) as store:
        ids = sorted(a.id for a in store.articles())
    assert len(ids) == 4 and "held" in ids  # the holder's article and the waiting writer's three


def test_a_writer_waits_with_backoff_and_is_told_once(new_store_target: NewTarget) -> None:
    target = new_store_target()
    told: list[str] = []
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:
        with open_store(target) as first, first.writing():
            first.add_articles([Article(id="a", text="one")])
            locked.set()
            time.sleep(1.5)  # several of the second writer's 0.2 s tries

    with open_store(target):
        pass
    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(30)
        with open_store(target, timeout=0.2, on_wait=told.append) as second:
            second.add_articles([Article(id="b", text="two")])
            done.set()
            assert [a.id for a in second.articles()] == ["a", "b"]  # after the first committed
    finally:
        thread.join(30)
    assert done.is_set() and len(told) == 1 and "waiting for another writer on" in told[0]


def test_a_bounded_wait_gives_up_with_one_line_naming_the_store(new_store_target: NewTarget) -> None:
    target = new_store_target()
    with open_store(target) as first:
        with first.writing():
            first.add_articles([Article(id="a", text="one")])
            start = time.monotonic()
            with pytest.raises(InputError) as caught:
                open_store(target, timeout=0.2, wait=1.0)
            assert time.monotonic() - start >= 1.0  # it did wait, for as long as it was allowed
        message = str(caught.value)
        assert "\n" not in message and "busy" in message and "another storyline process" in message
        assert message.startswith(f"{target}: ")  # the store's path or URL (no password here)
        with open_store(target, timeout=0.2, wait=1.0) as second:  # once free, it gets in
            second.add_articles([Article(id="b", text="two")])
        assert first.count_articles() == 2
