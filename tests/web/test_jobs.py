"""Jobs: cancelling, surviving a crash of the server, and failures that stay contained."""

from __future__ import annotations

import time
from pathlib import Path

from facecast.jobs.context import Outcome
from facecast.jobs.layout import Layout
from facecast.jobs.models import JobRow
from facecast.jobs.store import Store
from facecast.jobs.worker import WorkerPool

from .conftest import Server, pytestmark, swap, train, wait_job

__all__ = ["pytestmark"]


def wait_running(client, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] == "running" and job["progress"] > 0:
            return job
        assert job["status"] in ("queued", "running"), job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never ran")


def test_cancel_running_and_queued(server: Server) -> None:
    client = server.client()
    identity_id = train(client)
    running = swap(client, identity_id, template_id="s18")
    queued = swap(client, identity_id, template_id="d3")
    wait_running(client, running)
    r = client.post(f"/api/jobs/{queued}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    client.post(f"/api/jobs/{running}/cancel")
    job = wait_job(client, running, timeout=30)
    assert job["status"] == "cancelled" and job["result_url"] is None
    assert client.get(f"/api/jobs/{running}/result").status_code == 409
    assert not any((server.data / "results").glob(f"{running}*")), "partial result left"
    assert not any((server.data / "results").glob(".*")), "temporary file left"


def test_restart_mid_swap_finishes_the_job(tmp_path: Path) -> None:
    server = Server(tmp_path / "home").start()
    try:
        client = server.client()
        identity_id = train(client)
        job_id = swap(client, identity_id, template_id="s32", params={"end": 2.5})
        wait_running(client, job_id)
        server.kill()
        server.start()
        job = wait_job(client, job_id)
        assert job["status"] == "done", job
        assert client.get(job["result_url"]).status_code == 200
    finally:
        server.stop()


def test_one_failing_job_does_not_stop_the_others(tmp_path: Path) -> None:
    def boom(job: JobRow, ctx: object) -> Outcome:
        raise RuntimeError("bug")

    def fine(job: JobRow, ctx: object) -> Outcome:
        return Outcome()

    store = Store(f"sqlite:///{tmp_path / 'jobs.db'}")
    pool = WorkerPool(store, Layout(tmp_path), 1, runners={"swap": boom,
                                                           "build_identity": fine})
    bad = store.create_job("me", "swap", {})
    good = store.create_job("me", "build_identity", {})
    pool.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if store.get(JobRow, good.id).status == "done":
                break
            time.sleep(0.05)
        failed = store.get(JobRow, bad.id)
        assert failed.status == "failed" and "internal error" in failed.error
        assert store.get(JobRow, good.id).status == "done"
    finally:
        pool.stop()
        store.close()


def test_requeue_after_crash(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'jobs.db'}")
    job = store.create_job("me", "swap", {})
    assert store.claim_next().id == job.id
    flagged = store.create_job("me", "swap", {})
    store.claim_next()
    store.update(JobRow, flagged.id, cancel_requested=True)
    assert store.requeue_running() == 1
    assert store.get(JobRow, job.id).status == "queued"
    assert store.get(JobRow, flagged.id).status == "cancelled"
    store.close()
