"""The dataset API over real HTTP: folders under the configured root only, a job from an
upload and a server video to folders of faces, its live log, its files and its zip."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from clips import alternating_clip

from .conftest import MEDIA, Server, pytestmark, wait_job

__all__ = ["pytestmark"]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset folder with a short two-person clip, and two links leading out of it."""
    root = tmp_path_factory.mktemp("datasets")
    (root / "videos").mkdir()
    alternating_clip(root / "videos" / "two.mp4",
                     [MEDIA / "videos" / "d10.mp4", MEDIA / "videos" / "d12.mp4"],
                     segment=12, segments=2, side=256)
    outside = tmp_path_factory.mktemp("outside")
    shutil.copy(root / "videos" / "two.mp4", outside / "secret.mp4")
    (root / "videos" / "escape").symlink_to(outside, target_is_directory=True)
    (root / "link.mp4").symlink_to(outside / "secret.mp4")
    return root


@pytest.fixture(scope="module")
def rooted(tmp_path_factory: pytest.TempPathFactory, root: Path) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("home"), FACECAST_DATASET_ROOT=str(root)).start()
    yield srv
    srv.stop()


def events(client: httpx.Client, job_id: str) -> list[tuple[str, str]]:
    """Every server-sent event of a job's stream, which ends with the job."""
    found, kind = [], None
    with client.stream("GET", f"/api/datasets/{job_id}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind:
                found.append((kind, line.split(":", 1)[1].strip()))
    return found


@pytest.mark.parametrize("path", ["..", "../", "videos/../..", "/etc", "/", "videos/escape",
                                  "videos/escape/secret.mp4", "link.mp4"])
def test_paths_leaving_the_root_are_refused(rooted: Server, path: str) -> None:
    client = rooted.client()
    listing = client.get("/api/datasets/folders", params={"path": path})
    started = client.post("/api/datasets", json={"paths": [path]})
    written = client.post("/api/datasets", json={"paths": ["videos"],
                                                 "output": f"{path}/out"})
    for response in (listing, started, written):
        assert response.status_code == 403, (path, response.text)
        assert "outside" in response.json()["detail"] or "absolute" in response.json()["detail"]
    assert str(rooted.home) not in started.text


def test_listing_shows_only_what_is_under_the_root(rooted: Server, root: Path) -> None:
    client = rooted.client()
    top = client.get("/api/datasets/folders").json()
    assert top == {"path": "", "parent": None, "folders": ["videos"], "videos": [],
                   "photos": []}, "a link leading out of the root must not be listed"
    inner = client.get("/api/datasets/folders", params={"path": "videos"}).json()
    assert inner["videos"] == ["two.mp4"] and inner["folders"] == [] and inner["parent"] == ""
    assert str(root) not in json.dumps(inner)
    missing = client.post("/api/datasets", json={"paths": ["videos/none.mp4"]})
    assert missing.status_code == 422 and "does not exist" in missing.json()["detail"]
    (root / "notes.txt").write_text("not a video")
    text = client.post("/api/datasets", json={"paths": ["notes.txt"]})
    assert text.status_code == 422 and "neither a video" in text.json()["detail"]


def test_without_a_root_server_folders_are_forbidden(server: Server) -> None:
    client = server.client()
    listing = client.get("/api/datasets/folders")
    assert listing.status_code == 403 and "FACECAST_DATASET_ROOT" in listing.json()["detail"]
    for body in ({"paths": ["videos"]}, {"video_ids": ["x"], "output": "out"}):
        assert client.post("/api/datasets", json=body).status_code == 403
    nothing = client.post("/api/datasets", json={})
    assert nothing.status_code == 422 and "at least one video" in nothing.json()["detail"]


def test_upload_and_server_video_to_folders_live_log_files_and_zip(rooted: Server,
                                                                    root: Path) -> None:
    client = rooted.client()
    clip = (root / "videos" / "two.mp4").read_bytes()
    upload = client.post("/api/videos", files={"file": ("mine.mp4", clip)})
    assert upload.status_code == 201, upload.text
    body = {"video_ids": [upload.json()["id"]], "paths": ["videos/two.mp4"],
            "output": "runs/first", "params": {"every": 2, "size": 256, "k": "auto"}}
    started = client.post("/api/datasets", json=body)
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]

    stream = events(client, job_id)
    lines = [data for kind, data in stream if kind == "log"]
    jobs = [json.loads(data) for kind, data in stream if kind == "job"]
    assert jobs[-1]["status"] == "done" and jobs[-1]["kind"] == "dataset", jobs[-1]
    assert any(line.startswith("mine.mp4: 24 frames") for line in lines), lines
    assert any(line.startswith("videos/two.mp4: 24 frames") for line in lines), lines
    assert any(line.startswith("filter: kept") for line in lines), lines
    assert any(line.startswith("cluster: 2 people") for line in lines), lines
    assert not any(str(root) in line or str(rooted.home) in line for line in lines), lines
    assert client.get(f"/api/datasets/{job_id}/log").text.splitlines() == lines

    files = client.get(f"/api/datasets/{job_id}/files").json()
    assert [c["name"] for c in files["clusters"]] == ["0", "1"]
    assert sum(c["size"] for c in files["clusters"]) + files["noise"]["size"] == \
        files["summary"]["filter"]["kept"]
    thumb = client.get(files["clusters"][0]["thumbnails"][0])
    assert thumb.status_code == 200 and thumb.content[:3] == b"\xff\xd8\xff"
    assert client.get(files["sheet_url"]).headers["content-type"] == "image/png"
    sneaky = client.get(f"/api/datasets/{job_id}/files/..%2F..%2Flog.txt")
    assert sneaky.status_code in (403, 404)
    assert (root / "runs" / "first" / "clusters" / "0").is_dir(), "written under the root"

    archive = client.get(files["zip_url"])
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert {"summary.json", "clusters/clusters.json", "clusters.png", "log.txt"} <= set(names)
    assert sum(n.startswith("clusters/0/") and n.endswith(".jpg") for n in names) == \
        files["clusters"][0]["size"]
    assert not any(n.startswith("crops/") for n in names)

    again = client.post("/api/datasets", json=body)
    assert again.status_code == 409 and "not a new or empty folder" in again.json()["detail"]
    other = rooted.client()
    assert other.get(f"/api/datasets/{job_id}/files").status_code == 404, "another session"
    assert wait_job(client, job_id)["report"]["clusters"][0]["size"] == \
        files["clusters"][0]["size"]
    assert os.listdir(root / "runs") == ["first"]

    assert client.delete(f"/api/jobs/{job_id}").status_code == 204
    assert not (rooted.data / "datasets" / job_id).exists(), "the job's log was kept"
    assert (root / "runs" / "first" / "summary.json").is_file(), "the chosen folder is the user's"


def test_page_start_follow_log_and_browse_faces(rooted: Server) -> None:
    """The Dataset page in Chromium: a server video, Start, the live log, thumbnails."""
    from .test_browser import ARGS, CHROMIUM, OUT

    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{rooted.url}/")
        page.click("header nav a")
        page.click("#entries .folder a:has-text('videos')")
        page.wait_for_selector("#entries .video button")
        assert "two.mp4" in page.inner_text("#entries")
        page.click("#entries .video button")
        assert "videos/two.mp4" in page.inner_text("#chosen")
        page.fill("#every", "2")
        page.select_option("#size", "256")
        page.fill("#output", "runs/page")
        page.click("#start")
        page.wait_for_function("() => document.getElementById('log').textContent"
                               ".includes('extracting faces')", timeout=60_000)
        page.wait_for_selector("#step-result:not([hidden])", timeout=120_000)
        log = page.inner_text("#log")
        assert "filter: kept" in log and "cluster: 2 people" in log, log
        assert page.locator(".cluster").count() == 2
        page.wait_for_function("() => [...document.querySelectorAll('.cluster img')]"
                               ".every((img) => img.complete && img.naturalWidth > 0)")
        assert page.locator(".cluster img").count() >= 6
        assert page.get_attribute("#zip", "href").endswith("/zip")
        assert "done" in page.inner_text("#history")
        shots = OUT.parent / "dataset"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "page.png"), full_page=True)
        browser.close()
    assert not errors, errors
