"""GET /api/engines: what the page offers is what is installed on the server, unverified
files named so."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import standins

from .conftest import Server, pytestmark, swap, train, wait_job

__all__ = ["pytestmark"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("home")
    files = tmp_path_factory.mktemp("standins")
    before = os.environ.get("FACECAST_HOME")
    os.environ["FACECAST_HOME"] = str(home)
    try:
        from facecast.models import store

        store.add(standins.swapper(files / "s.onnx", "flat"), "inswapper_128", True)
        store.add(standins.recognizer(files / "r.onnx"), "arcface_w600k_r50", True)
        store.add(standins.enhancer(files / "e.onnx", "input"), "gfpgan_1.4", True)
        store.add(standins.swapper(files / "x.onnx", "flat", 256, False), "simswap_256", True)
        store.add(standins.occluder(files / "o.onnx", 1.0), "xseg_1", True)
    finally:
        if before is None:
            del os.environ["FACECAST_HOME"]
        else:
            os.environ["FACECAST_HOME"] = before
    srv = Server(home).start()
    yield srv
    srv.stop()


def test_the_page_is_offered_installed_engines_only(server: Server) -> None:
    with server.client() as client:
        got = client.get("/api/engines").json()
        page = client.get("/").text
    assert got == {"engines": [{"name": "mesh", "unverified": False},
                               {"name": "inswapper_128", "unverified": True},
                               {"name": "simswap_256", "unverified": True}],
                   "enhancers": [{"name": "gfpgan_1.4", "unverified": True}],
                   "masks": [{"name": "xseg_1", "unverified": True}]}
    assert 'id="engine"' in page and 'id="enhancer"' in page and 'id="mask-model"' in page


def test_a_swap_job_runs_the_engine_asked_for_and_names_its_unverified_files(
        server: Server) -> None:
    with server.client() as client:
        identity_id = train(client)
        job_id = swap(client, identity_id, template_id="s18",
                      params={"engine": "inswapper_128", "enhancer": "gfpgan_1.4",
                              "mask_models": ["xseg_1"], "end": 0.4})
        job = wait_job(client, job_id)
        assert job["status"] == "done", job
        assert job["params"]["engine"] == "inswapper_128"
        named = " ".join(job["warnings"])
        assert "inswapper_128 is UNVERIFIED" in named and "gfpgan_1.4 is UNVERIFIED" in named
        assert client.get(job["result_url"]).status_code == 200
