"""The support check: is a summary sentence really stated by the article it cites?

A cited summary is only as good as its citations. ``supports`` is deliberately lexical and
strict about what readers check first: every number, date and weekday of the sentence must be
in the source, and most of its content words too. It looks for them in a *local window* of a
few consecutive source sentences rather than anywhere in the article, because a long article
contains almost any word somewhere, and a sentence is stated by a passage, not by a bag of
words spread over ten paragraphs.

Numbers are compared as values ("1,037" == "1037", "ten" == "10"); a qualified number is
entailed by a nearby value on the right side ("more than 1,000" by "1,037", never by "300").
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nltk.stem.snowball import SnowballStemmer

from storyline.model import Citation
from storyline.summarize.options import SupportOptions
from storyline.text import MONTHS, NUMBER_WORDS, WEEKDAYS, content_words, split_sentences

_STEMMER = SnowballStemmer("english")

# A number: digits with optional thousands commas and decimals; a trailing unit or ordinal
# suffix ("250bps", "6th") is simply not part of the match.
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:,\d{3})*(?:\.\d+)?")
_NUMBER_WORDS = NUMBER_WORDS
_WEEKDAYS = WEEKDAYS
_MONTHS = MONTHS
_MONTH_ABBR = {
    "jan": "january",
    "feb": "february",
    "mar": "march",
    "apr": "april",
    "jun": "june",
    "jul": "july",
    "aug": "august",
    "sep": "september",
    "sept": "september",
    "oct": "october",
    "nov": "november",
    "dec": "december",
}
_RELATIVE_DAYS = ("yesterday", "today", "tomorrow", "tonight")
_DATE_WORD = re.compile(
    r"\b(" + "|".join(_WEEKDAYS + _RELATIVE_DAYS) + r")\b|"
    r"\b(" + "|".join(m.capitalize() for m in _MONTHS) + r")\b|"
    r"\b(" + "|".join(a.capitalize() for a in _MONTH_ABBR) + r")\.",
    re.IGNORECASE,
)
_QUALIFIER = re.compile(
    r"(more than|over|above|in excess of|at least|upwards of|nearly|almost|about|around|"
    r"roughly|approximately|some|up to|fewer than|less than|under|at most)\s+$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Facts:
    """What a piece of text says that the check compares: stems, numbers, dates."""

    stems: frozenset[str]
    numbers: tuple[tuple[float, str | None], ...]  # (value, qualifier) in order
    dates: frozenset[str]


@lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    """Cached: the Snowball stemmer was the top function of a 1,000-article digest (13% of
    its time, 540k calls), and news reuses a few thousand words."""
    return _STEMMER.stem(word)


def _numbers(text: str) -> list[tuple[float, str | None]]:
    out: list[tuple[float, str | None]] = []
    for m in _NUMBER.finditer(text):
        raw = m.group().replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            continue
        qual = _QUALIFIER.search(text[max(0, m.start() - 20) : m.start()])
        out.append((value, qual.group(1).lower() if qual else None))
    for m in re.finditer(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", text, re.IGNORECASE):
        qual = _QUALIFIER.search(text[max(0, m.start() - 20) : m.start()])
        out.append(
            (float(_NUMBER_WORDS[m.group(1).lower()]), qual.group(1).lower() if qual else None)
        )
    return out


def _dates(text: str) -> set[str]:
    out: set[str] = set()
    for m in _DATE_WORD.finditer(text):
        word = m.group().rstrip(".").lower()
        if m.group(2) and m.group(2) == "May" and m.start() == 0:
            continue  # sentence-initial "May" is as likely the verb
        if m.group(2) and m.group(2) != m.group(2).capitalize():
            continue  # lower-case "may", "march": a verb
        out.add(_MONTH_ABBR.get(word, word))
    return out


@lru_cache(maxsize=4096)
def facts(text: str) -> _Facts:
    """The comparable facts of a text (cached: sources are checked many times)."""
    return _Facts(
        stems=frozenset(_stem(w) for w in content_words(text) if not any(c.isdigit() for c in w)),
        numbers=tuple(_numbers(text)),
        dates=frozenset(_dates(text)),
    )


# (source text, window) -> its windows' facts; least recently used dropped past 1,024. A
# hand-made LRU (not lru_cache) so that a caller's sentences can fill it; the lock keeps it
# whole when web jobs analyse stories in threads.
_WINDOWS: OrderedDict[tuple[str, int], tuple[_Facts, ...]] = OrderedDict()
_WINDOWS_MAX = 1024
_LOCK = threading.Lock()


def _cached(cache: OrderedDict[tuple[str, int], Any], key: tuple[str, int]) -> Any:
    with _LOCK:
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
        return found


def _keep(cache: OrderedDict[tuple[str, int], Any], key: tuple[str, int], value: Any) -> None:
    with _LOCK:
        cache[key] = value
        if len(cache) > _WINDOWS_MAX:
            cache.popitem(last=False)


def _windows(source_text: str, window: int, sentences: Sequence[str] | None = None) -> tuple[_Facts, ...]:
    """Facts of every run of ``window`` consecutive source sentences (fewer at the ends).

    ``sentences``: the source's sentences when the caller has them
    (``extract.sentences_of``), so the text is not split again; they are only read on a
    cache miss, and must be ``split_sentences(source_text)``'s."""
    key = (source_text, window)
    found: tuple[_Facts, ...] | None = _cached(_WINDOWS, key)
    if found is not None:
        return found
    if sentences is None:
        sentences = [s.text for s in split_sentences(source_text)]
    made = _make_windows(list(sentences) or [source_text], window)
    _keep(_WINDOWS, key, made)
    return made


def clear_cache() -> None:
    """Forget the sources' windows (tests compare a fresh computation with a cached one)."""
    with _LOCK:
        _WINDOWS.clear()
        _WHOLE.clear()


def _make_windows(sents: list[str], window: int) -> tuple[_Facts, ...]:
    per = [facts(s) for s in sents]
    out = []
    for i in range(max(1, len(per) - window + 1)):
        chunk = per[i : i + window]
        out.append(
            _Facts(
                stems=frozenset().union(*(c.stems for c in chunk)),
                numbers=tuple(n for c in chunk for n in c.numbers),
                dates=frozenset().union(*(c.dates for c in chunk)),
            )
        )
    return tuple(out)


_WHOLE: OrderedDict[tuple[str, int], _Facts] = OrderedDict()


def _whole(source_text: str, window: int, sentences: Sequence[str] | None = None) -> _Facts:
    """The union of a source's windows: a sentence this does not support, no window does
    (every check is monotone in the facts), so most sources are ruled out by one set test."""
    key = (source_text, window)
    found: _Facts | None = _cached(_WHOLE, key)
    if found is not None:
        return found
    wins = _windows(source_text, window, sentences)
    made = _Facts(
        stems=frozenset().union(*(w.stems for w in wins)),
        numbers=tuple(dict.fromkeys(n for w in wins for n in w.numbers)),
        dates=frozenset().union(*(w.dates for w in wins)),
    )
    _keep(_WHOLE, key, made)
    return made


def _number_supported(
    value: float, qualifier: str | None, source: Iterable[float], factor: float
) -> bool:
    values = list(source)
    if any(abs(v - value) < 1e-9 for v in values):
        return True
    if qualifier in ("more than", "over", "above", "in excess of", "upwards of"):
        return any(value < v <= value * factor for v in values)
    if qualifier == "at least":
        return any(value <= v <= value * factor for v in values)
    if qualifier in ("fewer than", "less than", "under", "at most", "up to", "nearly", "almost"):
        return any(value / factor <= v < value for v in values)
    if qualifier in ("about", "around", "roughly", "approximately", "some"):
        return any(abs(v - value) <= 0.1 * value for v in values)
    return False


def _window_supports(sent: _Facts, win: _Facts, options: SupportOptions) -> bool:
    if options.dates_must_match and not sent.dates <= win.dates:
        return False
    if options.numbers_must_match:
        values = [v for v, _ in win.numbers]
        for value, qual in sent.numbers:
            if not _number_supported(value, qual, values, options.comparative_range):
                return False
    if not sent.stems:
        return True
    covered = len(sent.stems & win.stems) / len(sent.stems)
    return covered >= options.min_coverage


def coverage(sentence: str, source_text: str, window: int = 3) -> float:
    """Best share of the sentence's content stems found in one source window (for
    calibration and diagnostics; ``supports`` is the decision)."""
    sent = facts(sentence)
    if not sent.stems:
        return 1.0
    return max(len(sent.stems & w.stems) / len(sent.stems) for w in _windows(source_text, window))


def supports(
    sentence: str,
    source_text: str,
    options: SupportOptions | None = None,
    sentences: Sequence[str] | None = None,
) -> bool:
    """True when the source states the sentence: its numbers, dates and weekdays all occur
    (or are entailed, "more than 1,000" by "1,037") and at least ``min_coverage`` of its
    content words occur, all within one window of consecutive source sentences.

    >>> supports("More than 1,000 troops fled on Sunday.", "On Sunday 1,037 troops fled.")
    True
    >>> supports("More than 1,000 troops fled.", "More than 300 troops fled.")
    False

    ``sentences``: the source's sentences if the caller already has them (they must be
    ``split_sentences(source_text)``'s texts, as ``storyline.extract.sentences_of`` gives).
    """
    options = options or SupportOptions()
    if not sentence.strip() or not source_text.strip():
        return False
    sent = facts(sentence)
    if not _window_supports(sent, _whole(source_text, options.window, sentences), options):
        return False
    wins = _windows(source_text, options.window, sentences)
    return any(_window_supports(sent, w, options) for w in wins)


def check_citations(
    citations: list[Citation], texts: dict[str, str], options: SupportOptions | None = None
) -> list[Citation]:
    """Keep, for each sentence, only the cited sources that support it; drop a sentence
    left with none. Unknown source ids count as unsupported."""
    out: list[Citation] = []
    for cit in citations:
        kept = [s for s in cit.sources if s in texts and supports(cit.text, texts[s], options)]
        if kept:
            out.append(Citation(text=cit.text, sources=kept))
    return out


def support_rate(
    citations: list[Citation], texts: dict[str, str], options: SupportOptions | None = None
) -> float:
    """Fraction of sentences that cite at least one source and are supported by every
    source they cite. An empty summary claims nothing, so it scores 1.0."""
    if not citations:
        return 1.0
    ok = sum(
        1
        for c in citations
        if c.sources and all(s in texts and supports(c.text, texts[s], options) for s in c.sources)
    )
    return ok / len(citations)
