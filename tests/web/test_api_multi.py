"""Several faces over HTTP: the face list of a group photo, a swap with a different identity
on two chosen faces, selection by a reference photo, and the gallery's template facts."""

from __future__ import annotations

import io

import httpx
import numpy as np
from PIL import Image

from .conftest import MEDIA, Server, pytestmark, swap, train, wait_job

__all__ = ["pytestmark"]

GROUP = MEDIA / "portraits" / "group_t1.jpg"


def rgb(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def upload(client: httpx.Client, name: str, data: bytes) -> str:
    r = client.post("/api/videos", files={"file": (name, data)})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_group_photo_two_faces_two_identities(server: Server) -> None:
    client = server.client()
    amy = train(client, "amy")
    photos = [("photos", (p.name, p.read_bytes(), "image/jpeg"))
              for p in sorted((MEDIA / "identities" / "d0").glob("*.jpg"))]
    created = client.post("/api/identities", data={"name": "bob", "consent": "true"},
                          files=photos).json()
    assert wait_job(client, created["job_id"])["status"] == "done"
    bob = created["id"]

    photo = upload(client, "friends.jpg", GROUP.read_bytes())
    listed = client.get(f"/api/videos/{photo}/faces").json()
    faces = listed["faces"]
    assert [f["id"] for f in faces] == list(range(6)) and listed["kind"] == "image"
    assert client.get(faces[5]["thumbnail_url"]).content[:3] == b"\xff\xd8\xff"

    for body, message in (({"faces": [9]}, "face 9 is not in the list"),
                          ({"faces": [1], "map": {"1": "nobody"}}, "map.1: no identity"),
                          ({"faces": "all", "map": {"7": bob}}, "face 7 is not in the list"),
                          ({"faces": "ref:nope"}, "not a photo uploaded")):
        r = client.post("/api/swaps", json={"identity_id": amy, "video_id": photo, **body})
        assert r.status_code == 422 and message in r.json()["detail"], r.text

    job = wait_job(client, swap(client, amy, video_id=photo, faces=[2, 4], map={"4": bob}))
    assert job["status"] == "done", job
    assert job["faces"] == [2, 4] and job["map"] == {"2": amy, "4": bob}
    assert job["report"] is not None  # face 2 is the largest: the report measures it
    before, after = rgb(GROUP.read_bytes()), rgb(client.get(job["result_url"]).content)
    for f in faces:
        x, y, w, h = (int(v) for v in f["box"])
        change = np.abs(before[y:y + h, x:x + w] - after[y:y + h, x:x + w]).mean()
        assert change > 6.0 if f["id"] in (2, 4) else change < 2.0, (f["id"], change)

    x, y, w, h = (int(v) for v in faces[4]["box"])
    crop = Image.fromarray(before[max(0, y - h):y + 2 * h, max(0, x - w):x + 2 * w]
                           .astype(np.uint8))
    buffer = io.BytesIO()
    crop.save(buffer, format="PNG")
    ref = upload(client, "him.png", buffer.getvalue())
    r = client.post("/api/swaps", json={"identity_id": bob, "video_id": photo,
                                        "faces": f"ref:{ref}"})
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["job_id"])
    assert job["status"] == "done" and job["faces"] == [4], job


def test_gallery_shows_length_and_the_face_replaced(server: Server) -> None:
    client = server.client()
    templates = {t["id"]: t for t in client.get("/api/templates").json()}
    s13 = templates["s13"]
    assert s13["duration"] == 4.12 and s13["track"] is None and s13["builtin"]
    face = client.get(s13["face_url"])
    assert face.status_code == 200 and face.content[:3] == b"\xff\xd8\xff"
    listed = client.get(s13["faces_url"]).json()
    assert [f["id"] for f in listed["faces"]] == [0] and listed["faces"][0]["size"] < 120
