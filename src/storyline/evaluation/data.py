"""Readers for the evaluation data formats (A-E of ../shared/data/README.md).

They work on any file of the format, gzipped or not, and name the file and line when a
record is malformed instead of failing with a traceback.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from storyline.errors import InputError


def open_text(path: Path) -> IO[str]:
    """Open a plain or gzipped UTF-8 text file."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def read_jsonl(path: Path, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSON Lines file (``.gz`` allowed)."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    count = 0
    try:
        with open_text(path) as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
                if not isinstance(obj, dict):
                    raise InputError(f"{path}:{lineno}: expected a JSON object")
                yield obj
                count += 1
                if limit is not None and count >= limit:
                    return
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None


def require(obj: dict[str, Any], keys: tuple[str, ...], path: Path, what: str) -> None:
    """Raise a clear InputError when a record lacks a field its format requires."""
    missing = [k for k in keys if k not in obj]
    if missing:
        raise InputError(f"{path}: record {obj.get('id', '?')!r} is not {what}: missing {missing}")
