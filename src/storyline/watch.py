"""Follow live sources: poll feeds, pages and folders, and add what is new to the store.

``Watcher.run`` polls every source when it is due (every ``every`` seconds; a failing one
later and later, by exponential backoff), and adds what it found through the pipeline
(``pipeline.add_articles`` then ``pipeline.analyze``), so stories, timelines and revisions
follow as with ``storyline add`` (a round that changed stories ends with their account).

What a poll needs to skip work is kept in the store (``set_json("watch")``): per source
its ETag and Last-Modified (conditional GET), when it was last polled and how often it has
failed in a row, a folder's files (path, size, mtime); and the URLs of the feed entries
already stored, so an entry is never fetched twice, across restarts too. Content already
stored is recognised by the store itself (same id and text: unchanged; near-duplicate
text: marked duplicate).

Nothing a source does stops the loop: each failure is one line naming the source and the
reason, and the source is tried again later. Ctrl-C (KeyboardInterrupt) abandons the
current fetch; the state saved after every source keeps what was finished.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from storyline import pipeline
from storyline.changes import account
from storyline.engines.work import prepare_items, split_results
from storyline.ingest import InputFile, walk
from storyline.ingest.base import Record, error
from storyline.ingest.fetch import Fetcher, FetchError, check_url, is_url
from storyline.ingest.live import Feed, entry_records, load_source
from storyline.model import IngestError
from storyline.options import Options
from storyline.store import StoryStore

STATE_KEY = "watch"
# Entry URLs remembered as stored; past this many, the oldest are forgotten (a feed lists
# its latest few dozen entries, so a forgotten one is long gone from its feed).
MAX_SEEN = 50_000
# A failing source waits every * 2**failures, at most this long (or ``every`` if longer).
MAX_BACKOFF = 6 * 3600.0
# An entry whose page and feed text both fail is tried on this many polls, then given up.
MAX_ENTRY_TRIES = 3

__all__ = ["STATE_KEY", "PollReport", "SourceState", "WatchState", "Watcher", "backoff", "parse_every"]


def parse_every(text: str) -> float:
    """``30s``, ``15m``, ``1h``, ``1d`` or a number of seconds -> seconds (ValueError if not)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if not m:
        raise ValueError(f"{text!r}: not a duration like 30s, 15m, 1h")
    seconds = float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if seconds <= 0:
        raise ValueError(f"{text!r}: the interval must be more than 0")
    return seconds


def backoff(every: float, failures: int) -> float:
    """Seconds until the next poll of a source that has failed ``failures`` times in a row."""
    if failures <= 0:
        return every
    return min(every * 2.0**failures, max(every, MAX_BACKOFF))


@dataclass
class SourceState:
    kind: str | None = None  # feed or page, once known
    etag: str | None = None
    last_modified: str | None = None
    last_poll: float | None = None  # wall clock (time.time) of the last poll
    next_poll: float = 0.0
    failures: int = 0  # in a row; 0 after a poll that worked
    last_error: str | None = None
    # A folder's files: path -> [size, mtime_ns] as last read.
    files: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class WatchState:
    sources: dict[str, SourceState] = field(default_factory=dict)
    seen: dict[str, float] = field(default_factory=dict)  # entry URL -> when stored
    tries: dict[str, int] = field(default_factory=dict)  # entry URL -> failed polls

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": {k: asdict(v) for k, v in self.sources.items()},
            "seen": self.seen,
            "tries": self.tries,
        }

    @classmethod
    def from_dict(cls, data: Any) -> WatchState:
        if not isinstance(data, dict):
            return cls()
        known = set(SourceState.__dataclass_fields__)
        sources = {
            k: SourceState(**{f: v for f, v in s.items() if f in known})
            for k, s in (data.get("sources") or {}).items()
            if isinstance(s, dict)
        }
        return cls(sources, dict(data.get("seen") or {}), dict(data.get("tries") or {}))


@dataclass
class PollReport:
    """What one poll of one source did: the progress line the CLI prints."""

    source: str
    kind: str  # feed, page, folder
    new: int = 0  # articles stored by this poll
    known: int = 0  # entries, pages or files already stored
    not_modified: bool = False
    failed: str | None = None  # the source itself failed: the reason
    retry_in: float = 0.0
    errors: list[IngestError] = field(default_factory=list)  # entries or files that failed
    stories: list[str] = field(default_factory=list)  # stories to analyse again

    def line(self) -> str:
        if self.failed:
            return f"{self.kind} {self.source}: failed: {self.failed} (retry in {_duration(self.retry_in)})"
        if self.not_modified:
            return f"{self.kind} {self.source}: not modified"
        line = f"{self.kind} {self.source}: {self.new} new, {self.known} known"
        return line + (f", {len(self.errors)} not read" if self.errors else "")


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g}{unit}"
    return f"{seconds:.3g}s"


class Watcher:
    """Polls ``sources`` (http(s) URLs of feeds or pages, folders or files) into ``store``."""

    def __init__(
        self,
        store: StoryStore,
        sources: Sequence[str],
        options: Options,
        fetcher: Fetcher,
        every: float,
        *,
        say: Callable[[str], None] = print,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store, self.options, self.fetcher, self.every = store, options, fetcher, every
        self.sources = list(dict.fromkeys(sources))
        self.say, self.clock, self.sleep = say, clock, sleep
        self.state = WatchState.from_dict(store.get_json(STATE_KEY))
        self.polls = 0
        self.stored = 0  # new articles stored by this run
        self.failures = 0  # failed polls in this run

    # ------------------------------------------------------------------ the loop

    def run(self, once: bool = False, rounds: int | None = None) -> None:
        """Poll until interrupted (``once``: every source once, due or not; ``rounds``: stop
        after that many rounds, for tests). State is saved after every source."""
        done = 0
        try:
            while True:
                polled = self.poll_round(force=once)
                done += 1
                wait = min(self._due(s) for s in self.sources) - self.clock()
                if not polled and done == 1:  # a restart before anything is due: say so
                    self.say(f"nothing due yet: next poll in {_duration(max(wait, 0.0))}")
                if once or (rounds is not None and done >= rounds):
                    return
                if wait > 0:
                    self.sleep(wait)
        finally:
            self.save()

    def poll_round(self, force: bool = False) -> list[PollReport]:
        """Poll the sources that are due (all with ``force``), then analyse the stories
        that changed, once for the round."""
        reports = []
        changed: list[str] = []
        for source in self.sources:
            if not force and self._due(source) > self.clock():
                continue
            report = self.poll(source)
            self.say(report.line())
            for err in report.errors[:20]:
                self.say(f"  not read {err.path}: {err.error}")
            changed += report.stories
            reports.append(report)
        if changed:
            last = self.store.latest_revision()
            try:
                pipeline.analyze(self.store, list(dict.fromkeys(changed)), self.options)
            except Exception as exc:  # noqa: BLE001 - the articles are stored; the loop goes on
                self.say(f"  analysis failed ({type(exc).__name__}: {exc}); `storyline report` redoes it")
            else:
                for line in account(self.store.revisions(since=last)):
                    self.say(f"  {line}")
        return reports

    def _due(self, source: str) -> float:
        st = self.state.sources.get(source)
        if st is None or st.last_poll is None:
            return 0.0
        return st.last_poll + backoff(self.every, st.failures)

    def save(self) -> None:
        if len(self.state.seen) > MAX_SEEN:
            keep = sorted(self.state.seen.items(), key=lambda kv: kv[1])[-MAX_SEEN:]
            self.state.seen = dict(keep)
        with self.store.writing():
            self.store.set_json(STATE_KEY, self.state.to_dict())

    # ------------------------------------------------------------------ one source

    def poll(self, source: str) -> PollReport:
        """Poll one source; whatever it does, a PollReport (never an exception but Ctrl-C)."""
        st = self.state.sources.setdefault(source, SourceState())
        kind = (st.kind or "url") if is_url(source) else ("folder" if Path(source).is_dir() else "file")
        report = PollReport(source, kind)
        self.polls += 1
        try:
            if is_url(source):
                self._poll_url(source, st, report)
            else:
                self._poll_path(source, st, report)
        except FetchError as exc:
            report.failed = str(exc)
            wait = getattr(exc, "retry_after", None)
            self._failed(st, report, wait)
        except Exception as exc:  # noqa: BLE001 - one source must never stop the loop (docstring)
            report.failed = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
            self._failed(st, report, None)
        else:
            st.failures, st.last_error = 0, None
        st.last_poll = self.clock()
        st.next_poll = st.last_poll + (report.retry_in or self.every)
        self.save()
        return report

    def _failed(self, st: SourceState, report: PollReport, retry_after: float | None) -> None:
        st.failures += 1
        st.last_error = report.failed
        self.failures += 1
        report.retry_in = max(backoff(self.every, st.failures), retry_after or 0.0)

    def _poll_url(self, url: str, st: SourceState, report: PollReport) -> None:
        fetched, source = load_source(check_url(url), self.fetcher, st.etag, st.last_modified)
        if source is None:
            report.kind = st.kind or "url"
            report.not_modified = True
            return
        if isinstance(source, Feed):
            report.kind = st.kind = "feed"
            records, done = self._feed_records(source, report)
        else:
            report.kind = st.kind = "page"
            source.record.source = url
            source.record.url = source.url
            records, done = [source.record], {}
        self._store(records, report)
        now = self.clock()
        for entry_url, ok in done.items():
            if ok or self.state.tries.get(entry_url, 0) + 1 >= MAX_ENTRY_TRIES:
                self.state.seen[entry_url] = now
                self.state.tries.pop(entry_url, None)
            else:
                self.state.tries[entry_url] = self.state.tries.get(entry_url, 0) + 1
        # Validators only once what they vouch for is stored: a poll interrupted before
        # this point fetches the same answer again next time.
        st.etag, st.last_modified = fetched.etag, fetched.last_modified

    def _feed_records(self, feed: Feed, report: PollReport) -> tuple[list[Record | IngestError], dict]:
        """The records of the feed's entries not seen before (pages fetched only for
        those), and per entry key whether it gave a record."""
        records: list[Record | IngestError] = []
        done: dict[str, bool] = {}
        for entry in feed.entries:
            key = entry.url or entry.ident
            if key in self.state.seen or key in done:
                report.known += 1
                continue
            got = entry_records(entry, feed, self.fetcher)
            done[key] = any(isinstance(r, Record) for r in got)
            records += got
        return records, done

    def _store(self, records: list[Record | IngestError], report: PollReport) -> None:
        articles, errors = split_results(prepare_items(records, self.options))
        report.errors += errors
        if not articles and not errors:
            return
        result = pipeline.add_articles(self.store, articles, errors, self.options)
        report.new += len(result.new)
        report.known += len(result.unchanged)
        report.stories += pipeline.stories_to_analyze(self.store, result)
        self.stored += len(result.new)

    def _poll_path(self, source: str, st: SourceState, report: PollReport) -> None:
        """A folder (or file): read the files that are new or changed (path, size, mtime)."""
        if not os.path.exists(source):
            raise FetchError("no such file or folder")
        changed: list[InputFile] = []
        sizes: dict[str, list[int]] = {}
        for item in walk([source]):
            if isinstance(item, IngestError):
                report.errors.append(item)
                continue
            try:
                info = item.path.stat()
            except OSError as exc:
                report.errors.append(error(str(item.path), f"cannot read: {exc.strerror or exc}"))
                continue
            key, stamp = str(item.path), [info.st_size, info.st_mtime_ns]
            sizes[key] = stamp
            if st.files.get(key) == stamp:
                report.known += 1
            else:
                changed.append(item)
        if changed:
            result = pipeline.add(self.store, [f.path for f in changed], self.options)
            report.new += len(result.new)
            report.known += len(result.unchanged)
            report.errors += result.errors
            report.stories += pipeline.stories_to_analyze(self.store, result)
            self.stored += len(result.new)
        st.files = sizes

    def summary(self) -> str:
        failing = sum(1 for s in self.sources if (st := self.state.sources.get(s)) and st.failures)
        return (
            f"watch stopped: {self.polls} polls, {self.stored} new articles, "
            f"{failing} failing source{'' if failing == 1 else 's'}"
        )
