"""The web app as users meet it: a real uvicorn process on 127.0.0.1, real files, real HTTP.

`server` is shared by the module's tests (its own temporary $FACECAST_HOME); each `httpx.Client`
is its own cookie jar, that is, its own anonymous session.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from facecast.templates import install

MEDIA = Path(os.environ.get("FACECAST_MEDIA", "../shared/media")).resolve()
PHOTOS = MEDIA / "identities" / "d10"
pytestmark = pytest.mark.skipif(not PHOTOS.is_dir(),
                                reason=f"test media not found at {MEDIA}; set FACECAST_MEDIA")
FINISHED = ("done", "failed", "cancelled")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Child:
    """A process the tests start, stop and kill."""

    proc: subprocess.Popen[bytes] | None = None

    def kill(self) -> None:
        """kill -9: no shutdown code runs, as in a crash or power loss."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout: float = 15) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()


class Server(Child):
    """One `python -m facecast.api` process; start it again on the same home to restart."""

    def __init__(self, home: Path, **env: str) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, FACECAST_HOME=str(home), FACECAST_MEDIA=str(MEDIA),
                        FACECAST_PORT=str(self.port), **env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = home / "server.log"

    def start(self) -> Server:
        self.home.mkdir(parents=True, exist_ok=True)
        install(MEDIA, root=self.home / "templates")  # as `make run` does: the five built-ins
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "facecast.api"], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/api/templates", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"server did not start:\n{self.log.read_text()}")

    def client(self) -> httpx.Client:
        """A new client: a new cookie jar, so a new anonymous session."""
        return httpx.Client(base_url=self.url, timeout=120)

    @property
    def data(self) -> Path:
        return self.home / "web"


def running(tmp_path_factory: pytest.TempPathFactory, **env: str) -> Iterator[Server]:
    """A server on a new home with the tests' limits (and `env`), stopped afterwards."""
    limits = {"FACECAST_MAX_UPLOAD_MB": "20", "FACECAST_MAX_VIDEO_SECONDS": "10",
              "FACECAST_MAX_PHOTO_PIXELS": "4000000"}
    srv = Server(tmp_path_factory.mktemp("home"), **{**limits, **env}).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from running(tmp_path_factory)


@pytest.fixture(scope="module")
def client(server: Server) -> httpx.Client:
    """One session for the module's tests."""
    return server.client()


@pytest.fixture(scope="module")
def identity_id(client: httpx.Client) -> str:
    """An identity trained once in that session."""
    return train(client)


def photo_files(n: int | None = None) -> list[tuple[str, tuple[str, bytes, str]]]:
    paths = sorted(PHOTOS.glob("*.jpg"))[:n]
    return [("photos", (p.name, p.read_bytes(), "image/jpeg")) for p in paths]


def wait_job(client: httpx.Client, job_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in FINISHED:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def train(client: httpx.Client, name: str = "amy") -> str:
    """Train an identity from the d10 selfies; returns its id once ready."""
    created = client.post("/api/identities", data={"name": name, "consent": "true"},
                          files=photo_files())
    assert created.status_code == 202, created.text
    job = wait_job(client, created.json()["job_id"])
    assert job["status"] == "done", job
    return created.json()["id"]


def swap(client: httpx.Client, identity_id: str, **body: object) -> str:
    response = client.post("/api/swaps", json={"identity_id": identity_id, **body})
    assert response.status_code == 202, response.text
    return response.json()["job_id"]
