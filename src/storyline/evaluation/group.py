"""Evaluate grouping (stories or events) on format-A files with gold cluster labels.

Systems compared in the same run:

- ``storyline``: the online ``storyline.group.Grouper`` with its default options.
- ``single-pass-tfidf``: classic single-pass clustering (Allan et al. 1998 style) on
  TF-IDF of the same text (IDF fitted on the whole file), each article joining the most
  similar centroid when the cosine reaches a threshold tuned on dev data per level
  (``SINGLE_PASS_THRESHOLD``).
- ``agglomerative``: average-linkage agglomerative clustering of the same sentence
  embeddings storyline uses, cut at the distance threshold that maximises BCubed F1 *on
  the evaluated data itself*: an oracle-tuned upper baseline, not a deployable system.

Metrics: BCubed precision/recall/F1 (Bagga & Baldwin 1998), ``cluster_f1`` (for each gold
cluster the F1 of its best-matching predicted cluster, weighted by gold size; the
clustering F1 of Miranda et al. 2018), the adjusted Rand index (scikit-learn) and
``articles_per_s`` of the clustering step alone (embedding time is reported in the notes).

Example::

    storyline eval group --data ../shared/data/clustering/ecbplus.jsonl.gz --level event
"""

from __future__ import annotations

import random
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from storyline.errors import InputError
from storyline.evaluation import EvalReport
from storyline.evaluation.data import read_jsonl, require
from storyline.group import Grouper, GroupOptions, compute_features, detokenize
from storyline.model import Article

# Cosine threshold of the single-pass baseline per level, tuned like storyline on dev data
# only (grid .10-.50): story level on T17-dev (outlets bbc+reuters; .10: .825, .15: .746,
# .25: .251) and ECB+ story labels (.10: .813, .15: .866); event level on ECB+ event labels
# (.15: .717, .20: .832, .25: .808).
SINGLE_PASS_THRESHOLD = {"story": 0.10, "event": 0.20}
# The Timeline17 outlets grouping options may be tuned on (the rest of T17 is held out).
DEV_OUTLETS = ("bbc", "reuters")
# Agglomerative needs the full distance matrix (n^2/2 doubles); above this many articles
# it runs on a seeded random sample of this size (noted in the report).
AGGLOMERATIVE_MAX = 5000


def load_articles(
    data: Path, *, limit: int | None = None, level: str | None = None, seed: int = 0,
    outlets: Collection[str] | None = None,
) -> tuple[list[Article], list[str], str, list[str]]:
    """Articles and their gold labels at ``level`` (default: story if present, else event).

    With ``limit``, a seeded random sample of ``limit`` labelled records is used rather
    than the first ones: the files are sorted by cluster, so a prefix would hold one story.
    With ``outlets``, only records of those outlets are kept (before sampling): grouping
    options are tuned on the T17 outlets in ``DEV_OUTLETS`` and checked on the others.
    """
    notes: list[str] = []
    records = list(read_jsonl(data))
    for rec in records:
        require(rec, ("id", "text"), data, "a format-A article")
    if level is None:
        level = "story" if any(r.get("story") for r in records) else "event"
    if level not in ("story", "event"):
        raise InputError(f"level must be story or event, not {level!r}")
    labelled = [r for r in records if r.get(level) is not None]
    if outlets is not None:
        wanted = set(outlets)
        labelled = [r for r in labelled if r.get("outlet") in wanted]
        notes.append(f"outlets {', '.join(sorted(wanted))} only: {len(labelled)} records")
    if not labelled:
        raise InputError(f"{data}: no record has a {level!r} label"
                         + (" among the outlets asked for" if outlets is not None else ""))
    if len(labelled) < len(records) and outlets is None:
        notes.append(f"{len(records) - len(labelled)} records without a {level} label skipped")
    if limit is not None and limit < len(labelled):
        labelled = random.Random(seed).sample(labelled, limit)
        notes.append(f"random sample of {limit} records (seed {seed})")
    articles = [
        Article(
            id=str(r["id"]), text=r.get("text") or "", title=r.get("title"),
            published=r.get("published"), url=r.get("url"), outlet=r.get("outlet"),
        )
        for r in labelled
    ]
    return articles, [str(r[level]) for r in labelled], level, notes


# ---------------------------------------------------------------------------- metrics


def _contingency(gold: list[str], pred: list[str]) -> tuple[Any, np.ndarray, np.ndarray]:
    from sklearn.metrics.cluster import contingency_matrix

    table = contingency_matrix(gold, pred, sparse=True).tocsr()
    return table, np.asarray(table.sum(axis=1)).ravel(), np.asarray(table.sum(axis=0)).ravel()


def scores(gold: list[str], pred: list[str]) -> dict[str, float]:
    """BCubed P/R/F1, cluster F1 (gold-size-weighted best match) and ARI."""
    from sklearn.metrics import adjusted_rand_score

    n = len(gold)
    if n == 0:
        return {k: 0.0 for k in ("bcubed_precision", "bcubed_recall", "bcubed_f1",
                                 "cluster_f1", "ari")}
    table, g_size, p_size = _contingency(gold, pred)
    coo = table.tocoo()
    cell = coo.data.astype(np.float64)
    precision = float(np.sum(cell**2 / p_size[coo.col]) / n)
    recall = float(np.sum(cell**2 / g_size[coo.row]) / n)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    best = np.zeros(len(g_size))
    pair_f1 = 2 * cell / (g_size[coo.row] + p_size[coo.col])
    np.maximum.at(best, coo.row, pair_f1)
    cluster_f1 = float(np.sum(best * g_size) / n)
    return {
        "bcubed_precision": precision,
        "bcubed_recall": recall,
        "bcubed_f1": f1,
        "cluster_f1": cluster_f1,
        "ari": float(adjusted_rand_score(gold, pred)),
    }


# -------------------------------------------------------------------------- baselines


def single_pass_tfidf(texts: list[str], threshold: float = 0.20) -> list[int]:
    """Single-pass clustering: join the most similar centroid if cosine >= threshold.

    The similarity to a centroid (sum of member vectors) is computed from document-document
    similarities summed per cluster, so no centroid vector has to be stored.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    from storyline.text import STOP_WORDS

    x = TfidfVectorizer(stop_words=sorted(STOP_WORDS), sublinear_tf=True).fit_transform(texts)
    n = x.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    norm2: list[float] = []
    block = 256
    for start in range(0, n, block):
        sims = (x[start:start + block] @ x[: start + block].T).toarray()
        for i in range(start, min(start + block, n)):
            row = sims[i - start, :i]
            k = len(norm2)
            if k:
                dots = np.bincount(labels[:i], weights=row, minlength=k)
                cos = dots / np.sqrt(np.maximum(np.asarray(norm2), 1e-12))
                best = int(np.argmax(cos))
                if cos[best] >= threshold:
                    labels[i] = best
                    norm2[best] += 2 * dots[best] + 1.0
                    continue
            labels[i] = k
            norm2.append(1.0)
    return labels.tolist()


def agglomerative_oracle(
    vectors: np.ndarray, gold: list[str]
) -> tuple[list[int], float, float]:
    """Average-linkage clustering (cosine) cut at the threshold best for ``gold``.

    Returns labels, the chosen threshold and the clustering time of one cut (linkage
    included, the threshold search excluded).
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    t0 = time.perf_counter()
    tree = linkage(pdist(vectors.astype(np.float64), metric="cosine"), method="average")
    seconds = time.perf_counter() - t0
    best: tuple[float, list[int], float] = (-1.0, [], 0.0)
    for t in np.arange(0.05, 1.2, 0.025):
        labels = fcluster(tree, t=float(t), criterion="distance").tolist()
        f1 = scores(gold, [str(v) for v in labels])["bcubed_f1"]
        if f1 > best[0]:
            best = (f1, labels, float(t))
    return best[1], best[2], seconds


# ------------------------------------------------------------------------------ entry


def evaluate(
    data: Path, *, limit: int | None = None, level: str | None = None,
    options: GroupOptions | None = None, outlets: Collection[str] | None = None,
) -> EvalReport:
    """Score storyline grouping and the two baselines against the gold labels of ``data``
    (only the records of ``outlets`` when given, e.g. ``DEV_OUTLETS``)."""
    data = Path(data)
    articles, gold, level, notes = load_articles(data, limit=limit, level=level,
                                                 outlets=outlets)
    options = options or GroupOptions()
    n = len(articles)

    t0 = time.perf_counter()
    feats = compute_features(articles, options)
    embed_s = time.perf_counter() - t0
    grouper = Grouper(options)
    assignments = grouper.add(articles, features=feats)
    group_s = grouper.timing["group_s"]
    assigned = {a.article_id: (a.story_id, a.event_id) for a in assignments}
    pick = 0 if level == "story" else 1
    pred = [assigned[a.id][pick] for a in articles]
    systems: dict[str, dict[str, float]] = {}
    systems["storyline"] = {**scores(gold, pred), "articles_per_s": n / max(group_s, 1e-9)}

    texts = [_baseline_text(a, options.body_chars) for a in articles]
    t0 = time.perf_counter()
    sp_labels = single_pass_tfidf(texts, SINGLE_PASS_THRESHOLD[level])
    sp_s = time.perf_counter() - t0
    systems["single-pass-tfidf"] = {
        **scores(gold, [str(v) for v in sp_labels]), "articles_per_s": n / max(sp_s, 1e-9)}

    vectors, sub_gold = feats.emb, gold
    if n > AGGLOMERATIVE_MAX:
        idx = sorted(random.Random(0).sample(range(n), AGGLOMERATIVE_MAX))
        vectors, sub_gold = feats.emb[idx], [gold[i] for i in idx]
        notes.append(f"agglomerative on a seeded sample of {AGGLOMERATIVE_MAX} articles "
                     "(full distance matrix too large)")
    ag_labels, ag_t, ag_s = agglomerative_oracle(vectors, sub_gold)
    systems["agglomerative"] = {
        **scores(sub_gold, [str(v) for v in ag_labels]),
        "articles_per_s": len(sub_gold) / max(ag_s, 1e-9)}

    parts = _dev_heldout(articles, gold, pred)
    if parts:
        notes.append("storyline BCubed F1 of this run by part: "
                     + ", ".join(f"{k} {v:.3f}" for k, v in parts.items()))
    n_pred = len(set(pred))
    notes += [
        f"level: {level}; {len(set(gold))} gold clusters, storyline made {n_pred}",
        f"embedding ({feats.embedder}, lead of {options.lead_sentences} sentences) and "
        f"features: {embed_s:.1f} s ({n / max(embed_s, 1e-9):,.1f} articles/s), not "
        "counted in articles_per_s",
        f"agglomerative: oracle distance threshold {ag_t:.3f} chosen on this data "
        "(average linkage, cosine, same embeddings)",
        f"single-pass-tfidf: threshold {SINGLE_PASS_THRESHOLD[level]} (tuned on dev data)",
    ]
    return EvalReport(task="group", data=str(data), n=n, systems=systems, notes=notes,
                      extra={"level": level, "embedder": feats.embedder,
                             **{f"bcubed_f1_{k}": v for k, v in parts.items()}})


def _dev_heldout(articles: list[Article], gold: list[str], pred: list[str]) -> dict[str, float]:
    """BCubed F1 over the articles of the tuning outlets and over the others (scored inside
    one run), when the data has both; empty otherwise."""
    dev = [i for i, a in enumerate(articles) if a.outlet in DEV_OUTLETS]
    held = [i for i, a in enumerate(articles) if a.outlet and a.outlet not in DEV_OUTLETS]
    if not dev or not held:
        return {}
    return {name: round(scores([gold[i] for i in idx], [pred[i] for i in idx])["bcubed_f1"], 4)
            for name, idx in (("dev", dev), ("heldout", held))}


def _baseline_text(article: Article, body_chars: int) -> str:
    body = detokenize(article.text or "")[:body_chars]
    title = (article.title or "").strip()
    return title + "\n" + body if title and not body.startswith(title) else body

