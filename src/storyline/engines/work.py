"""The per-article work every engine runs, whatever its partitioning.

The local engine runs these over the records of ``ingest.iter_records`` in one process;
the Dask engine over units planned from ``ingest.walk``; the bulk path over dask.bag
partitions. Keeping them here, and nowhere else, is what makes the engines agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from storyline.ingest import IngestOptions, Record, prepare
from storyline.ingest.base import error
from storyline.model import Article, IngestError

if TYPE_CHECKING:
    from storyline.clean import CleanOptions
    from storyline.options import Options


def prepare_safely(record: Record, options: Options) -> Article | IngestError:
    """``ingest.prepare`` that turns an unexpected failure into a reported IngestError:
    one odd article must never stop the run, and it must never vanish either."""
    return prepare_record(record, options.ingest, options.clean)


def prepare_record(record: Record, ingest: IngestOptions, clean: CleanOptions) -> Article | IngestError:
    """``prepare_safely`` with only the two option sets it reads: what a worker process is
    sent (a whole ``Options`` would make it import every stage to unpickle it)."""
    try:
        return prepare(record, ingest, clean)
    except Exception as exc:  # noqa: BLE001 - reported, see docstring
        ident = record.id if len(record.id) <= 80 else record.id[:79] + "…"
        return error(record.source, f"could not process article {ident!r}: {type(exc).__name__}: {exc}")


def prepare_items(items: Iterable[Record | IngestError], options: Options) -> Iterator[Article | IngestError]:
    """Records -> Articles (or IngestErrors), errors from reading passed through, in order."""
    for item in items:
        yield prepare_safely(item, options) if isinstance(item, Record) else item


def split_results(items: Iterable[Article | IngestError]) -> tuple[list[Article], list[IngestError]]:
    """Articles and errors apart, each in input order."""
    articles: list[Article] = []
    errors: list[IngestError] = []
    for item in items:
        if isinstance(item, IngestError):
            errors.append(item)
        else:
            articles.append(item)
    return articles, errors
