"""Noise: texts and stories made of page furniture rather than news.

Crawls carry pages that hold no article at all: an edition prompt ("Would you like to make
this your default edition?"), a cookie notice, a "no longer available" page, a comment
thread, a live blog's furniture. Grouped, such pages form stories of their own and crowd
the story list. ``boilerplate_reason`` names why a text is only furniture (an article like
that joins no story: ingest reports it instead); ``story_noise`` names why a story is made of
such texts (the story is kept, flagged ``Story.noise``, and left out of the default list).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from storyline.model import Article

__all__ = ["NOISE_REASONS", "boilerplate_reason", "story_noise"]

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


def line_reason(line: str) -> str | None:
    """Why one line is furniture (a ``NOISE_REASONS`` name or a clean-stage reason), or None."""
    for reason, pattern in NOISE_REASONS:
        if pattern.search(line):
            return reason
    # The clean stage's line patterns, imported here: ingest imports this module, and the
    # clean package is heavier than ingest should be to import.
    from storyline.clean.patterns import BOILERPLATE_PATTERNS

    for reason, pattern in BOILERPLATE_PATTERNS:
        if pattern.search(line):
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
    if not reasons or news_words >= MAX_NEWS_WORDS:
        return None
    return reasons.most_common(1)[0][0]


def story_noise(articles: Sequence[Article]) -> str | None:
    """Why a story is noise ("sign-up prompt", "comment thread" ...), or None when it is
    news: most of its articles are furniture only, or most open with the same furniture
    line."""
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
    return None
