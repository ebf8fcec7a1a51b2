"""Article metadata read from the document itself: headline, header, byline, footer, URL.

Crawled text often carries its metadata inline: a ``date 2021-07-04 <title>`` header line, a
"Ben Farmer · 3 min read" byline, a "Published in Dawn, July 6th, 2021" footer, a URL with
the date in its path. These rules read them; a date is only ever taken from such evidence,
and the evidence is kept so a user can check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlparse

import dateparser

_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+(.+?)\s*$", re.IGNORECASE)
_FOOTER = re.compile(
    r"^\s*(?:Published|First published|Originally published)\s+(?:in|by|on)\s+"
    r"(?:(?P<outlet>[A-Z][\w&.' -]{1,60}?),\s+)?(?P<date>[A-Z][a-z]{2,8}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}"
    r"|\d{1,2}(?:st|nd|rd|th)? [A-Z][a-z]{2,8},? \d{4}|\d{4}-\d{2}-\d{2})\s*$"
)
_READ_TIME = re.compile(r"^\s*[·•|\-]?\s*\d{1,3}\s*min(?:ute)?s?\s+read\s*$", re.IGNORECASE)
_BY = re.compile(r"^\s*By\s+([A-Z][\w.'-]+(?:\s+(?:[A-Z][\w.'-]+|and|de|van|von|al|bin))*)\s*$")
_NAME = re.compile(r"^[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){1,3}$")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)")
_PROMO_OUTLET = re.compile(
    r"^\s*([A-Z][\w&.' -]{2,60}?) is (?:now )?on (?:Telegram|WhatsApp|Instagram|Facebook|Twitter)\b"
)
_DATELINE = re.compile(r"^([A-Z][A-Z .'-]{2,30}?)\s*(?:\([^)]{1,30}\))?\s*[:—–-]\s+(?=[A-Z\"“])")


@dataclass
class Meta:
    """What the document says about itself; every field None when it says nothing."""

    title: str | None = None
    byline: str | None = None
    outlet: str | None = None
    published: str | None = None
    date_evidence: str | None = None
    published_inferred: bool = False
    dateline: str | None = None


def parse_header(first_line: str) -> tuple[str, str] | None:
    """A ``date YYYY-MM-DD <title>`` metadata header line -> (date, title)."""
    m = _HEADER.match(first_line)
    if not m or not valid_date(m.group(1)):
        return None
    return m.group(1), m.group(2)


def looks_like_headline(line: str, next_line: str | None) -> bool:
    """A first line reads as a headline when it is short, does not end like a sentence,
    and is followed by a blank line or by a longer paragraph."""
    s = line.strip()
    if not (3 <= len(s) <= 200) or len(s.split()) > 30 or len(s.split()) < 3:
        return False
    if s[-1] in ".:;,!" or s.endswith('."') or s.endswith(".”"):
        return False
    if _DATELINE.match(s) or s.lower().startswith(("by ", "photo", "file photo")):
        return False
    return next_line is None or next_line.strip() == "" or len(next_line) > len(s)


def parse_day(value: str | None) -> date | None:
    """The day of an ISO date or timestamp ("2021-07-04", "2021-07-04T10:00"), else None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def valid_date(iso: str) -> bool:
    """True for a real calendar date (2021-02-30 is not) that is not in the future."""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return False
    return date(1900, 1, 1) <= d <= date.today()


def parse_date_text(text: str) -> str | None:
    """An absolute date written out ("July 6th, 2021", "6 July 2021") -> ISO, else None.

    Relative phrases ("yesterday") are refused: without a reference date they say nothing.
    """
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    if not re.search(r"\b(1[89]|20)\d{2}\b", cleaned):
        return None
    parsed = dateparser.parse(
        cleaned, languages=["en"], settings={"STRICT_PARSING": True, "PREFER_DAY_OF_MONTH": "first"}
    )
    if parsed is None:
        return None
    iso = parsed.date().isoformat()
    return iso if valid_date(iso) else None


def date_from_url(url: str | None) -> str | None:
    """``/2021/07/05/`` style dates in a URL path -> ISO date."""
    if not url:
        return None
    m = _URL_DATE.search(urlparse(url).path)
    if not m:
        return None
    try:
        iso = date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None
    return iso if valid_date(iso) else None


def outlet_from_url(url: str | None) -> str | None:
    """The site's host name without ``www.``, e.g. ``reuters.com``."""
    if not url:
        return None
    host = urlparse(url if "://" in url else f"http://{url}").hostname or ""
    host = host.removeprefix("www.")
    return host or None


def read_lines(lines: list[str]) -> Meta:
    """Bylines, footers, promos and datelines found in the body lines of a text article."""
    meta = Meta()
    stripped = [ln.strip() for ln in lines]
    for i, line in enumerate(stripped[:12]):
        if _READ_TIME.match(line) and i > 0 and _NAME.match(stripped[i - 1]):
            meta.byline = stripped[i - 1]
            break
        m = _BY.match(line)
        if m:
            meta.byline = m.group(1)
            break
    for line in stripped:
        m = _FOOTER.match(line)
        if m:
            iso = parse_date_text(m.group("date"))
            if iso:
                meta.published = iso
                meta.date_evidence = line
                meta.published_inferred = True
            if m.group("outlet"):
                meta.outlet = m.group("outlet").strip()
        m = _PROMO_OUTLET.match(line)
        if m and not meta.outlet:
            meta.outlet = m.group(1).strip()
    first = next((ln for ln in stripped if ln), "")
    m = _DATELINE.match(first)
    if m:
        meta.dateline = m.group(1).strip().title()
    if not meta.published:
        for line in [ln for ln in stripped if ln][:4]:
            iso = _date_line(line)
            if iso:
                meta.published, meta.date_evidence, meta.published_inferred = iso, line[:120], True
                break
    return meta


_DATE_LINE = re.compile(
    r"^(?:(?:Published|Updated|Posted|Last updated|First published)\s*(?:on|at)?:?\s*)?"
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
    r"(?P<date>[A-Z][a-z]{2,8}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}"
    r"|\d{1,2}(?:st|nd|rd|th)? [A-Z][a-z]{2,8},? \d{4}|\d{4}-\d{2}-\d{2})"
    r"(?:[,\s]+(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?|[A-Z]{2,4})?)?\s*$",
    re.IGNORECASE,
)
_DATELINE_DATE = re.compile(
    r"^[A-Z][A-Za-z .'-]{1,40},?\s+(?P<date>[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4})"
    r"\s*(?:\([^)]{1,30}\))?\s*[-—–:]"
)


def _date_line(line: str) -> str | None:
    """A date standing alone near the top ("Monday 5 July 2021 10.00 BST", "Updated: July 6,
    2021") or in a dateline ("KABUL, July 5, 2021 (Reuters) -") -> ISO, else None. Dates
    written inside sentences are not publication dates and are never taken."""
    m = _DATE_LINE.match(line) or _DATELINE_DATE.match(line)
    return parse_date_text(m.group("date")) if m else None
