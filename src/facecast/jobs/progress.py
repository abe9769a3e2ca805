"""A running job's progress callback: written to its row now and then, with an ETA, and the
place where a cancel (the row's flag) or a shutdown stops the job.

The same for a job run by a thread of the server and for the pieces of one run by Celery
workers on other machines: the row is what they share.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from facecast.jobs.models import JobRow, now
from facecast.jobs.signals import JobCancelled, JobInterrupted
from facecast.jobs.store import Store

PROGRESS_INTERVAL = 0.4
"""Seconds between writes: often enough for a smooth bar, rarely enough that SQLite is not
kept busy by a 30 fps video."""
ETA_FROM = 0.03
"""Below this progress an ETA is too noisy to show."""


class JobProgress:
    """`progress(fraction)` for one job. `stopping()` says the process is shutting down;
    `cancelled()` says this process was asked to cancel it (the row's flag counts too)."""

    def __init__(self, store: Store, job_id: str, started: datetime | None = None, *,
                 stopping: Callable[[], bool] = lambda: False,
                 cancelled: Callable[[], bool] = lambda: False) -> None:
        self.store = store
        self.job_id = job_id
        self.started = started or now()
        self.stopping = stopping
        self.cancelled = cancelled
        self._last_write = 0.0

    def __call__(self, fraction: float) -> None:
        if self.stopping():
            raise JobInterrupted
        if self.cancelled():
            raise JobCancelled
        tick = time.monotonic()
        if tick - self._last_write < PROGRESS_INTERVAL and fraction < 1.0:
            return
        self._last_write = tick
        self.write(fraction)

    def due(self) -> bool:
        """Whether a write now would not be too soon after the last."""
        return time.monotonic() - self._last_write >= PROGRESS_INTERVAL

    def write(self, fraction: float) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        started = self.started if self.started.tzinfo else self.started.replace(tzinfo=now().tzinfo)
        elapsed = (now() - started).total_seconds()
        eta = elapsed * (1 - fraction) / fraction if fraction >= ETA_FROM else None
        self.store.update(JobRow, self.job_id, progress=round(fraction, 4),
                          eta_s=None if eta is None else round(eta, 1))
        current = self.store.get(JobRow, self.job_id)
        if current is None or current.cancel_requested:
            raise JobCancelled
