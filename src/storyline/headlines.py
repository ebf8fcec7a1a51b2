"""Titles an editor would accept: a story's most central real headline, else one built from its
most central sentence, never a byline, dateline, timestamp, agency tag, section label, click
prompt, question fragment, PTB token or raw article id.

Crawled headlines carry whatever the page glued to them ("From Jill Dougherty and Elise
Labott , CNN ...", "WASHINGTON | Tue Apr 28 , 2009 6:32 pm EDT WASHINGTON -LRB- Reuters -RRB-
- ..."), and many collections (Timeline17) have no title at all: the headline runs into the
first line. ``clean_headline`` strips or rejects what is not a headline; ``story_title``
chooses among the clean ones by centrality (the content words most articles of the story
share), so the title follows the story as it grows; ``distinct_titles`` keeps two listed
stories from carrying the same title.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from storyline.model import Article
from storyline.text import content_words, split_sentences

__all__ = ["article_title", "clean_headline", "distinct_titles", "headline_from_sentence", "story_title"]

# A headline longer than this is a lead sentence, not a headline; one shorter says nothing.
MAX_HEADLINE_WORDS = 22
MIN_HEADLINE_WORDS = 3
# A sentence made into a headline is cut at a clause boundary near this many words.
SENTENCE_HEADLINE_WORDS = 14
# How much a real headline (title field) outweighs one made from a sentence.
TITLE_WEIGHT = 1.3
# Lead sentences of each article considered when a story has no usable headline.
LEAD_SENTENCES = 3

_PTB = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
    "``": '"',
    "''": '"',
    "`": "'",
}
_PTB_TOKEN = re.compile(r"-[LR][RSC]B-|``|''|`")
# Tokenized spacing: " 's", "n't", " ,", "( x )".
_CLITIC = re.compile(r"\s+('s|'re|'ve|'ll|'d|'m|n't|')(?=\s|$|[.,;:!?])", re.IGNORECASE)
_SPACE_BEFORE = re.compile(r"\s+([.,;:!?%)\]}])")
_SPACE_AFTER = re.compile(r"([(\[{$])\s+")
_QUOTED = re.compile(r'"\s+([^"]*?)\s+"')
_POUND = re.compile(r"#\s*(?=\d)")  # T17 writes the pound sign as "#"

_OUTLETS = (
    r"BBC(?: News| Sport| World(?: Service)?)?|CNN(?:\.com)?(?: International)?|Reuters|"
    r"(?:The )?Guardian|(?:The )?Washington Post|Fox News(?:\.com)?|AP|AFP|Associated Press|"
    r"(?:The )?New York Times|NYTimes\.com|Al Jazeera(?: English)?|(?:The )?Independent|"
    r"(?:The )?Telegraph|Sky News|NPR|Bloomberg|(?:The )?Times|Daily Mail(?: Online)?|"
    r"[A-Za-z0-9-]+\.(?:com|co\.uk|org|net|news)"
)
_SITE_SUFFIX = re.compile(
    rf"\s+[-|–—:]\s+(?:{_OUTLETS}|[\w .]{{0,30}}\bnews\b[\w .]{{0,20}})\s*$", re.IGNORECASE
)
_SITE_PREFIX = re.compile(rf"^(?:{_OUTLETS})\s*[-|–—:]\s+", re.IGNORECASE)
_NAME = r"[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"
_BYLINE = re.compile(
    rf"^(?:From|By)\s+(?:the\s+)?[A-Z][^|]{{2,80}}?\s*,\s*(?:{_OUTLETS})\b\s*[,:|-]?\s*"
    rf"|^(?:From|By)\s+{_NAME}(?:\s+(?:and|&)\s+{_NAME})?\s*[,:|]\s*"
)
_WIRE_STAFF = re.compile(r"^By\s+(?:the\s+)?(?:CNN|AP|Reuters)\s+Wire\s+Staff\s*", re.IGNORECASE)
_AGENCY = re.compile(r"\s*\(\s*(?:Reuters|CNN|AP|AFP|BBC|UPI)\s*\)\s*(?:--?|–|—)?\s*")
# A time of day with its zone, or a date with a clock time: what a crawled page glues
# before the headline or report ("Tue Apr 28 , 2009 6:32 pm EDT", "18:00 UK time").
_TIMESTAMP = re.compile(
    r"\b\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,4}T|GMT|UTC|BST|IST|UK time|ET)\b"
    r"(?:\s*,?\s*(?:\w+day\s*,?\s*)?\d{1,2}\s+[A-Z][a-z]+\s*,?\s*\d{4})?"
    r"|\b\d{1,2}\s+[A-Z][a-z]+\s+\d{4}\s+\d{1,2}[:.]\d{2}\s*(?:[A-Z]{2,4}T|GMT|BST|UTC)?",
)
_PLACE_AGENCY = re.compile(
    r"^[A-Z][A-Za-z0-9 .,'/-]{0,40}?\(\s*(?:Reuters|CNN|AP|AFP|BBC)\s*\)\s*(?:--?|–|—)?\s*"
)
_PLACE_WIRE = re.compile(r"^[A-Z][A-Z .,'-]{1,40}(?:\([^)]{1,20}\))?\s*(?:--?|–|—)\s+")
_SECTION = re.compile(
    r"^(?:(?:Day|Week|Part)\s+\d+|Live(?: blog| updates?)?|Updated?(?: \d+)?|Breaking(?: news)?|"
    r"Exclusive|Analysis|Opinion|Comment|Editorial|Video|Watch|Audio|Latest|Factbox|"
    r"Fact ?box|Timeline|Q\s*&\s*A|In pictures|In depth|Profile|Explainer|Interview|Review|"
    r"Photos?|Gallery|Special report|Newsletter|Podcast|Quiz|As it happened|Full text|Key points)"
    r"\s*[:|-]\s*",
    re.IGNORECASE,
)
_CLICK = re.compile(r"\(?\s*click (?:here|to|on)\b[^)]*\)?|\(?\s*(?:tap|press) here\b[^)]*\)?", re.IGNORECASE)
# Wording that marks a page's furniture rather than news: such a line is never a title.
_FURNITURE = re.compile(
    r"reading on mobile|default edition|sign ?up|sign in|log ?in|subscribe|newsletter|cookies?\b|"
    r"javascript|your browser|no longer available|page (?:not found|cannot be found)|"
    r"\b404\b|terms of (?:use|service)|privacy policy|all rights reserved|copyright|"
    r"share this|comments? (?:are|is) closed|leave a comment|\bcomments?\s*\(\d+\)|"
    r"watch (?:the )?video|enable (?:javascript|cookies)|advert|sponsored|"
    r"(?:this|the) (?:page|article|story|content|video) (?:is|has been) (?:no longer|removed|unavailable)|"
    r"\bplaceholder\b|lorem ipsum|most (?:read|popular|viewed)|related (?:stories|articles|links)|"
    r"follow us|^home\b|^menu\b|^skip to|,\s*(?:shown|pictured|seen) (?:here|in|at|with|on|left|right)\b",
    re.IGNORECASE,
)
_WH_QUESTION = re.compile(
    r"^(?:what|who|whom|whose|why|how|when|where|which|is|are|was|were|do|does|did|can|could|"
    r"should|would|will|have|has)\b.*\?\s*$",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|[Ww]e|[Ww]e're|[Oo]ur|[Mm]y|[Yy]ou|[Yy]ou're|[Yy]our)\b")
# A quotation or a question is not a headline made from a sentence (it needs its speaker).
_QUOTE_OR_QUESTION = re.compile(r"[\"“”`?]|(?:^|\s)'|'(?:\s|$)")
# A sentence opening with a link word reads as a headline without it ("But officials ...").
_LEADING_LINK = re.compile(r"^(?:But|And|So|Yet|However|Meanwhile|Now|Still|Also|Instead)\b,?\s+")
# A sentence opening with a subordinate clause is no headline once cut ("When the president ...").
_SUBORDINATE = re.compile(
    r"^(?:When|While|As|If|Although|Though|Because|After|Before|Since|Despite|Unless|Until|Once|Whether)\b"
)
_VERBS = frozenset(
    "is are was were be been has have had will would can could may might must should says said "
    "says told made took gave won lost hit left fell rose led met sent set put ran cut began spread fled "
    "fought struck held kept built broke came went shot sought found brought caught drew flew grew "
    "knew saw stood threw wrote spoke chose became paid sold quit beat dealt swept bid".split()
)
# A sentence opening with a pronoun needs the sentence before it ("It was also loaded ...").
_PRONOUN_START = re.compile(r"^(?:It|He|She|They|This|These|Those|That|There|Its|His|Her|Their)\b")
# Words a cut sentence must not end on: "demand largely", "the collapse of the".
_DANGLING = frozenset(
    "a an the of and or to in on at by for from with as into over than that which who "
    "its their his her this these those is are was were be been has have had".split()
)
_DATE_ONLY = re.compile(
    r"^[\W\d]*(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day\W*)?(?:\d{1,2}\W*)?"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\W*(?:\d{1,4}\W*){0,2}$",
    re.IGNORECASE,
)
_LETTER = re.compile(r"[^\W\d_]")


def _unptb(text: str) -> str:
    """Undo Penn-Treebank tokenization: brackets, quotes and the spaces before punctuation."""
    text = _PTB_TOKEN.sub(lambda m: _PTB[m.group(0)], text.replace("\\/", "/"))
    text = _CLITIC.sub(r"\1", text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = _SPACE_AFTER.sub(r"\1", text)
    text = _QUOTED.sub(r'"\1"', text)
    return _POUND.sub("£", text)


def _fix_text(text: str) -> str:
    """Repair mojibake ("Steenkampâ€™s") when ftfy is installed (a core dependency; the
    guard only keeps an old environment working)."""
    try:
        import ftfy
    except ImportError:  # pragma: no cover - ftfy is a core dependency
        return text
    return str(ftfy.fix_text(text))


def _strip_front(text: str) -> str:
    """Drop what a crawl glues before a headline: byline, pipe dateline with timestamp,
    wire credit, section label, outlet name. Repeated, since they come stacked."""
    for _ in range(6):
        before = text
        text = _WIRE_STAFF.sub("", text)
        byline = _BYLINE.match(text)
        if byline and byline.end() < len(text):
            text = text[byline.end() :]
        stamp = _TIMESTAMP.search(text[:120])
        if stamp:
            text = text[stamp.end() :].lstrip(" ,|-–—")
        # After a pipe dateline: "WASHINGTON (Reuters) - What ..." once the credit is cut.
        m = _PLACE_AGENCY.match(text)
        if m:
            text = text[m.end() :]
        text = _PLACE_WIRE.sub("", text)
        text = _SECTION.sub("", text)
        text = _SITE_PREFIX.sub("", text)
        text = text.lstrip(" -–—|:,;")
        if text == before:
            break
    return text


def clean_headline(text: str | None) -> str | None:
    """``text`` as a headline an editor would accept, or None when it cannot be one.

    Strips bylines, datelines with timestamps, agency tags, section labels ("Day 1:",
    "Live:"), click prompts, site suffixes (" - BBC News") and PTB tokens and spacing;
    rejects page furniture ("Reading on mobile?"), question fragments ("What happened in
    court?"), bare dates and texts too short or too long for a headline.

    >>> clean_headline("PARIS | Tue Apr 28 , 2009 6:32 pm EDT PARIS -LRB- Reuters -RRB- - Senate passes bill")
    'Senate passes bill'
    """
    if not text:
        return None
    text = " ".join(_fix_text(text).split())
    text = _unptb(text)
    text = _CLICK.sub(" ", text)
    for _ in range(2):
        text = _SITE_SUFFIX.sub("", text)
    text = _strip_front(" ".join(text.split()))
    text = " ".join(_AGENCY.sub(" ", text).split())
    text = text.strip(" -–—|:;,").rstrip(".")
    if text.count('"') % 2:
        text = text.replace('"', "")
    if text.endswith("(") or text.count("(") != text.count(")"):
        text = re.sub(r"\s*[()]\s*", " ", text).strip()
    words = text.split()
    if not (MIN_HEADLINE_WORDS <= len(words) <= MAX_HEADLINE_WORDS):
        return None
    if _FURNITURE.search(text) or _DATE_ONLY.match(text) or _WH_QUESTION.match(text):
        return None
    if text.endswith("?") and len(words) < 6:
        return None
    letters = sum(1 for w in words if _LETTER.search(w))
    short = sum(1 for w in words if len(w) <= 2 and w.isalpha())
    if letters < len(words) * 0.6 or short > len(words) * 0.5:
        return None  # figures, symbols or a garbled script, not a headline
    if not any(c.isupper() for c in text[:1]) and not text[:1].isdigit():
        text = text[:1].upper() + text[1:]
    return text


def headline_from_sentence(sentence: str) -> str | None:
    """A short headline made from a report's sentence: the same cleaning as
    ``clean_headline``, attribution ("..., officials said") dropped, cut at a clause
    boundary near ``SENTENCE_HEADLINE_WORDS`` words. None when the sentence is not
    news (a quote, a question, first person, furniture)."""
    text = " ".join(_unptb(_fix_text(sentence)).split())
    text = " ".join(_AGENCY.sub(" ", _strip_front(text)).split())
    text = _LEADING_LINK.sub("", text)
    if not text or text[0] in "\"'“‘(" or _QUOTE_OR_QUESTION.search(text) or _SUBORDINATE.match(text):
        return None
    if _PRONOUN_START.match(text):
        return None
    if _FIRST_PERSON.search(text) or _FURNITURE.search(text):
        return None
    text = re.sub(
        r",?\s+(?:he|she|they|it|officials?|police|witnesses|residents|sources|authorities|analysts"
        r"|[A-Z][\w.]+(?: [A-Z][\w.]+){0,3})"
        r" (?:said|says|told|reported|added)\b.*$",
        "",
        text.rstrip("."),
    )
    text = re.sub(r"^.*?\b(?:said|says)(?: that)?\s+(?=[A-Z])", "", text) if len(text.split()) > 10 else text
    words = text.split()
    if len(words) > SENTENCE_HEADLINE_WORDS + 4:
        cut = _clause_cut(words)
        if cut is None:
            return None
        words = words[:cut]
    while words and (words[-1].lower().strip(",;:") in _DANGLING or words[-1].lower().endswith("ly")):
        words.pop()
    made = clean_headline(" ".join(words).rstrip(",;:"))
    return made if made and _has_verb(made) else None


def _has_verb(headline: str) -> bool:
    """Whether a headline made from a sentence still says something happened: a verb-like
    word outside its relative clauses ("The new strain that has killed 56" is a noun
    phrase, not a headline). A rough test, enough to drop a sentence cut to its subject."""
    main = re.sub(r"\b(?:that|who|which|whose)\b[^,]*", " ", headline)
    for word in main.split():
        w = word.strip(",;:.").lower()
        if w in _VERBS or (word[:1].islower() and len(w) > 3 and (w.endswith("ed") or w.endswith("s"))):
            return True
    return False


def _clause_cut(words: list[str]) -> int | None:
    """Where to end a long sentence's headline: the last clause break (comma, "after",
    "as", "while", "because" ...) between 6 words and ``SENTENCE_HEADLINE_WORDS`` + 4."""
    best = None
    for i in range(6, min(len(words), SENTENCE_HEADLINE_WORDS + 4)):
        w = words[i].lower()
        if words[i - 1].endswith((",", ";", ":")) or w in {
            "after",
            "as",
            "while",
            "because",
            "amid",
            "despite",
            "but",
            "which",
            "who",
            "following",
            "since",
            "when",
            "although",
            "and",
            "saying",
            "according",
        }:
            best = i
    return best


def _outlet(article: Article) -> str:
    return article.outlet or article.source or article.id


def _originals(articles: Sequence[Article]) -> list[Article]:
    return [a for a in articles if not a.duplicate_of] or list(articles)


def _central_scorer(articles: Sequence[Article]) -> tuple[Counter[str], int]:
    """Document frequency of content words over the story's articles (title and lead): the
    words most articles share are what the story is about."""
    df: Counter[str] = Counter()
    for art in articles:
        df.update(set(content_words(f"{art.title or ''} {art.text[:1500]}")))
    return df, max(1, len(articles))


def _centrality(text: str, df: Counter[str], n: int) -> float:
    ws = set(content_words(text))
    if not ws:
        return 0.0
    # Mean share of the story's articles each word appears in, favouring headlines that
    # name several shared things (sqrt of the length) over a one-word match.
    return sum(df[w] / n for w in ws) / len(ws) ** 0.5


def _candidates(articles: Sequence[Article]) -> list[str]:
    """Real headlines: the title field (HTML title / og:title at ingest), cleaned."""
    out = []
    for art in articles:
        t = clean_headline(art.title)
        if t:
            out.append(t)
    return out


def _lead_headlines(articles: Sequence[Article]) -> list[str]:
    out = []
    for art in articles:
        for sent in split_sentences(art.text[:3000])[:LEAD_SENTENCES]:
            h = headline_from_sentence(sent.text)
            if h:
                out.append(h)
    return out


def story_title(articles: Sequence[Article], fallback: str = "Untitled story") -> str:
    """The most central real headline among the articles; when none qualifies, a short
    headline built from the story's most central lead sentence; ``fallback`` (never an
    id) when even that fails.

    Central means sharing the content words most of the story's articles share, so the title
    is recomputed from all the articles on every analysis and follows the story as it grows.
    Among near ties the headline given by more articles (several outlets) wins."""
    originals = _originals(articles)
    if not originals:
        return fallback
    df, n = _central_scorer(originals)
    # Real headlines and headlines made from lead sentences compete, the real ones with a
    # head start: a crawled "headline" of one side interview must not beat the sentence
    # that every report of the story opens with.
    scored: dict[str, float] = {}
    for pool, weight in ((_candidates(originals), TITLE_WEIGHT), (_lead_headlines(originals), 1.0)):
        counts = Counter(h.lower() for h in pool)
        for h in dict.fromkeys(pool):
            scored[h] = max(scored.get(h, 0.0), weight * _headline_score(h, df, n, counts[h.lower()]))
    best = max(scored, key=lambda h: (scored[h], -len(h))) if scored else None
    if best and scored[best] > 0:
        return best
    return _opening(originals[0]) or fallback


def _opening(article: Article) -> str | None:
    """The first words of an article, cleaned, as a last resort: better than no title."""
    text = _strip_front(_unptb(_fix_text(" ".join(article.text.split()))))
    words = " ".join(_AGENCY.sub(" ", text).split()).split()
    if len(words) < MIN_HEADLINE_WORDS:
        return None
    cut = words[:SENTENCE_HEADLINE_WORDS]
    return " ".join(cut) + ("…" if len(words) > len(cut) else "")


def _headline_score(headline: str, df: Counter[str], n: int, repeats: int) -> float:
    """Centrality, raised a little for a headline several articles give, lowered for a
    question and for length past ``SENTENCE_HEADLINE_WORDS`` words (a headline is short)."""
    words = len(headline.split())
    score = _centrality(headline, df, n) * (1 + 0.1 * (repeats - 1))
    score /= 1 + 0.08 * max(0, words - SENTENCE_HEADLINE_WORDS)
    return score * (0.6 if headline.endswith("?") else 1.0)


def article_title(article: Article) -> str:
    """A title for one article: its own headline cleaned, else a headline made from its
    first news sentence, else the start of its text; never its raw id."""
    own = clean_headline(article.title)
    if own:
        return own
    for sent in split_sentences(article.text[:3000])[:5]:
        made = headline_from_sentence(sent.text)
        if made:
            return made
    return _opening(article) or "Untitled article"


def distinct_titles(items: Iterable[tuple[str, str, str | None]]) -> dict[str, str]:
    """story id -> a title no other listed story carries: (id, title, first date) items
    whose titles clash get their month ("Senate passes bill (April 2009)"), then their id's
    tail if that still clashes. Applied where a list is shown, so the stored title stays
    the story's own."""
    rows = list(items)
    count = Counter(t.lower() for _sid, t, _d in rows)
    out: dict[str, str] = {}
    for sid, title, first in rows:
        if count[title.lower()] > 1 and first:
            out[sid] = f"{title} ({_month(first)})"
        else:
            out[sid] = title
    again = Counter(t.lower() for t in out.values())
    for sid, title in list(out.items()):
        if again[title.lower()] > 1:
            out[sid] = f"{title} [{sid[-6:]}]"
    return out


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _month(iso: str) -> str:
    m = re.match(r"(\d{4})-(\d{2})", iso)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return iso
    return f"{_MONTHS[int(m.group(2)) - 1]} {m.group(1)}"
