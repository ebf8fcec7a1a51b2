"""Evaluate SUMMARIZE on multi-document summarization data (format B).

Systems scored in the same run, on the same sentences (``storyline.text.split_sentences``)
and cut to the same length: ``storyline``; ``lead`` (first sentences of the documents,
round robin); ``random`` (seeded); ``lexrank`` and ``textrank`` (sumy); ``oracle`` (greedy
extractive oracle on ROUGE-1 + ROUGE-2 F against the reference, an upper bound).

Length convention: every system is cut to the *reference summary's word count* (whitespace
words), sentence by sentence, the last sentence truncated. Multi-News references run from
under 100 to over 400 words and NeuS ones around 60; a fixed budget (e.g. the 264 words often
used for Multi-News) would be four times too long for NeuS, and ROUGE F rewards matching
the reference length, so one rule fair to every system on both files is the reference's own
length. This is slightly kinder than a fixed budget, for every system alike.

Metrics: ROUGE-1/2/L F (``rouge-score``, ``use_stemmer=True``), averaged over examples;
``support_rate``: fraction of output sentences (before truncation, pooled over examples)
supported by every document they cite; ``debris_rate``: fraction of output sentences that
start with page debris (an agency tag, a clock, "CLOSE", "Update:") or are captions,
teasers or truncated, by the rules of ``storyline.summarize.sentences`` (so storyline,
which applies them, scores 0 by construction: the figure is for the baselines, and a
regression guard); ``words``: mean words per cut summary (a count).
Extra JSON fields: ``unsupported_numbers`` (numbers in storyline sentences absent from a
cited document), ``seconds_per_example`` of storyline, ``multi_source_rate`` (share of
storyline sentences citing more than one document) and, where the hand labels of
``tests/data/citation_dev_labels.jsonl`` cover the data file (Multi-News validation records
0-19 in a source checkout), ``citation``: precision (share of labelled (sentence, cited
document) pairs whose document states the sentence), the same for citations other than the
sentence's origin, recall (share of labelled documents that state a sentence and are
cited), and how many produced pairs had no label.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storyline.errors import InputError, MissingExtraError
from storyline.evaluation import EvalReport
from storyline.evaluation.data import read_jsonl, require
from storyline.model import Article, Citation
from storyline.summarize import SummaryOptions, summarize
from storyline.summarize.sentences import clean_sentence, debris
from storyline.summarize.support import support_rate
from storyline.text import split_sentences, words

SEED = 13
# Hand labels of (summary sentence, document) pairs, in a source checkout only.
LABELS = Path(__file__).resolve().parents[3] / "tests" / "data" / "citation_dev_labels.jsonl"
SYSTEMS = ("storyline", "lead", "random", "lexrank", "textrank", "oracle")
_NUM = re.compile(r"(?<![\w.,])\d+(?:,\d{3})*(?:\.\d+)?")

System = Callable[[list[Article], int, int], list[Citation]]
# The oracle also reads the reference summary it is an upper bound for.
Oracle = Callable[[list[Article], int, int, str], list[Citation]]


def _sentences(articles: list[Article]) -> list[list[Citation]]:
    return [[Citation(s.text, [a.id]) for s in split_sentences(a.text)] for a in articles]


def _fill(ordered: list[Citation], budget: int) -> list[Citation]:
    out: list[Citation] = []
    total = 0
    for c in ordered:
        if total >= budget:
            break
        out.append(c)
        total += len(c.text.split())
    return out


def _storyline(articles: list[Article], budget: int, index: int) -> list[Citation]:
    return summarize(articles, SummaryOptions(sentences=None, words=budget))


def _lead(articles: list[Article], budget: int, index: int) -> list[Citation]:
    per_doc = _sentences(articles)
    ordered = [
        doc[i] for i in range(max((len(d) for d in per_doc), default=0)) for doc in per_doc if i < len(doc)
    ]
    return _fill(ordered, budget)


def _random(articles: list[Article], budget: int, index: int) -> list[Citation]:
    pool = [c for doc in _sentences(articles) for c in doc]
    random.Random(SEED + index).shuffle(pool)
    return _fill(pool, budget)


class _WordTokenizer:
    """sumy wants a tokenizer; ours avoids NLTK's punkt data, which is not installed."""

    language = "english"

    def to_words(self, text: str) -> list[str]:
        return words(text)

    def to_sentences(self, text: str) -> list[str]:
        return [s.text for s in split_sentences(text)]


def _sumy(kind: str) -> System:
    try:
        from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
        from sumy.nlp.stemmers import Stemmer
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.summarizers.text_rank import TextRankSummarizer
        from sumy.utils import get_stop_words
    except ImportError:
        raise MissingExtraError("sumy", "eval") from None
    cls = LexRankSummarizer if kind == "lexrank" else TextRankSummarizer
    summarizer = cls(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = _WordTokenizer()

    def run(articles: list[Article], budget: int, index: int) -> list[Citation]:
        per_doc = _sentences(articles)
        origin: dict[str, Citation] = {}
        paragraphs = []
        for doc in per_doc:
            sents = []
            for c in doc:
                origin.setdefault(c.text, c)
                sents.append(Sentence(c.text, tokenizer))
            if sents:
                paragraphs.append(Paragraph(sents))
        if not paragraphs:
            return []

        def take(infos: list[Any]) -> list[Any]:  # sumy SentenceInfo list, best first
            out: list[Any] = []
            total = 0
            for info in infos:
                if total >= budget:
                    break
                out.append(info)
                total += len(str(info.sentence).split())
            return out

        chosen = summarizer(ObjectDocumentModel(paragraphs), take)
        return [origin[str(s)] for s in chosen if str(s) in origin]

    return run


def _oracle(scorer: Any) -> Oracle:  # scorer: a rouge_scorer.RougeScorer (optional extra)
    """Greedy extractive oracle: add the sentence that most raises R1+R2 F of the
    (budget-cut) selection; stop when nothing raises it or the budget is reached."""

    def grams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
        return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))

    def f(cand: Counter[tuple[str, ...]], ref: Counter[tuple[str, ...]]) -> float:
        overlap = sum((cand & ref).values())
        if not overlap:
            return 0.0
        p, r = overlap / sum(cand.values()), overlap / sum(ref.values())
        return 2 * p * r / (p + r)

    def run(articles: list[Article], budget: int, index: int, reference: str = "") -> list[Citation]:
        pool = [c for doc in _sentences(articles) for c in doc]
        toks = [scorer._tokenizer.tokenize(c.text) for c in pool]
        ref = scorer._tokenizer.tokenize(reference)
        ref1, ref2 = grams(ref, 1), grams(ref, 2)
        chosen: list[int] = []
        best_score, total = 0.0, 0
        while total < budget:
            best = None
            for i in range(len(pool)):
                if i in chosen:
                    continue
                seq = [t for j in sorted(chosen + [i]) for t in toks[j]][: max(budget, 1) * 2]
                s = f(grams(seq, 1), ref1) + f(grams(seq, 2), ref2)
                if s > best_score:
                    best_score, best = s, i
            if best is None:
                break
            chosen.append(best)
            total += len(pool[best].text.split())
        return [pool[i] for i in sorted(chosen)]

    return run


def _cut(citations: list[Citation], budget: int) -> str:
    toks = " ".join(c.text for c in citations).split()
    return " ".join(toks[:budget])


def _unsupported_numbers(citations: list[Citation], texts: dict[str, str]) -> int:
    bad = 0
    for c in citations:
        for num in _NUM.findall(c.text):
            value = num.replace(",", "")
            for src in c.sources:
                plain = {n.replace(",", "") for n in _NUM.findall(texts.get(src, ""))}
                if value not in plain:
                    bad += 1
    return bad


def sentence_key(text: str) -> str:
    """How the labels name a summary sentence: the first 16 hex digits of its SHA-1 (the
    labels file holds no source text)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def read_labels(path: Path, data: Path) -> dict[tuple[str, str, str], bool]:
    """(record id, sentence key, document id) -> does the document state the sentence, for
    the labels of ``data``'s file (matched by its stem); empty when there are none."""
    if not path.is_file():
        return {}
    out: dict[tuple[str, str, str], bool] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("data") == data.stem:
                out[(row["record"], row["sentence_sha1"], row["article"])] = bool(row["states"])
    return out


def is_debris(text: str) -> bool:
    """The sentence starts with page debris or is a caption, teaser or truncated."""
    return clean_sentence(text) != text or debris(text) is not None


def _score_citations(
    out: list[Citation],
    record: str,
    labels: dict[tuple[str, str, str], bool],
    doc_ids: list[str],
    counts: Counter[str],
) -> None:
    for cit in out:
        key = sentence_key(cit.text)
        for doc in doc_ids:
            label = labels.get((record, key, doc))
            cited = doc in cit.sources
            if label is None:
                counts["unlabelled"] += cited
                continue
            if cited:
                counts["cited"] += 1
                counts["cited_true"] += label
                if doc != cit.sources[0]:
                    counts["other"] += 1
                    counts["other_true"] += label
            if label:
                counts["true"] += 1
                counts["true_cited"] += cited


def evaluate(
    data: Path,
    *,
    limit: int | None = None,
    systems_to_run: tuple[str, ...] = SYSTEMS,
    labels: Path | None = None,
    **_: object,
) -> EvalReport:
    """ROUGE and support rate of storyline and the baselines on a format-B file
    (``systems_to_run``: a subset of ``SYSTEMS``, for quick gates).

    Example: ``storyline eval summarize --data ../shared/data/mds/neus_val.jsonl --limit 20``.
    """
    try:
        from rouge_score import rouge_scorer
    except ImportError:
        raise MissingExtraError("rouge-score", "eval") from None
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    unknown = set(systems_to_run) - set(SYSTEMS)
    if unknown:
        raise InputError(f"unknown summarize systems {sorted(unknown)} (known: {SYSTEMS})")
    names = [name for name in SYSTEMS if name in systems_to_run]
    systems: dict[str, System] = {"storyline": _storyline, "lead": _lead, "random": _random}
    for name in ("lexrank", "textrank"):
        if name in names:
            systems[name] = _sumy(name)
    oracle = _oracle(scorer)
    sums: dict[str, Counter[str]] = {name: Counter() for name in names}
    supported: dict[str, list[int]] = {name: [0, 0] for name in names}
    dirty: Counter[str] = Counter()
    label_map = read_labels(labels or LABELS, data)
    labelled = {record for record, _, _ in label_map}
    cite_counts: Counter[str] = Counter()
    multi = 0
    bad_numbers = 0
    storyline_seconds = 0.0
    n = 0
    started = time.time()
    for index, record in enumerate(read_jsonl(data, limit)):
        require(record, ("documents", "summary"), data, "a format-B record")
        reference = record["summary"] or ""
        articles = [
            Article(id=f"d{i}", text=doc) for i, doc in enumerate(record["documents"]) if doc and doc.strip()
        ]
        texts = {a.id: a.text for a in articles}
        budget = max(1, len(reference.split()))
        for name in names:
            t0 = time.perf_counter()
            if name == "oracle":
                out = oracle(articles, budget, index, reference)
            else:
                out = systems[name](articles, budget, index)
            if name == "storyline":
                storyline_seconds += time.perf_counter() - t0
                bad_numbers += _unsupported_numbers(out, texts)
                multi += sum(1 for c in out if len(c.sources) > 1)
                if str(record.get("id")) in labelled:
                    ids = [a.id for a in articles]
                    _score_citations(out, str(record.get("id")), label_map, ids, cite_counts)
            dirty[name] += sum(1 for c in out if is_debris(c.text))
            cut = _cut(out, budget)
            scores = scorer.score(reference, cut)
            for metric in ("rouge1", "rouge2", "rougeL"):
                sums[name][metric] += scores[metric].fmeasure
            sums[name]["words"] += len(cut.split())
            supported[name][0] += round(support_rate(out, texts) * len(out))
            supported[name][1] += len(out)
        n += 1
        if n % 10 == 0:
            print(f"summarize eval: {n} examples, {time.time() - started:.0f}s", file=sys.stderr)
    results = {
        name: {
            "rouge1": sums[name]["rouge1"] / max(n, 1),
            "rouge2": sums[name]["rouge2"] / max(n, 1),
            "rougeL": sums[name]["rougeL"] / max(n, 1),
            "support_rate": supported[name][0] / supported[name][1] if supported[name][1] else 1.0,
            "debris_rate": dirty[name] / supported[name][1] if supported[name][1] else 0.0,
            "words": sums[name]["words"] / max(n, 1),
        }
        for name in names
    }
    seconds = storyline_seconds / max(n, 1)
    produced = supported["storyline"][1] if "storyline" in supported else 0
    extra: dict[str, Any] = {
        "unsupported_numbers": bad_numbers,
        "seconds_per_example": round(seconds, 4),
        "multi_source_rate": round(multi / produced, 4) if produced else 0.0,
    }
    notes = [
        "",
        "Every system is cut to the reference summary's word count; ROUGE F with stemming.",
        f"storyline: {bad_numbers} numbers not found in a cited document; "
        f"{seconds * 1000:.0f} ms per example; {multi} of {produced} sentences cite more "
        "than one document.",
    ]
    if cite_counts["cited"]:
        c = cite_counts
        extra["citation"] = {
            "precision": round(c["cited_true"] / c["cited"], 4),
            "pairs": c["cited"],
            "other_precision": round(c["other_true"] / c["other"], 4) if c["other"] else None,
            "other_pairs": c["other"],
            "recall": round(c["true_cited"] / c["true"], 4) if c["true"] else None,
            "unlabelled_pairs": c["unlabelled"],
        }
        notes.append(
            f"citation precision on hand-labelled pairs: {c['cited_true']}/{c['cited']} = "
            f"{c['cited_true'] / c['cited']:.3f} (other than the origin: "
            f"{c['other_true']}/{c['other']}); recall {c['true_cited']}/{c['true']}; "
            f"{c['unlabelled']} cited pairs unlabelled."
        )
    return EvalReport(
        task="summarize",
        data=str(data),
        n=n,
        systems=results,
        notes=notes,
        extra=extra,
    )
