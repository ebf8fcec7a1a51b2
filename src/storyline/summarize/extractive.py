"""The ``extractive`` summarizer (the default): cited sentences copied from the articles.

The method is described in ``storyline.summarize``; this module is its code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from storyline.errors import StorylineError
from storyline.extract.analysis import sentences_of
from storyline.headlines import glued_lede, lower_vocab
from storyline.model import Article, Citation
from storyline.summarize.options import SummaryOptions
from storyline.summarize.sentences import (
    body_sentences,
    canonical,
    clean_sentence,
    numbers_literally_in,
    quality,
)
from storyline.summarize.support import supports

if TYPE_CHECKING:
    from storyline.options import Options

__all__ = ["ExtractiveSummarizer", "summarize"]


@dataclass
class _Candidate:
    text: str
    article: int  # index into the article list
    position: int  # index among the article's usable sentences
    row: int  # row in the TF-IDF matrix
    fallback: bool = False  # only used once the good sentences are spent
    score: float = 0.0
    sources: list[str] = field(default_factory=list)


def summarize(articles: list[Article], options: SummaryOptions | None = None) -> list[Citation]:
    """Summarize the articles of one story in a few cited sentences.

    Each output sentence is a sentence of one article (a dateline may be stripped) and
    ``sources`` lists every article that states it, the origin first. Articles whose
    ``duplicate_of`` is set give no candidates and count with their original as one voice,
    but are cited when they state a sentence.

    >>> a = Article(id="a", text="The river flooded the town of Alba on Monday, officials said.")
    >>> [c.sources for c in summarize([a])]
    [['a']]
    """
    options = options or SummaryOptions()
    if not articles:
        return []
    # All sentences of all articles: candidates, and the evidence other articles offer.
    sent_texts: list[str] = []
    sent_article: list[int] = []
    candidates: list[_Candidate] = []
    vocab = lower_vocab(articles)
    for ai, art in enumerate(articles):
        rank = 0  # position among the article's usable sentences: captions, bylines and
        # headlines before the first real sentence do not push it down the lead bonus
        for si, sent in enumerate(body_sentences(art)):
            text = clean_sentence(sent.text)
            if si == 0:
                text = glued_lede(art, text, vocab) or text  # no headline glued before the lede
            row = len(sent_texts)
            sent_texts.append(text)
            sent_article.append(ai)
            grade = quality(text, options) if art.duplicate_of is None else 0
            if grade == 2 or (grade == 1 and options.words is not None and options.fill):
                candidates.append(_Candidate(text, ai, rank, row, fallback=grade == 1))
                rank += 1
    if not candidates:
        return []
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, token_pattern=r"(?u)\b\w[\w'-]*\b")
    try:
        matrix = vectorizer.fit_transform(sent_texts)
    except ValueError:  # nothing but stop words
        return []
    rows = [c.row for c in candidates]
    cand_matrix = matrix[rows]
    # Meaning-level vectors for centrality and redundancy when asked for; citations stay
    # lexical (TF-IDF gate + support check), since support is a lexical test anyway.
    vectors = _embed([c.text for c in candidates], options.embeddings) if options.embeddings else cand_matrix
    centroid = np.asarray(vectors.mean(axis=0)).reshape(1, -1)
    centrality = cosine_similarity(vectors, centroid).ravel()
    if centrality.max() > 0:
        centrality = centrality / centrality.max()
    prelim = np.array(
        [
            options.centrality_weight * float(centrality[k])
            + options.lead_weight / (1.0 + options.lead_decay * cand.position)
            for k, cand in enumerate(candidates)
        ]
    )
    pool = np.sort(np.argsort(-prelim, kind="stable")[: options.max_scored])
    candidates = [candidates[k] for k in pool]
    vectors = vectors[pool]
    best = _best_per_article(cand_matrix[pool], matrix, sent_article, len(articles))
    # Each article's sentences as the support check reads them: its one split, not another.
    split = [[s.text for s in sentences_of(a)] for a in articles]
    canon_of = {a.id: canonical(a) for a in articles}

    def cited(k: int, cand: _Candidate, voices_cap: int | None) -> list[str]:
        """The articles stating candidate ``k``: its origin, then others by article order
        (scanned best-match first when capped)."""
        origin = articles[cand.article].id
        found: list[int] = []
        voices = {canon_of[origin]}
        hits = np.flatnonzero(best[k] >= options.cite_similarity)
        if voices_cap is not None:
            hits = hits[np.argsort(-best[k][hits], kind="stable")]
        for ai in hits:
            art = articles[ai]
            if voices_cap is not None and len(voices) >= voices_cap:
                break
            if (
                ai != cand.article
                and art.text
                and numbers_literally_in(cand.text, art.text)
                and supports(cand.text, art.text, options.support, split[ai])
            ):
                found.append(int(ai))
                voices.add(canon_of[art.id])
        return [origin] + [articles[ai].id for ai in sorted(found)]

    for k, cand in enumerate(candidates):
        origin = articles[cand.article]
        if not supports(cand.text, origin.text, options.support, split[cand.article]):
            cand.score = -np.inf  # never output what fails the check against its own source
            continue
        cand.sources = cited(k, cand, options.agreement_voices)
        voices = {canon_of[s] for s in cand.sources}
        # 0.5 for one other voice, 0.75 for two, ...: independent of the story's size.
        agreement = 1.0 - 0.5 ** (len(voices) - 1)
        if centrality[pool[k]] < options.agreement_min_centrality:
            agreement = 0.0  # a line many pages share off the story's topic: a teaser link
        cand.score = float(prelim[pool[k]]) + options.agreement_weight * agreement

    chosen = _select(candidates, cosine_similarity(vectors), options)
    index = {id(c): k for k, c in enumerate(candidates)}
    for cand in chosen:  # the output cites every article that states it, not only 8 voices
        if len({canon_of[s] for s in cand.sources}) >= options.agreement_voices:
            cand.sources = cited(index[id(cand)], cand, None)
    chosen.sort(key=lambda c: (articles[c.article].published or "9999", c.position, -c.score))
    return [Citation(text=c.text, sources=c.sources) for c in chosen]


def _best_per_article(
    cand_matrix: Any, matrix: Any, sent_article: list[int], n_articles: int, chunk: int = 256
) -> np.ndarray:
    """For each candidate, its best TF-IDF cosine with any sentence of each article (-1 for
    an article without sentences). Rows are L2-normalised, so cosine is a dot product;
    computed in chunks of candidates, as the full candidates x sentences matrix of a
    300-article story would take ~1 GB."""
    owners = np.asarray(sent_article)
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])  # sentences are in article order
    best = np.full((cand_matrix.shape[0], n_articles), -1.0)
    for lo in range(0, cand_matrix.shape[0], chunk):
        sims = (cand_matrix[lo : lo + chunk] @ matrix.T).toarray()
        best[lo : lo + chunk, owners[starts]] = np.maximum.reduceat(sims, starts, axis=1)
    return best


def _embed(texts: list[str], backend: str) -> np.ndarray:
    """Unit-length sentence vectors from the named backend: the process's one MiniLM
    (``storyline.extract.embed``, shared with grouping), at the model's own 256 word-piece
    limit rather than the 128 grouping uses for leads."""
    if backend != "minilm":
        raise StorylineError(f"unknown embeddings backend {backend!r} (known: minilm)")
    from storyline.extract.embed import minilm  # torch only when asked for

    return minilm().encode_sentences(texts)


def _select(candidates: list[_Candidate], sims: np.ndarray, options: SummaryOptions) -> list[_Candidate]:
    """Maximal marginal relevance under the sentence and word budgets (``sims``: pairwise
    cosine of the candidates)."""
    scores = np.array([c.score for c in candidates], dtype=float)
    limit = options.embedding_max_overlap if options.embeddings else options.max_overlap
    fallback = np.array([c.fallback for c in candidates], dtype=bool)
    available = np.isfinite(scores)
    chosen: list[int] = []
    total_words = 0
    while available.any():
        if options.sentences is not None and len(chosen) >= options.sentences:
            break
        if options.words is not None and total_words >= options.words:
            break
        redundancy = sims[:, chosen].max(axis=1) if chosen else np.zeros(len(candidates))
        mmr = options.mmr_lambda * scores - (1 - options.mmr_lambda) * redundancy
        mmr[~available] = -np.inf
        if (available & ~fallback).any():
            mmr[fallback] = -np.inf
        best = int(np.argmax(mmr))
        available[best] = False
        if chosen and redundancy[best] >= limit:
            continue
        chosen.append(best)
        total_words += len(candidates[best].text.split())
    return [candidates[i] for i in chosen]


class ExtractiveSummarizer:
    """The default summarizer (``method = "extractive"``): ``summarize`` with the summary
    options."""

    def summarize(self, articles: list[Article], options: Options) -> list[Citation]:
        return summarize(articles, options.summary)
