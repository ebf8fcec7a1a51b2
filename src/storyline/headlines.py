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
from storyline.text import content_words, ftfy_may_change, guarded_search, split_sentences

__all__ = ["article_title", "clean_headline", "distinct_titles", "headline_from_sentence", "story_title"]

# A headline longer than this is a lead sentence, not a headline; one shorter says nothing.
MAX_HEADLINE_WORDS = 22
MIN_HEADLINE_WORDS = 3
# A sentence made into a headline is cut at a clause boundary near this many words; one
# still longer than ``SENTENCE_MAX_WORDS`` after cutting is a lede, not a headline. Tuned by
# hand on the reader check's t17 stories (a sub-editor rejected 17-22 word ledes).
SENTENCE_HEADLINE_WORDS = 14
SENTENCE_MAX_WORDS = 16
# How much a real headline (title field, or a headline line glued before the text) outweighs
# one made from a sentence: an editor writes a headline; a lede made short is a stand-in.
# Tuned on the reader check stores (1.3 let a side story's lede beat the shared headline).
TITLE_WEIGHT = 1.6
# A headline made by cutting a sentence reads worse than a sentence short enough as it is;
# later lead sentences are less often the news (same tuning data).
CUT_PENALTY = 0.85
# A headline made from a sentence names one of the story's this many most shared words.
TOPIC_WORDS = 8
LEAD_POSITION_WEIGHTS = (1.0, 0.9, 0.8)
# Lead sentences of each article considered when a story has no usable headline.
LEAD_SENTENCES = len(LEAD_POSITION_WEIGHTS)

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
# The notice that opens a live page (BBC "This live page is part of a BBC News trial ...").
_LIVE_NOTICE = re.compile(r"\b(?:this|our) live (?:page|blog|coverage)\b|\blive updates\b", re.IGNORECASE)
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
_PLACE_WIRE = re.compile(
    r"^[A-Z][A-Z .'-]{1,40}(?:,\s*(?:[A-Z][A-Z .'-]{1,30}|[A-Z][a-z]{1,5}\.))?"
    r"(?:\([^)]{1,20}\))?\s*(?:--?|–|—)\s+"
)  # "ALLENTOWN, Pa. - ", "LONDON - "
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
    r"follow us|^home\b|^menu\b|^skip to|tweet with a location|media playback|^email this\b|"
    r"media caption|,\s*(?:shown|pictured|seen) (?:here|in|at|with|on|left|right)\b",
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
# A headline never ends on these: one that does was cut off ("Civil war in Libya if",
# "State police have charged six"; reader check t17 and multinews stores).
_OPEN_END = _DANGLING | frozenset(
    "if unless whether because while without against about than with from by for into "
    "two three four five six seven eight nine ten".split()
)
_DATE_ONLY = re.compile(
    r"^[\W\d]*(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day\W*)?(?:\d{1,2}\W*)?"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\W*(?:\d{1,4}\W*){0,2}$",
    re.IGNORECASE,
)
_LETTER = re.compile(r"[^\W\d_]")
# A photo's caption or credit, never a title: "file photo", "(Photo: ...)", "pictured",
# "(R)", "Getty Images", "/AP" (seen in Multi-News and T17 BBC/Fox leads).
_CAPTION = re.compile(
    r"\bfile (?:photo|picture|image)\b|\(\s*(?:photo|picture|image|credit)s?\b|\bphoto(?:graph)?\s*:|"
    r"\b(?:pictured|photographed)\b|\bis (?:shown|seen) (?:here|in this|at|with|during)\b|"
    r"\bin this (?:photo|picture|image|handout)\b|\bGetty Images\b|\bAP Photo\b|\bcredit\s*:|"
    r"\((?:L|R|C|left|right|cent(?:re|er)|top|bottom)\)|/(?:AP|AFP|Reuters|Getty)\b|\bin this handout\b|"
    r",\s*(?:left|right|cent(?:re|er)|top|bottom|front|back)\s*,|\bas seen (?:in|here|on)\b|"
    r"\([A-Z][\w.' -]{1,40}/[A-Z][\w.' -]{1,40}\)|"  # a credit: "(Katherine Frey/The Washington Post)"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:,\s*\d{4})?\s*\.?$",
    re.IGNORECASE,
)
# Speed guards (same answers): an IGNORECASE alternation costs 50-150 us a search on a lead
# sentence. Each unanchored branch of _FURNITURE and _CAPTION holds one of these lowercase
# literals (_CAPTION's date branch instead ends the text with a digit), so without any the
# pattern can only match at the start, which ``match`` tests at the cost of one position.
# Keep these in step with the patterns; tests/test_titles.py checks both ways agree.
_FURNITURE_LITERALS = tuple(
    (
        "reading on mobile|default edition|sign|log|subscribe|newsletter|cookie|javascript|your browser"
        "|no longer|page |404|terms of |privacy policy|all rights reserved|copyright|share this|comment"
        "|watch |enable |advert|sponsored|removed|unavailable|placeholder|lorem ipsum|most |related "
        "|follow us|tweet with a location|media |shown|pictured|seen"
    ).split("|")
)
_CAPTION_LITERALS = tuple(
    (
        "file |photo|picture|image|credit|shown|seen|in this |getty images|(l)|(r)|(c)|/|left|right"
        "|centre|center|top|bottom|front|back"
    ).split("|")
)

def _furniture(text: str) -> bool:
    return guarded_search(_FURNITURE, _FURNITURE_LITERALS, text)


def _caption(text: str) -> bool:
    """``_CAPTION.search``: its date branch needs no literal but ends the text with a digit."""
    if text.rstrip().rstrip(".").rstrip()[-1:].isdigit():
        return _CAPTION.search(text) is not None
    return guarded_search(_CAPTION, _CAPTION_LITERALS, text)


# A gallery caption opens with its day: "June 17: BP chief testifies ...", "Saturday: The yacht ...".
_GALLERY = re.compile(
    r"^(?:AP\s+|Reuters\s+)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:,?\s*\d{4})?)\s*:",
    re.IGNORECASE,
)
# What a lede opens with before its news: a time, a place in a report, a subordinate clause,
# "According to ...," ("After a long debate, the council ..." -> "the council ...").
_LEAD_PHRASE = re.compile(
    r"^(?:(?:On|By|Late|Early|Earlier|Later|Last|This|Within|Over|For|Since|Until)\b[^,]{0,40}"
    r"|(?:In|At)\s+(?:a|an|the|its|his|her|their)\b[^,]{0,50}|(?:Yesterday|Today|Tonight|Overnight)"
    r"|According to\b[^,]{0,60}|(?:After|Before|Following|Amid|Despite|When|While|As|Although|Though"
    r"|Because|If|Once|Unless|With|Without)\b[^,]{0,90})\s*,\s+(?=[A-Za-z])"
)
# "X said on Tuesday that ..." / "Rebel forces told CNN that ...": the news is after "that".
_LEAD_ATTRIBUTION = re.compile(
    r"^[A-Z][^,;\"]{0,80}?\s(?:said|says|say|told\s+(?:[A-Z][\w.]*|reporters|journalists)(?:\s+[A-Z][\w.]*)*"
    r"|announced|confirmed|reported|warned|believes?|believed)"
    r"(?:\s+(?:on\s+|late\s+|early\s+)?\w+day(?:\s+(?:night|morning|afternoon|evening))?"
    r"|\s+(?:yesterday|today|last night|this week))?\s+that\s+"
)
# "..., officials said" / ", the WHO's chief says" / "according to ...": who said it, not news.
_TRAIL_ATTRIBUTION = re.compile(
    r",?\s+(?:he|she|they|it|officials?|police|witnesses|residents|sources|authorities|analysts"
    r"|[A-Z][\w.]+(?: [A-Z][\w.]+){0,3}) (?:said|says|told|reported|added)\b.*$"
    r"|,\s+(?:[^,\"]{0,60}\s)?(?:said|says|say|told|reported|added|announced|warned|confirmed)\b[^,]*$"
    r"|,?\s+according to\b.*$"
)
# Days and relative times a headline leaves out ("... on Tuesday", "... yesterday").
_WHEN = re.compile(
    r"\s+(?:(?:on|late|early|by)\s+)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"(?:\s+(?:night|morning|afternoon|evening))?|yesterday|today|tonight|last night|this week"
    r"|this (?:morning|afternoon|evening)|earlier this (?:week|month|year))\b(?!['’])",
    re.IGNORECASE,
)
# A sentence opening with a participle is a fragment once cut ("Using stem cells, which ...").
_PARTICIPLE_START = re.compile(r"^[A-Z][a-z]+ing\s+[a-z]")
_ING_NAMES = frozenset("Beijing Boeing Reading Nanjing Chongqing Kunming Sterling Harding Manning".split())
# Words that open a caption, not a headline ("There has been an outpouring of grief ...").
_CAPTION_START = re.compile(r"^(?:The|A|An|There|It|This|These|Those|He|She|They|Here|Pictures?)\b")
# Capitalized words that are titles before a name, not the start of a glued sentence
# ("met with President Obama").
_TITLE_WORDS = frozenset(
    "president minister prime secretary senator governor judge prince princess king queen pope "
    "general chancellor dr mr mrs ms sir lord rev mayor chief foreign defence defense health "
    "home state interior finance colonel captain sergeant lieutenant sheikh ayatollah".split()
)


def _unptb(text: str) -> str:
    """Undo Penn-Treebank tokenization: brackets, quotes and the spaces before punctuation."""
    # "` not suspicious '" is a single-quoted phrase: pair it before the quotes are mapped.
    text = re.sub(r"(?<!`)`\s+([^`']{1,80}?)\s+'(?!')", r"'\1'", text)
    text = _PTB_TOKEN.sub(lambda m: _PTB[m.group(0)], text.replace("\\/", "/"))
    text = _CLITIC.sub(r"\1", text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = _SPACE_AFTER.sub(r"\1", text)
    text = _QUOTED.sub(r'"\1"', text)
    return _POUND.sub("£", text)




def _fix_text(text: str) -> str:
    """Repair mojibake ("Steenkampâ€™s") when ftfy is installed (a core dependency; the
    guard only keeps an old environment working)."""
    if not ftfy_may_change(text):
        return text
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
        text = text.lstrip(" -–—|:,;*•\\")
        if text == before:
            break
    # A list of bullets run together ("* Gas oversupply to end * Middle east unrest"):
    # the first item is the headline.
    return _BULLET.split(text, maxsplit=1)[0]


_BULLET = re.compile(r"\s+(?:\\\*|\*|•)\s+")


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
    if _furniture(text) or _DATE_ONLY.match(text) or _WH_QUESTION.match(text):
        return None
    if _caption(text) or words[-1].lower().strip(",;:'\"") in _OPEN_END:
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
    ``clean_headline``; a lead time or clause ("On Tuesday,", "After a long debate,"),
    attribution ("X said on Tuesday that", "..., officials said") and days dropped; cut at a
    clause boundary near ``SENTENCE_HEADLINE_WORDS`` words. None when the sentence is not
    news (a quote, a question, first person, a caption, furniture) or cannot be cut to a
    clause that still says something happened."""
    made = _sentence_headline(sentence)
    return made[0] if made else None


def _sentence_headline(sentence: str) -> tuple[str, bool] | None:
    """``headline_from_sentence`` and whether the sentence had to be cut."""
    text = " ".join(_unptb(_fix_text(sentence)).split())
    text = " ".join(_AGENCY.sub(" ", _strip_front(text)).split())
    if _caption(text) or _GALLERY.match(text) or _furniture(text):
        return None
    for _ in range(2):
        text = _LEADING_LINK.sub("", text)
        text = _LEAD_PHRASE.sub("", text)
        text = _LEAD_ATTRIBUTION.sub("", text)
    if not text or text[0] in "\"'“‘(" or _QUOTE_OR_QUESTION.search(text) or _SUBORDINATE.match(text):
        return None
    if _PRONOUN_START.match(text) or _FIRST_PERSON.search(text):
        return None
    if _PARTICIPLE_START.match(text) and text.split()[0] not in _ING_NAMES:
        return None
    if re.match(r"^(?:[A-Z\u00c0-\u00de]{2,}\s+){2}", text):
        return None  # a lede in capitals ("THE COUNCIL IS to ..."): no case to restore
    text = _TRAIL_ATTRIBUTION.sub("", text.rstrip("."))
    if len(text.split()) > 10:
        text = re.sub(r"^.*?\b(?:said|says)(?: that)?\s+(?=[A-Z])", "", text)
    text = _WHEN.sub("", text)
    words = text.split()
    if len(words) > SENTENCE_MAX_WORDS:
        for end in _clause_cuts(words):
            made = _finish(words[:end])
            if made:
                return made, True
        return None
    made = _finish(words)
    return (made, False) if made else None


def _finish(words: list[str]) -> str | None:
    """Words cut from a sentence as a headline: no dangling last word, cleaned, with a verb."""
    words = list(words)
    while words and (words[-1].lower().strip(",;:") in _DANGLING or words[-1].lower().endswith("ly")):
        words.pop()
    made = clean_headline(" ".join(words).rstrip(",;:"))
    if not made or len(made.split()) > SENTENCE_MAX_WORDS or not _has_verb(made):
        return None
    return made


def _has_verb(headline: str) -> bool:
    """Whether a headline made from a sentence still says something happened: a verb-like
    word outside its relative clauses and appositions ("The new strain that has killed 56"
    and "Ann Example's son, a banker based in Riverton" are noun phrases, not headlines). A
    rough test, enough to drop a sentence cut to its subject."""
    main = re.sub(r"\b(?:that|who|which|whose|where)\b[^,]*", " ", headline)
    parts = main.split(",")
    # An apposition ("..., a banker based in ...,") says nothing happened.
    parts = [parts[0]] + [p for p in parts[1:] if not re.match(r"\s*(?:a|an|the)\b", p)]
    prev = ""
    for word in " ".join(parts).split():
        w = word.strip(",;:.").lower()
        if w in _VERBS or (
            word[:1].islower()
            and len(w) > 3
            and (w.endswith("ed") or w.endswith("s"))
            and prev not in _DETERMINERS  # "the experienced pilot": an adjective
        ):
            return True
        prev = w
    return False


# Where a long sentence may end as a headline: before these words (a new clause starts).
# "and" and "as" are left out: cut there, "X sees the spill as" / "costs and" read as
# fragments (reader check, t17).
_DETERMINERS = frozenset("a an the his her its their our this that these those of".split())
_CLAUSE_WORDS = frozenset(
    "after while because amid despite but which who following since when although saying if "
    "according where prompting sparking".split()
)


# Failing a clause break, a long sentence may end before a phrase these open, once it has
# said enough ("Officials are increasing the pressure on state police | to get involved ...").
_PHRASE_WORDS = frozenset("in on at for from with over into to during near by".split())


def _complete_before(words: list[str]) -> bool:
    """Whether a phrase break after ``words`` leaves nothing half said: the last word is no
    verb or participle wanting its object ("based", "planning", "puts sanctions"), and no
    "that", "as" or "-ing" complement is left open (seen in T17 Reuters/Fox ledes)."""
    last = words[-1].lower().strip(",;:")
    if last in _VERBS or last.endswith(("ed", "ing", "ly")) or last in {"way", "able", "set", "due"}:
        return False
    aux = {"is", "are", "was", "were", "be", "been", "being"}
    return not any(
        w.lower() in {"that", "as", "whether", "than"} or (w.endswith("ing") and p.lower() not in aux)
        for p, w in zip(words[2:], words[3:], strict=False)
    )


def _clause_cuts(words: list[str]) -> list[int]:
    """Where to end a long sentence's headline, best first: clause breaks (a comma, or before
    "after", "while", "because" ...) between 5 words and ``SENTENCE_MAX_WORDS``, the latest
    first; then phrase breaks after 8 words."""
    clauses, phrases = [], []
    for i in range(5, min(len(words), SENTENCE_MAX_WORDS + 1)):
        if words[i - 1].endswith((",", ";", ":")):
            clauses.append(i)
        elif words[i].lower() in _CLAUSE_WORDS and _complete_before(words[:i]):
            clauses.append(i)
        elif i >= 8 and words[i].lower() in _PHRASE_WORDS and _complete_before(words[:i]):
            phrases.append(i)
    return clauses[::-1] + phrases[::-1]


def _outlet(article: Article) -> str:
    return article.outlet or article.source or article.id


def _originals(articles: Sequence[Article]) -> list[Article]:
    return [a for a in articles if not a.duplicate_of] or list(articles)


def _topic_words(text: str) -> set[str]:
    """Content words, and each with its possessive cut ("Italy's" -> "italy's", "italy"):
    a made headline writes "Italy's" where the tokenized text it came from has "Italy 's",
    and the topic check must see the story's word "italy" in it (else the only on-topic
    headline looked off-topic, and the title fell back to a live page's opening notice).
    Only that check reads it: scoring centrality this way chose worse titles (Timeline17
    Haiti: "Dominican Republic's Haiti earthquake aid effort")."""
    found = set(content_words(text))
    return found | {w[:-2] for w in found if w.endswith(("'s", "’s")) and len(w) > 3}


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
    # name several shared things (sqrt of the length) over a one-word match. (Capping the
    # credit at 4 or 6 words chose worse headlines on the held-out T17 weeks.)
    return sum(df[w] / n for w in ws) / len(ws) ** 0.5


def _candidates(articles: Sequence[Article]) -> list[str]:
    """Real headlines: the title field (HTML title / og:title at ingest), cleaned."""
    out = []
    for art in articles:
        t = clean_headline(art.title)
        if t:
            out.append(t)
    return out


def _lower_vocab(articles: Sequence[Article]) -> set[str]:
    """Words the story's texts write in lower case inside a sentence: a capitalized one of
    these after a lower-case word starts a new, glued line rather than naming someone."""
    vocab: set[str] = set()
    for art in articles:
        vocab.update(re.findall(r"(?<=\s)[a-z][a-z'-]+", art.text[:3000]))
    return vocab


def glued_parts(line: str, vocab: set[str]) -> list[str]:
    """A first line split where a crawl glued headline, caption and lede together with no
    stop between them ("Flood closes road The river rose overnight Water covered ...").
    A break is a capitalized common word (one ``vocab`` has in lower case, not a title such
    as "President") after a lower-case word that ends no phrase; each part keeps 3+ words."""
    words = line.split()
    parts: list[list[str]] = [[]]
    for i, word in enumerate(words):
        prev = words[i - 1] if i else ""
        prev_letter = next((c for c in prev if c.isalpha()), "")
        bare = word.strip("'\"‘’“”`").lower()
        if (
            len(parts[-1]) >= 3
            and len(words) - i >= 3
            and prev_letter.islower()
            and not prev.endswith((",", ";", ":", "-", "'s", "’s"))  # "Alleyn 's School"
            and prev.lower().strip("'\"‘’“”`") not in _OPEN_END
            and word[:1].isupper()
            and word[1:].islower()
            and (
                (bare in vocab and bare not in _TITLE_WORDS)
                # the lede restating the headline's subject: "... single Simon Cowell is ..."
                or (len(parts) == 1 and words[i : i + 2] == words[:2])
            )
        ):
            parts.append([])
        parts[-1].append(word)
    return [" ".join(p) for p in parts]


def _glued_head(article: Article, vocab: set[str]) -> tuple[str | None, str | None]:
    """(headline, lede) of an untitled article whose first line glues a headline (and maybe a
    caption) before its first sentence, as Timeline17's BBC pages do; (None, None) otherwise.
    A part that reads as a caption ("The quake is the worst in 200 years", a quote, a
    sentence with a comma clause) is no headline."""
    if article.title:
        return None, None
    first = split_sentences(article.text[:1500])
    if not first:
        return None, None
    return _split_glued(_unptb(_fix_text(first[0].text)), vocab)


def lower_vocab(articles: Sequence[Article]) -> set[str]:
    """``glued_lede``'s vocabulary for a whole story, computed once: the words its articles
    write in lower case ("thousands", "police") at least twice as often as capitalised
    inside a sentence, so a name that a URL or a slip writes in lower case once ("haiti")
    is not taken for a common word."""
    lower: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for art in articles:
        text = art.text[:3000]
        lower.update(re.findall(r"(?<=\s)[a-z][a-z'-]+", text))
        upper.update(w.lower() for w in re.findall(r"(?<=[a-z,] )[A-Z][a-z'-]+", text))
    return {w for w, n in lower.items() if n >= 2 * upper[w]}


def glued_lede(article: Article, sentence: str, vocab: set[str] | None = None) -> str | None:
    """The lede of an untitled article's first sentence when a crawl glued a headline (and
    maybe a caption) before it ("Haiti devastated by massive quake Thousands of people are
    feared dead ..."), else None: the timeline and the summary show the lede, not the glue.
    The lede is a piece of ``sentence`` as written, so citations still find it."""
    if article.title:
        return None
    vocab = _lower_vocab([article]) if vocab is None else vocab
    head, _ = _split_glued(sentence, vocab)
    if not head:
        return None
    # Everything after the headline: the lede may hold capitalised common words that are
    # not glue ("The UK's Disasters Emergency Committee has launched ...").
    return " ".join(glued_parts(sentence, vocab)[1:]) or None


def _split_glued(line: str, vocab: set[str]) -> tuple[str | None, str | None]:
    parts = glued_parts(line, vocab)
    if len(parts) < 2:
        return None, None
    head = clean_headline(parts[0])
    if head and (
        _CAPTION_START.match(head)
        or _caption(head)
        or re.search(r":\s*['\"‘“]", head)
        or len(head.split()) > 12
        or ", while" in head
        or head.split()[-1].lower() in {"said", "says", "told"}
    ):
        head = None
    return head, parts[-1]


def _lead_headlines(
    articles: Sequence[Article], vocab: set[str], glued: Sequence[tuple[str | None, str | None]]
) -> list[tuple[str, float]]:
    """Headlines made from each article's lead sentences, with their weight: less for a
    later sentence and for one that had to be cut. ``glued``: each article's
    ``_glued_head``, which the caller has already worked out."""
    out = []
    for art, (_head, lede) in zip(articles, glued, strict=True):
        sentences = [s.text for s in split_sentences(art.text[:3000])[:LEAD_SENTENCES]]
        if sentences:
            sentences[0] = lede or sentences[0]
        if sentences and _LIVE_NOTICE.search(sentences[0]):
            # A live page: a notice, then one item per story of the day. Only its first item
            # is about the page's story (a BBC live page of the Berlusconi vote went on to
            # the UK Border Agency, and that line became the story's title).
            sentences = sentences[1:2]
        for pos, sent in enumerate(sentences):
            made = _sentence_headline(sent)
            if made:
                out.append((made[0], LEAD_POSITION_WEIGHTS[pos] * (CUT_PENALTY if made[1] else 1.0)))
    return out


def story_title(articles: Sequence[Article], fallback: str = "Untitled story") -> str:
    """The most central real headline among the articles (title field, or a headline line
    glued before an untitled article's text); when none qualifies, a short headline built
    from the story's most central lead sentence; ``fallback`` (never an id) when even that
    fails.

    Central means sharing the content words most of the story's articles share, so the title
    is recomputed from all the articles on every analysis and follows the story as it grows.
    Among near ties the headline given by more articles (several outlets) wins."""
    originals = _originals(articles)
    if not originals:
        return fallback
    df, n = _central_scorer(originals)
    vocab = _lower_vocab(originals)
    # Real headlines and headlines made from lead sentences compete, the real ones with a
    # head start: a crawled "headline" of one side interview must not beat the sentence
    # that every report of the story opens with.
    glued = [_glued_head(a, vocab) for a in originals]  # once: both kinds of candidate need it
    heads = _candidates(originals) + [h for h, _lede in glued if h]
    # A made headline must name one of the story's most shared words: a ticker line
    # crawled with many pages ("2 men charged in ...") is not the story.
    floor = min((c for _w, c in df.most_common(TOPIC_WORDS)), default=0)
    top = {w for w, c in df.items() if c >= floor}
    made = [(h, w) for h, w in _lead_headlines(originals, vocab, glued) if top & _topic_words(h)]
    pool = [(h, TITLE_WEIGHT) for h in heads] + made
    counts = Counter(h.lower() for h, _w in pool)
    scored: dict[str, float] = {}
    for h, weight in pool:
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
    first news sentence, else the start of its text; never its raw id. A headline glued
    before the text is split off with the article's own lower-case words."""
    own = clean_headline(article.title)
    if own:
        return own
    head, lede = _glued_head(article, _lower_vocab([article]))
    if head:
        return head
    sentences = [s.text for s in split_sentences(article.text[:3000])[:5]]
    for sent in ([lede] if lede else []) + sentences[1 if lede else 0 :]:
        made = headline_from_sentence(sent)
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
