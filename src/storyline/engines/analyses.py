"""Per-article analyses of the stories about to be analysed, computed on both cores.

A story's analysis asks for each article's ``ArticleAnalysis`` (sentences, dates, figures:
``extract.analyze_article``) and computes the missing ones on first use, one article after
another. Those are pure functions of the article, so before the stories are analysed the
missing ones are computed here in the local engine's process pool and stored
(``StoryStore.put_analyses``); the story analysis then reads them back like any analysis
stored by an earlier run. Same function, same article, same record: the stories do not
depend on where it ran (tests/test_engines.py). Few missing analyses (an ``add`` of a
handful of articles) are left to the story analysis, in this process.

The stories are then analysed on the same pool (``analyze_stories``): most of a digest's
time is story analysis, and stories are independent of each other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from storyline.engines.pool import SMALL, WorkerPool
from storyline.model import Article, Story

if TYPE_CHECKING:
    from storyline.extract.entities import EntityOptions
    from storyline.options import Options
    from storyline.store import StoryStore


def prepare_analyses(store: StoryStore, article_ids: Iterable[str], options: Options) -> int:
    """Compute and store the per-article analyses that ``article_ids`` lack, in a process
    pool (``options.workers``); returns how many were computed. Nothing happens for fewer
    than ``engines.pool.SMALL`` missing analyses, for one worker, or off the local engine."""
    if options.engine != "local":
        return 0
    pool = WorkerPool(options.workers)
    if pool.workers <= 1:
        return 0
    ids = list(dict.fromkeys(article_ids))
    have = store.analyses(ids)
    missing = [aid for aid in ids if aid not in have]
    if len(missing) < SMALL:
        return 0
    done = 0
    try:
        batch: dict[str, dict] = {}
        slim = (_slim(a) for a in store.articles(missing))
        for aid, data in pool.map_chunks(analyze_chunk, slim, options.entities):
            batch[aid] = data
            done += 1
            if len(batch) >= 500:
                store.put_analyses(batch)
                batch = {}
        if batch:
            store.put_analyses(batch)
    finally:
        pool.close()
    return done


def _slim(article: Article) -> Article:
    """What the analysis reads, without the raw text and the removed lines (half the bytes
    sent to a worker)."""
    return dataclasses.replace(article, raw_text="", removed=[])


def analyze_chunk(articles: list[Article], entities: EntityOptions | None = None) -> list[tuple[str, dict]]:
    """Worker side: ``extract.analyze_article`` of each article, as stored records; with
    ``entities`` (and spaCy installed) also spaCy's mentions, one batched pipe per chunk and
    the model loaded once per worker, on first use: the costliest per-article step of the
    ``[all]`` install then runs on every core."""
    from storyline.extract import analyze_article
    from storyline.extract.entities import article_mentions

    records = [analyze_article(a) for a in articles]
    if entities is not None:
        article_mentions(articles, entities)  # fills each record's ``mentions``
    return [(a.id, r.to_dict()) for a, r in zip(articles, records, strict=True)]


@dataclasses.dataclass
class StoryJob:
    """One story to analyse: its articles in publication order (stored per-article
    analyses attached) and each article's event."""

    story_id: str
    articles: list[Article]
    event_of: dict[str, str | None]


@dataclasses.dataclass
class StoryResult:
    """A story's analysis (None: the story has no article left), the span of its articles'
    dates, and the per-article analyses the story analysis computed or completed (a
    figure's day is tagged on first use), to be stored so no later run repeats them."""

    story_id: str
    story: Story | None
    span: tuple[str | None, str | None]
    analyses: dict[str, dict]


def analyze_stories(jobs: Iterable[StoryJob], options: Options, articles: int) -> Iterator[StoryResult]:
    """``pipeline.analyze_story`` of each job, on the local engine's process pool when the
    stories hold at least ``engines.pool.SMALL`` ``articles`` in all (both cores: story
    analysis is most of a digest's time), else in this process. Results come in the jobs'
    order; the answers are the same either way (one pure function of the articles)."""
    pool = WorkerPool(options.workers, small=1, chunk=1)
    if options.engine != "local" or pool.workers <= 1 or articles < SMALL:
        for job in jobs:
            yield from analyze_story_chunk([job], options)
        return
    try:
        yield from pool.map_chunks(_analyze_in_worker, jobs, options)
    finally:
        pool.close()


def _analyze_in_worker(jobs: list[StoryJob], options: Options) -> list[StoryResult]:
    """``analyze_story_chunk`` in a pool worker with one BLAS thread: the workers already
    fill the cores, and OpenBLAS threads spinning on a story's small matrices cost 1-2 s
    per 1,000 articles (threadpoolctl comes with scikit-learn)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return analyze_story_chunk(jobs, options)


def analyze_story_chunk(jobs: list[StoryJob], options: Options) -> list[StoryResult]:
    """Worker side (and the one-process path): each job's story analysis."""
    from storyline.pipeline import analyze_story

    out = []
    for job in jobs:
        if not job.articles:
            out.append(StoryResult(job.story_id, None, (None, None), {}))
            continue
        before = {a.id: a.analysis.to_dict() if a.analysis else None for a in job.articles}
        story = analyze_story(job.story_id, job.articles, job.event_of, options)
        changed = {}
        for art in job.articles:
            if art.analysis is not None:
                data = art.analysis.to_dict()
                if data != before[art.id]:
                    changed[art.id] = data
        dates = sorted(a.published for a in job.articles if a.published)
        span = (dates[0], dates[-1]) if dates else (None, None)
        out.append(StoryResult(job.story_id, story, span, changed))
    return out
