"""Every mistake a user can make gets a 4xx with a message they can act on, and leaves
nothing behind on disk or in the lists."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from .conftest import MEDIA, Server, photo_files, pytestmark, swap, wait_job

__all__ = ["pytestmark"]


def leftovers(server: Server) -> list[str]:
    return sorted(p.name for folder in ("photos", "videos") for p in
                  (server.data / folder).iterdir())


def test_too_few_photos(server: Server, client: httpx.Client) -> None:
    before = leftovers(server)
    r = client.post("/api/identities", data={"name": "x", "consent": "true"}, files=photo_files(4))
    assert r.status_code == 422 and "add 1 more" in r.json()["detail"]
    assert leftovers(server) == before
    assert "x" not in [i["name"] for i in client.get("/api/identities").json()]


def test_text_file_as_photo(server: Server, client: httpx.Client) -> None:
    before = leftovers(server)
    files = [*photo_files(5), ("photos", ("notes.jpg", b"just some text\n" * 50, "image/jpeg"))]
    r = client.post("/api/identities", data={"name": "x", "consent": "true"}, files=files)
    assert r.status_code == 422
    assert "notes.jpg is not an image" in r.json()["detail"] and "JPEG or PNG" in r.json()["detail"]
    assert leftovers(server) == before


def test_empty_name(client: httpx.Client) -> None:
    r = client.post("/api/identities", data={"name": "  ", "consent": "true"}, files=photo_files(5))
    assert r.status_code == 422 and "name" in r.json()["detail"]


def test_corrupt_video(server: Server, client: httpx.Client) -> None:
    before = leftovers(server)
    data = (MEDIA / "videos" / "d18.mp4").read_bytes()
    r = client.post("/api/videos", files={"file": ("broken.mp4", data[: len(data) // 3])})
    assert r.status_code == 422 and "broken.mp4 cannot be used" in r.json()["detail"]
    r = client.post("/api/videos", files={"file": ("noise.mp4", b"\x00garbage" * 1000)})
    assert r.status_code == 422 and "noise.mp4" in r.json()["detail"]
    assert leftovers(server) == before
    assert client.get("/api/videos").json() == []


def test_limits_on_duration_and_pixels(server: Server, client: httpx.Client) -> None:
    before = leftovers(server)
    long_clip = (MEDIA / "videos" / "d3.mp4").read_bytes()  # 11.8 s; this server allows 10
    r = client.post("/api/videos", files={"file": ("long.mp4", long_clip)})
    assert r.status_code == 422 and "long.mp4 lasts 12 s; the limit is 10 s" in r.json()["detail"]
    big = io.BytesIO()
    Image.new("RGB", (2500, 2000), "gray").save(big, "PNG")
    r = client.post("/api/videos", files={"file": ("big.png", big.getvalue())})
    assert r.status_code == 422 and "big.png has 2500x2000 pixels" in r.json()["detail"]
    files = [*photo_files(5), ("photos", ("big.png", big.getvalue(), "image/png"))]
    r = client.post("/api/identities", data={"name": "x", "consent": "true"}, files=files)
    assert r.status_code == 422 and "4 megapixels: resize it" in r.json()["detail"]
    assert leftovers(server) == before


def test_upload_too_large(server: Server, client: httpx.Client) -> None:
    before = leftovers(server)
    r = client.post("/api/videos", files={"file": ("huge.mp4", b"\x00" * (21 << 20))})
    assert r.status_code == 413 and "20 MB" in r.json()["detail"]
    assert leftovers(server) == before


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"identity_id": "nobody", "template_id": "s18"}, 422, "no identity 'nobody'"),
    ({"template_id": "nope"}, 422, "no template 'nope'"),
    ({"video_id": "nope"}, 422, "no video 'nope'"),
    ({"template_id": "s18", "video_id": "x"}, 422, "either video_id"),
    ({"template_id": "s18", "params": {"identity_strength": 1.5}}, 422,
     "params.identity_strength: Input should be less than or equal to 1"),
    ({"template_id": "s18", "params": {"start": 2, "end": 1}}, 422, "must be after start"),
    ({"template_id": "s18", "params": {"start": 60}}, 422, "after the end of the video"),
    ({"template_id": "s18", "params": {"colour": 1}}, 422, "params.colour"),
    ({"template_id": "s18", "faces": [1]}, 422, "face 1 is not in the list"),
    ({"template_id": "s18", "faces": "most"}, 422, "faces: 'most': use"),
    ({"template_id": "s18", "map": {"0": "nobody"}}, 422, "map.0: no identity 'nobody'"),
    ({"template_id": "s18", "params": {"engine": "inswapper_128"}}, 422,
     "`facecast models fetch inswapper_128`"),
    ({"template_id": "s18", "params": {"enhancer": "codeformer"}}, 422,
     "`facecast models fetch codeformer`"),
    ({"template_id": "s18", "params": {"engine": "nope"}}, 422, "unknown engine 'nope'"),
])
def test_bad_swap_requests(client: httpx.Client, identity_id: str, body: dict, status: int,
                           message: str) -> None:
    jobs = len(client.get("/api/jobs").json())
    r = client.post("/api/swaps", json={"identity_id": identity_id, **body})
    assert r.status_code == status and message in r.json()["detail"], r.text
    assert len(client.get("/api/jobs").json()) == jobs


def test_failed_training_names_the_photos(client: httpx.Client) -> None:
    portraits = MEDIA / "portraits"
    files = [*photo_files(5), ("photos", ("group.jpg", (portraits / "group_t1.jpg").read_bytes(),
                                          "image/jpeg"))]
    created = client.post("/api/identities", data={"name": "mixed", "consent": "true"},
                          files=files).json()
    job = wait_job(client, created["job_id"])
    assert job["status"] == "failed" and "group.jpg" in job["error"]
    identity = client.get(f"/api/identities/{created['id']}").json()
    assert identity["status"] == "failed" and "group.jpg" in identity["error"]
    r = client.post("/api/swaps", json={"identity_id": created["id"], "template_id": "s18"})
    assert r.status_code == 409 and "failed to train" in r.json()["detail"]
    assert client.delete(f"/api/identities/{created['id']}").status_code == 204


def test_result_of_unfinished_job_and_missing_things(client: httpx.Client,
                                                     identity_id: str) -> None:
    job_id = swap(client, identity_id, template_id="s32", params={"end": 0.3})
    r = client.get(f"/api/jobs/{job_id}/result")
    assert r.status_code in (200, 409)
    assert client.get("/api/jobs/nope").status_code == 404
    assert client.get("/api/identities/nope").status_code == 404
    assert client.get("/api/templates/nope/thumbnail").status_code == 404
