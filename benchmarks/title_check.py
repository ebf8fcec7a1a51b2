"""Story titles as a sub-editor reads them (issue #14, item 3): the title
``headlines.story_title`` gives now, for stories it was not tuned on and for the stores the
reader check built.

Two sources of stories:

- ``--stores DIR``: the stores ``benchmarks/reader_check.py --workdir DIR`` built (``t17.db``,
  ``multinews.db``). Titles are stored at digest time, so the title is recomputed from each
  listed story's stored articles and shown next to the stored one (the first ``--top``
  stories of each list, noise stories left out as the reader check leaves them out).
- ``--heldout``: stories the title rules were not tuned on, read through ``ingest.prepare``
  as ``add`` reads them: for each held-out Timeline17 collection (not the reader check's),
  the articles of its busiest week; and Multi-News validation examples 200-209 (the reader
  check uses the first 40), each example one story.

Labels are a hash of the title text (``benchmarks/title_labels.jsonl``: ``{"key", "label"}``
with ``ok``/``junk``/``wrong``, judged by hand as a sub-editor would), never the text, which is
the publishers'. Titles are printed to the terminal only with ``--show``.

    python benchmarks/title_check.py --heldout --show
    python benchmarks/title_check.py --stores /tmp/rc --top 10 --show
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STORYLINE_SHARED", REPO.parent / "shared"))
LABELS = REPO / "benchmarks" / "title_labels.jsonl"
# Timeline17 collections the reader check does not use (it uses MJ_bbc, H1N1_bbc,
# haiti_bbc, LibyaWar_reuters).
T17_HELDOUT = (
    "EgyptianProtest_cnn",
    "Finan_washingtonpost",
    "H1N1_guardian",
    "IraqWar_guardian",
    "LibyaWar_cnn",
    "SyrianCrisis_bbc",
    "SyrianCrisis_reuters",
    "bpoil_bbc",
    "bpoil_foxnews",
    "bpoil_guardian",
)
MULTINEWS_HELDOUT = range(200, 210)


def title_key(title: str) -> str:
    """The label key: whitespace and case do not make a new title."""
    return hashlib.sha1(" ".join(title.lower().split()).encode()).hexdigest()[:16]


def _prepared(rows: list[dict[str, str | None]]) -> list:  # type: ignore[type-arg]  # Article, imported lazily
    from storyline.ingest import Record
    from storyline.ingest.articles import prepare
    from storyline.model import Article

    out = []
    for row in rows:
        art = prepare(
            Record(
                id=str(row["id"]),
                source=str(row["id"]),
                text=row.get("text") or "",
                title=row.get("title"),
                outlet=row.get("outlet"),
                published=row.get("published"),
            )
        )
        if isinstance(art, Article):
            out.append(art)
    return out


def heldout_stories() -> Iterator[tuple[str, list]]:  # type: ignore[type-arg]  # Article lists
    """(name, articles) of the held-out stories."""
    for name in T17_HELDOUT:
        with gzip.open(
            SHARED / "data" / "tls_t17" / name / "articles.jsonl.gz", "rt", encoding="utf-8"
        ) as fh:
            rows = [json.loads(line) for line in fh]
        weeks = Counter(date.fromisoformat(r["published"]).isocalendar()[:2] for r in rows)
        busiest = weeks.most_common(1)[0][0]
        week = [r for r in rows if date.fromisoformat(r["published"]).isocalendar()[:2] == busiest]
        week.sort(key=lambda r: (r["published"], r["id"]))
        yield f"t17/{name}", _prepared(week[:60])
    with (SHARED / "data" / "mds" / "multinews_val.jsonl").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n in MULTINEWS_HELDOUT:
                ex = json.loads(line)
                rows = [{"id": f"{ex['id']}/{k}", "text": d} for k, d in enumerate(ex["documents"])]
                yield f"multinews/{n}", _prepared(rows)


def store_stories(workdir: Path, top: int) -> Iterator[tuple[str, str, list]]:  # type: ignore[type-arg]
    """(name, stored title, articles) of the first ``top`` listed stories of each store."""
    from storyline import Store

    for collection in ("t17", "multinews"):
        path = workdir / f"{collection}.db"
        if not path.exists():
            continue
        with Store(path) as store:
            listing = store.story_listing(limit=top + 10)
            stories = {s.id: s for s in store.stories([row.id for row in listing])}
            ranked = [stories[r.id] for r in listing if r.id in stories and not stories[r.id].noise]
            for rank, story in enumerate(ranked[:top], 1):
                yield f"{collection}#{rank}", story.title, store.articles(story.article_ids)


def read_labels(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {r["key"]: r["label"] for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", type=Path, default=None, help="reader_check.py's --workdir")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--heldout", action="store_true")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--show", action="store_true", help="Print the titles (terminal only).")
    args = parser.parse_args()
    if not (SHARED / "data").is_dir():
        sys.exit(f"{SHARED / 'data'}: not found (set STORYLINE_SHARED)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from storyline.headlines import story_title

    labels = read_labels(args.labels)
    got: Counter[str] = Counter()
    rows: list[tuple[str, str | None, str]] = []
    if args.stores:
        for name, stored, arts in store_stories(args.stores, args.top):
            rows.append((name, stored, story_title(arts)))
    if args.heldout:
        for name, arts in heldout_stories():
            rows.append((name, None, story_title(arts)))
    for name, old, new in rows:
        label = labels.get(title_key(new), "?")
        got[label] += 1
        line = f"{name:24} {title_key(new)} {label:5}"
        if args.show:
            line += f" {new}" + (f"\n{'':24} (stored: {old})" if old is not None and old != new else "")
        print(line)
    print("titles: " + ", ".join(f"{k} {v}" for k, v in sorted(got.items())) + f" of {len(rows)}")


if __name__ == "__main__":
    main()
