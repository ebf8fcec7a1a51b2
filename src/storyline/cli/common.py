"""What the commands share: store options, progress, failing in one line, waiting writers.

Each command module imports these by name; none of them is a command itself.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn

if TYPE_CHECKING:
    from storyline.model import IngestError, Revision
    from storyline.options import Options
    from storyline.pipeline import AddResult
    from storyline.store import StoryStore

DB_HELP = "Store to use: a SQLite file (created if absent) or a postgresql:// URL."


class StoreTarget(click.ParamType):
    """``--db``: a file path (checked as ``click.Path`` would), or a store URL kept as is."""

    name = "PATH|URL"

    def __init__(self, **path_checks: bool) -> None:
        self.path = click.Path(path_type=Path, **path_checks)

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> object:
        if isinstance(value, str) and "://" in value:  # storyline.store.open_store picks the backend
            return value
        return self.path.convert(value, param, ctx)  # type: ignore[arg-type]  # click.Path takes str or PathLike


err_console = Console(stderr=True)


def fail(exc: Exception) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


def engine_options(func: Callable[..., None]) -> Callable[..., None]:
    """--engine, --scheduler and --workers, shared by the commands that ingest. --workers
    reaches ``options()`` through the click context, not as a parameter of the command."""
    func = click.option(
        "--workers",
        type=click.IntRange(1, 64),
        default=None,
        expose_value=False,
        callback=_keep_workers,
        help="Processes for per-article work with --engine local (default: cores, at most 4; "
        "1: one process). Small inputs stay in one process.",
    )(func)
    func = click.option(
        "--scheduler",
        default=None,
        metavar="ADDR",
        help="Dask scheduler address (tcp://host:port); without it --engine dask starts a LocalCluster.",
    )(func)
    return click.option(
        "--engine",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="Where per-article work runs: this process, or a Dask cluster (extra 'dask').",
    )(func)


def _keep_workers(ctx: click.Context, _param: click.Parameter, value: int | None) -> int | None:
    ctx.meta[_WORKERS] = value
    return value


_WORKERS = "storyline.workers"


@contextmanager
def progress() -> Iterator[Callable[[str, int, int | None], None]]:
    """A rich progress display on stderr, fed by the pipeline's progress callback."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def tick(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield tick


def options(
    store: StoryStore,
    sentences: int | None = None,
    words: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    llm: str | None = None,
    model: str | None = None,
) -> Options:
    """The options the store was built with (``pipeline.stored_options``; defaults for a
    new store), with the flags this command was given on top. The pipeline saves the result
    with the store, so a flag given once holds for the later ``add`` and ``report``."""
    from storyline.pipeline import stored_options

    opts = stored_options(store)
    opts.engine, opts.scheduler = engine, scheduler
    ctx = click.get_current_context(silent=True)
    opts.workers = ctx.meta.get(_WORKERS) if ctx is not None else None
    if words is not None:
        opts.summary.words = words
        opts.summary.sentences = None
    elif sentences is not None:
        opts.summary.sentences = sentences
        opts.summary.words = None
    if llm is not None:
        opts.summary.method = "llm"
        opts.llm.url = llm
    if model is not None:
        opts.llm.model = model
    return opts


def summary_options(func: Callable[..., None]) -> Callable[..., None]:
    """--sentences, --words, --llm and --model, shared by the commands that analyse. Left
    out, each keeps the value saved with the store."""
    func = click.option("--model", default=None, help="Model name to ask the --llm server for.")(func)
    func = click.option(
        "--llm",
        default=None,
        metavar="URL",
        help="Abstractive summary via an OpenAI-compatible server (e.g. http://127.0.0.1:8080); "
        "unsupported sentences are cut.",
    )(func)
    func = click.option(
        "--words", type=click.IntRange(10, 5000), default=None, help="Summary length in words."
    )(func)
    return click.option(
        "--sentences", type=click.IntRange(1, 50), default=None, help="Summary length in sentences."
    )(func)


# Seconds one try at the write lock waits before `add`, `digest` and `report` say they are
# waiting for another writer (they then keep trying until they get it).
LOCK_TIMEOUT_ENV, LOCK_TIMEOUT = "STORYLINE_LOCK_TIMEOUT", 5.0


def tell(message: str) -> None:
    """A line on stderr that a running progress bar does not garble (same rich console)."""
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)


def open_writer(db: Path | str) -> StoryStore:
    """Open the store for a command that writes: behind another writer it waits, saying so
    once, instead of failing with "database is locked" and losing its run."""
    import os

    from storyline.errors import InputError
    from storyline.store import open_store

    raw = os.environ.get(LOCK_TIMEOUT_ENV, "")
    try:
        timeout = float(raw) if raw.strip() else LOCK_TIMEOUT
    except ValueError:
        timeout = -1.0
    if not 0 < timeout < 86_400:
        raise InputError(f"{LOCK_TIMEOUT_ENV}={raw!r}: not a number of seconds between 0 and 86400")
    return open_store(db, timeout=timeout, on_wait=tell)


def run_line(result: AddResult, revisions: Sequence[Revision] | None = None) -> str:
    """The run's counts, then (given the revisions it stored) one line per story it changed,
    "+3 articles from 2 outlets; new: 1,037 ... (was more than 300)", or "nothing new"."""
    line = f"ingested {len(result.ingested)}, skipped {len(result.errors)}"
    extra = [f"{len(result.new)} new"]
    if result.renames:
        extra.append(f"{len(result.renames)} renamed for clashing ids")
    if result.known_files:  # files recognised without reading them (ingest.known)
        from storyline.ingest.known import summary

        extra.append(summary(result.known_files, len(result.unchanged)))
    if revisions is not None:
        from storyline.changes import account

        n = len({r.story_id for r in revisions})
        changed = f"{n} {'story' if n == 1 else 'stories'} changed" if n else "nothing new"
        head = f"{line} ({', '.join(extra)}); {changed}"
        return "\n".join([head] + ([f"  {a}" for a in account(revisions)] if n else []))
    n = len(result.changed)
    return f"{line} ({', '.join(extra)}); {n} {'story' if n == 1 else 'stories'} updated"


def print_errors(errors: Sequence[IngestError]) -> None:
    for err in errors[:20]:
        click.echo(f"  skipped {err.path}: {err.error}", err=True)
    if len(errors) > 20:
        click.echo(f"  ... and {len(errors) - 20} more (see the report's errors)", err=True)


def known_stories(store: StoryStore, story_ids: Sequence[str], db: Path | str) -> list[str]:
    """The stories ``--story`` names, as they are called now (a merged story's old id gives
    the story it joined). An id that names no story is an error, not an empty report: a
    typo must not look like a story with nothing in it."""
    from storyline.errors import InputError
    from storyline.pipeline import resolve_story_id
    from storyline.store import store_label

    grouped = {sid for sid, _eid in store.groups().values() if sid}  # not yet analysed too
    wanted, unknown = [], []
    for given in story_ids:
        sid = resolve_story_id(store, given)
        if sid in grouped or store.story(sid) is not None:
            wanted.append(sid)
        else:
            unknown.append(given)
    if unknown:
        names = ", ".join(" ".join(u.split()) or repr(u) for u in dict.fromkeys(unknown))
        what = "no such story" if len(unknown) == 1 else "no such stories"
        raise InputError(f"{names}: {what} in {store_label(db)} (`storyline stories` lists them)")
    return list(dict.fromkeys(wanted))


# The report folder of `digest` and `report`.
# The store a command reads or writes: created when absent (ANY_DB), or one that must exist.
ANY_DB = click.option(
    "--db", type=StoreTarget(), default=Path("storyline.db"), show_default=True, help=DB_HELP
)
EXISTING_DB = click.option(
    "--db",
    type=StoreTarget(exists=True, dir_okay=False),
    default=Path("storyline.db"),
    show_default=True,
    help=DB_HELP,
)
REPORT_OUT = click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("report"),
    show_default=True,
    help="Folder for digest.json, digest.md and digest.html.",
)
