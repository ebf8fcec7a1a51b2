"""Per-article extraction: dates (``timex``), entities, figures and who states them
(``claims``), and the vectors grouping compares (``embed``).

``analyze_article`` is the per-article record every later stage reads (sentences, the dates
they name, the figures): computed once, attached to the article, and storable.
"""

from __future__ import annotations

from storyline.extract.analysis import analysis_of, sentences_of
from storyline.extract.claims import extract_quantities
from storyline.model import Article, ArticleAnalysis

__all__ = ["analysis_of", "analyze_article", "sentences_of"]


def analyze_article(article: Article) -> ArticleAnalysis:
    """The complete analysis of one article (sentences, dates, figures), attached to it.

    >>> a = Article(id="a", text="More than 300 Afghan troops fled on Sunday.", published="2021-07-05")
    >>> r = analyze_article(a)
    >>> (len(r.sentences), r.days, [q.value for q in r.quantities or []])
    (1, {0: '2021-07-04'}, ['more than 300'])
    """
    extract_quantities(article)  # fills analysis_of(article).quantities
    return analysis_of(article)
