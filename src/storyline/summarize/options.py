"""Options of the summarize stage: light dataclasses, importable without numpy, sklearn
or nltk.

Kept apart from the code that uses them so that ``storyline.options`` (and through it the
CLI, the web app and the store's saved options) can build, save and read them without
loading the summarizers, and so that ``extractive``, ``llm`` and ``support`` depend on this
module rather than on each other for their options.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LLMOptions", "SummaryOptions", "SupportOptions"]


@dataclass
class SupportOptions:
    """How strict the support check is.

    ``min_coverage``: share of the sentence's content words (stemmed) that must occur in one
    window of the source. Calibrated on Multi-News validation (first 100 records, 1,001
    reference-summary sentences of 6+ words): checked against a *different* example's
    documents, 0.3% of them reach 0.7 (1.8% reach 0.5), so 0.7 rarely lets an unrelated
    passage "support" a sentence; extracted sentences reach 1.0 by construction and close
    cross-source restatements in the seed articles reach 0.7-0.9 (31% of the abstractive
    reference sentences reach 0.7 against their own documents: paraphrase is not support).
    ``long_sentence``, ``window``: a sentence of fewer content stems than ``long_sentence``
    must be a near-paraphrase of *one* source sentence (since issue 15: with 3-sentence
    windows, a short sentence's few words were found in almost any passage of a long story:
    "Pistorius should have been found guilty of murder." cited 20 articles, 17 of which do
    not say it). A longer one may be matched by ``window`` consecutive source sentences,
    since outlets split a compound sentence differently (seed 004 gives the UN envoy's
    warning of seed 003 in three sentences), if one of them (the anchor) holds at least
    ``anchor`` of its content words: a passage about the thing, not words picked from
    three sentences about three things.
    Thresholds were set on hand labels of Multi-News validation records 0-19
    (``tests/data/citation_dev_labels.jsonl``): 0.75 and the anchor keep out the
    non-origin citations labelled wrong at 0.70 (a different fact sharing most words:
    "turned out to be a false alarm" by "responded to an alarm").
    ``names_must_match``: every capitalised name and acronym of the sentence (but its first
    word) is a word of that source sentence: same people, places, speaker.
    ``short_sentence``: a sentence of fewer content stems must have all of them in the
    source sentence: with four, "75%" lets the one word that makes the claim go missing
    ("The army said there will be no violence against the people." is not stated by
    "Violence will not address the grievances of the people."; Timeline17, Egypt).
    With ``names_must_match``, the speaker a sentence names ("the army said", "according
    to police") must be in the source sentence too.
    ``polarity_must_match``: the same negation and modality ("not", "should", "could") about
    the words both share (see ``support._same_markers``).
    """

    min_coverage: float = 0.75
    window: int = 3
    long_sentence: int = 14
    anchor: float = 0.45
    short_sentence: int = 6
    numbers_must_match: bool = True
    dates_must_match: bool = True
    names_must_match: bool = True
    polarity_must_match: bool = True
    # A qualified number ("more than N") is entailed by a source value up to this factor
    # away on the right side; beyond it, the sentence says something the source does not.
    comparative_range: float = 1.5


@dataclass
class SummaryOptions:
    """What the summary looks like and how sentences are chosen.

    Weights and thresholds were tuned with small grids on Multi-News validation records
    0-49 (ROUGE-1/2 F, every summary cut to the reference's length), then checked on NeuS
    records 0-99. The ROUGE differences inside each grid were small (under 0.01): lead
    weight 0/0.4/0.8/1.5 (0 was worst, -0.01), agreement weight 0-1 (flat; 0.6 keeps
    facts several outlets state, as a story summary should), MMR lambda 0.5/0.7/0.9 and
    overlap 0.35/0.5 (0.5 and 0.35 best), max words 40/50/70 (50 best).
    """

    # Which registered summarizer writes the summary (storyline.summarize.SUMMARIZERS):
    # "extractive" (default) or "llm" (an OpenAI-compatible endpoint, see ``LLMOptions``).
    method: str = "extractive"
    sentences: int | None = 5  # at most this many sentences (None: no limit)
    words: int | None = None  # stop once the summary has this many words (None: no limit)
    min_words: int = 8  # shorter sentences are headlines, captions or fragments
    max_words: int = 50  # longer ones are run-ons or lists
    centrality_weight: float = 1.0
    agreement_weight: float = 0.6  # times 1 - 0.5**(other articles stating the sentence)
    lead_weight: float = 0.4  # bonus of an article's first sentence, decaying with position
    lead_decay: float = 0.25  # bonus = weight / (1 + decay * position)
    mmr_lambda: float = 0.5  # importance vs novelty in MMR
    max_overlap: float = 0.35  # never pick a sentence this similar (TF-IDF cosine) to a chosen one
    # TF-IDF cosine from which another article's sentence may restate a candidate; only a
    # cheap gate before the support check, which decides.
    cite_similarity: float = 0.3
    support: SupportOptions = field(default_factory=SupportOptions)
    # None: TF-IDF only (fast, no torch). "minilm": all-MiniLM-L6-v2 sentence embeddings
    # for centrality and redundancy (extra "embed": the embedder of storyline.extract.embed,
    # loaded once per process and shared with grouping). On Multi-News records 0-49 it scored ROUGE-1
    # .453 against TF-IDF's .457 at 10-100x the time, hence off by default.
    embeddings: str | None = None
    # With a word budget, fill it with lesser sentences (headlines, "He said ...", bare
    # quotes) once the good ones are spent, as the lead baseline does; on Multi-News
    # records 0-49 this lifted ROUGE-1 from .457 to .468 (short inputs, long references).
    fill: bool = True
    # Embedding cosines run higher than TF-IDF ones; 0.75 was best of 0.6/0.75/0.9 there.
    embedding_max_overlap: float = 0.75
    # Big stories: only this many candidates (the most central and lead-like; agreement
    # can add at most ``agreement_weight``) get the full score, and a candidate's agreement
    # counts at most ``agreement_voices`` voices (1 - 0.5**7: 99% of the bonus). The
    # chosen sentences still cite every article that states them. Without these caps the
    # support checks grow as articles x sentences: 450 T17 articles took 140 s to analyse.
    # Neither binds on Multi-News or NeuS (2-10 articles), so their scores are unchanged.
    max_scored: int = 400
    agreement_voices: int = 8
    # Agreement counts only for a sentence at least this central (cosine to the story
    # centroid, as a share of the best): a teaser link that 24 pages of a Timeline17 story
    # repeat ("2 men charged in death of Chicago teen ...", 0.14) is not what they agree on.
    agreement_min_centrality: float = 0.25


@dataclass
class LLMOptions:
    """Endpoint, prompt budget and request settings of the ``llm`` summarizer.

    ``url`` and ``model`` say which OpenAI-compatible server to ask (``--llm``/``--model`` on
    the command line); ``api_key`` is never saved with the store's options (it is a secret,
    and the store is a plain file). The pipeline asks for ``SummaryOptions.sentences``
    sentences when that is set, else ``sentences``.
    """

    url: str | None = None
    model: str | None = None  # None: "default", which most single-model servers accept
    sentences: int = 5  # sentences asked of the model
    max_source_sentences: int = 60  # per request: ~2-3k tokens, fits small local models
    temperature: float = 0.0  # deterministic where the server allows it
    timeout: float = 120.0  # seconds; local CPU models are slow
    api_key: str | None = None  # sent as a Bearer token when set
    support: SupportOptions = field(default_factory=SupportOptions)
