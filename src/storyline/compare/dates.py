"""Date rows: the day each source gives for the same event ("fled on Sunday" vs "on Monday").

A reader checks a day as readily as a figure, and sources do disagree on it (the seeds:
Reuters has the Afghan troops crossing into Tajikistan on Sunday, Dawn on Monday). Each
sentence that names one day (a resolved date of ``extract.analysis``, "yesterday" resolved
against its own article's date; or, in an undated article, a bare weekday) is a date claim.
Claims of different articles describe the same event when their words, the date and the
numbers left out, are alike (tf-idf cosine of ``figures``' features) and they name the same
event class or place. Two days that cannot be the same (two dates, two weekdays, or a date
whose weekday is not the named one) make a conflict; a day does not change over time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from storyline.compare.options import CompareOptions
from storyline.extract.analysis import analysis_of
from storyline.extract.claims import attribution
from storyline.model import Article, ClaimValue, Comparison
from storyline.text import STOP_WORDS, WEEKDAYS

_WEEKDAY = re.compile(
    r"\b(?:(?:early|late)\s+)?(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"(?:\s+(?:morning|afternoon|evening|night))?\b"
)
# "since Monday", "until Friday", "by Sunday": the bound of a period, not the day of an event.
_BOUND = re.compile(r"\b(?:since|from|until|till|before|after|by|through|next|last)\s+(?:the\s+)?$", re.I)

# (weights, event classes, names) of a text; made by ``figures.sentence_vectorizer``.
Vectorizer = Callable[[str], tuple[dict[str, float], set[str], set[str]]]


@dataclass
class DateClaim:
    """One sentence of one article naming the day of something."""

    article_id: str
    sentence: str
    written: str  # the expression as written: "Sunday", "yesterday", "July 4"
    day: str | None  # ISO day, when resolved
    weekday: int | None  # 0 = Monday
    published: str | None


def date_claims(article: Article) -> list[DateClaim]:
    """The day each sentence of ``article`` gives for what it reports, at most one per sentence.

    Sentences naming two or more days are left out (which day goes with which event is not
    clear), and so are period bounds ("since Monday"). The day of a statement ("said on
    Monday") is kept: two sources can disagree on when something was announced.
    """
    analysis = analysis_of(article)
    out = []
    for sent, mentions in zip(analysis.sentences, analysis.dates, strict=True):
        text = sent.text
        days: list[tuple[str, str | None, int | None]] = []
        for d in mentions:
            if d.precision != "day" or _BOUND.search(text[: d.start]):
                continue
            days.append((text[d.start : d.end], d.value, _weekday_of(d.value)))
        if not days and "day" in text:  # every weekday ends so
            for w in _WEEKDAY.finditer(text):
                if _BOUND.search(text[: w.start()]):
                    continue
                days.append((w.group(0), None, WEEKDAYS.index(w.group(1).lower())))
        if not days:
            continue
        keys = {d[1] or d[2] for d in days}
        if len(keys) != 1 or _LISTING.search(text):
            continue
        written, iso, wd = days[0]
        out.append(DateClaim(article.id, text, written, iso, wd, article.published))
    return out


# The similarity given to two sentences that state figures of one row: they report one event.
_SAME_FIGURE = 0.7
# Words this alike report one event whatever the words next to the day.
_ALONE = 0.6
# Words each side of the day that say what happened that day.
_NEAR = 5
# A pair's score (its confidence): (similarity + _NAME_WEIGHT per shared name, up to three)
# / _SURE, capped at 1. Set with the planted days and the controls of ``eval compare`` on
# Multi-News (dev).
_NAME_WEIGHT = 0.1
# The least word similarity of two sentences that share a name and a word next to the day.
_NAMED_MIN = 0.1
_SURE = 0.7
# A merge of two groups of claims needs links between at least this share of their
# sentence pairs; a group naming more than _MAX_DAYS different days is dropped. Both set on
# the reader check's T17 stories (rows chaining 20-60 articles and up to 25 days) and kept
# only as far as the planted days of ``eval compare`` on Multi-News allowed.
_LINKED_SHARE = 0.5
_MAX_DAYS = 3


def _around(sentence: str, written: str, size: int) -> str:
    """The words each side of the day: a long sentence reports more than one thing."""
    pos = sentence.find(written)
    if pos < 0 or size <= 0:
        return sentence
    return " ".join(sentence[:pos].split()[-size:] + sentence[pos + len(written) :].split()[:size])


def _weekday_of(iso: str) -> int | None:
    try:
        return date.fromisoformat(iso[:10]).weekday()
    except ValueError:
        return None


def compatible(a: DateClaim, b: DateClaim) -> bool:
    """Whether two claims can name the same day."""
    if a.day and b.day:
        return a.day == b.day
    if a.weekday is None or b.weekday is None:
        return True
    return a.weekday == b.weekday


def date_rows(
    articles: list[Article],
    opts: CompareOptions,
    vectorize: Vectorizer,
    figures: list[Comparison] | None = None,
) -> list[Comparison]:
    """Rows comparing the days that at least two articles give for the same event.

    Two claims of different articles are one event when their sentences state figures of
    one figure row (``figures``: "more than 1,000 Afghan troops fled ... on Sunday" / "...
    on Monday"), or when the words around the day are alike (at least
    ``date_min_similarity``) and name the same event class or place.
    """
    claims = [c for a in articles for c in date_claims(a)]
    if len({c.article_id for c in claims}) < 2:
        return []
    rows_of: dict[tuple[str, str], set[int]] = {}
    for k, row in enumerate(figures or []):
        for v in row.values:
            for s in v.sources:
                rows_of.setdefault((s, v.sentence), set()).add(k)
    feats = [vectorize(_around(c.sentence, c.written, opts.window)) for c in claims]
    # The words right next to the day, names left out: what happened that day ("died",
    # "issued an Amber Alert"). Two sentences about one event share at least two of them.
    near = [
        set(vectorize(_around(c.sentence, c.written, _NEAR))[0]) - f[2]
        for c, f in zip(claims, feats, strict=True)
    ]
    rows = [rows_of.get((c.article_id, c.sentence), set()) for c in claims]
    best: dict[tuple[int, int], float] = {}
    for i, j, sim in _linked_pairs(claims, feats, near):
        (_, ei, pi), (_, ej, pj) = feats[i], feats[j]
        shared = len(pi & pj)
        if rows[i] & rows[j] and (ei & ej or not (ei or ej)) and near[i] & near[j]:
            sim = max(sim, _SAME_FIGURE)  # scores 1.0 below
        elif sim < _ALONE and (sim < opts.date_min_similarity or len(near[i] & near[j]) < 2):
            # Across outlets one event is told in other words but with the same
            # participants and what they did: a shared name and a shared word or event
            # class right next to the day ("Stallone said in a statement late Sunday" /
            # "Sylvester Stallone suggested on Tuesday").
            if not (shared and sim >= _NAMED_MIN and (ei & ej or near[i] & near[j])):
                continue
        # Shared names make two sentences far likelier to report one event ("Prodigy ...
        # died Tuesday" / "Prodigy ... died Thursday"): each adds to the pair's score.
        best[(i, j)] = min(1.0, (sim + _NAME_WEIGHT * min(shared, 3)) / _SURE)
    clusters = _cluster(claims, best)
    out = []
    for members in clusters.values():
        group = [claims[i] for i in members]
        if len({c.article_id for c in group}) < 2:
            continue
        clash = [
            best.get((min(i, j), max(i, j)), 0.0)
            for x, i in enumerate(members)
            for j in members[x + 1 :]
            if claims[i].article_id != claims[j].article_id
            and not compatible(claims[i], claims[j])
            and _one_cycle(claims[i], claims[j])
        ]
        sims = [
            best.get((min(i, j), max(i, j)), 0.0) for x, i in enumerate(members) for j in members[x + 1 :]
        ]
        values = _values(group)
        if len(values) < 2:
            continue
        if _distinct_days(group) > _MAX_DAYS:
            continue  # sources do not give four days for one event: these are several events
        if not clash and any(not compatible(x, y) for k, x in enumerate(group) for y in group[k + 1 :]):
            continue  # different days, but no disagreement in one news cycle: several events
        if clash:
            conf = max(clash)
            shown_days = sorted({_show(c) for c in group})
            out.append(
                Comparison(
                    subject=_subject(group),
                    label="conflict",
                    values=values,
                    reason=f"the sources give different days: {', '.join(shown_days)}",
                    confidence=round(conf, 3),
                    kind="date",
                )
            )
        else:
            conf = max(sims, default=0.0)
            out.append(
                Comparison(
                    subject=_subject(group),
                    label="agree",
                    values=values,
                    reason=f"every source gives {_show(group[0])}",
                    confidence=round(conf, 3),
                    kind="date",
                )
            )
    return out


def _linked_pairs(
    claims: list[DateClaim],
    feats: list[tuple[dict[str, float], set[str], set[str]]],
    near: list[set[str]],
) -> list[tuple[int, int, float]]:
    """The pairs (i < j, of different articles) that can link, with their word cosine: those
    sharing a weighted word or a word next to the day. Every link needs one or the other
    (a cosine above zero, or shared words next to the day), so the other pairs, most of a
    long story's (a million pairs in a 300-article story), are never scored.

    Through an index of the words of the claims after each one: the cosine is summed over
    the shared words in the order of ``i``'s words, the same sum (to the last bit) as over
    all of ``i``'s words with zeros for the missing ones."""
    arts = [c.article_id for c in claims]
    weighted: dict[str, list[tuple[int, float]]] = defaultdict(list)
    beside: dict[str, list[int]] = defaultdict(list)
    out: list[tuple[int, int, float]] = []
    for i in range(len(claims) - 1, -1, -1):
        vi, own = feats[i][0], arts[i]
        sims: dict[int, float] = {}
        for t, v in vi.items():
            for j, w in weighted.get(t, ()):
                if arts[j] != own:
                    sims[j] = sims.get(j, 0.0) + v * w
        pairs = set(sims)
        for t in near[i]:
            pairs.update(j for j in beside.get(t, ()) if arts[j] != own)
        out.extend((i, j, sims.get(j, 0.0)) for j in sorted(pairs))
        for t, v in vi.items():
            weighted[t].append((i, v))
        for t in near[i]:
            beside[t].append(i)
    return out


def _cluster(claims: list[DateClaim], best: dict[tuple[int, int], float]) -> dict[int, list[int]]:
    """Claims joined along their links, strongest first, never so that one article gives two
    days that cannot be the same for one event: an article does not contradict itself, so
    such a link joins sentences that report different things (joining them all and dropping
    the group, as before, lost the one event a loose link had chained to another)."""
    members = {i: [i] for i in range(len(claims))}
    root = list(range(len(claims)))
    for (i, j), _ in sorted(best.items(), key=lambda kv: (-kv[1], kv[0])):
        ri, rj = root[i], root[j]
        if ri == rj:
            continue
        if any(
            claims[x].article_id == claims[y].article_id and not compatible(claims[x], claims[y])
            for x in members[ri]
            for y in members[rj]
        ):
            continue
        # Average linkage: most sentences of the two groups must be linked, not one pair,
        # or links chain dozens of sentences of a long story into one "event" (the reader
        # check's Libya story: one row of 60 articles and 25 different days).
        cross = [
            (min(x, y), max(x, y))
            for x in members[ri]
            for y in members[rj]
            if claims[x].article_id != claims[y].article_id
        ]
        if cross and sum((x, y) in best for x, y in cross) < _LINKED_SHARE * len(cross):
            continue
        for k in members[rj]:
            root[k] = ri
        members[ri].extend(members.pop(rj))
    return members


# Lines of a crawled list, not sentences: a timeline box ("- France recognizes the NTC",
# "Aug 21 - Rebels enter Tripoli"), a
# dateline bar ("LONDON | Tue Mar 1, 2011"): each names its own event.
_LISTING = re.compile(
    r"^\s*(?:[-*•\\]|\d{1,2}[:.]\d{2}\b)|\s\|\s"
    r"|^\s*(?:[A-Z][a-z]{2,8}\.? \d{1,2}(?:st|nd|rd|th)?|\d{1,2} [A-Z][a-z]{2,8})\s*[-–—]\s"
)
# Days said relative to the article's own date: two reports of them disagree only when
# written in the same news cycle.
_RELATIVE = re.compile(r"^(?:today|tonight|yesterday|tomorrow|(?:this|last|next|earlier|late|early)\b)", re.I)
_EXPLICIT = re.compile(r"\d")  # "12 January", "Jan. 12": the day is written, not resolved
# Reports more than this many days apart that give different days tell different events
# ("47 new cases confirmed today", every day), not a disagreement. Set on the reader check's
# T17 stories; the seeds' Sunday/Monday reports are two days apart.
_CYCLE_DAYS = 3


def _one_cycle(a: DateClaim, b: DateClaim) -> bool:
    """Whether two differing days can be a disagreement: not both said relative to their
    article's date, and from reports at most ``_CYCLE_DAYS`` apart (or undated)."""
    if _RELATIVE.match(a.written) and _RELATIVE.match(b.written):
        return False
    if a.day and b.day and not (_EXPLICIT.search(a.written) and _EXPLICIT.search(b.written)):
        if _weekday_of(a.day) == _weekday_of(b.day):
            return False  # "Tuesday" / "last Tuesday" a week apart: how each was resolved
    if not (a.published and b.published):
        return True
    try:
        gap = abs((date.fromisoformat(a.published[:10]) - date.fromisoformat(b.published[:10])).days)
    except ValueError:
        return True
    return gap <= _CYCLE_DAYS


def _distinct_days(group: list[DateClaim]) -> int:
    """How many days the claims name that cannot all be one (resolved days, else weekdays)."""
    days = {c.day for c in group if c.day}
    weekdays = {c.weekday for c in group if not c.day and c.weekday is not None}
    weekdays -= {_weekday_of(d) for d in days}
    return len(days) + len(weekdays)


def _show(c: DateClaim) -> str:
    if c.day:
        return f"{c.written} ({c.day})" if c.written.lower() != c.day else c.day
    return c.written


def _values(group: list[DateClaim]) -> list[ClaimValue]:
    merged: dict[tuple[str, str], ClaimValue] = {}
    for c in sorted(group, key=lambda c: (c.published or "9999", c.article_id)):
        key = (c.day or c.written.lower(), re.sub(r"\W+", " ", c.sentence.lower()).strip())
        if key in merged:
            if c.article_id not in merged[key].sources:
                merged[key].sources.append(c.article_id)
            continue
        merged[key] = ClaimValue(
            value=c.written,
            number=None,
            qualifier=None,
            sentence=c.sentence,
            sources=[c.article_id],
            date=c.day,
            attribution=attribution(c.sentence),
        )
    return list(merged.values())


_CLAUSE_CUT = re.compile(
    r"\s+(?:following|after|as|while|because|when|amid|but|and then)\s+|(?<!\d),|[;:(“\"]"
)


def _subject(group: list[DateClaim]) -> str:
    """ "when more than 1,000 Afghan troops fled into neighbouring Tajikistan": the clause of
    the shortest sentence that holds the day, with the day taken out."""
    c = min(group, key=lambda c: (len(c.sentence), c.article_id))
    s = c.sentence
    pos = s.find(c.written)
    head = re.sub(r"^[A-Z]{3,}[\w ]*:\s*|^\([A-Z][\w ]*\)\s*", "", s)  # "KABUL:", "(CNN)"
    if pos >= 0:
        pos = head.find(c.written)
    before = head[:pos] if pos >= 0 else head
    after = head[pos + len(c.written) :] if pos >= 0 else ""
    start = max((m.end() for m in re.finditer(r"(?<!\d),(?!\d)\s*|[;:“\"]\s*", before)), default=0)
    phrase = before[start:]
    phrase = re.sub(r"\s+(?:on|early|late|last|this)\s*$", "", phrase.rstrip())
    rest = _CLAUSE_CUT.split(after, maxsplit=1)[0] if after else ""
    words = (phrase + " " + rest).split()
    if len(words) < 3:
        words = head.split()
    while words and words[0].lower() in _LEADING:
        words = words[1:]
    text = " ".join(words[:14]).rstrip(" .,;") or head[:80]
    first = text.split()[0] if text.split() else ""
    if first[:1].isupper() and (first.lower() in STOP_WORDS or first.lower() in _COMMON):
        text = text[0].lower() + text[1:]
    return "when " + text


_COMMON = {"more", "hundreds", "thousands", "police", "troops", "officials", "rescuers", "authorities"}
# Words a clause may open with that do not belong in a subject ("though Lewis did not say").
_LEADING = {"though", "although", "but", "and", "as", "while", "meanwhile", "also", "then", "so"}
