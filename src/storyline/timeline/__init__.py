"""Timeline: a dated list of developments, each entry citing every article that reports it.

The method is date-wise timeline summarization (news-tls, Gholipour Ghalandari & Ifrim,
ACL 2020), which beats clustering-first methods on the public benchmarks and needs no model:

1. every sentence that mentions a calendar day (resolved against its article's ``published``
   date by :mod:`storyline.extract.timex`) names that day; each article also votes for its
   publication day and the day before (news reports what happened yesterday);
2. days are ranked by how many *articles* point at them, with references from later articles
   weighing more (a day that later reports look back to is a day that mattered);
3. a day's candidate sentences are those naming it and the lead sentences of the articles
   published on it or the next day (wire datelines cut off); the most central of them
   (TF-IDF centroid of the terms both kinds share, refined on the sentences above the knee,
   as news-tls does) opens the entry, and further sentences are added greedily by how close
   they bring the whole entry to that centroid (news-tls CentroidOpt);
4. the entry cites the article it was taken from and every other article whose sentences about
   that day state it too (``storyline.summarize.support.supports``).

It never emits a day that no article text or publication date gives, and an article without a
publication date contributes only absolute dates ("4 July 2021"), never "on Sunday".
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from storyline.extract.analysis import analysis_of, sentence_dates
from storyline.headlines import glued_lede, lower_vocab
from storyline.ingest.meta import parse_day
from storyline.model import Article, Sentence, TimelineEntry
from storyline.summarize.sentences import clean_start, debris
from storyline.text import content_words, strip_dateline


@dataclass
class TimelineOptions:
    """How long the timeline is and how days are chosen.

    Constants marked "T17" were tuned on six Timeline17 topics (``bpoil_bbc``,
    ``H1N1_guardian``, ``haiti_bbc``, ``LibyaWar_cnn``, ``SyrianCrisis_bbc``, ``MJ_bbc``; one
    gold timeline each) by alignment-based ROUGE-1 F and date F1 of ``storyline eval
    timeline``, one constant at a time; the other 11 topics are held out (figures in the
    evaluation module's docstring). ``max_dates`` and
    ``sentences_per_date`` are what the caller wants (the evaluation takes them from the gold
    timeline, as news-tls does); ``max_dates=None`` lets the length grow with the story (see
    :func:`timeline_length`); ``start``/``end`` restrict the days (the evaluation uses the
    gold span, as news-tls does).
    """

    # Entries at most; None: grows with the story's span and size (``timeline_length``).
    max_dates: int | None = None
    sentences_per_date: int = 1
    # Only days inside this window (ISO dates, inclusive) are considered; None = open.
    start: str | None = None
    end: str | None = None
    # Lead sentences of an article that stand for its publication day when they name no day
    # themselves. news-tls ``clip_sents=5`` keeps positions 0..5 (``j <= clip_sents``), i.e.
    # 6. T17: on the six tuning topics 4/5/6/7/8/10 gave ROUGE-1 F .143/.149/.153/.148/.146/.144.
    lead_sentences: int = 6
    # A lead sentence also stands for this many days before publication (news-tls pub_end=2
    # means the publication day and the day before).
    lead_days_before: int = 1
    # Day score = articles mentioning the day + later_weight * articles mentioning it after
    # it happened + published_weight * articles published that day. T17.
    later_weight: float = 1.0
    published_weight: float = 1.5
    # ... plus this weight per article published the next day (reports of "yesterday"). T17.
    next_day_weight: float = 1.5
    # ... plus this weight per sentence naming the day (news-tls MentionCount). T17.
    sentence_weight: float = 0.0
    # A sentence with fewer content words is a dateline, caption or sidebar item ("Updated
    # 05 Nov, 2024"): it neither votes nor becomes an entry. Checked on the seed sidebars.
    min_content_words: int = 4
    # Sentences longer than this (words) are run-ons of the tokenizer or lists; skipped as
    # entries (they still vote). T17 gold sentences are 10-40 words.
    max_words: int = 60
    # Mentions of days further than this outside the span of publication dates are debris
    # (teasers of other stories, "Updated" stamps of a sidebar) or far history.
    max_days_after_last: int = 31
    max_days_before_first: int = 3650
    # Two chosen sentences of one day more similar than this (TF-IDF cosine) are redundant.
    max_similarity: float = 0.5
    # A candidate sentence of another article this similar to the entry is checked with
    # ``supports`` for citation (a cheap pre-filter; supports decides).
    cite_prefilter: float = 0.2
    # Centroid of a day from the terms its naming and its lead sentences share. T17.
    shared_centroid: bool = True
    # Re-rank by the centroid of the sentences above the knee of the similarity curve
    # (news-tls PM-Mean + CentroidOpt); that core centroid is also what ``summary_opt``
    # aims at. T17: with the other defaults, on/off gave ROUGE-1 F .153/.152 on the six
    # tuning topics (off led by .003-.012 before lead_sentences=6 and the core centroid).
    knee_refine: bool = True
    # An entry must use one of the story's this-many most widespread words (0 = no filter):
    # a stand-in for news-tls' keyword filter, which keeps other news out. Off: 5/15/30 on
    # the six T17 tuning topics gave ROUGE-1 F -.005/+.003/.000 and ROUGE-2 F lower.
    topic_terms: int = 0
    # ... only for pools at least this large: a knee of a handful of points is noise (on the
    # seeds it picked a sidebar item over the day's lead).
    knee_min_pool: int = 10
    # Centrality of a lead sentence standing for the day before its publication is scaled by
    # this: it may as well be about its own day (the seeds' Sunday crossing). T17.
    previous_day_lead_factor: float = 0.9
    # TF-IDF with 1 + log(tf): a word repeated in a long sentence does not dominate. T17.
    sublinear_tf: bool = True
    # Quoted speech is how a source reacts, not what happened: never an entry. T17.
    skip_quotes: bool = False
    # A sentence with unbalanced quote marks is a piece of a longer quotation cut by the
    # sentence splitter ("At least today the right thing was done,” said ..."): it reads
    # out of context, so it is never an entry. Set by hand on the seeds.
    skip_quote_fragments: bool = True
    # Photo captions, credits and questions (headlines glued to the text, "Why does n't
    # Obama take charge ?") are not developments: never an entry. T17.
    skip_captions: bool = True
    # A day's 2nd, 3rd, ... sentence is the one that brings the whole entry closest to the
    # day's (core) centroid (news-tls CentroidOpt), not the next best on its own (which tends
    # to restate the first). T17: on the six tuning topics ROUGE-1 F .136 -> .146 (better on
    # each of the six) aiming at the shared-term centroid, .149 aiming at the knee core.
    summary_opt: bool = True
    # A "sentence" without final punctuation is a headline, a bullet of a sidebar or a file
    # header ("date 2021-07-04 Hundreds of Afghan troops flee ..."), not a report of what
    # happened: never an entry (it still votes). Set on the seeds (their 4 July entry was the
    # header, a sidebar bullet made an entry); on the six T17 tuning topics ROUGE-1 F
    # .1525 -> .1516, ROUGE-2 F .052 either way.
    skip_headlines: bool = True
    # Wire datelines and the headline/timestamp a crawler glued before them ("TRIPOLI | Wed
    # Mar 2 , 2011 7:26 am EST TRIPOLI -LRB- Reuters -RRB- - ") are cut from the sentence
    # before it is scored or shown: they are not what happened. Set on principle (the
    # tuning topics have few: only LibyaWar_cnn); there ROUGE-1 F +.001. Place datelines
    # ("KABUL:", "LONDON, July 4 -") too, since issue 15's reader check (the seeds' entry).
    strip_datelines: bool = True
    # Reader comments under an article ("January 27 , 2011 at 7:59 pm | Report abuse |",
    # 26 of 271 EgyptianProtest_cnn pages) are not reporting: from the sentence with the
    # first comment stamp on, and the ``comment_lead`` sentences before it (the first
    # comment's text precedes its stamp), nothing votes for a day or becomes an entry.
    skip_comments: bool = True
    comment_lead: int = 2
    # Live-blog headings ("Day 1: live coverage as it happened.", "Gulf oil spill hearing -
    # as it happened") name the blog, not a development: never an entry (they still vote).
    skip_live_headings: bool = True
    # Bounds of the automatic length (``max_dates=None``): a story of one day still gets a
    # few entries, a year-long one no more than a reader scrolls through.
    min_auto_dates: int = 5
    max_auto_dates: int = 60
    # The latest developments are always there: the best days among those within
    # ``latest_window_days`` of the newest publication date get at least ``latest_entries``
    # places, even when older days outrank them (older days collect references from every
    # later article, so without this a growing story's timeline stopped where its first
    # weeks of reporting ended). Replay of T17: see ``storyline eval timeline --replay``.
    latest_entries: int = 1
    latest_window_days: int = 2
    timexes: Callable[[str, str | None], list[tuple[int, int, str, str]]] | None = field(
        default=None, repr=False
    )


@dataclass
class _Sent:
    text: str
    article: int
    index: int
    day: dt.date | None  # first day-precision date the sentence names (within bounds)
    words: int


def build_timeline(articles: list[Article], options: TimelineOptions | None = None
                   ) -> list[TimelineEntry]:
    """Date-wise timeline of one story: at most ``max_dates`` entries, one per day, sorted.

    >>> a = Article(id="a", text="Rebels took the city of Misrata on Sunday after a long siege.",
    ...             published="2011-05-16")
    >>> [(e.date, e.sources) for e in build_timeline([a])]
    [('2011-05-15', ['a'])]
    """
    opts = options or TimelineOptions()
    sents, by_article = _date_sentences(articles, opts)
    if not sents:
        return []
    max_dates = opts.max_dates if opts.max_dates is not None else timeline_length(articles, opts)
    candidates = _candidates(articles, sents, by_article, opts)
    ranked = _latest_first(articles, _rank_days(articles, sents, opts), max_dates, opts)
    # TF-IDF as ``TfidfVectorizer(stop_words="english", sublinear_tf=...)`` fitted on every
    # sentence, in its two steps: the counts of every sentence are kept, so that a day's
    # rows are taken from them (``_tfidf_rows``) instead of each day's pool being tokenized
    # again (the same matrix to the last bit; a third of the stage's time).
    counter = CountVectorizer(stop_words="english", lowercase=True, dtype=np.float64)
    try:
        counts = counter.fit_transform([s.text for s in sents])
    except ValueError:  # no content words at all
        return []
    tfidf = TfidfTransformer(sublinear_tf=opts.sublinear_tf).fit(counts)
    topic = _topic_terms(articles, opts.topic_terms)
    entries: list[TimelineEntry] = []
    used: set[tuple[int, int]] = set()  # a sentence tells one day's story, not two
    for day in ranked:
        if len(entries) >= max_dates:
            break
        picked = [i for i in candidates.get(day, []) if _entry_candidate(sents[i], used, topic, opts)]
        if not picked:
            continue
        pool = [sents[i] for i in picked]
        chosen, cited = _summarize(pool, day, _tfidf_rows(counts, tfidf, picked), articles, opts)
        if not chosen:
            continue
        used.update((s.article, s.index) for s in chosen)
        entries.append(
            TimelineEntry(
                date=day.isoformat(),
                precision="day",
                text=" ".join(s.text for s in chosen),
                sources=cited,
            )
        )
    entries.sort(key=lambda e: e.date)
    return entries


def _entry_candidate(s: _Sent, used: set[tuple[int, int]], topic: frozenset[str],
                     opts: TimelineOptions) -> bool:
    """Whether a sentence may become an entry (it may vote and cite all the same)."""
    return (s.words <= opts.max_words
            and not (opts.skip_quotes and _QUOTE.search(s.text))
            and not (opts.skip_quote_fragments and _quote_fragment(s.text))
            and not (opts.skip_captions and _CAPTION.search(s.text))
            and not (opts.skip_headlines and not _FINAL.search(s.text))
            and not (opts.skip_live_headings and _LIVE_HEADING.search(s.text))
            and (s.article, s.index) not in used
            and (not topic or not topic.isdisjoint(content_words(s.text))))


def _tfidf_rows(counts: Any, tfidf: TfidfTransformer, rows: list[int]) -> Any:
    """The TF-IDF rows of the sentences ``rows`` (a scipy sparse matrix), as the fitted
    vectorizer's ``transform`` gives them: their count rows in column order (how
    ``transform`` counts), then weighted and normalised."""
    X = counts[rows]
    X.sort_indices()
    return tfidf.transform(X, copy=False)


def timeline_length(articles: list[Article], options: TimelineOptions | None = None) -> int:
    """How many entries a story's timeline gets when ``max_dates`` is None: it grows with
    the number of distinct publication days (the story's span as reported), about
    ``3 + 2 * sqrt(days)``, bounded by ``min_auto_dates``/``max_auto_dates``.

    Why the square root: T17's gold timelines grow slower than coverage (Haiti, 20 days of
    reporting: 11 gold dates; BP oil spill, about 150 days: 12-102, median 16; Iraq, 250
    days: 155). A story of five articles over two days gets 5 entries; a year of daily
    reporting about 35.

    >>> timeline_length([Article(id=str(i), text="", published=f"2011-03-{i:02d}") for i in range(1, 21)])
    12
    """
    opts = options or TimelineOptions()
    days = {a.published[:10] for a in articles if a.published and _parse_day(a.published)}
    n = round(3 + 2 * len(days) ** 0.5)
    return max(opts.min_auto_dates, min(opts.max_auto_dates, n))


def _latest_first(articles: list[Article], ranked: list[dt.date], max_dates: int,
                  opts: TimelineOptions) -> list[dt.date]:
    """``ranked`` with the best ``latest_entries`` days of the newest reporting moved up to
    where they are sure to be kept (just inside ``max_dates``); the rest keep their order."""
    published = [d for d in (_parse_day(a.published) for a in articles) if d]
    if not published or opts.latest_entries <= 0 or max_dates <= opts.latest_entries:
        return ranked
    newest = max(published)
    recent = [d for d in ranked if 0 <= (newest - d).days <= opts.latest_window_days][: opts.latest_entries]
    if all(ranked.index(d) < max_dates - len(recent) for d in recent):
        return ranked
    rest = [d for d in ranked if d not in recent]
    cut = max_dates - len(recent)
    return rest[:cut] + recent + rest[cut:]


# --------------------------------------------------------------------------- dates


_parse_day = parse_day


def _date_sentences(articles: list[Article], opts: TimelineOptions
                    ) -> tuple[list[_Sent], list[list[int]]]:
    """Every sentence of every article with the first day it names (if any, within bounds)."""
    published = [d for d in (_parse_day(a.published) for a in articles) if d]
    lo = _parse_day(opts.start)
    hi = _parse_day(opts.end)
    if published:
        span_lo = min(published) - dt.timedelta(days=opts.max_days_before_first)
        span_hi = max(published) + dt.timedelta(days=opts.max_days_after_last)
        lo = max(lo, span_lo) if lo else span_lo
        hi = min(hi, span_hi) if hi else span_hi
    sents: list[_Sent] = []
    by_article: list[list[int]] = []
    vocab = lower_vocab(articles)
    for ai, art in enumerate(articles):
        dct = art.published if _parse_day(art.published) else None
        analysis = analysis_of(art)
        pieces = analysis.sentences
        dates = (analysis.dates if opts.timexes is None
                 else sentence_dates([p.text for p in pieces], dct, opts.timexes))
        days: dict[int, dt.date] = {}
        for si, mentions in enumerate(dates):
            for d in mentions:
                day = _parse_day(d.value) if d.precision == "day" else None
                if day is None or (lo is not None and day < lo) or (hi is not None and day > hi):
                    continue
                days.setdefault(si, day)  # the first day a sentence names (news-tls)
                break
        own: list[int] = []
        comments = _comments_start(pieces, opts)
        for si, sent in enumerate(pieces):
            if si >= comments:
                break
            text = strip_dateline(sent.text) if opts.strip_datelines else sent.text
            text = clean_start(text)  # no "(AP) —", "10:45 AM PT:", "Update:" (issue 15)
            if si == 0:
                text = glued_lede(art, text, vocab) or text  # no headline glued before the lede
            if _content_count(text, opts.min_content_words) < opts.min_content_words:
                continue
            own.append(len(sents))
            sents.append(_Sent(text, ai, si, days.get(si), len(text.split())))
        by_article.append(own)
    return sents, by_article


def _rank_days(articles: list[Article], sents: list[_Sent], opts: TimelineOptions
               ) -> list[dt.date]:
    """Days by score: distinct articles naming them (more if they look back), plus
    publication counts; ties go to the earlier day so the order is deterministic."""
    lo, hi = _parse_day(opts.start), _parse_day(opts.end)
    mentions: dict[dt.date, set[int]] = defaultdict(set)
    score: dict[dt.date, float] = defaultdict(float)
    for s in sents:
        if s.day is not None:
            mentions[s.day].add(s.article)
            score[s.day] += opts.sentence_weight
    for day, arts in mentions.items():
        later = sum(1 for a in arts if (p := _parse_day(articles[a].published)) and p > day)
        score[day] += len(arts) + opts.later_weight * later
    for art in articles:
        p = _parse_day(art.published)
        if p is not None:
            score[p] += opts.published_weight
            if opts.next_day_weight:
                score[p - dt.timedelta(days=1)] += opts.next_day_weight
    days = [d for d in score if (lo is None or d >= lo) and (hi is None or d <= hi)]
    return sorted(days, key=lambda d: (-score[d], d))


def _candidates(articles: list[Article], sents: list[_Sent], by_article: list[list[int]],
                opts: TimelineOptions) -> dict[dt.date, list[int]]:
    """Sentences that may describe each day: those naming it, and lead sentences (naming no
    day) of articles published on it or the following days (news-tls PM collector)."""
    out: dict[dt.date, list[int]] = defaultdict(list)
    for ai, own in enumerate(by_article):
        pub = _parse_day(articles[ai].published)
        for rank, si in enumerate(own):
            s = sents[si]
            if s.day is not None:
                out[s.day].append(si)
            elif pub is not None and rank < opts.lead_sentences:
                for back in range(opts.lead_days_before + 1):
                    out[pub - dt.timedelta(days=back)].append(si)
    return out


def _topic_terms(articles: list[Article], n: int) -> frozenset[str]:
    """The story's own words: the ``n`` content words most articles use (news-tls filters
    entries by query keywords; these stand in for them)."""
    if n <= 0:
        return frozenset()
    df: dict[str, int] = defaultdict(int)
    for art in articles:
        for w in set(content_words(art.text or "")):
            if w.isalpha():
                df[w] += 1
    return frozenset(sorted(df, key=lambda w: (-df[w], w))[:n])


# --------------------------------------------------------------------------- summaries


def _summarize(pool: list[_Sent], day: dt.date, X: Any,  # X: the pool's TF-IDF rows, sparse
               articles: list[Article],
               opts: TimelineOptions) -> tuple[list[_Sent], list[str]]:
    """The most central sentences of a day's pool and the ids of the articles stating them."""
    from storyline.summarize.support import supports

    centroid = _centroid(X, np.array([s.day is not None for s in pool]), opts)
    norm = np.linalg.norm(centroid)
    if norm == 0:
        return [], []
    centroid /= norm
    scores = X @ centroid
    if opts.knee_refine and len(pool) >= opts.knee_min_pool:
        # news-tls: keep the sentences above the knee of the sorted similarities, then
        # rank by the centroid of just those (the day's core, without its periphery).
        keep = scores > _knee(np.sort(scores)[::-1])
        if keep.sum() >= 1:
            core = np.asarray(X[keep].sum(axis=0)).ravel()
            core_norm = np.linalg.norm(core)  # once: a dense BLAS call on the whole vocabulary
            if core_norm > 0:
                centroid = core / core_norm
                scores = np.where(keep, X @ centroid, 0.0)
    if opts.previous_day_lead_factor != 1.0:
        # A lead sentence of the next day's article may be about that next day.
        iso = day.isoformat()
        later = np.array([s.day is None and articles[s.article].published != iso for s in pool])
        scores = np.where(later, scores * opts.previous_day_lead_factor, scores)
    # Captions, teasers, truncated sentences are never chosen, but still show who reports it.
    # (A sentence scoring 0 stays 0: only the others are checked, each text once.)
    scores = np.where([scores[k] == 0 or _not_debris(s.text) for k, s in enumerate(pool)],
                      scores, 0.0)  # issue 15
    chosen = _select(X, scores, centroid, opts)
    if not chosen:
        return [], []
    # Citation: the chosen sentences' own articles, and every other article whose sentences
    # about this day state one of them.
    cited: dict[int, None] = {}
    for i in chosen:
        cited[pool[i].article] = None
    sims = (X[chosen] @ X.T).toarray().max(axis=0)
    per_article: dict[int, list[int]] = defaultdict(list)
    for j, s in enumerate(pool):
        if s.article not in cited and sims[j] >= opts.cite_prefilter:
            per_article[s.article].append(j)
    for art, idx in per_article.items():
        source = "\n".join(pool[j].text for j in idx)
        if any(supports(pool[i].text, source) for i in chosen):
            cited[art] = None
    ids = sorted(articles[a].id for a in cited)
    return [pool[i] for i in chosen], ids


# Cached by text: a lead sentence is in the pools of two days. Bounded: 16,384 sentences.
@lru_cache(maxsize=1 << 14)
def _not_debris(text: str) -> bool:
    return debris(text) is None


def _select(X: Any, scores: np.ndarray, centroid: np.ndarray,  # X: a scipy sparse matrix
            opts: TimelineOptions) -> list[int]:
    """Indices of the day's summary: the best-scored sentence first; then, with
    ``summary_opt``, the sentence that brings the *summary* closest to the centroid
    (news-tls CentroidOpt), else the next best-scored one; never one more similar than
    ``max_similarity`` to a chosen one."""
    order = np.argsort(-scores, kind="stable")
    chosen: list[int] = []
    if opts.summary_opt and opts.sentences_per_date > 1:
        alive = scores > 0
        if not alive.any():
            return []
        first = int(order[0])
        chosen.append(first)
        Xc = np.asarray(X @ centroid).ravel()
        summary = np.asarray(X[first].todense()).ravel()
        while len(chosen) < opts.sentences_per_date:
            sims = (X[chosen] @ X.T).toarray().max(axis=0)
            ok = alive & (sims <= opts.max_similarity)
            ok[chosen] = False
            if not ok.any():
                break
            # cos(summary + x_i, centroid) for every i at once; TF-IDF rows have norm 1.
            Xs = np.asarray(X @ summary).ravel()
            num = float(summary @ centroid) + Xc
            den = np.sqrt(np.maximum(float(summary @ summary) + 2 * Xs + 1.0, 1e-12))
            gain = np.where(ok, num / den, -np.inf)
            best = int(np.argmax(gain))
            chosen.append(best)
            summary = summary + np.asarray(X[best].todense()).ravel()
        return chosen
    for i in order:
        if len(chosen) >= opts.sentences_per_date:
            break
        if scores[i] <= 0:
            break
        if any((X[i] @ X[j].T).toarray()[0, 0] > opts.max_similarity for j in chosen):
            continue
        chosen.append(int(i))
    return chosen


def _knee(values: np.ndarray) -> float:
    """The value at the point of a decreasing curve farthest from the line joining its ends."""
    n = len(values)
    if n < 3 or values[0] == values[-1]:
        return float(values[-1]) if n else 0.0
    x = np.arange(n, dtype=float)
    line = np.array([n - 1.0, values[-1] - values[0]])
    line /= np.linalg.norm(line)
    vec = np.stack([x, values - values[0]], axis=1)
    dist = np.abs(vec[:, 0] * line[1] - vec[:, 1] * line[0])
    return float(values[int(np.argmax(dist))])


def _centroid(X: Any, named: np.ndarray, opts: TimelineOptions) -> np.ndarray:  # X: scipy sparse
    """What is said about the day. With both kinds of candidates (sentences naming the day and
    lead sentences of that day's articles), only terms both kinds use, each kind weighted
    equally (news-tls PM-Mean): the lead sentences alone would drift to the day's other news,
    the naming sentences alone to later retrospectives."""
    total = np.asarray(X.sum(axis=0)).ravel()
    if not opts.shared_centroid or named.all() or not named.any():
        return total
    ment = np.asarray(X[named].mean(axis=0)).ravel()
    lead = np.asarray(X[~named].mean(axis=0)).ravel()
    both = (ment > 0) & (lead > 0)
    if not both.any():
        return total
    return np.where(both, ment + lead, 0.0)


def _content_count(text: str, limit: int | None = None) -> int:
    """Content words that are not numbers, months or weekdays: "Updated 05 Nov, 2024" has one.
    Counting stops at ``limit``: whether a sentence has enough is all the caller asks."""
    n = 0
    for w in content_words(text):
        if w.isalpha() and w not in _MONTHS and w[:3] not in _WEEKDAY_STARTS:
            n += 1
            if n == limit:
                break
    return n


_WEEKDAY_STARTS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# How a sentence ends: . ! ? perhaps followed by closing quotes or brackets (T17's ``''``
# and ``-RRB-`` tokens too).
_FINAL = re.compile(r"[.!?](?:\s*(?:''|-RRB-|[\"'”’)\]]))*\s*$")
_CAPTION = re.compile(r"\bphoto|\bphotograph|\?|\bclick\b|\bpictured\b", re.IGNORECASE)
_QUOTE = re.compile(r"``|''|[“”\"]")


# A reader comment's stamp: "January 27 , 2011 at 7:59 pm | Report abuse |", "... | Reply".
_COMMENT_STAMP = re.compile(
    r"\d{4}\s+at\s+\d{1,2}\s*:\s*\d\d\s*[ap]\.?\s?m\.?\s*\|\s*(?:Reply|Report abuse)"
    r"|\|\s*Report abuse\s*\||^\s*(?:Reply|Report abuse|Recommend)\s*$"
    r"|^\s*(?:\d+\s+)?(?:Comments?|Reader comments)\s*(?:\(\d+\))?\s*:?\s*$",
    re.IGNORECASE,
)
_LIVE_HEADING = re.compile(
    r"\bas it happened\b|\blive (?:coverage|blog|updates|report)\b|^\W*Day \d+\s*[:–—-]"
    r"|^\W*(?:live|latest|update[sd]?|breaking)\s*[:–—-]",
    re.IGNORECASE,
)


def _comments_start(pieces: list[Sentence], opts: TimelineOptions) -> int:
    """Index of the first sentence of an article's reader comments (len(pieces) if none)."""
    if opts.skip_comments:
        for si, sent in enumerate(pieces):
            if _may_be_comment_stamp(sent.text) and _COMMENT_STAMP.search(sent.text):
                return max(1, si - opts.comment_lead)
    return len(pieces)


def _may_be_comment_stamp(text: str) -> bool:
    """What ``_COMMENT_STAMP`` cannot match without: a "|", or one of its words (none has a
    letter that another one matches regardless of case, as "ſ" does "s")."""
    if "|" in text:
        return True
    low = text.lower()
    return "repl" in low or "report" in low or "recommend" in low or "comment" in low


def _quote_fragment(text: str) -> bool:
    return (
        text.count("“") != text.count("”")
        or text.count('"') % 2 == 1
        or text.count("``") != text.count("''")
    )


# --------------------------------------------------------------------------- stand-in


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
         ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
         ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
         ("december", "dec")]
    )
    for m in names
}
_MONTH_RE = r"(January|February|March|April|May|June|July|August|September|October|November|" \
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_STAND_IN = re.compile(
    r"\b(?P<iso>\d{4}-\d{2}-\d{2})\b"
    r"|\b" + _MONTH_RE.replace("(", "(?P<m1>", 1) + r"\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?\b"
    r"(?:\s*,?\s*(?P<y1>\d{4})\b)?"
    r"|\b(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH_RE.replace("(", "(?P<m2>", 1)
    + r"(?:\s*,?\s*(?P<y2>\d{4})\b)?"
    r"|\b(?P<mod>last|next|this)?\s*(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday)\b"
    r"|\b(?P<rel>yesterday|today|tonight|tomorrow|last night)\b",
    re.IGNORECASE,
)


def _stand_in_timexes(text: str, dct: str | None) -> list[tuple[int, int, str, str]]:
    """A small regex resolver, the trivial stand-in for ``storyline.extract.timex`` (inject it with
    ``TimelineOptions(timexes=_stand_in_timexes)``): explicit day-month dates (year from the
    text or the nearest to the publication date), weekdays (the last such day up to
    publication, ``next`` forward), yesterday/today/tomorrow. About 3x faster than
    storyline.extract.timex but worse on T17 (all 19 timelines, current defaults: ROUGE-1 F .113 vs
    .1205, ROUGE-2 F .036 vs .040, date F1 .545 vs .548)."""
    ref = _parse_day(dct)
    out: list[tuple[int, int, str, str]] = []
    for m in _STAND_IN.finditer(text):
        day: dt.date | None = None
        try:
            if m.group("iso"):
                day = dt.date.fromisoformat(m.group("iso"))
            elif m.group("m1") or m.group("m2"):
                month = _MONTHS[(m.group("m1") or m.group("m2")).lower().rstrip(".")]
                dom = int(m.group("d1") or m.group("d2"))
                year_s = m.group("y1") or m.group("y2")
                if (m.group("m1") or m.group("m2"))[0].islower():
                    continue  # "may 5" is the verb; month names are capitalised
                if year_s:
                    day = dt.date(int(year_s), month, dom)
                elif ref:
                    options = []
                    for y in (ref.year - 1, ref.year, ref.year + 1):
                        try:
                            options.append(dt.date(y, month, dom))
                        except ValueError:
                            pass
                    day = min(options, key=lambda d: abs((d - ref).days)) if options else None
            elif m.group("wd") and ref:
                if m.group("wd")[0].islower():
                    continue
                target = _WEEKDAYS.index(m.group("wd").lower())
                delta = (ref.weekday() - target) % 7
                mod = (m.group("mod") or "").lower()
                if mod == "next":
                    day = ref + dt.timedelta(days=(target - ref.weekday()) % 7 or 7)
                elif mod == "last" and delta == 0:
                    day = ref - dt.timedelta(days=7)
                else:
                    day = ref - dt.timedelta(days=delta)
            elif m.group("rel") and ref:
                rel = m.group("rel").lower()
                offset = {"yesterday": -1, "last night": -1, "tomorrow": 1}.get(rel, 0)
                day = ref + dt.timedelta(days=offset)
        except ValueError:
            day = None
        if day is not None:
            out.append((m.start(), m.end(), day.isoformat(), "day"))
    return out
