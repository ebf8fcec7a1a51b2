"""Noise: texts and stories made of page furniture rather than news.

Crawls carry pages that hold no article at all: an edition prompt ("Would you like to make
this your default edition?"), a cookie notice, a "no longer available" page, a comment
thread, a live blog's furniture. Grouped, such pages form stories of their own and crowd
the story list. ``boilerplate_reason`` names why a text is only furniture (an article like
that joins no story: ingest reports it instead); ``story_noise`` names why a story is made of
such texts (the story is kept, flagged ``Story.noise``, and left out of the default list).

Two story-level reasons need the story's articles side by side rather than one line's
pattern: "site template" (the articles are one site's page template, the same lines on every
page with little else: a radio schedule, a help page) and "not English" (the stages after
ingest read English; a page in another language, or garbled by a bad encoding, groups with
its like and makes an unreadable story).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from storyline.model import Article
from storyline.text import fold_lower, guarded_search

__all__ = [
    "NOISE_REASONS",
    "boilerplate_reason",
    "english_share",
    "is_schedule",
    "story_noise",
    "template_shares",
]

# (reason, pattern) in priority order; a line matching one is furniture for that reason.
NOISE_REASONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "sign-up prompt",
        re.compile(
            r"default edition|\bsign ?(?:up|in)\b|\blog ?in\b|\bsubscribe\b|newsletter|create an account"
            r"|\bregister\b(?: now| for free| to)|already (?:a subscriber|registered)|choose your edition"
            r"|set (?:this|your) (?:as )?(?:default|home)|\bmy account\b|forgot (?:your )?password",
            re.IGNORECASE,
        ),
    ),
    (
        "cookie notice",
        re.compile(
            r"\bcookies?\b|consent (?:to|preferences)|privacy (?:policy|settings|notice)|\bgdpr\b"
            r"|manage (?:your )?preferences",
            re.IGNORECASE,
        ),
    ),
    (
        "unavailable page",
        re.compile(
            r"no longer (?:available|online|exists)"
            r"|(?:page|story|article|video|content) (?:was |is |has been )?"
            r"(?:not found|removed|unavailable|expired|deleted)|\b404\b|cannot be (?:found|displayed)"
            r"|not available in your (?:country|region)|enable javascript"
            r"|javascript (?:is )?(?:disabled|required)"
            r"|(?:update|upgrade) your browser|browser (?:does not|doesn't) support",
            re.IGNORECASE,
        ),
    ),
    (
        "placeholder",
        re.compile(
            r"lorem ipsum|\bplaceholder\b|coming soon|check back (?:later|soon)|this (?:story|page|article) "
            r"(?:is being|will be) updated|more (?:to|details) (?:follow|soon)|\bloading\b\W*$|^\W*tbd\W*$",
            re.IGNORECASE,
        ),
    ),
    (
        "comment thread",
        re.compile(
            r"^\w+ \d{1,2},? \d{4},? at \d{1,2}:\d{2}\s*(?:[ap]m)?\b"
            r"|^\d{1,2} \w+ \d{4} \d{1,2}[:.]\d{2}\s*[ap]m\b"
            r"|\b(?:says|wrote):\s*$|^\s*(?:reply|report|recommend)(?: abuse)?\W*$"
            r"|\d+ (?:comments?|replies)\b"
            r"|comments? (?:are|is) (?:closed|moderated)|in reply to\b|\bpermalink\b",
            re.IGNORECASE,
        ),
    ),
    (
        "live-blog furniture",
        re.compile(
            r"^(?:live|updated?|refresh|auto[- ]?(?:update|refresh))\b\W*$|key events|show (?:key events|all)"
            r"|follow (?:our |the )?live|live (?:coverage|updates|blog|stream)|as it happened"
            r"|^\d{1,2}[:.]\d{2}\s*(?:[ap]m)?\s*(?:[A-Z]{2,4})?\W*$|^(?:pinned|posted at|last updated)\b",
            re.IGNORECASE,
        ),
    ),
)
# A text with fewer content words than this outside its furniture is furniture only.
MAX_NEWS_WORDS = 15
# A story is noise when at least this share of its articles is furniture only ...
NOISE_SHARE = 0.5
# ... or when one furniture line opens this share of its articles (a prompt every page of a
# site carries, pulling them into one "story").
SHARED_LINE_SHARE = 0.6

_WORD = re.compile(r"[^\W\d_]{2,}")
_ASCII_WORD = re.compile(r"[A-Za-z]{2,}")  # _WORD on ASCII text, half the time

# English function words (two letters or more, the most frequent in news). An English news
# text of 30 words or more has at least 6% of its words among these, most 30-40% (every T17
# article and Multi-News/NeuS validation document: lowest 0.061, a video page's caption);
# the Vietnamese pages of T17 H1N1_bbc, garbled by a lost encoding, have 0.3-2.5%.
ENGLISH_WORDS = frozenset(
    "the of and to in that is was for on with as by he it at said his from be have has are an"
    " not but they this who were which their had been will would we you she her its our or"
    " there".split()
)
# Below this share a text is not English; a text of fewer words is not judged (a caption or
# a list of names has few function words in any language).
MIN_ENGLISH_SHARE = 0.04
MIN_LANGUAGE_WORDS = 30

# A story is a site template when at least TEMPLATE_STORY_SHARE of its (at least
# TEMPLATE_MIN_ARTICLES) articles have TEMPLATE_LINE_SHARE of their words on template lines
# and fewer than TEMPLATE_OWN_WORDS words of their own (a short news report has 150 words or
# more). Checked, not fitted: no story of Multi-News (250) or NeuS (307) validation, nor of
# T17 gold stories in runs of 3 or 8 articles (cleaned and deduplicated as the pipeline does),
# nor of the reader-check stores comes near; copies of one page are duplicates, not a template.
TEMPLATE_MIN_ARTICLES = 2
TEMPLATE_LINE_SHARE = 0.5
TEMPLATE_OWN_WORDS = 150
TEMPLATE_STORY_SHARE = 0.6

# A broadcaster's programme schedule credits every programme ("Presenter/Zoe Ball, Producer/
# Ben Walker"; "Transmission details ... are not updated after publication"). The six BBC
# radio schedules of T17 MJ_bbc carry 14 to 98 credits (and one of 26 without the notice);
# no other T17 article or Multi-News/NeuS document carries more than 2.
_CREDIT = re.compile(
    r"\b(?:presenters?|producers?|editors?|readers?|directors?|writers?) ?\\?/ ?[A-Z]", re.IGNORECASE
)
_SCHEDULE_NOTICE = re.compile(
    r"transmission details in the .{0,60}programme information|please see individual day pages"
    r"|skip to a day of the week",
    re.IGNORECASE,
)
MIN_SCHEDULE_CREDITS = 5
# A literal each branch of _SCHEDULE_NOTICE needs (lowercase), to skip the search without one.
_SCHEDULE_LITERALS = ("transmission details in the", "please see individual day pages", "skip to a day")


# Speed guard for ``line_reason`` (the same answers, ~15x faster on T17 lines). Searching a
# line with an IGNORECASE alternation costs some 20-60 us per pattern (no literal prefix to
# skip to), and most lines match none of the thirteen. Every branch of a pattern below that
# is not anchored at the line's start holds one of its reason's lowercase literals here, so
# when none of them is in the lowered line the pattern can match only at position 0 and
# ``pattern.match`` (one position, ~1 us) gives the same answer as ``pattern.search``.
# Anchored branches (``^...``) need no literal. A reason missing here is always searched.
# Keep these in step with the patterns (NOISE_REASONS above, clean/patterns.py):
# tests/test_noise.py checks both ways agree on every T17 and CleanEval line.
_LITERALS: dict[str, tuple[str, ...]] = {
    "sign-up prompt": tuple(
        (
            "default edition|sign|log|subscribe|newsletter|create an account|register|already "
            "|choose your edition|set this|set your|my account|forgot "
        ).split("|")
    ),
    "cookie notice": ("cookie", "consent ", "privacy ", "gdpr", "preferences"),
    "unavailable page": tuple(
        (
            "no longer |not found|removed|unavailable|expired|deleted|404|cannot be "
            "|not available in your |javascript|browser"
        ).split("|")
    ),
    "placeholder": tuple(
        (
            "lorem ipsum|placeholder|coming soon|check back |being updated|be updated|more to "
            "|more details |loading"
        ).split("|")
    ),
    "comment thread": ("says:", "wrote:", "comment", " replies", "in reply to", "permalink"),
    "live-blog furniture": tuple(
        (
            "key events|show all|follow live|follow our live|follow the live|live coverage|live updates"
            "|live blog|live stream|as it happened"
        ).split("|")
    ),
    "teaser": (),
    "comment-notice": ("comment", "join the ", "logged in to "),
    "promo": tuple(
        (
            "is now on |click here to |android app|ios app|iphone app|mobile app|download |app store"
            "|google play|newsletter|subscribe |sign up |follow us|like us on facebook|join us on"
            "|get the |get our |whatsapp channel| journalism|become a |continue reading "
        ).split("|")
    ),
    "navigation": (),
    "footer": ("all rights reserved", "privacy policy", "terms of ", "terms and ", "cookie "),
    "caption": tuple("photo|image|picture|illustration|video|getty images|/|shutterstock".split("|")),
    "byline": (),
}


def line_reason(line: str) -> str | None:
    """Why one line is furniture (a ``NOISE_REASONS`` name or a clean-stage reason), or None."""
    # The clean stage's line patterns, imported here: ingest imports this module, and the
    # clean package is heavier than ingest should be to import.
    from storyline.clean.patterns import BOILERPLATE_PATTERNS

    low = fold_lower(line)
    for reason, pattern in (*NOISE_REASONS, *BOILERPLATE_PATTERNS):
        literals = _LITERALS.get(reason)
        found = pattern.search(line) if literals is None else guarded_search(pattern, literals, line, low)
        if found:
            return reason
    return None


def boilerplate_reason(text: str, title: str | None = None) -> str | None:
    """Why ``text`` is nothing but furniture (the most frequent reason among its lines), or
    None when it holds news: at least ``MAX_NEWS_WORDS`` words outside furniture lines.
    A short article of real news has no furniture line and is never flagged."""
    reasons: Counter[str] = Counter()
    news_words = 0
    for line in [*(title or "").splitlines(), *text.splitlines()]:
        if not line.strip():
            continue
        reason = line_reason(line)
        if reason:
            reasons[reason] += 1
        else:
            news_words += len(_WORD.findall(line))
            if news_words >= MAX_NEWS_WORDS:
                return None  # news whatever the remaining lines are: most texts stop here
    if not reasons:
        return None
    return reasons.most_common(1)[0][0]


def english_share(text: str) -> tuple[float, int]:
    """The share of ``text``'s words that are English function words, and its word count.

    Function words rather than a vocabulary: every English sentence needs them, names and
    jargon do not count against a text, and a list of forty words costs nothing to check."""
    if text.isascii():  # the same words, found faster: [^\W\d_] is [A-Za-z] in ASCII
        words = _ASCII_WORD.findall(text.lower())
    else:
        words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return 0.0, 0
    return sum(map(ENGLISH_WORDS.__contains__, words)) / len(words), len(words)


def is_schedule(text: str) -> bool:
    """A broadcaster's programme schedule, not news: its 7-day notice, or at least
    ``MIN_SCHEDULE_CREDITS`` programme credits."""
    # Both patterns are slow over a whole text; literals they need guard them (same answer).
    low = fold_lower(text)
    if any(notice in low for notice in _SCHEDULE_LITERALS) and _SCHEDULE_NOTICE.search(text):
        return True
    # every credit holds one "/", so fewer slashes than credits needed settle it
    return text.count("/") >= MIN_SCHEDULE_CREDITS and len(_CREDIT.findall(text)) >= MIN_SCHEDULE_CREDITS


def story_noise(articles: Sequence[Article]) -> str | None:
    """Why a story is noise ("sign-up prompt", "comment thread", "not English", "site
    template" ...), or None when it is news: most of its articles are furniture only, or
    most open with the same furniture line, or most are not English, or most are the same
    page template."""
    originals = [a for a in articles if not a.duplicate_of] or list(articles)
    if not originals:
        return None
    found = [boilerplate_reason(a.text, a.title) for a in originals]
    flagged = [r for r in found if r]
    if len(flagged) >= NOISE_SHARE * len(originals):
        return Counter(flagged).most_common(1)[0][0]
    firsts = Counter(" ".join(a.text.split("\n", 1)[0].lower().split()) for a in originals)
    line, n = firsts.most_common(1)[0]
    if len(originals) >= 2 and n >= SHARED_LINE_SHARE * len(originals):
        reason = line_reason(line)
        if reason in {name for name, _ in NOISE_REASONS}:
            return reason
    if _mostly_not_english(originals):
        return "not English"
    if sum(map(is_schedule, (a.text for a in originals))) > len(originals) / 2:
        return "programme schedule"
    if _mostly_template(originals):
        return "site template"
    return None


def _mostly_not_english(originals: Sequence[Article]) -> bool:
    """More than half of the articles long enough to judge are not English."""
    counts = map(english_share, (a.text for a in originals))
    judged = [share for share, n in counts if n >= MIN_LANGUAGE_WORDS]
    return bool(judged) and sum(share < MIN_ENGLISH_SHARE for share in judged) > len(judged) / 2


def template_shares(articles: Sequence[Article]) -> list[tuple[float, int]]:
    """For each article: the share of its words on template lines, and its words elsewhere.

    A template line is one that most of the articles carry word for word (at least two of
    them): a site's header, menu and help text. A real story's articles share few whole
    lines (syndicated copies are ``duplicate_of`` and left out before this is asked)."""
    lines = [[" ".join(ln.lower().split()) for ln in a.text.splitlines() if ln.strip()] for a in articles]
    carried: Counter[str] = Counter(line for page in lines for line in set(page))
    need = max(2, (len(articles) + 1) // 2)
    counts = {line: len(_WORD.findall(line)) for line in carried}  # once per distinct line
    shares: list[tuple[float, int]] = []
    for page in lines:
        shared = own = 0
        for line in page:
            words = counts[line]
            if carried[line] >= need:
                shared += words
            else:
                own += words
        shares.append((shared / (shared + own) if shared + own else 0.0, own))
    return shares


def _mostly_template(originals: Sequence[Article]) -> bool:
    """Most articles are template lines and little text of their own."""
    if len(originals) < TEMPLATE_MIN_ARTICLES:
        return False
    shares = template_shares(originals)
    pages = sum(share >= TEMPLATE_LINE_SHARE and own < TEMPLATE_OWN_WORDS for share, own in shares)
    return pages >= TEMPLATE_STORY_SHARE * len(originals)
