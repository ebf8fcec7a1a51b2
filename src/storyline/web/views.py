"""What the web pages and the JSON API show, computed from the store: no HTTP in here.

Each function takes an open store (``StoryStore``) and returns plain dataclasses that both the Jinja2
templates and the pydantic API models read, so a page and its ``/api/`` twin cannot drift.
The store is opened read-only per request (``open_reader``): the web app keeps reading while
``storyline add`` holds the write lock in another process (WAL mode).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rapidfuzz import fuzz

from storyline.changes import story_revisions
from storyline.ingest.meta import parse_day
from storyline.model import Article, Comparison, Entity, Revision, Story, TimelineEntry
from storyline.store import ArticleRow, StoryStore, open_store
from storyline.store.base import StoryOutline, StoryPage, host_of, outline_of
from storyline.text import content_words, split_sentences

log = logging.getLogger(__name__)

# The store key of the grouping state (``pipeline.GROUP_STATE``; not imported: no cycle).
GROUP_STATE = "group_state"
# The outline of a story with no stored article (a list row still shows it).
EMPTY_OUTLINE = StoryOutline([], 0, 0, [], [])

# A citation is linked to the article sentence it quotes. Summaries and timelines quote
# sentences verbatim, so the exact and containment tests decide almost every case; the fuzzy
# fallback catches light rewrites (quotes, trimmed attributions). 80 was set on the seeds and
# examples/news stories, where unrelated sentences of the same article scored below 65.
MIN_SENTENCE_SIMILARITY = 80.0
# Failing that, a sentence holding this share of the cited sentence's content words is the
# one it paraphrases (same stories: the paraphrases found scored 0.83, the best unrelated
# sentence 0.5).
MIN_WORD_COVERAGE = 0.6
# Coverage bars show one bar per day up to this many days, then group days into equal bins:
# a bar stays at least ~3 px wide in the 200 px wide SVG.
MAX_BARS = 60
COVERAGE_WIDTH = 200
COVERAGE_HEIGHT = 28
MAX_BAR_WIDTH = 10.0  # a story of three days reads as three bars, not three blocks
# A cited sentence is carried in a chip's link up to this length (enough to find it again).
MAX_CITE_CHARS = 300
# Chips of one summary or timeline sentence placed on their sentence when the page is made;
# the others find it when followed. The largest T17 story has a summary sentence citing
# 112 articles (wire copies): placing them all split 287 articles per page view.
MAX_PLACED_PER_CITATION = 3


def open_reader(db: Path | str) -> StoryStore:
    """A read-only store on ``db`` (path or URL) that never takes the write lock: a web
    request must not wait for a running ``storyline add`` (one long write transaction)."""
    return open_store(db, timeout=10.0, readonly=True)


# -- dates and coverage ----------------------------------------------------------------------


def format_date(value: str | None, precision: str = "day") -> str:
    """"8 Mar 2025", "Mar 2025", "2025"; the raw value when it is not an ISO date."""
    if not value:
        return "undated"
    if precision == "year" or re.fullmatch(r"\d{4}", value):
        return value[:4]
    if precision == "month" or re.fullmatch(r"\d{4}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value[:7] + "-01").strftime("%b %Y")
        except ValueError:
            return value
    day = parse_day(value)
    return f"{day.day} {day.strftime('%b %Y')}" if day else value


def format_span(first: str | None, last: str | None) -> str:
    """"8 – 12 Mar 2025" style spans, or "undated"."""
    a, b = parse_day(first), parse_day(last)
    if not a or not b:
        return format_date(first or last)
    if a == b:
        return format_date(first)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day} – {b.day} {b.strftime('%b %Y')}"
    if a.year == b.year:
        return f"{a.day} {a.strftime('%b')} – {b.day} {b.strftime('%b %Y')}"
    return f"{format_date(first)} – {format_date(last)}"


@dataclass
class Bar:
    """One bar of a coverage chart, in SVG user units."""

    x: float
    y: float
    width: float
    height: float
    start: str
    end: str
    count: int


@dataclass
class Coverage:
    """Articles per day (or per bin of days) over a story's span."""

    per_day: list[tuple[str, int]]
    undated: int
    bin_days: int = 1
    bars: list[Bar] = field(default_factory=list)
    peak: int = 0


def coverage(dates: list[str | None]) -> Coverage:
    """Per-day counts and the bars that draw them (empty days included, as gaps)."""
    days = [d for d in (parse_day(x) for x in dates) if d]
    counts = Counter(d.isoformat() for d in days)
    return coverage_of(sorted(counts.items()), len(dates) - len(days))


def coverage_of(per_day: list[tuple[str, int]], undated: int) -> Coverage:
    """The bars of (ISO day, articles) counts sorted by day (a ``StoryOutline``'s): the
    work is per day with articles, not per article."""
    if not per_day:
        return Coverage([], undated)
    counts = {dt.date.fromisoformat(d): n for d, n in per_day}
    first, last = min(counts), max(counts)
    span = (last - first).days + 1
    bin_days = max(1, -(-span // MAX_BARS))
    n_bins = -(-span // bin_days)
    bins = [0] * n_bins
    for d, n in counts.items():
        bins[(d - first).days // bin_days] += n
    peak = max(bins)
    slot = COVERAGE_WIDTH / n_bins
    width = max(1.0, min(slot - 1.0, MAX_BAR_WIDTH))
    bars = []
    for i, n in enumerate(bins):
        if not n:
            continue
        h = max(3.0, COVERAGE_HEIGHT * n / peak)
        start = first + dt.timedelta(days=i * bin_days)
        end = min(last, start + dt.timedelta(days=bin_days - 1))
        bars.append(Bar(round(i * slot + (slot - width) / 2, 2), round(COVERAGE_HEIGHT - h, 2),
                        round(width, 2), round(h, 2),
                        start.isoformat(), end.isoformat(), n))
    return Coverage(per_day, undated, bin_days, bars, peak)


# -- articles and stories ----------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleBrief(ArticleRow):
    """What a list row shows about an article: the store's indexed row (read without
    decoding its stored JSON) and the name a page gives its source."""

    @property
    def label(self) -> str:
        return self.outlet or host_of(self.url) or self.id


_ROW_FIELDS = tuple(f.name for f in dataclasses.fields(ArticleRow))


def brief(row: ArticleRow) -> ArticleBrief:
    # Field by field: ``dataclasses.asdict`` deep-copies, 0.2 ms a row (80 ms for 376 rows).
    return ArticleBrief(*(getattr(row, f) for f in _ROW_FIELDS))


def briefs_of(store: StoryStore, ids: Iterable[str]) -> dict[str, ArticleBrief]:
    """The list-row fields of these articles, by id: read by primary key from the indexed
    columns (``article_rows_for``), never every article's row nor its full JSON, so a page
    costs what it shows, however large the store."""
    return {r.id: brief(r) for r in store.article_rows_for(ids)}


@dataclass
class StoryRow:
    """A story as the stories page lists it."""

    id: str
    title: str
    first_date: str | None
    last_date: str | None
    n_articles: int
    n_duplicates: int
    outlets: list[str]
    coverage: Coverage
    new: bool = False  # changed since the reader's last visit or ``?since=`` (``mark_new``)
    # Distinct outlets, covered widely enough to lead the list, why it is noise, and the
    # date of its latest article (the row's "last update").
    n_outlets: int = 0
    major: bool = False
    noise: str | None = None

    @property
    def span(self) -> str:
        return format_span(self.first_date, self.last_date)


def story_row(story_id: str, title: str, n_articles: int, outline: StoryOutline) -> StoryRow:
    """A list row from the story's stored outline (no article read)."""
    return StoryRow(
        id=story_id, title=title, first_date=outline.first_date, last_date=outline.last_date,
        n_articles=n_articles, n_duplicates=outline.n_duplicates, outlets=outline.outlets,
        coverage=coverage_of(outline.per_day, outline.undated),
    )


def story_rows(store: StoryStore, offset: int = 0, limit: int | None = None, *,
               noise: bool = False) -> list[StoryRow]:
    """One page of stories ranked by coverage and recency: those with 3 articles from 2
    outlets first, then the rest; noise stories only with ``noise`` (last).

    The order and the page come from the stories' indexed columns (``story_listing``), the
    rows' dates, outlets and bars from the outline stored with each story
    (``story_outlines``): no article is read, however large the stories on the page. Two
    rows of the page never carry the same title (``distinct_titles``)."""
    from storyline.headlines import distinct_titles

    listed = store.story_listing(offset, limit, noise=noise)
    outlines = store.story_outlines(s.id for s in listed)
    titles = distinct_titles((s.id, s.title, s.first_date) for s in listed)
    out: list[StoryRow] = []
    for s in listed:
        made = story_row(s.id, titles[s.id], s.n_articles, outlines.get(s.id) or EMPTY_OUTLINE)
        made.n_outlets = len(made.outlets) or s.n_outlets
        made.major, made.noise = s.major, s.noise
        out.append(made)
    return out


def mark_new(store: StoryStore, rows: list[StoryRow], since: str | int | None) -> int:
    """Mark the rows whose story changed after ``since`` (a revision number or UTC ISO time;
    None marks none); returns the store's latest revision number, the reader's new "seen"."""
    if since is not None:
        revised = store.revised_stories(since)
        for row in rows:
            row.new = row.id in revised
    return store.latest_revision()


@dataclass
class StoryNews:
    """What the story page marks as new: the story's latest revisions (newest first) and the
    items of those after ``since`` (by default its latest revision, unless that one made the
    story: then everything is new and nothing is marked)."""

    revisions: list[Revision]
    marked: list[Revision]
    timeline: set[str] = field(default_factory=set)
    summary: set[str] = field(default_factory=set)
    figures: set[str] = field(default_factory=set)
    articles: set[str] = field(default_factory=set)
    entities: set[str] = field(default_factory=set)


def story_news(store: StoryStore, story_id: str, since: str | int | None = None,
               limit: int = 5) -> StoryNews:
    """The story's latest ``limit`` revisions (with those of stories merged into it) and
    the new items to mark on its page."""
    revisions = story_revisions(store, story_id, limit=50)
    if since is None:
        marked = revisions[:1] if revisions and revisions[0].changes[0].kind != "new" else []
    elif isinstance(since, int):
        marked = [r for r in revisions if r.number > since]
    else:
        marked = [r for r in revisions if r.at > since]
    news = StoryNews(revisions[:limit], marked)
    into = {"timeline": news.timeline, "summary": news.summary, "figure": news.figures,
            "verdict": news.figures, "articles": news.articles, "entities": news.entities}
    for rev in marked:
        for change in rev.changes:
            into.get(change.kind, set()).update(change.items)
    return news


@dataclass
class EntityView:
    """An entity page: the stories naming it, and their timeline entries that name it."""

    name: str
    label: str | None
    variants: list[str]
    stories: list[Story]
    timeline: list[tuple[TimelineEntry, Story]]


def entity_view(store: StoryStore, name: str, limit: int = 200) -> EntityView:
    """Stories whose entities hold ``name`` (or a spelling of it), found through the
    full-text index (only the stories of matching articles are read), newest first."""
    ids = store.search(name, limit=limit)
    story_ids = list(dict.fromkeys(r.story_id for r in store.article_rows_for(ids) if r.story_id))
    wanted = name.casefold()
    label, variants, stories = None, [name], []
    for sid in story_ids:
        story = store.story(sid)
        if story is None:
            continue
        for ent in story.entities:
            if wanted in {v.casefold() for v in [ent.name, *ent.variants]}:
                label = label or ent.label
                variants += [v for v in ent.variants if v not in variants]
                stories.append(story)
                break
    spellings = [v.casefold() for v in variants]
    timeline = sorted(((t, s) for s in stories for t in s.timeline
                       if any(v in t.text.casefold() for v in spellings)),
                      key=lambda ts: ts[0].date)
    return EntityView(name, label, variants, stories, timeline)


# -- sentences and citations -------------------------------------------------------------------


def _norm(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip().lower()


class SentenceIndex:
    """An article's sentences (``storyline.text.split_sentences``), numbered from 1, and a
    lookup from a quoted sentence to its number: the anchor ``#s-N`` of the article page."""

    def __init__(self, article: Article) -> None:
        self.sentences = split_sentences(article.text)
        self._norm = [_norm(s.text) for s in self.sentences]
        self._starts = [s.start for s in self.sentences]
        self._words: list[set[str]] | None = None  # content words a sentence, made on first need

    def locate(self, text: str) -> int | None:
        """The number of the sentence ``text`` quotes, or None when none is close enough."""
        want = _norm(text)
        if not want or not self.sentences:
            return None
        for i, s in enumerate(self._norm):
            if s == want:
                return i + 1
        if len(want) >= 20:
            for i, s in enumerate(self._norm):
                if want in s or (len(s) >= 20 and s in want):
                    return i + 1
        best, score = None, 0.0
        for i, s in enumerate(self._norm):
            sc = fuzz.ratio(want, s)
            if sc > score:
                best, score = i + 1, sc
        if score >= MIN_SENTENCE_SIMILARITY:
            return best
        # A paraphrase of the sentence: most of its content words in one sentence.
        words = set(content_words(text))
        if not words:
            return None
        if self._words is None:  # once an article, not once a citation of it
            self._words = [set(content_words(s.text)) for s in self.sentences]
        overlap = [len(words & w) / len(words) for w in self._words]
        top = max(range(len(overlap)), key=overlap.__getitem__)
        return top + 1 if overlap[top] >= MIN_WORD_COVERAGE else None

    def at(self, offset: int) -> int | None:
        """The number of the sentence holding character ``offset`` of the article text."""
        i = bisect.bisect_right(self._starts, offset) - 1
        if i < 0 or offset >= self.sentences[i].end + 1:
            return None
        return i + 1


@dataclass
class Chip:
    """A citation chip: which article, at which sentence (None: the article's top). A chip
    with a ``cite`` instead links to the article page with the quoted text, which finds
    the sentence when the chip is followed (``?cite=`` redirects to ``#s-N``)."""

    article_id: str
    label: str
    number: int
    sentence: int | None
    article_title: str | None
    published: str | None
    cite: str | None = None

    @property
    def title(self) -> str:
        """The tooltip; made when rendered (most comparison chips of a story never are)."""
        return f"{self.article_title or self.article_id} ({format_date(self.published)})"

    @property
    def href(self) -> str:
        page = f"/articles/{quote(self.article_id, safe='/~')}"
        if self.sentence:
            return f"{page}#s-{self.sentence}"
        return f"{page}?cite={quote(self.cite[:MAX_CITE_CHARS])}" if self.cite else page


@dataclass
class StoryView:
    """Everything the story page shows: the story (its stored ``StoryPage`` projection;
    whole for the API), its outline, the list rows of one page of its articles (all for the
    API), and its chips."""

    story: Story
    row: StoryRow
    articles: list[ArticleBrief]
    numbers: dict[str, int]
    chips: dict[tuple[str, str], Chip]
    outline: StoryOutline = field(default_factory=lambda: EMPTY_OUTLINE)
    page: StoryPage | None = None
    comparisons: list[Comparison] = field(default_factory=list)

    def cite(self, text: str, sources: list[str]) -> list[Chip]:
        """The chips of one cited sentence, in the order its sources were given."""
        return [self.chips[(text, s)] for s in sources if (text, s) in self.chips]


def story_view(store: StoryStore, story_id: str, chips: bool = True, *, first: int = 0,
               count: int | None = None, all_figures: bool = False,
               max_comparisons: int | None = None, max_values: int | None = None) -> StoryView | None:
    """The story page from its stored projection (``store.story_page``, not its whole JSON):
    rows of articles ``first`` to ``first + count`` and of those chips cite, the cited texts
    to place citations on their sentence, and the first ``max_comparisons`` comparison rows
    marked ``shown`` (all with ``all_figures``), ``max_values`` values each.

    Comparison chips, and the chips of a sentence beyond its first
    ``MAX_PLACED_PER_CITATION`` sources, are not placed here: a large story holds hundreds
    of figures citing a thousand articles (splitting them all took 5 s a page view); their
    links carry the quoted sentence, and the article page places it when one is followed.
    ``chips=False`` (the JSON API) reads the whole story and every article's row, and
    places no chip."""
    if not chips:
        whole = store.story(story_id)
        if whole is None:
            return None
        rows = store.article_rows_for(whole.article_ids)
        outline = outline_of(rows)
        index = {r.id: brief(r) for r in rows}
        articles = [index[a] for a in whole.article_ids if a in index]
        numbers = {a.id: i + 1 for i, a in enumerate(articles)}
        row = story_row(whole.id, whole.title, len(whole.article_ids), outline)
        return StoryView(whole, row, articles, numbers, {}, outline)
    page = store.story_page(story_id)
    if page is None:
        return None
    story = page.story
    outline = page.outline or EMPTY_OUTLINE
    numbers = {aid: i + 1 for i, aid in enumerate(story.article_ids)}
    every = story.comparisons if all_figures else [c for c in story.comparisons if c.shown]
    shown = every[:max_comparisons]
    cited: list[tuple[str, list[str]]] = [(c.text, c.sources) for c in story.summary]
    cited += [(t.text, t.sources) for t in story.timeline]
    later = [(v.sentence, v.sources) for c in shown for v in c.values[:max_values]]
    listed = story.article_ids[first:None if count is None else first + count]
    index = briefs_of(store, [*listed, *(a for _, sources in cited + later for a in sources)])
    articles = [index[a] for a in listed if a in index]
    row = story_row(story.id, story.title, len(story.article_ids), outline)
    wanted = {aid for _, sources in cited
              for aid in [a for a in sources if a in index][:MAX_PLACED_PER_CITATION]}
    sent_index = {aid: SentenceIndex(Article(id=aid, text=text))
                  for aid, text in store.article_texts(wanted).items()}
    placed: dict[tuple[str, str], Chip] = {}
    for (text, sources), locate in [(c, True) for c in cited] + [(c, False) for c in later]:
        for aid in sources:
            if (text, aid) in placed or aid not in index:
                continue
            brief_ = index[aid]
            where = sent_index[aid].locate(text) if locate and aid in sent_index else None
            placed[(text, aid)] = Chip(aid, brief_.label, numbers.get(aid, 0), where,
                                       brief_.title, brief_.published, None if where else text)
    return StoryView(story, row, articles, numbers, placed, outline, page, shown)


def cited_sentence(store: StoryStore, article_id: str, text: str) -> int | None:
    """The number of the sentence of an article that ``text`` quotes (a comparison chip
    followed), or None; reads that one article's text."""
    found = store.article_texts([article_id]).get(article_id)
    return SentenceIndex(Article(id=article_id, text=found)).locate(text) if found else None


# -- the article page ----------------------------------------------------------------------------


@dataclass
class Block:
    """A paragraph of the cleaned text (numbered sentences) or a piece cleaning removed."""

    kind: str  # "para" or "removed"
    sentences: list[tuple[int, str]] = field(default_factory=list)
    text: str = ""
    reason: str = ""


def _find(raw: str, text: str, start: int = 0) -> int:
    probe = text.strip()[:60]
    if not probe:
        return -1
    at = raw.find(probe, start)
    return at if at >= 0 else raw.find(probe)


def blocks(article: Article, index: SentenceIndex) -> list[Block]:
    """The cleaned paragraphs with what cleaning removed put back where it stood in the raw
    text (greyed on the page), so a reader can audit the cleaning in context. Pieces that
    cannot be placed (text rewritten by extraction) go last."""
    paras: list[tuple[int, Block]] = []
    cursor = 0
    for m in re.finditer(r"[^\n]+", article.text):
        sents = [(i + 1, s.text) for i, s in enumerate(index.sentences)
                 if m.start() <= s.start < m.end()]
        if not sents:
            continue
        at = _find(article.raw_text, m.group(), cursor)
        cursor = max(cursor, at)
        paras.append((cursor, Block("para", sentences=sents)))
    end = len(article.raw_text) + 1
    removed = []
    for r in article.removed:
        at = _find(article.raw_text, r.text)
        removed.append((at if at >= 0 else end, Block("removed", text=r.text, reason=r.reason)))
    merged = sorted(
        [(pos, 1, i, b) for i, (pos, b) in enumerate(paras)]
        + [(pos, 0, i, b) for i, (pos, b) in enumerate(removed)],
        key=lambda t: (t[0], t[1], t[2]),
    )
    return [b for *_, b in merged]


@dataclass
class DateFound:
    text: str
    type: str
    value: str
    start: int
    end: int
    sentence: int | None
    readable: str = ""  # the value as a reader reads it ("10 Mar 2011, morning", "age 68")


@dataclass
class QuantityFound:
    value: str
    number: float | None
    unit: str | None
    qualifier: str | None
    attribution: str | None
    date: str | None
    sentence_text: str
    sentence: int | None


@dataclass
class ArticleView:
    """Everything the article page shows. A list is None when its extractor failed; the
    reason is in ``unavailable`` (the page says "not available" instead of failing)."""

    article: Article
    story_id: str | None
    event_id: str | None
    story_title: str | None
    index: SentenceIndex
    blocks: list[Block]
    dates: list[DateFound] | None
    entities: list[Entity] | None
    quantities: list[QuantityFound] | None
    unavailable: dict[str, str]
    copies: list[str]


def _safely(name: str, unavailable: dict[str, str], fn: Any) -> Any:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - an extractor bug must not take the page down
        log.warning("article page: %s failed: %s", name, exc, exc_info=True)
        unavailable[name] = f"{type(exc).__name__}: {exc}"[:200]
        return None


def _dates(article: Article, index: SentenceIndex) -> list[DateFound]:
    from storyline.extract.timex import find_timexes, readable

    return [DateFound(t.text, t.type, t.value, t.start, t.end, index.at(t.start), readable(t.value, t.text))
            for t in find_timexes(article.text, article.published)]


def _entities(article: Article, options: Any = None) -> list[Entity]:
    from storyline.extract.entities import extract_entities

    return extract_entities([article], getattr(options, "entities", None))


def _quantities(article: Article, index: SentenceIndex) -> list[QuantityFound]:
    from storyline.extract.claims import extract_quantities

    return [
        QuantityFound(q.value, q.number, getattr(q, "unit", None), q.qualifier,
                      q.attribution, q.date, q.sentence, index.locate(q.sentence))
        for q in extract_quantities(article)
    ]


def article_extractions(article: Article, options: Any = None) -> tuple[
        list[DateFound] | None, list[Entity] | None, list[QuantityFound] | None, dict[str, str]]:
    """The article's dates, entities and figures; a failing extractor gives None and its
    reason in the returned dict (another module's bug must not break the page)."""
    index = SentenceIndex(article)
    unavailable: dict[str, str] = {}
    dates = _safely("dates", unavailable, lambda: _dates(article, index))
    entities = _safely("entities", unavailable, lambda: _entities(article, options))
    quantities = _safely("quantities", unavailable, lambda: _quantities(article, index))
    return dates, entities, quantities, unavailable


def article_view(store: StoryStore, article_id: str, extract: bool = True,
                 options: Any = None) -> ArticleView | None:
    """The article page's content; ``options`` (``pipeline.Options``) picks the entity
    recogniser as the pipeline does, so the page agrees with the story's entities."""
    article = store.article(article_id)
    if article is None:
        return None
    rows = store.article_rows_for([article_id])
    story_id, event_id = (rows[0].story_id, rows[0].event_id) if rows else (None, None)
    title = store.story_titles([story_id]).get(story_id) if story_id else None
    index = SentenceIndex(article)
    unavailable: dict[str, str] = {}
    dates = entities = quantities = None
    if extract:
        dates, entities, quantities, unavailable = article_extractions(article, options)
    copies = store.duplicates(article_id)
    return ArticleView(article, story_id, event_id, title, index,
                       blocks(article, index), dates, entities, quantities, unavailable, copies)


# -- search ----------------------------------------------------------------------------------------


def iso_day(value: str) -> str | None:
    """A search form's date ("2011-03-01", "1 March 2011") as ISO, or None (empty or not a
    date: the filter is then not applied rather than matching nothing)."""
    from storyline.ingest.meta import parse_date_text

    text = (value or "").strip()
    if not text:
        return None
    day = parse_day(text)
    return day.isoformat() if day else parse_date_text(text)


@dataclass
class SearchHit:
    article: ArticleBrief
    story_title: str | None
    snippet: list[tuple[str, bool]]  # (text, is a match)
    title: str = ""  # the article's headline, or one derived from its text (never its id)

    @property
    def snippet_text(self) -> str:
        return "".join(t for t, _ in self.snippet)


def snippet(text: str, query: str, width: int = 110) -> list[tuple[str, bool]]:
    """A window of ``text`` around the first query word, split into (text, matched) runs
    so the template can mark matches while escaping everything."""
    terms = [re.escape(w) for w in re.findall(r"\w+", query) if w]
    flat = re.sub(r"\s+", " ", text)
    if not terms:
        return [(flat[: 2 * width], False)]
    pattern = re.compile(r"\b(" + "|".join(terms) + r")", re.IGNORECASE)
    m = pattern.search(flat)
    centre = m.start() if m else 0
    lo, hi = max(0, centre - width), min(len(flat), centre + width)
    window = ("…" if lo else "") + flat[lo:hi] + ("…" if hi < len(flat) else "")
    out: list[tuple[str, bool]] = []
    pos = 0
    for mm in pattern.finditer(window):
        if mm.start() > pos:
            out.append((window[pos : mm.start()], False))
        out.append((mm.group(), True))
        pos = mm.end()
    if pos < len(window):
        out.append((window[pos:], False))
    return out


def search(store: StoryStore, query: str, limit: int = 50, *, offset: int = 0,
           since: str | None = None, until: str | None = None) -> list[SearchHit]:
    """Articles matching ``query`` (full-text index over titles and text, stemmed), best
    first, one page, published between ``since`` and ``until`` when given: the hits' list
    rows and texts and their stories' titles, read by id, nothing else."""
    ids = store.search(query, limit, offset=offset, since=since or None, until=until or None)
    if not ids:
        return []
    index = briefs_of(store, ids)
    texts = store.article_texts(ids)
    titles = store.story_titles({sid for i in ids if i in index and (sid := index[i].story_id)})
    hits = []
    for i in ids:
        if i not in index:
            continue
        row, text = index[i], texts.get(i, "")
        own = row.title or _derived_title(i, text)
        hits.append(SearchHit(row, titles.get(row.story_id or ""), snippet(text, query), own))
    return hits


# Titles made for untitled articles, by id and text hash (a text never changes under its id).
_DERIVED: dict[tuple[str, int], str] = {}


def _derived_title(article_id: str, text: str) -> str:
    """``headlines.article_title`` of an article without a title, made once per server:
    2-4 ms an article, most of a search page of the 10k-article benchmark store (its ECB+
    articles have no title)."""
    from storyline.headlines import article_title

    key = (article_id, hash(text))
    title = _DERIVED.get(key)
    if title is None:
        if len(_DERIVED) >= 4096:  # bounded: 4,096 short titles
            _DERIVED.clear()
        title = _DERIVED[key] = article_title(Article(id=article_id, text=text))
    return title


@dataclass
class EntityHit:
    """An entity of a story the search found, named by the query (one of its spellings)."""

    name: str
    label: str
    variants: list[str]
    story_ids: list[str]


@dataclass
class SearchResults:
    """What a search page shows: stories (title or entities match), entities, articles."""

    stories: list[StoryRow]
    entities: list[EntityHit]
    articles: list[SearchHit]


def search_all(store: StoryStore, query: str, limit: int = 50, *, offset: int = 0,
               since: str | None = None, until: str | None = None) -> SearchResults:
    """Stories whose title or entities match ``query`` (first page only), the entities
    whose name or a spelling holds a query word, and one page of matching articles."""
    found = store.search_stories(query, limit=20) if offset == 0 else []
    titles = store.story_titles(found)
    story_ids = [sid for sid in found if sid in titles]
    words = {w.casefold() for w in re.findall(r"\w+", query)}
    # No story's JSON decoded; only entities whose text holds a query word come back.
    names = store.story_entities(story_ids, words)
    entities: dict[str, EntityHit] = {}
    for sid in story_ids:
        for ent in names.get(sid, []):
            spellings = {t.casefold() for v in [ent.name, *ent.variants] for t in re.findall(r"\w+", v)}
            if words and words <= spellings or any(w in spellings for w in words if len(w) > 3):
                hit = entities.setdefault(ent.name, EntityHit(ent.name, ent.label, [], []))
                hit.variants += [v for v in ent.variants if v not in hit.variants]
                hit.story_ids.append(sid)
    outlines = store.story_outlines(story_ids) if story_ids else {}
    rows = [story_row(sid, titles[sid], (outlines.get(sid) or EMPTY_OUTLINE).n_articles,
                      outlines.get(sid) or EMPTY_OUTLINE) for sid in story_ids]
    articles = search(store, query, limit, offset=offset, since=since, until=until)
    return SearchResults(rows, list(entities.values())[:20], articles)
