"""Per-article features of the grouping stage, computed in batch before the online loop.

Everything here depends on one article alone (no corpus statistics), so an article gets
the same features whether it arrives alone or in a batch; the online document
frequencies that turn term counts into TF-IDF live in the grouper
(``storyline.group.grouper``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from storyline.extract.embed import Embedder, get_embedder
from storyline.group.options import GroupOptions
from storyline.model import Article
from storyline.text import STOP_WORDS, split_sentences

__all__ = ["Features", "compute_features", "detokenize", "headline", "lead_text"]


@dataclass
class Features:
    """Per-article vectors computed in batch before the online loop (the slow part)."""

    tok: list[tuple[np.ndarray, np.ndarray]]  # (hashed term ids, sublinear tf) per article
    ent: list[tuple[np.ndarray, np.ndarray]]
    emb: np.ndarray  # L2-normalised rows
    embedder: str
    titles: list[str]  # representative headline candidates (see ``headline``)


# --------------------------------------------------------------------------- text features

_PTB = [
    (re.compile(r"-LRB-|-LSB-|-LCB-"), "("),
    (re.compile(r"-RRB-|-RSB-|-RCB-"), ")"),
    (re.compile(r"``|''"), '"'),
    (re.compile(r" (?=[,.;:!?)'](?:\s|$))"), ""),
    (re.compile(r" n't\b"), "n't"),
    (re.compile(r" (?='s\b)"), ""),
]
_ENTITY = re.compile(
    r"(?<![\w'’])((?:[A-Z][\w'’&.-]*|[A-Z]{2,})"
    r"(?:\s+(?:(?:of|de|du|al|el|bin|van|von|the|and|for)\s+)?(?:[A-Z][\w'’&.-]*))*)"
)
_TRAILING = re.compile(r"['’]s$|[.'’-]+$")


def detokenize(text: str) -> str:
    """Undo Penn-Treebank tokenization (T17 texts) so words and names read normally.

    Public because the evaluation's baselines must see the same text as the grouper."""
    for pattern, repl in _PTB:
        text = pattern.sub(repl, text)
    return text


def _entities(text: str) -> list[str]:
    """Capitalised phrases as lower-cased entity keys ("Afghan President Ashraf Ghani").

    A capitalised stop word is dropped (sentence starts like "The"), as is one leading stop
    word of a phrase ("The Taliban" -> "taliban").
    """
    out: list[str] = []
    for match in _ENTITY.finditer(text):
        words = match.group(1).split()
        while words and words[0].lower() in STOP_WORDS:
            words = words[1:]
        while words and words[-1].lower() in STOP_WORDS:
            words = words[:-1]
        if not words:
            continue
        key = _TRAILING.sub("", " ".join(words).lower())
        if len(key) > 1:
            out.append(key)
    return out


def headline(article: Article) -> str:
    """The article's title, else its first sentence (shortened to 200 characters)."""
    if article.title and article.title.strip():
        return article.title.strip()
    sentences = split_sentences(detokenize((article.text or "")[:1000]))
    first = sentences[0].text if sentences else ""
    return first if len(first) <= 200 else first[:197].rsplit(" ", 1)[0] + "..."


def lead_text(article: Article, sentences: int) -> str:
    """Title plus the first sentences of the body: what the sentence model embeds."""
    body = detokenize(article.text or "")
    parts = [s.text for s in split_sentences(body[:3000])[:sentences]]
    title = (article.title or "").strip()
    if title and not body.startswith(title):
        parts.insert(0, title)
    return " ".join(parts)


def _hash_rows(vectorizer: Any, docs: list[Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    matrix = vectorizer.transform(docs).tocsr()
    matrix.sort_indices()
    rows = []
    for i in range(matrix.shape[0]):
        lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
        idx = matrix.indices[lo:hi].astype(np.int64)
        tf = (1.0 + np.log(matrix.data[lo:hi])).astype(np.float32)
        rows.append((idx, tf))
    return rows


def compute_features(
    articles: list[Article], options: GroupOptions, embedder: Embedder | None = None
) -> Features:
    """Words, entities and embeddings of each article, each from that article alone."""
    from sklearn.feature_extraction.text import HashingVectorizer

    emb_model = embedder or get_embedder(options.embedder)
    if not articles:
        return Features([], [], np.zeros((0, 1), dtype=np.float32), emb_model.name, [])
    texts = []
    for a in articles:
        body = detokenize((a.text or "")[: options.body_chars * 2])[: options.body_chars]
        title = (a.title or "").strip()
        texts.append(title + "\n" + body if title and not body.startswith(title) else body)
    words = HashingVectorizer(
        n_features=options.token_dim,
        alternate_sign=False,
        norm=None,
        stop_words=sorted(STOP_WORDS),
        token_pattern=r"(?u)\b[^\W\d_][\w'-]*\w\b",
    )
    ents = HashingVectorizer(
        n_features=options.entity_dim,
        alternate_sign=False,
        norm=None,
        analyzer=lambda keys: keys,
    )
    emb = emb_model.encode([lead_text(a, options.lead_sentences) for a in articles])
    return Features(
        tok=_hash_rows(words, texts),
        ent=_hash_rows(ents, [_entities(t) for t in texts]),
        emb=np.asarray(emb, dtype=np.float32),
        embedder=emb_model.name,
        titles=[headline(a) for a in articles],
    )
