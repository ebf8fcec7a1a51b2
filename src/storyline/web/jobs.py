"""Background "add articles" jobs of the web app: uploads saved, pipeline run off-request.

A job runs ``pipeline.add`` then ``pipeline.analyze`` in a thread with its own store (its
own connection) and the app's options, else the store's saved ones; it reports the
pipeline's progress callbacks into a ``Job`` record that the progress page and
``/api/jobs/{id}`` read. Jobs run one at a time, in one worker thread: the pipeline already
serializes writers, and two model-heavy runs on a laptop only slow each other down. The
queue is bounded (``MAX_PENDING_JOBS``, uploads being received included): a client posting
in a loop gets "too many jobs" instead of filling the disk with upload folders.
"""

from __future__ import annotations

import logging
import queue
import re
import shutil
import tempfile
import threading
import time
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from storyline.errors import InputError, StorylineError

if TYPE_CHECKING:
    from storyline.options import Options

log = logging.getLogger(__name__)

# An upload larger than this is refused before it reaches the pipeline. Matches the ingest
# stage's own cap on record files being generous (1 GiB decompressed); a browser upload of a
# real article collection is far below it, and the limit keeps a runaway upload off the disk.
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
# Jobs waiting, running or having their files received, at most: a job of real uploads takes
# minutes, so a queue longer than this is a client in a loop, not a user waiting.
MAX_PENDING_JOBS = 8
# Finished jobs kept in memory for their progress pages; the oldest are forgotten first.
MAX_JOBS = 200
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class QueueFull(StorylineError):
    """Too many jobs are waiting: the web app answers 429."""


@dataclass
class JobError:
    """One input that could not be added, as shown to the user."""

    path: str
    error: str


@dataclass
class Job:
    """The state of one add-articles run, updated by its thread, read by the pages."""

    id: str
    inputs: list[str]
    status: str = "queued"  # queued, running, done, failed
    stage: str = "waiting for another job"
    done: int = 0
    total: int | None = None
    new: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    errors: list[JobError] = field(default_factory=list)
    stories: list[str] = field(default_factory=list)
    message: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def running(self) -> bool:
        return self.status in ("queued", "running")


def safe_name(name: str | None) -> str:
    """A file name safe to create in the upload folder, close to what the user uploaded.

    Directory parts (either slash) are dropped, characters other than letters, digits, dot,
    dash and underscore become "_", leading dots go (ingest skips hidden files), and the
    length is capped keeping the extension (ingest picks the reader by extension).
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = _SAFE.sub("_", base).lstrip(".")
    if len(base) > 120:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 110] + dot + ext[:9]) if dot and len(ext) <= 9 else base[:120]
    return base or "upload"


def save_uploads(files: Iterable[tuple[str | None, BinaryIO]], folder: Path,
                 limit: int = MAX_UPLOAD_BYTES) -> tuple[list[Path], list[JobError]]:
    """Copy uploaded files into ``folder`` under their sanitised names (kept distinct)."""
    saved: list[Path] = []
    errors: list[JobError] = []
    used: set[str] = set()
    for name, stream in files:
        clean = safe_name(name)
        stem, dot, ext = clean.partition(".")
        candidate, n = clean, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{stem}-{n}{dot}{ext}"
        used.add(candidate.lower())
        path = folder / candidate
        written = 0
        too_big = False
        with path.open("wb") as out:
            while chunk := stream.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    too_big = True
                    break
                out.write(chunk)
        if too_big:
            path.unlink(missing_ok=True)
            errors.append(JobError(name or candidate,
                                   f"upload larger than {limit // 2**20} MiB, refused"))
        else:
            saved.append(path)
    return saved, errors


def parse_paths(text: str, folder: Path) -> tuple[list[Path], list[JobError]]:
    """Paths pasted one per line (blank lines and surrounding quotes ignored), read only
    inside ``folder``: relative paths are taken from it, and a path that leads outside it,
    through ``..`` or a symbolic link, is refused with an error (the form must not let a
    visitor make the server read /etc)."""
    root = folder.resolve()
    out: list[Path] = []
    errors: list[JobError] = []
    for line in text.splitlines():
        line = line.strip().strip("'\"")
        if not line:
            continue
        path = (root / line).resolve()
        if path == root or root in path.parents:
            out.append(path)
        else:
            errors.append(JobError(line, f"outside {root}, the folder this server may read; refused"))
    return out, errors


class Jobs:
    """The jobs of one app: submit inputs, read a job's state by id."""

    def __init__(self, db: Path | str, options: Options | None = None,
                 max_pending: int = MAX_PENDING_JOBS) -> None:
        self.db = db
        self.options = options
        self.max_pending = max_pending
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._pending = 0  # reserved + queued + running
        self._queue: queue.Queue[tuple[Job, list[Path], Path | None]] = queue.Queue()
        self._worker: threading.Thread | None = None

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def reserve(self) -> None:
        """Take a place in the queue before receiving a job's files, or raise ``QueueFull``.
        The place is used by ``submit(..., reserved=True)`` or given back by ``release``."""
        with self._lock:
            if self._pending >= self.max_pending:
                raise QueueFull(f"{self._pending} add jobs are already waiting or running "
                                "(the most this server queues); try again when one has finished")
            self._pending += 1

    def release(self) -> None:
        """Give back a place taken by ``reserve`` that no job will use."""
        with self._lock:
            self._pending = max(0, self._pending - 1)

    def submit(self, paths: list[Path], errors: list[JobError] | None = None,
               upload_dir: Path | None = None, *, reserved: bool = False) -> Job:
        """Queue a job over ``paths``; ``errors`` are upload problems shown with the job's own.
        ``upload_dir`` is removed when the job ends (the articles' text is in the store).
        Raises ``QueueFull`` unless a place was ``reserve``d for it."""
        if not reserved:
            self.reserve()
        job = Job(id=uuid.uuid4().hex[:12], inputs=[_shown(p, upload_dir) for p in paths])
        job.errors = list(errors or [])
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].running:
                    break
                self._jobs.pop(oldest)
            self._queue.put((job, paths, upload_dir))
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="storyline-jobs",
                                                daemon=True)
                self._worker.start()
        return job

    def wait(self, job_id: str, timeout: float = 120.0) -> Job | None:
        """Block until the job has ended (tests and scripts; the pages poll instead)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(job_id)
            if job is None or not job.running:
                return job
            time.sleep(0.05)
        return self.get(job_id)

    def _work(self) -> None:
        """The one worker: runs queued jobs in order, for the life of the app."""
        while True:
            job, paths, upload_dir = self._queue.get()
            self._run(job, paths, upload_dir)

    def _run(self, job: Job, paths: list[Path], upload_dir: Path | None) -> None:
        job.status, job.stage = "running", "starting"
        status = "failed"
        try:
            self._pipeline(job, paths, upload_dir)
            status = "done"
        except StorylineError as exc:
            job.message = str(exc)
        except Exception as exc:  # noqa: BLE001 - a job thread must always end its record
            log.error("add job %s failed:\n%s", job.id, traceback.format_exc())
            job.message = f"unexpected error ({type(exc).__name__}: {exc}); see the server log"
        finally:
            if upload_dir is not None:  # before the job shows as ended: nothing left behind
                shutil.rmtree(upload_dir, ignore_errors=True)
            self.release()  # its place in the queue, before it shows as ended too
            job.finished = time.time()
            job.status = job.stage = status

    def _pipeline(self, job: Job, paths: list[Path], upload_dir: Path | None) -> None:
        from storyline import pipeline
        from storyline.store import open_store

        def progress(stage: str, done: int, total: int | None) -> None:
            job.stage, job.done, job.total = stage, done, total

        if not paths:
            return
        with open_store(self.db) as store:
            # The app's own options when it was given some, else those the store was built
            # with (a summary length chosen at digest time survives a web upload).
            options = self.options or pipeline.stored_options(store)
            result = pipeline.add(store, paths, options, progress)
            job.new, job.unchanged, job.renamed = result.new, result.unchanged, result.renamed
            job.errors += [JobError(_shown(e.path, upload_dir), e.error) for e in result.errors]
            pipeline.analyze(store, pipeline.stories_to_analyze(store, result), options, progress)
            job.stories = list(result.stories)


def _shown(path: str | Path, upload_dir: Path | None) -> str:
    """A path as the user knows it: uploads by their file name, local paths as given."""
    text = str(path)
    if upload_dir is not None:
        prefix = str(upload_dir) + "/"
        if text.startswith(prefix):
            return "uploaded " + text[len(prefix):]
    return text


def new_upload_dir() -> Path:
    """A fresh private temporary folder for one job's uploads."""
    try:
        return Path(tempfile.mkdtemp(prefix="storyline-upload-"))
    except OSError as exc:
        raise InputError(f"cannot create a temporary folder for uploads: {exc}") from None
