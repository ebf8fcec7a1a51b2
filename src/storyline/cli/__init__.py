"""The command line: each command parses, calls the library, and turns the library's own
errors into a one-line message with a non-zero exit."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from storyline.cli.changes import changes as changes_command
from storyline.cli.common import (
    ANY_DB,
    EXISTING_DB,
    REPORT_OUT,
    engine_options,
    fail,
    known_stories,
    open_writer,
    options,
    print_errors,
    progress,
    run_line,
    summary_options,
)
from storyline.cli.watch import IGNORE_ROBOTS
from storyline.cli.watch import watch as watch_command
from storyline.errors import MissingExtraError, StorylineError
from storyline.evaluation import REPLAY_TASKS, TASKS, format_table


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="storyline")
def main() -> None:
    """storyline turns a pile of news articles into the story they tell.

    \b
    Example:
      storyline digest examples/news --out report/
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))  # or http(s) URLs
@IGNORE_ROBOTS
@REPORT_OUT
@ANY_DB
@summary_options
@engine_options
def digest(
    paths: tuple[str, ...],
    out: Path,
    db: Path | str,
    sentences: int | None,
    words: int | None,
    engine: str,
    scheduler: str | None,
    llm: str | None,
    model: str | None,
) -> None:
    """Ingest articles and write a cited story report (JSON, Markdown, HTML).

    PATHS are files or folders (.txt, .html, .jsonl, .csv, .json, .rss/.atom/.xml, .warc,
    any of them .gz); folders are read recursively; http(s) URLs of feeds (RSS, Atom,
    JSON Feed: each entry's page is fetched) or of article pages. The summary options are
    saved with the store: later `add`, `report` and web uploads keep them unless given new ones.

    \b
    Example:
      storyline digest ../shared/seeds --out report/
      open report/digest.html
      storyline digest corpus/ --engine dask --scheduler tcp://10.0.0.5:8786
      storyline digest corpus/ --llm http://127.0.0.1:8080 --model local
    """
    from storyline import pipeline
    from storyline.report import write_reports

    try:
        with open_writer(db) as store, progress() as tick:
            opts = options(store, sentences, words, engine, scheduler, llm, model)
            last = store.latest_revision()
            report, result = pipeline.digest(store, paths, opts, tick)
            revisions = store.revisions(since=last)
        written = write_reports(report, out)
    except StorylineError as exc:
        fail(exc)
        return
    print_errors(result.errors)
    click.echo(run_line(result, revisions))
    click.echo(f"wrote {', '.join(str(p) for p in written)}")
    if not result.ingested:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))  # or http(s) URLs
@IGNORE_ROBOTS
@ANY_DB
@click.option(
    "--analyze/--no-analyze",
    default=True,
    show_default=True,
    help="Rebuild the analysis of the stories that changed (--no-analyze: store and group only; "
    "`storyline report` analyzes what is stale).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 1_000_000),
    default=1000,
    show_default=True,
    help="Articles stored per transaction (what an interrupted run has to redo).",
)
@summary_options
@engine_options
def add(
    paths: tuple[str, ...],
    db: Path | str,
    analyze: bool,
    batch_size: int,
    sentences: int | None,
    words: int | None,
    llm: str | None,
    model: str | None,
    engine: str,
    scheduler: str | None,
) -> None:
    """Add new articles to the store: each joins an existing story and event or opens a new one.

    Story and event ids never change when articles are added. Stories are analysed with the
    options saved with the store, and the summary flags given here replace them. Behind
    another writer it waits its turn and says so once (STORYLINE_LOCK_TIMEOUT, default 5 s:
    how long one try at the lock waits before that line).

    \b
    Example:
      storyline add new-articles/ --db storyline.db
      storyline add https://example.org/news/feed.xml --db storyline.db
      storyline report --db storyline.db --out report/
    """
    from storyline import pipeline

    try:
        with open_writer(db) as store, progress() as tick:
            opts = options(store, sentences, words, engine, scheduler, llm, model)
            opts.batch_size = batch_size
            last = store.latest_revision()
            result = pipeline.add(store, paths, opts, tick)
            if analyze:
                pipeline.analyze(store, pipeline.stories_to_analyze(store, result), opts, tick)
            revisions = store.revisions(since=last) if analyze else None
    except StorylineError as exc:
        fail(exc)
        return
    print_errors(result.errors)
    click.echo(run_line(result, revisions))
    if not result.ingested:
        sys.exit(1)


@main.command()
@EXISTING_DB
@REPORT_OUT
@click.option("--story", "story_ids", multiple=True, help="Only these story ids (repeatable).")
def report(db: Path | str, out: Path, story_ids: tuple[str, ...]) -> None:
    """Write the report of the stories already in the store (stale ones are analysed
    again first, with the options saved with the store). An unknown --story id is an
    error; the id of a story since merged into another gives that one.

    \b
    Example:
      storyline report --db storyline.db --out report/
      storyline report --db storyline.db --story s-0001 --out report-s1/
    """
    from storyline import pipeline
    from storyline.report import write_reports

    try:
        with open_writer(db) as store, progress() as tick:
            wanted = known_stories(store, story_ids, db) if story_ids else None
            stale = pipeline.stale_stories(store)
            if stale:
                pipeline.analyze(store, stale, pipeline.stored_options(store), tick)
            stories = store.stories(wanted)
            written = write_reports(pipeline.build_digest(store, stories), out)
    except StorylineError as exc:
        fail(exc)
        return
    click.echo(f"{len(stories)} stories; wrote {', '.join(str(p) for p in written)}")


@main.command()
@EXISTING_DB
@click.option("--all", "show_all", is_flag=True,
              help="Also list the smaller stories (fewer than 3 articles or 2 outlets) and noise.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of stories instead of lines.")
def stories(db: Path | str, show_all: bool, as_json: bool) -> None:
    """List the stories in the store, ranked by coverage and recency.

    By default only the stories several outlets covered (at least 3 articles from at least
    2 outlets), or every non-noise story when none is; each line: title, date span, articles,
    outlets, last update, id. Noise stories (sign-up prompts, comment threads ...) show
    only with --all.

    \b
    Example:
      storyline stories --db storyline.db
      storyline stories --all --json --db storyline.db
    """
    import json

    from storyline.headlines import distinct_titles
    from storyline.store import open_store

    try:
        with open_store(db, readonly=True) as store:  # a reader: never waits for a writer
            listed = store.story_listing(noise=show_all)
    except StorylineError as exc:
        fail(exc)
    major = [s for s in listed if s.major]
    shown = listed if show_all or not major else major
    titles = distinct_titles((s.id, s.title, s.first_date) for s in shown)
    if as_json:
        click.echo(json.dumps([
            {"id": s.id, "title": titles[s.id], "first_date": s.first_date, "last_date": s.last_date,
             "n_articles": s.n_articles, "n_outlets": s.n_outlets, "updated": s.updated,
             "noise": s.noise, "major": s.major} for s in shown
        ], ensure_ascii=False, indent=1))
        return
    for s in shown:
        span = s.first_date or "undated"
        if s.last_date and s.last_date != s.first_date:
            span += f" – {s.last_date}"
        noise = f"\tnoise: {s.noise}" if s.noise else ""
        click.echo(f"{titles[s.id]}\t{span}\t{s.n_articles} articles\t{s.n_outlets} outlets"
                   f"\tlast update {s.last_date or 'undated'}\t{s.id}{noise}")
    hidden = len(listed) - len(shown)
    if hidden and not show_all:
        click.echo(f"{hidden} smaller stor{'y' if hidden == 1 else 'ies'} not shown (fewer than 3 "
                   "articles or 2 outlets): storyline stories --all", err=True)


@main.command()
@ANY_DB
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind; the default serves this machine only.",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port to listen on."
)
def serve(db: Path | str, host: str, port: int) -> None:
    """Start the local web app over the store: stories, timelines, where sources differ.

    \b
    Example:
      storyline serve --db storyline.db --port 8765
      (then open http://127.0.0.1:8765/)
    """
    try:
        from storyline.web import serve as run_server
    except ImportError:
        fail(MissingExtraError("fastapi/uvicorn", "web"))
        return
    try:
        run_server(db, host=host, port=port)
    except StorylineError as exc:
        fail(exc)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder for articles.parquet/ and errors.jsonl.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDR",
    help="Dask scheduler address (tcp://host:port); without it a 2-worker LocalCluster starts.",
)
@click.option(
    "--block-days",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help="Days per time block of the grouping: longer blocks are closer to the sequential "
    "grouping, shorter ones give more parallel tasks (see docs/scale-out.md).",
)
@click.option(
    "--no-dates",
    is_flag=True,
    help="Skip tagging the dates mentioned in each text (the 'dates' column stays empty).",
)
def bulk(paths: tuple[Path, ...], out: Path, scheduler: str | None, block_days: int, no_dates: bool) -> None:
    """Process a corpus too large for SQLite on a Dask cluster, writing Parquet.

    Per-article stages (parse, clean, fingerprint, dates) run partitioned on the cluster;
    near-duplicates are found by an LSH band shuffle; grouping runs in time-ordered blocks
    (see docs/scale-out.md for what is approximate). Needs the 'dask' extra.

    \b
    Example:
      storyline bulk crawl/*.jsonl.gz --out out/ --scheduler tcp://10.0.0.5:8786
      storyline bulk crawl/ --out out/ --block-days 365 --no-dates
    """
    try:
        import distributed  # noqa: F401 - only checking that the extra is installed
    except ImportError:
        fail(MissingExtraError("dask", "dask"))
        return
    from storyline.engines.bulk import BulkOptions, run_bulk
    from storyline.engines.dask import start_client

    options = BulkOptions(block_days=block_days, dates=not no_dates)
    try:
        client, cluster = start_client(scheduler)
        try:
            result = run_bulk(paths, out, client=client, bulk=options)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    except StorylineError as exc:
        fail(exc)
        return
    click.echo(
        f"{result.articles} articles ({result.duplicates} duplicates), {result.errors} skipped, "
        f"{result.stories} stories; wrote {result.output}"
    )
    click.echo("  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result.timing.items()))


@main.command("eval")
@click.argument("task", type=click.Choice(TASKS))
@click.option(
    "--data",
    "data",
    required=True,
    type=click.Path(path_type=Path),
    help="A data file (or folder, for timeline) in the format of the task.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object as the last line.")
@click.option("--limit", type=int, default=None, help="Use only the first N records.")
@click.option(
    "--level",
    type=click.Choice(["story", "event"]),
    default=None,
    help="group only: which gold label to score against (default: story if present).",
)
@click.option(
    "--replay",
    is_flag=True,
    help="group, timeline: feed the data in publication order through `add`, one batch per "
    "--batch-days, and score every cutoff as well as the end.",
)
@click.option(
    "--batch-days",
    type=click.IntRange(min=1),
    default=7,
    show_default=True,
    help="With --replay: days of publication per batch.",
)
def eval_cmd(
    task: str,
    data: Path,
    as_json: bool,
    limit: int | None,
    level: str | None,
    replay: bool,
    batch_days: int,
) -> None:
    """Score storyline against baselines computed in the same run, on real data.

    \b
    Examples:
      storyline eval clean --data ../shared/data/boilerplate/scrapinghub_text.jsonl.gz
      storyline eval group --data ../shared/data/clustering/ecbplus.jsonl.gz --level event --json
      storyline eval timex --data ../shared/data/timex/tbaq.jsonl
      storyline eval timeline --data ../shared/data/tls_t17/
      storyline eval summarize --data ../shared/data/mds/multinews_val.jsonl --limit 50
      storyline eval group --data ../shared/data/clustering/t17_stories.jsonl.gz --replay --batch-days 7
      storyline eval timeline --data ../shared/data/tls_t17/ --replay
      storyline eval compare --data ../shared/data/mds/multinews_val.jsonl --json
    """
    kwargs: dict[str, object] = {"limit": limit}
    if level is not None:
        kwargs["level"] = level
    if replay:
        if task not in REPLAY_TASKS:
            fail(StorylineError(f"--replay: only for {' and '.join(REPLAY_TASKS)}, not {task}"))
            return
        kwargs["replay"] = True
        kwargs["batch_days"] = batch_days
    try:
        module = importlib.import_module(f"storyline.evaluation.{task}")
        report = module.evaluate(data, **kwargs)
    except StorylineError as exc:
        fail(exc)
        return
    except ModuleNotFoundError as exc:
        fail(MissingExtraError(exc.name or "a dependency", "eval" if task == "summarize" else "all"))
        return
    click.echo(format_table(report))
    if as_json:
        click.echo(report.to_json())


main.add_command(changes_command)
main.add_command(watch_command)


def run() -> None:
    """Console entry point: library errors are one line (see ``fail``); an unexpected
    exception is one line too, unless STORYLINE_DEBUG=1 asks for the traceback."""
    import os

    try:
        main(standalone_mode=True)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - last resort, see docstring
        if os.environ.get("STORYLINE_DEBUG"):
            raise
        click.echo(
            f"internal error: {type(exc).__name__}: {exc} (set STORYLINE_DEBUG=1 for details)", err=True
        )
        sys.exit(3)


if __name__ == "__main__":
    run()
