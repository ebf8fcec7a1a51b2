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

With ``replay=True`` the data is fed the way news arrives (``replay``): in publication
order, one batch per ``batch_days`` days, each batch through the real ``pipeline.add_articles``
into a temporary SQLite store (grouping only: no story analysis), and the grouping is
scored at every cutoff (the articles seen so far) as well as at the end.

Example::

    storyline eval group --data ../shared/data/clustering/ecbplus.jsonl.gz --level event
    storyline eval group --data ../shared/data/clustering/t17_stories.jsonl.gz --replay
"""

from __future__ import annotations

import dataclasses
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
    data: Path,
    *,
    limit: int | None = None,
    level: str | None = None,
    seed: int = 0,
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
        raise InputError(
            f"{data}: no record has a {level!r} label"
            + (" among the outlets asked for" if outlets is not None else "")
        )
    if len(labelled) < len(records) and outlets is None:
        notes.append(f"{len(records) - len(labelled)} records without a {level} label skipped")
    if limit is not None and limit < len(labelled):
        labelled = random.Random(seed).sample(labelled, limit)
        notes.append(f"random sample of {limit} records (seed {seed})")
    articles = [
        Article(
            id=str(r["id"]),
            text=r.get("text") or "",
            title=r.get("title"),
            published=r.get("published"),
            url=r.get("url"),
            outlet=r.get("outlet"),
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
        return {k: 0.0 for k in ("bcubed_precision", "bcubed_recall", "bcubed_f1", "cluster_f1", "ari")}
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
        sims = (x[start : start + block] @ x[: start + block].T).toarray()
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


def agglomerative_oracle(vectors: np.ndarray, gold: list[str]) -> tuple[list[int], float, float]:
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
    data: Path,
    *,
    limit: int | None = None,
    level: str | None = None,
    options: GroupOptions | None = None,
    outlets: Collection[str] | None = None,
    replay: bool = False,
    batch_days: int = 7,
) -> EvalReport:
    """Score storyline grouping and the two baselines against the gold labels of ``data``
    (only the records of ``outlets`` when given, e.g. ``DEV_OUTLETS``); with ``replay``,
    score the grouping as news arrives instead (see ``replay_batches`` and ``evaluate_replay``)."""
    data = Path(data)
    if replay:
        return evaluate_replay(
            data, limit=limit, level=level, options=options, outlets=outlets, batch_days=batch_days
        )
    articles, gold, level, notes = load_articles(data, limit=limit, level=level, outlets=outlets)
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
        **scores(gold, [str(v) for v in sp_labels]),
        "articles_per_s": n / max(sp_s, 1e-9),
    }

    vectors, sub_gold = feats.emb, gold
    if n > AGGLOMERATIVE_MAX:
        idx = sorted(random.Random(0).sample(range(n), AGGLOMERATIVE_MAX))
        vectors, sub_gold = feats.emb[idx], [gold[i] for i in idx]
        notes.append(
            f"agglomerative on a seeded sample of {AGGLOMERATIVE_MAX} articles "
            "(full distance matrix too large)"
        )
    ag_labels, ag_t, ag_s = agglomerative_oracle(vectors, sub_gold)
    systems["agglomerative"] = {
        **scores(sub_gold, [str(v) for v in ag_labels]),
        "articles_per_s": len(sub_gold) / max(ag_s, 1e-9),
    }

    parts = _dev_heldout(articles, gold, pred)
    if parts:
        notes.append(
            "storyline BCubed F1 of this run by part: " + ", ".join(f"{k} {v:.3f}" for k, v in parts.items())
        )
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
    return EvalReport(
        task="group",
        data=str(data),
        n=n,
        systems=systems,
        notes=notes,
        extra={"level": level, "embedder": feats.embedder, **{f"bcubed_f1_{k}": v for k, v in parts.items()}},
    )


def _dev_heldout(articles: list[Article], gold: list[str], pred: list[str]) -> dict[str, float]:
    """BCubed F1 over the articles of the tuning outlets and over the others (scored inside
    one run), when the data has both; empty otherwise."""
    dev = [i for i, a in enumerate(articles) if a.outlet in DEV_OUTLETS]
    held = [i for i, a in enumerate(articles) if a.outlet and a.outlet not in DEV_OUTLETS]
    if not dev or not held:
        return {}
    return {
        name: round(scores([gold[i] for i in idx], [pred[i] for i in idx])["bcubed_f1"], 4)
        for name, idx in (("dev", dev), ("heldout", held))
    }


def _baseline_text(article: Article, body_chars: int) -> str:
    body = detokenize(article.text or "")[:body_chars]
    title = (article.title or "").strip()
    return title + "\n" + body if title and not body.startswith(title) else body


# ------------------------------------------------------------------------------ replay

# Undated articles (ECB+, GoogleNews-T) have no publication order: after the dated ones
# they are fed in processing order (by id, as the grouper orders them) in batches of this
# many articles, so that a data set without dates is still added in several calls.
UNDATED_BATCH = 100


def replay_batches(
    articles: list[Article], batch_days: int, undated_batch: int = UNDATED_BATCH
) -> list[list[int]]:
    """Indices of ``articles`` per batch: publication order, one batch per ``batch_days``
    days counted from the first date (days without articles make no empty batch), then
    the undated articles in batches of ``undated_batch`` (see ``UNDATED_BATCH``)."""
    from storyline.dedupe import order_key

    order = sorted(range(len(articles)), key=lambda i: order_key(articles[i]))
    dated = [i for i in order if _day(articles[i]) is not None]
    undated = [i for i in order if _day(articles[i]) is None]
    out: list[list[int]] = []
    if dated:
        first = _day(articles[dated[0]])
        assert first is not None
        current: int | None = None
        for i in dated:
            day = _day(articles[i])
            assert day is not None
            key = (day - first) // batch_days
            if key != current:
                out.append([])
                current = key
            out[-1].append(i)
    out += [undated[k : k + undated_batch] for k in range(0, len(undated), undated_batch)]
    return out


def _day(article: Article) -> int | None:
    from datetime import date

    try:
        return date.fromisoformat((article.published or "")[:10]).toordinal()
    except ValueError:
        return None


def evaluate_replay(
    data: Path,
    *,
    limit: int | None = None,
    level: str | None = None,
    options: GroupOptions | None = None,
    outlets: Collection[str] | None = None,
    batch_days: int = 7,
) -> EvalReport:
    """Feed ``data`` through ``pipeline.add_articles`` as news arrives and score it.

    Each batch (``replay_batches``) is one ``add_articles`` call on a real SQLite store in
    a temporary folder, with the grouper state saved and read back between calls exactly
    as the CLI's ``add`` does; stories are not analysed (``add_articles`` groups only), so
    the replay measures grouping. After every batch the articles seen so far are scored
    (a cutoff); ``systems["storyline"]`` holds the final scores and the mean over cutoffs
    (``cutoff_mean_*``), and the JSON has one entry per cutoff under ``cutoffs``. The
    same articles are also grouped in one call (``storyline-one-shot``) to check that
    batches give the same stories (``same_as_one_shot``: share of articles whose story
    id is the same both ways).
    """
    import tempfile

    from storyline import pipeline
    from storyline.extract.embed import memoized
    from storyline.store import Store

    articles, gold, level, notes = load_articles(data, limit=limit, level=level, outlets=outlets)
    options = options or GroupOptions()
    pick = 0 if level == "story" else 1
    label = {a.id: g for a, g in zip(articles, gold, strict=True)}
    batches = replay_batches(articles, batch_days)
    run_options = pipeline.Options(group=options)
    cutoffs: list[dict[str, Any]] = []
    seen: list[str] = []
    stray = [0, 0]  # articles of a gold cluster seen before / those that opened a new story
    t0 = time.perf_counter()
    with memoized(options.embedder), tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "replay.db") as store:
            for batch in batches:
                fresh = [_copy(articles[i]) for i in batch]
                before = {sid for sid, _ in store.groups().values() if sid}
                known = {label[aid] for aid in seen}
                result = pipeline.add_articles(store, fresh, options=run_options)
                renamed = result.renamed
                ids = [renamed.get(articles[i].id, articles[i].id) for i in batch]
                seen += ids
                groups = store.groups()
                for aid in ids:
                    if label[aid] in known:
                        stray[0] += 1
                        stray[1] += groups[aid][0] not in before
                pred = [str(groups[aid][pick]) for aid in seen]
                cut = scores([label[aid] for aid in seen], pred)
                cutoffs.append(
                    {
                        "last": max((a.published or "" for a in fresh), default="") or None,
                        "n": len(seen),
                        **{k: round(v, 4) for k, v in cut.items()},
                    }
                )
            replay_s = time.perf_counter() - t0
            final_groups = store.groups()
            embedder = _stored_embedder(store)
        with Store(Path(tmp) / "one-shot.db") as store:
            everything = dataclasses.replace(run_options, batch_size=max(len(articles), 1))
            pipeline.add_articles(store, [_copy(a) for a in articles], options=everything)
            one_shot = store.groups()
    pred = [str(final_groups[aid][pick]) for aid in seen]
    gold_seen = [label[aid] for aid in seen]
    final = scores(gold_seen, pred)
    means = {
        f"cutoff_mean_{k}": float(np.mean([c[k] for c in cutoffs]))
        for k in ("bcubed_precision", "bcubed_recall", "bcubed_f1")
    }
    same = sum(final_groups[aid][0] == one_shot.get(aid, ("", ""))[0] for aid in seen)
    systems = {
        "storyline": {**final, **means, "articles_per_s": len(seen) / max(replay_s, 1e-9)},
        "storyline-one-shot": scores(gold_seen, [str(one_shot[aid][pick]) for aid in seen]),
    }
    mixed, impurity = _mixing(gold_seen, pred)
    n_dated = sum(1 for a in articles if _day(a) is not None)
    notes += [
        f"replay: {len(batches)} add calls, one per {batch_days} days of publication"
        + (
            f"; {len(articles) - n_dated} undated articles after the dated ones, in "
            f"batches of {UNDATED_BATCH} in id order"
            if n_dated < len(articles)
            else ""
        ),
        f"level: {level}; {len(set(gold))} gold clusters, {len(set(pred))} predicted at the "
        f"end; {mixed} predicted clusters hold articles of more than one gold cluster "
        f"({impurity:.1%} of articles outside their cluster's majority label)",
        f"later articles of an already seen gold cluster that opened a new cluster: {stray[1]} of {stray[0]}",
        f"same story id in batches as in one call: {same} of {len(seen)} articles",
        f"articles_per_s: whole add calls (store, dedupe, features, grouping), "
        f"{replay_s:.1f} s; embedder {embedder}",
    ]
    return EvalReport(
        task="group",
        data=str(data),
        n=len(seen),
        systems=systems,
        notes=notes,
        extra={
            "level": level,
            "embedder": embedder,
            "replay": True,
            "batch_days": batch_days,
            "same_as_one_shot": round(same / max(len(seen), 1), 4),
            "mixed_clusters": mixed,
            "late_new_cluster": stray,
            "cutoffs": cutoffs,
        },
    )


def _stored_embedder(store: Any) -> str | None:
    from storyline.pipeline import GROUP_STATE

    saved = store.get_json(GROUP_STATE)
    return str(saved.get("embedder")) if saved else None


def _copy(article: Article) -> Article:
    """A fresh record: ``add_articles`` sets ids and duplicate links on what it is given."""
    return Article(
        id=article.id,
        text=article.text,
        title=article.title,
        published=article.published,
        url=article.url,
        outlet=article.outlet,
    )


def _mixing(gold: list[str], pred: list[str]) -> tuple[int, float]:
    """Predicted clusters holding more than one gold label, and the share of articles
    outside their predicted cluster's majority label."""
    from collections import Counter, defaultdict

    by: dict[str, Counter[str]] = defaultdict(Counter)
    for g, p in zip(gold, pred, strict=True):
        by[p][g] += 1
    mixed = sum(1 for c in by.values() if len(c) > 1)
    outside = sum(sum(c.values()) - c.most_common(1)[0][1] for c in by.values())
    return mixed, outside / max(len(gold), 1)
