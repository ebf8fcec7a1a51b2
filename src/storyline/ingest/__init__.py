"""Read articles from files and folders: text, HTML, JSONL/CSV/JSON, RSS/Atom, WARC, gzip.

Reading is split in two so that it can run per article anywhere (one process or a cluster):
``iter_records`` turns inputs into raw ``Record``s (or ``IngestError``s, never exceptions),
and ``prepare`` turns one record into a cleaned ``Article``: metadata read from the document,
title split off, boilerplate removed. Nothing is dropped silently: every input is either a
record or an error with a one-line reason naming the file.

Layout: ``inputs.walk`` is the one walk over inputs (every engine uses it, and partitions
its output as it likes); ``formats`` maps suffixes to one reader module per format
(``text``, ``html``, ``records``, ``feed``, ``warc``), each registered with one line;
``base`` holds what formats share; ``articles.prepare`` cleans; ``meta`` reads metadata.
"""

from __future__ import annotations

from storyline.ingest.articles import prepare
from storyline.ingest.base import (
    IngestOptions,
    Record,
    content_hash,
    decode,
    record_from_mapping,
    short_id,
    split_suffix,
    stem,
)
from storyline.ingest.formats import FORMATS, Format, format_for, formats, register
from storyline.ingest.inputs import InputFile, iter_records, read_file, read_items, walk

__all__ = [
    "FORMATS",
    "Format",
    "IngestOptions",
    "InputFile",
    "Record",
    "content_hash",
    "decode",
    "format_for",
    "formats",
    "iter_records",
    "prepare",
    "read_file",
    "read_items",
    "record_from_mapping",
    "register",
    "short_id",
    "split_suffix",
    "stem",
    "walk",
]
