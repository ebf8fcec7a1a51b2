"""Small text utilities every stage shares: sentence splitting, word tokens, content words.

One splitter for the whole pipeline matters: a summary sentence, a timeline entry and a claim
must point at the same sentence of the same article, character for character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from storyline.model import Sentence as Sentence  # re-exported: it was defined here

STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | {"said", "says", "told", "according", "mr", "ms"}

# Calendar and number words, shared by the stages that read figures and dates.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")
# "one" is left out: it is a pronoun far more often than a count ("one side should ...").
NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip

# Abbreviations after which a period does not end a sentence (news style).
_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "gen",
    "col",
    "lt",
    "maj",
    "capt",
    "sgt",
    "gov",
    "sen",
    "rep",
    "rev",
    "hon",
    "pres",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "vs",
    "no",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "inc",
    "ltd",
    "co",
    "corp",
    "mt",
    "ft",
    "approx",
    "est",
    "al",
}
_BOUNDARY = re.compile(r"""([.!?]["'”’)\]]*)(\s+)(?=["'“‘(\[]?[A-Z0-9])""")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)


def split_sentences(text: str) -> list[Sentence]:
    """Split text into sentences with character offsets.

    Paragraph breaks (newlines) always end a sentence; inside a paragraph a period, question
    or exclamation mark followed by a capital starts a new one unless it ends a known
    abbreviation or a single initial ("J. Smith").
    """
    out: list[Sentence] = []
    for para in re.finditer(r"[^\n]+", text):
        base = para.start()
        chunk = para.group()
        start = 0
        for m in _BOUNDARY.finditer(chunk):
            before = chunk[start : m.start()].rstrip()
            last = re.search(r"([\w.]+)$", before)
            token = last.group(1).lower() if last else ""
            if token.rstrip(".") in _ABBREV or re.fullmatch(r"[a-z]", token):
                continue
            end = m.end(1)
            _append(out, chunk, start, end, base)
            start = m.end()
        _append(out, chunk, start, len(chunk), base)
    return out


def _append(out: list[Sentence], chunk: str, start: int, end: int, base: int) -> None:
    piece = chunk[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    offset = start + (len(piece) - len(piece.lstrip()))
    out.append(Sentence(stripped, base + offset, base + offset + len(stripped)))


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters, digits, inner hyphens and apostrophes)."""
    return [w.lower() for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """Words that carry content: not stop words, not one character long."""
    return [w for w in words(text) if w not in STOP_WORDS and len(w) > 1]


def normalize_space(text: str) -> str:
    """Collapse runs of spaces and tabs, strip lines, drop blank lines."""
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------- datelines

# Two shapes of the line a report opens with before what happened, both seen in the data:
# a wire dateline with what a crawler glued before it (T17: "TRIPOLI | Wed Mar 2 , 2011 7:26
# am EST TRIPOLI -LRB- Reuters -RRB- - ", "Cairo , Egypt (CNN) -- "), and a place in capitals
# with an optional date and agency, then a colon or dash ("KABUL:", "WASHINGTON (Reuters) -",
# "LONDON, July 4 —"). The wire shape is tried first: it reaches past the glued headline.
_WIRE_DATELINE = re.compile(
    r"^.{0,250}?(?:-LRB-|\()\s*(?:Reuters|CNN|AP|AFP)\s*(?:-RRB-|\))\s*(?:--?|\u2013|\u2014)\s*"
)
_PLACE_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'’-]{1,40})(?:,\s*[A-Z][a-z]+\.?(?:\s+\d{1,2})?)?(?:\s*\([^)]{1,30}\))?"
    r"\s*(?::|—|–|--|-)\s*(?=\S)"
)
# What must follow a dateline for it to be one: "NEW YORK - 20 people" is a report, "UPDATE: 3"
# is not worth stripping to.
_MIN_AFTER_DATELINE = 20


@dataclass(frozen=True)
class Dateline:
    """A dateline opening a text: ``end`` is where the report starts; ``place`` the place in
    capitals when the dateline names one ("KABUL"), else None (a wire credit after a
    crawled headline)."""

    end: int
    place: str | None


def match_dateline(text: str, *, wire: bool = True, place: bool = True) -> Dateline | None:
    """The dateline ``text`` opens with, if the rest is long enough to be the report.

    ``wire`` and ``place`` choose the shapes recognised. The timeline strips both (a reader
    of the seeds' timeline saw "KABUL: More than 1,000 ..." as an entry), the summarizer
    only the place shape (the wire shape would also strip "(AP) — " from 11 of 22,373
    Multi-News validation sentences, which ``clean_start`` handles).

    >>> match_dateline("KABUL (Reuters) - Taliban fighters took the border crossing on Friday.")
    Dateline(end=18, place='KABUL')
    """
    placed = _PLACE_DATELINE.match(text) if place else None
    m = (_WIRE_DATELINE.match(text) if wire else None) or placed
    if m is None or len(text) - m.end() <= _MIN_AFTER_DATELINE:
        return None
    return Dateline(m.end(), placed.group("place").strip(" -") or None if placed else None)


def strip_dateline(text: str, *, wire: bool = True, place: bool = True) -> str:
    """The text without the dateline it opens with (see ``match_dateline``): a place and a
    wire credit are not part of what happened, in a summary or a timeline entry.

    >>> strip_dateline("WASHINGTON, July 4 — The president signed the bill into law today.")
    'The president signed the bill into law today.'
    """
    found = match_dateline(text, wire=wire, place=place)
    return text[found.end :] if found else text


# --------------------------------------------------------------------------- speed guards

# Characters IGNORECASE matches to an ASCII letter while ``str.lower`` does not map them to
# it (the whole list, found by trying every code point): dotless i, long s, and the dot
# U+0307 that capital dotted I lowers to after its "i".
_FOLD = str.maketrans({"\u0131": "i", "\u017f": "s", "\u0307": None})


def fold_lower(text: str) -> str:
    """``text`` lower-cased as IGNORECASE compares it: a lowercase literal an IGNORECASE
    pattern needs is ``in`` this exactly when the pattern could see it."""
    low = text.lower()
    return low if text.isascii() else low.translate(_FOLD)


def guarded_search(
    pattern: re.Pattern[str], literals: tuple[str, ...], text: str, low: str | None = None
) -> bool:
    """``pattern.search(text) is not None``, at the cost of one position when no literal is
    in ``low`` (``fold_lower(text)``). The caller promises that every branch of ``pattern``
    not anchored at the start holds one of ``literals`` (lowercase), so without any the
    pattern can only match at position 0. An IGNORECASE alternation has no literal prefix
    to skip to and costs 20-150 us a search, and most texts match none (the noise checks
    and headlines run them on every line and lead sentence)."""
    low = fold_lower(text) if low is None else low
    if any(lit in low for lit in literals):
        return pattern.search(text) is not None
    return pattern.match(text) is not None


# What ftfy may change: anything but printable ASCII, tab and newline (mojibake, wide and
# curly characters, ligatures and surrogates are not ASCII; terminal escapes and control
# characters are not printable; "\r" is a line break it may fix), and "&" when it unescapes
# HTML. Checked on all 4,608 T17 texts and on 36,019 T17 titles, leads and lead sentences:
# ftfy returns each text without these unchanged. ftfy costs 50 us a title, 5 ms an article.
_NOT_PLAIN = re.compile(r"[^\t\n\x20-\x7e]")


def ftfy_may_change(text: str, entities: bool = True) -> bool:
    """False when ``ftfy.fix_text`` (with ``unescape_html=entities``) returns ``text`` as
    it is, so the call can be skipped."""
    return bool(_NOT_PLAIN.search(text)) or (entities and "&" in text)
