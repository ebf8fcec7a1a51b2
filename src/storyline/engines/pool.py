"""A process pool for the per-article stages of the local engine: both cores, same answers.

Cleaning an article and analysing it (sentences, dates, figures) are pure functions of the
article, so they can run in other processes and come back in input order; everything that
depends on the collection (duplicates, grouping, story analysis) stays in the calling
process. Workers start through ``forkserver``: the calling process may hold threads (torch,
the SQLite writer) that a plain ``fork`` would copy in an unknown state. Each worker imports
what it needs once and keeps its models loaded for its life (lazily: a worker that never
analyses never loads a model).

Small inputs stay in this process: starting workers costs about a second (a fresh
interpreter importing the stages), more than cleaning a few hundred articles takes, and the
seeds' cold start must stay under two seconds.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Most workers started: past four the per-article stages are no longer what limits a run
# (the collection-wide stages are), and each worker holds its own copy of any model.
MAX_WORKERS = 4
# Items below which work stays in this process (see the module docstring): ~250 articles
# clean in about the time a worker takes to start.
SMALL = 256
# Items per task: large enough that pickling and scheduling are a small share of the task,
# small enough that both workers stay busy to the end of a 1,000-article run.
CHUNK = 32
# Tasks in flight per worker: keeps workers fed while bounding what waits in memory.
AHEAD = 3


def default_workers() -> int:
    """``min(cores, MAX_WORKERS)``: the cores this process may use (its CPU affinity)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def resolve_workers(workers: int | None) -> int:
    """The number of processes to use: ``None`` or 0 = ``default_workers()``, else at least 1."""
    return default_workers() if not workers else max(1, workers)


class WorkerPool:
    """A lazily started ``ProcessPoolExecutor`` mapping a function over chunks in order.

    ``map_chunks`` runs in this process when the pool has one worker or the input is small
    (fewer than ``small`` items seen before the input ends), so callers need not decide.
    """

    def __init__(self, workers: int | None = None, small: int = SMALL, chunk: int = CHUNK) -> None:
        self.workers = resolve_workers(workers)
        self.small = small
        self.chunk = chunk
        self._executor: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._executor is None:
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            ctx = multiprocessing.get_context(method)
            if method == "forkserver":
                # Imported once in the fork server, inherited by every worker it forks.
                ctx.set_forkserver_preload(["storyline.engines.work"])
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self._executor

    def map_chunks(
        self, fn: Callable[[list[T], Any], list[R]], items: Iterable[T], arg: Any = None
    ) -> Iterator[R]:
        """``fn(chunk, arg)`` over consecutive chunks of ``items``, results flattened in
        input order. ``fn`` and ``arg`` must pickle (a module-level function)."""
        it = iter(items)
        head: list[T] = []
        if self.workers > 1:
            for item in it:
                head.append(item)
                if len(head) >= self.small:
                    break
        if self.workers <= 1 or len(head) < self.small:
            # One process: the same function over the same chunks (same answers by construction).
            rest = head if self.workers > 1 else it
            buf: list[T] = []
            for item in rest:
                buf.append(item)
                if len(buf) >= self.chunk:
                    yield from fn(buf, arg)
                    buf = []
            if buf:
                yield from fn(buf, arg)
            return
        yield from self._parallel(fn, _chain(head, it), arg)

    def _parallel(self, fn: Callable[[list[T], Any], list[R]], items: Iterator[T], arg: Any) -> Iterator[R]:
        executor = self._start()
        pending: deque[Future[list[R]]] = deque()
        buf: list[T] = []
        for item in items:
            buf.append(item)
            if len(buf) >= self.chunk:
                pending.append(executor.submit(fn, buf, arg))
                buf = []
                while len(pending) >= self.workers * AHEAD:
                    yield from pending.popleft().result()
        if buf:
            pending.append(executor.submit(fn, buf, arg))
        while pending:
            yield from pending.popleft().result()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def _chain(head: list[T], rest: Iterator[T]) -> Iterator[T]:
    yield from head
    yield from rest
