"""The job store on SQLite (the embedded default) and on PostgreSQL (several machines):
the same queries, the same answers, and a job claimed by exactly one of many workers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from facecast.jobs.models import Base, ChunkRow, IdentityRow, JobRow
from facecast.jobs.store import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobs.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    cleanup = Store(url)
    Base.metadata.drop_all(cleanup.engine)
    cleanup.close()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = Store(db_url)
    yield store
    store.close()


def test_rows_belong_to_their_session(store: Store) -> None:
    mine = store.add(IdentityRow(id="i1", owner="me", name="Amy", photos=["a.jpg"]))
    store.add(IdentityRow(id="i2", owner="you", name="Bo"))
    assert store.get(IdentityRow, "i1", owner="me").photos == ["a.jpg"]
    assert store.get(IdentityRow, "i1", owner="you") is None
    assert [r.id for r in store.owned(IdentityRow, "me")] == ["i1"]
    store.update(IdentityRow, "i1", status="ready", report={"photos": 1})
    assert store.get(IdentityRow, "i1").report == {"photos": 1}
    store.delete(mine)
    assert store.get(IdentityRow, "i1") is None


def test_a_job_that_fails_after_its_cancel_ends_cancelled(store: Store) -> None:
    """Two workers run pieces of one job; the cancel stops one, which removes the pieces'
    files, and the other fails on a file gone: the job the user cancelled ends cancelled,
    not failed. A job nobody cancelled still fails, with its reason."""
    cancelled, broken = store.create_job("me", "edit", {}), store.create_job("me", "edit", {})
    store.claim_next(), store.claim_next()
    assert store.request_cancel(store.get(JobRow, cancelled.id)) == "running"
    store.finish(cancelled.id, "cancelled")  # the piece that saw the flag
    assert store.fail(cancelled.id, "chunk-0002.mp4: no such file") == "cancelled"
    assert store.fail(broken.id, "chunk-0002.mp4: no such file") == "failed"
    assert store.get(JobRow, cancelled.id).status == "cancelled"
    failed = store.get(JobRow, broken.id)
    assert (failed.status, failed.error) == ("failed", "chunk-0002.mp4: no such file")


def test_jobs_go_queued_running_finished(store: Store) -> None:
    first = store.create_job("me", "swap", {"video_id": "v"})
    second = store.create_job("me", "edit", {})
    assert store.queued_ids() == [first.id, second.id]
    claimed = store.claim_next()
    assert claimed.id == first.id and claimed.status == "running" and claimed.attempts == 1
    assert store.request_cancel(second) == "cancelled"
    assert store.claim_next() is None
    store.finish(first.id, "done", result="r.mp4", warnings=["w"])
    done = store.get(JobRow, first.id)
    assert (done.status, done.result, done.warnings) == ("done", "r.mp4", ["w"])
    assert done.finished_at is not None


def test_restart_requeues_running_jobs(store: Store) -> None:
    running = store.create_job("me", "swap", {})
    cancelling = store.create_job("me", "swap", {})
    store.claim_next()
    store.claim_next()
    store.request_cancel(cancelling)
    assert store.requeue_running() == 1
    assert store.get(JobRow, running.id).status == "queued"
    assert store.get(JobRow, cancelling.id).status == "cancelled"


def test_a_redelivered_job_is_claimed_again_but_not_a_finished_one(store: Store) -> None:
    job = store.create_job("me", "swap", {})
    assert store.claim(job.id).attempts == 1
    again = store.claim(job.id)  # its worker died: Celery delivers it again
    assert again.status == "running" and again.attempts == 2
    store.finish(job.id, "done")
    assert store.claim(job.id) is None


def test_pieces_report_their_own_progress(store: Store) -> None:
    job = store.create_job("me", "swap", {})
    store.start_pieces(job.id, [100, 100, 200])
    assert store.piece_progress(job.id, 2, 100, 200) == pytest.approx(0.25)
    assert store.piece_progress(job.id, 0, 100, 100) == pytest.approx(0.5)
    store.start_pieces(job.id, [100, 100, 200])  # a redelivered dispatch keeps what was done
    assert store.piece_progress(job.id, 1, 50, 100) == pytest.approx(250 / 400)
    store.forget_pieces(job.id)
    with store.session() as s:
        assert s.query(ChunkRow).count() == 0


def test_many_workers_claim_each_job_once(db_url: str) -> None:
    """Four stores (each its own engine and connections, as four machines would have) claim
    40 jobs at once: every job is run, none twice."""
    stores = [Store(db_url) for _ in range(4)]
    jobs = {stores[0].create_job("me", "swap", {"n": i}).id for i in range(40)}
    claimed: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def work(store: Store) -> None:
        start.wait()
        while (job := store.claim_next()) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=work, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in stores:
        s.close()
    assert sorted(claimed) == sorted(jobs)
