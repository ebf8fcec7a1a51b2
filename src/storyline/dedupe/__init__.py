"""Find syndicated and near-identical copies, keep them all, and link each to its original.

MinHash signatures are computed per batch with numpy (one vectorised min over all shingles
and permutations, instead of datasketch's per-record Python loop), then indexed in a
datasketch ``MinHashLSH`` for candidate search. Candidates are confirmed on the estimated
Jaccard similarity *or* containment, because a wire copy re-run with its last paragraphs cut
is still a copy although its Jaccard similarity to the full text drops.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

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


@lru_cache(maxsize=4)
def _lsh_permutations(num_perm: int, seed: int) -> Any:
    # MinHash draws its permutation parameters from a seeded RNG on every construction; the
    # LSH never uses them, so build them once (they were ~40% of the duplicate search).
    return MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations


def _minhash(sig: np.ndarray, opts: DedupeOptions) -> MinHash:
    return MinHash(
        num_perm=opts.num_perm,
        seed=opts.seed,
        hashvalues=sig,
        permutations=_lsh_permutations(opts.num_perm, opts.seed),
        scheme="affine32",
    )


class DuplicateIndex:
    """An LSH index of signatures that answers "is this a copy of something already seen?".

    Feed it articles in publication order; the first of a family of copies is the original.
    """

    def __init__(self, options: DedupeOptions | None = None) -> None:
        self.options = options or DedupeOptions()
        self._lsh = MinHashLSH(threshold=self.options.lsh_threshold, num_perm=self.options.num_perm)
        self._sigs: dict[str, np.ndarray] = {}
        self._sizes: dict[str, int] = {}
        self._root: dict[str, str] = {}

    def add(self, article_id: str, sig: np.ndarray, size: int, duplicate_of: str | None = None) -> None:
        """Index a signature (with its shingle count), remembering a known original."""
        if article_id in self._sigs:
            return
        self._sigs[article_id] = sig
        self._sizes[article_id] = size
        self._root[article_id] = self._root.get(duplicate_of, duplicate_of) if duplicate_of else article_id
        self._lsh.insert(article_id, _minhash(sig, self.options))

    # Read access for engines that search the index elsewhere (``storyline.engines.dask``
    # ships its entries to workers and checks candidates itself, by the rule of ``find``).

    @property
    def bands(self) -> tuple[int, int]:
        """(bands, rows per band) of the LSH: the candidates are the entries sharing a band."""
        return self._lsh.b, self._lsh.r

    def count(self) -> int:
        """How many articles are indexed. (Not ``__len__``: an empty index must stay truthy,
        since callers write ``index or DuplicateIndex()``.)"""
        return len(self._sigs)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._sigs

    def ids(self, start: int = 0) -> list[str]:
        """Indexed ids in insertion order, from the ``start``-th on (new entries are last)."""
        return list(islice(self._sigs, start, None))

    def signature(self, article_id: str) -> np.ndarray:
        """The MinHash signature of an indexed article."""
        return self._sigs[article_id]

    def size(self, article_id: str) -> int:
        """The shingle count of an indexed article."""
        return self._sizes[article_id]

    def root(self, article_id: str) -> str:
        """The root original of an indexed article (itself when it is one or not indexed)."""
        return self._root.get(article_id, article_id)

    def find(self, sig: np.ndarray, size: int) -> str | None:
        """The original this signature copies, or None."""
        candidates = self._lsh.query(_minhash(sig, self.options))
        best, best_score = None, 0.0
        for cand in candidates:
            jac = float(np.mean(self._sigs[cand] == sig))
            small, big = sorted((size, self._sizes[cand]))
            # Containment of the smaller text in the larger, from the Jaccard estimate.
            cont = jac * (small + big) / (small * (1 + jac)) if small else 0.0
            score = max(jac / self.options.jaccard, min(cont, 1.0) / self.options.containment)
            if score >= 1.0 and (score > best_score or (score == best_score and best and cand < best)):
                best, best_score = cand, score
        return self._root.get(best, best) if best else None


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
