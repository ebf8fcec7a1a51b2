"""``storyline watch``: follow feeds, pages and folders, adding what is new as it appears;
and ``--ignore-robots``, the fetch flag ``add`` and ``digest`` share with it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from storyline.cli.common import ANY_DB, fail, open_writer, options
from storyline.errors import StorylineError


def _robots(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    """Set the fetch options of URL inputs before the command runs (set every time, so a
    process that runs several commands never inherits another's choice)."""
    from dataclasses import replace

    from storyline.ingest import fetch

    fetch.configure(replace(fetch.shared_options(), robots=not value))
    return value


IGNORE_ROBOTS = click.option(
    "--ignore-robots",
    is_flag=True,
    expose_value=False,
    callback=_robots,
    help="Fetch URLs that the site's robots.txt disallows (honoured by default).",
)


def _every(ctx: click.Context, param: click.Parameter, value: str) -> float:
    from storyline.watch import parse_every

    try:
        return parse_every(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--every",
    default="15m",
    show_default=True,
    callback=_every,
    help="How often each source is polled: 30s, 15m, 1h (a failing source waits longer each time).",
)
@click.option("--once", is_flag=True, help="Poll every source once, then exit.")
@click.option(
    "--delay",
    type=click.FloatRange(0, 600),
    default=1.0,
    show_default=True,
    help="Seconds between two requests to the same host (a longer robots.txt Crawl-delay wins).",
)
@click.option("--ignore-robots", is_flag=True, help="Fetch URLs that the site's robots.txt disallows.")
@ANY_DB
def watch(
    sources: tuple[str, ...], every: float, once: bool, delay: float, ignore_robots: bool, db: Path | str
) -> None:
    """Follow feeds (RSS, Atom, JSON Feed), article pages and folders: poll them, fetch the
    pages of new feed entries and add them to the store, as `storyline add` would.

    Entries already stored are not fetched again, a restarted watch resumes where it
    stopped (its state is kept in the store), and a failing source is retried later and
    later without stopping the others. Ctrl-C stops it cleanly.

    \b
    Example:
      storyline watch https://example.org/news/feed.xml inbox/ --every 15m --db storyline.db
      storyline watch https://example.org/feed.json --once
    """
    from storyline.ingest.fetch import Fetcher, FetchError, FetchOptions, check_url, is_url
    from storyline.watch import Watcher

    bad = []
    for source in sources:
        if is_url(source):
            try:
                check_url(source)
            except FetchError as exc:
                bad.append(f"{source}: {exc}")
        elif not Path(source).exists():
            bad.append(f"{source}: no such file or folder")
    if bad:
        fail(StorylineError("; ".join(bad)))
        return
    fetch_opts = FetchOptions(host_delay=delay, robots=not ignore_robots)
    watcher = None
    try:
        with open_writer(db) as store, Fetcher(fetch_opts) as fetcher:
            watcher = Watcher(store, list(sources), options(store), fetcher, every, say=click.echo)
            try:
                watcher.run(once=once)
            except KeyboardInterrupt:
                pass  # the state is saved by run(); the summary follows
    except StorylineError as exc:
        fail(exc)
        return
    except KeyboardInterrupt:  # before the watcher started, or while its state was saved
        pass
    click.echo(watcher.summary() if watcher else "watch stopped before its first poll")
    sys.exit(0)
