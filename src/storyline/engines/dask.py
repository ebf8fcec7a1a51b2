"""The Dask engine: reading, cleaning and fingerprinting on a Dask cluster.

Same answers as the embedded engine (``storyline.engines.local``), checked by
``tests/test_dask_engine.py``; what moves to the workers is the work that grows with the
number of articles:

- ``read_articles``: the files of ``ingest.walk`` are planned in the driver into *units*
  (runs of small files, or chunks of the records of a big container file -- JSONL/CSV/
  JSON/WARC/feed, ``Format.container`` -- read in the driver and scattered), one task per
  unit; workers run ``ingest.read_items`` and ``engines.work.prepare_items`` on them, as
  the local engine does. Results are concatenated in input order. (The bulk path,
  ``storyline.engines.bulk``, partitions the same walk with dask.bag instead.)
- ``mark_duplicates``: MinHash signatures and LSH band keys are computed on the workers,
  band rows are shuffled by key to ``n_parts`` partitions, candidate pairs come out of each
  bucket (``storyline.dedupe.banding``), and the exact check of ``DuplicateIndex.find`` picks
  each article's best earlier candidate. The band rows of what the index already holds (the
  store's articles, earlier batches) stay on the workers between calls, partitioned by key,
  so each batch shuffles only its own rows.

What stays in the driver, on purpose: the signatures themselves (the store keeps them, so
they pass through the driver whatever the engine), the exact check of the few candidate
pairs, the walk from best candidate to root original in publication order, and inserting
the new signatures into ``index`` (the caller reuses it for the next batch). Grouping is
online and order-dependent and stays in the pipeline.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from storyline.dedupe import DuplicateIndex, banding, order_key
from storyline.engines.work import prepare_items, split_results
from storyline.errors import StorylineError
from storyline.ingest import InputFile, read_file, read_items, walk
from storyline.model import Article, IngestError

if TYPE_CHECKING:
    import pandas as pd

    from storyline.dedupe import DedupeOptions
    from storyline.engines import Progress
    from storyline.options import Options

# Record containers larger than this are read in the driver and their records split across
# partitions; smaller files travel as paths. 1 MiB holds ~200 T17 articles: below that a
# file is not worth splitting.
SPLIT_BYTES = 1 << 20
# Records per partition of a split file, and small files per partition: ~200 articles is
# ~1 s of cleaning, long enough to hide the per-task overhead (~1 ms) and short enough to
# balance two to ten workers on a few thousand articles.
RECORDS_PER_UNIT = 200
FILES_PER_UNIT = 50
# Articles per signature task (~0.3 s each).
SIGN_CHUNK = 500
# A unit of reading work: ("items", [Record | IngestError]) or ("paths", [InputFile]).
Unit = tuple[str, list[Any]]


def start_client(scheduler: str | None, n_workers: int = 2) -> tuple[Any, Any]:
    """A ``distributed.Client`` on ``scheduler``, or on a new loopback-only LocalCluster of
    ``n_workers`` single-threaded processes (no dashboard). Returns (client, cluster)."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as exc:
            raise StorylineError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with warnings.catch_warnings():
        # Without a dashboard the scheduler still serves /health on 127.0.0.1, preferring
        # port 8787 and warning when another cluster holds it; any free port will do.
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    return Client(cluster), cluster


class DaskEngine:
    """Per-article work on a Dask cluster (a local one when ``scheduler`` is None)."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, n_workers: int = 2) -> None:
        self.client, self._cluster = start_client(scheduler, n_workers)
        workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        # Key partitions of the band shuffle: two per worker keeps every worker busy
        # without making each bucket partition tiny.
        self.n_parts = max(2, 2 * workers)
        self._reset(None)

    # -- reading ----------------------------------------------------------------------

    def read_articles(
        self, paths: Iterable[str | Path], options: Options, progress: Progress | None = None
    ) -> tuple[list[Article], list[IngestError]]:
        from distributed import as_completed

        units = plan_units(paths, options)
        if not units:
            return [], []
        # Records read here are scattered first (not embedded in the task graph, which the
        # scheduler would have to hold and ship); paths travel as they are.
        payloads = [self.client.scatter([u], hash=False)[0] if kind == "items" else u for kind, u in units]
        futures = [
            self.client.submit(_run_unit, kind, payload, options, pure=False)
            for (kind, _u), payload in zip(units, payloads, strict=True)
        ]
        position = {f.key: i for i, f in enumerate(futures)}
        results: list[list[Article | IngestError]] = [[] for _ in futures]
        done = 0
        for fut in as_completed(futures):
            try:
                results[position[fut.key]] = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker, a broken environment
                raise StorylineError(
                    f"the Dask cluster failed while reading: {type(exc).__name__}: {exc}"
                ) from None
            done += len(results[position[fut.key]])
            if progress:
                progress("reading", done, None)
        return split_results(item for part in results for item in part)

    # -- near duplicates --------------------------------------------------------------

    def _reset(self, index: DuplicateIndex | None) -> None:
        self._index = index
        self._known: list[Any] = [None] * self.n_parts  # futures: band rows by key partition
        self._ids: list[str] = []  # rank -> id of everything shipped
        self._shipped = 0  # index entries already shipped (``index.ids()`` order)

    def _ship_known(self, index: DuplicateIndex, b: int, r: int) -> None:
        """Send the band rows of index entries the workers have not seen (the store's
        articles on the first call), appended to the per-partition known rows."""
        if self._index is not index or self._shipped > index.count():
            self._reset(index)
        ids = index.ids(self._shipped)  # insertion order: new entries are last
        if not ids:
            return
        for start in range(0, len(ids), 20 * SIGN_CHUNK):
            chunk = ids[start : start + 20 * SIGN_CHUNK]
            sigs = np.stack([index.signature(i) for i in chunk])
            ranks = np.arange(len(self._ids), len(self._ids) + len(chunk))
            self._ids.extend(chunk)
            fut = self.client.submit(_known_pieces, sigs, ranks, b, r, self.n_parts, pure=False)
            self._append_known([fut])
        self._shipped = index.count()

    def _append_known(self, piece_lists: list[Any]) -> None:
        for p in range(self.n_parts):
            parts = [self.client.submit(_getitem, f, p, pure=False) for f in piece_lists]
            self._known[p] = self.client.submit(_concat_known, self._known[p], *parts, pure=False)

    def mark_duplicates(self, articles: Sequence[Article], index: DuplicateIndex, options: Options) -> dict:
        opts = index.options
        todo = sorted(articles, key=order_key)
        if not todo:
            return {}
        # The LSH index's own banding, so that the candidates are exactly its candidates.
        b, r = index.bands
        self._ship_known(index, b, r)
        base = len(self._ids)
        seen: set[str] = set()
        cand = np.zeros(len(todo), dtype=bool)
        for k, art in enumerate(todo):
            cand[k] = art.id not in index and art.id not in seen  # DuplicateIndex.add skips held ids
            seen.add(art.id)
        query = np.array([a.duplicate_of is None for a in todo], dtype=bool)
        tasks = []
        for start in range(0, len(todo), SIGN_CHUNK):
            stop = min(start + SIGN_CHUNK, len(todo))
            texts = self.client.scatter([[a.text for a in todo[start:stop]]], hash=False)[0]
            tasks.append(
                self.client.submit(
                    _sign_and_band,
                    texts,
                    opts,
                    np.arange(base + start, base + stop),
                    query[start:stop],
                    cand[start:stop],
                    b,
                    r,
                    self.n_parts,
                    pure=False,
                )
            )
        sig_futs = [self.client.submit(_getitem, t, 0, pure=False) for t in tasks]
        piece_futs = [self.client.submit(_getitem, t, 1, pure=False) for t in tasks]
        pair_futs = []
        for p in range(self.n_parts):
            mine = [self.client.submit(_getitem, f, p, pure=False) for f in piece_futs]
            pair_futs.append(self.client.submit(banding.pair_rows, self._known[p], *mine, pure=False))
        blocks = self.client.gather(sig_futs)
        pairs = [pr for pr in self.client.gather(pair_futs) if len(pr)]
        sigs = np.concatenate([blk[0] for blk in blocks])
        sizes = np.concatenate([blk[1] for blk in blocks])

        ids = self._ids

        def sig_of(rank: int) -> np.ndarray:
            return sigs[rank - base] if rank >= base else index.signature(ids[rank])

        def size_of(rank: int) -> int:
            return int(sizes[rank - base]) if rank >= base else index.size(ids[rank])

        def id_of(rank: int) -> str:
            return todo[rank - base].id if rank >= base else ids[rank]

        all_pairs = np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=np.int64)
        best = banding.best_original(map(tuple, all_pairs.tolist()), sig_of, size_of, id_of, opts, b, r)
        out = {}
        for k, art in enumerate(todo):
            sig, size = sigs[k], int(sizes[k])
            if art.duplicate_of is None and base + k in best:
                # Same walk as mark_duplicates: the root original of the best candidate.
                cand_id = id_of(best[base + k])
                original = index.root(cand_id)
                if original and original != art.id:
                    art.duplicate_of = original
            index.add(art.id, sig, size, art.duplicate_of)
            out[art.id] = (sig, size)
        # The new candidates are now index entries: keep their rows on the workers.
        self._ids.extend(a.id for a, c in zip(todo, cand, strict=True) if c)
        self._append_known([self.client.submit(_candidates_only, f, pure=False) for f in piece_futs])
        self._shipped = index.count()
        if len(self._ids) != self._shipped:  # the index was changed behind our back
            self._reset(None)
        return out

    def close(self) -> None:
        self._reset(None)  # drop the futures first: the cluster may go away with the client
        quiet = logging.getLogger("distributed.scheduler")
        level = quiet.level
        # Closing a LocalCluster while the scheduler still tracks released scattered data
        # logs a spurious "lost scattered data" error; nothing is lost that we still need.
        quiet.setLevel(logging.CRITICAL)
        try:
            self.client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()
            quiet.setLevel(level)


# --------------------------------------------------------------------------- planning


def plan_units(paths: Iterable[str | Path], options: Options) -> list[Unit]:
    """Inputs -> units of work in input order: ("items", [Record | IngestError]) for the
    records of a big container file (read here) and for missing paths, ("paths",
    [InputFile]) for runs of other files.

    The order of the units' outputs, concatenated, is the order of ``iter_records(paths)``:
    the files are those of ``ingest.walk`` and each is read by ``ingest.read_file``.
    """
    units: list[Unit] = []
    run: list[InputFile] = []

    def flush() -> None:
        if run:
            units.append(("paths", list(run)))
            run.clear()

    for item in walk(paths):
        if isinstance(item, IngestError):
            flush()
            units.append(("items", [item]))
        elif item.format is None or not item.format.container or item.size() <= SPLIT_BYTES:
            run.append(item)
            if len(run) >= FILES_PER_UNIT:
                flush()
        else:
            flush()
            records: list[Any] = []
            for record in read_file(item, options.ingest):
                records.append(record)
                if len(records) >= RECORDS_PER_UNIT:
                    units.append(("items", records))
                    records = []
            if records:
                units.append(("items", records))
    flush()
    return units


# --------------------------------------------------------------------------- worker side


def _run_unit(kind: str, payload: list[Any], options: Options) -> list[Article | IngestError]:
    items = read_items(payload, options.ingest) if kind == "paths" else payload
    return list(prepare_items(items, options))


def _sign_and_band(
    texts: list[str],
    opts: DedupeOptions,
    ranks: np.ndarray,
    q: np.ndarray,
    c: np.ndarray,
    b: int,
    r: int,
    n_parts: int,
) -> tuple[tuple[np.ndarray, np.ndarray], list[pd.DataFrame]]:
    sigs, sizes = banding.signature_block(texts, opts)
    rows = banding.band_rows(sigs, ranks, q, c, b, r)
    return (sigs, sizes), banding.split_rows(rows, n_parts)


def _known_pieces(sigs: np.ndarray, ranks: np.ndarray, b: int, r: int, n_parts: int) -> list[pd.DataFrame]:
    n = len(ranks)
    rows = banding.band_rows(sigs, ranks, np.zeros(n, dtype=bool), np.ones(n, dtype=bool), b, r)
    return banding.split_rows(rows, n_parts)


def _candidates_only(pieces: list[pd.DataFrame]) -> list[pd.DataFrame]:
    return [p[p["c"]].assign(q=False) for p in pieces]


def _concat_known(old: pd.DataFrame | None, *parts: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    frames = [f for f in (old, *parts) if f is not None and len(f)]
    return pd.concat(frames, ignore_index=True) if frames else banding.empty_rows()


def _getitem(obj: Any, i: int) -> Any:
    return obj[i]
