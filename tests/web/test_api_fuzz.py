"""A thousand malformed uploads through real HTTP: none answered 5xx or by a dropped
connection, none leaving a file behind when refused, every accepted one listed and swapped
by a job that ends with a sentence; the server alive at the end."""

from __future__ import annotations

import collections
import time
from collections.abc import Iterator

import httpx
import pytest

from .conftest import MEDIA, Server, pytestmark, running, train, wait_job
from .fuzz import cases

__all__ = ["pytestmark"]
SEED, CASES = 17, 1000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Two workers: the swap jobs run while the face lists are asked for."""
    yield from running(tmp_path_factory, FACECAST_WORKERS="2")


def test_malformed_uploads(server: Server) -> None:
    client = server.client()
    identity = train(client)
    uploads = server.data / "videos"
    started = time.monotonic()
    problems: list[str] = []
    answers: collections.Counter[int] = collections.Counter()
    accepted: list[tuple[str, str]] = []
    for name, data, what in cases(SEED, CASES, MEDIA):
        before = set(uploads.iterdir())
        try:
            r = client.post("/api/videos", files={"file": (name, data)})
        except httpx.TransportError as exc:
            problems.append(f"{what}: connection {type(exc).__name__}")
            continue
        answers[r.status_code] += 1
        if r.status_code >= 500:
            problems.append(f"{what}: {r.status_code} {r.text[:200]}")
        elif r.status_code == 201:
            accepted.append((r.json()["id"], what))
        else:
            detail = r.json().get("detail")
            if not isinstance(detail, str) or len(detail) < 10:
                problems.append(f"{what}: {r.status_code} without a sentence: {r.text[:200]}")
            if set(uploads.iterdir()) != before:
                problems.append(f"{what}: refused but left files behind")
    uploaded = time.monotonic()
    jobs = []
    for video_id, what in accepted:
        try:
            r = client.get(f"/api/videos/{video_id}/faces")
            if r.status_code != 200:
                problems.append(f"{what}: faces answered {r.status_code} {r.text[:200]}")
            r = client.post("/api/swaps", json={"identity_id": identity, "video_id": video_id})
        except httpx.TransportError as exc:
            problems.append(f"{what}: faces or swap: connection {type(exc).__name__}")
            continue
        if r.status_code == 202:
            jobs.append((r.json()["job_id"], what))
        else:
            problems.append(f"{what}: swap answered {r.status_code} {r.text[:200]}")
    for job_id, what in jobs:
        job = wait_job(client, job_id, timeout=300)
        error = job["error"] or ""
        if job["status"] not in ("done", "failed") or (job["status"] == "failed" and (
                len(error) < 10 or error.startswith("internal error") or "…" in error
                or str(server.data) in error)):
            problems.append(f"{what}: swap ended {job['status']}: {error}")
    assert client.get("/api/templates").status_code == 200, "the server died"
    print(f"answers {dict(answers)}; {len(accepted)} accepted, {len(jobs)} swapped; "
          f"uploads {uploaded - started:.0f} s, faces and jobs {time.monotonic() - uploaded:.0f} s")
    assert not problems, "\n".join(problems)

