"""Entity types and merges on hand-labelled Timeline17 dev entities (prints figures).

``tests/data/entity_dev_labels.jsonl`` holds 123 entities of six dev collections (outlets
bbc and reuters: H1N1_bbc, haiti_bbc, LibyaWar_reuters, SyrianCrisis_bbc, bpoil_reuters,
MJ_bbc), labelled by hand: the string as the articles spell it, its news type (PERSON, ORG,
PLACE, OTHER for diseases, products, events, works) and its canonical name within the
collection (rows with one canonical name are one entity). The input of each collection is
its first 30 articles by (publication date, file number), read from ../shared/data at run
time: no article text is in the repository.

Scores, per backend (``rules``: the default install; ``spacy``: the ``nlp`` extra):

- types right: a row's string is found among an entity's variants and the entity's label is
  the gold type (a string not found at all counts as wrong);
- merge precision / recall: over pairs of rows of one collection, "same entity" predicted
  (both strings in one entity) against gold (same canonical name).

Run: ``python benchmarks/entity_check.py [--backend rules|spacy|both] [--data DIR] [--show]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from storyline.extract.entities import EntityOptions, extract_entities, spacy_available
from storyline.model import Article, Entity

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "data" / "entity_dev_labels.jsonl"
DATA = ROOT.parent / "shared" / "data" / "tls_t17"
ARTICLES_PER_TOPIC = 30


def load_labels(path: Path = LABELS) -> list[dict[str, str]]:
    """The labelled rows: topic, entity, type, canonical."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def topic_articles(data: Path, topic: str, n: int = ARTICLES_PER_TOPIC) -> list[Article]:
    """The first ``n`` articles of a T17 collection by (published, file number)."""
    path = data / topic / "articles.jsonl.gz"
    if not path.exists():
        sys.exit(f"{path}: no such file (pass --data with the Timeline17 folder)")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    rows.sort(key=lambda o: (o["published"], int(o["id"].rsplit("/", 1)[1])))
    return [Article(id=o["id"], text=o["text"] or "", published=o["published"]) for o in rows[:n]]


def _find(entities: list[Entity], name: str) -> int | None:
    """Index of the entity holding ``name`` (exact spelling first, then any case)."""

    def plain(v: str) -> str:
        return v.lower().replace(".", "")

    for match in (lambda v: v == name, lambda v: plain(v) == plain(name)):
        hits = [i for i, e in enumerate(entities) if any(match(v) for v in e.variants)]
        if hits:
            return max(hits, key=lambda i: len(entities[i].article_ids))
    return None


def score(rows: list[dict[str, str]], found: dict[str, list[Entity]]) -> dict[str, float]:
    """types_right, merge_precision, merge_recall, missing (see the module docstring)."""
    right = missing = 0
    pred: dict[int, tuple[str, int | None]] = {}
    wrong: list[str] = []
    for k, row in enumerate(rows):
        ents = found[row["topic"]]
        i = _find(ents, row["entity"])
        pred[k] = (row["topic"], i)
        if i is None:
            missing += 1
            wrong.append(f"{row['topic']}: {row['entity']} not found (gold {row['type']})")
        elif ents[i].label == row["type"]:
            right += 1
        else:
            wrong.append(f"{row['topic']}: {row['entity']} {ents[i].label} (gold {row['type']})")
    tp = pred_pairs = gold_pairs = 0
    by_topic: dict[str, list[int]] = defaultdict(list)
    for k, row in enumerate(rows):
        by_topic[row["topic"]].append(k)
    split: list[str] = []
    for ks in by_topic.values():
        for a, b in combinations(ks, 2):
            same_gold = rows[a]["canonical"] == rows[b]["canonical"]
            same_pred = pred[a][1] is not None and pred[a] == pred[b]
            gold_pairs += same_gold
            pred_pairs += same_pred
            tp += same_gold and same_pred
            if same_gold != same_pred:
                kind = "apart" if same_gold else "merged"
                split.append(f"{rows[a]['topic']}: {rows[a]['entity']} / {rows[b]['entity']} wrongly {kind}")
    return {
        "rows": len(rows),
        "types_right": right / len(rows),
        "merge_precision": tp / pred_pairs if pred_pairs else 1.0,
        "merge_recall": tp / gold_pairs if gold_pairs else 1.0,
        "missing": missing,
        "errors": wrong + split,  # type: ignore[dict-item]  # printed with --show
    }


def run(backend: str, data: Path, rows: list[dict[str, str]]) -> dict[str, float]:
    """Extract each collection's entities with ``backend`` and score them."""
    found: dict[str, list[Entity]] = {}
    t0 = time.process_time()
    for topic in sorted({r["topic"] for r in rows}):
        found[topic] = extract_entities(
            topic_articles(data, topic), EntityOptions(use_spacy=backend == "spacy")
        )
    result = score(rows, found)
    result["seconds"] = time.process_time() - t0
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["rules", "spacy", "both"], default="both")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--show", action="store_true", help="list every error")
    args = parser.parse_args()
    rows = load_labels()
    backends = ["rules", "spacy"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "spacy" and not spacy_available():
            print("spacy: model not installed (pip install -e '.[nlp]'), skipped")
            continue
        r = run(backend, args.data, rows)
        print(
            f"{backend:6s} {int(r['rows'])} entities: types right {r['types_right']:.1%}, "
            f"merge precision {r['merge_precision']:.3f}, recall {r['merge_recall']:.3f}, "
            f"not found {int(r['missing'])}, {r['seconds']:.1f} s CPU"
        )
        if args.show:
            for line in r["errors"]:  # type: ignore[union-attr]  # a list, see score
                print("   ", line)


if __name__ == "__main__":
    main()
