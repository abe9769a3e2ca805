"""Beyond one machine: the API server only enqueues, two `facecast worker` processes run
the jobs from Redis, records in PostgreSQL, files in one shared data folder. A long video
is cut into pieces that both workers run; a worker killed with SIGKILL mid-piece, or the API
server killed while the workers run, loses nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from .conftest import MEDIA, Child, Server, pytestmark, swap, train, wait_job

__all__ = ["pytestmark"]

D12 = MEDIA / "videos" / "d12.mp4"


class Worker(Child):
    """One `facecast worker --concurrency 1` process (a machine of its own, as far as the
    broker can tell); start it again after a kill to restart it."""

    def __init__(self, env: dict[str, str], log: Path, name: str) -> None:
        self.env, self.log, self.name = env, log, name
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "facecast.cli", "worker", "--concurrency", "1",
                 "--name", self.name], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def ran(self, task: str, state: str = "succeeded") -> int:
        """How many of `task` this worker finished (or, with `state="received"`, was handed)
        according to its log."""
        text = self.log.read_text(errors="replace")
        return sum(f"Task facecast.{task}[" in line and state in line
                   for line in text.splitlines())


class Cluster:
    def __init__(self, home: Path, redis_url: str, postgres_url: str) -> None:
        env = {"FACECAST_BROKER_URL": redis_url, "FACECAST_DATABASE_URL": postgres_url,
               "FACECAST_DATA_DIR": str(home / "web"), "FACECAST_CHUNK_SECONDS": "1"}
        # the visibility timeout stays an hour: a killed worker's piece comes back at once
        # because the worker, restarted under its name, gives back what it held
        self.server = Server(home, **env)
        worker_env = dict(self.server.env)
        self.workers = [Worker(worker_env, home / f"worker{i}.log", f"w{i}") for i in range(2)]

    def start(self) -> Cluster:
        self.server.start()
        for w in self.workers:
            w.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        for w in self.workers:
            w.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, redis_url: str,
            postgres_url: str) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("cluster"), redis_url, postgres_url).start()
    yield c
    c.stop()


def wait_progress(client, job_id: str, above: float, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        assert job["status"] in ("queued", "running"), job
        if job["progress"] > above:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never passed {above}")


def frame_stamps(path: Path, start: float, end: float) -> list[float]:
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        times = sorted(float(p.pts * stream.time_base) for p in c.demux(stream) if p.size)
    return [t for t in times if start <= t < end]


def test_pieces_on_two_workers_survive_a_killed_worker(cluster: Cluster, tmp_path: Path
                                                       ) -> None:
    client = cluster.server.client()
    identity_id = train(client)
    job_id = swap(client, identity_id, template_id="d12", params={"end": 3.0})
    wait_progress(client, job_id, 0.15)
    killed = cluster.workers[0]
    killed.kill()
    time.sleep(5)
    killed.start()
    job = wait_job(client, job_id, timeout=600)
    assert job["status"] == "done", job
    result = tmp_path / "result.mp4"
    result.write_bytes(client.get(job["result_url"]).content)
    # every frame exactly once, at the source's times (shifted to start at 0: none here)
    expected = frame_stamps(D12, 0.0, 3.0)
    got = frame_stamps(result, 0.0, 99.0)
    assert len(got) == len(expected) == 75
    assert got == pytest.approx(expected, abs=1e-3)
    with av.open(str(result)) as c:
        assert float(c.streams.video[0].average_rate) == pytest.approx(25, rel=1e-3)
    # both took pieces (the killed one may not finish any: once it is back, the other
    # worker may already have taken the piece it gave back)
    assert all(w.ran("run_piece", "received") >= 1 for w in cluster.workers), \
        "one worker did it all"
    assert not any((cluster.server.data / "chunks").glob("*/*")), "pieces left behind"


def test_api_restart_while_workers_run(cluster: Cluster, tmp_path: Path) -> None:
    client = cluster.server.client()
    params = {"end": 4.0, "adjustments": {"contrast": 20}}
    job_id = client.post("/api/edits", json={"template_id": "s32", "params": params})
    assert job_id.status_code == 202, job_id.text
    job_id = job_id.json()["job_id"]
    wait_progress(client, job_id, 0.0)
    cluster.server.kill()
    cluster.server.start()
    job = wait_job(client, job_id, timeout=600)
    assert job["status"] == "done", job
    result = tmp_path / "edit.mp4"
    result.write_bytes(client.get(job["result_url"]).content)
    assert len(frame_stamps(result, 0.0, 99.0)) == 120
    again = client.post("/api/edits", json={"template_id": "s32", "params": {"end": 1.0}})
    assert wait_job(client, again.json()["job_id"])["status"] == "done"


def test_cancel_reaches_every_worker(cluster: Cluster) -> None:
    client = cluster.server.client()
    r = client.post("/api/edits", json={"template_id": "s32", "params": {"end": 6.0}})
    job_id = r.json()["job_id"]
    wait_progress(client, job_id, 0.0)
    assert client.post(f"/api/jobs/{job_id}/cancel").status_code == 200
    job = wait_job(client, job_id, timeout=120)
    assert job["status"] == "cancelled" and job["result_url"] is None, job
    deadline = time.monotonic() + 120  # the pieces still running stop at their next frame
    while (cluster.server.data / "chunks" / job_id).exists():
        assert time.monotonic() < deadline, "pieces left behind"
        time.sleep(0.5)
    assert not any((cluster.server.data / "results").glob(f"{job_id}*"))


def test_worker_needs_a_broker() -> None:
    env = {k: v for k, v in os.environ.items() if k != "FACECAST_BROKER_URL"}
    run = subprocess.run([sys.executable, "-m", "facecast.cli", "worker"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "FACECAST_BROKER_URL" in run.stdout + run.stderr
