"""What changed in a story: revisions, made by diffing its analysis before and after a run.

A story is rebuilt whole by ``pipeline.analyze``; what a reader following it wants is the
difference: the articles (and outlets) it gained, a new title, new timeline entries and
summary sentences, figures whose latest value moved ("more than 300 -> 1,037") or whose
verdict changed, new people and places, and stories merged into it or split from it. A
``Tracker`` keeps the stored analyses of the stories a run re-analyses and, as each new one
is stored, stores the diff as a ``Revision`` (``StoryStore.add_revisions``). ``account``
turns a run's revisions into the short lines ``storyline add`` ends with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from storyline.errors import InputError
from storyline.model import Change, ClaimValue, Comparison, Revision, Story
from storyline.store import StoryStore

__all__ = [
    "MAX_FIGURES",
    "Tracker",
    "account",
    "diff_story",
    "headline_value",
    "now",
    "parse_since",
    "story_revisions",
]

# A large story compares hundreds of figures (the largest T17 story: 591) and names
# hundreds of entities: a revision keeps this many figure changes (moved values first) and
# entity names, so that one run's record stays readable and small.
MAX_FIGURES = 40
MAX_ENTITIES = 40
# Stories and figures named by the console account of one run.
ACCOUNT_STORIES = 10
ACCOUNT_FIGURES = 2
GROUP_STATE = "group_state"  # the store key pipeline.GROUP_STATE names (no import: no cycle)

# The order a revision lists its changes in: what happened to the story, then its content.
ORDER = [
    "new",
    "merged",
    "split",
    "removed",
    "articles",
    "title",
    "figure",
    "verdict",
    "timeline",
    "summary",
    "entities",
]


def now() -> str:
    """The current UTC time as stored revisions carry it (ISO, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_since(text: str) -> str | int:
    """``--since``/``?since=``: a revision number ("12"), an age ("30m", "2h", "3d", "1w") or
    an ISO date or time ("2026-07-06", "2026-07-06T10:00", with or without offset; UTC when
    none). Times come back as the UTC ISO text stored revisions compare against."""
    raw = text.strip()
    if re.fullmatch(r"\d+", raw):
        return int(raw)
    age = re.fullmatch(r"(\d+)\s*([smhdw])", raw.lower())
    if age:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[age.group(2)]
        moment = datetime.now(UTC) - timedelta(**{unit: int(age.group(1))})
    else:
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise InputError(
                f"--since {text!r}: not a revision number, an ISO time (2026-07-06T10:00) "
                "or an age (30m, 2h, 3d, 1w)"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def headline_value(comparison: Comparison) -> ClaimValue | None:
    """The value a comparison stands at now: the latest dated one (the highest of a day's,
    "more than 300" over "hundreds of"), else the last one given."""
    dated = [(v.date or "", v.number or 0.0, i, v) for i, v in enumerate(comparison.values) if v.date]
    if dated:
        return max(dated, key=lambda t: t[:3])[3]
    return comparison.values[-1] if comparison.values else None


def _verdict(label: str) -> str:
    return label.replace("_", " ")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _articles_line(n: int, outlets: Sequence[str]) -> str:
    line = _plural(n, "article")
    if outlets:
        line += f" from {_plural(len(outlets), 'outlet')} ({', '.join(outlets[:4])}"
        line += ", …)" if len(outlets) > 4 else ")"
    return line


def _figure_changes(before: Story | None, after: Story) -> list[Change]:
    """Figures whose latest value moved or that are new, and verdicts that changed."""
    # Rows are matched by kind and subject. Several rows may share a subject ("districts":
    # 370 in all, more than 50 taken): a row matches the earlier row of its subject that
    # stood at the same value if there is one, so recomputing an unchanged story reports
    # nothing and only a row whose value really moved is "moved".
    old: dict[tuple[str, str], list[Comparison]] = {}
    for c in before.comparisons if before else []:
        old.setdefault((c.kind, c.subject), []).append(c)
    moved: list[Change] = []
    fresh: list[Change] = []
    verdicts: list[Change] = []
    for comp in after.comparisons:
        now_value = headline_value(comp)
        if now_value is None or not comp.shown:
            continue  # a row the table keeps behind "show all" is not news to announce
        candidates = old.get((comp.kind, comp.subject), [])
        same = [c for c in candidates if (v := headline_value(c)) is not None and v.value == now_value.value]
        pick = same or candidates
        prev = pick[0] if pick else None
        if prev is not None:
            candidates.remove(prev)  # each earlier row pairs with one row now
        if prev is None:
            if before is not None:
                fresh.append(
                    Change(
                        "figure",
                        f"{comp.subject}: {now_value.value} ({_verdict(comp.label)})",
                        None,
                        now_value.value,
                        [comp.subject],
                    )
                )
            continue
        was = headline_value(prev)
        if was is not None and was.value != now_value.value:
            moved.append(
                Change(
                    "figure",
                    f"{comp.subject}: {was.value} → {now_value.value}",
                    was.value,
                    now_value.value,
                    [comp.subject],
                )
            )
        if prev.label != comp.label:
            verdicts.append(
                Change(
                    "verdict",
                    f"{comp.subject}: {_verdict(prev.label)} → {_verdict(comp.label)}",
                    prev.label,
                    comp.label,
                    [comp.subject],
                )
            )
    # The figures most sources report first: what a reader of the story has heard of (a
    # story's comparisons also hold one-source asides).
    support = {c.subject: sum(len(v.sources) for v in c.values) for c in after.comparisons}
    for group in (moved, fresh, verdicts):
        group.sort(key=lambda c: -support.get(c.items[0], 0))
    return (moved + fresh)[:MAX_FIGURES] + verdicts[:MAX_FIGURES]


def diff_story(
    before: Story | None,
    after: Story,
    outlets: Mapping[str, str] | None = None,
    moved_in: Mapping[str, list[str]] | None = None,
    titles: Mapping[str, str] | None = None,
) -> list[Change]:
    """What ``after`` (the new analysis) changed against ``before`` (the stored one; None
    for a new story). ``outlets`` names the outlet of the new articles (by id); ``moved_in``
    gives, per other story id, the articles that came from it, and ``titles`` those stories'
    titles: a story that gained another's articles had it merged in (``merged``), a new one
    made of them was split from it (``split``). A new story reports its size, no diff."""
    labels = outlets or {}
    names = titles or {}
    changes: list[Change] = []
    old_ids = set(before.article_ids) if before else set()
    added = [a for a in after.article_ids if a not in old_ids]
    from_others = {a for ids in (moved_in or {}).values() for a in ids}
    for other, ids in sorted((moved_in or {}).items()):
        kind = "split" if before is None else "merged"
        title = names.get(other)
        where = f"{other} “{title}”" if title else other
        verb = "split from" if kind == "split" else "merged in"
        changes.append(
            Change(kind, f"{verb} {where} ({_plural(len(ids), 'article')})", other, after.id, list(ids))
        )
    if before is None and not moved_in:
        seen = sorted({labels[a] for a in after.article_ids if labels.get(a)})
        changes.append(
            Change(
                "new",
                "new story: " + _articles_line(len(after.article_ids), seen),
                None,
                after.title,
                list(after.article_ids),
            )
        )
        return changes
    fresh = [a for a in added if a not in from_others]
    if fresh:
        seen = sorted({labels[a] for a in fresh if labels.get(a)})
        changes.append(Change("articles", "+" + _articles_line(len(fresh), seen), None, None, fresh))
    lost = [a for a in old_ids if a not in set(after.article_ids)]
    if lost:
        changes.append(
            Change("removed", f"−{_plural(len(lost), 'article')} (regrouped)", None, None, sorted(lost))
        )
    if before is None:
        return changes
    if before.title != after.title:
        changes.append(
            Change("title", f"title: “{before.title}” → “{after.title}”", before.title, after.title)
        )
    changes += _figure_changes(before, after)
    old_entries = {(t.date, t.text) for t in before.timeline}
    entries = [t for t in after.timeline if (t.date, t.text) not in old_entries]
    if entries:
        latest = max(t.date for t in entries)
        what = "timeline entry" if len(entries) == 1 else "timeline entries"
        changes.append(
            Change(
                "timeline",
                f"+{len(entries)} {what} (latest {latest})",
                None,
                latest,
                [t.text for t in entries],
            )
        )
    old_summary = {c.text for c in before.summary}
    sentences = [c.text for c in after.summary if c.text not in old_summary]
    if sentences:
        changes.append(
            Change("summary", f"+{_plural(len(sentences), 'summary sentence')}", None, None, sentences)
        )
    old_entities = {e.name for e in before.entities}
    people = [e for e in after.entities if e.name not in old_entities]
    if people:
        people.sort(key=lambda e: -len(e.article_ids))
        shown = ", ".join(e.name for e in people[:5]) + (
            f" (+{len(people) - 5} more)" if len(people) > 5 else ""
        )
        changes.append(
            Change("entities", f"new names: {shown}", None, None, [e.name for e in people[:MAX_ENTITIES]])
        )
    return changes


def _outlet(outlet: str | None, url: str | None) -> str | None:
    if outlet:
        return outlet
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


class Tracker:
    """Diffs each re-analysed story against its stored analysis and stores the revision.

    Made before a run re-analyses ``story_ids`` (their stored analyses are read then);
    ``record`` is called with each story as stored (None: deleted, its articles all gone)."""

    def __init__(self, store: StoryStore, story_ids: Iterable[str]) -> None:
        self.store = store
        self.at = now()
        self.before: dict[str, Story | None] = {sid: store.story(sid) for sid in dict.fromkeys(story_ids)}
        self.owner: dict[str, str] = {
            aid: sid for sid, story in self.before.items() if story for aid in story.article_ids
        }
        self.revisions: list[Revision] = []

    def _alias(self, story_id: str) -> str:
        from storyline.group.state import resolve_alias

        return resolve_alias(merged_aliases(self.store), story_id)

    def record(self, story_id: str, after: Story | None) -> Revision | None:
        """Store the revision of ``story_id`` (None when nothing a reader sees changed)."""
        before = self.before.get(story_id)
        if after is None:
            if before is None:
                return None
            target = self._alias(story_id)
            text = f"merged into {target}" if target != story_id else "removed (its articles regrouped)"
            changes = [Change("merged" if target != story_id else "removed", text, story_id, target)]
            return self._store(Revision(story_id, before.title, self.at, changes))
        old_ids = set(before.article_ids) if before else set()
        added = [a for a in after.article_ids if a not in old_ids]
        moved_in: dict[str, list[str]] = {}
        for aid in added:
            other = self.owner.get(aid)
            if other and other != story_id:
                moved_in.setdefault(other, []).append(aid)
        rows = self.store.article_rows_for(added) if added else []
        outlets = {r.id: o for r in rows if (o := _outlet(r.outlet, r.url))}
        if before is None and not moved_in:  # a new story: every article's outlet
            rows = self.store.article_rows_for(after.article_ids)
            outlets = {r.id: o for r in rows if (o := _outlet(r.outlet, r.url))}
        titles = {sid: s.title for sid, s in self.before.items() if s}
        changes = diff_story(before, after, outlets, moved_in, titles)
        if not changes:
            return None
        return self._store(Revision(after.id, after.title, self.at, changes))

    def _store(self, revision: Revision) -> Revision:
        revision.changes.sort(key=lambda c: ORDER.index(c.kind) if c.kind in ORDER else len(ORDER))
        self.store.add_revisions([revision])
        self.revisions.append(revision)
        return revision


def merged_aliases(store: StoryStore) -> dict[str, str]:
    """merged story id -> the story it joined, read on its own (``get_json_part``): the
    group state it is part of is megabytes of JSON at 10,000 articles (170 ms to decode),
    too much for every story page and feed."""
    alias = store.get_json_part(GROUP_STATE, "alias")
    return dict(alias) if isinstance(alias, dict) else {}


def story_revisions(
    store: StoryStore, story_id: str, since: str | int | None = None, limit: int | None = None
) -> list[Revision]:
    """A story's revisions, newest first, with those of the stories merged into it (their
    old ids redirect to it, so their history is its history)."""
    from storyline.group.state import resolve_alias

    alias = merged_aliases(store)
    ids = [story_id] + [old for old in alias if resolve_alias(alias, old) == story_id]
    return store.revisions(ids, since=since, limit=limit)


def _figure_phrase(change: Change) -> str:
    subject = change.items[0] if change.items else ""
    if change.before:
        return f"{change.after} {subject} (was {change.before})"
    return f"{change.after} {subject}"


def account_line(revision: Revision) -> str:
    """One revision as a short phrase list: "+3 articles from 2 outlets (…); new: 1,037
    Afghan troops who crossed … (was more than 300); +2 timeline entries"."""
    parts: list[str] = []
    figures = [c for c in revision.changes if c.kind == "figure"]
    figures.sort(key=lambda c: c.before is None)  # moved values before new figures
    for change in revision.changes:
        if change.kind in ("new", "merged", "split", "removed", "articles", "timeline"):
            parts.append(change.text)
        elif change.kind == "title":
            parts.append(f"retitled “{change.after}”")
    if figures:
        shown = "; ".join(_figure_phrase(c) for c in figures[:ACCOUNT_FIGURES])
        more = f" (+{len(figures) - ACCOUNT_FIGURES} more figures)" if len(figures) > ACCOUNT_FIGURES else ""
        parts.append(f"new: {shown}{more}")
    verdicts = [c for c in revision.changes if c.kind == "verdict"]
    if verdicts:
        parts.append(f"{_plural(len(verdicts), 'verdict')} changed ({verdicts[0].text})")
    if not parts:
        parts = [c.text for c in revision.changes[:2]]
    return "; ".join(parts)


def account(revisions: Sequence[Revision], limit: int = ACCOUNT_STORIES) -> list[str]:
    """The lines ``storyline add`` ends with: one per story a run changed (oldest first),
    or "nothing new" when it changed none."""
    if not revisions:
        return ["nothing new"]
    ordered = sorted(revisions, key=lambda r: r.number)
    lines = [f"{r.story_id} “{r.title}”: {account_line(r)}" for r in ordered[:limit]]
    if len(ordered) > limit:
        first = ordered[0].number - 1
        lines.append(f"... and {len(ordered) - limit} more stories (storyline changes --since {first})")
    return lines
