"""What a reader sees, scored against hand labels (issue #14, item 6).

Two dev collections, built the way a reader meets them, from dev data only:

- ``t17``: four Timeline17 collections of the tuning outlets (bbc, reuters), mixed in one
  store: ``digest`` of the articles published up to the median date, then ``add`` of the
  rest (a collection that grows). The 7 first stories of the story list are checked.
- ``multinews``: the first 40 Multi-News validation examples in one store, one ``digest``.
  The 3 first stories of the story list are checked.

Every item of those 10 stories is looked up in the labels: each title, summary sentence,
timeline entry and comparison row, labelled ``ok``, ``junk`` or ``wrong`` by hand with the
rubric of the issue (title ok = a headline a sub-editor would accept for that story;
sentence ok = on-topic news stated by every article it cites; timeline entry ok = that
event happened on that date; junk = byline, dateline, timestamp, caption, promo, comment,
truncated or off-topic text; a comparison row ok = a coherent subject and the right verdict).

Labels are keyed by a hash of the item's text, never the text itself (the text is the
publishers'): ``benchmarks/reader_labels.jsonl``, one ``{"collection", "kind", "key",
"label"}`` per line. An item whose text changed is unlabelled again; the check lists
unlabelled items with their text (read from ../shared at run time), and ``--dump FILE``
writes them as JSONL outside the repository, ready to label.

    python benchmarks/reader_check.py                 # build both stores, score, list unlabelled
    python benchmarks/reader_check.py --reuse         # score the stores built last time
    python benchmarks/reader_check.py --dump /tmp/unlabelled.jsonl --json
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STORYLINE_SHARED", REPO.parent / "shared"))
LABELS = REPO / "benchmarks" / "reader_labels.jsonl"
T17_DEV = ("MJ_bbc", "H1N1_bbc", "haiti_bbc", "LibyaWar_reuters")
MULTINEWS = SHARED / "data" / "mds" / "multinews_val.jsonl"
MULTINEWS_EXAMPLES = 40
STORIES = {"t17": 7, "multinews": 3}
KINDS = ("title", "summary", "timeline", "comparison")
VERDICTS = ("ok", "junk", "wrong")


@dataclass
class Item:
    """One thing a reader reads: its story, its kind, its text, and what it cites."""

    collection: str
    story_id: str
    rank: int
    kind: str
    text: str
    sources: list[str]

    @property
    def key(self) -> str:
        return item_key(self.collection, self.kind, self.text)


def item_key(collection: str, kind: str, text: str) -> str:
    """The label key: whitespace and case do not make a new item."""
    norm = " ".join(text.lower().split())
    return hashlib.sha1(f"{collection}\x00{kind}\x00{norm}".encode()).hexdigest()[:16]


# ---------------------------------------------------------------- building the collections


def _t17_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in T17_DEV:
        with gzip.open(
            SHARED / "data" / "tls_t17" / name / "articles.jsonl.gz", "rt", encoding="utf-8"
        ) as fh:
            rows.extend(json.loads(line) for line in fh)
    rows.sort(key=lambda r: (r.get("published") or "", r["id"]))
    return rows


def _multinews_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with MULTINEWS.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n >= MULTINEWS_EXAMPLES:
                break
            example = json.loads(line)
            for k, doc in enumerate(example["documents"]):
                rows.append({"id": f"{example['id']}/{k}", "text": doc})
    return rows


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def build(workdir: Path) -> dict[str, float]:
    """Build both stores afresh; returns seconds per step."""
    from storyline import Store, add, analyze, digest
    from storyline.pipeline import stories_to_analyze

    workdir.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        rows = _t17_rows()
        half = len(rows) // 2
        first = _write_jsonl(Path(tmp) / "t17-first.jsonl", rows[:half])
        later = _write_jsonl(Path(tmp) / "t17-later.jsonl", rows[half:])
        db = workdir / "t17.db"
        db.unlink(missing_ok=True)
        t = time.perf_counter()
        with Store(db) as store:
            digest(store, [first])
            seconds["t17 digest"] = time.perf_counter() - t
            t = time.perf_counter()
            result = add(store, [later])
            analyze(store, stories_to_analyze(store, result))
            seconds["t17 add"] = time.perf_counter() - t
        mn = _write_jsonl(Path(tmp) / "multinews.jsonl", _multinews_rows())
        db = workdir / "multinews.db"
        db.unlink(missing_ok=True)
        t = time.perf_counter()
        with Store(db) as store:
            digest(store, [mn])
        seconds["multinews digest"] = time.perf_counter() - t
    return seconds


# ---------------------------------------------------------------- reading what a reader sees


def _comparison_text(comparison: Any) -> str:
    values = "; ".join(v.value for v in comparison.values)
    return f"{comparison.subject} | {comparison.label} | {values}"


def read_items(workdir: Path) -> tuple[list[Item], dict[str, int]]:
    """The items of the first stories of each collection's story list (as the list ranks
    them), and how many noise stories sit among each list's first 30."""
    from storyline import Store

    items: list[Item] = []
    noise_in_top30: dict[str, int] = {}
    for collection, n_stories in STORIES.items():
        with Store(workdir / f"{collection}.db") as store:
            listing = store.story_listing(limit=30)
            stories = {s.id: s for s in store.stories([row.id for row in listing])}
            ranked = [stories[row.id] for row in listing if row.id in stories]
            noise_in_top30[collection] = sum(1 for s in ranked if getattr(s, "noise", None))
            shown = [s for s in ranked if not getattr(s, "noise", None)][:n_stories]
            for rank, story in enumerate(shown, 1):
                items.append(Item(collection, story.id, rank, "title", story.title, []))
                for cite in story.summary:
                    items.append(Item(collection, story.id, rank, "summary", cite.text, cite.sources))
                for entry in story.timeline:
                    text = f"{entry.date}: {entry.text}"
                    items.append(Item(collection, story.id, rank, "timeline", text, entry.sources))
                for comparison in story.comparisons:
                    if getattr(comparison, "shown", True):
                        sources = sorted({s for v in comparison.values for s in v.sources})
                        items.append(
                            Item(
                                collection,
                                story.id,
                                rank,
                                "comparison",
                                _comparison_text(comparison),
                                sources,
                            )
                        )
    return items, noise_in_top30


def read_labels(path: Path) -> dict[str, str]:
    """key -> label; a malformed line is an error naming the line (labels are hand-made)."""
    labels: dict[str, str] = {}
    if not path.exists():
        return labels
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("label") not in VERDICTS:
            sys.exit(f"{path}:{n}: label must be one of {', '.join(VERDICTS)}")
        labels[row["key"]] = row["label"]
    return labels


def score(items: list[Item], labels: dict[str, str]) -> dict[str, dict[str, float]]:
    """Per kind: items, labelled, ok/junk/wrong counts and the ok share of labelled items."""
    out: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        mine = [i for i in items if i.kind == kind]
        got = Counter(labels[i.key] for i in mine if i.key in labels)
        labelled = sum(got.values())
        out[kind] = {
            "items": len(mine),
            "labelled": labelled,
            **{v: got[v] for v in VERDICTS},
            "ok_rate": got["ok"] / labelled if labelled else 0.0,
        }
    titles = [i for i in items if i.kind == "title"]
    out["titles_ok_of_10"] = {"ok": sum(1 for i in titles if labels.get(i.key) == "ok"), "of": len(titles)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "storyline-reader-check"
    )
    parser.add_argument("--reuse", action="store_true", help="Score the stores built by the last run.")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--dump", type=Path, default=None, help="Write unlabelled items here (JSONL).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object as the last line.")
    parser.add_argument("--show", type=int, default=40, help="How many unlabelled items to print.")
    args = parser.parse_args()
    if not (SHARED / "data").is_dir():
        sys.exit(f"{SHARED / 'data'}: not found (set STORYLINE_SHARED)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    seconds = {} if args.reuse else build(args.workdir)
    items, noise = read_items(args.workdir)
    labels = read_labels(args.labels)
    figures = score(items, labels)

    print(f"reader check: {len(items)} items of {sum(STORIES.values())} stories; labels {args.labels.name}")
    print("| kind | items | labelled | ok | junk | wrong | ok share |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        f = figures[kind]
        print(
            f"| {kind} | {f['items']:.0f} | {f['labelled']:.0f} | {f['ok']:.0f} | {f['junk']:.0f} |"
            f" {f['wrong']:.0f} | {f['ok_rate']:.2f} |"
        )
    t = figures["titles_ok_of_10"]
    print(f"titles ok: {t['ok']:.0f} of {t['of']:.0f}; noise stories among the first 30: {noise}")
    if seconds:
        print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))

    unlabelled = [i for i in items if i.key not in labels]
    by_story: dict[tuple[str, int], list[Item]] = defaultdict(list)
    for item in unlabelled:
        by_story[(item.collection, item.rank)].append(item)
    if unlabelled:
        print(f"\n{len(unlabelled)} unlabelled items (first {args.show}):")
        for item in unlabelled[: args.show]:
            text = re.sub(r"\s+", " ", item.text)[:160]
            print(f"  {item.key} {item.collection}#{item.rank} {item.kind}: {text}")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as fh:
            for item in unlabelled:
                row = {
                    "collection": item.collection,
                    "story": item.story_id,
                    "rank": item.rank,
                    "kind": item.kind,
                    "key": item.key,
                    "text": item.text,
                    "sources": item.sources,
                }
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {len(unlabelled)} unlabelled items to {args.dump}")
    if args.json:
        print(
            json.dumps(
                {
                    "figures": figures,
                    "noise_in_top30": noise,
                    "unlabelled": len(unlabelled),
                    "seconds": seconds,
                }
            )
        )


if __name__ == "__main__":
    main()
