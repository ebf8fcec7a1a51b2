"""The story list every front end shows (digest, ``storyline stories``, the web list), in one
order: ranked by coverage and recency, widely covered stories first, noise last.

A list sorted newest-first with no size filter buries the stories several outlets followed
under one-article stories; a reader wants what many outlets covered, and what is still
moving. ``rank_entries`` orders the stories of a digest the way the store's ``story_listing``
orders its rows (the same rule, written once for records in memory).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from storyline.headlines import distinct_titles
from storyline.model import Article, Story
from storyline.store.base import MAJOR_ARTICLES, MAJOR_OUTLETS, outlet_count, rank_score

__all__ = ["StoryEntry", "rank_entries"]


@dataclass
class StoryEntry:
    """One row of a story list: what the row shows and what it is ranked by."""

    story: Story
    title: str  # the story's title, made distinct from the other rows' (``distinct_titles``)
    first_date: str | None
    last_date: str | None
    n_articles: int
    n_outlets: int

    @property
    def major(self) -> bool:
        """Covered by ``MAJOR_ARTICLES`` articles from ``MAJOR_OUTLETS`` outlets, not noise."""
        return (
            self.story.noise is None and self.n_articles >= MAJOR_ARTICLES and self.n_outlets >= MAJOR_OUTLETS
        )

    @property
    def span(self) -> str:
        if not self.first_date:
            return "undated"
        if self.first_date == self.last_date:
            return self.first_date
        return f"{self.first_date} – {self.last_date}"


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def rank_entries(stories: Sequence[Story], articles: Sequence[Article]) -> list[StoryEntry]:
    """The stories as list rows, best first: news before noise; ``major`` before the rest;
    then coverage fading with age (``store.base.rank_score``), more outlets, more articles,
    later last date, id (the store's ``story_listing`` order)."""
    by_id = {a.id: a for a in articles}
    entries = []
    for story in stories:
        arts = [by_id[a] for a in story.article_ids if a in by_id]
        dates = sorted(a.published for a in arts if a.published)
        entries.append(
            StoryEntry(
                story=story,
                title=story.title,
                first_date=dates[0] if dates else None,
                last_date=dates[-1] if dates else None,
                n_articles=len(story.article_ids),
                n_outlets=outlet_count((a.outlet, a.url) for a in arts),
            )
        )
    days = [d for e in entries if (d := _day(e.last_date))]
    latest = max(days) if days else None

    def score(e: StoryEntry) -> float:
        day = _day(e.last_date)
        age = (latest - day).days if day and latest else None
        return rank_score(e.n_articles, e.n_outlets, age)

    entries.sort(key=lambda e: (e.story.id,))
    entries.sort(key=lambda e: e.last_date or "", reverse=True)
    entries.sort(
        key=lambda e: (
            e.story.noise is not None,
            not e.major,
            e.n_articles < MAJOR_ARTICLES,
            -score(e),
            -e.n_outlets,
            -e.n_articles,
        )
    )
    titles = distinct_titles((e.story.id, e.title, e.first_date) for e in entries)
    for e in entries:
        e.title = titles[e.story.id]
    return entries
