"""Jobs on Celery workers (`FACECAST_BROKER_URL=redis://...`, `facecast worker`).

The job row stays the truth, in the shared database; the broker only carries "run job X"
and its pieces. The API server sends one `run_job` per queued job (`BrokerQueue`); the
worker that gets it claims the row. A long swap or edit becomes a chord: one `run_piece` per
piece of the video, on whichever workers are free, then `join_job`, which puts the pieces
together and records the outcome. Files are in `FACECAST_DATA_DIR`, shared by every machine.

Crash safety, as Celery documents it for work that must not be lost: a message is
acknowledged only after its task ran (`task_acks_late`), a task whose worker process died is
given back to the queue (`task_reject_on_worker_lost`), a worker holds one message at a time
(`worker_prefetch_multiplier = 1`), tasks have soft and hard time limits, and Redis hands an
unacknowledged message to another worker only after a visibility timeout longer than the
hard limit. Every task is safe to run twice: pieces are written to a temporary file, then
renamed, and skipped when found done; the join reruns whatever piece is missing (a chord
can fire early when a piece ran twice); a job that has finished is left alone.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import redis
from celery import Celery, chord
from celery.signals import task_received, worker_process_init, worker_ready

from facecast.api.settings import Settings
from facecast.chunks.local import die_with_parent
from facecast.chunks.plan import Plan
from facecast.chunks.work import Piece, remove_pieces
from facecast.errors import FacecastError
from facecast.jobs.context import Context, Split
from facecast.jobs.layout import Layout
from facecast.jobs.models import FINISHED, JobRow
from facecast.jobs.progress import JobProgress
from facecast.jobs.runners import RUNNERS, SPLITTABLE
from facecast.jobs.signals import JobCancelled, JobInterrupted
from facecast.jobs.split import joined, plan_for
from facecast.jobs.store import Store
from facecast.templates import install_shipped

log = logging.getLogger(__name__)

SENT_KEY = "facecast:sent:{}"
"""A Redis key set (once) when a job's message is sent: the API sends each job once, even
when several API processes or restarts look at the same queued row."""
SENT_TTL_S = 30 * 24 * 3600
HELD_KEY = "facecast:held:{}"
"""The delivery tags of the messages a worker (by name) has received and not yet acked."""


def make_celery(settings: Settings) -> Celery:
    app = Celery("facecast", broker=settings.broker_url, backend=settings.broker_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.task_soft_limit_s,
        task_time_limit=settings.task_hard_limit_s,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_s},
        result_backend_transport_options={"visibility_timeout": settings.visibility_timeout_s},
        result_expires=7 * 24 * 3600,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
    )
    return app


settings = Settings()
celery = make_celery(settings)


@cache
def _services() -> tuple[Store, Layout]:
    """The database and the data folder, opened once per worker process."""
    layout = Layout(settings.data_root())
    layout.create()
    install_shipped()
    return Store(settings.db_url()), layout


@task_received.connect
def _hold(request: Any, **_: Any) -> None:
    """Note the message this worker now holds (under its name), forgetting those acked."""
    message = request.message
    client = message.channel.client
    key = HELD_KEY.format(request.hostname)
    for tag in client.smembers(key):
        if not client.hexists(message.channel.unacked_key, tag):
            client.srem(key, tag)
    client.sadd(key, message.delivery_tag)


@worker_ready.connect
def _give_back_what_it_held(sender: Any, **_: Any) -> None:
    """A worker restarted under the same name gives back at once the messages it held when
    it died (SIGKILL, power loss): kombu puts them at the head of the queue, as it would
    after the visibility timeout, which is an hour."""
    channel = sender.connection.default_channel
    key = HELD_KEY.format(sender.hostname)
    for tag in channel.client.smembers(key):
        channel.qos.restore_by_tag(tag.decode())
    channel.client.delete(key)


@worker_process_init.connect
def _die_with_the_worker(**_: Any) -> None:
    """A pool process ends when its worker does, even on SIGKILL: it would go on running
    a task whose message is given to another worker."""
    die_with_parent()


def _context(job: JobRow, progress: Any) -> Context:
    store, layout = _services()
    return Context(store, layout, progress, settings.min_photos, settings.max_photos,
                   Split(settings.chunk_seconds))


def _record(job_id: str, body: Any) -> Any:
    """Run `body()`, recording on the job how it failed or was cancelled; None then."""
    store, layout = _services()
    try:
        return body()
    except JobCancelled:
        store.finish(job_id, "cancelled")
    except JobInterrupted:
        raise
    except FacecastError as exc:
        store.fail(job_id, str(exc).replace(str(layout.root), "…"))
    except Exception as exc:
        log.exception("job %s failed", job_id)
        store.fail(job_id, f"internal error ({type(exc).__name__}); please try again")
    remove_pieces(layout.chunks(job_id))
    store.forget_pieces(job_id)
    return None


@celery.task(name="facecast.run_job")
def run_job(job_id: str) -> None:
    """Claim the job and run it here, or send its pieces to the workers."""
    store, _ = _services()
    job = store.claim(job_id)
    if job is None:
        return

    def body() -> None:
        progress = JobProgress(store, job.id, job.started_at)
        ctx = _context(job, progress)
        if job.kind in SPLITTABLE:
            target = SPLITTABLE[job.kind][0](job, ctx)  # a swap's face list is made here, once
            plan = plan_for(target, settings.chunk_seconds)
            if plan is not None:
                store.start_pieces(job.id, [c.count for c in plan.chunks])
                chord(run_piece.s(job.id, plan.to_json(), c.index) for c in plan.chunks)(
                    join_job.s(job.id, plan.to_json()))
                return
        outcome = RUNNERS[job.kind](job, ctx)
        store.finish(job.id, "done", progress=1.0, result=outcome.result,
                     result_kind=outcome.result_kind, warnings=outcome.warnings,
                     report=outcome.report)

    _record(job_id, body)


def _piece(job: JobRow, plan: Plan, index: int) -> Piece:
    """Run one piece of the job here (nothing to do when it is done already)."""
    store, layout = _services()
    make_target, _, share = SPLITTABLE[job.kind]
    reporter = JobProgress(store, job.id, job.started_at)

    def progress(done: int, total: int) -> None:
        if reporter.due() or done == total:
            reporter(share * store.piece_progress(job.id, index, done, total))

    target = make_target(job, _context(job, reporter))
    folder = layout.chunks(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    args = target.piece_args(folder, plan)[index]
    piece = target.piecework(*args, progress=progress)
    store.piece_progress(job.id, index, plan.chunks[index].count, plan.chunks[index].count)
    return piece


def _live(job_id: str) -> JobRow | None:
    """The job, unless it has ended; one whose cancel was asked for ends here, cancelled
    (when none of its pieces was running to notice)."""
    store, _ = _services()
    job = store.get(JobRow, job_id)
    if job is None or job.status in FINISHED:
        return None
    if job.cancel_requested:
        store.finish(job_id, "cancelled")
        return None
    return job


@celery.task(name="facecast.run_piece")
def run_piece(job_id: str, plan_json: dict[str, Any], index: int) -> dict[str, Any] | None:
    """One piece of a long swap or edit; None when the job has ended (failed, cancelled)."""
    job = _live(job_id)
    if job is None:
        return None
    plan = Plan.from_json(plan_json)
    piece = _record(job_id, lambda: _piece(job, plan, index))
    return None if piece is None else piece.to_json()


@celery.task(name="facecast.join_job")
def join_job(_results: list[Any], job_id: str, plan_json: dict[str, Any]) -> None:
    """Join the pieces (running any that is missing) and record the job's outcome."""
    store, layout = _services()
    job = _live(job_id)
    if job is None:
        if store.get(JobRow, job_id) is not None:
            remove_pieces(layout.chunks(job_id))
            store.forget_pieces(job_id)
        return
    plan = Plan.from_json(plan_json)

    def body() -> None:
        make_target, finish, _ = SPLITTABLE[job.kind]
        pieces = [_piece(job, plan, c.index) for c in plan.chunks]
        progress = JobProgress(store, job.id, job.started_at)
        ctx = _context(job, progress)
        target = make_target(job, ctx)
        result = joined(target, plan, pieces, layout.chunks(job.id))
        outcome = finish(target, result, ctx)
        store.forget_pieces(job.id)
        store.finish(job.id, "done", progress=1.0, result=outcome.result,
                     result_kind=outcome.result_kind, warnings=outcome.warnings,
                     report=outcome.report)

    _record(job_id, body)


class BrokerQueue:
    """The API server's side: it only sends queued jobs to the workers (the same methods
    as `jobs.worker.WorkerPool`, which runs them in the server's own threads)."""

    def __init__(self, store: Store, broker_url: str) -> None:
        self.store = store
        self._redis = redis.Redis.from_url(broker_url)

    def start(self) -> None:
        """Send what was queued while no server ran (workers keep running their jobs)."""
        self.wake()

    def stop(self, timeout: float = 10.0) -> None:
        self._redis.close()

    def wake(self) -> None:
        for job_id in self.store.queued_ids():
            if self._redis.set(SENT_KEY.format(job_id), 1, nx=True, ex=SENT_TTL_S):
                run_job.delay(job_id)

    def cancel(self, job_id: str) -> None:
        """Nothing to do here: the worker sees the row's flag at its next progress report."""
