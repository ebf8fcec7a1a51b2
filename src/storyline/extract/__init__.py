"""Per-article extraction: dates (``timex``), entities, figures and who states them
(``claims``), and the vectors grouping compares (``embed``)."""
