"""Long videos in pieces on one machine (no broker): the server's job runs its pieces in
FACECAST_WORKERS processes; cancelling stops them all, a crash resumes from the pieces
already made, and what the API shows is what it shows for a job in one piece."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from facecast import credentials

from .conftest import MEDIA, Server, pytestmark, wait_job
from .test_jobs import wait_running

__all__ = ["pytestmark"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("home"), FACECAST_WORKERS="2",
                 FACECAST_CHUNK_SECONDS="1").start()
    yield srv
    srv.stop()


def edit(client, end: float) -> str:
    r = client.post("/api/edits", json={"template_id": "s32",
                                        "params": {"end": end, "adjustments": {"contrast": 20}}})
    assert r.status_code == 202, r.text
    return r.json()["job_id"]


def stamps(path: Path) -> list[int]:
    with av.open(str(path)) as c:
        return sorted(p.pts for p in c.demux(c.streams.video[0]) if p.size)


def pieces_left(server: Server) -> list[Path]:
    return list((server.data / "chunks").glob("*/*"))


def test_pieces_in_two_processes_make_one_file(server: Server, tmp_path: Path) -> None:
    client = server.client()
    job = wait_job(client, edit(client, 3.0))
    assert job["status"] == "done" and job["progress"] == 1.0, job
    result = tmp_path / "r.mp4"
    result.write_bytes(client.get(job["result_url"]).content)
    with av.open(str(MEDIA / "videos" / "s32.mp4")) as c:
        stream = c.streams.video[0]
        source = sorted(p.pts for p in c.demux(stream) if p.size)[:90]
    assert stamps(result) == [pts - source[0] for pts in source]
    assert not pieces_left(server)
    # the joined file carries Content Credentials, as a file made in one piece does
    assert credentials.read(result).present


def test_cancel_stops_every_piece(server: Server) -> None:
    client = server.client()
    job_id = edit(client, 6.0)
    wait_running(client, job_id)
    client.post(f"/api/jobs/{job_id}/cancel")
    job = wait_job(client, job_id, timeout=60)
    assert job["status"] == "cancelled" and job["result_url"] is None
    assert not pieces_left(server)
    assert not any((server.data / "results").glob(f"*{job_id}*"))


def test_a_crash_resumes_from_the_pieces_made(tmp_path: Path) -> None:
    srv = Server(tmp_path / "home", FACECAST_WORKERS="2", FACECAST_CHUNK_SECONDS="1").start()
    try:
        client = srv.client()
        job_id = edit(client, 6.0)
        deadline = time.monotonic() + 180
        while not list((srv.data / "chunks").glob("*/*.json")):  # a piece is done
            assert time.monotonic() < deadline, client.get(f"/api/jobs/{job_id}").json()
            time.sleep(0.2)
        srv.kill()
        srv.start()
        job = wait_job(client, job_id)
        assert job["status"] == "done", job
        result = tmp_path / "r.mp4"
        result.write_bytes(client.get(job["result_url"]).content)
        assert len(stamps(result)) == 180  # every frame once: pieces kept, the rest made
        assert not pieces_left(srv)
    finally:
        srv.stop()
