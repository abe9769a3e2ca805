"""Each browser session sees only its own identities, videos and jobs, enforced by the server."""

from __future__ import annotations

from .conftest import MEDIA, Server, pytestmark, swap, train, wait_job

__all__ = ["pytestmark"]


def test_sessions_are_isolated(server: Server) -> None:
    alice, mallory = server.client(), server.client()
    identity_id = train(alice)
    video = alice.post("/api/videos", files={"file": ("s32.mp4",
                       (MEDIA / "videos" / "s32.mp4").read_bytes())}).json()
    job_id = swap(alice, identity_id, video_id=video["id"], params={"end": 0.3})
    assert wait_job(alice, job_id)["status"] == "done"
    assert alice.cookies.get("facecast_session") != mallory.get("/api/jobs").cookies.get(
        "facecast_session")

    for path in (f"/api/identities/{identity_id}", f"/api/identities/{identity_id}/preview",
                 f"/api/videos/{video['id']}", f"/api/videos/{video['id']}/file",
                 f"/api/videos/{video['id']}/faces", f"/api/jobs/{job_id}",
                 f"/api/jobs/{job_id}/result", f"/api/jobs/{job_id}/events"):
        assert mallory.get(path).status_code == 404, path
    for path in ("/api/identities", "/api/videos", "/api/jobs"):
        assert mallory.get(path).json() == [], path
    assert mallory.delete(f"/api/identities/{identity_id}").status_code == 404
    assert mallory.delete(f"/api/videos/{video['id']}").status_code == 404
    assert mallory.post(f"/api/jobs/{job_id}/cancel").status_code == 404
    r = mallory.post("/api/swaps", json={"identity_id": identity_id, "video_id": video["id"]})
    assert r.status_code == 422 and "no identity" in r.json()["detail"]

    forged = server.client()
    forged.cookies.set("facecast_session", "guess")
    assert forged.get("/api/jobs").json() == []

    # Alice still has everything, and deleting removes the files too.
    assert alice.get(f"/api/jobs/{job_id}/result").status_code == 200
    assert alice.delete(f"/api/identities/{identity_id}").status_code == 204
    assert alice.delete(f"/api/videos/{video['id']}").status_code == 204
    assert not (server.data / "identities" / identity_id).exists()
    assert not (server.data / "videos" / video["id"]).exists()
    assert alice.get("/api/identities").json() == []
