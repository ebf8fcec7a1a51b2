"""Temporal expressions: find dates, times, durations and sets in news text and normalise them.

Why a hand-built grammar and not a date parser: a timeline needs *every* temporal expression
with its exact offsets and a TIMEX3 value resolved against the article's publication date
("on Sunday" in a Monday article is yesterday), fast enough to run over thousands of
articles on one core. General date parsers (dateparser) find few expressions and resolve
weekdays and quarters poorly (see ``storyline eval timex``). The grammar lives in
:mod:`storyline.extract.timex_rules`; this module picks the longest non-overlapping matches and
resolves the few values that depend on the rest of the document (quarters in earnings news).

>>> [(t.text, t.value) for t in find_timexes("Troops fled on Sunday night.", dct="2021-07-05")]
[('Sunday night', '2021-07-04TNI')]
>>> resolve("last week", "2021-07-05")  # 2021-W26, whose Thursday is July 1
('2021-07', 'month')
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from storyline.extract import timex_lexicon as L
from storyline.extract import timex_rules as R
from storyline.extract.timex_lexicon import (
    DAYNUM,
    DURATION_MOD,
    MONTH,
    NUM,
    POD,
    TZ,
    UNIT,
    VAGUE_RE,
    WEEKDAY,
    YEAR,
    Context,
    Rule,
)

__all__ = ["Timex", "TimexOptions", "find_timexes", "readable", "to_calendar", "resolve"]


@dataclass(frozen=True)
class Timex:
    """One temporal expression: ``text == source[start:end]``, TIMEX3 ``type`` and ``value``."""

    start: int
    end: int
    text: str
    type: str  # DATE, TIME, DURATION, SET
    value: str  # TIMEX3 value: "2021-07-04", "2021-W27", "P3D", "PRESENT_REF", "XXXX-WI" ...


@dataclass(frozen=True)
class TimexOptions:
    """Options of the temporal tagger.

    ``future_window_days``: how far after the publication date a month/day written without a
    year may lie before it is taken as last year's (news mostly reports the past). Calibrated
    on the first (dev) half of TBAQ with ``storyline eval timex``: 0/30/60/90/120/180 days gave
    value F1 .786/.802/.810/.812/.811/.810; 90 chosen (held-out half: .752 at 60 and 90).
    """

    future_window_days: int = 90
    max_chars: int = 2_000_000  # longer texts are cut: a guard, not a tuning constant


_WD_NAMES = "|".join(k for k in L.WEEKDAYS if len(k) > 4)
_MON_NAMES = "January|February|March|April|May|June|July|August|September|October|November|December"
_ONES = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"

# (name, pattern, handler) in priority order: on equal spans the earlier rule wins.
_RULE_SOURCES: list[tuple[str, str, object]] = [
    (
        "iso",
        r"\b(?:(?P<y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)(?:[T ](?P<hh>\d\d):(?P<mm>\d\d)(?::\d\d)?)?"
        r"|(?P<us>(?P<m2>\d{1,2})/(?P<d2>\d{1,2})/(?P<y2>\d{4})))\b",
        R._h_iso,
    ),
    (
        "date",
        rf"(?:{WEEKDAY},?\s+)?(?P<mon>{MONTH})\s*(?P<day>{DAYNUM})\b(?!:\d|\d|\s*(?:%|percent))"
        rf"(?:(?:,\s*|\s+)(?P<year>{YEAR})\b(?![\d%]))?",
        R._h_date,
    ),
    (
        "date_dmy",
        rf"\b(?P<day>{DAYNUM})\s+(?:of\s+)?(?P<mon>{MONTH})(?![a-z])(?:,?\s+(?P<year>{YEAR})\b)?",
        R._h_date,
    ),
    (
        "clock",
        rf"(?:(?:around|about|at about|approximately|shortly after|shortly before)\s+)?"
        rf"(?:\b(?P<h>\d{{1,2}})(?::(?P<min>\d\d))?\s*(?P<ampm>a\.\s?m\."
        rf"|p\.\s?m\.|a\.m|p\.m|am\b|pm\b)"
        rf"|\b(?P<word>noon|midnight|midday)\b){TZ}"
        rf"(?:,?\s+(?:(?P<wd>{WEEKDAY})|(?P<rel>today|tonight|yesterday|tomorrow)"
        rf"|(?P<cmon>{MONTH})\s*(?P<cday>{DAYNUM}))\b)?",
        R._h_clock,
    ),
    (
        "holiday",
        r"\b(?P<h>Christmas(?: Day| Eve)?|New Year'?s(?: Day| Eve)|Independence Day|Fourth of July"
        r"|Halloween|Valentine'?s Day|Veterans Day|Thanksgiving(?: Day)?|Election Day"
        rf"|Easter(?: Sunday)?|Boxing Day|9/11)\b(?:,?\s+(?P<y>{YEAR})\b)?",
        R._h_holiday,
    ),
    (
        "quarter",
        r"(?P<pre>(?:\b(?:the|this|that|last|next)\s+)?(?:(?:year-ago|year-earlier|year ago"
        r"|comparable|corresponding|latest|current|same|fiscal|flat|strong|weak|disappointing"
        r"|(?:1[5-9]|20)\d\d|(?:this|last|next) year's)\s+)*)"
        r"\b(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+(?:fiscal[\s-]+)?quarters?\b"
        rf"(?:\s+(?:of\s+)?(?:(?:fiscal\s+)?(?P<y>{YEAR})\b"
        rf"|(?P<rel>this year|last year|next year)))?",
        R._h_quarter,
    ),
    (
        "half",
        rf"\b(?:the\s+)?(?P<h>first|second|1st|2nd)\s+half\s+of\s+(?:(?P<y>{YEAR})\b|"
        r"(?P<rel>this year|next year|last year|the year))",
        R._h_half,
    ),
    (
        "anaphor_q",
        r"\b(?:(?:the|that)\s+quarter\b|(?:the|that|its)\s+(?:(?:latest|most recent|year-ago"
        r"|year-earlier|comparable|corresponding|same"
        r"|fiscal|latest fiscal)\s+)+(?:quarter|period)\b"
        r"|(?:year-ago|year-earlier)\b|the\s+(?P<y>(?:19|20)\d\d)\s+(?:period|quarter)\b)",
        R._h_anaphor_q,
    ),
    (
        "ago",
        rf"(?:{DURATION_MOD})?(?:\b(?P<n>{NUM}|{VAGUE_RE})\s+)?\b(?P<u>{UNIT})\s+(?:or so\s+)?"
        r"(?P<dir>ago|earlier|from now|hence)\b",
        R._h_ago,
    ),
    (
        "set",
        rf"\b(?:daily|weekly|monthly|annually|yearly|hourly"
        rf"|nightly|quarterly)\b|\b(?:every|each|per|a)\s+"
        rf"(?P<what>day|week|month|year|quarter|morning"
        rf"|afternoon|evening|night|{_WD_NAMES}|{_MON_NAMES})\b",
        R._h_set,
    ),
    (
        "relative",
        r"(?:\b(?P<pre>early|earlier|late|later|mid)\s+)?(?:\b(?P<the>the)\s+)?"
        r"\b(?P<w>last|this|next|past|previous|coming|following|current|latest)\s+"
        r"(?P<u>week|month|year|quarter|weekend|decade"
        r"|century|spring|summer|fall|autumn|winter)\b(?!-)",
        R._h_relative,
    ),
    (
        "weekday",
        rf"(?:\b(?P<mod>last|this|next|this coming|this past|early|late|earlier|later)\s+)?"
        rf"\b(?P<wd>{WEEKDAY})\b(?:\s+(?P<pod>{POD})\b)?",
        R._h_weekday,
    ),
    (
        "day_rel",
        r"(?:\b(?:early|late|earlier|later)\s+)?(?:\b(?P<pod2>mid-?afternoon|mid-?morning)\s+)?"
        r"\b(?P<rel>the day before yesterday|the day after tomorrow"
        r"|today|tonight|yesterday|tomorrow)\b"
        rf"(?:\s+(?P<pod>{POD})\b)?",
        R._h_day_rel,
    ),
    ("this_pod", r"\b(?P<w>this|last)\s+(?P<pod>morning|afternoon|evening|night)\b", R._h_this_pod),
    (
        "month",
        r"(?:(?P<mod>\b(?:early|late|last|this|next"
        r"|this past|the end of|the beginning of|the middle of"
        r"|the start of)\s+|\bmid-?\s*))?"
        rf"\b(?P<mon>{MONTH})(?![a-z])(?:,?\s+(?:of\s+)?(?P<year>{YEAR})\b(?![\d%]))?"
        r"(?:\s+(?P<rel>last year|this year|next year))?",
        R._h_month,
    ),
    (
        "season",
        rf"(?P<det>\b(?:the|this|last|next|this past|early|late"
        rf"|mid)\s+)?\b(?P<s>spring|summer|fall|autumn|winter)"
        rf"\b(?:\s+(?:of\s+)?(?P<y>{YEAR})\b)?",
        R._h_season,
    ),
    (
        "decade",
        r"(?:\bthe\s+)?(?:\b(?:early|mid"
        r"|late)[\s-]+)?(?:\b(?P<y>(?:1[5-9]|20)\d0)'?s\b|'(?P<yy>\d0)s\b"
        r"|(?<=the )(?P<w>twenties|thirties|forties"
        r"|fifties|sixties|seventies|eighties|nineties)\b)",
        R._h_decade,
    ),
    ("century", r"(?:\bthe\s+)?\b(?P<n>\d{1,2}(?:st|nd|rd|th))\s+century\b", R._h_century),
    (
        "year",
        rf"(?P<mod>\b(?:early|mid|late|fiscal|calendar|post"
        rf"|pre|the end of|the beginning of|the start of"
        rf"|the middle of)[\s-]+)?\b(?P<y>{YEAR})\b(?![%]|[.,]\d|-\d|\w)",
        R._h_year,
    ),
    (
        "spelled_year",
        rf"\bnineteen[\s-]+(?P<r>(?:{_TENS})(?:[\s-](?:{_ONES}))?|{_TEENS})\b"
        rf"|\bthe\s+year\s+two thousand(?:\s+(?:and\s+)?(?P<r2>{_ONES}|ten)\b)?",
        R._h_spelled_year,
    ),
    (
        "end_of",
        r"(?:\baround\s+)?(?:\bthe\s+)?\b(?:end|close)\s+of\s+(?:the|this)\s+(?P<u>year|month)\b"
        r"|\b(?P<u2>year)[- ]end\b|\byear's end\b",
        R._h_end_of,
    ),
    ("weekend", r"\bthe\s+weekend\b", R._h_weekend),
    (
        "fiscal_year",
        r"\bthe\s+(?:current\s+)?(?:fiscal\s+)?year(?P<ended>(?=\s+end(?:ed|ing)\b))"
        r"|\bthe\s+(?:current\s+)?fiscal\s+year\b"
        r"|(?<=\bfor )the\s+(?:current\s+)?(?:fiscal\s+)?year\b(?!\s+(?:before|after|earlier|ago))"
        r"|(?<=\bof )the\s+year\b(?!\s+(?:before|after|earlier|ago))",
        R._h_fiscal_year,
    ),
    ("overnight", r"\b(?:overnight|mid-?\s?afternoon)\b", R._h_overnight),
    ("ref", r"\b(?:" + L._ALT(R._REFS) + r")\b", R._h_ref),
    (
        "hyphen",
        rf"\b(?P<n>\d+(?:\.\d+)?|(?:{_TENS})(?:-(?:{_ONES}))?|{_TEENS}|{_ONES}|several|a|half|one)"
        r"-(?P<u>second|minute|hour|day|week|month|year|decade|century)(?:s?-(?:old|long))?\b",
        R._h_hyphen,
    ),
    (
        "duration",
        r"(?P<pre>\b(?:the|its|their|his|her|this|that|these|those)\s+)?"
        r"(?P<adj>\b(?:past|last|next|coming|first|final"
        r"|recent)\s+|(?<=the )(?:latest|previous|following"
        r"|initial|remaining|ensuing|preceding|same|entire|full|whole|additional)\s+)?"
        rf"(?:{DURATION_MOD})?(?:\b(?P<n>{NUM}"
        rf"|{VAGUE_RE})(?:\s+(?:to|or|-|and)\s+(?P<n2>{NUM}))?\s+)?"
        r"(?:(?:more|additional|full|straight|consecutive|long|trading|business|calendar)\s+)?"
        rf"\b(?P<u>{UNIT})\b(?!-)(?:\s+or so\b)?",
        R._h_duration,
    ),
]

_RULES: list[Rule] = [
    (name, re.compile(pattern, re.IGNORECASE), handler)  # type: ignore[misc]  # handlers typed in timex_rules
    for name, pattern, handler in _RULE_SOURCES
]
# Speed: rules whose pattern opens with long optional prefixes are slow to scan everywhere, so
# they run only in windows around a cheap trigger word (the unit, "quarter", the month).
_TRIGGERS = {
    "duration": re.compile(rf"\b{UNIT}\b", re.IGNORECASE),
    "ago": re.compile(r"\b(?:ago|earlier|from now|hence)\b", re.IGNORECASE),
    "quarter": re.compile(r"quarter", re.IGNORECASE),
    "date": re.compile(MONTH.replace("\\.?", "")),
    "relative": re.compile(
        r"\b(?:last|this|next|past|previous|coming|following|current|latest)\s", re.IGNORECASE
    ),
    "end_of": re.compile(r"\b(?:end|close)\b", re.IGNORECASE),
    "month": re.compile(MONTH.replace("\\.?", "")),
    "weekday": re.compile(WEEKDAY),
    "day_rel": re.compile(r"to(?:day|night|morrow)|yesterday", re.IGNORECASE),
    "season": re.compile(r"spring|summer|fall|autumn|winter", re.IGNORECASE),
    "decade": re.compile(r"0'?s\b|ties\b", re.IGNORECASE),
    "year": re.compile(YEAR),
    "hyphen": re.compile(r"-(?:second|minute|hour|day|week|month|year|decade|century)", re.IGNORECASE),
    "clock": re.compile(r"\d\s*[ap]\.?\s?m|noon|midnight|midday", re.IGNORECASE),
    "holiday": re.compile(
        r"Christmas|New Year|Independence|Fourth|Halloween|Valentine|Veterans|"
        r"Thanksgiving|Election|Easter|Boxing|9/11"
    ),
}
_WINDOW_BEFORE = 90  # characters: longer than any optional prefix ("the better part of the past ...")
_WINDOW_AFTER = 40  # characters: longer than any suffix (", 1998", " of fiscal 1990")


def _matches(
    index: int, text: str, seen: dict[re.Pattern[str], list[list[int]]] | None = None
) -> Iterator[re.Match[str]]:
    """The matches of rule ``index``: everywhere, or only around its trigger words.

    ``seen``: trigger windows already found in ``text`` (rules that share a trigger
    pattern, "date" and "month", scan for it once)."""
    name, pattern, _ = _RULES[index]
    trigger = _TRIGGERS.get(name)
    if trigger is None:
        yield from pattern.finditer(text)
        return
    windows = seen.get(trigger) if seen is not None else None
    if windows is None:
        windows = _trigger_windows(trigger, text)
        if seen is not None:
            seen[trigger] = windows
    for lo, hi in windows:
        yield from pattern.finditer(text, lo, hi)


def _trigger_windows(trigger: re.Pattern[str], text: str) -> list[list[int]]:
    windows: list[list[int]] = []
    for t in trigger.finditer(text):
        lo = max(0, t.start() - _WINDOW_BEFORE)
        if lo:
            space = text.find(" ", lo, t.start())
            lo = space + 1 if space >= 0 else t.start()
        hi = min(len(text), t.end() + _WINDOW_AFTER)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = hi
        else:
            windows.append([lo, hi])
    return windows


_DEFAULT = TimexOptions()


def _parse_dct(dct: str | None) -> dt.date | None:
    """The document creation date from an ISO string; None when missing or unreadable."""
    if not dct or not isinstance(dct, str):
        return None
    m = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})", dct)
    if not m:
        return None
    return L.safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def find_timexes(text: str, dct: str | None = None, options: TimexOptions | None = None) -> list[Timex]:
    """All temporal expressions in text, relative ones resolved against dct.

    ``dct`` is the ISO date of the document (publication date). Returns Timex records sorted by
    start and non-overlapping; where rules compete the longest match wins. Without a usable dct,
    relative expressions keep an underspecified value ("XXXX-XX-XX", "XXXX-WXX-7").
    Never raises on odd input: it returns what it could read.
    """
    opts = options or _DEFAULT
    if not isinstance(text, str) or not text:
        return []
    text = text[: opts.max_chars]
    ctx = Context(text=text, dct=_parse_dct(dct), future_window_days=opts.future_window_days)
    candidates: list[tuple[int, int, int, re.Match[str]]] = []
    seen: dict[re.Pattern[str], list[list[int]]] = {}
    for prio in range(len(_RULES)):
        for m in _matches(prio, text, seen):
            s, e = m.span()
            while e > s and text[e - 1] in " ,-":
                e -= 1
            if e > s:
                candidates.append((s, e, prio, m))
    candidates.sort(key=lambda c: (c[0] - c[1], c[2], c[0]))
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str, str]] = []
    for s, e, prio, m in candidates:
        if any(s < te and ts < e for ts, te in taken):
            continue
        try:
            result = _RULES[prio][2](m, ctx)
        except (ValueError, OverflowError, KeyError, AttributeError, TypeError):
            result = None
        if result is None:
            continue
        if len(result) > 2:  # the rule moved the start (a determiner that is not part of it)
            s = result[2]  # type: ignore[misc]  # optional third element
        taken.append((s, e))
        if result[0]:  # an empty type claims the span for nothing (R.BLOCK)
            chosen.append((s, e, result[0], result[1]))
    chosen.sort()
    return _resolve_document(text, chosen, ctx)


# "the quarter" = the last completed quarter of the dct; the last-mentioned quarter was tried
# instead: same overall value F1 on TBAQ (better on the dev half with this one).
_ANAPHOR_REPORT_Q = True


def _resolve_document(text: str, chosen: list[tuple[int, int, str, str]], ctx: Context) -> list[Timex]:
    """Fill in values that depend on the document: "the quarter", "a year earlier".

    Earnings news says "the third quarter" once and then "the quarter" and "a year earlier"
    (the year-ago quarter); TBAQ annotates those as quarters, so we carry the last explicit
    quarter forward.
    """
    out: list[Timex] = []
    last_q: str | None = None
    report_q = L.previous_quarter(ctx.dct) if ctx.dct else None
    for s, e, typ, value in chosen:
        if re.fullmatch(r"\d{4}-Q[1-4]", value):
            last_q = value
        elif value.startswith("QUARTER_OF:"):
            value = value.split(":")[1] + (f"-Q{report_q[-1]}" if report_q else "")
        elif value in ("QUARTER", "QUARTER_AGO"):
            base = (report_q if _ANAPHOR_REPORT_Q else last_q) or report_q
            if base is None:
                value = "XXXX-QX"
            elif value == "QUARTER_AGO":
                value = f"{int(base[:4]) - 1:04d}{base[4:]}"
            else:
                value = base
        elif value.startswith("YEAR_AGO:"):
            value = value.split(":", 1)[1]
            base = (report_q if _ANAPHOR_REPORT_Q else last_q) if last_q else None
            if base is not None:
                value = f"{int(value[:4]):04d}-Q{base[-1]}"
        out.append(Timex(s, e, text[s:e], typ, value))
    return _year_from_next(text, out)


_YEAR_LINK = re.compile(r"\s*,?\s*(?:of\s+|in\s+)?")
_REL_YEAR = re.compile(r"(?:last|this|next|the previous|the following) year", re.IGNORECASE)


def _year_from_next(text: str, found: list[Timex]) -> list[Timex]:
    """A day, month, holiday or season followed by the year it belongs to ("Valentine's Day
    last year", "the spring of last year", "March next year") takes that year: on its own
    it resolves to the year nearest the article, which is wrong by one. The spans stay
    apart (as TimeML annotates them); only the first value changes."""
    out = list(found)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if (
            a.type == "DATE"
            and re.match(r"\d{4}(?!\d)", a.value)
            and not re.search(r"\d{4}", a.text)
            and _REL_YEAR.fullmatch(b.text)
            and re.fullmatch(r"\d{4}", b.value)
            and _YEAR_LINK.fullmatch(text[a.end : b.start])
        ):
            value = b.value + a.value[4:]
            day = re.match(r"(\d{4})-(\d\d)-(\d\d)", value)
            if day and L.safe_date(*(int(g) for g in day.groups())) is None:
                continue  # 29 February of a year without one: keep what the rule said
            out[i] = Timex(a.start, a.end, a.text, a.type, value)
    return out


def to_calendar(value: str) -> tuple[str, str] | None:
    """A TIMEX3 value -> (ISO date string, precision), precision in day|month|year.

    "2021-07-04" -> ("2021-07-04", "day"); "2021-07-04TNI" -> ("2021-07-04", "day");
    "2021-07" -> ("2021-07", "month"); a week "2021-W26" -> the month of its Thursday
    ("2021-07", "month"); a quarter, half or season -> its year. None for durations,
    PRESENT_REF and underspecified values ("XXXX-07").
    """
    if not isinstance(value, str):
        return None
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)", value)
    if m:
        if L.safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) is None:
            return None
        return m.group(0), "day"
    m = re.match(r"(\d{4})-W(\d\d)", value)
    if m:
        try:
            thursday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 4)
        except ValueError:
            return None
        return thursday.isoformat()[:7], "month"
    m = re.fullmatch(r"(\d{4})-(\d\d)", value)
    if m:
        return (value, "month") if 1 <= int(m.group(2)) <= 12 else None
    m = re.fullmatch(r"(\d{4})(?:-(?:Q[1-4]|H[12]|SP|SU|FA|WI))?", value)
    if m:
        return m.group(1), "year"
    return None


def resolve(expression: str, dct: str) -> tuple[str, str] | None:
    """Resolve one expression against dct: ("on Sunday", "2021-07-05") -> ("2021-07-04", "day").

    The first temporal expression found in ``expression`` that names a calendar date, or None.
    """
    for timex in find_timexes(expression, dct):
        cal = to_calendar(timex.value)
        if cal is not None:
            return cal
    return None


_MON_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MON_LONG = _MON_NAMES.split("|")
_PART = {"MO": "morning", "AF": "afternoon", "EV": "evening", "NI": "night", "DT": "daytime", "MI": "midday"}
_SEASON = {"SP": "spring", "SU": "summer", "FA": "autumn", "WI": "winter"}
_HALF = {"H1": "first half of", "H2": "second half of"}
_UNIT = {
    "Y": "year",
    "M": "month",
    "W": "week",
    "D": "day",
    "H": "hour",
    "S": "second",
    "DE": "decade",
    "CE": "century",
    "Q": "quarter",
}
_TIME_UNIT = {"H": "hour", "M": "minute", "S": "second"}
_REFS = {"PRESENT_REF": "now", "PAST_REF": "in the past", "FUTURE_REF": "in the future"}
_AGE = re.compile(r"year[\s-]+olds?|years?\s+old|\baged?\b", re.IGNORECASE)


def readable(value: str, text: str | None = None) -> str:
    """A TIMEX3 value as a reader reads it: the web page and reports show this, never the
    code. ``text`` (the expression the value came from) tells an age ("68-year-old") from
    another span of years. Anything not understood comes back unchanged.

    >>> readable("2011-03-10TMO"), readable("2011-03"), readable("2011"), readable("2011-Q1")
    ('10 Mar 2011, morning', 'March 2011', '2011', 'first quarter of 2011')
    >>> readable("P68Y", "68-year-old"), readable("P68Y"), readable("PT2H"), readable("2011-03-10T14:30")
    ('age 68', '68 years', '2 hours', '10 Mar 2011, 14:30')
    """
    if not isinstance(value, str) or not value:
        return value
    if value in _REFS:
        return _REFS[value]
    m = re.fullmatch(
        r"(\d{4}|XXXX)-(\d\d)-(\d\d)(?:T(?:(MO|AF|EV|NI|DT|MI)|(\d\d):(\d\d)(?::\d\d)?))?", value
    )
    if m and 1 <= int(m.group(2)) <= 12:
        year = "" if m.group(1) == "XXXX" else " " + m.group(1)
        day = f"{int(m.group(3))} {_MON_SHORT[int(m.group(2)) - 1]}{year}"
        if m.group(4):
            return f"{day}, {_PART[m.group(4)]}"
        if m.group(5):
            return f"{day}, {m.group(5)}:{m.group(6)}"
        return day
    m = re.fullmatch(r"(\d{4}|XXXX)-(\d\d)", value)
    if m and 1 <= int(m.group(2)) <= 12:
        return _MON_LONG[int(m.group(2)) - 1] + ("" if m.group(1) == "XXXX" else " " + m.group(1))
    m = re.fullmatch(r"(\d{4})-W(\d\d)(?:-(WE))?", value)
    if m:
        try:
            monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 6 if m.group(3) else 1)
        except ValueError:
            return value
        kind = "weekend" if m.group(3) else "week"
        return f"{kind} of {monday.day} {_MON_SHORT[monday.month - 1]} {monday.year}"
    m = re.fullmatch(r"(\d{4})-(Q[1-4]|H[12]|SP|SU|FA|WI)", value)
    if m:
        part = m.group(2)
        if part in _SEASON:
            return f"{_SEASON[part]} {m.group(1)}"
        if part in _HALF:
            return f"{_HALF[part]} {m.group(1)}"
        nth = ("first", "second", "third", "fourth")[int(part[1]) - 1]
        return f"{nth} quarter of {m.group(1)}"
    if re.fullmatch(r"\d{4}", value):
        return value
    m = re.fullmatch(r"XXXX-WXX-([1-7])", value)
    if m:
        return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[
            int(m.group(1)) - 1
        ]
    if value.startswith("XXXX"):
        kind = {"XXXX": "a year", "XXXX-XX": "a month", "XXXX-WXX": "a week"}.get(value, "a day")
        return f"{kind} (not resolved)"
    if re.fullmatch(r"\d{3}X?", value):
        return f"{value[:3]}0s"
    if re.fullmatch(r"\d\d", value):
        return f"{_ordinal(int(value) + 1)} century"
    m = re.fullmatch(r"P(?:(\d+(?:\.\d+)?|X)(DE|CE|Y|M|W|D|Q))|PT(\d+(?:\.\d+)?|X)([HMS])", value)
    if m:
        n, unit = (m.group(1), _UNIT[m.group(2)]) if m.group(2) else (m.group(3), _TIME_UNIT[m.group(4)])
        if n == "X":
            return unit + "s"
        if unit == "year" and text and _AGE.search(text):
            return f"age {n}"
        return f"{n} {unit}" + ("" if n == "1" else "s")
    return value


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
