"""The support check: is a summary sentence really stated by the article it cites?

A cited summary is only as good as its citations. ``supports`` is deliberately lexical and
strict about what readers check first: every number, date and weekday of the sentence must be
in the source, and most of its content words too. It looks for them in a *local window* of a
few consecutive source sentences rather than anywhere in the article, because a long article
contains almost any word somewhere, and a sentence is stated by a passage, not by a bag of
words spread over ten paragraphs.

Numbers are compared as values ("1,037" == "1037", "ten" == "10"); a qualified number is
entailed by a nearby value on the right side ("more than 1,000" by "1,037", never by "300");
an ordinal is not its cardinal ("the 14th highest peak" is not "the 14 highest mountains").

"States it" means one source sentence is a near-paraphrase of it: 75% of its content words
in that one sentence (a long sentence, of ``SupportOptions.long_sentence`` content words or
more, may be matched by up to ``window`` consecutive ones anchored on one that holds nearly
half of them, as outlets split a compound sentence differently). Before issue 15 any window
of three sentences would do, and 70% of a short sentence's words are found in almost any
passage of a long article about the same story ("Pistorius should have been found guilty of
murder." in every report of his trial). So on top of the words, the source sentence must
have the same names (capitalised words and acronyms: people, places, organisations, the
speaker), the same polarity ("not", "never", "no") and the same modality ("should", "must",
"might", "may") about the words they share.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import chain

from nltk.stem.snowball import SnowballStemmer

from storyline.model import Citation
from storyline.summarize.options import SupportOptions
from storyline.text import MONTHS, NUMBER_WORDS, STOP_WORDS, WEEKDAYS, content_words, split_sentences, words

# A word as names are compared: "O'Mara", "U.S.", "San-Juan", "MacDonald" are one each.
_WORDS = re.compile(r"[\w][\w.'\u2019-]*")

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
_DATE_NAMES = frozenset((*_WEEKDAYS, *_MONTHS, *_MONTH_ABBR, "sept"))
_DATE_WORD = re.compile(
    r"\b(" + "|".join(_WEEKDAYS + _RELATIVE_DAYS) + r")\b|"
    r"\b(" + "|".join(m.capitalize() for m in _MONTHS) + r")\b|"
    r"\b(" + "|".join(a.capitalize() for a in _MONTH_ABBR) + r")\.",
    re.IGNORECASE,
)
_DATE_WORD_FOLDED = re.compile(_DATE_WORD.pattern.lower())
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
_NUMBER_WORD_FOLDED = re.compile(_NUMBER_WORD.pattern.lower())
_QUALIFIER = re.compile(
    r"(more than|over|above|in excess of|at least|upwards of|nearly|almost|about|around|"
    r"roughly|approximately|some|up to|fewer than|less than|under|at most)\s+$",
    re.IGNORECASE,
)


# Words that turn a claim around or make it a wish, an obligation or a possibility; each is
# its own class ("neg" gathers the negators), compared between sentence and source.
_MARKERS = re.compile(
    r"\b(not|no|never|none|nobody|nothing|neither|nor|without|cannot|should|must|ought|"
    r"might|may)\b|n['\u2019]t\b"
)
_NEGATORS = frozenset("not no never none nobody nothing neither nor without cannot".split())
_NOT_NEGATION = re.compile(r"\b(?:not only|no longer|no doubt|not least)\b", re.IGNORECASE)
_NOT_NAMES = frozenset(
    """i a an the this that these those he she it they we you his her its their our my
    mr mrs ms dr but and or so if in on at of for to as by from with after before when while
    what who where why how there here then also however meanwhile according""".split()
)
_ORDINAL = re.compile(r"(?:st|nd|rd|th)\b")


@dataclass(frozen=True)
class _Facts:
    """What a piece of text says that the check compares: stems, numbers, dates, names and
    the polarity/modality markers with the stems they bear on."""

    stems: frozenset[str]
    numbers: tuple[tuple[float, str | None], ...]  # (value, qualifier) in order
    dates: frozenset[str]
    names: frozenset[str] = frozenset()  # lower-cased, dots and apostrophes dropped
    words: frozenset[str] = frozenset()  # every word, normalised as the names are
    marks: tuple[tuple[str, frozenset[str]], ...] = ()  # (class, stems of the next words)
    speaker: frozenset[str] = frozenset()  # stems of who "said" it, when the text says


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
        if _ORDINAL.match(text, m.end()):
            out.append((value, "ordinal"))
            continue
        qual = _QUALIFIER.search(text[max(0, m.start() - 20) : m.start()])
        out.append((value, qual.group(1).lower() if qual else None))
    for m in _search_folded(_NUMBER_WORD, _NUMBER_WORD_FOLDED, text):
        qual = _QUALIFIER.search(text[max(0, m.start() - 20) : m.start()])
        out.append((float(_NUMBER_WORDS[m.group(1).lower()]), qual.group(1).lower() if qual else None))
    return out


def _search_folded(pattern: re.Pattern[str], folded: re.Pattern[str], text: str) -> Iterable[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern that ignores case; on ASCII text, its
    lower-cased twin on the lower-cased text (same spans: ASCII letters lower-case one to
    one), as ignoring case made these searches 2-3 times slower (Timeline17 sentences).
    Read a match's text from ``text`` at its span, not from the match."""
    if text.isascii():
        return folded.finditer(text.lower())
    return pattern.finditer(text)


def _dates(text: str) -> set[str]:
    out: set[str] = set()
    for m in _search_folded(_DATE_WORD, _DATE_WORD_FOLDED, text):
        word = text[m.start() : m.end()].rstrip(".").lower()
        month = text[m.start(2) : m.end(2)] if m.start(2) >= 0 else ""
        if month and month == "May" and m.start() == 0:
            continue  # sentence-initial "May" is as likely the verb
        if month and month != month.capitalize():
            continue  # lower-case "may", "march": a verb
        out.add(_MONTH_ABBR.get(word, word))
    return out


@lru_cache(maxsize=1 << 16)
def _norm(word: str) -> str:
    """A name or word as compared: lower case, without dots, apostrophes or a possessive
    (cached: called for every word of every source sentence, 1.5M times in a Timeline17
    digest, over a vocabulary of a few ten thousand)."""
    word = word.lower().replace("\u2019", "'")
    if word.endswith("'s"):
        word = word[:-2]
    return word.replace(".", "").replace("'", "")


def _word_set(text: str) -> frozenset[str]:
    """Every word of a text as names are compared, hyphenated ones also by their parts
    ("San-Juan" holds the name "Juan")."""
    return frozenset(chain.from_iterable(map(_word_forms, _WORDS.findall(text))))


@lru_cache(maxsize=1 << 16)
def _word_forms(raw: str) -> tuple[str, ...]:
    """A word as ``_word_set`` holds it, then its hyphenated parts (cached per word)."""
    word = _norm(raw.rstrip(".-"))
    return (word, *word.split("-")) if "-" in word else (word,)


def _names(text: str) -> frozenset[str]:
    """Capitalised words and acronyms of a sentence, except its first word (any sentence
    starts with a capital) and words right after an opening quote or a colon."""
    out = set()
    for m in _WORDS.finditer(text):
        if not m.group()[0].isupper():
            continue
        k = m.start() - 1  # the last character before the word that is not a space
        while k >= 0 and text[k].isspace():
            k -= 1
        if k < 0 or text[k] in "\"\u201c\u2018':(\u2014-":
            continue
        word = _norm(m.group().rstrip(".-"))
        if word and word not in _NOT_NAMES and word not in _DATE_NAMES:
            out.add(word)
    return frozenset(out)


_SAID = re.compile(
    r"\b(?:said|says|say|told|tells|added|adds|insisted|insists|argued|argues|claimed|claims|"
    r"warned|warns|stated|states|announced|announces|confirmed|confirms|according to)\b"
)


def _speaker(text: str) -> frozenset[str]:
    """Stems of who a sentence says is speaking: the content words right before "said"
    ("The Egyptian army said ..."), the capitalised words right after it when it follows a
    comma ("..., said Reitz."), the words after "according to" ("according to police").
    "He said" names no one."""
    out: set[str] = set()
    for m in _SAID.finditer(text):
        before = text[: m.start()].rstrip()
        if m.group() == "according to":
            near = _WORDS.findall(text[m.end() :])[:2]
        elif not before or before.endswith((",", "\u2014", "-")):
            near = []
            for word in _WORDS.findall(text[m.end() :])[:2]:
                if not word[0].isupper():
                    break
                near.append(word)
        else:
            near = []
            for word in reversed(_WORDS.findall(before)[-2:]):
                if word.lower() in STOP_WORDS or not word.isalpha():
                    break
                near.append(word)
        for raw in near:
            word = raw.rstrip(".'\u2019-").lower()
            if word.isalpha() and len(word) > 1 and word not in STOP_WORDS:
                out.add(_stem(word))
    return frozenset(out)


def _marks(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Negators and modals with the stems of the (up to four) content words after them:
    what they bear on."""
    cleaned = _NOT_NEGATION.sub(" ", text)
    out = []
    for m in _MARKERS.finditer(cleaned):
        word = (m.group(1) or "not").lower()
        if word == "may" and m.group(1) == "May":
            continue  # the month
        kind = "neg" if word in _NEGATORS else word
        after = [w for w in content_words(cleaned[m.end() : m.end() + 80]) if w.isalpha()][:4]
        out.append((kind, frozenset(_stem(w) for w in after)))
    return tuple(out)


@lru_cache(maxsize=4096)
def facts(text: str) -> _Facts:
    """The comparable facts of a text (cached: a summary sentence is checked against many
    sources; the sources' own sentences are kept with their source, ``_source``)."""
    return _facts(text)


def _facts(text: str) -> _Facts:
    return replace(_source_facts(text), names=_names(text), speaker=_speaker(text))


def _source_facts(text: str) -> _Facts:
    """``_facts`` of a source sentence, without ``names`` and ``speaker``: the check reads
    those of the summary sentence only (a source's are matched by its ``words`` and
    ``stems``), and they were a third of the facts' cost."""
    return _Facts(
        stems=_stems(text),
        numbers=tuple(_numbers(text)),
        dates=frozenset(_dates(text)),
        words=_word_set(text),
        marks=_marks(text),
    )


# ``storyline.text.words``'s tokens; on ASCII text, lower-casing the text first gives the
# same lower-cased tokens for one call instead of one per word.
_TOKEN = re.compile(r"\w+(?:[-'\u2019]\w+)*")


def _stems(text: str) -> frozenset[str]:
    """Stems of the text's content words without a digit."""
    tokens = _TOKEN.findall(text.lower()) if text.isascii() else words(text)
    stems: set[str | None] = set(map(_content_stem, tokens))
    stems.discard(None)
    return frozenset(stems)  # type: ignore[arg-type]  # None was just discarded


@lru_cache(maxsize=1 << 16)
def _content_stem(word: str) -> str | None:
    """The stem of a (lower-case) content word without a digit, else None: one cached
    look-up per word instead of the stop-word, length and digit tests and the stem's."""
    if word in STOP_WORDS or len(word) <= 1:
        return None
    if not word.isalpha() and any(c.isdigit() for c in word):  # letters are never digits
        return None
    return _stem(word)


class _Source:
    """One source text as the check reads it, built once and kept: the facts of each of its
    sentences, their union, an inverted index (stem -> sentences that hold it) and the
    facts of the multi-sentence windows asked for so far.

    The index lets ``supports`` count, for all sentences at once, how many of a summary
    sentence's stems each holds, and run the full check only on those that hold enough:
    coverage is one of the conditions the full check ANDs, so the verdict is the same as
    checking every window (a 300-article Timeline17 story made 2.1M window checks)."""

    __slots__ = ("singles", "whole", "postings", "_wide")

    def __init__(self, singles: tuple[_Facts, ...]) -> None:
        self.singles = singles
        # The union of every window, of any width, is the union of the sentences.
        self.whole = _union(singles)
        postings: dict[str, list[int]] = {}
        for i, one in enumerate(singles):
            for stem in one.stems:
                postings.setdefault(stem, []).append(i)
        self.postings = postings
        self._wide: dict[tuple[int, int], _Facts] = {}

    def count(self) -> int:
        """How many sentences (the text itself when it has none: one at least)."""
        return len(self.singles)

    def window(self, width: int, i: int) -> _Facts:
        """Facts of sentences ``i`` to ``i + width - 1`` read as one passage (fewer at the
        end); made on first use (a plain dict: two threads may both make one, equal)."""
        if width == 1:
            return self.singles[i]
        found = self._wide.get((width, i))
        if found is None:
            chunk = self.singles[i : i + width]
            found = chunk[0] if len(chunk) == 1 else _union(chunk)
            self._wide[(width, i)] = found
        return found

    def overlaps(self, stems: frozenset[str]) -> Counter[int]:
        """Per sentence index, how many of ``stems`` it holds (absent: none)."""
        get = self.postings.get
        return Counter(chain.from_iterable(get(stem, ()) for stem in stems))


def _windows(source_text: str, window: int, sentences: Sequence[str] | None = None) -> tuple[_Facts, ...]:
    """Facts of every run of ``window`` consecutive source sentences (fewer at the ends)."""
    src = _source(source_text, sentences)
    return tuple(src.window(window, i) for i in range(max(1, src.count() - window + 1)))


# source text -> its _Source; least recently used dropped past _SOURCES_MAX. A hand-made LRU
# (not lru_cache) so that a caller's sentences can fill it; the lock keeps it whole when web
# jobs analyse stories in threads. A summary checks each candidate against every article of
# its story, so the cache must hold a whole story or it thrashes.
_SOURCES: OrderedDict[str, _Source] = OrderedDict()
_SOURCES_MAX = 1024
_LOCK = threading.Lock()


def _source(source_text: str, sentences: Sequence[str] | None = None) -> _Source:
    """The source's sentences' facts, from the cache or made now.

    ``sentences``: the source's sentences when the caller has them
    (``extract.sentences_of``), so the text is not split again; they are only read on a
    cache miss, and must be ``split_sentences(source_text)``'s."""
    with _LOCK:
        found = _SOURCES.get(source_text)
        if found is not None:
            _SOURCES.move_to_end(source_text)
            return found
    if sentences is None:
        sentences = [s.text for s in split_sentences(source_text)]
    made = _Source(tuple(_source_facts(s) for s in (list(sentences) or [source_text])))
    with _LOCK:
        _SOURCES[source_text] = made
        if len(_SOURCES) > _SOURCES_MAX:
            _SOURCES.popitem(last=False)
    return made


def clear_cache() -> None:
    """Forget the sources' facts (tests compare a fresh computation with a cached one)."""
    with _LOCK:
        _SOURCES.clear()


def _union(parts: Sequence[_Facts]) -> _Facts:
    """The facts of several sentences read as one passage."""
    return _Facts(
        stems=frozenset().union(*(c.stems for c in parts)),
        numbers=tuple(dict.fromkeys(n for c in parts for n in c.numbers)),
        dates=frozenset().union(*(c.dates for c in parts)),
        names=frozenset().union(*(c.names for c in parts)),
        words=frozenset().union(*(c.words for c in parts)),
        speaker=frozenset().union(*(c.speaker for c in parts)),
        marks=tuple(dict.fromkeys(m for c in parts for m in c.marks)),
    )


def _number_supported(
    value: float, qualifier: str | None, source: Iterable[tuple[float, str | None]], factor: float
) -> bool:
    pairs = list(source)
    if qualifier == "ordinal" or any(q == "ordinal" for _, q in pairs):
        # "the 14th" is only the 14th: never a count, never entailed by a nearby value
        return any(abs(v - value) < 1e-9 and (q == "ordinal") == (qualifier == "ordinal") for v, q in pairs)
    values = [v for v, _ in pairs]
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


def _window_supports(sent: _Facts, win: _Facts, options: SupportOptions, union: bool = False) -> bool:
    """Does this window state the sentence? ``union``: ``win`` is the union of all windows
    (a quick necessary test), where a marker of one sentence must not veto another's."""
    if options.dates_must_match and not sent.dates <= win.dates:
        return False
    if options.numbers_must_match:
        for value, qual in sent.numbers:
            if not _number_supported(value, qual, win.numbers, options.comparative_range):
                return False
    if options.names_must_match and not sent.names <= win.words:
        return False
    if options.polarity_must_match and not _same_markers(sent, win, union):
        return False
    if options.names_must_match and not sent.speaker <= win.stems:
        return False  # "the army said" is not stated by a passage without the army
    if not sent.stems:
        return True
    covered = len(sent.stems & win.stems) / len(sent.stems)
    if len(sent.stems) < options.short_sentence:
        return covered == 1.0
    return covered >= options.min_coverage


def _same_markers(sent: _Facts, win: _Facts, union: bool = False) -> bool:
    """The source negates (or makes a wish, duty or possibility of) what the sentence
    says only when the sentence does too, and the other way round: "was found guilty of
    murder" is not stated by "was not found guilty of murder" nor by "should have been
    found guilty of murder"."""
    mine = {kind for kind, _ in sent.marks}
    theirs = {kind for kind, _ in win.marks}
    if not mine <= theirs:
        return False
    return union or all(kind in mine or not (after & sent.stems) for kind, after in win.marks)


def coverage(sentence: str, source_text: str, window: int = 1) -> float:
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
    window = options.window if len(sent.stems) >= options.long_sentence else 1
    src = _source(source_text, sentences)
    if not _window_supports(sent, src.whole, options, union=True):
        return False
    # Only sentences holding enough of its stems can state it (coverage is necessary).
    n = len(sent.stems)
    overlaps = src.overlaps(sent.stems)
    if not n:
        near = list(range(src.count()))
    elif n < options.short_sentence:
        near = [i for i, c in overlaps.items() if c == n]
    else:
        near = [i for i, c in overlaps.items() if c / n >= options.min_coverage]
    if any(_window_supports(sent, src.singles[i], options) for i in near):
        return True
    if window == 1:
        return False
    # A passage of a few sentences, anchored: one of them states much of the sentence.
    anchors = [i for i in range(src.count()) if (overlaps[i] / n if n else 1.0) >= options.anchor]
    starts = sorted({s for j in anchors for s in range(j - window + 1, j + 1)})
    last = max(1, src.count() - window + 1)
    return any(_window_supports(sent, src.window(window, i), options) for i in starts if 0 <= i < last)


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
