"""Per-article analyses of the stories about to be analysed, computed on both cores.

A story's analysis asks for each article's ``ArticleAnalysis`` (sentences, dates, figures:
``extract.analyze_article``) and computes the missing ones on first use, one article after
another. Those are pure functions of the article, so before the stories are analysed the
missing ones are computed here in the local engine's process pool and stored
(``StoryStore.put_analyses``); the story analysis then reads them back like any analysis
stored by an earlier run. Same function, same article, same record: the stories do not
depend on where it ran (tests/test_engines.py). Few missing analyses (an ``add`` of a
handful of articles) are left to the story analysis, in this process.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from storyline.engines.pool import SMALL, WorkerPool
from storyline.model import Article

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
