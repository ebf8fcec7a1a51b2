"""``storyline changes``: what each run changed in the stories (their stored revisions)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from storyline.cli.common import EXISTING_DB, fail
from storyline.errors import StorylineError


@click.command()
@EXISTING_DB
@click.option(
    "--story",
    "story_id",
    default=None,
    help="Only this story (a merged story's old id gives the one it joined).",
)
@click.option(
    "--since",
    default=None,
    metavar="TIME|REV",
    help="Only revisions after this revision number, ISO time (2026-07-06T10:00, UTC unless "
    "an offset is given) or age (30m, 2h, 3d, 1w).",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N revisions (the newest).")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of revisions instead of text.")
def changes(
    db: Path | str, story_id: str | None, since: str | None, limit: int | None, as_json: bool
) -> None:
    """List what `add` and `digest` changed in the stories, oldest first: articles and
    outlets gained, title changes, new timeline entries, figures whose latest value moved
    ("more than 300 → 1,037") or whose verdict changed, new names, merges and splits.

    \b
    Example:
      storyline changes --db storyline.db --since 2h
      storyline changes --db storyline.db --story s-0001 --json
      storyline changes --db storyline.db --since 41      (after revision 41)
    """
    from storyline.changes import parse_since, story_revisions
    from storyline.cli.common import known_stories
    from storyline.model import to_dict
    from storyline.store import open_store

    try:
        after = parse_since(since) if since is not None else None
        with open_store(db, readonly=True) as store:  # a reader: never waits for a writer
            if story_id is not None:
                sid = known_stories(store, [story_id], db)[0]
                revisions = story_revisions(store, sid, since=after, limit=limit)
            else:
                revisions = store.revisions(since=after, limit=limit)
    except StorylineError as exc:
        fail(exc)
        return
    revisions.reverse()  # oldest first: read as a log
    if as_json:
        click.echo(json.dumps([to_dict(r) for r in revisions], ensure_ascii=False, indent=1))
        return
    if not revisions:
        click.echo("nothing new" if after is not None else "no revisions yet")
        return
    for rev in revisions:
        click.echo(f"#{rev.number} {rev.at} {rev.story_id} “{rev.title}”")
        for change in rev.changes:
            click.echo(f"  {change.kind}: {change.text}")
            if change.kind in ("timeline", "summary"):
                for item in change.items[:5]:
                    click.echo(f"    + {item}")
