"""The pipeline: ingest -> clean -> dedupe -> group -> extract -> compare -> timeline -> summary.

``add`` puts new articles into the store and assigns them to stories online; ``analyze``
rebuilds the cited analysis of the stories that changed; ``digest`` does both and returns the
``Digest`` the report is written from. Stages are called through their module's plain
function, with their options taken from one ``Options`` object (``storyline.options``);
the options a store was built with are saved in it and are the default of the next run on
that store (``stored_options``), so a summary length or summarizer chosen once sticks.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from storyline.changes import Tracker, merged_aliases
from storyline.compare import compare
from storyline.dedupe import DuplicateIndex, order_key
from storyline.engines import Engine, get_engine
from storyline.engines.analyses import StoryJob, analyze_stories, prepare_analyses
from storyline.extract.entities import extract_entities
from storyline.group import Grouper, GroupOptions, GroupState
from storyline.headlines import story_title
from storyline.ingest import content_hash, known
from storyline.model import Article, ArticleAnalysis, Citation, Digest, Event, IngestError, Story
from storyline.noise import story_noise
from storyline.options import Options
from storyline.store import StoryStore
from storyline.summarize import get_summarizer
from storyline.timeline import build_timeline

Progress = Callable[[str, int, int | None], None]
GROUP_STATE = "group_state"
OPTIONS = "options"  # store key of the options the store's stories were analysed with

__all__ = [
    "OPTIONS",
    "AddResult",
    "Options",
    "add",
    "add_articles",
    "analyze",
    "analyze_story",
    "attach_analyses",
    "build_digest",
    "digest",
    "read_articles",
    "representative_title",
    "resolve_story_id",
    "save_options",
    "stale_stories",
    "stories_to_analyze",
    "stored_options",
]


@dataclass
class AddResult:
    """What one ``add`` did, for the console line and the report's stats.

    Counted per input article, so that every count on the console is exact: each article
    read is in ``new`` (stored by this run) or ``unchanged`` (already stored, or the same
    article met earlier in this run) exactly once, and ``renames`` holds one (given id,
    stored id) pair per article whose id was changed, even when two share a given id."""

    new: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    renames: list[tuple[str, str]] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    # Every story the run's articles belong to (what a report of the run shows) ...
    stories: list[str] = field(default_factory=list)
    # ... and those whose analysis the run made out of date: they gained or lost articles, or
    # the options they are analysed with changed. Only these need analysing again: re-adding
    # articles that are all stored already changes nothing.
    changed: list[str] = field(default_factory=list)
    # Input files skipped as already read (``ingest.known``); their articles are in ``unchanged``.
    known_files: int = 0

    @property
    def ingested(self) -> list[str]:
        return self.new + self.unchanged

    @property
    def renamed(self) -> dict[str, str]:
        """given id -> stored id, a lookup (the last one for a given id renamed twice);
        count ``renames``, not this."""
        return dict(self.renames)


def _noop(stage: str, done: int, total: int | None) -> None:
    return None


# Per-run settings, not how stories are analysed: where the work runs and how it is batched
# depend on the machine of the run, so they are not saved with the store's options.
_RUN_SETTINGS = ("engine", "scheduler", "batch_size", "workers")


def stored_options(store: StoryStore) -> Options:
    """The options saved with the store by its last ``add`` or ``digest`` (defaults for a
    store that has none): what a later run without explicit options analyses with."""
    return Options.from_dict(store.get_json(OPTIONS))


def save_options(store: StoryStore, options: Options) -> None:
    """Save ``options`` as the store's, without the per-run settings (engine, scheduler,
    batch size) and without ``llm.api_key`` (a secret; the store is a plain file)."""
    data = options.to_dict()
    for key in _RUN_SETTINGS:
        data.pop(key, None)
    data.get("llm", {}).pop("api_key", None)
    with store.writing():
        store.set_json(OPTIONS, data)


def read_articles(
    paths: Iterable[str | Path], options: Options | None = None, progress: Progress | None = None
) -> tuple[list[Article], list[IngestError]]:
    """Ingest and clean on the options' engine: every input becomes an Article or an IngestError."""
    opts = options or Options()
    engine = get_engine(opts.engine, opts.scheduler, opts.workers)
    try:
        return engine.read_articles(paths, opts, progress)
    finally:
        engine.close()


def add(
    store: StoryStore,
    paths: Iterable[str | Path],
    options: Options | None = None,
    progress: Progress | None = None,
) -> AddResult:
    """Add the articles of ``paths`` to the store and assign them to stories and events.

    Runs in one exclusive write transaction, so a concurrent ``add`` waits its turn and a
    killed run leaves the store as it was before it; run it again and nothing is lost.
    Without ``options``, the store's saved options are used (``stored_options``).
    """
    opts = options or stored_options(store)
    engine = get_engine(opts.engine, opts.scheduler, opts.workers)
    try:
        # Files read whole before and unchanged since are not read again (ingest.known).
        reading = known.read_inputs(store, engine, paths, opts, stored_options(store), progress)
        result = add_articles(store, reading.articles, reading.errors, opts, progress, engine)
        known.remember(store, reading, opts)
        known.account(store, reading, result)
        return result
    finally:
        engine.close()


def add_articles(
    store: StoryStore,
    articles: Sequence[Article],
    errors: Sequence[IngestError] = (),
    options: Options | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> AddResult:
    """Store already-read articles, link duplicates, group the new ones online.

    Articles go in publication order, in batches of ``options.batch_size``, each batch one
    exclusive transaction (store, duplicate links, grouping state together): a concurrent
    ``add`` waits for its turn, and a run killed half-way keeps its finished batches and
    leaves no partial one, so running it again completes the store with nothing doubled.
    The options used are saved with the store (``save_options``): the next run without
    options analyses the same way.
    """
    opts = options or stored_options(store)
    before = store.get_json(OPTIONS)
    save_options(store, opts)
    options_changed = store.get_json(OPTIONS) != before
    engine = engine or get_engine("local")
    tick = progress or _noop
    result = AddResult(errors=list(errors))
    ordered = sorted(articles, key=order_key)
    store.add_errors(result.errors)
    index: DuplicateIndex | None = None
    seen: dict[str, str] = {}  # id -> text hash, for the articles of this run
    left: set[str | None] = set()  # stories that articles of earlier calls moved between
    for start in range(0, len(ordered), opts.batch_size):
        chunk = ordered[start : start + opts.batch_size]
        with store.writing():
            fresh = _new_articles(store, chunk, seen, result)
            if index is None:
                index = DuplicateIndex(opts.dedupe)
                for aid, sig, size, dup in store.signatures():
                    index.add(aid, sig, size, dup)
            sigs = engine.mark_duplicates(fresh, index, opts)
            store.add_articles(fresh, sigs)
            result.new += [a.id for a in fresh]
            if not fresh:
                continue
            saved = store.get_json(GROUP_STATE)
            state = GroupState.from_dict(saved) if saved else None
            grouper = Grouper(_group_options(opts.group, state), state=state)
            for asg in grouper.add(fresh):
                store.set_group(asg.article_id, asg.story_id, asg.event_id)
            # A split or merge can move articles of earlier calls to another story: store
            # that too, and re-analyze the story they left (deleted when it is now empty).
            moved = grouper.regrouped()
            if moved:
                before = store.groups()
                for asg in moved:
                    left.add(before.get(asg.article_id, (None, None))[0])
                    store.set_group(asg.article_id, asg.story_id, asg.event_id)
                    left.add(asg.story_id)
            store.set_json(GROUP_STATE, grouper.state().to_dict())
        tick("storing and grouping", start + len(chunk), len(ordered))
    groups = store.groups()
    touched = {groups[aid][0] for aid in result.ingested if groups.get(aid, (None, None))[0]}
    gained = {groups[aid][0] for aid in result.new if groups.get(aid, (None, None))[0]}
    result.stories = sorted(s for s in touched | left if s)
    result.changed = sorted(s for s in (touched if options_changed else gained) | left if s)
    return result


def stories_to_analyze(store: StoryStore, result: AddResult) -> list[str]:
    """The stories of an ``add`` whose stored analysis is out of date: those it changed, and
    those of its articles whose analysis is missing or was made from other articles (after
    ``add --no-analyze`` or a run killed between storing and analysing)."""
    wanted = set(result.changed)
    rest = [sid for sid in result.stories if sid not in wanted]
    if rest:
        members: dict[str, set[str]] = defaultdict(set)
        asked = set(rest)
        for aid, (sid, _eid) in store.groups().items():
            if sid in asked:
                members[sid].add(aid)
        stored = {s.id: set(s.article_ids) for s in store.stories(rest)}
        wanted |= {sid for sid in rest if stored.get(sid) != members.get(sid)}
    return sorted(wanted)


def resolve_story_id(store: StoryStore, story_id: str) -> str:
    """The id a story has now: a story merged into an older one answers with the older
    one's id, so links and bookmarks to it keep working."""
    from storyline.group.state import resolve_alias

    return resolve_alias(merged_aliases(store), story_id)


def _group_options(group: GroupOptions, state: GroupState | None) -> GroupOptions:
    """Keep grouping a store with the embedder it was started with: vectors from another
    model are not comparable. With ``auto``, a store begun with MiniLM needs the ``embed``
    extra (get_embedder says so), and one begun without it stays on the hashed TF-IDF."""
    used = state.embedder if state is not None else None
    if used and group.embedder == "auto":
        return dataclasses.replace(group, embedder=used)
    return group


def _new_articles(
    store: StoryStore, chunk: Sequence[Article], seen: dict[str, str], result: AddResult
) -> list[Article]:
    """The articles of ``chunk`` not yet stored, with clashing ids made unique; every
    article lands in ``fresh`` or ``result.unchanged``, one entry each (exact counts)."""
    fresh: list[Article] = []
    for art in chunk:
        given = art.id
        new_id, present = store.resolve_id(art)
        digest_ = content_hash(art.text)
        if not present and new_id in seen and seen[new_id] != digest_:
            # Same id, other text, earlier in this run: the derived id, which an earlier
            # run may have stored already (then this article is not new).
            new_id, present = store.resolve_id(dataclasses.replace(art, id=f"{given}~{digest_[:8]}"))
        if new_id != given:
            result.renames.append((given, new_id))
            art.id = new_id
        if present or art.id in seen:
            result.unchanged.append(art.id)
            continue
        seen[art.id] = digest_
        fresh.append(art)
    return fresh


def analyze(
    store: StoryStore,
    story_ids: Iterable[str],
    options: Options | None = None,
    progress: Progress | None = None,
) -> list[Story]:
    """Rebuild and store the analysis (summary, timeline, comparisons, ...) of stories
    (without ``options``: with the store's saved options)."""
    opts = options or stored_options(store)
    tick = progress or _noop
    groups = store.groups()
    members: dict[str, list[str]] = defaultdict(list)
    for aid, (sid, _eid) in groups.items():
        if sid:
            members[sid].append(aid)
    wanted = list(dict.fromkeys(story_ids))
    # The missing per-article analyses on all cores first (engines.analyses); the loop reads them.
    prepare_analyses(store, (aid for sid in wanted for aid in members.get(sid, [])), opts)
    tracker = Tracker(store, wanted)  # stores each story's revision: what this run changed
    # Largest first: with stories analysed on both cores, a big story started last would
    # leave one core idle while it runs.
    order = sorted(wanted, key=lambda sid: -len(members.get(sid, [])))

    def jobs() -> Iterable[StoryJob]:
        for sid in order:
            articles = sorted(store.articles(members.get(sid, [])), key=order_key)
            attach_analyses(store, articles)
            yield StoryJob(sid, articles, {a.id: groups[a.id][1] for a in articles})

    done: dict[str, Story] = {}
    total = sum(len(members.get(sid, [])) for sid in wanted)
    for i, res in enumerate(analyze_stories(jobs(), opts, total)):
        tick("analyzing", i, len(wanted))
        if res.story is None:
            store.delete_story(res.story_id)
            tracker.record(res.story_id, None)
            continue
        store.put_story(res.story, res.span)
        tracker.record(res.story_id, res.story)
        if res.analyses:
            store.put_analyses(res.analyses)
        done[res.story_id] = res.story
    tick("analyzing", len(wanted), len(wanted))
    return [done[sid] for sid in wanted if sid in done]


def attach_analyses(store: StoryStore, articles: Sequence[Article]) -> None:
    """Attach each article's stored per-article analysis (sentences, dates, figures), so the
    stages read it instead of splitting and tagging the text again; a record made from
    another text or by an older version is ignored (``analysis_of`` recomputes it)."""
    kept = store.analyses(a.id for a in articles)
    for art in articles:
        data = kept.get(art.id)
        if data is None:
            continue
        try:
            art.analysis = ArticleAnalysis.from_dict(data)
        except (KeyError, TypeError, ValueError):
            continue  # an unreadable record is recomputed, like a stale one


def stale_stories(store: StoryStore) -> list[str]:
    """Stories whose stored analysis is missing or was made from other articles than they
    hold now (after ``add --no-analyze``, or a run killed between storing and analyzing)."""
    members: dict[str, set[str]] = defaultdict(set)
    for aid, (sid, _eid) in store.groups().items():
        if sid:
            members[sid].add(aid)
    stored = {s.id: set(s.article_ids) for s in store.stories()}
    stale = [sid for sid, ids in members.items() if stored.get(sid) != ids]
    gone = [sid for sid in stored if sid not in members]
    return sorted(stale + gone)


def analyze_story(
    story_id: str, articles: list[Article], event_of: dict[str, str | None], options: Options | None = None
) -> Story:
    """One story's cited analysis from its articles (in publication order)."""
    opts = options or Options()
    events: dict[str, list[Article]] = defaultdict(list)
    for art in articles:
        events[event_of.get(art.id) or story_id].append(art)
    return Story(
        id=story_id,
        title=representative_title(articles),
        article_ids=[a.id for a in articles],
        summary=_summary(articles, opts),
        events=[
            Event(id=eid, title=representative_title(arts), article_ids=[a.id for a in arts])
            for eid, arts in sorted(events.items(), key=lambda kv: order_key(kv[1][0]))
        ],
        timeline=build_timeline(articles, opts.timeline),
        comparisons=compare(articles, None, opts.compare),
        entities=extract_entities(articles, opts.entities),
        noise=story_noise(articles),
    )


def _summary(articles: list[Article], opts: Options) -> list[Citation]:
    """The summary by the summarizer ``opts.summary.method`` names."""
    return get_summarizer(opts.summary.method).summarize(articles, opts)


def representative_title(articles: Sequence[Article]) -> str:
    """The story's most central real headline, else a short headline made from its most
    central sentence (``storyline.headlines.story_title``): recomputed from all of its
    articles on every analysis, so the title follows the story as it grows."""
    return story_title(articles)


def digest(
    store: StoryStore,
    paths: Iterable[str | Path],
    options: Options | None = None,
    progress: Progress | None = None,
) -> tuple[Digest, AddResult]:
    """Add the inputs and return the Digest of every story they belong to (without
    ``options``: with the store's saved options)."""
    opts = options or stored_options(store)
    result = add(store, paths, opts, progress)
    analyze(store, stories_to_analyze(store, result), opts, progress)
    # The stories analysed just now and those whose stored analysis is still current.
    return build_digest(store, store.stories(result.stories), result), result


def build_digest(store: StoryStore, stories: list[Story], result: AddResult | None = None) -> Digest:
    """The report record: the stories, their articles, and this run's errors and counts."""
    ids = list(dict.fromkeys(aid for s in stories for aid in s.article_ids))
    if result:
        ids = list(dict.fromkeys(ids + result.ingested))  # linear: no set rebuilt per id
    articles = store.articles(ids)
    errors = result.errors if result else store.errors()
    stats = {
        "ingested": len(result.ingested) if result else len(articles),
        "new": len(result.new) if result else len(articles),
        "skipped": len(errors),
        "duplicates": sum(1 for a in articles if a.duplicate_of),
        "stories": len(stories),
    }
    stories = sorted(stories, key=lambda s: (-len(s.article_ids), s.id))
    return Digest(articles=articles, stories=stories, errors=list(errors), stats=stats)
