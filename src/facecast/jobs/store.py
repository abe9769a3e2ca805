"""Every database query of the app, behind one small class, so routes and workers share them.

SQLite (the default) is used in WAL mode with a busy timeout, which lets the worker threads
write progress while requests read. Claiming a job is a conditional UPDATE (queued -> running),
safe between threads here and between processes on PostgreSQL.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import create_engine, delete, event, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from facecast.jobs.models import FINISHED, Base, ChunkRow, IdentityRow, JobRow, VideoRow, now

Row = TypeVar("Row", IdentityRow, VideoRow, JobRow)


def new_id() -> str:
    return uuid.uuid4().hex


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class Store:
    """The database: created on first use, then queried through these methods."""

    def __init__(self, url: str) -> None:
        self.engine = _engine(url)
        Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._claim_lock = threading.Lock()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    # --- rows owned by a session -------------------------------------------------------

    def add(self, row: Row) -> Row:
        with self.session() as s:
            s.add(row)
        return row

    def get(self, model: type[Row], row_id: str, owner: str | None = None) -> Row | None:
        """The row with this id, or None; with `owner`, None unless that session owns it."""
        with self.session() as s:
            row = s.get(model, row_id)
        if row is None or (owner is not None and row.owner != owner):
            return None
        return row

    def owned(self, model: type[Row], owner: str) -> list[Row]:
        """A session's rows, newest first."""
        with self.session() as s:
            query = select(model).where(model.owner == owner).order_by(model.created_at.desc())
            return list(s.scalars(query))

    def delete(self, row: Row) -> None:
        with self.session() as s:
            found = s.get(type(row), row.id)
            if found is not None:
                s.delete(found)

    def update(self, model: type[Row], row_id: str, **values: Any) -> None:
        with self.session() as s:
            s.execute(update(model).where(model.id == row_id).values(**values))

    # --- jobs ----------------------------------------------------------------------------

    def create_job(self, owner: str, kind: str, payload: dict[str, Any],
                   job_id: str | None = None) -> JobRow:
        return self.add(JobRow(id=job_id or new_id(), owner=owner, kind=kind, payload=payload,
                               status="queued", created_at=now()))

    def claim(self, job_id: str) -> JobRow | None:
        """Mark this job running (a Celery worker got it) and return it; None when it has
        finished or was cancelled. A job already running is taken over: its message was
        delivered again because the worker that had it died."""
        with self.session() as s:
            claimed = s.execute(
                update(JobRow).where(JobRow.id == job_id,
                                     JobRow.status.in_(("queued", "running")),
                                     JobRow.cancel_requested.is_(False))
                .values(status="running", started_at=func.coalesce(JobRow.started_at, now()),
                        attempts=JobRow.attempts + 1))
        return self.get(JobRow, job_id) if claimed.rowcount == 1 else None

    def start_pieces(self, job_id: str, totals: list[int]) -> None:
        """One progress row per piece of the job, none done (rows of an earlier try stay)."""
        with self.session() as s:
            known = set(s.scalars(select(ChunkRow.index).where(ChunkRow.job_id == job_id)))
            s.add_all(ChunkRow(job_id=job_id, index=i, done=0, total=t)
                      for i, t in enumerate(totals) if i not in known)

    def piece_progress(self, job_id: str, index: int, done: int, total: int) -> float:
        """Record how far one piece has got; returns the share of the job's pieces done."""
        with self.session() as s:
            s.execute(update(ChunkRow).where(ChunkRow.job_id == job_id, ChunkRow.index == index)
                      .values(done=done, total=total))
        with self.session() as s:
            done_all, total_all = s.execute(
                select(func.sum(ChunkRow.done), func.sum(ChunkRow.total))
                .where(ChunkRow.job_id == job_id)).one()
        return (done_all or 0) / max(total_all or 1, 1)

    def forget_pieces(self, job_id: str) -> None:
        with self.session() as s:
            s.execute(delete(ChunkRow).where(ChunkRow.job_id == job_id))

    def queued_ids(self) -> list[str]:
        """The ids of queued jobs, oldest first."""
        with self.session() as s:
            return list(s.scalars(select(JobRow.id).where(JobRow.status == "queued")
                                  .order_by(JobRow.created_at)))

    def claim_next(self) -> JobRow | None:
        """Mark the oldest queued job running and return it (None if there is none)."""
        with self._claim_lock:
            while True:
                with self.session() as s:
                    job = s.scalars(select(JobRow).where(JobRow.status == "queued")
                                    .order_by(JobRow.created_at).limit(1)).first()
                    if job is None:
                        return None
                    claimed = s.execute(
                        update(JobRow).where(JobRow.id == job.id, JobRow.status == "queued")
                        .values(status="running", started_at=now(), progress=0.0, eta_s=None,
                                attempts=JobRow.attempts + 1))
                if claimed.rowcount == 1:
                    return self.get(JobRow, job.id)

    def requeue_running(self) -> int:
        """After a restart: jobs left running by a dead process go back to the queue, except
        those whose cancellation was asked for, which end cancelled."""
        with self.session() as s:
            s.execute(update(JobRow).where(JobRow.status == "running",
                                           JobRow.cancel_requested.is_(True))
                      .values(status="cancelled", finished_at=now(), eta_s=None))
            moved = s.execute(update(JobRow).where(JobRow.status == "running")
                              .values(status="queued", progress=0.0, eta_s=None))
        return moved.rowcount

    def requeue(self, job_id: str) -> None:
        """Put a job interrupted by a shutdown back in the queue."""
        self.update(JobRow, job_id, status="queued", progress=0.0, eta_s=None)

    def finish(self, job_id: str, status: str, **values: Any) -> None:
        assert status in FINISHED
        self.update(JobRow, job_id, status=status, finished_at=now(), eta_s=None, **values)

    def fail(self, job_id: str, error: str) -> str:
        """End a job that raised: failed, with `error`; cancelled when its cancel was asked
        for, since then what failed was a piece whose files a cancelled piece of the same job
        (on another worker) had just removed. Returns the status given."""
        with self.session() as s:
            asked = s.execute(update(JobRow).where(JobRow.id == job_id,
                                                   JobRow.cancel_requested.is_(True))
                              .values(status="cancelled", finished_at=now(), eta_s=None))
            if asked.rowcount:
                return "cancelled"
        self.finish(job_id, "failed", error=error)
        return "failed"

    def request_cancel(self, job: JobRow) -> str:
        """Cancel a queued job at once; flag a running one for its worker. Returns the status
        the job has (or will have)."""
        with self.session() as s:
            done = s.execute(update(JobRow).where(JobRow.id == job.id, JobRow.status == "queued")
                             .values(status="cancelled", finished_at=now(),
                                     cancel_requested=True))
            if done.rowcount:
                return "cancelled"
            s.execute(update(JobRow).where(JobRow.id == job.id, JobRow.status == "running")
                      .values(cancel_requested=True))
            current = s.get(JobRow, job.id)
            return current.status if current else "cancelled"
