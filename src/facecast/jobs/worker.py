"""An in-process pool of worker threads that run queued jobs, a limited number at a time.

Job rows are the source of truth: a worker claims the oldest queued job, runs it and records
how it ended. One job's failure is caught and recorded on that job only. On start, jobs a dead
process left `running` are queued again; on a clean shutdown, running jobs are interrupted
and queued again, so no job is lost either way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from facecast.errors import FacecastError
from facecast.jobs.context import Context, Outcome
from facecast.jobs.layout import Layout
from facecast.jobs.models import JobRow
from facecast.jobs.runners import RUNNERS
from facecast.jobs.signals import JobCancelled, JobInterrupted
from facecast.jobs.store import Store

log = logging.getLogger(__name__)

Runner = Callable[[JobRow, Context], Outcome]

# Progress is written at most this often (seconds): often enough for a smooth bar, rarely
# enough that SQLite is not kept busy by a 30 fps video.
PROGRESS_INTERVAL = 0.4
# Below this progress an ETA is too noisy to show.
ETA_FROM = 0.03


class WorkerPool:
    """`workers` threads pulling jobs from `store`. `wake()` after queueing one."""

    def __init__(self, store: Store, layout: Layout, workers: int = 1, *,
                 min_photos: int = 5, max_photos: int = 15,
                 runners: dict[str, Runner] | None = None) -> None:
        self.store = store
        self.layout = layout
        self.workers = max(1, workers)
        self.min_photos, self.max_photos = min_photos, max_photos
        self.runners = runners or RUNNERS
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._cancelled: set[str] = set()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        requeued = self.store.requeue_running()
        if requeued:
            log.info("re-queued %d job(s) left running by the previous server", requeued)
        for i in range(self.workers):
            thread = threading.Thread(target=self._loop, name=f"facecast-worker-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Interrupt running jobs (they return to the queue) and wait for the threads."""
        self._stopping.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)

    def wake(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def cancel(self, job_id: str) -> None:
        """Ask a running job of this process to stop at its next progress report."""
        self._cancelled.add(job_id)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                job = self.store.claim_next()
            except Exception:
                log.exception("cannot read the job queue")
                job = None
            if job is None:
                with self._wake:
                    self._wake.wait(timeout=1.0)
                continue
            self._run(job)

    def _run(self, job: JobRow) -> None:
        started = time.monotonic()
        last_write = 0.0

        def progress(fraction: float) -> None:
            nonlocal last_write
            if self._stopping.is_set():
                raise JobInterrupted
            if job.id in self._cancelled:
                raise JobCancelled
            now = time.monotonic()
            if now - last_write < PROGRESS_INTERVAL and fraction < 1.0:
                return
            last_write = now
            fraction = min(max(fraction, 0.0), 1.0)
            elapsed = now - started
            eta = elapsed * (1 - fraction) / fraction if fraction >= ETA_FROM else None
            self.store.update(JobRow, job.id, progress=round(fraction, 4),
                              eta_s=None if eta is None else round(eta, 1))
            current = self.store.get(JobRow, job.id)
            if current is None or current.cancel_requested:
                raise JobCancelled

        context = Context(self.store, self.layout, progress, self.min_photos, self.max_photos)
        try:
            runner = self.runners[job.kind]
            outcome = runner(job, context)
        except JobInterrupted:
            log.info("job %s interrupted by shutdown: queued again", job.id)
            self.store.requeue(job.id)
        except JobCancelled:
            self.store.finish(job.id, "cancelled")
        except FacecastError as exc:
            # Messages name files; the user needs the reason, not where the server keeps them.
            message = str(exc).replace(str(self.layout.root), "…")
            self.store.finish(job.id, "failed", error=message)
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            self.store.finish(job.id, "failed",
                              error=f"internal error ({type(exc).__name__}); please try again")
        else:
            self.store.finish(job.id, "done", progress=1.0, result=outcome.result,
                              result_kind=outcome.result_kind, warnings=outcome.warnings,
                              report=outcome.report)
        finally:
            self._cancelled.discard(job.id)
