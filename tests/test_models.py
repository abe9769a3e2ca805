"""`facecast models`: the registry, add (hash checked), fetch over HTTP from a server this
test starts on 127.0.0.1 (cuts resumed, a wrong hash refused and nothing left behind),
verify, remove, and the sentences of missing and unverified models."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import standins

from facecast.errors import ModelError
from facecast.faces.crops import TEMPLATES
from facecast.models import fetch, registry, store

FACECAST = Path(sys.executable).with_name("facecast")


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FACECAST_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture()
def payload(tmp_path: Path) -> Path:
    """A stand-in inswapper (a few MB: the emap alone is 1 MB)."""
    return standins.swapper(tmp_path / "stand_in.onnx", "input")


def own_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, digest: str | None,
                 url: str = "https://example.invalid/inswapper_128.onnx") -> None:
    """A site registry whose inswapper_128 is `payload` (its hash), at `url`."""
    entry = registry.registry()["inswapper_128"].model_dump(exclude={"name"})
    entry.update(sha256=digest, url=url)
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"models": {"inswapper_128": entry}}))
    monkeypatch.setenv("FACECAST_MODELS_REGISTRY", str(path))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_shipped_registry_knows_every_kind_and_its_recipes_are_runnable() -> None:
    known = registry.registry()
    assert {m.kind for m in known.values()} == {"swapper", "enhancer", "recognizer",
                                                "occluder", "parser"}
    for model in known.values():
        assert model.recipe.template in TEMPLATES
        assert model.url.startswith("https://") and model.url.endswith(model.file)
        assert model.licence
        if model.kind == "swapper":
            assert known[model.recipe.source].kind == "recognizer"
    assert known["inswapper_128"].recipe.emap
    assert "non-commercial" in known["inswapper_128"].licence
    assert known["codeformer"].recipe.extra == {"weight": 1.0}


def test_add_checks_the_hash_and_names_an_unverified_file(
        home: Path, payload: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own_registry(tmp_path, monkeypatch, "0" * 64)
    with pytest.raises(ModelError, match="--allow-unverified"):
        store.add(payload, "inswapper_128")
    assert store.installed() == {}
    assert [p.name for p in store.models_dir().iterdir()] == []

    entry = store.add(payload, "inswapper_128", allow_unverified=True)
    assert not entry.verified and "UNVERIFIED" in entry.warning()
    assert store.verify() == {"inswapper_128": "unverified"}

    own_registry(tmp_path, monkeypatch, sha(payload))
    entry = store.add(payload, "inswapper_128")
    assert entry.verified and entry.warning() is None
    assert entry.path.read_bytes() == payload.read_bytes()
    entry.path.write_bytes(b"changed")
    assert store.verify() == {"inswapper_128": "changed"}
    store.remove("inswapper_128")
    assert store.installed() == {} and not entry.path.exists()
    with pytest.raises(ModelError, match="not installed"):
        store.remove("inswapper_128")


def test_a_missing_model_names_the_command_that_fetches_it(home: Path) -> None:
    from facecast.params import SwapParams
    from facecast.swap import check

    with pytest.raises(ModelError, match="`facecast models fetch inswapper_128`"):
        check(SwapParams(engine="inswapper_128"))
    with pytest.raises(ModelError, match=r"`facecast models fetch gfpgan_1\.4`"):
        check(SwapParams(enhancer="gfpgan_1.4"))
    with pytest.raises(ModelError, match="`facecast models fetch xseg_1`"):
        check(SwapParams(mask_models=["xseg_1"]))
    with pytest.raises(ModelError, match="not an occluder or a face parser"):
        check(SwapParams(mask_models=["codeformer"]))
    with pytest.raises(ModelError, match="unknown engine 'nope'"):
        check(SwapParams(engine="nope"))
    check(SwapParams())


class _Server:
    """Serves one file with Range support; can cut the first answers halfway (the full
    Content-Length promised, half the bytes sent, the connection closed), and be `down`
    (every request after the cuts dropped unanswered)."""

    def __init__(self, data: bytes, cuts: int) -> None:
        self.data, self.cuts, self.ranges, self.down = data, cuts, [], False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                start = 0
                asked = self.headers.get("Range")
                server.ranges.append(asked)
                if server.down and server.cuts == 0:
                    self.close_connection = True
                    return
                if asked:
                    start = int(asked.removeprefix("bytes=").rstrip("-"))
                body = server.data[start:]
                self.send_response(206 if asked else 200)
                if asked:
                    self.send_header("Content-Range",
                                     f"bytes {start}-{len(server.data) - 1}/{len(server.data)}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if server.cuts > 0:
                    server.cuts -= 1
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/inswapper_128.onnx"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def serve(payload: Path) -> Iterator:
    servers = []

    def start(cuts: int = 0) -> _Server:
        servers.append(_Server(payload.read_bytes(), cuts))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def test_fetch_resumes_after_cuts_checks_the_hash_and_installs(
        home: Path, payload: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        serve) -> None:
    server = serve(cuts=2)
    own_registry(tmp_path, monkeypatch, sha(payload), server.url)
    seen = []
    entry = fetch.fetch("inswapper_128", progress=lambda done, total: seen.append(done))
    assert entry.verified and entry.path.read_bytes() == payload.read_bytes()
    size = payload.stat().st_size
    assert server.ranges == [None, f"bytes={size // 2}-",
                             f"bytes={size // 2 + (size - size // 2) // 2}-"]
    assert seen[-1] == size
    assert sorted(p.name for p in store.models_dir().iterdir()) == ["inswapper_128.onnx",
                                                                    "models.json"]


def test_a_fetch_given_up_keeps_its_bytes_and_the_next_one_resumes(
        home: Path, payload: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        serve) -> None:
    server = serve(cuts=1)
    server.down = True
    own_registry(tmp_path, monkeypatch, sha(payload), server.url)
    with pytest.raises(ModelError, match="run `facecast models fetch inswapper_128` again"):
        fetch.fetch("inswapper_128")
    assert store.installed() == {}
    assert len(server.ranges) == 1 + fetch.TRIES
    server.down = False
    entry = fetch.fetch("inswapper_128")
    assert entry.path.read_bytes() == payload.read_bytes()
    assert server.ranges[-1] == f"bytes={payload.stat().st_size // 2}-"


def test_fetch_refuses_a_wrong_hash_and_leaves_nothing(
        home: Path, payload: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        serve) -> None:
    server = serve(cuts=1)
    own_registry(tmp_path, monkeypatch, "f" * 64, server.url)
    with pytest.raises(ModelError, match="SHA-256"):
        fetch.fetch("inswapper_128")
    assert list(store.models_dir().iterdir()) == []


def test_fetch_takes_https_only_and_the_base_from_the_environment(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACECAST_MODELS_URL", "http://mirror.example/models/")
    assert registry.spec("gfpgan_1.4").download_url() == \
        "http://mirror.example/models/gfpgan_1.4.onnx"
    with pytest.raises(ModelError, match="HTTPS only"):
        fetch.fetch("gfpgan_1.4")
    assert list(store.models_dir().iterdir()) == []


def facecast(home: Path, *args: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, FACECAST_HOME=str(home), COLUMNS="200")
    return subprocess.run([str(FACECAST), *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_command_adds_lists_verifies_and_removes(home: Path, payload: Path,
                                                     tmp_path: Path) -> None:
    refused = facecast(home, "models", "add", payload, "--as", "inswapper_128")
    assert refused.returncode == 2 and "--allow-unverified" in refused.stderr
    assert "Traceback" not in refused.stderr
    added = facecast(home, "models", "add", payload, "--as", "inswapper_128",
                     "--allow-unverified")
    assert added.returncode == 0 and "UNVERIFIED" in added.stderr
    listed = facecast(home, "models", "list")
    assert listed.returncode == 0
    assert "engine inswapper_128: needs arcface_w600k_r50" in " ".join(listed.stderr.split())
    assert "engine mesh: ready" in listed.stderr
    assert "inswapper_128: unverified" in facecast(home, "models", "verify").stderr
    missing = facecast(home, "swap", "--identity", "x", "--input", payload, "--output",
                       tmp_path / "o.mp4", "--engine", "inswapper_128")
    assert missing.returncode == 2
    assert "`facecast models fetch arcface_w600k_r50`" in " ".join(missing.stderr.split())
    assert facecast(home, "models", "remove", "inswapper_128").returncode == 0
    gone = facecast(home, "swap", "--identity", "x", "--input", payload, "--output",
                    tmp_path / "o.mp4", "--engine", "inswapper_128")
    assert gone.returncode == 2
    assert "`facecast models fetch inswapper_128`" in " ".join(gone.stderr.split())
