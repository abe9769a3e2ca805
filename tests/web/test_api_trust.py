"""Trust and safety over real HTTP: consent before training, the "AI" label and Content
Credentials on results, delete my data, the session cookie, other origins, offline docs."""

from __future__ import annotations

import io
import json

import c2pa
import httpx
import numpy as np
from PIL import Image

from .conftest import MEDIA, Server, photo_files, pytestmark, swap, train, wait_job

__all__ = ["pytestmark"]
SWAPPED = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"


def files_under(server: Server) -> list[str]:
    return sorted(str(p.relative_to(server.data)) for p in server.data.rglob("*")
                  if p.is_file() and not p.name.startswith("facecast.db"))


def test_training_needs_consent_and_records_it(server: Server, client: httpx.Client,
                                               identity_id: str) -> None:
    before = files_under(server)
    for data in ({"name": "x"}, {"name": "x", "consent": "false"}):
        r = client.post("/api/identities", data=data, files=photo_files(5))
        assert r.status_code == 422
        assert "right to use this face" in r.json()["detail"]
    assert files_under(server) == before
    consent = client.get(f"/api/identities/{identity_id}").json()["report"]["consent"]
    assert consent["via"] == "api" and "permission" in consent["statement"]
    assert consent["given_at"].startswith("20")


def manifest(data: bytes, mime: str) -> tuple[dict, str]:
    with c2pa.Reader(mime, io.BytesIO(data)) as reader:
        store = json.loads(reader.json())
        return store["manifests"][store["active_manifest"]], reader.get_validation_state()


def test_swap_result_carries_content_credentials(client: httpx.Client,
                                                 identity_id: str) -> None:
    job = wait_job(client, swap(client, identity_id, template_id="s18", params={"end": 0.5}))
    assert job["status"] == "done", job
    data = client.get(job["result_url"]).content
    found, state = manifest(data, "video/mp4")
    actions = next(a for a in found["assertions"] if a["label"] == "c2pa.actions.v2")
    created = actions["data"]["actions"][0]
    assert created["digitalSourceType"] == SWAPPED and state == "Valid"
    assert created["softwareAgent"]["name"] == "facecast"
    shown = client.get(f"/api/jobs/{job['id']}/credentials").json()
    assert shown["ai_generated"] and shown["valid"] and shown["agent"].startswith("facecast")

    flipped = bytearray(data)
    flipped[flipped.index(b"mdat") + 1000] ^= 0x80
    assert manifest(bytes(flipped), "video/mp4")[1] == "Invalid"


def test_label_is_on_for_swaps_and_can_be_turned_off(client: httpx.Client,
                                                     identity_id: str) -> None:
    photo = (MEDIA / "portraits" / "s1.jpg").read_bytes()
    video_id = client.post("/api/videos", files={"file": ("me.jpg", photo)}).json()["id"]
    corners = []
    for params in ({}, {"label": False}):
        job = wait_job(client, swap(client, identity_id, video_id=video_id, params=params))
        assert job["status"] == "done", job
        rgb = np.asarray(Image.open(io.BytesIO(client.get(job["result_url"]).content)))
        corners.append(rgb[-110:, -160:].astype(int))
    assert np.abs(corners[0] - corners[1]).max() > 100
    assert np.abs(corners[0] - corners[1])[:8].max() < 12


def test_delete_my_data(server: Server) -> None:
    """Everything of one session goes, on disk and in the lists; another session's stays."""
    mine, theirs = server.client(), server.client()
    kept = train(theirs, "kept")
    me = train(mine, "gone")
    clip = (MEDIA / "videos" / "d0.mp4").read_bytes()
    video = mine.post("/api/videos", files={"file": ("me.mp4", clip)}).json()["id"]
    assert mine.get(f"/api/videos/{video}/faces").status_code == 200
    done = wait_job(mine, swap(mine, me, video_id=video, params={"end": 0.4}))
    edit = mine.post("/api/edits", json={"video_id": video, "params": {"style": "comic",
                                                                     "end": 0.3}})
    running = swap(mine, me, template_id="s18")  # still queued or running when deleted
    ids = [me, video, done["id"], edit.json()["job_id"], running]
    before = files_under(server)
    assert all(any(i in f for f in before) for i in (me, video, done["id"]))

    r = mine.delete("/api/session")
    assert r.status_code == 200 and r.json() == {"identities": 1, "videos": 1, "jobs": 4}
    after = files_under(server)
    assert [f for f in after if any(i in f for i in ids)] == []
    assert set(after) <= set(before)
    for path in ("/api/identities", "/api/videos", "/api/jobs"):
        assert mine.get(path).json() == []
    assert [i["id"] for i in theirs.get("/api/identities").json()] == [kept]
    assert (server.data / "identities" / kept / "identity.npz").is_file()


def test_session_cookie_flags(server: Server) -> None:
    plain = httpx.get(f"{server.url}/api/jobs").headers["set-cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    # behind a TLS proxy on this machine (uvicorn trusts 127.0.0.1's X-Forwarded-Proto)
    proxied = httpx.get(f"{server.url}/api/jobs", headers={"x-forwarded-proto": "https"})
    assert "; Secure" in proxied.headers["set-cookie"]


def test_changes_from_another_origin_are_refused(server: Server, client: httpx.Client,
                                                 identity_id: str) -> None:
    evil = {"origin": "http://evil.example"}
    r = client.delete("/api/session", headers=evil)
    assert r.status_code == 403 and "another website" in r.json()["detail"]
    r = client.post("/api/swaps", json={"identity_id": identity_id, "template_id": "s18"},
                    headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403
    assert client.get(f"/api/identities/{identity_id}").status_code == 200  # nothing changed
    assert client.get("/api/jobs", headers=evil).status_code == 200  # reading is harmless
    own = {"origin": server.url}
    r = client.post(f"/api/jobs/{'0' * 32}/cancel", headers=own)
    assert r.status_code == 404  # past the origin check


def test_docs_are_served_from_the_package(server: Server) -> None:
    page = httpx.get(f"{server.url}/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in page and "cdn" not in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert httpx.get(f"{server.url}/docs-assets/{asset}").status_code == 200
    assert httpx.get(f"{server.url}/redoc").status_code == 404
