"""Execution engines: where the per-article stages run.

The pipeline calls an engine for the work that grows with the number of articles (reading
and cleaning, fingerprinting and near-duplicate search, grouping); everything else is the
same code whatever the engine. ``local`` runs on this machine (a process pool for big
inputs, ``engines.pool``); ``dask`` runs on a Dask
cluster (``pip install 'storyline[dask]'``), a LocalCluster when no scheduler is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from storyline.errors import MissingExtraError, StorylineError

if TYPE_CHECKING:
    from storyline.dedupe import DuplicateIndex
    from storyline.model import Article, IngestError
    from storyline.options import Options

Progress = Callable[[str, int, int | None], None]
ENGINES = ("local", "dask")


class Engine(Protocol):
    """The per-article work of the pipeline. Implementations must give the same answers."""

    name: str

    def read_articles(
        self, paths: Iterable[str | Path], options: Options, progress: Progress | None = None
    ) -> tuple[list[Article], list[IngestError]]:
        """Ingest and clean: every input becomes an Article or an IngestError, in input order."""
        ...

    def mark_duplicates(self, articles: Sequence[Article], index: DuplicateIndex, options: Options) -> dict:
        """Set ``duplicate_of`` on copies (of each other or of what ``index`` holds); return
        ``{article id: (signature, shingle count)}`` for the store."""
        ...

    def close(self) -> None:
        """Release workers, clusters, connections."""
        ...


def get_engine(name: str = "local", scheduler: str | None = None, workers: int | None = None) -> Engine:
    """The engine called ``name``; ``scheduler`` is a Dask scheduler address (dask only);
    ``workers`` the local engine's processes (None: ``engines.pool.default_workers()``; 1:
    everything in this process)."""
    if name == "local":
        from storyline.engines.local import LocalEngine

        return LocalEngine(workers)
    if name == "dask":
        try:
            import dask  # noqa: F401 - only checking that the extra is installed
            import distributed  # noqa: F401
        except ImportError:
            raise MissingExtraError("dask", "dask") from None
        from storyline.engines.dask import DaskEngine

        return DaskEngine(scheduler)
    raise StorylineError(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})")
