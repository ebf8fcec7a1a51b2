"""Which sentences of an article a summary may use: shared by every summarizer.

The extractive summarizer picks among these sentences and the ``llm`` summarizer numbers
them for the model, so both must cut the same page furniture (related-story lists, photo
captions, datelines) and judge a sentence usable out of context by the same rules; they
live here, public, rather than as one summarizer's private helpers.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from re import _constants, _parser  # type: ignore[attr-defined]  # the parser _needles reads

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
    "clean_sentence",
    "clean_start",
    "debris",
    "numbers_literally_in",
    "quality",
    "strip_dateline",
    "unattributed_opinion",
    "usable",
]

# Sentences starting with these need the previous sentence to be understood.
CONTEXT_STARTERS = frozenset(
    """he she it they them this that these those his her hers its their theirs we our i
    you your but and or so also however meanwhile still yet instead then thus therefore
    moreover furthermore nonetheless nevertheless besides otherwise such here there
    additionally likewise similarly indeed later earlier well""".split()
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


# What crawled pages glue before a sentence, seen in Multi-News and Timeline17: an agency
# credit ("(AP) —", "(CNN)", "(Reuters) -"), a video widget's "CLOSE" / "JUST WATCHED", a
# live blog's clock ("10:45 AM PT:", "6:15 am:", "Updated 3:12 p.m. ET"), "Update:",
# "EDITOR'S NOTE:", "BREAKING:", a bullet. ``clean_start`` strips them; the sentence stays
# a suffix of the source sentence, so it is still quoted verbatim.
_AGENCY = r"(?:AP|CNN|Reuters|AFP|UPI|Associated Press|Bloomberg|Xinhua|dpa|PA|NBC|ABC|CBS)"
_DASH = r"(?:—|–|--|-|:)"
_CLOCK = r"\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?|AM|PM)(?:\s*[A-Z]{1,4}\b)?"
_DEBRIS_PIECES = (
    r"(?:\(|-LRB-)\s*" + _AGENCY + r"\s*(?:\)|-RRB-)\s*" + _DASH + "?",  # (AP) —
    _AGENCY + r"\s*(?:—|–|--)",  # CNN --
    r"CLOSE\b|JUST WATCHED\b|MUST WATCH\b|ADVERTISEMENT\b|Advertisement\b|Story highlights\b",
    r"Hide Caption\b|EXCLUSIVE\s*" + _DASH,
    r"(?:BREAKING|DEVELOPING)(?: NEWS)?\s*" + _DASH + "?",
    # Update: / UPDATE 2: / Updated 3:15 p.m. ET: / Editor's note:
    r"(?:Update|UPDATE|Updated|UPDATED|Editor['’]?s [Nn]ote|EDITOR['’]?S NOTE)"
    r"(?:\s+(?:\d+|[IVX]+)\b(?!:\d))?"
    r"(?:\s*(?:at|on)?\s*(?:" + _CLOCK + r"|\w{3,9}\.? \d{1,2},? (?:\d{4})?))*\s*" + _DASH,
    r"(?:Posted|Published|Last updated)\b[^.!?]{0,40}?(?:" + _CLOCK + r"|\d{4})\s*" + _DASH + "?",
    _CLOCK + r"\s*" + _DASH,  # 10:45 AM PT:
    r"\d{1,2}:\d{2}\s*" + _DASH,  # 6:15:
    r"[•►▶■●*+|]",  # bullets
    # the end of a bracket the sentence splitter cut: "ET Monday -RRB- Egypt 's ..."
    r"(?:(?!-LRB-)[^()]){1,25}?(?:\)|-RRB-)(?=\s)",
    # -LRB- Updated 7:40 p.m. -LRB- 0240 in Egypt -RRB- -RRB- (Timeline17)
    r"(?:\(|-LRB-)\s*(?:Updated?|UPDATED?)\b.{0,60}?(?:\)|-RRB-)(?:\s*(?:\)|-RRB-))?",
)
_DEBRIS_START = re.compile(r"^(?:\s*(?:" + "|".join(_DEBRIS_PIECES) + r")\s*)+")
# Sentences that are not the article's prose at all: teasers and meta lines.
_META = re.compile(
    r"^(?:More|MORE|Related|RELATED|ALSO|Also|STORY|Story|PHOTOS?|Photos?|VIDEO|Video|WATCH|"
    r"Watch|READ|Read(?: more)?|SEE|See also|Correction|CORRECTION|Clarification|Note)\s*:"
    r"|^\((?:Additional )?[Rr]eporting by|^\(?Editing by|^\(Also on\b"
    r"|^This (?:story|article|report) (?:has been|was) (?:updated|revised|corrected)"
    # a reader comment's header: "March 21 , 2011 at 5:34 pm |"
    r"|^\w{3,9}\.? \d{1,2}\s*,\s*\d{4}\s+at\s+\d{1,2}:\d{2}\s*[ap]\.?m\.?\s*\|"
)
# Photo captions, beyond the credit lines ``CAPTION`` finds: "(Photo by ...)", "In this
# Sept. 26, 2006, file photo, ...", "(left)", "pictured", "1 of 68".
_CAPTION_SENTENCE = re.compile(
    r"\b(?:pictured|seen here)\b|\((?:left|right|center|centre|L|R|C|top|bottom)\)"
    r"|^(?:FILE\s*" + _DASH + r"\s*)?In this\b.{0,60}\b(?:photo|image|picture|file)\b"
    r"|\b(?:file |AP |handout )?(?:photo(?:graph)?|image|picture)(?: taken)?\s*(?:by|:|courtesy|credit)"
    r"|\bGetty Images\b|\bAP Photo\b|\bHide Caption\b|\bEnlarge this image\b"
    r"|\b\d+ of \d+\s+(?:Skip|Photos?|Images?)\b|\bcaption\b",
    re.IGNORECASE,
)
# A caption without a credit: a date at the end and no verb ("Donald Trump before opening
# the Nasdaq on September 20, 2005.").
_DATED_END = re.compile(r"\b(?:\w{3,9}\.?\s+\d{1,2},\s+\d{4}|\d{4})\W*$")
_FINITE = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|do|does|did|will|would|can|could|may|might|"
    r"must|should|said|says|\w+ed|\w{3,}s)\b",
    re.IGNORECASE,
)
# How a sentence ends: . ! ? perhaps followed by closing quotes or brackets (Timeline17's
# tokenized ``''`` and ``-RRB-`` too, after a space).
_CLOSERS = r"(?:\s*(?:''|-RRB-|[\"'”’)\]]))*\s*$"
_ENDS = re.compile(r"[.!?]" + _CLOSERS)
_ELLIPSIS = re.compile(r"(?:\.\s*\.\s*\.|…)" + _CLOSERS)
# A title before a name, not a sentence end: the splitter cut the sentence after it.
_CUT_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Gen|Sen|Rep|Gov|Lt|Col|Sgt|Prof|Rev|Capt|Gen)\.$")
# Two sentences glued together by a crawler ("...preserved.The", "41 daysThe latest").
_GLUED = re.compile(
    r"[a-z]{2}[.!?][A-Z][a-z]|[a-z]{3}(?:The|A|An|In|On|He|She|It|They|We|This|That|But)\s[a-z]"
)
# Values a crawler dropped from a template: "( and , respectively)", "and and".
_HOLES = re.compile(r"\(\s*(?:and\s*,|,|\))|\b(and|the|of|to|a|in)\s+\1\b|\s,\s*,")
# Arguments, wishes and duties: stated by someone, so the summary says who or leaves them out.
_OPINION = re.compile(
    r"\b(?:should|must|ought to|shouldn['’]t|mustn['’]t|argued?|argues|arguing|contend(?:s|ed)?|"
    r"deserve[sd]?)\b",
    re.IGNORECASE,
)
# The writer's own voice: first person outside quotation marks ("I think", "we don't know").
_FIRST_PERSON = re.compile(r"\b(?:I|[Ww]e|[Mm]y|[Oo]ur|me|us)\b")
_QUOTED = re.compile(r"[\"“][^\"”]*[\"”]|``.*?''")
_SPEAKER = re.compile(
    # \b before the look-behinds (zero-width, so the same matches): the look-behinds were
    # tried at every character, 3 of the 15 s that grading Timeline17's sentences took.
    r"\b(?<!\bit )(?<!\bwas )(?<!\bbeen )(?<!\bbe )(?<!\bis )"
    r"(?:said|says|say|argued|argues|argue|contended|contends|insisted|insists|wrote|writes|"
    r"told|claimed|claims|believes?|urged|urges|warned|warns|stated|states|added|adds|"
    r"testified|alleged|alleges|asked|asks|demanded|demands|called for|calls for|suggested|"
    r"suggests|recommended|ruled|rules|tweeted|noted|notes|accused|accuses)\b"
    r"|\baccording to\b|\bin the view of\b|\bprosecutors?\b.{0,40}\bcase\b",
    re.IGNORECASE,
)


_STARTS = re.compile(r"[\"“‘'(\[]?[A-Z0-9]")


def _needles(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Strings one of which is in any text the pattern matches (lower-cased when it ignores
    case), or None when some alternative has no such string: a cheap test that rules out
    most sentences before the pattern's own search, which tries every alternative at every
    character (page furniture and captions were 6 of the 15 s grading Timeline17 took).

    Read from the parsed pattern: per top-level alternative, its longest run of literal
    characters (zero-width ``\\b`` and anchors do not break a run), else those of its first
    group that has them (a group of alternatives has them when each alternative has)."""
    tree = _parser.parse(pattern.pattern, pattern.flags)
    branches = tree[0][1][1] if len(tree) == 1 and tree[0][0] is _constants.BRANCH else [list(tree)]
    fold = bool(pattern.flags & re.IGNORECASE)
    out: list[str] = []
    for branch in branches:
        found = _branch_needles(list(branch))
        if not found:
            return None
        out.extend(n.lower() if fold else n for n in found)
    return tuple(dict.fromkeys(out))


def _branch_needles(items: list[tuple[object, object]]) -> list[str] | None:
    """The needles of one alternative (a sequence): its longest literal run, else the first
    group whose every alternative has one."""
    runs: list[str] = []
    run = ""
    for op, arg in items:
        if op is _constants.LITERAL:
            run += chr(arg)  # type: ignore[arg-type]  # a LITERAL's argument is a code point
            continue
        if op is _constants.AT:
            continue  # zero-width: the characters either side are still contiguous
        runs.append(run)
        run = ""
    runs.append(run)
    best = max(runs, key=len)
    if best:
        return [best]
    for op, arg in items:
        if op is _constants.SUBPATTERN:  # a capturing group: (group, add, del, pattern)
            sub = _branch_needles(list(arg[-1]))  # type: ignore[index]  # arg is a tuple here
            if sub:
                return sub
        elif op is _constants.BRANCH:  # a non-capturing group of alternatives
            found: list[str] = []
            for alt in arg[1]:  # type: ignore[index]  # (None, alternatives)
                one = _branch_needles(list(alt))
                if not one:
                    break
                found.extend(one)
            else:
                return found
    return None


@dataclass(frozen=True)
class _Rule:
    """A pattern with its needles (``_needles``) and, when it ignores case, the same pattern
    case-sensitive for lower-cased ASCII text (ignoring case made the big ones 2-5 times
    slower; the same matches on ASCII text, whose letters lower-case one to one)."""

    pattern: re.Pattern[str]
    needles: tuple[str, ...] | None
    folded: re.Pattern[str] | None
    ignorecase: bool  # read once: a RegexFlag "&" per search cost 4 of 30 profiled seconds

    def search(self, text: str, lower: str) -> bool:
        """``pattern.search(text) is not None`` (``lower``: ``text.lower()``)."""
        if not text.isascii():  # in Unicode "ſ" matches "s" ignoring case
            return self.pattern.search(text) is not None
        hay = lower if self.ignorecase else text
        if self.needles is not None and not any(map(hay.__contains__, self.needles)):
            return False
        if self.folded is not None:
            return self.folded.search(lower) is not None
        return self.pattern.search(text) is not None


def _rule(pattern: re.Pattern[str]) -> _Rule:
    folded = None
    # an upper-case escape (\W, \S, \B, \D) would change meaning when lower-cased
    if pattern.flags & re.IGNORECASE and not re.search(r"\\[A-Z]", pattern.pattern):
        folded = re.compile(pattern.pattern.lower(), pattern.flags & ~re.IGNORECASE)
    return _Rule(pattern, _needles(pattern), folded, bool(pattern.flags & re.IGNORECASE))


_R_META, _R_CAPTION, _R_CAPTION_SENTENCE, _R_FINITE, _R_ELLIPSIS, _R_CUT_TITLE, _R_HOLES = map(
    _rule, (_META, CAPTION, _CAPTION_SENTENCE, _FINITE, _ELLIPSIS, _CUT_TITLE, _HOLES)
)
_R_SPEAKER, _R_OPINION, _R_JUNK = map(_rule, (_SPEAKER, _OPINION, JUNK))


def clean_start(text: str) -> str:
    """The sentence without the debris a crawled page glued before it (an agency credit, a
    live blog's clock, "CLOSE", "Update:"), from the first real word on; unchanged when
    nothing is stripped or too little would be left.

    >>> clean_start("(AP) — Rescuers pulled 12 miners from the flooded shaft on Monday.")
    'Rescuers pulled 12 miners from the flooded shaft on Monday.'
    >>> clean_start("10:45 AM PT: The council voted 7-2 to close the pier.")
    'The council voted 7-2 to close the pier.'
    """
    m = _DEBRIS_START.match(text)
    if m is None or m.end() == 0:
        return text
    rest = text[m.end() :].lstrip(" —–-:|")
    if len(words(rest)) < 3 or not _STARTS.match(rest):
        return text  # "Update 11:32 a.m." is not "32 a.m."
    return rest


def debris(text: str) -> str | None:
    """Why a (cleaned) sentence can never be a summary or timeline sentence, or None: a
    photo caption, a teaser or meta line, a truncated sentence (no final punctuation,
    "..." at the end, cut after "Mr."), two sentences glued together, a template with its
    values missing.

    >>> debris("Rescuers pulled 12 miners from the flooded shaft on Monday.") is None
    True
    >>> debris("Rescuers pulled 12 miners from the flooded shaft on...")
    'truncated'
    """
    stripped = text.strip()
    if not stripped:
        return "empty"
    lower = stripped.lower()
    if _R_META.search(stripped, lower):
        return "teaser"
    if _R_CAPTION.search(stripped, lower) or _R_CAPTION_SENTENCE.search(stripped, lower):
        return "caption"
    if not _R_FINITE.search(stripped, lower) and _DATED_END.search(stripped):
        return "caption"
    if (
        _R_ELLIPSIS.search(stripped, lower)
        or not _ENDS.search(stripped)
        or _R_CUT_TITLE.search(stripped, lower)
    ):
        return "truncated"
    if _GLUED.search(stripped):
        return "glued"
    if _R_HOLES.search(stripped, lower):
        return "holes"
    return None


def unattributed_opinion(text: str) -> bool:
    """An argument, wish or duty ("should", "must", "argued", "deserves"), or the writer's
    first person outside quotes ("Now, I don't know what's going to happen."), that does not
    say whose it is: a summary that states it in its own voice takes a side, or speaks as
    someone it does not name.

    >>> unattributed_opinion("The defendant should have been convicted of murder.")
    True
    >>> unattributed_opinion("Prosecutors argued that the defendant should have been convicted.")
    False
    """
    lower = text.lower()
    if _R_SPEAKER.search(text, lower):
        return False
    return _R_OPINION.search(text, lower) or bool(_FIRST_PERSON.search(_QUOTED.sub(" ", text)))


def clean_sentence(text: str) -> str:
    """The sentence as a summary shows it: without a place dateline and without the debris
    ``clean_start`` strips, in whichever order a page glued them ("(AP) — LONDON — ...").

    >>> clean_sentence("CLOSE NEW YORK (AP) — Firefighters rescued 12 people from the tower.")
    'Firefighters rescued 12 people from the tower.'
    """
    for _ in range(3):
        cleaned = clean_start(strip_text_dateline(text))
        if cleaned == text:
            break
        text = cleaned
    return text


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
    if "?" in text or _junk(text) or debris(text) or unattributed_opinion(text):
        return 0
    if len(toks) < options.min_words or len(toks) > options.max_words:
        return 1
    if toks[0] in CONTEXT_STARTERS or toks[:2] == ["even", "so"]:
        return 1
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        return 1  # a piece of a quotation
    if text.startswith(("“", '"', "'", "‘")):
        return 1  # a bare quote says nothing about who said it
    if _shouted(text):
        return 0  # shouted headings
    return 2


_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))


def _shouted(text: str) -> bool:
    """More than half of the text's letters are capitals. ASCII text is counted in bytes
    (``translate`` deletes in C; the same counts as ``isalpha`` and ``isupper``, which are
    not nested in Unicode: "Ⓐ" is upper but no letter)."""
    if text.isascii():
        raw = text.encode("ascii")
        letters = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
        upper = len(raw) - len(raw.translate(None, _ASCII_LETTERS[:26]))
        return bool(letters) and upper > 0.5 * letters
    found = [c for c in text if c.isalpha()]
    return bool(found) and sum(c.isupper() for c in found) > 0.5 * len(found)


@lru_cache(maxsize=1 << 15)
def _junk(text: str) -> bool:
    """``JUNK.search``, cached: the page-furniture pattern is long and a story's sentences
    are graded again each time the story gains an article."""
    return _R_JUNK.search(text, text.lower())


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
