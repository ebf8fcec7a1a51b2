"""The options of the compare stage, in a module of their own so every part reads them."""

from __future__ import annotations

from dataclasses import dataclass, field

from storyline.extract.claims import DURATIONS, MEASURES


@dataclass
class CompareOptions:
    """Knobs of the compare stage.

    ``min_similarity`` and ``window`` were set on the five seed articles
    (/work/shared/seeds), the only data with figures labelled by event: with a 12-word window
    the same-event pairs that hold the groups together score 0.36-0.75 (Afghan troops
    crossing into Tajikistan; six vs 10 districts falling in Badakhshan, 0.46; the UN envoy's
    "more than 50" districts, 0.60), different-event pairs of one unit at most 0.29
    (districts in Badakhshan vs country-wide) and 0.17 (US troops withdrawing vs Afghan
    troops fleeing). The margin is thin: recheck it when a labelled set of figures exists.
    ``min_group_similarity`` stops single-link chaining; it was set by eye on 60 articles of
    Timeline17 H1N1_bbc (flu counts of different countries and days chained into one group
    at 0) and does not bind on the seeds.
    """

    min_similarity: float = 0.35
    min_group_similarity: float = 0.2
    # Added to the similarity of two figures of different articles that name the same event
    # class near them ("killed"), and of two that are each their article's only figure of
    # the unit: across outlets the same count is told in different words ("three suicide
    # bombings in Damascus killed 27 people" / "car bombs ... killing 27 people"). Set with
    # the planted figures of ``storyline eval compare`` on Multi-News (the dev set).
    event_bonus: float = 0.15
    lone_bonus: float = 0.35
    # Added to the score of two differing figures (the confidence of a conflict or change)
    # per name their sentences share (up to 3) and per other figure they share (up to 2),
    # and when each is its article's only figure of a noun rarer than "people". Set with the
    # planted figures and the controls of ``storyline eval compare`` on Multi-News (dev).
    shared_name_weight: float = 0.1
    shared_number_weight: float = 0.2
    specific_lone_bonus: float = 0.3
    # Words each side of the figure that describe it (0: the whole sentence).
    window: int = 12
    # "more than N" reaches up to N + max(step of N's last significant digit, slack * N).
    more_than_slack: float = 0.25
    # "about N" = [N (1 - tol), N (1 + tol)]; 10 % is the brief's convention ("about 300" =
    # [270, 330]).
    about_tolerance: float = 0.10
    # Counts in news (crossed, killed, fell) only grow; a lower later figure is a conflict.
    allow_decrease: bool = False
    # Measures, heights and scores rather than counts: never compared.
    skip_units: frozenset[str] = field(default_factory=lambda: frozenset(DURATIONS | MEASURES))
    # Name tokens at least this similar (rapidfuzz ratio, 0-100) are one name: "Badakshan" /
    # "Badakhshan" (94.7), "Bandrar" / "Bandar" (92.3); "Kunduz" / "Kandahar" is 57.
    name_fold_ratio: float = 88.0
    # A conflict is shown (``Comparison.shown``) only at this confidence or above; below it
    # the row is kept, marked, behind "show all". Calibrated on the hand-labelled Multi-News
    # dev rows (tests/data/compare_dev_labels.jsonl) and the planted/control sets of
    # ``storyline eval compare`` (see docs in ``storyline.evaluation.compare``).
    min_conflict_confidence: float = 0.6
    # Rows shown per story, most important first; the rest are stored with ``shown=False``.
    shown_per_story: int = 10
    # A row is shown only if it reads as one measured thing: at most ``max_shown_values``
    # different values (a changed_over_time row: twice that, a count rising step by step),
    # and a conflict only between values that held within ``conflict_span_days`` of each
    # other (sources a month apart disagree about different times or incidents). Set on the
    # reader check's T17 stories (benchmarks/reader_check.py: rows of 10-20 different
    # "people killed" counts from months of a war, every one labelled junk), leaving the
    # Multi-News planted recall and labelled rows of ``storyline eval compare`` unchanged.
    max_shown_values: int = 3
    conflict_span_days: int = 14
    # Date rows: two sentences of different articles report the same event when their words
    # (dates and numbers left out) are at least this alike and they name the same event
    # class or name (or are at least 0.6 alike).
    date_min_similarity: float = 0.2
