"""SUMMARIZE: a short extractive summary of a story in which every sentence cites every
article that states it.

Why extractive: a sentence copied from an article is true to that article by construction,
and the support check (``storyline.summarize.support``) then finds the *other* articles that state the
same thing, so a reader sees at a glance which facts several outlets agree on. The steps:

1. candidates: the sentences of each (non-duplicate) article, cleaned of what a page glued
   before them (datelines, "(AP) —", "CLOSE", "10:45 AM PT:", "Update:"), minus those a
   reader could not use out of context (questions, quote fragments, "He said ...",
   "But ...", teasers, captions, truncated or glued sentences, arguments and first-person
   asides that do not say whose they are, too short or too long): ``sentences``;
2. importance: TF-IDF centrality (cosine to the story centroid) plus multi-source
   agreement (how many distinct articles also state the sentence) plus a lead bonus
   (news puts the main facts first);
3. selection: maximal marginal relevance (MMR), so the summary does not say one thing twice;
4. citations: every article (duplicates included) that has a similar sentence *and* passes
   the support check (one of its sentences is a near-paraphrase: same names, figures,
   dates, speaker, negation; ``support``); the article a sentence was taken from must pass
   too, else the sentence is never output;
5. order: by the origin article's published date, then position, then importance.

TF-IDF keeps the stage fast and torch-free: about 35 ms per Multi-News example (2-3
articles) and 0.15 s for the five raw seed pages, on a shared 2-core machine.

Summarizers sit behind one small seam: a ``Summarizer`` has ``summarize(articles, options)``
(``options`` is the whole ``storyline.Options``) and is registered by name in
``SUMMARIZERS``; the pipeline runs the one ``options.summary.method`` names. Built in:
``extractive`` (above; module ``extractive``) and ``llm`` (module ``llm``: an
OpenAI-compatible endpoint, its sentences put through the same support check). Adding one
is a new module with a class like those plus one line in ``SUMMARIZERS``. The sentence
rules both share are public in ``sentences``; options live in ``options``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

from storyline.errors import StorylineError
from storyline.summarize.extractive import summarize
from storyline.summarize.options import LLMOptions, SummaryOptions, SupportOptions

if TYPE_CHECKING:
    from storyline.model import Article, Citation
    from storyline.options import Options

__all__ = [
    "LLMOptions",
    "SUMMARIZERS",
    "SummaryOptions",
    "Summarizer",
    "SupportOptions",
    "get_summarizer",
    "summarize",
]


class Summarizer(Protocol):
    """Writes a story's cited summary. Every sentence's ``sources`` must state it: run
    ``storyline.summarize.support.check_citations`` on anything not copied verbatim."""

    def summarize(self, articles: list[Article], options: Options) -> list[Citation]: ...


# name -> "module:class" of a summarizer with a no-argument constructor. Imported on first
# use, so a summarizer's dependencies load only when it is chosen.
SUMMARIZERS: dict[str, str] = {
    "extractive": "storyline.summarize.extractive:ExtractiveSummarizer",
    "llm": "storyline.summarize.llm:LLMSummarizer",
}


def get_summarizer(name: str) -> Summarizer:
    """The summarizer registered as ``name`` (see ``SUMMARIZERS``)."""
    target = SUMMARIZERS.get(name)
    if target is None:
        known = ", ".join(sorted(SUMMARIZERS))
        raise StorylineError(f"unknown summary method {name!r} (known: {known})")
    module, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module), attr)
    summarizer: Summarizer = cls()
    return summarizer
