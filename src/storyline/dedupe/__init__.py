"""Find syndicated and near-identical copies, keep them all, and link each to its original.

MinHash signatures are computed per batch with numpy (one vectorised min over all shingles
and permutations, instead of datasketch's per-record Python loop), then indexed by LSH band
(the banding datasketch's ``MinHashLSH`` picks, with a cap per bucket so that a template
flood stays near-linear). Candidates are confirmed on the estimated Jaccard similarity *or*
containment, because a wire copy re-run with its last paragraphs cut is still a copy
although its Jaccard similarity to the full text drops.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from storyline.model import Article
from storyline.text import words

_PRIME = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64((1 << 32) - 1)


@dataclass
class DedupeOptions:
    """Near-duplicate settings.

    Word 5-gram shingles and 128 permutations are the usual choice for news (Broder's
    shingling; datasketch's default num_perm). The thresholds were set by hand on re-run
    wire copies: copies with a changed headline, an extra sentence or a cut tail score
    Jaccard 0.6-0.95 on 5-grams, while different reports of the same event (the seeds)
    stay below 0.1.
    """

    shingle: int = 5
    num_perm: int = 128
    lsh_threshold: float = 0.3
    jaccard: float = 0.6
    containment: float = 0.8
    seed: int = 1


def shingles(text: str, k: int) -> np.ndarray:
    """The distinct hashed word k-grams of a text, as uint64 (CRC32: stable across runs)."""
    toks = words(text)
    if len(toks) < k:
        grams = [" ".join(toks)] if toks else []
    else:
        grams = [" ".join(toks[i : i + k]) for i in range(len(toks) - k + 1)]
    return np.unique(np.fromiter((zlib.crc32(g.encode()) for g in grams), dtype=np.uint64, count=len(grams)))


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(seed)
    a = rng.randint(1, 1 << 31, size=num_perm, dtype=np.int64).astype(np.uint64)
    b = rng.randint(0, 1 << 31, size=num_perm, dtype=np.int64).astype(np.uint64)
    return a, b


def signatures(texts: Sequence[str], options: DedupeOptions | None = None) -> list[tuple[np.ndarray, int]]:
    """MinHash signatures (uint64 arrays of num_perm values) and shingle counts of texts."""
    opts = options or DedupeOptions()
    a, b = _permutations(opts.num_perm, opts.seed)
    out = []
    for text in texts:
        sh = shingles(text, opts.shingle)
        if sh.size == 0:
            out.append((np.full(opts.num_perm, _MAX32, dtype=np.uint64), 1))
            continue
        # (a*x + b) mod p, truncated to 32 bits, min over shingles: shape (num_perm, n).
        hv = ((np.outer(a, sh) + b[:, None]) % _PRIME) & _MAX32
        out.append((hv.min(axis=1), int(sh.size)))
    return out


# Odd 64-bit multipliers for the band hash (from splitmix64 / FNV); any odd constants do,
# since an equal key is only a candidate and the exact band equality is checked after.
_MIX = np.uint64(0x9E3779B97F4A7C15)
_MUL = np.uint64(0xBF58476D1CE4E5B9)
_FNV = np.uint64(0x100000001B3)

# At most this many entries per LSH bucket are candidates: the first ones indexed (the
# earliest published). A template flood puts thousands of records in one bucket, and
# comparing each new one with all of them made the search quadratic (5k near-identical
# lines 15 s, 20k ~190 s). A bucket that full is a family of near-duplicates, and its first
# members represent it: a new copy matches them as well as it would match the later ones.
# No bucket of the real test data (T17, ECB+, 11k GoogleNews titles) comes near the cap, so
# their links are unchanged. ``storyline.dedupe.banding`` applies the same cap.
BUCKET_CAP = 64
# New entries wait in a dict until this many, then go to the sorted arrays.
_PENDING = 2048


def lsh_params(options: DedupeOptions) -> tuple[int, int]:
    """The (bands, rows per band) that datasketch's MinHashLSH picks for these options
    (its false-positive/negative optimum for the threshold): the index and the banded
    search of ``storyline.dedupe.banding`` use the same banding."""
    return _lsh_params(options.lsh_threshold, options.num_perm)


@lru_cache(maxsize=8)
def _lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


def band_keys(sigs: np.ndarray, b: int, r: int) -> np.ndarray:
    """(n, b) uint64 keys: one hash per band of each signature row, band number included
    so that equal values in different bands do not meet."""
    n = sigs.shape[0]
    bands = np.ascontiguousarray(sigs[:, : b * r], dtype=np.uint64).reshape(n, b, r)
    with np.errstate(over="ignore"):
        h = (np.arange(1, b + 1, dtype=np.uint64) * _MIX)[None, :].repeat(n, axis=0)
        for j in range(r):
            h = (h ^ bands[:, :, j]) * _FNV
        h ^= h >> np.uint64(31)
        h *= _MUL
        h ^= h >> np.uint64(29)
    return h


def scores(equal: np.ndarray, size: int, cand_sizes: np.ndarray, opts: DedupeOptions) -> np.ndarray:
    """The duplicate scores of a signature against candidates, from ``equal`` (candidates x
    num_perm: which MinHash values agree) and the shingle counts: the estimated Jaccard
    similarity or the containment of the smaller text in the larger (from the Jaccard
    estimate), each over its threshold; a score of at least 1 is a copy. Elementwise the same
    float operations, in the same order, as ``banding.best_original`` one pair at a time, so
    both paths get the same numbers."""
    jac = equal.sum(axis=1) / float(equal.shape[1])
    small = np.minimum(size, cand_sizes).astype(np.float64)
    big = np.maximum(size, cand_sizes).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        cont = np.where(small > 0, jac * (small + big) / (small * (1 + jac)), 0.0)
    return np.maximum(jac / opts.jaccard, np.minimum(cont, 1.0) / opts.containment)


def _spans(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The concatenation of ``arange(lo[i], hi[i])`` for all i, without a Python loop."""
    lens = hi - lo
    keep = lens > 0
    lo, lens = lo[keep], lens[keep]
    if not len(lens):
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(lo - np.cumsum(np.r_[0, lens[:-1]]), lens)
    return offsets + np.arange(int(lens.sum()))


class DuplicateIndex:
    """An LSH index of signatures that answers "is this a copy of something already seen?".

    Feed it articles in publication order; the first of a family of copies is the original.
    Candidates are the indexed signatures sharing a band (``bands``) with the query, at
    most ``BUCKET_CAP`` per band bucket (its first entries). The buckets live in sorted
    numpy arrays (levels merged like a binary counter, so inserting stays O(log n) per
    entry) plus a dict of the latest entries, and signatures in one uint32 matrix: a
    Python dict per bucket cost ~4 KB per article, too much for a million.
    """

    def __init__(self, options: DedupeOptions | None = None) -> None:
        self.options = options or DedupeOptions()
        self._b, self._r = lsh_params(self.options)
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._sigs = np.empty((1024, self.options.num_perm), dtype=np.uint32)
        self._sizes = np.empty(1024, dtype=np.int64)
        self._root: dict[str, str] = {}  # duplicates only: id -> root original
        self._levels: list[tuple[np.ndarray, np.ndarray]] = []  # (keys, positions), by key
        self._pending: dict[int, list[int]] = {}
        self._pending_n = 0
        self._last: tuple[np.ndarray, int, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None

    def add(self, article_id: str, sig: np.ndarray, size: int, duplicate_of: str | None = None) -> None:
        """Index a signature (with its shingle count), remembering a known original."""
        if article_id in self._pos:
            return
        keys, counts = self._lookup(sig)[1:]
        pos = len(self._ids)
        if pos == len(self._sizes):
            self._sigs = np.concatenate([self._sigs, np.empty_like(self._sigs)])
            self._sizes = np.concatenate([self._sizes, np.empty_like(self._sizes)])
        if sig.max(initial=0) > _MAX32 and self._sigs.dtype != np.uint64:
            self._sigs = self._sigs.astype(np.uint64)  # not from ``signatures``: keep it whole
        self._sigs[pos] = sig
        self._sizes[pos] = size
        self._ids.append(article_id)
        self._pos[article_id] = pos
        if duplicate_of:
            root = self._root.get(duplicate_of, duplicate_of)
            if root != article_id:
                self._root[article_id] = root
        for key, held in zip(keys.tolist(), counts.tolist(), strict=True):
            if held < BUCKET_CAP:
                self._pending.setdefault(key, []).append(pos)
        self._pending_n += 1
        if self._pending_n >= _PENDING:
            self._flush()

    def _flush(self) -> None:
        """Move the pending entries into a sorted level; merge equal-sized levels."""
        if not self._pending:
            return
        keys = np.fromiter((k for k, ps in self._pending.items() for _ in ps), dtype=np.uint64, count=-1)
        pos = np.fromiter((p for ps in self._pending.values() for p in ps), dtype=np.int64, count=-1)
        order = np.lexsort((pos, keys))
        level = (keys[order], pos[order])
        self._pending, self._pending_n = {}, 0
        while self._levels and len(self._levels[-1][0]) <= 2 * len(level[0]):
            old = self._levels.pop()
            k = np.concatenate([old[0], level[0]])
            p = np.concatenate([old[1], level[1]])
            order = np.argsort(k, kind="stable")  # old positions are all smaller: (key, pos)
            level = (k[order], p[order])
        self._levels.append(level)

    def _lookup(self, sig: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(candidate positions, band keys, entries held per key) of a signature; the
        answer for the signature just searched is kept for the ``add`` that follows."""
        if self._last is not None and self._last[0] is sig and self._last[1] == len(self._ids):
            return self._last[2]
        found = self._search(sig)
        self._last = (sig, len(self._ids), found)
        return found

    def _search(self, sig: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keys = band_keys(sig[None, :], self._b, self._r)[0]
        counts = np.zeros(len(keys), dtype=np.int64)
        found: list[np.ndarray] = []
        for lkeys, lpos in self._levels:
            lo = np.searchsorted(lkeys, keys, "left")
            hi = np.searchsorted(lkeys, keys, "right")
            counts += hi - lo
            if (hi > lo).any():
                found.append(lpos[_spans(lo, hi)])
        if self._pending:
            for i, key in enumerate(keys.tolist()):
                held = self._pending.get(key)
                if held:
                    counts[i] += len(held)
                    found.append(np.asarray(held, dtype=np.int64))
        cands = np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
        return cands, keys, counts

    # Read access for engines that search the index elsewhere (``storyline.engines.dask``
    # ships its entries to workers and checks candidates itself, by the rule of ``find``).

    @property
    def bands(self) -> tuple[int, int]:
        """(bands, rows per band) of the LSH: the candidates are the entries sharing a band."""
        return self._b, self._r

    def count(self) -> int:
        """How many articles are indexed. (Not ``__len__``: an empty index must stay truthy,
        since callers write ``index or DuplicateIndex()``.)"""
        return len(self._ids)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._pos

    def ids(self, start: int = 0) -> list[str]:
        """Indexed ids in insertion order, from the ``start``-th on (new entries are last)."""
        return self._ids[start:]

    def signature(self, article_id: str) -> np.ndarray:
        """The MinHash signature of an indexed article."""
        return self._sigs[self._pos[article_id]].astype(np.uint64)

    def size(self, article_id: str) -> int:
        """The shingle count of an indexed article."""
        return int(self._sizes[self._pos[article_id]])

    def root(self, article_id: str) -> str:
        """The root original of an indexed article (itself when it is one or not indexed)."""
        return self._root.get(article_id, article_id)

    def find(self, sig: np.ndarray, size: int) -> str | None:
        """The original this signature copies, or None: the best-scoring candidate (ties to
        the smaller id), followed to its root."""
        cands = self._lookup(sig)[0]
        if not len(cands):
            return None
        b, r = self._b, self._r
        equal = self._sigs[cands] == sig.astype(self._sigs.dtype)
        # Only an entry that really shares a band is a candidate (not a key collision).
        shared = equal[:, : b * r].reshape(-1, b, r).all(axis=2).any(axis=1)
        cands, equal = cands[shared], equal[shared]
        score = scores(equal, size, self._sizes[cands], self.options)
        hits = np.flatnonzero(score >= 1.0)
        if not len(hits):
            return None
        top = hits[score[hits] == score[hits].max()]
        best = min(self._ids[int(cands[i])] for i in top)
        return self._root.get(best, best)


def order_key(article: Article) -> tuple[int, str, str]:
    """Publication order: dated articles first, oldest first, then by id (stable)."""
    return (0 if article.published else 1, article.published or "", article.id)


def mark_duplicates(
    articles: Iterable[Article],
    index: DuplicateIndex | None = None,
    options: DedupeOptions | None = None,
) -> dict[str, tuple[np.ndarray, int]]:
    """Set ``duplicate_of`` on every article that copies an earlier one; return signatures
    with shingle counts, for the store to keep.

    Idempotent: running it twice, or on the same articles again, changes nothing.
    """
    idx = index or DuplicateIndex(options)
    todo = sorted(articles, key=order_key)
    sigs = signatures([a.text for a in todo], idx.options)
    out = {}
    for art, (sig, size) in zip(todo, sigs, strict=True):
        if art.duplicate_of is None:
            original = idx.find(sig, size)
            if original and original != art.id:
                art.duplicate_of = original
        idx.add(art.id, sig, size, art.duplicate_of)
        out[art.id] = (sig, size)
    return out
