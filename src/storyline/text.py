"""Small text utilities every stage shares: sentence splitting, word tokens, content words.

One splitter for the whole pipeline matters: a summary sentence, a timeline entry and a claim
must point at the same sentence of the same article, character for character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

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


@dataclass(frozen=True)
class Sentence:
    """A sentence and where it stands in the text it came from."""

    text: str
    start: int
    end: int


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
