"""Compare what several sources say about the same thing: agree, changed over time, conflict.

A story's sources rarely disagree outright; more often one reported an early count ("more
than 300 crossed", Sunday night) and another the final one ("1,037", Monday). A reader needs
the two told apart from a genuine disagreement (six districts fell vs ten, on the same day),
and needs the rows to be right more than to be many: a wrong "conflict" costs the reader's
trust in every other row. So the stage is precision first:

1. **Keep** only figures that report a count of the story's events: hypotheticals and
   threats ("could kill 20"), background history (a sentence naming an earlier year) and
   names, years, ages, scores and measures (``extract.claims``) are left out.
2. **Group** the figures that count the same thing (``figures``), one row per thing.
3. **Label** each row (``verdict``: intervals for "more than", "about", "hundreds of") with
   a confidence; a conflict below ``min_conflict_confidence`` is kept but never shown.
4. **Compare days** that sources give for the same event (``dates``): Sunday vs Monday.
5. **Rank** rows by importance (sources, recency, verdict) and mark the first
   ``shown_per_story`` as ``shown``; the rest wait behind "show all".
"""

from __future__ import annotations

import re

from storyline.compare.dates import date_rows
from storyline.compare.figures import figure_rows, sentence_vectorizer, story_words
from storyline.compare.options import CompareOptions
from storyline.compare.verdict import anchor_days, explain, interval, label
from storyline.extract.claims import extract_quantities
from storyline.model import Article, Comparison, Quantity

__all__ = [
    "CompareOptions",
    "anchor_days",
    "coherent",
    "comparable",
    "compare",
    "explain",
    "interval",
    "label",
    "rank",
    "reportable",
]


def compare(
    articles: list[Article],
    quantities: list[Quantity] | None = None,
    options: CompareOptions | None = None,
) -> list[Comparison]:
    """Comparisons of the figures and days that at least two articles give for one thing.

    ``quantities`` defaults to ``extract_quantities`` over ``articles``. The result is in
    order of importance; ``Comparison.shown`` marks the rows to show first.
    """
    opts = options or CompareOptions()
    qs = comparable(articles, quantities, opts)
    words = story_words(articles) if qs or len(articles) >= 2 else None
    rows = figure_rows(articles, qs, opts, words)
    if len(articles) >= 2:
        rows += date_rows(articles, opts, sentence_vectorizer(articles, opts, words), rows)
    return rank(rows, opts)


# --- what is worth comparing ---------------------------------------------------------------


def comparable(
    articles: list[Article], quantities: list[Quantity] | None = None, options: CompareOptions | None = None
) -> list[Quantity]:
    """The figures ``compare`` weighs: counted units that are not measures, in clauses that
    report a fact of the story's time (``reportable``). Public so that the planted figures of
    ``storyline eval compare`` are ones the stage rightly considers, not years or threats."""
    opts = options or CompareOptions()
    if quantities is None:
        quantities = [q for a in articles for q in extract_quantities(a)]
    years = _reference_years(articles)
    skip = opts.skip_units
    return [
        q
        for q in quantities
        if q.unit and q.unit not in skip and reportable(q.sentence, q.value, years.get(q.article_id))
    ]

# Modal, conditional and intention words: the figure is not a reported fact ("could face 20
# charges", "threatened to kill 100", "planned to call four witnesses").
_HYPOTHETICAL = re.compile(
    r"\b(?:could|would|might|may|if|If|unless|Unless|threat\w*|threaten\w*|plans?|planned|planning|"
    r"expects?|expected|aims?|hopes?|proposed?|proposal|potential(?:ly)?|possible|possibly|"
    r"intends?|intended|seeks?|sought|wants?|wanted|asked for|calls? for|called for|demand\w*)\b"
)
# Background words: the figure is history, not this story's news.
_BACKGROUND = re.compile(r"\b(?:ago|last year|in the past|previously|history|historic|anniversary)\b", re.I)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_CLAUSE_END = re.compile(r"[,;:—–()]|\s(?:but|while|whereas|although|and|that)\s")


def reportable(sentence: str, value: str, year: int | None = None) -> bool:
    """Whether a figure reports a fact of the story's time: not a hypothetical or a threat in
    its clause, and not background (a sentence naming a year before ``year``, the article's
    own; or "ago", "last year", "in the past").

    >>> reportable("Police arrested 12 people on Sunday.", "12")
    True
    >>> reportable("The strike could kill 20 people, police warned.", "20")
    False
    >>> reportable("In 1988, 270 people died over Lockerbie.", "270", 2011)
    False
    """
    pos = sentence.find(value)
    if pos < 0:
        pos = sentence.lower().find(value.lower())
    pos = max(pos, 0)
    starts = [m.end() for m in _CLAUSE_END.finditer(sentence[:pos])]
    ends = [m.start() for m in _CLAUSE_END.finditer(sentence, pos + len(value))]
    # The clause up to the figure and a few words after it ("20 people could die").
    # The word right after the figure is what it counts, never a modal: "14 demands", "20 plans".
    after = " ".join(sentence[pos + len(value) : min(ends, default=len(sentence))].split()[1:4])
    clause = sentence[max(starts, default=0) : pos + len(value)] + " " + after
    if _HYPOTHETICAL.search(clause):
        return False
    if _BACKGROUND.search(sentence):
        return False
    if year is not None and any(int(y) < year for y in _YEAR.findall(sentence)):
        return False
    return True


def _reference_years(articles: list[Article]) -> dict[str, int]:
    """The year each article reports from: its published year, or (undated) the latest year
    its text names, so a sentence naming an earlier year reads as background."""
    out = {}
    for a in articles:
        if a.published and re.match(r"\d{4}", a.published):
            out[a.id] = int(a.published[:4])
            continue
        years = [int(y) for y in _YEAR.findall(a.text or "") if int(y) <= 2100]
        if years:
            out[a.id] = max(years)
    return out


# --- ranking --------------------------------------------------------------------------------


def coherent(row: Comparison, options: CompareOptions | None = None) -> bool:
    """Whether a row reads as one measured thing, worth showing (``CompareOptions``
    ``max_shown_values`` and ``conflict_span_days``): a row of a dozen different counts, or
    a "conflict" between reports a month apart, groups different things, whatever its
    confidence."""
    opts = options or CompareOptions()
    distinct = {(v.number if v.number is not None else v.value.lower()) for v in row.values}
    if row.kind == "date":
        distinct = {v.date or v.value.lower() for v in row.values}
    limit = opts.max_shown_values * (2 if row.label == "changed_over_time" else 1)
    if len(distinct) > limit:
        return False
    if row.label == "conflict":
        days = sorted(v.date[:10] for v in row.values if v.date)
        if days and _days_between(days[0], days[-1]) > opts.conflict_span_days:
            return False
    return True


def _days_between(a: str, b: str) -> int:
    import datetime as dt

    try:
        return abs((dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days)
    except ValueError:
        return 0


_WEIGHT = {"conflict": 2.0, "changed_over_time": 1.5, "agree": 0.0}


def rank(rows: list[Comparison], options: CompareOptions | None = None) -> list[Comparison]:
    """Rows in order of importance, the first ``shown_per_story`` worth showing marked shown.

    Importance: the number of sources (a figure ten outlets give matters more than one two
    give), the verdict (a confident conflict or a change is what the table is for), recency
    (the latest day a value holds, as a fraction of the story's span) and confidence. A
    conflict below ``min_conflict_confidence`` is never shown, and agreeing date rows only
    when nothing else fills the table.
    """
    opts = options or CompareOptions()
    days = sorted({v.date for r in rows for v in r.values if v.date})
    first = days[0] if days else ""
    span = max(1, len(days) - 1)

    def importance(r: Comparison) -> float:
        sources = len({s for v in r.values for s in v.sources})
        latest = max((v.date for v in r.values if v.date), default=first)
        recency = days.index(latest) / span if latest in days else 0.0
        weight = _WEIGHT.get(r.label, 0.0)
        if r.label == "conflict" and r.confidence < opts.min_conflict_confidence:
            weight = -2.0
        if r.kind == "date" and r.label == "agree":
            weight = -1.0
        return min(sources, 10) + weight + recency + r.confidence

    ordered = sorted(rows, key=lambda r: (-importance(r), r.subject))
    shown = 0
    for r in ordered:
        ok = not (r.label == "conflict" and r.confidence < opts.min_conflict_confidence) and coherent(r, opts)
        r.shown = ok and shown < opts.shown_per_story
        shown += int(r.shown)
    return ordered
