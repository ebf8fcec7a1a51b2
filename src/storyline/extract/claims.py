"""Quantities stated in an article: the number, what it counts, who says so and when.

A quantity is the unit of comparison between sources ("1,037 Afghan servicemen fled", "more
than 300 Afghan military personnel crossed"): to compare them we need the figure as written,
the qualifier that turns it into an interval ("more than", "about", "hundreds of"), the thing
counted normalised so that "servicemen", "security personnel" and "troops" meet, the source
the article attributes it to, and the day it held. The rules here are plain regular
expressions over the shared sentence splitter (``storyline.text``): a figure must point at the
same sentence that the summary and timeline cite, and the stage must run without spaCy.

What is skipped on purpose: dates, years, times, ordinals, ages, money, durations ("20
years of war", "three days"), compound adjectives ("15-meter-long") and the word "one"
(mostly a pronoun: "one of the last regions", "one side should").
"""

from __future__ import annotations

import dataclasses
import re

from storyline.extract import timex
from storyline.extract.analysis import analysis_of, day_of
from storyline.model import Article, Quantity
from storyline.text import NUMBER_WORDS, STOP_WORDS

# --- number reading ----------------------------------------------------------------------

_UNITS_WORDS = {w: n for w, n in NUMBER_WORDS.items() if n < 20}
_TENS_WORDS = {w: n for w, n in NUMBER_WORDS.items() if n >= 20}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# Vague plurals: the magnitude they name; compare.py turns them into intervals.
VAGUE = {
    "dozens of": 12,
    "scores of": 20,
    "hundreds of": 100,
    "thousands of": 1_000,
    "tens of thousands of": 10_000,
    "hundreds of thousands of": 100_000,
    "millions of": 1_000_000,
}
QUALIFIERS = (
    "more than",
    "over",
    "well over",
    "just over",
    "at least",
    "about",
    "around",
    "approximately",
    "roughly",
    "nearly",
    "almost",
    "up to",
    "as many as",
    "some",
    "fewer than",
    "less than",
    "under",
    "just under",
    "at most",
    "an estimated",
    "close to",
    "no fewer than",
    "no less than",
)

_WORD_NUM = (
    r"(?:"
    + "|".join(sorted(_TENS_WORDS, key=len, reverse=True))
    + r")(?:-(?:"
    + "|".join(k for k in _UNITS_WORDS if _UNITS_WORDS[k] < 10)
    + r"))?"
    + r"|"
    + "|".join(sorted(_UNITS_WORDS, key=len, reverse=True))
)
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:\s+(?:hundred|thousand|million|billion)\b)?"
_NUMBER = re.compile(
    r"(?<![\w.,/$£€-])"
    r"(?P<vague>(?:tens|hundreds) of thousands of|dozens of|scores of|hundreds of|"
    r"thousands of|millions of)"
    r"|(?<![\w.,/$£€-])(?P<num>(?:"
    + _DIGITS
    + r")"
    + _SCALE
    + r"(?:\s*(?:-|–|to)\s*(?:"
    + _DIGITS
    + r")"
    + _SCALE
    + r")?)(?![\w/]|[.,:]\d|-[A-Za-z])"
    r"|(?<![\w-])(?P<word>(?:" + _WORD_NUM + r")" + _SCALE + r")\b(?!-[A-Za-z])",
    re.IGNORECASE,
)
_QUALIFIER = re.compile(
    r"(?:^|[\s(“\"])("
    + "|".join(sorted((re.escape(q) for q in QUALIFIERS), key=len, reverse=True))
    + r")\s+$",
    re.IGNORECASE,
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_MONTH_BEFORE = re.compile(r"\b(?:" + _MONTHS + r")\.?\s+$", re.IGNORECASE)
_MONTH_AFTER = re.compile(r"^\s*(?:" + _MONTHS + r")\b", re.IGNORECASE)
_TIME_AFTER = re.compile(
    r"^\s*(?:a\.m\.|p\.m\.|am\b|pm\b|gmt\b|utc\b|o'clock|hrs\b|bps\b|pc\b)", re.IGNORECASE
)
_MONEY_AFTER = re.compile(r"^\s*(?:dollars?|euros?|pounds?|rupees?|yuan|afghanis?|rubles?)\b", re.IGNORECASE)
_PARTICLE_VERB = re.compile(
    r"\b(?:took|take|takes|taken|taking|handed|hand|hands|handing|turned|turn|won|win|"
    r"passed|pass|signed|sign|ceded|cede|gave|give|given|watched|presided|fought|argued)\s+$",
    re.IGNORECASE,
)
_AGE = re.compile(r"(?:\b[A-Z][\w’'-]+,\s*$)|(?:\baged?\s+$)")

# "12 more people", "two other men", "another 300": an increment or a second group, which
# another source's total would wrongly contradict.
_INCREMENT = re.compile(r"^\s+(?:[A-Z][\w-]*\s+)?(more|other|additional|further|extra|new)\b", re.IGNORECASE)
# Things that are measured rather than counted across sources: durations and times.
DURATIONS = {
    "year",
    "years",
    "month",
    "months",
    "week",
    "weeks",
    "day",
    "days",
    "hour",
    "hours",
    "minute",
    "minutes",
    "second",
    "seconds",
    "decade",
    "decades",
    "century",
    "centuries",
    "night",
    "nights",
    "time",
    "times",
    "percent",
    "per",
    "pc",
    "bps",
    "am",
    "pm",
    "min",
    "mins",
    "hrs",
    "secs",
}
# Measures, heights and scores: numbers of these are not counts that sources report of an
# event ("19,350 feet", "eight stories" of a building, "20 points" in a poll or a game).
MEASURES = {
    "kilometres",
    "kilometers",
    "miles",
    "metres",
    "meters",
    "kms",
    "km",
    "feet",
    "foot",
    "inches",
    "yards",
    "pounds",
    "kilograms",
    "kilos",
    "tons",
    "tonnes",
    "acres",
    "hectares",
    "degrees",
    "stories",
    "storeys",
    "floors",
    "points",
    "goals",
    "runs",
    "games",
    "laps",
    "holes",
    "shots",
    "innings",
    "sets",
    "rounds",
    "percentage",
    "mph",
    "gallons",
    "barrels",
    "litres",
    "liters",
    "calories",
    "bytes",
}
# Modifiers skipped when looking for the counted noun: "six key districts", "1,037 Afghan
# government troops", "more than 300 Afghan military personnel" (seen in the seed articles).
_MODIFIERS = {
    "key",
    "other",
    "more",
    "additional",
    "new",
    "rural",
    "major",
    "main",
    "security",
    "military",
    "government",
    "armed",
    "national",
    "senior",
    "local",
    "foreign",
    "border",
    "force",
    "forces",
    "army",
    "police",
    "civilian",
    "unarmed",
    "young",
    "former",
    "small",
    "large",
    "remaining",
    "injured",
    "wounded",
    "killed",
    "dead",
    "fleeing",
    "displaced",
    "retreating",
    "elite",
    "special",
    "regular",
    "northern",
    "southern",
    "eastern",
    "western",
    "central",
    "provincial",
    "district",
    "frontier",
    "further",
    "extra",
    "afghan",
    "total",
    "top",
    "leading",
    "confirmed",
    "suspected",
    "probable",
    "reported",
    "recorded",
    "registered",
    "known",
}
# Status words that make two counts different things: "confirmed" vs "suspected" cases.
STATUS = {"confirmed", "suspected", "probable"}
_MILITARY_MODS = {"security", "military", "army", "force", "forces", "armed", "defence", "defense"}
# Words that name the same kind of counted thing; keys are what Quantity.unit holds.
UNIT_SYNONYMS = {
    "troops": {
        "troops",
        "troop",
        "soldiers",
        "soldier",
        "servicemen",
        "serviceman",
        "personnel",
        "servicemembers",
        "soldiery",
    },
    "people": {"people", "persons", "individuals"},
    "civilians": {"civilians", "civilian"},
    "refugees": {"refugees", "refugee", "asylum-seekers", "migrants"},
}
_UNIT_OF = {w: key for key, words in UNIT_SYNONYMS.items() for w in words}
_IRREGULAR_PLURALS = {
    "people",
    "personnel",
    "police",
    "staff",
    "children",
    "men",
    "women",
    "media",
    "data",
    "wounded",
    "dead",
    "killed",
    "injured",
    "missing",
}
_TOKEN = re.compile(r"[A-Za-z][\w’'-]*|\S")


def to_number(text: str) -> tuple[float, float | None] | None:
    """Numeric reading of a written figure -> (number, upper end of a range or None)."""
    parts = re.split(r"\s*(?:–|to|(?<=\d)-(?=\d))\s*", text.strip(), maxsplit=1)
    values = [_one_number(p) for p in parts]
    if any(v is None for v in values):
        return None
    if len(values) == 2:
        low, high = values[0], values[1]
        # "10 to 13,000" means 10,000 to 13,000: the low end shares the high end's scale.
        if low is not None and high is not None and low * 100 < high:
            scale = 1_000_000 if re.search(r"million|,\d{3},000$", parts[1]) else 1_000
            if re.search(r"thousand|million|,000$", parts[1]) and low * scale <= high:
                low *= scale
        # "2,500-3,500", "six to 12": a range; "5 to 2" is not.
        if low is None or high is None or high <= low:
            return None
        return low, high
    # (None, None) for a figure _one_number cannot read, as before: callers see number None.
    return values[0], None  # type: ignore[return-value]  # kept for unchanged output, see above


def _one_number(text: str) -> float | None:
    words = text.lower().split()
    if not words:
        return None
    scale = 1.0
    if len(words) > 1 and words[-1] in _SCALES:
        scale = float(_SCALES[words[-1]])
        words = words[:-1]
    if len(words) != 1:
        return None
    w = words[0]
    if re.fullmatch(r"[\d,]+(?:\.\d+)?", w):
        return float(w.replace(",", "")) * scale
    if w in _UNITS_WORDS:
        return _UNITS_WORDS[w] * scale
    if w in _TENS_WORDS:
        return _TENS_WORDS[w] * scale
    m = re.fullmatch(r"(\w+)-(\w+)", w)
    if m and m.group(1) in _TENS_WORDS and m.group(2) in _UNITS_WORDS:
        return (_TENS_WORDS[m.group(1)] + _UNITS_WORDS[m.group(2)]) * scale
    return None


def _is_calendar(text: str, start: int, end: int, figure: str) -> bool:
    """Dates, years, times, ages and money: numbers that are not counts of anything."""
    before, after = text[max(0, start - 30) : start], text[end : end + 20]
    if before.endswith(("$", "£", "€")) or re.search(r"(?:US|Rs|Rs\.|USD)\s*$", before):
        return True
    if _MONTH_BEFORE.search(before) or _MONTH_AFTER.match(after):
        return True
    if _TIME_AFTER.match(after) or _MONEY_AFTER.match(after) or re.match(r"^\s*%", after):
        return True
    plain = figure.replace(",", "")
    if re.fullmatch(r"(?:1[89]|20)\d\d", plain) and "," not in figure:
        return True  # a year
    if re.fullmatch(r"\d{1,3}", plain) and _AGE.search(before) and re.match(r"^\s*,", after):
        return True  # "Guo, 44, became"
    if _named(text[:start], figure):
        return True  # "Flight 103", "Channel Seven", "Apollo 11": a name, not a count
    return False


_LAST_WORD = re.compile(r"([A-Z][\w’'-]*)\.?\s+(?:No\.\s*)?$")
# Capitalised words before a figure that do not make it a name: days, months, qualifiers
# opening a sentence ("Nearly 20"), determiners.
_NOT_NAMES = {
    *(w.capitalize() for w in _MONTHS.split("|")),
    *("Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()),
    *("The A An About Some Nearly Almost Around Over More At Up As Only All Just".split()),
    *("Roughly Approximately Another Those These Its Their His Her Than Of And But".split()),
}


def _named(before: str, figure: str) -> bool:
    """A capitalised word right before the figure, not opening the sentence, makes it part of
    a name ("Flight 103", "Channel Seven"); so does a capitalised number word mid-sentence."""
    if figure[:1].isupper() and re.search(r"[A-Za-z]", before):
        return True
    m = _LAST_WORD.search(before)
    return bool(
        m and m.start() > 0 and m.group(1) not in _NOT_NAMES and not re.search(r"[’']s?$", m.group(1))
    )


# --- what is counted ---------------------------------------------------------------------


def _unit_after(text: str) -> tuple[str | None, str | None]:
    """The counted noun after a figure, normalised, and its capitalised modifiers.

    "1,037 Afghan servicemen" -> ("troops", "Afghan"); "50 of 370 districts" ->
    ("districts", None); "six key districts" -> ("districts", None).
    """
    tokens = _TOKEN.findall(text[:120])
    descriptor: list[str] = []
    mods: list[str] = []
    i = 0
    # "50 of 370 districts", "two of the sources": the unit of the whole named after "of".
    if tokens[:1] == ["of"]:
        i = 1
        while i < len(tokens) and (
            tokens[i].lower() in {"the", "its", "their", "all"}
            or re.fullmatch(r"[\d,]+", tokens[i])
            or re.search(r"[’']s$", tokens[i])
        ):
            i += 1
    for tok in tokens[i : i + 5]:
        low = tok.lower().rstrip("’'")
        if tok in {"’s", "'s"} or re.search(r"[’']s$", tok):
            continue  # "the world’s top investors": a possessive determiner
        if not re.match(r"[A-Za-z]", tok):
            return None, None
        if tok[0].isupper():
            descriptor.append(tok.rstrip("’'"))
            continue
        if low in _MODIFIERS:
            mods.append(low)
            if low in STATUS:
                descriptor.append(low)
            continue
        if low in STOP_WORDS or len(low) < 3:
            break
        return _normalise_unit(low, mods), " ".join(descriptor) or None
    # "1,000 Afghans": a capitalised plural is the counted thing itself.
    if descriptor and re.fullmatch(r"[A-Z][a-z]{2,}s", descriptor[-1]):
        return descriptor[-1].lower(), " ".join(descriptor[:-1]) or None
    if mods and mods[-1] in {"wounded", "killed", "dead", "injured", "police"}:
        return mods[-1], " ".join(descriptor) or None
    return None, None


def _normalise_unit(word: str, mods: list[str]) -> str | None:
    """The counted noun's key, or None when the word cannot be a plural noun.

    Only plural nouns count things: the old rule pluralised whatever followed the figure and
    named rows "feets", "louds" and "purchaseds"; a mis-decoded apostrophe ("yearsâs") is not
    a word either.
    """
    if not re.fullmatch(r"[a-z][a-z-]*[a-z]", word):
        return None
    if word in _UNIT_OF:
        return _UNIT_OF[word]
    if word in {"members", "member"} and _MILITARY_MODS & set(mods):
        return "troops"  # "Afghan security force members"
    if word in _IRREGULAR_PLURALS:
        return word
    if word.endswith("s") and not word.endswith(_NOT_PLURAL) and not word.endswith("ed"):
        return word
    return None


# Endings of words in -s that are not plurals ("across", "previous", "analysis", "bus").
_NOT_PLURAL = ("ss", "us", "is", "ous", "ics")


# --- who says so -------------------------------------------------------------------------

_VERBS = (
    r"(?:said|says|told|added|reported|reports|announced|stated|confirmed|claimed|"
    r"estimated|notes|noted|warned|warns)"
)
_ATTR_PATTERNS = [
    re.compile(r"\baccording to (?:a |an |the )?([^,.;“”\"]{2,80})", re.IGNORECASE),
    # "“...,” Mohib-ul Rahman, a provincial council member, told AP."
    re.compile(r"[”\"]\s*,?\s*([A-Z][^,“”\"]{1,60}?)(?:,\s[^,]{1,80},)?\s+" + _VERBS + r"\b"),
    # "..., the border guard service said." / "..., he said." (sentence-final speech tag)
    re.compile(r",\s*([^,“”\"]{2,90}?)\s+" + _VERBS + r"\b[^,“”\"]{0,60}$"),
    # "..., said Abdul Basir, a soldier" / "said analyst Atta Noori" / "said Dr. Ann Lee" /
    # "said U.S. officials"
    re.compile(
        r"\b(?:said|says|added)\s+((?:[a-z]+\s+)?(?:(?:Dr|Mr|Mrs|Ms|Gen|Sen|Rep|Gov|Prof|Lt|Col|Capt)\.\s+)?"
        r"(?:(?:[A-Z]\.){2,}|[A-Z][\w’'-]+)(?:\s+(?:(?:[A-Z]\.){2,}|[A-Z][\w’'-]+|officials|police))*)"
    ),
    # "Tajikistan’s national security committee said that 1,037 ..."
    re.compile(r"^([A-Z][^,“”\"]{2,80}?)\s+" + _VERBS + r"\b"),
]
_PRONOUNS = {"he", "she", "they", "it", "the official", "the statement"}


def attribution(sentence: str, previous: str | None = None) -> str | None:
    """Who the sentence attributes its content to, or None.

    A pronoun ("..., he said.") resolves to the attribution of the previous sentence, the
    common news pattern of a quote tag followed by a paraphrase.
    """
    s = sentence.strip()
    for pattern in _ATTR_PATTERNS:
        m = pattern.search(s)
        if not m:
            continue
        who = m.group(1).strip(" ,.;:")
        # "The attack comes as the UN special envoy ... warned": keep the speaker only.
        who = re.split(r"\s(?:as|when|while|after|that|because|and)\s", who)[-1]
        who = re.sub(r"^(?:the|a|an)\s+", "", who)
        who = _TIME_WORDS.sub("", who).strip(" ,")
        who = re.sub(r"^(?:the|a|an)\s+", "", who)
        if not who or len(who.split()) > 12:
            continue
        if who.lower() in _PRONOUNS:
            return attribution(previous) if previous else None
        if speaker(who):
            return who
    return None


# Time words around a speaker tag ("Last week he", "The UN meanwhile", "officials on Monday").
_TIME_WORDS = re.compile(
    r"\b(?:(?:last|this|next)\s+(?:week|month|year|night)|(?:on\s+)?(?:Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|Saturday|Sunday)|meanwhile|also|later|earlier|today|yesterday|tonight|"
    r"then|now|previously|separately|however)\b",
    re.IGNORECASE,
)
# Generic speakers a reader accepts as a source: "officials", "police", "the ministry".
_SPEAKER_NOUNS = re.compile(
    r"\b(?:officials?|police|authorities|spokes(?:man|woman|person)|ministry|minister|"
    r"government|agency|committee|service|army|military|witness(?:es)?|activists?|residents?|"
    r"sources?|statement|report|group|council|office|department|prosecutors?|investigators?|"
    r"doctors?|hospital|organi[sz]ation|commission|guard|forces|lawyers?|monitors?|observatory|"
    r"media|television|agency|analysts?|experts?|researchers?|company|firm|board|court|union)\b",
    re.IGNORECASE,
)
_NOT_SPEAKER = re.compile(
    r"\b(?:were|was|is|are|had|have|has|been|be|being|he|she|they|it|who|which|that)\b|\d",
    re.IGNORECASE,
)
_TITLES_ONLY = re.compile(r"^(?:Dr|Mr|Mrs|Ms|Gen|Sen|Rep|Gov|Prof|Lt|Col|Capt|St|U|[A-Z])\.?$")


def speaker(who: str) -> bool:
    """Whether ``who`` reads as a real speaker: a person, an organisation or a generic source
    ("officials"), never a weekday, a time phrase, a title alone ("Dr") or a clause fragment
    ("At least 144 people were")."""
    if _TITLES_ONLY.match(who) or _NOT_SPEAKER.search(who):
        return False
    words = who.split()
    if any(re.fullmatch(r"(?:[A-Z]\.){2,}|[A-Z][a-z’'-]{1,}|[A-Z]{2,}[a-z]?", w) for w in words):
        proper = [w for w in words if w[:1].isupper()]
        return not all(_TIME_WORDS.fullmatch(w) or w in _NOT_NAMES for w in proper)
    return bool(_SPEAKER_NOUNS.search(who))


# --- when --------------------------------------------------------------------------------

# "since May 1", "until Friday": the start or end of a period, not the day a figure held.
_BOUNDARY_WORD = re.compile(r"\b(?:since|from|until|till|before|after|by)\s+(?:the\s+)?$", re.IGNORECASE)


def sentence_date(sentence: str, dct: str | None) -> str | None:
    """ISO day that a sentence names, resolved against ``dct``; None if it names none.

    For one loose sentence; the sentences of an article have theirs in
    ``storyline.extract.analysis.day_of``.
    """
    for t in timex.find_timexes(sentence, dct):
        if t.type not in {"DATE", "TIME"} or _BOUNDARY_WORD.search(sentence[: t.start]):
            continue
        cal = timex.to_calendar(t.value)
        if cal and cal[1] == "day":
            return cal[0]
    return None


# --- the stage ---------------------------------------------------------------------------


def extract_quantities(article: Article) -> list[Quantity]:
    """Figures in the article with what they count, qualifier, attribution and date.

    >>> a = Article(id="a", text="More than 300 Afghan troops fled, officials said.")
    >>> q = extract_quantities(a)[0]
    >>> (q.value, q.qualifier, q.number, q.unit, q.attribution)
    ('more than 300', 'more than', 300.0, 'troops', 'officials')
    """
    analysis = analysis_of(article)
    if analysis.quantities is None:
        out: list[Quantity] = []
        previous: str | None = None
        for i, sent in enumerate(analysis.sentences):
            s = sent.text
            for m in _NUMBER.finditer(s):
                q = _quantity(article, s, m, previous, day_of(article, i))
                if q is not None:
                    q.start, q.end = sent.start + q.start, sent.start + q.end
                    out.append(q)
            previous = s
        analysis.quantities = out
    # Copies: a caller may change its quantities (compare sets dates), the analysis stays.
    return [dataclasses.replace(q) for q in analysis.quantities]


def _quantity(
    article: Article, s: str, m: re.Match[str], previous: str | None, sdate: str | None
) -> Quantity | None:
    start, end = m.start(), m.end()
    before = s[:start]
    if m.group("vague"):
        figure = m.group("vague").lower()
        number, high, qualifier = float(VAGUE[figure]), None, figure
        written = m.group("vague")
        after = s[end:]  # "hundreds of Afghan troops": the unit follows "of"
    else:
        written = m.group("num") or m.group("word")
        if _is_calendar(s, start, end, written):
            return None
        if m.group("word") and re.search(
            r"\b(?:the|these|those|its|their|both|all)\s+$", before, re.IGNORECASE
        ):
            return None  # "the two sides": a reference, not a reported figure
        reading = to_number(written)
        if reading is None:
            return None
        number, high = reading
        qm = _QUALIFIER.search(before)
        if qm and qm.group(1).lower() == "over" and _PARTICLE_VERB.search(before[: qm.start(1)]):
            qm = None  # "took over six districts": a phrasal verb, not a qualifier
        qualifier = qm.group(1).lower() if qm else None
        if qm:
            start = qm.start(1)  # the value as written includes its qualifier
        after = s[end:]
    unit, descriptor = _unit_after(after)
    if unit is None or unit in DURATIONS:
        return None
    inc = _INCREMENT.match(after)
    if inc and not (qualifier and inc.group(1).lower() == "other"):
        # "12 more people", "two other men": an increment or a second group, not the count.
        # "more than 130 other servicemen" (beside the wounded and killed) is an estimate
        # of the whole group that crossed, and is kept.
        return None
    if re.search(r"\b(?:one|each|every)\s+$", before, re.IGNORECASE):
        return None
    value = written if m.group("vague") else s[start:end]
    if qualifier and not m.group("vague"):
        value = value[0].lower() + value[1:]  # "More than 300" opening a sentence
    return Quantity(
        article_id=article.id,
        sentence=s,
        value=value,
        number=number,
        qualifier=qualifier,
        unit=unit,
        attribution=attribution(s, previous),
        date=sdate or article.published,
        reported=article.published,
        high=high,
        descriptor=descriptor,
        start=start,
        end=end,
    )
