"""Names whose type and canonical form the entity stage knows without reading the context.

Why a list at all: the capitalised-phrase rule (the default install, no spaCy) cannot tell
"Twitter" or "Al Jazeera" from a person, nor "H1N1" from a place, and spaCy's small model
gets the same names wrong often enough (Twitter PERSON, Gadhafi PLACE). News names a small
set of media, institutions, countries and diseases over and over; listing the frequent ones
fixes most type errors of both paths. Keys are lower case without dots, the form
``name_key`` gives ("U.S." -> "us").

Types: PERSON, ORG, PLACE, OTHER (diseases, products, events, laws).
"""

from __future__ import annotations

import functools
import re

from storyline.text import MONTH_ABBREVIATIONS, MONTHS, STOP_WORDS, WEEKDAYS

# Spellings of one thing -> its canonical key (merged before anything else).
ALIASES: dict[str, str] = {
    "us": "united states",
    "usa": "united states",
    "america": "united states",
    "united states of america": "united states",
    "the united states": "united states",
    "uk": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "un": "united nations",
    "eu": "european union",
    "uae": "united arab emirates",
    "drc": "democratic republic of congo",
    "dr congo": "democratic republic of congo",
    "swine flu": "h1n1",
    "h1n1 flu": "h1n1",
    "h1n1 virus": "h1n1",
    "h1n1 influenza": "h1n1",
    "bird flu": "h5n1",
    "who": "world health organization",
    "world health organisation": "world health organization",
    "imf": "international monetary fund",
    "cdc": "centers for disease control and prevention",
    "centers for disease control": "centers for disease control and prevention",
    "fbi": "federal bureau of investigation",
    "cia": "central intelligence agency",
    "icc": "international criminal court",
    "nato": "nato",
    "ap": "associated press",
    "afp": "agence france-presse",
    "agence france presse": "agence france-presse",
    "bbc news": "bbc",
    "cnn international": "cnn",
    "new york times": "the new york times",
    "nyt": "the new york times",
    "washington post": "the washington post",
    "wall street journal": "the wall street journal",
    "british petroleum": "bp",
    "bp plc": "bp",
    "fed": "federal reserve",
    "the fed": "federal reserve",
    "sec": "securities and exchange commission",
    "9/11": "september 11 attacks",
}

# First names frequent in news, for the rule path: "Reeva Steenkamp" is a person because
# "Reeva" is not a place or institution word, and "Oscar" opens a person's name.
FIRST_NAMES: frozenset[str] = frozenset(
    """
    aaron abdel abdul abdullah adam adrian ahmed ahmad aisha alan albert alex alexander ali
    alice alicia amanda amy ana andrea andrew angela angelina ann anna anne anthony antonio
    ashraf barack barbara ben benjamin bernard bill bob brian bruce carl carlos carol
    catherine charles chris christine christopher daniel dan david deborah dennis diana
    dominique donald edward elizabeth emily emma eric frank fred george gordon hamid hassan
    helen henry hillary hosni hugo ian jack jacob james jane janet jason jean jeff jennifer
    jessica jim joe john jonathan jose joseph juan julia julie karen kate kathleen kevin
    laura lee linda lisa louis luis margaret maria mark martin mary matthew michael michelle
    mike mohamed mohammed muhammad moammar muammar mustafa nancy nicolas nick oscar patrick
    paul peter philip rachel ralph reeva richard robert roger ronald ryan sam samuel sarah
    saif sergei silvio steve steven susan thomas tim timothy tom tony victoria vladimir
    walter william bashar barry hugh nouri moqtada ayad jalal recep kofi ban angela rene
    ken kenneth ted thad jeb
    """.split()
)


_NAMES: dict[str, list[str]] = {
    "ORG": [
        "associated press",
        "reuters",
        "agence france-presse",
        "bbc",
        "cnn",
        "fox news",
        "al jazeera",
        "al-jazeera",
        "al arabiya",
        "sky news",
        "nbc",
        "abc",
        "cbs",
        "msnbc",
        "npr",
        "bloomberg",
        "guardian",
        "the guardian",
        "the times",
        "the new york times",
        "the washington post",
        "the wall street journal",
        "financial times",
        "the economist",
        "the independent",
        "daily telegraph",
        "the telegraph",
        "daily mail",
        "usa today",
        "los angeles times",
        "xinhua",
        "interfax",
        "itar-tass",
        "ria novosti",
        "sana",
        "irna",
        "twitter",
        "facebook",
        "youtube",
        "google",
        "apple",
        "microsoft",
        "yahoo",
        "wikipedia",
        "wikileaks",
        "myspace",
        "skype",
        "blackberry",
        "united nations",
        "un security council",
        "security council",
        "general assembly",
        "nato",
        "european union",
        "world health organization",
        "international monetary fund",
        "world bank",
        "red cross",
        "international committee of the red cross",
        "red crescent",
        "amnesty international",
        "human rights watch",
        "medecins sans frontieres",
        "doctors without borders",
        "oxfam",
        "unicef",
        "unhcr",
        "arab league",
        "african union",
        "opec",
        "federal reserve",
        "congress",
        "senate",
        "house of representatives",
        "white house",
        "pentagon",
        "kremlin",
        "downing street",
        "state department",
        "foreign office",
        "home office",
        "treasury",
        "supreme court",
        "parliament",
        "knesset",
        "centers for disease control and prevention",
        "federal bureau of investigation",
        "central intelligence agency",
        "securities and exchange commission",
        "international criminal court",
        "bp",
        "transocean",
        "halliburton",
        "cameron international",
        "anadarko",
        "exxon",
        "exxonmobil",
        "shell",
        "chevron",
        "goldman sachs",
        "lehman brothers",
        "merrill lynch",
        "bank of america",
        "citigroup",
        "aig",
        "morgan stanley",
        "jpmorgan",
        "bear stearns",
        "fannie mae",
        "freddie mac",
        "wachovia",
        "washington mutual",
        "general motors",
        "chrysler",
        "taliban",
        "al qaeda",
        "al-qaeda",
        "hamas",
        "hezbollah",
        "muslim brotherhood",
        "free syrian army",
        "national transitional council",
        "ntc",
        "coast guard",
        "us coast guard",
        "minerals management service",
        "environmental protection agency",
        "epa",
        "department of homeland security",
        "homeland security",
        "mi6",
        "mi5",
    ],
    "PLACE": [
        "united states",
        "united kingdom",
        "united arab emirates",
        "democratic republic of congo",
        "afghanistan",
        "pakistan",
        "iraq",
        "iran",
        "syria",
        "libya",
        "egypt",
        "tunisia",
        "yemen",
        "bahrain",
        "saudi arabia",
        "jordan",
        "lebanon",
        "israel",
        "turkey",
        "russia",
        "china",
        "japan",
        "india",
        "mexico",
        "canada",
        "brazil",
        "france",
        "germany",
        "italy",
        "spain",
        "greece",
        "haiti",
        "dominican republic",
        "cuba",
        "venezuela",
        "south africa",
        "nigeria",
        "kenya",
        "somalia",
        "sudan",
        "qatar",
        "kuwait",
        "australia",
        "new zealand",
        "ukraine",
        "washington",
        "london",
        "paris",
        "moscow",
        "beijing",
        "cairo",
        "tripoli",
        "benghazi",
        "misrata",
        "misurata",
        "damascus",
        "homs",
        "hama",
        "aleppo",
        "daraa",
        "deraa",
        "baghdad",
        "basra",
        "falluja",
        "fallujah",
        "kabul",
        "kandahar",
        "tehran",
        "jerusalem",
        "gaza",
        "west bank",
        "port-au-prince",
        "new york",
        "los angeles",
        "houston",
        "new orleans",
        "louisiana",
        "florida",
        "alabama",
        "mississippi",
        "texas",
        "california",
        "gulf of mexico",
        "gulf coast",
        "europe",
        "africa",
        "asia",
        "middle east",
        "latin america",
        "north africa",
        "tahrir square",
        "hong kong",
        "scotland",
        "england",
        "wales",
        "ireland",
        "brega",
        "ras lanuf",
        "zawiya",
        "sirte",
        "bani walid",
        "idlib",
        "latakia",
        "tunis",
        "alexandria",
        "suez",
        "leogane",
        "jacmel",
    ],
    "OTHER": [
        "h1n1",
        "h5n1",
        "sars",
        "aids",
        "hiv",
        "influenza",
        "flu",
        "cholera",
        "malaria",
        "tuberculosis",
        "ebola",
        "polio",
        "tamiflu",
        "relenza",
        "deepwater horizon",
        "macondo",
        "olympics",
        "world cup",
        "ramadan",
        "eid",
        "christmas",
        "easter",
        "arab spring",
        "september 11 attacks",
        "propofol",
        "thriller",
    ],
}

KNOWN: dict[str, str] = {name: label for label, names in _NAMES.items() for name in names}


# Words that make a capitalised phrase a place, an organisation, or a title before a name.
PLACE_WORDS = {
    "province",
    "district",
    "city",
    "river",
    "valley",
    "region",
    "county",
    "port",
    "village",
    "town",
    "mountains",
    "border",
    "crossing",
    "square",
    "state",
    "base",
    "airbase",
    "airport",
}

ORG_WORDS = {
    "committee",
    "council",
    "service",
    "ministry",
    "party",
    "agency",
    "army",
    "forces",
    "force",
    "nations",
    "survey",
    "office",
    "department",
    "bank",
    "alliance",
    "police",
    "news",
    "press",
    "commission",
    "court",
    "parliament",
    "government",
    "union",
    "organisation",
    "organization",
    "association",
    "institute",
    "university",
    "company",
    "group",
    "taliban",
    "reuters",
    "guard",
    "guards",
    "assembly",
    "senate",
    "house",
    "pentagon",
    "nato",
}

TITLES = {
    "president",
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "general",
    "minister",
    "spokesman",
    "spokeswoman",
    "analyst",
    "commander",
    "governor",
    "sen",
    "senator",
    "prime",
    "king",
    "envoy",
    "secretary",
    "chairman",
    "colonel",
    "col",
    "judge",
    "sheikh",
    "representative",
    "secretary-general",
    "blogger",
    "rapper",
    "singer",
}


_ARTICLE_PREFIX = re.compile(r"^(?:al|el|ad|as|an|ar|at)-")
_INITIAL_K = re.compile(r"^[qgk]")
_H_AFTER_CONSONANT = re.compile(r"(?<=[^aeiou])h")
_DOUBLED = re.compile(r"(.)\1+")


# The entity merge keys every long word of every name, many times per story: each word's
# skeleton is computed once. Bounded (2**16 short strings, a few MB); lru_cache is thread-safe.
@functools.lru_cache(maxsize=1 << 16)
def skeleton(word: str) -> str:
    """A transliteration key: Gadhafi, Qaddafi, Kadafi, Gaddafi and Qadhafi all read
    "kadafi", Moammar and Muammar "muamar" (an initial q/g/k alike, h after a consonant and
    doubled letters dropped, o/u and e/i/y alike; an "al-" prefix dropped). China, Ghana and
    Cheney stay apart. Only words of 5+ letters are keyed (see ``_spelled_alike``)."""
    s = _ARTICLE_PREFIX.sub("", word)
    s = _INITIAL_K.sub("k", s)
    s = s[:1] + _H_AFTER_CONSONANT.sub("", s[1:])
    s = s.translate(VOWELS)
    return _DOUBLED.sub(lambda m: m.group(1), s)  # a callable: a template costs more per match


VOWELS = str.maketrans({"o": "u", "e": "i", "y": "i"})


@functools.lru_cache(maxsize=1 << 16)  # every form of every story: bounded, thread-safe
def spelled_alike(core: str) -> str:
    """The core with each word of 5+ letters replaced by its skeleton."""
    return " ".join(skeleton(w) if len(w) >= 5 else w for w in core.split())


# --- what a name's own words say: the entity stage's steps that need no context ----------
# (moved here from entities.py, which had grown past the 800-line limit; unchanged but for
# their public names and the caches)

_ACRONYM = re.compile(r"[A-Z]{2,6}")
_BRACKET_TOKEN = re.compile(r"-?[LR][RSC]B-\s*-?")
_TRAILING_PAREN = re.compile(r"\s*\([^)]*\)?\s*$")
_TRAILING_POSSESSIVE = re.compile(r"[’']s$")
_LEADING_THE = re.compile(r"^(?:the|The|THE)\s+")
_SPACES = re.compile(r"\s+")
_LATIN = re.compile(r"[A-Za-z]")
# Trailing words that do not change which place is meant ("Badakhshan province"); not
# "city" ("Mexico City" is not Mexico).
_GENERIC_SUFFIX = {*"province district region county state river port airbase airfield".split()}
# Two-word suffixes of the same kind ("Bagram Air Base" is Bagram's base, named after it).
_GENERIC_SUFFIX2 = {("air", "base"), ("air", "field"), ("military", "base")}


# A story's mentions repeat the same few hundred spellings: each is normalised once.
# Bounded: 2**16 short strings are a few MB; lru_cache is thread-safe.
@functools.lru_cache(maxsize=1 << 16)
def normalise_name(text: str) -> str | None:
    """A mention as a name: debris, "the", a possessive and a trailing "(...)" dropped; None
    when it cannot be one (no capital, no Latin letter, more than 8 words)."""
    s = text.replace("\n", " ").strip(" \t•·-–—,.;:\"“”‘’'")
    s = _BRACKET_TOKEN.sub(" ", s).strip(" -")  # T17's "-RRB- - Muammar Gaddafi"
    s = _TRAILING_PAREN.sub("", s)  # "... of Tajikistan (SCNS" -> "... of Tajikistan"
    s = _TRAILING_POSSESSIVE.sub("", s)
    s = _LEADING_THE.sub("", s)
    s = _SPACES.sub(" ", s).strip()
    if not s or not _LATIN.search(s) or not s[0].isupper() or len(s.split()) > 8:
        return None
    return s


def name_key(text: str) -> str:
    """A name's lookup key: lower case, no dots ("U.S." -> "us")."""
    return text.lower().replace(".", "")


def name_core(key: str) -> str:
    """A key's canonical form: aliases mapped, generic place words dropped ("badakhshan")."""
    key = ALIASES.get(key, key)
    words = key.split()
    while len(words) > 1 and (words[-1] in _GENERIC_SUFFIX or tuple(words[-2:]) in _GENERIC_SUFFIX2):
        words = words[:-2] if tuple(words[-2:]) in _GENERIC_SUFFIX2 and len(words) > 2 else words[:-1]
    core = " ".join(words)
    return ALIASES.get(core, core)


def first_name(name: str) -> bool:
    """Whether ``name`` is two or three capitalised words opening with a common first name
    and holding no organisation or place word ("Reeva Steenkamp", not "Oscar Health")."""
    tokens = name.split()
    return (
        2 <= len(tokens) <= 3
        and tokens[0].lower() in FIRST_NAMES
        and all(t[:1].isupper() for t in tokens)
        and not any(t.lower() in ORG_WORDS or t.lower() in PLACE_WORDS for t in tokens)
    )


# Names recur through a story: what a name's own words say is worked out once. Bounded
# (2**16 short strings, a few MB); lru_cache is thread-safe.
@functools.lru_cache(maxsize=1 << 16)
def name_label(name: str) -> str | None:
    """The label a name's own words give (an ORG or place word, an acronym, a first name),
    or None when its context decides."""
    tokens = [t.lower().strip(".’'") for t in name.split()]
    if any(t in ORG_WORDS for t in tokens) or _ACRONYM.fullmatch(name):
        return "ORG"
    if any(t in PLACE_WORDS for t in tokens) or tokens[-1].endswith(("stan", "abad", "shahr")):
        return "PLACE"
    if first_name(name):
        return "PERSON!"
    return None


@functools.lru_cache(maxsize=1 << 16)  # every multi-word form, at each merge: bounded, thread-safe
def initials(core: str) -> str:
    """ "dominique strauss-kahn" -> "dsk": hyphenated parts count as words."""
    words = core.replace("-", " ").split()
    return "".join(w[0] for w in words if w not in {"of", "for", "the", "and", "de", "al"})


CALENDAR = {*WEEKDAYS, *MONTHS, *MONTH_ABBREVIATIONS, *"mon tue tues wed thu thur thurs fri".split()}
_GLUED_ACRONYM = re.compile(r"[A-Z][A-Z0-9]{1,5}")
_POSSESSIVE = re.compile(r"[’']s?$")
_TITLE_TAIL = {"of", "for", "state", "defense", "defence", "foreign", "interior", "general", "affairs"}


def stop_word(token: str) -> bool:
    """A stop word, unless written in capitals ("US", "WHO" are names)."""
    return token.lower() in STOP_WORDS and not (len(token) >= 2 and token.isupper())


def trim_phrase(tokens: list[str], demonyms: set[str]) -> tuple[list[str], int]:
    """A phrase's tokens without trailing stop and calendar words, and how many leading
    tokens (titles, demonyms, an owner) to cut: what depends on the phrase alone."""
    while tokens and (stop_word(tokens[-1]) or tokens[-1].lower() in CALENDAR):
        tokens = tokens[:-1]
    # "Afghan President Ashraf Ghani" -> "Ashraf Ghani": titles and demonyms go, unless
    # the whole is a known name ("British Petroleum").
    known = name_key(" ".join(tokens)) in KNOWN or name_key(" ".join(tokens)) in ALIASES
    cut = (
        0
        if known
        else max((k + 1 for k, t in enumerate(tokens[:-1]) if t.lower().strip(".") in TITLES), default=0)
    )
    # "Secretary of State Hillary Clinton": the rest of the title goes too.
    # "... Representative for Afghanistan Deborah Lyons": the title's object goes too.
    while cut and cut < len(tokens) - 2 and tokens[cut].lower() in _TITLE_TAIL:
        cut += 2 if tokens[cut].lower() in {"of", "for"} and cut < len(tokens) - 3 else 1
    while not known and cut < len(tokens) - 1 and tokens[cut].lower() in demonyms:
        cut += 1
    # "WHO Keiji Fukuda", "H3N2 Hong Kong": an acronym glued before a name.
    if (
        cut < len(tokens) - 2
        and _GLUED_ACRONYM.fullmatch(tokens[cut])
        and not any(t.lower() in ORG_WORDS for t in tokens[cut + 1 :])
    ):
        cut += 1
    # "Russia's RIA" -> "RIA": the owner is a mention of its own.
    cut = max(cut, max((k + 1 for k, t in enumerate(tokens[:-1]) if _POSSESSIVE.search(t)), default=0))
    return tokens, cut
