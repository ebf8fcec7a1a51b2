"""The embedded engine: everything in this process, in input order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from storyline.dedupe import DuplicateIndex
from storyline.dedupe import mark_duplicates as _mark
from storyline.ingest import Record, iter_records, prepare
from storyline.model import Article, IngestError

if TYPE_CHECKING:
    from storyline.engines import Progress
    from storyline.pipeline import Options


def prepare_safely(record: Record, options: Options) -> Article | IngestError:
    """``ingest.prepare`` that turns an unexpected failure into a reported IngestError:
    one odd article must never stop the run, and it must never vanish either."""
    try:
        return prepare(record, options.ingest)
    except Exception as exc:  # noqa: BLE001 - reported, see docstring
        return IngestError(
            record.source, f"could not process article {record.id!r}: {type(exc).__name__}: {exc}"
        )


class LocalEngine:
    name = "local"

    def read_articles(
        self, paths: Iterable[str | Path], options: Options, progress: Progress | None = None
    ) -> tuple[list[Article], list[IngestError]]:
        articles: list[Article] = []
        errors: list[IngestError] = []
        for item in iter_records(paths, options.ingest):
            result = item if isinstance(item, IngestError) else prepare_safely(item, options)
            if isinstance(result, IngestError):
                errors.append(result)
            else:
                articles.append(result)
            if progress:
                progress("reading", len(articles) + len(errors), None)
        return articles, errors

    def mark_duplicates(self, articles: Sequence[Article], index: DuplicateIndex, options: Options) -> dict:
        return _mark(articles, index)

    def close(self) -> None:
        return None
