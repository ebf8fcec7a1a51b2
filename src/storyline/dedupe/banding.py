"""LSH banding as data-parallel steps: the near-duplicate search of ``storyline.dedupe``,
rewritten so that it can run as a shuffle on a cluster and still give the same answers.

``DuplicateIndex`` answers one article at a time against a datasketch ``MinHashLSH``: the
candidates of an article are the indexed signatures that share at least one *band* (a run
of ``r`` consecutive MinHash values, ``b`` bands) with it, and the best candidate that passes
the Jaccard-or-containment rule is its original. The same search as bulk steps:

1. ``band_rows``: one row per (article, band): a 64-bit key hashing the band number and the
   band's values, the article's *rank* (its position in publication order) and two flags:
   ``q`` (it asks for an original) and ``c`` (it can be one).
2. ``split_rows``: rows go to partition ``key % n_parts`` -- the shuffle. Rows with equal
   keys meet in the same partition.
3. ``pair_rows``: in each partition, every querier is paired with every *earlier*
   candidate holding the same key (the LSH bucket), among the bucket's first
   ``BUCKET_CAP`` candidates (the cap of ``DuplicateIndex``: a template flood must not
   pair thousands with thousands).
4. ``best_original``: each pair is checked exactly as ``DuplicateIndex.find`` checks it
   (same band really shared -- a key collision cannot add a match --, same score, same
   tie-break), and the best candidate of each querier is kept.

The last step, following each best candidate to its root original, is sequential in
publication order but is a dictionary walk over the duplicates only (see
``storyline.engines.dask``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from storyline.dedupe import BUCKET_CAP, DedupeOptions
from storyline.dedupe import band_keys as band_keys  # re-exported: the index bands alike
from storyline.dedupe import lsh_params as lsh_params

COLUMNS = ("key", "rank", "q", "c")


def band_rows(
    sigs: np.ndarray, ranks: np.ndarray, q: np.ndarray, c: np.ndarray, b: int, r: int
) -> pd.DataFrame:
    """Step 1: the band rows of a block of signatures (see the module docstring)."""
    n = len(ranks)
    if n == 0:
        return empty_rows()
    keys = band_keys(sigs, b, r)
    return pd.DataFrame(
        {
            "key": keys.reshape(-1),
            "rank": np.repeat(np.asarray(ranks, dtype=np.int64), b),
            "q": np.repeat(np.asarray(q, dtype=bool), b),
            "c": np.repeat(np.asarray(c, dtype=bool), b),
        }
    )


def empty_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": np.array([], dtype=np.uint64),
            "rank": np.array([], dtype=np.int64),
            "q": np.array([], dtype=bool),
            "c": np.array([], dtype=bool),
        }
    )


def split_rows(rows: pd.DataFrame, n_parts: int) -> list[pd.DataFrame]:
    """Step 2, the map side of the shuffle: rows by ``key % n_parts``."""
    part = (rows["key"].to_numpy() % np.uint64(n_parts)).astype(np.int64)
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(n_parts + 1))
    return [rows.iloc[order[bounds[p] : bounds[p + 1]]].reset_index(drop=True) for p in range(n_parts)]


def pair_rows(known: pd.DataFrame | None, *pieces: pd.DataFrame) -> np.ndarray:
    """Step 3, the reduce side: (querier rank, candidate rank) pairs of one partition.

    ``known`` holds rows of articles indexed earlier (candidates only); ``pieces`` the rows
    of the new articles sent to this partition. Only buckets holding a querier are opened.
    """
    new = (
        pd.concat([p for p in pieces if len(p)], ignore_index=True)
        if any(len(p) for p in pieces)
        else empty_rows()
    )
    if not len(new) or not new["q"].any():
        return np.empty((0, 2), dtype=np.int64)
    wanted = pd.unique(new.loc[new["q"], "key"])
    parts = [new[new["key"].isin(wanted)]]
    if known is not None and len(known):
        parts.append(known[known["key"].isin(wanted)])
    rows = pd.concat(parts, ignore_index=True).sort_values(["key", "rank"], kind="stable")
    keys = rows["key"].to_numpy()
    ranks = rows["rank"].to_numpy()
    qs = rows["q"].to_numpy()
    cs = rows["c"].to_numpy()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    out: list[np.ndarray] = []
    for s, e in zip(starts[ends - starts > 1], ends[ends - starts > 1], strict=True):
        # The bucket's candidates are its first BUCKET_CAP entries, as in DuplicateIndex.
        cand = ranks[s + np.flatnonzero(cs[s:e])[:BUCKET_CAP]]
        asking = ranks[s + np.flatnonzero(qs[s:e])]
        if not len(cand) or not len(asking):
            continue
        qi, ci = np.nonzero(asking[:, None] > cand[None, :])
        if len(qi):
            out.append(np.stack([asking[qi], cand[ci]], axis=1))
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(out).astype(np.int64), axis=0)


def shares_band(a: np.ndarray, b_sig: np.ndarray, b: int, r: int) -> bool:
    """Whether two signatures share a whole band: the exact LSH candidate test."""
    return bool((a[: b * r].reshape(b, r) == b_sig[: b * r].reshape(b, r)).all(axis=1).any())


def best_original(
    pairs: Iterable[tuple[int, int]],
    sig_of: Callable[[int], np.ndarray],
    size_of: Callable[[int], int],
    id_of: Callable[[int], str],
    options: DedupeOptions,
    b: int,
    r: int,
) -> dict[int, int]:
    """Step 4: querier rank -> rank of its best candidate, by the rule of
    ``DuplicateIndex.find`` (same arithmetic, so the same floats; ties go to the smaller id)."""
    best: dict[int, tuple[float, str, int]] = {}
    for q, c in pairs:
        sig, cand_sig = sig_of(q), sig_of(c)
        if not shares_band(sig, cand_sig, b, r):
            continue  # a 64-bit key collision, not an LSH candidate
        size = size_of(q)
        jac = float(np.mean(cand_sig == sig))
        small, big = sorted((size, size_of(c)))
        cont = jac * (small + big) / (small * (1 + jac)) if small else 0.0
        score = max(jac / options.jaccard, min(cont, 1.0) / options.containment)
        if score < 1.0:
            continue
        cid = id_of(c)
        held = best.get(q)
        if held is None or score > held[0] or (score == held[0] and cid < held[1]):
            best[q] = (score, cid, c)
    return {q: v[2] for q, v in best.items()}


def signature_block(texts: Sequence[str], options: DedupeOptions) -> tuple[np.ndarray, np.ndarray]:
    """Signatures of texts as one (n, num_perm) uint64 matrix and their shingle counts."""
    from storyline.dedupe import signatures

    sigs = signatures(list(texts), options)
    if not sigs:
        return np.empty((0, options.num_perm), dtype=np.uint64), np.empty(0, dtype=np.int64)
    return np.stack([s for s, _ in sigs]), np.array([n for _, n in sigs], dtype=np.int64)
