"""Which sentences of an article a summary may use: shared by every summarizer.

The extractive summarizer picks among these sentences and the ``llm`` summarizer numbers
them for the model, so both must cut the same page furniture (related-story lists, photo
captions, datelines) and judge a sentence usable out of context by the same rules; they
live here, public, rather than as one summarizer's private helpers.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from storyline.clean.patterns import PAGE_FURNITURE
from storyline.extract.analysis import sentences_of
from storyline.model import Article, Sentence
from storyline.summarize.options import SummaryOptions
from storyline.text import strip_dateline as strip_text_dateline
from storyline.text import words

__all__ = [
    "body_lines",
    "body_sentences",
    "canonical",
    "numbers_literally_in",
    "quality",
    "strip_dateline",
    "usable",
]

# Sentences starting with these need the previous sentence to be understood.
CONTEXT_STARTERS = frozenset(
    """he she it they them this that these those his her hers its their theirs we our i
    you your but and or so also however meanwhile still yet instead then thus therefore
    moreover furthermore nonetheless nevertheless besides otherwise such here there
    additionally likewise similarly indeed later earlier""".split()
)
# Lines after which the rest of an uncleaned page is usually not the article (related
# links, teasers, opinion boxes). A safety net for text that skipped the clean stage:
# every one of these was seen ending the article body in ../shared/seeds or Multi-News.
STOP_LINES = re.compile(
    r"^\s*(recommended stories|must read|related( stories| articles| coverage)?|read more|"
    r"more from [\w ]+|most (read|popular|viewed)|trending( now)?|opinion|editorial|"
    r"you may also like|more stories|latest news|advertisement)\s*:?\s*$",
    re.IGNORECASE,
)
# A photo credit marks its line as a caption: "REUTERS/Mohammad Ismail", "(AP Photo/...)".
CAPTION = re.compile(
    r"\b(REUTERS|AP|AFP|EPA|Getty Images|AP Photo|Reuters Photo)\s?/\s?[A-Z]|"
    r"\((AP|AFP|Reuters)( Photo)?\)\s*$|\b(Photo|Image|Picture)( credit)?\s*:",
)
# Page furniture that survives in crawled text (Multi-News documents, raw seeds): the clean
# stage's own list, so the two cannot drift apart.
JUNK = PAGE_FURNITURE


def strip_dateline(text: str) -> str:
    """The sentence without a leading place dateline ("KABUL:", "LONDON, July 4 —"), unless
    that would leave almost nothing: ``storyline.text.strip_dateline``'s place shape, which
    matches what the summarizer always stripped (0 differences on the 22,373 Multi-News
    validation sentences; the wire shape would change 11 of them)."""
    return strip_text_dateline(text, wire=False)


def quality(text: str, options: SummaryOptions) -> int:
    """2: a reader can use the sentence out of context; 1: only to fill a word budget
    (it needs context, is a bare quote, a headline or over-long); 0: never (junk,
    questions, fragments)."""
    toks = words(text)
    if len(toks) < 5 or len(toks) > 2 * options.max_words:
        return 0
    if "?" in text or _junk(text):
        return 0
    if len(toks) < options.min_words or len(toks) > options.max_words:
        return 1
    if toks[0] in CONTEXT_STARTERS:
        return 1
    if not re.search(r"[.!][\"'”’)\]]*$", text):
        return 1  # headlines, captions and cut-off teasers do not end a sentence
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        return 1  # a piece of a quotation
    if text.startswith(("“", '"', "'", "‘")):
        return 1  # a bare quote says nothing about who said it
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.5 * len(letters):
        return 0  # shouted headings
    return 2


@lru_cache(maxsize=1 << 15)
def _junk(text: str) -> bool:
    """``JUNK.search``, cached: the page-furniture pattern is long and a story's sentences
    are graded again each time the story gains an article."""
    return JUNK.search(text) is not None


def usable(text: str, options: SummaryOptions) -> bool:
    """Could a reader use this sentence out of context?"""
    return quality(text, options) == 2


def body_lines(text: str) -> str:
    """The text up to the first line that opens a list of other stories, without photo
    captions (a line with a photo credit) and without repeats of a line already seen
    (crawled pages repeat captions and pull quotes). Dropped lines become blank lines, so
    sentences keep their place in the text."""
    lines = text.split("\n")
    kept = _kept_lines(lines)
    return "\n".join(line if keep else "" for line, keep in zip(lines, kept, strict=False))


def _kept_lines(lines: list[str]) -> list[bool]:
    """Per line, whether ``body_lines`` keeps it; lines from a stop line on are left out
    (the list is shorter then)."""
    kept: list[bool] = []
    seen: set[str] = set()
    started = False  # a non-empty line was kept: a stop line now ends the body
    for line in lines:
        key = line.strip()
        if STOP_LINES.match(line) and started:
            break
        if CAPTION.search(line) or (key and key in seen):
            kept.append(False)
            continue
        seen.add(key)
        kept.append(True)
        started = started or bool(line)
    return kept


def body_sentences(article: Article) -> list[Sentence]:
    """``split_sentences(body_lines(article.text))``, taken from the article's one split
    (``storyline.extract.sentences_of``) instead of splitting again: sentences never cross
    a line, and ``body_lines`` keeps a line as it is or blanks it, so the sentences of the
    body are those of the text that lie on a kept line (offsets are the text's)."""
    text = article.text or ""
    lines = text.split("\n")
    kept = _kept_lines(lines)
    starts: list[int] = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    out = []
    for sent in sentences_of(article):
        i = bisect_right(starts, sent.start) - 1
        if i < len(kept) and kept[i]:
            out.append(sent)
    return out


_DIGITS = re.compile(r"(?<![\w.,])\d+(?:,\d{3})*(?:\.\d+)?")


def numbers_literally_in(sentence: str, text: str) -> bool:
    """Every number written in digits in the sentence is written in digits in the text.

    Stricter than the support check (which accepts "six" for "6" and "1,037" for "more
    than 1,000"): a reader who opens a cited article should find the very figure.
    """
    wanted = {n.replace(",", "") for n in _DIGITS.findall(sentence)}
    return not wanted or wanted <= _numbers_in(text)


@lru_cache(maxsize=2048)
def _numbers_in(text: str) -> frozenset[str]:
    """The digit numbers of a whole article, read once: the summarizer asks this of the
    same article for each candidate it might cite (1.2 s of 300 T17 articles' digest)."""
    return frozenset(n.replace(",", "") for n in _DIGITS.findall(text))


def canonical(article: Article) -> str:
    """The article a duplicate stands for (itself when it is an original): one voice."""
    return article.duplicate_of or article.id
