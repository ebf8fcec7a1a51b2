"""The embedded engine: this machine, in input order.

Reading (parsing each file) happens in this process, in ``ingest.walk`` order; cleaning
(``engines.work.prepare_items``) runs over chunks of records in a process pool
(``engines.pool``) when the input is big enough to pay for the workers, in this process
otherwise. Results come back in input order either way, so the answers do not depend on
the number of workers (tested in tests/test_engines.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storyline.dedupe import DuplicateIndex
from storyline.dedupe import mark_duplicates as dedupe_marks
from storyline.engines.pool import WorkerPool
from storyline.engines.work import prepare_record
from storyline.ingest import IngestOptions, InputFile, Record, read_file, walk
from storyline.model import Article, IngestError

if TYPE_CHECKING:
    from storyline.clean import CleanOptions
    from storyline.engines import Progress
    from storyline.options import Options

# One input (a file, or a path that could not be walked) and what came of it, in order.
FileResult = tuple["InputFile | IngestError", list[Article], list[IngestError]]


class LocalEngine:
    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.pool = WorkerPool(workers)

    def read_articles(
        self, paths: Iterable[str | Path], options: Options, progress: Progress | None = None
    ) -> tuple[list[Article], list[IngestError]]:
        articles: list[Article] = []
        errors: list[IngestError] = []
        for _item, arts, errs in self.read_files(walk(paths), options, progress):
            articles += arts
            errors += errs
        return articles, errors

    def read_files(
        self, items: Iterable[InputFile | IngestError], options: Options, progress: Progress | None = None
    ) -> list[FileResult]:
        """``read_articles`` per input: the articles and errors of each walked item, so that
        the caller can tell which file gave what (``ingest.known`` remembers whole files)."""
        out: list[FileResult] = []
        done = 0

        def tagged() -> Iterator[tuple[int, Any]]:
            for item in items:
                out.append((item, [], []))
                if isinstance(item, IngestError):
                    yield len(out) - 1, item
                else:
                    for record in read_file(item, options.ingest):
                        yield len(out) - 1, record

        for k, result in self.pool.map_chunks(_prepare_tagged, tagged(), (options.ingest, options.clean)):
            if isinstance(result, IngestError):
                out[k][2].append(result)
            else:
                out[k][1].append(result)
            done += 1
            if progress:
                progress("reading", done, None)
        return out

    def mark_duplicates(self, articles: Sequence[Article], index: DuplicateIndex, options: Options) -> dict:
        return dedupe_marks(articles, index)

    def close(self) -> None:
        self.pool.close()


def _prepare_tagged(
    chunk: list[tuple[int, Any]], opts: tuple[IngestOptions, CleanOptions]
) -> list[tuple[int, Article | IngestError]]:
    """Worker side: clean a chunk of (input index, record or error) pairs, indices kept
    (``work.prepare_items``, given only the ingest and clean options)."""
    return [(k, prepare_record(item, *opts) if isinstance(item, Record) else item) for k, item in chunk]
