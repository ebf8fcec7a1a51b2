"""Near-duplicate detection: copies linked to their original, distinct reports left alone."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.dedupe import DuplicateIndex, mark_duplicates
from storyline.model import Article


def _seeds(seeds: Path) -> list[Article]:
    return [Article(id=p.name[:3], text=p.read_text(), published=None) for p in sorted(seeds.iterdir())]


def test_seeds_are_not_duplicates_but_their_copies_are(seeds: Path) -> None:
    arts = _seeds(seeds)
    text = arts[2].text
    paras = text.split("\n\n")
    arts.append(Article(id="edited", text=text.replace("Monday", "Sunday") + "\n\nAn extra closing line."))
    arts.append(Article(id="cut", text="\n\n".join(paras[: int(len(paras) * 0.7)])))
    arts.append(Article(id="exact", text=text))
    mark_duplicates(arts)
    dup = {a.id: a.duplicate_of for a in arts}
    assert [dup[k] for k in ("000", "001", "002", "003", "004")] == [None] * 5
    assert dup["edited"] == "002" and dup["cut"] == "002" and dup["exact"] == "002"


def test_original_is_the_earliest_published() -> None:
    body = " ".join(f"word{i} sentence about the flood number {i}." for i in range(80))
    late = Article(id="a-late", text=body, published="2025-03-10")
    early = Article(id="z-early", text=body + " Extra.", published="2025-03-08")
    mark_duplicates([late, early])
    assert early.duplicate_of is None and late.duplicate_of == "z-early"


def test_chains_point_at_the_root() -> None:
    base = " ".join(f"token{i} alpha beta gamma {i}" for i in range(100))
    arts = [
        Article(id="a", text=base, published="2025-01-01"),
        Article(id="b", text=base + " tail one", published="2025-01-02"),
        Article(id="c", text=base + " tail one tail two", published="2025-01-03"),
    ]
    mark_duplicates(arts)
    assert [a.duplicate_of for a in arts] == [None, "a", "a"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet="abcdef ghij", min_size=0, max_size=300), min_size=1, max_size=8))
def test_idempotent(texts: list[str]) -> None:
    arts = [Article(id=f"a{i}", text=t) for i, t in enumerate(texts)]
    mark_duplicates(arts)
    first = [a.duplicate_of for a in arts]
    index = DuplicateIndex()
    mark_duplicates(arts, index)
    mark_duplicates(arts, index)
    assert [a.duplicate_of for a in arts] == first
    assert all(a.duplicate_of != a.id for a in arts)


def test_index_read_access_for_engines(seeds: Path) -> None:
    """What the Dask engine reads of an index, through public methods."""
    from storyline.dedupe import signatures

    arts = _seeds(seeds)
    index = DuplicateIndex()
    assert index.count() == 0 and bool(index)  # an empty index is still an index
    sigs = mark_duplicates(arts, index)
    assert index.count() == 5 and index.ids() == sorted(sigs) and index.ids(3) == sorted(sigs)[3:]
    assert "000" in index and "nope" not in index
    sig, size = signatures([arts[0].text])[0]
    assert (index.signature("000") == sig).all() and index.size("000") == size
    assert index.root("000") == "000" and index.root("nope") == "nope"
    b, r = index.bands
    assert b * r <= index.options.num_perm


def _flood(n: int) -> list[Article]:
    """A templated flood: the same weather line with only two numbers changed, so every
    LSH band bucket of the template fills far past ``BUCKET_CAP``."""
    return [
        Article(
            id=f"n{i:05d}",
            text=(
                f"The weather in Springfield is sunny today with a high of {i % 97} degrees. "
                "Winds stay light from the west and no rain is expected before the weekend. "
                f"Reading number {i} of the automatic station."
            ),
        )
        for i in range(n)
    ]


def test_template_flood_is_capped_and_both_paths_agree() -> None:
    """A bucket holding hundreds of copies is searched through its first ``BUCKET_CAP``
    entries only (not all pairs), the copies are still found, and the banded
    search of the Dask and bulk engines, with the same cap, gives the same links."""
    import numpy as np

    from storyline.dedupe import BUCKET_CAP, banding

    arts = _flood(600)
    index = DuplicateIndex()
    for start in range(0, len(arts), 250):  # in batches against a growing index, as add does
        mark_duplicates(arts[start : start + 250], index)
    local = {a.id: a.duplicate_of for a in arts}
    assert sum(1 for v in local.values() if v) > 450  # copies of a few dozen originals

    opts = index.options
    b, r = index.bands
    sigs, sizes = banding.signature_block([a.text for a in arts], opts)
    n = len(arts)
    rows = banding.band_rows(sigs, np.arange(n), np.ones(n, bool), np.ones(n, bool), b, r)
    parts = [banding.pair_rows(None, part) for part in banding.split_rows(rows, 3)]
    pairs = np.unique(np.concatenate(parts), axis=0)
    # The cap as a rule: a querier meets the earlier entries among the first BUCKET_CAP of
    # each of its buckets, and no others.
    keys = banding.band_keys(sigs, b, r)
    members: dict[int, list[int]] = {}
    for k in range(n):
        for key in keys[k].tolist():
            members.setdefault(key, []).append(k)
    capped = {
        (q, c) for q in range(n) for key in keys[q].tolist() for c in members[key][:BUCKET_CAP] if c < q
    }
    every = {(q, c) for q in range(n) for key in keys[q].tolist() for c in members[key] if c < q}
    assert {tuple(p) for p in pairs.tolist()} == capped
    assert len(capped) < 0.7 * len(every)  # the cap binds on this flood
    best = banding.best_original(
        map(tuple, pairs.tolist()),
        lambda k: sigs[k],
        lambda k: int(sizes[k]),
        lambda k: arts[k].id,
        opts,
        b,
        r,
    )
    root: dict[str, str] = {}
    banded: dict[str, str | None] = {}
    for k, art in enumerate(arts):
        found = arts[best[k]].id if k in best else None
        banded[art.id] = root.get(found, found) if found else None
        root[art.id] = banded[art.id] or art.id
    assert banded == local
