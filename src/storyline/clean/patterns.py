"""Page furniture recognised by its wording, written once for every stage that meets it.

Two grains: ``BOILERPLATE_PATTERNS`` name the reason a whole *line* is debris (the clean
stage drops the line and records the reason); ``PAGE_FURNITURE`` finds furniture anywhere in
a *sentence* (the summarizer never quotes such a sentence, as a safety net for text that
skipped cleaning: Multi-News documents, raw seeds).
"""

from __future__ import annotations

import re

__all__ = ["BOILERPLATE_PATTERNS", "PAGE_FURNITURE"]

# (reason, pattern) in priority order: the first that matches a line names its reason.
BOILERPLATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("teaser", re.compile(
        r"^(read|see|watch|listen)( more| also| next)?\s*[:|>»-]\s*\S|^(related|more)\s*:\s*\S"
        r"|^(recommended|suggested)( for you| reading| story)?\s*:\s*\S", re.IGNORECASE)),
    ("comment-notice", re.compile(
        r"(suspend\w* (article )?comment|comment\w* (is|are|has been|have been) "
        r"(closed|disabled|suspended|moderated)|click to comment|^leave a (comment|reply)"
        r"|^(post|add|write|view|show|hide|load|read) (a |all |the )?comments?"
        r"|^\d+\s+(comments?|replies)$|^comments?\W*(\(\d+\))?$|join the (conversation|discussion)"
        r"|comment (policy|guidelines)|you must be logged in to (post|comment)"
        r"|^be the first to comment|^no comments( yet)?\W*$)", re.IGNORECASE)),
    ("promo", re.compile(
        r"(\bis now on (telegram|whatsapp|google news)|click here to (join|download|subscribe)"
        r"|\b(android|ios|iphone|mobile) app\b|download (our|the) app|app store|google play"
        r"|newsletter|subscribe (for free|now|today|here|to (our|the))|^subscribe to\b"
        r"|sign up (for|to) (our|the)"
        r"|follow us (on|@)|like us on facebook|join us on|get (the|our) .{0,30}(app|alerts)"
        r"|whatsapp channel|support (independent|our) journalism|become a (member|subscriber)"
        r"|^(advertisement|advertising|sponsored|ad)\W*$|^story continues below"
        r"|continue reading (the|this|below)|^(watch|listen):?\W*$)", re.IGNORECASE)),
    ("navigation", re.compile(
        r"^((back )?to top|top of page|skip to (main )?content|home|menu|search|next|previous"
        r"|prev|close|more|load more|show more|read more|continue reading|share( this)?( story"
        r"| article| page)?|share (on|via) \w+|tweet|email|e-mail|print|facebook|twitter"
        r"|whatsapp|linkedin|pinterest|reddit|copy link|copied|log ?in|sign ?in|sign ?up"
        r"|register|subscribe|reply|report|like|view (all|more)|see (all|more)|go|submit"
        r"|(previous|next) (article|story|post)|breadcrumbs?|you are here.*|tags?:.*"
        r"|topics?:.*|filed under:?.*|categor(y|ies):.*|posted in:?.*)\W*$", re.IGNORECASE)),
    ("footer", re.compile(
        r"(^published in \w[\w .]{1,40},? .{0,25}\d{4}\W*$|^(©|\(c\)|copyright\b)|all rights "
        r"reserved|privacy policy|terms (of|and) (use|service|conditions)|cookie (policy|settings"
        r"|preferences)|^this (article|story) (was|has been) (first )?(published|updated|amended)"
        r"|^(this|the) (material|content) may not be (published|reproduced)"
        r"|^(first|originally) published (on|in|at)\b.{0,60}$)", re.IGNORECASE)),
    ("caption", re.compile(
        r"(^file photo\W*$|\bfile photo\b|\b(photo|photograph|image|picture|illustration|video)"
        r"( credit)?s?\s*:|\bphoto(graph)? by\b|getty images|\b(ap|afp|epa|reuters|xinhua)"
        r"( photo)?\s*/\s*\w|\b[A-Z]{2,}/[A-Z][a-z]+ [A-Z][a-z]+\W*$|\(photo\b|\bshutterstock\b"
        r"|^(above|below|pictured|top|main image):)", re.IGNORECASE)),
    ("byline", re.compile(
        r"(^\d+\s*(-\s*)?min(ute)?s?\.? read\W*$|^(by|written by|posted by|author:?|reporting by)"
        r"\s+[A-Z][\w.'’-]+( [A-Z][\w.'’-]+){0,3}( and [A-Z][\w.'’-]+( [A-Z][\w.'’-]+){0,2})?"
        r"(,? .{0,40})?$|^(updated|published|posted|last updated|modified)( on| at)?:?\s*"
        r"(\w+ )?\d{1,2}[ ,/.-]\w+[ ,/.-]+\d{2,4}.{0,25}$|^reading time\b.{0,20}$)")),
)

# Page furniture that survives in crawled text (Multi-News documents, raw seeds).
PAGE_FURNITURE = re.compile(
    r"https?://|www\.|@\w|\bclick (here|to)\b|\bsubscribe\b|\bsign up\b|\bnewsletter\b|"
    r"\bcookies?\b|\ball rights reserved\b|\bjavascript\b|\bbrowser\b|\bfollow us\b|"
    r"\bcomment(s|ing)?\b.*\b(policy|suspend)|\bphoto:|\bimage:|\bcopyright\b|©|"
    r"\bterms of (use|service)\b|\bprivacy policy\b|\bdownload\b.*\bapp\b",
    re.IGNORECASE,
)
