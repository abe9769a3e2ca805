"""An in-process pool of worker threads that run queued jobs, a limited number at a time.

Job rows are the source of truth: a worker claims the oldest queued job, runs it and records
how it ended. One job's failure is caught and recorded on that job only. On start, jobs a dead
process left `running` are queued again; on a clean shutdown, running jobs are interrupted
and queued again, so no job is lost either way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from facecast.errors import FacecastError
from facecast.jobs.context import Context, Outcome, Split
from facecast.jobs.layout import Layout
from facecast.jobs.models import JobRow
from facecast.jobs.progress import JobProgress
from facecast.jobs.runners import RUNNERS
from facecast.jobs.signals import JobCancelled, JobInterrupted
from facecast.jobs.store import Store

log = logging.getLogger(__name__)

Runner = Callable[[JobRow, Context], Outcome]


class WorkerPool:
    """`workers` threads pulling jobs from `store`. `wake()` after queueing one."""

    def __init__(self, store: Store, layout: Layout, workers: int = 1, *,
                 min_photos: int = 5, max_photos: int = 15,
                 runners: dict[str, Runner] | None = None, split: Split | None = None) -> None:
        self.store = store
        self.layout = layout
        self.workers = max(1, workers)
        self.min_photos, self.max_photos = min_photos, max_photos
        self.runners = runners or RUNNERS
        self.split = split
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
        progress = JobProgress(self.store, job.id, stopping=self._stopping.is_set,
                               cancelled=lambda: job.id in self._cancelled)
        context = Context(self.store, self.layout, progress, self.min_photos, self.max_photos,
                          self.split)
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
