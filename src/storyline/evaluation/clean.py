"""Evaluate the clean stage on boilerplate-removal data (format D of ../shared/data/README.md).

The metric is the one of the scrapinghub article-extraction benchmark (its ``evaluate.py``):
tokens are ``\\w+`` runs; per page, true positives, false positives and false negatives are
counted over word-4-gram shingles (multiset), then normalised by their sum so that long pages
weigh no more than short ones; precision and recall are averaged over the pages (a page only
counts for precision when something was predicted or expected, likewise for recall) and F1 is
2PR/(P+R) of the two averages. Copying it exactly makes our figures comparable with the
benchmark's published table (trafilatura .958, the whole page .665).

Baselines computed in the same run: ``do-nothing`` (the raw text, or the whole HTML page as
text) and, for HTML files, ``trafilatura`` (``trafilatura.extract`` with its defaults).
"""

from __future__ import annotations

import re
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storyline.errors import InputError
from storyline.evaluation import EvalReport
from storyline.evaluation.data import read_jsonl, require

if TYPE_CHECKING:
    from rich.progress import Progress

TpFpFn = tuple[float, float, float]

_TOKEN_RE = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)


def _ngrams(text: str, n: int = 4) -> list[tuple[str, ...]]:
    tokens = _TOKEN_RE.findall(text or "")
    out = []
    for i in range(0, max(1, len(tokens) - n + 1)):
        shingle = tuple(tokens[i : i + n])
        if shingle:
            out.append(shingle)
    return out


def shingle_matching(true: str, pred: str, n: int = 4) -> TpFpFn:
    """Normalised (tp, fp, fn) over word-n-gram shingles, as the scrapinghub benchmark counts."""
    t = Counter(_ngrams(true, n))
    p = Counter(_ngrams(pred, n))
    tp = fp = fn = 0.0
    for key in set(t) | set(p):
        tc, pc = t.get(key, 0), p.get(key, 0)
        tp += min(tc, pc)
        fp += max(0, pc - tc)
        fn += max(0, tc - pc)
    s = tp + fp + fn
    if s > 0:
        return tp / s, fp / s, fn / s
    return tp, fp, fn


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def metrics_from_counts(counts: list[TpFpFn]) -> dict[str, float]:
    """Page-averaged precision and recall, and F1 of the averages (benchmark definition)."""
    ps = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    rs = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    p = statistics.mean(ps) if ps else 0.0
    r = statistics.mean(rs) if rs else 0.0
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return {"precision": p, "recall": r, "f1": f1}


def _html_as_text(html: str) -> str:
    """The whole page as text (the benchmark's html-text floor), script and style dropped."""
    try:
        import lxml.html

        tree = lxml.html.fromstring(html)
        for bad in tree.xpath("//script|//style|//noscript|//head"):
            bad.drop_tree()
        return "\n".join(t.strip() for t in tree.itertext() if t.strip())
    except Exception:  # noqa: BLE001  # a broken page scores as empty, never crashes the run
        return ""


def _trafilatura_default(html: str, url: str | None) -> str:
    import trafilatura

    try:
        return trafilatura.extract(html, url=url) or ""
    except Exception:  # noqa: BLE001  # the baseline's own failures count as empty output
        return ""


def _progress(total: int | None, desc: str) -> Progress:
    """A rich progress bar on stderr (the JSON line on stdout stays clean)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(desc),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    )


def evaluate(
    data: Path, *, limit: int | None = None, offset: int = 0, **_: Any
) -> EvalReport:
    """Score storyline's cleaner, do-nothing (and trafilatura on HTML) on a format D file.

    Each record is detected as HTML level (has ``html``) or text level (has ``raw_text``).
    ``offset`` skips the first records (e.g. to score only the held-out part of a file whose
    head was used for development); ``limit`` counts records after the offset.

    Example: ``evaluate(Path("../shared/data/boilerplate/cleaneval_dev_text.jsonl.gz"))``.
    """
    from storyline.clean import clean_text, extract_html

    data = Path(data)
    records = list(read_jsonl(data, None if limit is None else limit + offset))[offset:]
    if not records:
        raise InputError(f"{data}: no records to evaluate")
    systems: dict[str, list[TpFpFn]] = {"storyline": [], "do-nothing": []}
    html_level = False
    with _progress(len(records), f"clean eval {data.name}") as progress:
        task = progress.add_task("clean", total=len(records))
        for rec in records:
            if "html" in rec:
                require(rec, ("id", "html", "gold_text"), data, "an HTML-level format D record")
                html_level = True
                html = rec["html"] or ""
                url = rec.get("url")
                gold = rec["gold_text"] or ""
                pred = extract_html(html, url=url).text
                systems["storyline"].append(shingle_matching(gold, pred))
                systems["do-nothing"].append(shingle_matching(gold, _html_as_text(html)))
                systems.setdefault("trafilatura", []).append(
                    shingle_matching(gold, _trafilatura_default(html, url))
                )
            else:
                require(rec, ("id", "raw_text", "gold_text"), data, "a text-level format D record")
                raw = rec["raw_text"] or ""
                gold = rec["gold_text"] or ""
                pred, _removed = clean_text(raw)
                systems["storyline"].append(shingle_matching(gold, pred))
                systems["do-nothing"].append(shingle_matching(gold, raw))
            progress.advance(task)
    report = EvalReport(
        task="clean",
        data=data.name,
        n=len(records),
        systems={name: metrics_from_counts(c) for name, c in systems.items()},
        notes=[
            "",
            "Metric: scrapinghub article-extraction-benchmark (word-4-gram shingles, "
            "page-averaged P and R, F1 of the averages).",
            "Level: "
            + ("HTML (storyline = trafilatura tuned + clean_text)" if html_level else "text")
            + (f"; records {offset}..{offset + len(records) - 1}" if offset else ""),
        ],
    )
    return report
