"""Known inputs: a file that the store read completely before, unchanged since, is not read again.

Re-adding a collection (a daily ``storyline add corpus/``) used to parse and clean every file
and only then find every article stored already: the cost of ingesting all of it, for
nothing. After a successful ``add``, each file that gave articles and no error is remembered
in the store (``StoryStore.set_json``, one key per file): its resolved path, size, mtime
(ns), a SHA-256 of its content (whole, or the first and last MiB of a big file) and the
ids under which its articles are stored. A later run recognises the file before opening a
reader and counts its articles as unchanged.

A file counts as known only when all of these hold, else it is read as usual:

- same path, same size, and either the same mtime and the same head-and-tail hash, or (the
  file was touched or copied back) the same full-content hash;
- the options are those the store was built with and the file was read with (other ingest,
  clean or analysis settings could make other articles of the same bytes);
- every article id recorded is still in the store.

URLs and files that gave an error are never remembered (read again, errors reported again).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storyline.ingest.inputs import InputFile
from storyline.model import Article, IngestError

if TYPE_CHECKING:
    from storyline.options import Options
    from storyline.store import StoryStore

KEY_PREFIX = "known_input:"
MiB = 1 << 20
# Files up to this size are hashed whole on every check (~5 ms per 10 MiB); bigger ones by
# their first and last MiB when size and mtime agree, whole only when the mtime differs.
WHOLE_HASH_BYTES = 8 * MiB
# Options that say where and how fast a run works, not what it makes of a file.
_RUN_SETTINGS = ("engine", "scheduler", "batch_size", "workers")


@dataclass(frozen=True)
class Fingerprint:
    """What identifies one input file's content without parsing it."""

    path: str  # resolved, absolute
    size: int
    mtime_ns: int
    quick: str  # sha256 of the whole file (small) or of its first and last MiB

    @property
    def key(self) -> str:
        return KEY_PREFIX + hashlib.sha256(self.path.encode("utf-8", "surrogateescape")).hexdigest()[:32]


@dataclass
class KnownInput:
    """A file recognised as read before: its articles' stored ids."""

    file: InputFile
    ids: list[str]


@dataclass
class Reading:
    """What ``read_inputs`` gives ``pipeline.add``: the articles and errors read, the files
    skipped as known, and the files read whole without an error (to remember after the add)."""

    articles: list[Article] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    known: list[KnownInput] = field(default_factory=list)
    clean_files: list[tuple[Fingerprint, list[Article]]] = field(default_factory=list)

    @property
    def known_ids(self) -> list[str]:
        return [aid for k in self.known for aid in k.ids]


def settings_key(options: Options) -> str:
    """A hash of the options that decide what a file's articles become (all but the run
    settings and the LLM key)."""
    data = options.to_dict()
    for name in _RUN_SETTINGS:
        data.pop(name, None)
    data.get("llm", {}).pop("api_key", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32]


def fingerprint(file: InputFile) -> Fingerprint | None:
    """The file's fingerprint; None for a URL or a file that cannot be read now."""
    if file.url is not None:
        return None
    try:
        path = file.path.resolve()
        st = path.stat()
        return Fingerprint(str(path), st.st_size, st.st_mtime_ns, _quick_hash(path, st.st_size))
    except OSError:
        return None


def _quick_hash(path: Path, size: int) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        if size <= WHOLE_HASH_BYTES:
            h.update(fh.read())
        else:
            h.update(fh.read(MiB))
            fh.seek(size - MiB)
            h.update(fh.read(MiB))
    return h.hexdigest()


def _full_hash(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(4 * MiB):
            h.update(chunk)
    return h.hexdigest()


def recognise(store: StoryStore, file: InputFile, settings: str, stored: set[str]) -> KnownInput | None:
    """``file`` as a known input of ``store`` (see the module docstring), or None."""
    fp = fingerprint(file)
    if fp is None:
        return None
    rec = store.get_json(fp.key)
    if not isinstance(rec, dict) or rec.get("path") != fp.path or rec.get("size") != fp.size:
        return None
    if rec.get("settings") != settings:
        return None
    if rec.get("mtime_ns") == fp.mtime_ns or fp.size <= WHOLE_HASH_BYTES:
        same = rec.get("quick") == fp.quick  # a small file's quick hash is of all of it
    else:  # touched, or copied back: compare the whole content
        try:
            same = rec.get("full") == _full_hash(fp.path)
        except OSError:
            return None
    ids = rec.get("ids")
    if not same or not isinstance(ids, list) or not all(isinstance(i, str) and i in stored for i in ids):
        return None
    return KnownInput(file, list(ids))


def read_inputs(
    store: StoryStore,
    engine: Any,
    paths: Iterable[str | Path],
    options: Options,
    saved: Options,
    progress: Any = None,
) -> Reading:
    """Walk ``paths``; skip the known files (only when ``options`` are the store's ``saved``
    ones); read the rest on ``engine`` (per file where the engine can say which file gave
    what: ``LocalEngine.read_files``; else all together, and nothing is remembered)."""
    from storyline.ingest.inputs import walk

    out = Reading()
    settings = settings_key(options)
    items = list(walk(paths))
    files = [i for i in items if isinstance(i, InputFile)]
    if files and settings == settings_key(saved):
        stored = set(store.groups())
        left: list[InputFile | IngestError] = []
        for item in items:
            found = recognise(store, item, settings, stored) if isinstance(item, InputFile) else None
            if found is None:
                left.append(item)
            else:
                out.known.append(found)
        items = left
    read_files = getattr(engine, "read_files", None)
    if read_files is None:
        paths_left = [i.name if isinstance(i, InputFile) else i.path for i in items]
        out.articles, out.errors = (
            engine.read_articles(paths_left, options, progress) if paths_left else ([], [])
        )
        return out
    # Fingerprints taken before reading: a file changed while it is read is not remembered.
    before = {id(i): fingerprint(i) for i in items if isinstance(i, InputFile)}
    for item, arts, errs in read_files(items, options, progress):
        out.articles += arts
        out.errors += errs
        fp = before.get(id(item))
        if fp is not None and arts and not errs:
            out.clean_files.append((fp, arts))
    return out


def remember(store: StoryStore, reading: Reading, options: Options) -> None:
    """Record the files of ``reading`` that were read whole without an error, with the ids
    their articles are stored under now (``pipeline.add`` renames clashing ids in place)."""
    if not reading.clean_files:
        return
    settings = settings_key(options)
    with store.writing():
        for fp, arts in reading.clean_files:
            try:
                st = os.stat(fp.path)
                if (st.st_size, st.st_mtime_ns) != (fp.size, fp.mtime_ns):
                    continue  # changed since it was read: read it again next time
                full = _full_hash(fp.path) if fp.size > WHOLE_HASH_BYTES else fp.quick
            except OSError:
                continue
            rec = {
                "path": fp.path,
                "size": fp.size,
                "mtime_ns": fp.mtime_ns,
                "quick": fp.quick,
                "full": full,
                "settings": settings,
                "records": len(arts),
                "ids": [a.id for a in arts],
            }
            store.set_json(fp.key, rec)


def summary(files_known: int, n: int) -> str:
    """The console's account of skipped files: "unchanged: 3 files, 1,000 articles already
    stored" (``n``: all the unchanged articles of the run, read or not)."""
    files = f"{files_known} file{'s' if files_known != 1 else ''}"
    return f"unchanged: {files}, {n:,} article{'s' if n != 1 else ''} already stored"


def account(store: StoryStore, reading: Reading, result: Any) -> None:
    """Count the known files' articles in ``result`` (a ``pipeline.AddResult``) as an ``add``
    that read them would have: unchanged, in their stories, none of them changed."""
    ids = reading.known_ids
    result.known_files = len(reading.known)
    if not ids:
        return
    result.unchanged += ids
    groups = store.groups()
    stories = {groups[aid][0] for aid in ids if groups.get(aid, (None, None))[0]}
    result.stories = sorted(set(result.stories) | {s for s in stories if s})
