"""The embedded engine: everything in this process, in input order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from storyline.dedupe import DuplicateIndex
from storyline.dedupe import mark_duplicates as dedupe_marks
from storyline.engines.work import prepare_items
from storyline.ingest import iter_records
from storyline.model import Article, IngestError

if TYPE_CHECKING:
    from storyline.engines import Progress
    from storyline.options import Options


class LocalEngine:
    name = "local"

    def read_articles(
        self, paths: Iterable[str | Path], options: Options, progress: Progress | None = None
    ) -> tuple[list[Article], list[IngestError]]:
        articles: list[Article] = []
        errors: list[IngestError] = []
        for result in prepare_items(iter_records(paths, options.ingest), options):
            if isinstance(result, IngestError):
                errors.append(result)
            else:
                articles.append(result)
            if progress:
                progress("reading", len(articles) + len(errors), None)
        return articles, errors

    def mark_duplicates(self, articles: Sequence[Article], index: DuplicateIndex, options: Options) -> dict:
        return dedupe_marks(articles, index)

    def close(self) -> None:
        return None
