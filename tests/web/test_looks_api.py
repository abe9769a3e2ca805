"""Edits and previews over real HTTP: POST /api/edits (a job without a swap) and
POST /api/previews (one frame, a JPEG, now)."""

from __future__ import annotations

import io

import httpx
import numpy as np
from PIL import Image

from facecast.media import probe_video

from .conftest import MEDIA, Server, pytestmark, train, wait_job

__all__ = ["pytestmark"]


def upload(client: httpx.Client, name: str) -> str:
    path = MEDIA / "portraits" / name
    response = client.post("/api/videos", files={"file": (name, path.read_bytes(), "image/jpeg")})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def preview(client: httpx.Client, **body: object) -> np.ndarray:
    response = client.post("/api/previews", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["server-timing"].startswith("render;dur=")
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"))


def test_previews_of_an_edit_and_of_a_swap(server: Server) -> None:
    with server.client() as client:
        photo = upload(client, "s12.jpg")
        plain = preview(client, video_id=photo)
        oil = preview(client, video_id=photo, params={"style": "oil"})
        assert plain.shape == oil.shape == (500, 375, 3)
        assert np.abs(plain.astype(int) - oil).mean() > 4.0
        brighter = preview(client, video_id=photo, params={"adjustments": {"exposure": 1.0}})
        assert brighter.mean() > plain.mean() + 10

        identity = train(client)
        frame = preview(client, template_id="s18", time=1.0)
        swapped = preview(client, template_id="s18", time=1.0, identity_id=identity)
        again = preview(client, template_id="s18", time=1.0, identity_id=identity)
        assert swapped.shape == (540, 960, 3)  # shrunk to 960 px on its longer side
        assert np.array_equal(swapped, again)
        face = (slice(40, 260), slice(380, 580))
        assert np.abs(swapped[face].astype(int) - frame[face]).mean() > 3.0
        slim = preview(client, template_id="s18", time=1.0, identity_id=identity,
                       params={"sliders": {"face_width": -100}, "style": "comic",
                               "style_scope": "face"})
        assert np.abs(slim[face].astype(int) - swapped[face]).mean() > 3.0

        accepted = client.post("/api/swaps", json={
            "identity_id": identity, "template_id": "s18",
            "params": {"start": 1.0, "end": 1.5, "style": "watercolor",
                       "adjustments": {"resolution": -50}, "sliders": {"eye_size": 20}}})
        assert accepted.status_code == 202, accepted.text
        job = wait_job(client, accepted.json()["job_id"])
        assert job["status"] == "done", job
        assert job["params"]["style"] == "watercolor" and job["report"] is None
        assert any("no quality report" in w for w in job["warnings"])
        path = server.home / "swap.mp4"
        path.write_bytes(client.get(job["result_url"]).content)
        info = probe_video(path)
        assert (info.width, info.height, info.frames) == (640, 360, 15)


def test_preview_errors_say_what_is_wrong(server: Server) -> None:
    with server.client() as client, server.client() as other:
        photo = upload(client, "s12.jpg")
        cases = [
            ({"video_id": photo, "params": {"style": "pastel"}}, "params.style"),
            ({"video_id": photo, "params": {"adjustments": {"glow": 3}}},
             "params.adjustments.glow"),
            ({"video_id": photo, "params": {"sliders": {"eye_size": 300}}},
             "params.sliders.eye_size"),
            ({"template_id": "s18", "time": 60}, "at or after the end of the video"),
            ({"template_id": "nope"}, "no template 'nope'"),
            ({}, "either video_id"),
            ({"video_id": photo, "identity_id": "ffff"}, "no identity 'ffff'"),
        ]
        for body, message in cases:
            response = client.post("/api/previews", json=body)
            assert response.status_code == 422, (body, response.text)
            assert message in response.json()["detail"], (body, response.text)
        response = other.post("/api/previews", json={"video_id": photo})
        assert response.status_code == 422 and "in this session" in response.json()["detail"]


def test_edit_jobs_write_the_look(server: Server) -> None:
    with server.client() as client:
        accepted = client.post("/api/edits", json={
            "template_id": "s18",
            "params": {"style": "comic", "start": 1.0, "end": 2.0,
                       "adjustments": {"resolution": -50, "saturation": 20}}})
        assert accepted.status_code == 202, accepted.text
        job = wait_job(client, accepted.json()["job_id"])
        assert job["status"] == "done", job
        assert job["kind"] == "edit" and job["result_kind"] == "video"
        assert job["source_url"] == "/api/templates/s18/file"
        result = client.get(job["result_url"])
        assert result.headers["content-type"] == "video/mp4"
        path = server.home / "edit.mp4"
        path.write_bytes(result.content)
        info = probe_video(path)
        assert (info.width, info.height, info.frames) == (640, 360, 30)

        photo = upload(client, "s12.jpg")
        accepted = client.post("/api/edits", json={
            "video_id": photo, "params": {"adjustments": {"exposure": 1.0}}})
        job = wait_job(client, accepted.json()["job_id"])
        assert job["status"] == "done" and job["result_kind"] == "image", job
        edited = np.asarray(Image.open(io.BytesIO(client.get(job["result_url"]).content)))
        original = np.asarray(Image.open(MEDIA / "portraits" / "s12.jpg"))
        assert edited.shape == original.shape and edited.mean() > original.mean() + 10
        assert [j["kind"] for j in client.get("/api/jobs").json()][:2] == ["edit", "edit"]


def test_edit_errors_say_what_is_wrong(server: Server) -> None:
    with server.client() as client:
        photo = upload(client, "s12.jpg")
        cases = [
            ({"video_id": photo, "template_id": "s18"}, "not both or neither"),
            ({"video_id": photo, "params": {"start": 1.0}}, "videos only"),
            ({"template_id": "s18", "params": {"start": 30.0}}, "at or after the end"),
            ({"template_id": "s18", "params": {"adjustments": {"contrast": -101}}},
             "params.adjustments.contrast"),
            ({"template_id": "s18", "params": {"identity_strength": 0.5}},
             "params.identity_strength"),
        ]
        for body, message in cases:
            response = client.post("/api/edits", json=body)
            assert response.status_code == 422, (body, response.text)
            assert message in response.json()["detail"], (body, response.text)
