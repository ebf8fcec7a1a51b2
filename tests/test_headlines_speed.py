"""The speed guards of ``storyline.headlines`` give the answers of the plain calls they skip:
``_furniture`` / ``_caption`` (a pattern searched only when a literal its branches need is
in the text) and ``_fix_text`` (ftfy skipped on printable ASCII without "&"). Real text
comes from ../shared at test time (CleanEval pages with their furniture, T17 leads)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import ftfy

from storyline.headlines import _CAPTION, _FURNITURE, _caption, _fix_text, _furniture
from storyline.text import split_sentences


def _texts(data_dir: Path) -> list[str]:
    texts: list[str] = []
    with gzip.open(data_dir / "boilerplate" / "cleaneval_dev_text.jsonl.gz", "rt", encoding="utf-8") as fh:
        for row in fh:
            texts += json.loads(row)["raw_text"].splitlines()
    for path in sorted((data_dir / "tls_t17").glob("*/articles.jsonl.gz"))[:4]:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for row in map(json.loads, fh):
                texts.append(row["title"] or "")
                texts += [s.text for s in split_sentences((row["text"] or "")[:1500])[:3]]
    return texts


def test_guards_give_the_plain_search(data_dir: Path) -> None:
    texts = _texts(data_dir)
    furniture = [_FURNITURE.search(t) is not None for t in texts]
    caption = [_CAPTION.search(t) is not None for t in texts]
    assert sum(furniture) > 100 and sum(caption) > 100  # both patterns fire in the sample
    assert [_furniture(t) for t in texts] == furniture
    assert [_caption(t) for t in texts] == caption


def test_guards_fold_case_and_dates_as_the_patterns_do() -> None:
    for text in ("Pleaſe ſign up", "PHOTO: a flood", "Dam holds, Jan. 12, 2010.", "Home", "İmage: AP"):
        assert _furniture(text) == (_FURNITURE.search(text) is not None)
        assert _caption(text) == (_CAPTION.search(text) is not None)
    assert _caption("Flood waters rise on May 5") and not _caption("Flood waters rise in May")


def test_ascii_skip_is_what_ftfy_returns(data_dir: Path) -> None:
    texts = [t for t in _texts(data_dir) if t.isascii()][:5000]
    assert all(_fix_text(t) == ftfy.fix_text(t) for t in texts)
    # Not skipped: what ftfy changes in ASCII (an entity, a control character) and mojibake.
    for text in ("Fish &amp; chips", "bell\x07", "Anaâ€™s plan"):
        assert _fix_text(text) == ftfy.fix_text(text) != text
