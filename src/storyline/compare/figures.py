"""Figures of several sources grouped by the thing they count, and the rows' subjects.

Quantities of ``storyline.extract.claims`` that count the same thing are grouped: same unit,
compatible descriptors ("Afghan" troops are not "US" troops), no clashing places, and similar
sentence context (tf-idf cosine over content words, with event verbs mapped to a class,
"fled"/"crossed" -> cross, and spelling variants of names folded, "Badakshan" ->
"Badakhshan").
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

from rapidfuzz import fuzz

from storyline.compare.options import CompareOptions
from storyline.compare.verdict import VAGUE_RANGE, anchor_days, explain, interval
from storyline.extract.analysis import sentences_of
from storyline.extract.claims import STATUS
from storyline.model import Article, ClaimValue, Comparison, Quantity
from storyline.text import MONTHS, STOP_WORDS, WEEKDAYS

# Event words mapped to one class, so "fled across the border" meets "crossed the border".
_EVENTS = {
    "cross": {
        "fled",
        "flee",
        "flees",
        "fleeing",
        "crossed",
        "cross",
        "crosses",
        "crossing",
        "crossings",
        "escaped",
        "escape",
        "escaping",
        "retreated",
        "entered",
        "exodus",
        "enter",
        "fled.",
    },
    "fall": {
        "fell",
        "fallen",
        "fall",
        "falls",
        "captured",
        "capture",
        "seized",
        "seize",
        "overran",
        "overrun",
        "lost",
        "captures",
    },  # "took over" -> "captured" first
    "withdraw": {
        "withdrawal",
        "withdraw",
        "withdrawing",
        "withdrew",
        "evacuation",
        "departure",
        "leave",
        "leaving",
        "pull",
        "pulled",
    },
    "killed": {"killed", "dead", "died", "deaths", "death", "kill"},
    "wounded": {"wounded", "injured", "injuries"},
    "arrest": {"arrested", "detained", "arrests", "detention"},
}
_EVENT_OF = {w: k for k, ws in _EVENTS.items() for w in ws}
_EVENT_PHRASE = {
    "cross": "who crossed the border",
    "fall": "that fell",
    "withdraw": "withdrawn",
    "killed": "killed",
    "wounded": "wounded",
    "arrest": "arrested",
}
# Number words: never a feature (a token starts with a letter, so no digits either).
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty "
    "fifty hundred hundreds thousand thousands million millions dozen dozens".split()
)
_TOKEN = re.compile(r"[A-Za-z][\w’'-]*")
# A place: a run of capitalised words after a preposition, whole ("Pan Am", never "Pan"),
# and not a name with a number ("Flight 103") or a possessive ("Tajikistan's").
_NAME_RUN = r"([A-Z][\w-]++(?:\s+[A-Z][\w-]++)*+)(?![’']s|\s*\d)"
_PLACE_AFTER = re.compile(r"\b(?:into|in|to|across|of|from)\s+(?:the\s+)?(?:[a-z]+\s+)?" + _NAME_RUN)
_WHERE = re.compile(r"\b(?:into|in|across|of|from|at|near)\s+(?:the\s+)?(?:[a-z]+\s+)?" + _NAME_RUN)
# Capitalised words after "in" that are times, not places ("into September", "in March").
_NOT_PLACES = frozenset(WEEKDAYS) | frozenset(MONTHS) | {"may"}


def _place_key(name: str, fold: dict[str, str]) -> str | None:
    """The folded key of a place name, or None when the words name a time."""
    words = name.split()
    if words[0].lower() in _NOT_PLACES:
        return None
    return " ".join(fold.get(_strip(w), _strip(w)) for w in words)


# --- grouping ----------------------------------------------------------------------------


@dataclass
class StoryWords:
    """What the figure rows and the date rows of one story both read from its articles,
    whatever the spelling fold: the feature words of each sentence (``_terms``), how many
    sentences hold each, the capitalised tokens of the texts, and the features and idf of
    the words with no spelling folded (``_idf`` changes only what a fold changes). Made
    once per story (``story_words``) and passed to both (each made it again, with every
    word of every sentence mapped to its feature: half of the stage's time)."""

    sentences: list[set[str]]
    counts: Counter[str]
    capitalised: Counter[str]
    feature_of: dict[str, str]
    sources: dict[str, list[str]]  # feature -> its words
    idf: dict[str, float]


def story_words(articles: list[Article]) -> StoryWords:
    """The ``StoryWords`` of a story's articles."""
    sentences = [set(_terms(s.text)) for a in articles for s in sentences_of(a)]
    capitalised: Counter[str] = Counter()
    for a in articles:
        capitalised.update(_capitalised(a.text or ""))
    counts = Counter(chain.from_iterable(sentences))
    feature_of = {low: _feature(low, {}) for low in counts}
    sources: dict[str, list[str]] = defaultdict(list)
    for low, feat in feature_of.items():
        sources[feat].append(low)
    df = _sentence_counts(sentences, counts, sources)
    n = len(sentences)
    idf = {t: _idf_value(n, c) for t, c in df.items()} | {"": _idf_value(n, 0)}
    return StoryWords(sentences, counts, capitalised, feature_of, dict(sources), idf)


def _idf_value(n: int, count: int) -> float:
    """Smoothed idf of a feature ``count`` of ``n`` sentences hold (sklearn's formula)."""
    return math.log((1 + n) / (1 + count)) + 1


def _sentence_counts(
    sentences: list[set[str]], counts: Counter[str], sources: dict[str, list[str]]
) -> dict[str, int]:
    """How many sentences hold a word of each feature (``sources``: feature -> its words).

    A feature of one word has that word's count; only for features of several words
    (spellings folded together, words of one event class, singular and plural) are the
    sentences holding any of them counted: the same counts as mapping every word of every
    sentence to its feature, without doing so."""
    df: dict[str, int] = {}
    shared: dict[str, str] = {}
    for feat, lows in sources.items():
        if len(lows) == 1:
            df[feat] = counts[lows[0]]
        else:
            df[feat] = 0
            shared.update(dict.fromkeys(lows, feat))
    if shared:
        keys = frozenset(shared)
        for terms in sentences:
            hit = terms & keys
            if hit:
                for feat in {shared[low] for low in hit}:
                    df[feat] += 1
    return df


def _name_folder(
    articles: list[Article], qs: list[Quantity], ratio: float, words: StoryWords | None = None
) -> dict[str, str]:
    """Map each capitalised token to the most frequent spelling it is a variant of."""
    counts = (words or story_words(articles)).capitalised.copy()
    for q in qs:
        counts.update(_capitalised(q.sentence))
    fold: dict[str, str] = {}
    # The heads a token can match, by (first letter, length), each list in the order the
    # heads were made: only heads within two characters can match, and the earliest
    # matching head wins, as in a scan of all heads (which made this quadratic: 2,000 heads
    # in a big story). A new head joins the lists of the five lengths it can match, so a
    # token reads one list, already in order.
    near: dict[tuple[str, int], list[str]] = defaultdict(list)
    for tok, _ in counts.most_common():
        low = _strip(tok)
        if low in fold:
            continue
        for head in near.get((low[0], len(low)), ()):
            if fuzz.ratio(head, low) >= ratio:
                fold[low] = head
                break
        else:
            fold[low] = low
            for d in range(-2, 3):
                near[(low[0], len(low) + d)].append(low)
    return fold


# Cached by text: a story's articles are read again each time one of its articles changes,
# and twice per analysis (figure rows and date rows). 4,096 articles of a few hundred
# capitalised words each stay well under 100 MB.
@lru_cache(maxsize=1 << 12)
def _capitalised(text: str) -> tuple[str, ...]:
    """The tokens of a text that start with a capital, longer than three characters, in order."""
    return tuple(t for t in _TOKEN.findall(text) if t[0].isupper() and len(t) > 3)


@lru_cache(maxsize=1 << 16)
def _strip(token: str) -> str:
    return re.sub(r"[’']s$", "", token).lower()


_TAKE_OVER = re.compile(r"\b(?:took|take|takes|taken|taking)\s+(?:over|control)\b", re.IGNORECASE)


# Cached by text (a sentence's words are read by ``_idf`` of figure rows and of date rows,
# and again when one of the story's articles changes). An entry is a tuple of a sentence's
# words, a few hundred bytes: 65,536 sentences stay under 50 MB.
@lru_cache(maxsize=1 << 16)
def _terms(text: str) -> tuple[str, ...]:
    """The words of a text that can be features, lowercased, in order, before spellings are
    folded or event words mapped to their class (both depend on the story)."""
    folded = text.lower()
    if "tak" in folded or "took" in folded:  # what ``_TAKE_OVER`` needs, cheaper to look for
        text = _TAKE_OVER.sub("captured", text)
    tokens = _TOKEN.findall(text)
    if "'s" in text or "’s" in text:
        tokens = [t[:-2] if t[-2:] in _POSSESSIVE else t for t in tokens]  # as ``_strip``
    return tuple([low for low in map(str.lower, tokens) if len(low) > 2 and low not in _NOT_TERMS])


_POSSESSIVE = ("'s", "’s")
_NOT_TERMS = STOP_WORDS | _NUMBER_WORDS


def _feature(low: str, fold: dict[str, str]) -> str:
    """The feature of one word of ``_terms``: its event class, else its folded spelling
    without a plural "s"."""
    event = _EVENT_OF.get(low)
    if event is not None:
        return "event:" + event
    low = fold.get(low, low)
    return low[:-1] if low.endswith("s") and len(low) > 4 else low


def _features(sentence: str, fold: dict[str, str], skip: set[str] | frozenset[str]) -> list[str]:
    return [_feature(low, fold) for low in _terms(sentence) if low not in skip]


def _idf(articles: list[Article], fold: dict[str, str], words: StoryWords | None = None) -> dict[str, float]:
    """Inverse sentence frequency of each feature over the story's sentences, spellings
    folded by ``fold``: the unfolded idf of ``words``, the features a fold changes counted
    again. The result may be ``words.idf`` itself: read it, never change it."""
    words = words or story_words(articles)
    moved: dict[str, str] = {}
    for low, head in fold.items():
        if head != low and low in words.feature_of:
            feat = _feature(low, fold)
            if feat != words.feature_of[low]:
                moved[low] = feat
    if not moved:
        return words.idf
    touched = {words.feature_of[low] for low in moved} | set(moved.values())
    sources = {f: [low for low in words.sources.get(f, ()) if low not in moved] for f in touched}
    for low, feat in moved.items():
        sources[feat].append(low)
    df = _sentence_counts(words.sentences, words.counts, {f: ws for f, ws in sources.items() if ws})
    n = len(words.sentences)
    idf = dict(words.idf)
    for feat in touched:
        if feat in df:
            idf[feat] = _idf_value(n, df[feat])
        else:
            idf.pop(feat, None)
    return idf


def _window(q: Quantity, size: int) -> str:
    """The words around the figure: a long sentence often states two things ("troops fled
    ... with the fall of 10 districts"), and the figure belongs to the nearer one."""
    pos = q.sentence.lower().find(q.value.lower())
    if pos < 0 or size <= 0:
        return q.sentence
    before = q.sentence[:pos].split()[-size:]
    after = q.sentence[pos:].split()[: size + 1]
    return " ".join(before + after)


def _vector(q: Quantity, fold: dict[str, str], idf: dict[str, float], window: int = 0) -> dict[str, float]:
    skip = {q.unit, *(q.qualifier or "").split()}
    feats = set(_features(_window(q, window), fold, skip))
    if q.descriptor:
        feats.add("desc:" + q.descriptor.lower())
    vec = {t: idf.get(t, idf[""]) for t in feats}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _descriptors_clash(a: Quantity, b: Quantity) -> bool:
    """ "Afghan troops" vs "US troops", "confirmed" vs "suspected" cases: different things."""
    if not a.descriptor or not b.descriptor:
        return False
    wa, wb = a.descriptor.split(), b.descriptor.split()
    sa, sb = {w for w in wa if w in STATUS}, {w for w in wb if w in STATUS}
    na, nb = {w.lower() for w in wa if w not in STATUS}, {w.lower() for w in wb if w not in STATUS}
    return bool((sa and sb and sa != sb) or (na and nb and not na & nb))


def _where(q: Quantity, fold: dict[str, str], window: int) -> set[str]:
    """Places named after a preposition in the words following the figure ("cases in
    Mexico", "fled into Tajikistan"); what precedes it is too often another clause."""
    pos = q.sentence.lower().find(q.value.lower())
    if pos < 0:
        return set()
    after = " ".join(q.sentence[pos + len(q.value) :].split()[: window or None])
    found = {_place_key(m.group(1), fold) for m in _WHERE.finditer(after)}
    return {k for k in found if k}


def _places_clash(a: set[str], b: set[str]) -> bool:
    """Both figures say where and no place matches ("Tajik" matches "Tajikistan")."""
    if not a or not b:
        return False
    return not any(
        x == y or (min(len(x), len(y)) >= 4 and (x.startswith(y) or y.startswith(x))) for x in a for y in b
    )


def _lone(qs: list[Quantity]) -> list[bool]:
    """Whether the figure's article gives only this one number of its unit: then a figure
    of the same unit in another article of the story most likely counts the same thing."""
    numbers: dict[tuple[str, str], set[float]] = defaultdict(set)
    for q in qs:
        numbers[(q.article_id, q.unit)].add(q.number)
    return [len(numbers[(q.article_id, q.unit)]) == 1 for q in qs]


def _similarity(i: int, j: int, ctx: _Context, opts: CompareOptions, lone: bool = True) -> float:
    """Context cosine, plus bonuses across articles for naming the same event class near the
    figure ("killed") and (``lone``) for being each article's only figure of the unit; vague
    plurals get none ("dozens of districts" is as often the whole country as this province)."""
    sim = _cosine(ctx.vectors[i], ctx.vectors[j])
    a, b = ctx.qs[i], ctx.qs[j]
    vague = (a.qualifier or "") in VAGUE_RANGE or (b.qualifier or "") in VAGUE_RANGE
    if a.article_id != b.article_id and not vague:  # "dozens of districts": anywhere
        if ctx.events[i] & ctx.events[j]:
            sim += opts.event_bonus
        if lone and ctx.lone[i] and ctx.lone[j]:
            sim += opts.lone_bonus
    return min(sim, 1.0)


@dataclass
class _Context:
    qs: list[Quantity]
    vectors: list[dict[str, float]]
    wheres: list[set[str]]
    events: list[set[str]]
    lone: list[bool]
    # The names (folded) and the other numbers of each figure's sentence: across outlets the
    # same figure is told in other words but beside the same names ("Goodlatte ... 13
    # terms") and the same other figures ("26 points, 13 assists and 11 rebounds").
    names: list[set[str]] = field(default_factory=list)
    numbers: list[set[str]] = field(default_factory=list)


# Count nouns so common that two articles' only figures of them often count different things
# ("seven children enrolled" / "ten children"); a rarer noun ("beagles", "assists") is one thing.
_GENERIC_UNITS = frozenset(
    "people others members children men women times things ways cases students officers "
    "officials workers residents employees users families friends percent parts pieces "
    "items days years months weeks hours".split()
)
_OTHER_NUMBER = re.compile(r"(?<![\w.])\d[\d,.-]*\d|(?<![\w.,])\d(?![\w])")


def _names_of(q: Quantity, fold: dict[str, str]) -> set[str]:
    """Capitalised words of the sentence after its first word, folded; not times."""
    out = set()
    for m in _TOKEN.finditer(q.sentence):
        tok = m.group(0)
        if m.start() == 0 or not tok[0].isupper() or len(tok) < 3:
            continue
        low = _strip(tok)
        if low in _NOT_PLACES or low in STOP_WORDS:
            continue
        out.add(fold.get(low, low))
    return out


def _numbers_of(q: Quantity) -> set[str]:
    """The sentence's numbers other than the figure itself ("26", "11", "14-17")."""
    own = set(re.findall(r"\d[\d,.]*", q.value))
    return {m.group(0).rstrip(".,") for m in _OTHER_NUMBER.finditer(q.sentence)} - own - {""}


def _group(ctx: _Context, opts: CompareOptions) -> list[list[int]]:
    """Greedy average-link groups over same-unit pairs, strongest links first.

    A pair links when its similarity reaches ``min_similarity`` and the two groups it joins
    are, on average over all their cross pairs, at least ``min_group_similarity`` alike
    (single link alone chains a month of flu figures into one group). Figures whose owners
    ("Afghan" / "US" troops), status ("confirmed" / "suspected") or place ("cases in Mexico"
    / "in the UK") differ never link. Two figures one
    article gives for the same day that cannot both hold ("six" and "1" cases; "more than
    50 of the country's 370 districts") never share a group: an article does not contradict
    itself, so they count different things.
    """
    qs, wheres = ctx.qs, ctx.wheres
    by_unit: dict[str, list[int]] = {}
    for i, q in enumerate(qs):
        by_unit.setdefault(q.unit, []).append(i)
    # link[a][b]: the sum of the similarities between the members of groups a and b (only
    # non-zero sums are kept). Merging two groups adds their rows, so the average-link test
    # reads one number instead of summing all cross pairs again: that sum made the step
    # cubic (a 1,460-article story: 4.5 million additions for 22k candidate links).
    link: dict[int, dict[int, float]] = defaultdict(dict)
    pairs: list[tuple[float, int, int]] = []
    for idx in by_unit.values():
        for x, i in enumerate(idx):
            for j in idx[x + 1 :]:
                a, b = qs[i], qs[j]
                if _descriptors_clash(a, b) or _places_clash(wheres[i], wheres[j]):
                    sim = 0.0
                elif a.article_id == b.article_id and a.number == b.number and a.qualifier == b.qualifier:
                    sim = 1.0  # the same figure twice in one article: the same claim
                else:
                    sim = _similarity(i, j, ctx, opts)
                if sim:
                    link[i][j] = link[j][i] = sim
                if sim >= opts.min_similarity and (a.article_id != b.article_id or sim == 1.0):
                    pairs.append((sim, i, j))
    pairs.sort(key=lambda p: -p[0])
    intervals = [interval(q, opts) for q in qs]
    members = {i: [i] for i in range(len(qs))}
    root = list(range(len(qs)))
    for _, i, j in pairs:
        ri, rj = root[i], root[j]
        if ri == rj:
            continue
        left, right = members[ri], members[rj]
        if _cannot_link(qs, intervals, left, right):
            continue
        total = link[ri].get(rj, 0.0)
        if total / (len(left) * len(right)) < opts.min_group_similarity:
            continue
        for k in right:
            root[k] = ri
        members[ri].extend(members.pop(rj))
        _merge_links(link, ri, rj)
    return list(members.values())


def _merge_links(link: dict[int, dict[int, float]], into: int, gone: int) -> None:
    """Group ``gone`` joined group ``into``: its link sums are added to ``into``'s."""
    row = link.pop(gone, {})
    row.pop(into, None)
    mine = link[into]
    mine.pop(gone, None)
    for other, value in row.items():
        total = mine.get(other, 0.0) + value
        mine[other] = total
        theirs = link[other]
        theirs.pop(gone, None)
        theirs[into] = total


def _cannot_link(
    qs: list[Quantity], intervals: list[tuple[float, float]], a: list[int], b: list[int]
) -> bool:
    for i in a:
        for j in b:
            p, q = qs[i], qs[j]
            if p.article_id != q.article_id or p.date != q.date:
                continue
            if (p.qualifier or "") in VAGUE_RANGE or (q.qualifier or "") in VAGUE_RANGE:
                continue  # "hundreds fled" beside "1,037 fled" is rounding, not two counts
            if p.sentence == q.sentence and p.value != q.value:
                return True
            (lo1, hi1), (lo2, hi2) = intervals[i], intervals[j]
            if max(lo1, lo2) > min(hi1, hi2):
                return True
    return False


def _values(group: list[Quantity]) -> tuple[list[ClaimValue], list[str | None]]:
    # One ClaimValue per (value, sentence); the same sentence in two articles cites both.
    merged: dict[tuple[str, str], tuple[ClaimValue, str | None]] = {}
    for q in sorted(group, key=lambda q: (q.date or "9999", q.reported or "", q.article_id, q.start)):
        key = (q.value.lower(), re.sub(r"\W+", " ", q.sentence.lower()).strip())
        if key in merged:
            if q.article_id not in merged[key][0].sources:
                merged[key][0].sources.append(q.article_id)
            continue
        merged[key] = (
            ClaimValue(
                value=q.value,
                number=q.number,
                qualifier=q.qualifier,
                sentence=q.sentence,
                sources=[q.article_id],
                date=q.date,
                attribution=q.attribution,
            ),
            q.reported,
        )
    return [v for v, _ in merged.values()], [r for _, r in merged.values()]


def _subject(group: list[Quantity], fold: dict[str, str], window: int = 12) -> str:
    """A short description: "Afghan troops who crossed the border into Tajikistan"."""
    desc = Counter(q.descriptor for q in group if q.descriptor).most_common(1)
    unit = group[0].unit
    events: Counter[str] = Counter()
    places: Counter[str] = Counter()
    display: dict[str, str] = {}
    for q in group:
        # The words around the figure only: a long sentence names other events and places
        # ("12 killed in Yemen ... as 84 died in Libya").
        near = _window(q, window)
        words = re.findall(r"[a-z]+", _TAKE_OVER.sub("captured", near).lower())
        # In order of first mention, not a set's order: that changes with the process's
        # string hashing and broke ties ("killed" / "wounded") differently from run to run.
        events.update(list(dict.fromkeys(_EVENT_OF[w] for w in words if w in _EVENT_OF)))
        for m in _PLACE_AFTER.finditer(near):
            key = _place_key(m.group(1), fold)
            if key is None or (desc and key == desc[0][0].lower()):
                continue
            places[key] += 1
            display.setdefault(key, m.group(1))
    parts = [desc[0][0]] if desc else []
    parts.append(unit)
    event = events.most_common(1)[0][0] if events else None
    # Only an event most of the figures' sentences name, and not when the unit is one.
    if event and events[event] * 2 >= len(group) and unit not in _EVENT_OF:
        parts.append(_EVENT_PHRASE[event])
    else:
        event = None
    if places:
        key, n = places.most_common(1)[0]
        if n >= 2:
            display_name = _display(key, fold, display)
            parts.append(("into " if event == "cross" else "in ") + display_name)
    return " ".join(parts)


def _display(key: str, fold: dict[str, str], seen: dict[str, str]) -> str:
    name = seen.get(key, key)
    if name.lower() != key:
        return " ".join(w.capitalize() for w in key.split())
    return name


# --- rows ----------------------------------------------------------------------------------


def figure_rows(
    articles: list[Article], qs: list[Quantity], opts: CompareOptions, words: StoryWords | None = None
) -> list[Comparison]:
    """One row per counted thing that at least two articles give, with verdict and confidence.
    ``words``: the articles' ``story_words``, when the caller has them."""
    if not qs:
        return []
    words = words or story_words(articles)
    fold = _name_folder(articles, qs, opts.name_fold_ratio, words)
    idf = _idf(articles, fold, words)
    ctx = _Context(
        qs,
        [_vector(q, fold, idf, opts.window) for q in qs],
        [_where(q, fold, opts.window) for q in qs],
        [_events_near(q, opts.window) for q in qs],
        _lone(qs),
        [_names_of(q, fold) for q in qs],
        [_numbers_of(q) for q in qs],
    )
    groups = _merge_same(ctx, _group(ctx, opts), opts)
    found = []
    for members in groups:
        group = [qs[i] for i in members]
        if len({q.article_id for q in group}) < 2:
            continue
        values, reps = _values(group)
        # One sentence copied by several outlets (a wire story) is one statement, not a
        # comparison; the report schema wants at least two values.
        if len(values) >= 2:
            found.append((members, values, reps))
    anchors = anchor_days([(values, reps) for _, values, reps in found], opts)
    out: list[Comparison] = []
    for members, values, reps in found:
        verdict, reason = explain(values, opts, reps, anchors)
        group = [qs[i] for i in members]
        conf = _confidence(verdict, members, ctx, opts)
        out.append(
            Comparison(
                subject=_subject(group, fold, opts.window),
                label=verdict,
                values=values,
                reason=reason,
                confidence=round(conf, 3),
            )
        )
    return out


def _events_near(q: Quantity, window: int) -> set[str]:
    words = re.findall(r"[a-z]+", _TAKE_OVER.sub("captured", _window(q, window)).lower())
    return {_EVENT_OF[w] for w in words if w in _EVENT_OF}


def _merge_same(ctx: _Context, groups: list[list[int]], opts: CompareOptions) -> list[list[int]]:
    """One row per thing: groups of one unit that share an exact figure ("11 counts" in five
    articles' different sentences), name the same event near it and no clashing place, are
    one group, unless an article would then contradict itself."""
    qs, wheres = ctx.qs, ctx.wheres
    intervals = [interval(q, opts) for q in qs]
    keys = []
    for g in groups:
        exact = {qs[i].number for i in g if qs[i].qualifier is None and qs[i].high is None}
        events = set().union(*(ctx.events[i] for i in g))
        places = set().union(*(wheres[i] for i in g))
        keys.append((qs[g[0]].unit, exact, events, places))
    merged: list[list[int]] = []
    info: list[tuple[str, set[float], set[str], set[str]]] = []
    for g, (unit, exact, events, places) in zip(groups, keys, strict=True):
        for k, (u2, ex2, ev2, pl2) in enumerate(info):
            if (
                unit == u2
                and exact & ex2
                and events == ev2
                and not _places_clash(places, pl2)
                and not _cannot_link(qs, intervals, merged[k], g)
            ):
                merged[k] = merged[k] + g
                info[k] = (u2, ex2 | exact, ev2, pl2 | places)
                break
        else:
            merged.append(list(g))
            info.append((unit, set(exact), set(events), set(places)))
    return merged


def _confidence(verdict: str, members: list[int], ctx: _Context, opts: CompareOptions) -> float:
    """How sure the verdict is, 0-1: how alike the sentences of the values that decide it are.

    For a conflict or a change, the deciding pairs are figures of two articles whose
    intervals do not meet; for agreement, every cross-article pair. A pair scores its
    context cosine, discounted when the figures do not name the same event near them (x0.6),
    when their places are not both named and equal (x0.8), and when either is a vague
    plural (x0.5): "eight arrested in one case" vs "two in another" share words but no place.
    """
    qs, wheres = ctx.qs, ctx.wheres
    best = 0.0
    total, n = 0.0, 0
    for x, i in enumerate(members):
        for j in members[x + 1 :]:
            a, b = qs[i], qs[j]
            if a.article_id == b.article_id:
                continue
            (lo1, hi1), (lo2, hi2) = interval(a, opts), interval(b, opts)
            apart = max(lo1, lo2) > min(hi1, hi2)
            # Being the only figure of a unit in each article groups two figures, but says
            # nothing about whether they count the same thing ("seven children enrolled in
            # college" / "ten children"): a disagreement must rest on the words around it.
            sim = _similarity(i, j, ctx, opts, lone=not apart)
            if apart:
                sim += _shared_evidence(i, j, ctx, opts)
            score = min(1.0, sim / 0.8)
            ev_a, ev_b = ctx.events[i], ctx.events[j]
            if not (ev_a & ev_b) and (ev_a or ev_b):
                score *= 0.6
            if not (wheres[i] and wheres[j] and not _places_clash(wheres[i], wheres[j])):
                score *= 0.8
            if (a.qualifier or "") in VAGUE_RANGE or (b.qualifier or "") in VAGUE_RANGE:
                score *= 0.5
            if apart:
                best = max(best, score)
            total += score
            n += 1
    if verdict == "agree":
        return min(1.0, 0.5 + total / max(n, 1))
    return best


def _shared_evidence(i: int, j: int, ctx: _Context, opts: CompareOptions) -> float:
    """What makes two differing figures of one unit the same thing beyond their words: the
    names and the other figures their sentences share, and (``specific_lone_bonus``) being
    each article's only figure of a noun rarer than "people" ("71 beagles" / "213 beagles")."""
    a, b = ctx.qs[i], ctx.qs[j]
    if not ctx.names or a.article_id == b.article_id:
        return 0.0
    names = len(ctx.names[i] & ctx.names[j])
    numbers = len(ctx.numbers[i] & ctx.numbers[j])
    extra = opts.shared_name_weight * min(names, 3) + opts.shared_number_weight * min(numbers, 2)
    if ctx.lone[i] and ctx.lone[j] and a.unit not in _GENERIC_UNITS:
        extra += opts.specific_lone_bonus
    return extra


# Words of a date expression, left out when sentences are compared for date rows.
_DATE_WORDS = (
    frozenset(WEEKDAYS)
    | frozenset(MONTHS)
    | {
        "yesterday",
        "today",
        "tonight",
        "morning",
        "afternoon",
        "evening",
        "night",
        "early",
        "late",
    }
)


def sentence_vectorizer(
    articles: list[Article], opts: CompareOptions, words: StoryWords | None = None
) -> Callable[[str], tuple[dict[str, float], set[str], set[str]]]:
    """Features of a text for date rows: tf-idf weights (date words left out), the event
    classes it names and the names it holds. ``words``: the articles' ``story_words``."""
    words = words or story_words(articles)
    fold = _name_folder(articles, [], opts.name_fold_ratio, words)
    idf = _idf(articles, fold, words)

    def vectorize(sentence: str) -> tuple[dict[str, float], set[str], set[str]]:
        feats = set(_features(sentence, fold, _DATE_WORDS))
        vec = {t: idf.get(t, idf[""]) for t in feats}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        events = {t[6:] for t in feats if t.startswith("event:")}
        # Names (not the sentence's first word, not a time): "Mobb Deep", "Sanders".
        names = {
            fold.get(_strip(m.group(0)), _strip(m.group(0)))
            for m in _TOKEN.finditer(sentence)
            if m.start() > 0 and m.group(0)[0].isupper() and len(m.group(0)) > 2
        }
        names = {n for n in names if n not in _NOT_PLACES and n not in STOP_WORDS}
        return {t: v / norm for t, v in vec.items()}, events, names

    return vectorize
