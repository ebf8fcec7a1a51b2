"""The bulk path: corpora too large for the SQLite store, on a Dask cluster, to Parquet.

The command line is ``storyline bulk`` (``storyline.cli``). ``run_bulk`` partitions the files
of ``ingest.walk`` with dask.bag (plain JSONL in byte blocks, Parquet through
dask.dataframe, every other file ``ingest`` reads whole, by ``ingest.read_file``), and runs
the per-article stages as partitioned work on the workers: parse, clean
(``engines.work.prepare_items``, as the other engines), fingerprint (MinHash), dates
(``timex.find_timexes``), near-duplicates by LSH banding (a shuffle by band key,
``storyline.dedupe.banding``), then grouping in time-ordered blocks. It writes
``articles.parquet`` (a Parquet dataset folder: one file per partition) with
``id, duplicate_of, story_id, event_id, published, title, outlet, text, dates``.

How it compares with the embedded pipeline (``storyline add``):

- parse, clean, fingerprint, dates: the same functions, so the same values. Articles are
  the same except ids of JSONL records without an ``id`` field read from a *plain* (not
  gzipped) .jsonl file, which is split into byte blocks: they get ``<stem>-<content hash>``
  instead of ``<stem>-<line number>``. Repeated ids get ``~2``, ``~3``, ... (the store
  derives ``~<text hash>`` instead).
- near-duplicates: exact. Same candidates (same bands), same check, same tie-break, same
  publication order, so the same ``duplicate_of`` as ``dedupe.mark_duplicates`` on the
  whole collection at once.
- grouping: APPROXIMATE. The online ``Grouper`` is order-dependent: each article sees the
  clusters built by all earlier ones. Here the time line is cut into blocks of
  ``block_days`` (the blocking: an article can only join stories of its own time block),
  each grouped independently on a worker by a fresh ``Grouper`` that is first fed the last
  ``overlap_days`` of articles before the block (its *warm-up*: the stories still open at
  the block start, as far as the story window can see). Merge step: a story of block k+1
  that holds warm-up articles is renamed to the block-k story that holds most of them (ties:
  smaller id); an event likewise, when its story was merged into that event's story. What
  differs from one sequential Grouper: centroids and document frequencies only see the
  block and its warm-up, and a story split across a block boundary without a warm-up
  article in common stays split. Measured by ``benchmarks/bench_scale.py --grouping`` (see
  docs/scale-out.md for the figures).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from storyline.dedupe import banding, order_key
from storyline.engines.work import prepare_items, split_results
from storyline.errors import InputError
from storyline.ingest import InputFile, Record, read_items, record_from_mapping, stem, walk
from storyline.model import Article, IngestError

if TYPE_CHECKING:
    from storyline.options import Options


@dataclass
class BulkOptions:
    """Settings of the bulk path (the per-stage settings come from ``pipeline.Options``)."""

    # Time block of the grouping. 90 days: three story windows (30 days), so the warm-up
    # re-groups a third of each block; shorter blocks give more parallelism and more
    # boundaries (more approximation). Not tuned: see docs/scale-out.md for the effect.
    block_days: int = 90
    # Warm-up before each block; None = the story window (GroupOptions.story.window_days),
    # the horizon beyond which the sequential Grouper closes a story anyway.
    overlap_days: float | None = None
    # Articles per partition after reading (~2-5 s of cleaning per partition on one core).
    partition_size: int = 1000
    # Plain .jsonl files are read in byte blocks of this size (gzip cannot be split).
    blocksize: str = "64MiB"
    # Tag temporal expressions (``timex.find_timexes``) and keep the DATE values.
    dates: bool = True
    # Partitions of the band-key shuffle; None = 2 per worker.
    key_partitions: int | None = None


@dataclass
class BulkResult:
    """What ``run_bulk`` wrote and how long each step took (seconds)."""

    articles: int = 0
    errors: int = 0
    duplicates: int = 0
    stories: int = 0
    events: int = 0
    blocks: int = 0
    output: Path | None = None
    timing: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------- entry point


def run_bulk(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    options: Options | None = None,
    client: Any = None,
    bulk: BulkOptions | None = None,
) -> BulkResult:
    """Read, clean, fingerprint, date, dedupe and group ``inputs`` on the cluster of
    ``client`` (a ``distributed.Client``; None = a new 2-worker LocalCluster) and write
    ``out_dir/articles.parquet`` and ``out_dir/errors.jsonl``.

    >>> run_bulk(["crawl/"], "out", client=Client("tcp://scheduler:8786"))  # doctest: +SKIP
    """
    from storyline.options import Options

    opts = options or Options()
    bopts = bulk or BulkOptions()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    own_client = None
    if client is None:
        from storyline.engines.dask import start_client

        own_client = start_client(None)
        client = own_client[0]
    try:
        return _run(inputs, out, opts, bopts, client)
    finally:
        if own_client:
            own_client[0].close()
            own_client[1].close()


def _run(
    inputs: Iterable[str | Path], out: Path, opts: Options, bopts: BulkOptions, client: Any
) -> BulkResult:
    res = BulkResult(output=out / "articles.parquet")
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    n_keys = bopts.key_partitions or max(2, 2 * workers)
    t0 = time.perf_counter()

    # 1. parse + clean + fingerprint + dates, one future per partition, kept on the workers.
    raw = client.compute(read_records(inputs, opts, bopts).to_delayed())  # read once, kept on workers
    parts = client.map(
        _prepare_part, _rebalance(client, raw, bopts.partition_size), opts=opts, dates=bopts.dates, pure=False
    )
    keys = client.gather(client.map(_keys, parts, pure=False))
    res.timing["read_clean_fingerprint_s"] = time.perf_counter() - t0
    errors = client.gather(client.map(_errors, parts, pure=False))
    with (out / "errors.jsonl").open("w", encoding="utf-8") as fh:
        for errs in errors:
            for e in errs:
                fh.write(json.dumps({"path": e.path, "error": e.error}) + "\n")
                res.errors += 1

    # 2. global publication order (driver: ~100 bytes per article) and unique ids.
    t1 = time.perf_counter()
    flat = [
        (pub, aid, p, k)
        for p, (ids, pubs) in enumerate(keys)
        for k, (aid, pub) in enumerate(zip(ids, pubs, strict=True))
    ]
    final_ids = _unique_ids([(aid, p, k) for pub, aid, p, k in flat])
    order = sorted(
        range(len(flat)), key=lambda i: order_key(Article(id=final_ids[i], text="", published=flat[i][0]))
    )
    rank = np.empty(len(flat), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(flat))
    loc = [(flat[i][2], flat[i][3]) for i in range(len(flat))]
    starts = np.cumsum([0] + [len(ids) for ids, _ in keys])
    res.articles = len(flat)

    # 3. near-duplicates: band rows -> shuffle by key -> pairs -> exact check -> roots.
    b, r = banding.lsh_params(opts.dedupe)
    pieces = [
        client.submit(_band_part, part, rank[starts[p] : starts[p + 1]], b, r, n_keys, pure=False)
        for p, part in enumerate(parts)
    ]
    pair_futs = [
        client.submit(
            banding.pair_rows, None, *[client.submit(_getitem, f, k, pure=False) for f in pieces], pure=False
        )
        for k in range(n_keys)
    ]
    pairs = [pr for pr in client.gather(pair_futs) if len(pr)]
    del pieces, pair_futs
    all_pairs = np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=np.int64)
    by_rank = np.asarray(order, dtype=np.int64)  # rank -> flat index
    needed = np.unique(all_pairs) if len(all_pairs) else np.empty(0, dtype=np.int64)
    wanted: dict[int, list[int]] = defaultdict(list)
    for rk in needed.tolist():
        wanted[loc[by_rank[rk]][0]].append(loc[by_rank[rk]][1])
    taken = client.gather({p: client.submit(_take, parts[p], rows, pure=False) for p, rows in wanted.items()})
    sig_at: dict[int, tuple[np.ndarray, int]] = {}
    for p, rows in wanted.items():
        sigs, sizes = taken[p]
        for k, row in enumerate(rows):
            sig_at[int(starts[p] + row)] = (sigs[k], int(sizes[k]))
    best = banding.best_original(
        map(tuple, all_pairs.tolist()),
        lambda rk: sig_at[int(by_rank[rk])][0],
        lambda rk: sig_at[int(by_rank[rk])][1],
        lambda rk: final_ids[int(by_rank[rk])],
        opts.dedupe,
        b,
        r,
    )
    duplicate_of: dict[int, int] = {}  # flat index -> flat index of the root original
    for q in sorted(best):
        c = int(by_rank[best[q]])
        duplicate_of[int(by_rank[q])] = duplicate_of.get(c, c)
    res.duplicates = len(duplicate_of)
    res.timing["dedupe_s"] = time.perf_counter() - t1

    # 4. grouping in time blocks, then the merge step.
    t2 = time.perf_counter()
    published = [pub for pub, _aid, _p, _k in flat]
    assign, n_blocks = _group_blocks(
        client, parts, flat, final_ids, starts, duplicate_of, published, opts, bopts
    )
    res.blocks = n_blocks
    res.stories = len({s for s, _e in assign.values()})
    res.events = len({e for _s, e in assign.values()})
    res.timing["group_s"] = time.perf_counter() - t2

    # 5. Parquet, one file per partition, written by the workers.
    t3 = time.perf_counter()
    dest = out / "articles.parquet"
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("part-*.parquet"):
        old.unlink()
    writes = []
    for p, part in enumerate(parts):
        idx = range(int(starts[p]), int(starts[p + 1]))
        cols = {
            "id": [final_ids[i] for i in idx],
            "duplicate_of": [final_ids[duplicate_of[i]] if i in duplicate_of else None for i in idx],
            "story_id": [assign[i][0] for i in idx],
            "event_id": [assign[i][1] for i in idx],
        }
        writes.append(client.submit(_write_part, part, cols, str(dest / f"part-{p:05d}.parquet"), pure=False))
    client.gather(writes)
    res.timing["write_s"] = time.perf_counter() - t3
    res.timing["total_s"] = time.perf_counter() - t0
    return res


def _rebalance(client: Any, raw: list[Any], size: int) -> list[Any]:
    """Futures of record lists -> futures of lists of ~``size`` records, in order (a gzip
    file is one read task however many articles it holds)."""
    counts = client.gather(client.map(len, raw, pure=False))
    total = sum(counts)
    n_out = max(1, -(-total // size))
    bounds = [round(k * total / n_out) for k in range(n_out + 1)]
    out = []
    offsets = np.cumsum([0] + counts)
    for k in range(n_out):
        lo, hi = bounds[k], bounds[k + 1]
        pieces = []
        for src, fut in enumerate(raw):
            a, b = max(lo, int(offsets[src])), min(hi, int(offsets[src + 1]))
            if a < b:
                pieces.append(
                    client.submit(_slice, fut, a - int(offsets[src]), b - int(offsets[src]), pure=False)
                )
        out.append(client.submit(_join, *pieces, pure=False))
    return out


def _slice(items: list, lo: int, hi: int) -> list:
    return items[lo:hi]


def _join(*pieces: list) -> list:
    return [x for piece in pieces for x in piece]


# --------------------------------------------------------------------------- reading


def read_records(inputs: Iterable[str | Path], options: Options, bulk: BulkOptions | None = None) -> Any:
    """A dask.bag of ``Record | IngestError`` over the files of ``ingest.walk``: Parquet
    through dask.dataframe, plain JSONL in byte blocks through ``read_text``, every other file
    (gzip, WARC, HTML, ...) one per task through ``ingest.read_file``. Partitions follow the
    files (``run_bulk`` rebalances them); missing paths come first."""
    import dask
    import dask.bag as db
    import dask.dataframe as dd

    bopts = bulk or BulkOptions()
    files: list[InputFile] = []
    bags = []
    missing = []
    for item in walk(inputs):
        if isinstance(item, IngestError):
            missing.append(item)
        else:
            files.append(item)
    if missing:
        bags.append(db.from_sequence(missing, npartitions=1))
    others: list[InputFile] = []
    for file in files:
        src = str(file.path)
        if file.suffix == ".parquet" and not file.gz:
            frame = dd.read_parquet(src)
            bags.append(db.from_delayed([dask.delayed(_frame_records)(d, src) for d in frame.to_delayed()]))
        elif file.suffix in {".jsonl", ".ndjson"} and not file.gz:
            lines = db.read_text(src, blocksize=bopts.blocksize, encoding="utf-8", errors="replace")
            bags.append(lines.map_partitions(_line_records, src))
        else:
            others.append(file)
    if others:
        bags.append(db.from_sequence(others, npartitions=len(others)).map_partitions(_file_records, options))
    if not bags:
        raise InputError("no input files given")
    return db.concat(bags)


def _file_records(files: Sequence[InputFile], options: Options) -> list[Record | IngestError]:
    return list(read_items(files, options.ingest))


def _line_records(lines: Sequence[str], src: str) -> list[Record | IngestError]:
    name = stem(Path(src))
    out: list[Record | IngestError] = []
    for line in lines:
        if not line.strip():
            continue
        digest = hashlib.sha1(line.encode("utf-8", "replace")).hexdigest()[:12]
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append(IngestError(f"{src}#{digest}", f"not valid JSON ({exc.msg})"))
            continue
        out.append(record_from_mapping(item, src, f"{name}-{digest}", f"line {digest}"))
    return out


def _frame_records(frame: Any, src: str) -> list[Record | IngestError]:
    name = stem(Path(src))
    out: list[Record | IngestError] = []
    for k, row in enumerate(frame.to_dict("records")):
        row = {key: (None if _missing(v) else v) for key, v in row.items()}
        digest = hashlib.sha1(
            str(row.get("text") or row.get("html") or k).encode("utf-8", "replace")
        ).hexdigest()[:12]
        out.append(record_from_mapping(row, src, f"{name}-{digest}", "row"))
    return out


def _missing(value: Any) -> bool:
    try:
        return bool(value != value) or value is None  # NaN / None
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- worker side


def _prepare_part(records: Sequence[Record | IngestError], opts: Options, dates: bool) -> dict[str, Any]:
    """Clean, fingerprint and date one partition; the articles stay on this worker."""
    articles, errors = split_results(prepare_items(records, opts))
    sigs, sizes = banding.signature_block([a.text for a in articles], opts.dedupe)
    found: list[list[str]] = []
    if dates:
        from storyline.extract.timex import find_timexes

        for a in articles:
            values = {t.value[:10] for t in find_timexes(a.text, a.published) if t.type == "DATE"}
            found.append(sorted(v for v in values if v[:4].isdigit()))
    return {"articles": articles, "errors": errors, "sigs": sigs, "sizes": sizes, "dates": found}


def _keys(part: dict[str, Any]) -> tuple[list[str], list[str | None]]:
    return [a.id for a in part["articles"]], [a.published for a in part["articles"]]


def _errors(part: dict[str, Any]) -> list[IngestError]:
    return part["errors"]


def _band_part(part: dict[str, Any], ranks: np.ndarray, b: int, r: int, n_keys: int) -> list[Any]:
    n = len(ranks)
    ones = np.ones(n, dtype=bool)
    return banding.split_rows(banding.band_rows(part["sigs"], ranks, ones, ones, b, r), n_keys)


def _take(part: dict[str, Any], rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
    return part["sigs"][rows], part["sizes"][rows]


def _getitem(obj: Any, i: Any) -> Any:
    return obj[i]


def _unique_ids(items: list[tuple[str, int, int]]) -> list[str]:
    """Ids in input order, a repeated one suffixed ``~2``, ``~3``, ... (skipping taken ids)."""
    taken = {aid for aid, _p, _k in items}
    seen: Counter[str] = Counter()
    out = []
    for aid, _p, _k in items:
        seen[aid] += 1
        if seen[aid] == 1:
            out.append(aid)
            continue
        k = seen[aid]
        while f"{aid}~{k}" in taken:
            k += 1
        taken.add(f"{aid}~{k}")
        out.append(f"{aid}~{k}")
    return out


# --------------------------------------------------------------------------- grouping


def _day(published: str | None) -> int | None:
    return date.fromisoformat(published).toordinal() if published else None


def block_plan(
    published: Sequence[str | None], block_days: int, overlap_days: float
) -> tuple[list[int | None], list[list[int]], int]:
    """Per article: its own block (dated by ``block_days`` from the first date; undated
    articles in a last block of their own); per block: the articles of its warm-up (the
    ``overlap_days`` before it). Returns (own block, warm-up members, number of blocks)."""
    days = [_day(p) for p in published]
    dated = [d for d in days if d is not None]
    if not dated:
        return [0] * len(days), [[]], 1
    first = min(dated)
    n_dated = (max(dated) - first) // block_days + 1
    undated = n_dated if any(d is None for d in days) else None
    own: list[int | None] = [undated if d is None else (d - first) // block_days for d in days]
    warm: list[list[int]] = [[] for _ in range(n_dated + (1 if undated is not None else 0))]
    for i, d in enumerate(days):
        if d is None:
            continue
        k = (d - first) // block_days
        if k + 1 < n_dated and d >= first + (k + 1) * block_days - overlap_days:
            warm[k + 1].append(i)
        if undated is not None and d >= first + n_dated * block_days - overlap_days:
            warm[undated].append(i)
    return own, warm, len(warm)


def _group_blocks(
    client: Any,
    parts: list[Any],
    flat: list[tuple],
    final_ids: list[str],
    starts: np.ndarray,
    duplicate_of: dict[int, int],
    published: list[str | None],
    opts: Options,
    bopts: BulkOptions,
) -> tuple[dict[int, tuple[str, str]], int]:
    overlap = bopts.overlap_days if bopts.overlap_days is not None else opts.group.story.window_days
    own, warm, n_blocks = block_plan(published, bopts.block_days, overlap)
    # Routing table: for each partition, (row, block, is_warm) of every original it holds.
    routes: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)
    part_of = np.searchsorted(starts, np.arange(len(flat)), side="right") - 1
    for i, blk in enumerate(own):
        if i not in duplicate_of and blk is not None:
            routes[int(part_of[i])].append((i - int(starts[part_of[i]]), blk, False))
    for blk, members in enumerate(warm):
        for i in members:
            if i not in duplicate_of:
                routes[int(part_of[i])].append((i - int(starts[part_of[i]]), blk, True))
    ids_of = {p: [final_ids[i] for i in range(int(starts[p]), int(starts[p + 1]))] for p in routes}
    routed = [client.submit(_route, parts[p], routes[p], ids_of[p], n_blocks, pure=False) for p in routes]
    block_futs = [
        client.submit(
            _group_block, opts.group, *[client.submit(_getitem, f, k, pure=False) for f in routed], pure=False
        )
        for k in range(n_blocks)
    ]
    merged = merge_blocks(client.gather(block_futs))
    index_of = {aid: i for i, aid in enumerate(final_ids)}
    assign: dict[int, tuple[str, str]] = {index_of[aid]: se for aid, se in merged.items()}
    for i, root in duplicate_of.items():
        assign[i] = assign[root]
    return assign, n_blocks


def merge_blocks(results: Sequence[list[tuple[str, str, str, bool]]]) -> dict[str, tuple[str, str]]:
    """The merge step: block results (``(id, story, event, is_warm)``, blocks in time order)
    -> final (story, event) of every owned article.

    A story of block k+1 holding warm-up articles becomes the story that holds most of them
    in the merged result so far (ties: the smaller id); an event likewise, unless its story
    went elsewhere. Chains carry through: block k's stories are already merged into k-1's.
    """
    assign: dict[str, tuple[str, str]] = {}
    for res in results:
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        evotes: dict[str, Counter[str]] = defaultdict(Counter)
        for aid, sid, eid, is_warm in res:
            if is_warm and aid in assign:
                votes[sid][assign[aid][0]] += 1
                evotes[eid][assign[aid][1]] += 1
        story_map = {sid: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for sid, c in votes.items()}
        event_map = {eid: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for eid, c in evotes.items()}
        story_of_event = {e: s for s, e in assign.values()}
        for aid, sid, eid, is_warm in res:
            if is_warm:
                continue
            s = story_map.get(sid, sid)
            e = event_map.get(eid, eid)
            if story_of_event.get(e, s) != s:
                e = eid  # the event's story was not merged into that event's story
            assign[aid] = (s, e)
    return assign


def group_in_blocks(
    articles: Sequence[Article], group_options: Any, bulk: BulkOptions | None = None, mapper: Any = map
) -> dict[str, tuple[str, str]]:
    """Blocked grouping of originals held in memory (``mapper`` = ``map`` or a parallel map):
    the grouping of ``run_bulk`` without the cluster plumbing, for measuring how far it is
    from one sequential ``Grouper``."""
    bopts = bulk or BulkOptions()
    overlap = bopts.overlap_days if bopts.overlap_days is not None else group_options.story.window_days
    own, warm, n_blocks = block_plan([a.published for a in articles], bopts.block_days, overlap)
    blocks: list[list] = [[] for _ in range(n_blocks)]
    for i, blk in enumerate(own):
        if blk is not None:
            blocks[blk].append((articles[i], False))
    for blk, members in enumerate(warm):
        blocks[blk].extend((articles[i], True) for i in members)
    return merge_blocks(list(mapper(lambda items: _group_block(group_options, items), blocks)))


def _route(
    part: dict[str, Any], routes: list[tuple[int, int, bool]], ids: list[str], n_blocks: int
) -> list[list]:
    out: list[list] = [[] for _ in range(n_blocks)]
    arts = part["articles"]
    for row, blk, is_warm in routes:
        a = arts[row]
        if a.id != ids[row]:
            a = Article(**{**a.__dict__, "id": ids[row]})
        out[blk].append((a, is_warm))
    return out


def _group_block(group_options: Any, *pieces: list) -> list[tuple[str, str, str, bool]]:
    from storyline.group import Grouper

    items = [x for piece in pieces for x in piece]
    if not items:
        return []
    warm = {a.id for a, w in items if w}
    grouper = Grouper(group_options)
    return [
        (asg.article_id, asg.story_id, asg.event_id, asg.article_id in warm)
        for asg in grouper.add([a for a, _w in items])
    ]


def _write_part(part: dict[str, Any], cols: dict[str, list], path: str) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arts = part["articles"]
    data = {
        **cols,
        "published": [a.published for a in arts],
        "title": [a.title for a in arts],
        "outlet": [a.outlet for a in arts],
        "text": [a.text for a in arts],
        "dates": part["dates"] if part["dates"] else [[] for _ in arts],
    }
    # One explicit schema: a part whose column is all null must not get a "null" type that
    # the other parts' strings cannot be read into.
    schema = pa.schema([(name, pa.list_(pa.string()) if name == "dates" else pa.string()) for name in data])
    pq.write_table(pa.table(data, schema=schema), path)
    return len(arts)
