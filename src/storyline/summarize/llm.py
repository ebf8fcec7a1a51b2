"""Optional abstractive summary through an OpenAI-compatible chat endpoint (off by default).

A language model writes more fluent summaries than extraction, and also invents numbers.
So the model only ever sees numbered source sentences and must cite them ("[3][7]"); its
citations are mapped back to article ids and every sentence then goes through the same
support check as the extractive summary (``storyline.summarize.support.check_citations``): a sentence
that its cited articles do not state is cut, never shown. Works with any server speaking
``POST /v1/chat/completions`` (llama.cpp, vLLM, Ollama, LM Studio, a hosted API); only the
standard library is used, so no extra is needed.
"""

from __future__ import annotations

import dataclasses
import json
import re
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from storyline.errors import StorylineError
from storyline.model import Article, Citation
from storyline.summarize.options import LLMOptions, SummaryOptions
from storyline.summarize.sentences import body_sentences, clean_sentence, usable
from storyline.summarize.support import check_citations
from storyline.text import split_sentences

if TYPE_CHECKING:
    from storyline.options import Options

__all__ = ["LLMOptions", "LLMSummarizer", "abstractive_summary", "build_messages", "parse_citations"]


_CITE = re.compile(r"\[(\d+)\]")

_SYSTEM = (
    "You summarize news articles about one story. Use only facts stated in the numbered "
    "source sentences. After every sentence you write, cite the source sentences that state "
    "it, like [3][7]. Do not add numbers, dates or names that the cited sentences lack."
)


def _numbered(articles: list[Article], limit: int) -> list[tuple[str, str]]:
    """(article id, sentence) pairs the model may cite, lead sentences of every article
    first (round robin) so that a long article cannot crowd out the others."""
    per_article = []
    rules = SummaryOptions()
    for art in articles:
        if art.duplicate_of:
            continue
        sents = [clean_sentence(s.text) for s in body_sentences(art)]
        per_article.append([(art.id, s) for s in sents if usable(s, rules)])
    out: list[tuple[str, str]] = []
    depth = max((len(p) for p in per_article), default=0)
    for i in range(depth):
        for p in per_article:
            if i < len(p) and len(out) < limit:
                out.append(p[i])
    return out


def build_messages(
    articles: list[Article], options: LLMOptions
) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """The chat messages and the numbered sentences they show (index 0 is [1])."""
    numbered = _numbered(articles, options.max_source_sentences)
    lines = [f"[{i}] ({aid}) {text}" for i, (aid, text) in enumerate(numbered, 1)]
    user = (
        "Source sentences:\n" + "\n".join(lines) + "\n\n"
        f"Write a summary of at most {options.sentences} sentences, each followed by its "
        "citations."
    )
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": user}], numbered


def parse_citations(completion: str, numbered: list[tuple[str, str]]) -> list[Citation]:
    """Split the model's text into sentences and map their [n] markers to article ids.
    A sentence with no valid marker gets no sources (and is cut by the support check)."""
    # Markers written after the period ("... fled. [2][5] Then ...") belong to the sentence
    # before them: move them inside it so the sentence splitter keeps them together.
    completion = re.sub(r"([.!?][\"'”’]?)((?:\s*\[\d+\])+)", r"\2\1", completion)
    out: list[Citation] = []
    for sent in split_sentences(completion):
        ids: list[str] = []
        for m in _CITE.finditer(sent.text):
            n = int(m.group(1))
            if 1 <= n <= len(numbered) and numbered[n - 1][0] not in ids:
                ids.append(numbered[n - 1][0])
        text = re.sub(r"\s*\[\d+\]", "", sent.text).strip()
        text = re.sub(r"\s+([.!?,;:])", r"\1", text)
        if not re.search(r"\w", text):  # a stray marker line
            if out:
                out[-1].sources.extend(i for i in ids if i not in out[-1].sources)
            continue
        out.append(Citation(text=text, sources=ids))
    return out


def _post(url: str, payload: dict[str, Any], options: LLMOptions) -> Any:
    endpoint = url.rstrip("/")
    if not endpoint.endswith("/chat/completions"):
        endpoint += "/chat/completions" if endpoint.endswith("/v1") else "/v1/chat/completions"
    headers = {"Content-Type": "application/json"}
    if options.api_key:
        headers["Authorization"] = f"Bearer {options.api_key}"
    request = urllib.request.Request(
        endpoint, data=json.dumps(payload).encode("utf-8"), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=options.timeout) as response:  # noqa: S310  # user-given URL is the point
            return json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError, OSError) as exc:
        raise StorylineError(f"LLM endpoint {endpoint}: request failed ({exc})") from None


def abstractive_summary(
    articles: list[Article], url: str, model: str, options: LLMOptions | None = None
) -> list[Citation]:
    """Ask the model at ``url`` for a cited summary; return only supported sentences.

    Example (any OpenAI-compatible server, e.g. ``llama-server -m model.gguf --port 8080``)::

        abstractive_summary(articles, "http://127.0.0.1:8080", "local")
    """
    options = options or LLMOptions()
    messages, numbered = build_messages(articles, options)
    if not numbered:
        return []
    reply = _post(url, {"model": model, "messages": messages, "temperature": options.temperature}, options)
    try:
        completion = reply["choices"][0]["message"]["content"] or ""
    except (KeyError, IndexError, TypeError):
        raise StorylineError(f"LLM endpoint {url}: unexpected reply shape") from None
    citations = parse_citations(completion, numbered)
    texts = {a.id: a.text for a in articles}
    return check_citations(citations, texts, options.support)


class LLMSummarizer:
    """The ``llm`` summarizer (``method = "llm"``): ``abstractive_summary`` at
    ``options.llm.url``, asking for ``options.summary.sentences`` sentences when set (else
    ``options.llm.sentences``)."""

    def summarize(self, articles: list[Article], options: Options) -> list[Citation]:
        llm = options.llm
        if not llm.url:
            raise StorylineError("the llm summary method needs an endpoint URL (--llm URL)")
        asked = dataclasses.replace(llm, sentences=options.summary.sentences or llm.sentences)
        return abstractive_summary(articles, llm.url, llm.model or "default", asked)
