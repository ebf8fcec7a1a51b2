"""The speed rewrites of ``storyline.extract.entities`` give the answers of the plain forms
they replace: the name-list pattern written to open with a capital (same spans as the
pattern it replaces), and the context cues searched only when the text before a mention
ends in a word a cue pattern can end on. Real text comes from ../shared at test time."""

from __future__ import annotations

import gzip
import json
import random
import re
from pathlib import Path

from storyline.extract.entities import (
    _LIST_BEFORE_NOUN,
    _NAME,
    _PERSON_BEFORE,
    _PLACE_AFTER,
    _PLACE_BEFORE,
    _context_cue,
    _place_lists,
)

# The list pattern as it was written before (group 1 is the list).
_PLAIN_LIST_BEFORE = re.compile(
    r"((?:" + _NAME + r",\s+)+" + _NAME + r",?\s+(?:and|or)\s+" + _NAME + r")\s+(?:provinces|districts|cities"
    r"|towns|villages|countries|regions|in " + _NAME + r" (?:province|district|region))\b"
)


def test_name_lists_keep_their_spans() -> None:
    rng = random.Random(2)
    names = ["Kabul", "Herat", "Balkh Town", "Yangi Qala", "Foo-Bar", "O'Neil", "Takhar’s", "A", "X Y Z"]
    seps, ands = [", ", ",  ", ",\n", " , ", ","], [" and ", ", and ", " or ", ",  or\n", " and"]
    tails = [" provinces", "  cities", " in Faryab province", " in Kunduz Herat district", " regions", ""]
    noise = ["", "The ", "in ", "x, ", "Kabul ", ", "]
    found = 0
    for _ in range(20000):
        parts = []
        for _ in range(rng.randint(1, 3)):
            seq = rng.choice(noise) + rng.choice(names)
            for _ in range(rng.randint(0, 3)):
                seq += rng.choice(seps) + rng.choice(names)
            parts.append(seq + rng.choice(ands) + rng.choice(names) + rng.choice(tails))
        text = rng.choice(noise).join(parts)
        plain = [m.span(1) for m in _PLAIN_LIST_BEFORE.finditer(text)]
        found += bool(plain)
        assert [m.span() for m in _LIST_BEFORE_NOUN.finditer(text)] == plain, text
    assert found > 1000


def _plain_cue(text: str, start: int, end: int, lists: list[tuple[int, int]]) -> str | None:
    before = text[max(0, start - 40) : start]
    if _PERSON_BEFORE.search(before):
        return "PERSON"
    if _PLACE_BEFORE.search(before) or _PLACE_AFTER.match(text[end : end + 20]):
        return "PLACE"
    return "PLACE" if any(lo <= start and end <= hi for lo, hi in lists) else None


def test_context_cues_match_the_plain_search(data_dir: Path) -> None:
    cues = []
    for path in sorted((data_dir / "tls_t17").glob("*/articles.jsonl.gz"))[:3]:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for row in map(json.loads, fh):
                text = row["text"] or ""
                lists = _place_lists(text)
                for m in re.finditer(r"[A-Z][a-z]+", text):
                    cue = _context_cue(text, m.start(), m.end(), lists)
                    assert cue == _plain_cue(text, m.start(), m.end(), lists), text[m.start() - 40 : m.end()]
                    cues.append(cue)
    assert cues.count("PERSON") > 100 and cues.count("PLACE") > 100
    for before in ("said Mr. ", "captured the  ", "fled into ", "a man named ", "PRESİDENT "):
        text = before + "Kabul"
        assert _context_cue(text, len(before), len(text), []) == _plain_cue(text, len(before), len(text), [])
