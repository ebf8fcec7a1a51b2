"""Per-article analysis, computed once: the sentences of the body and the dates they name.

Every stage that reads sentences (timeline, compare, claims; summarize next) used to split the
article again, and the timeline and the claims each ran the temporal tagger over it. They now
read ``analysis_of(article)``: the ``ArticleAnalysis`` attached to the article, or computed and
attached on first use. A stored analysis (``ArticleAnalysis.to_dict``) can be attached before
the stages run; its checksum says whether it still belongs to the article.

The figures (``ArticleAnalysis.quantities``) are filled in by ``storyline.extract.claims``,
which builds on this module; ``storyline.extract.analyze_article`` returns the complete record.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache

from storyline.extract import timex
from storyline.ingest.meta import parse_day
from storyline.model import ANALYSIS_VERSION, Article, ArticleAnalysis, DateMention
from storyline.text import Sentence, split_sentences

# Words without which a sentence cannot name a calendar day (a superset: the tagger decides).
# Only sentences with one go to the tagger: its cost grows with the text and most news
# sentences name no day.
DAY_TRIGGER = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b"
    r"|\b(?:yesterday|today|tonight|tomorrow|days?|week|weekend|morning|night|eve|christmas|easter)\b"
    r"|\d{1,2}/\d{1,2}|\d{4}-\d\d",
    re.IGNORECASE,
)
# "since May 1", "until Friday": the start or end of a period, not the day a fact held.
_BOUNDARY_WORD = re.compile(r"\b(?:since|from|until|till|before|after|by)\s+(?:the\s+)?$", re.IGNORECASE)


def checksum(article: Article) -> str:
    """What an analysis depends on: the article id (quantities cite it), its publication date
    (relative dates resolve against it) and its text."""
    return _checksum(article.id, article.published or "", article.text or "")


@lru_cache(maxsize=4096)
def _checksum(aid: str, published: str, text: str) -> str:
    """Cached: ``analysis_of`` checks the attached record on every call (23k calls, each
    hashing the whole text, in a 1,000-article digest); the key's hash is the string's
    own, which Python keeps, so a hit costs no pass over the text."""
    key = "\0".join((aid, published, text))
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def analysis_of(article: Article) -> ArticleAnalysis:
    """The article's analysis: the attached one if it is current, else computed and attached.

    >>> a = Article(id="a", text="Rebels took Misrata on Sunday. Talks resume next week.",
    ...             published="2011-05-16")
    >>> [d.value for ds in analysis_of(a).dates for d in ds]
    ['2011-05-15', '2011-05']
    """
    found = article.analysis
    if found is None or found.version != ANALYSIS_VERSION or found.checksum != checksum(article):
        found = _analyze(article)
        article.analysis = found
    return found


def sentences_of(article: Article) -> list[Sentence]:
    """``split_sentences(article.text)``, split once per article."""
    return analysis_of(article).sentences


def _analyze(article: Article) -> ArticleAnalysis:
    text = article.text or ""
    dct = article.published if parse_day(article.published) else None
    sentences = split_sentences(text)
    dates = sentence_dates([s.text for s in sentences], dct)
    return ArticleAnalysis(checksum=checksum(article), sentences=sentences, dates=dates, days={})


def day_of(article: Article, index: int) -> str | None:
    """The day sentence ``index`` of the article reports about, tagged on first use and kept.

    Read from the sentence alone (the tagger looks at the words around an expression, and in
    the joined text those cross into the previous sentence), and for every kind of sentence:
    times ("two hours ago", "10 a.m.") resolve to a day too and carry no day-like word. Only
    the sentences a stage asks about are tagged (the claims stage asks for those with a
    figure): tagging all of them doubled the cost of a story's analysis.

    >>> a = Article(id="a", text="Rebels took Misrata on Sunday. Talks resume next week.",
    ...             published="2011-05-16")
    >>> day_of(a, 0), day_of(a, 1)
    ('2011-05-15', None)
    """
    analysis = analysis_of(article)
    if index not in analysis.days:
        dct = article.published if parse_day(article.published) else None
        text = analysis.sentences[index].text
        analysis.days[index] = _day(text, _mentions(text, dct))
    return analysis.days[index]


# A temporal tagger: text and document date -> (start, end, calendar value, precision).
Tagger = Callable[[str, str | None], list[tuple[int, int, str, str]]]


def calendar_dates(text: str, dct: str | None) -> list[tuple[int, int, str, str]]:
    """``storyline.extract.timex``'s dates and times of ``text`` as calendar values."""
    out = []
    for t in timex.find_timexes(text, dct):
        if t.type in ("DATE", "TIME") and (cal := timex.to_calendar(t.value)) is not None:
            out.append((t.start, t.end, cal[0], cal[1]))
    return out


def sentence_dates(
    sentences: list[str], dct: str | None, find: Tagger = calendar_dates
) -> list[list[DateMention]]:
    """The calendar dates each sentence names, resolved against ``dct`` by ``find`` (the
    timex tagger; tests and tuning inject another through ``TimelineOptions.timexes``).

    The sentences with a day-like word (``DAY_TRIGGER``) are tagged in one call, joined by
    newlines, and the offsets mapped back: one call per article instead of one per sentence.
    """
    out: list[list[DateMention]] = [[] for _ in sentences]
    tagged: list[str] = []
    origin: list[tuple[int, int]] = []  # (offset in the joined text, sentence index)
    pos = 0
    for si, sent in enumerate(sentences):
        if DAY_TRIGGER.search(sent):
            origin.append((pos, si))
            tagged.append(sent)
            pos += len(sent) + 1
    if tagged:
        starts = [o for o, _ in origin]
        for start, end, iso, prec in sorted(find("\n".join(tagged), dct)):
            base, si = origin[bisect_right(starts, start) - 1]
            out[si].append(DateMention(start - base, end - base, iso, prec))
    return out


def _mentions(sentence: str, dct: str | None) -> list[DateMention]:
    return [DateMention(*found) for found in calendar_dates(sentence, dct)]


def _day(sentence: str, dates: list[DateMention]) -> str | None:
    """The first day the sentence names that is not the bound of a period ("since May 1")."""
    for d in dates:
        if d.precision == "day" and not _BOUNDARY_WORD.search(sentence[: d.start]):
            return d.value
    return None
