"""The page in Debian's Chromium, driven by Playwright: selfies to a playing result video.

Screenshots go to out/web/ (flow.png at desktop size, phone.png at a phone's): look at them.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import numpy as np
import pytest

from .conftest import PHOTOS, Server, pytestmark, train, wait_job

__all__ = ["pytestmark"]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
OUT = Path(__file__).resolve().parents[2] / "out" / "web"

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    if not CHROMIUM.is_file():
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


def check_looks(page: sync_api.Page) -> None:
    """Step 4: a style and a slider re-render the live preview (your face in it), then
    Reset brings the realistic look back for the switch."""
    rendered = "() => /rendered in/.test(document.getElementById('preview-status').textContent)"
    page.wait_for_function(rendered, timeout=60_000)
    first = page.get_attribute("#look-preview", "src")
    page.click("#styles .chip[data-style=oil]")
    page.click("#adjustments summary")
    page.locator("input[data-name=saturation]").fill("40")
    page.wait_for_function(f"() => document.getElementById('look-preview').src !== '{first}'"
                           f" && ({rendered})()", timeout=60_000)
    assert "your face, oil" in page.inner_text("#preview-status")
    assert page.evaluate("document.getElementById('look-preview').naturalWidth") == 960
    page.screenshot(path=str(OUT / "looks.png"), full_page=True)
    page.click("#looks-reset")
    assert page.locator("#styles .chip.selected").inner_text().lower() == "realistic"
    assert page.input_value("input[data-name=saturation]") == "0"


def test_whole_flow_in_chromium(server: Server, browser: sync_api.Browser) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url)
    assert "5–15 clear, high-resolution selfies" in page.inner_text("#step-identity")

    page.fill("#identity-name", "Dana")
    page.set_input_files("#photos", sorted(str(p) for p in PHOTOS.glob("*.jpg")))
    page.wait_for_selector("#photo-grid figure >> nth=11")
    assert page.is_disabled("#train")  # not before the consent box is ticked
    assert "tick the box" in page.inner_text("#train-status")
    page.check("#consent")
    page.click("#train")
    page.wait_for_selector("#identity-ready:not([hidden])", timeout=120_000)
    assert page.locator("#photo-grid .thumb.ok").count() >= 5
    assert "Dana" in page.inner_text("#identity-list")

    page.click(".tpl[data-id=s18]")
    page.wait_for_selector("#faces figure img")
    check_looks(page)
    page.click("#step-adjust summary")
    page.fill("#trim-end", "1.5")
    page.locator("#identity-strength").fill("0.9")
    page.click("#switch")
    page.wait_for_selector("#step-result:not([hidden])", timeout=180_000)
    page.wait_for_function("() => { const v = document.getElementById('result-video');"
                           " return v.readyState >= 2 && v.currentTime > 0; }", timeout=30_000)
    assert page.get_attribute("#download", "href").startswith("/api/jobs/")
    sync_api.expect(page.locator("#history")).to_contain_text("Swap into", timeout=15_000)
    page.click("#quality summary")
    assert "looks like you" in page.inner_text("#quality-table")
    page.wait_for_function("() => /Content Credentials/.test("
                           "document.getElementById('credentials').textContent)")
    assert "Content Credentials: AI-generated" in page.inner_text("#credentials")
    assert page.is_checked("#label")
    assert_labelled(server, page, marked=True)
    page.evaluate("document.getElementById('result-video').pause()")
    page.screenshot(path=str(OUT / "flow.png"), full_page=True)
    assert not errors, errors

    # The same session on a phone: its identity and history are there; show the result.
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    context.add_cookies(page.context.cookies())
    phone = context.new_page()
    phone.goto(server.url)
    phone.wait_for_selector(".tpl img")
    phone.click("#history a")
    phone.wait_for_function("() => document.getElementById('result-video').readyState >= 2")
    phone.evaluate("document.getElementById('result-video').pause()")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    phone.screenshot(path=str(OUT / "phone.png"), full_page=True)
    shutil.copy(server.log, OUT / "server.log")


def open_in_session(browser: sync_api.Browser, server: Server, client: httpx.Client
                    ) -> tuple[sync_api.Page, list[str]]:
    """A desktop page in `client`'s session, and the script errors it will collect."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "facecast_session", "url": server.url,
                          "value": client.cookies["facecast_session"]}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


def assert_labelled(server: Server, page: sync_api.Page, *, marked: bool) -> None:
    """The shown result's last frame has (or has not) the "AI" badge: white letters in its
    bottom-right corner, where the original has none."""
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with httpx.Client(base_url=server.url, cookies=cookies) as client:
        result = client.get(page.get_attribute("#download", "href")).content
        job = client.get("/api/jobs").json()[0]
        original = client.get(job["source_url"]).content
    frames = []
    for data in (result, original):
        with av.open(io.BytesIO(data)) as box:
            frames.append(next(box.decode(video=0)).to_ndarray(format="rgb24").astype(int))
    h, w = frames[0].shape[:2]
    side = min(h, w) // 8
    corner = np.abs(frames[0][-side:, -side:] - frames[1][-side:, -side:]).max()
    assert (corner > 100) == marked, corner


def test_delete_my_data_button(server: Server, browser: sync_api.Browser) -> None:
    """The page's button empties the session: its lists and its files under the data folder;
    the label box unticked gives a result without the mark."""
    client = server.client()
    identity = train(client, "Eve")
    page, errors = open_in_session(browser, server, client)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(server.url)
    page.wait_for_selector("#identity-list .chip")
    page.click(".tpl[data-id=s18]")
    page.wait_for_selector("#faces figure img", timeout=120_000)  # listed on first use
    page.click("#step-adjust summary")
    page.fill("#trim-end", "0.4")
    page.uncheck("#label")
    page.click("#switch")
    page.wait_for_selector("#step-result:not([hidden])", timeout=180_000)
    assert_labelled(server, page, marked=False)
    files = [p for p in server.data.rglob("*") if identity in str(p) and p.is_file()]
    assert files
    page.click("#delete-data")
    page.wait_for_function("() => /Deleted/.test("
                           "document.getElementById('delete-status').textContent)")
    assert "Deleted 1 identities" in page.inner_text("#delete-status")
    assert page.locator("#identity-list .chip").count() == 0
    assert "Nothing yet" in page.inner_text("#history")
    assert page.is_hidden("#look-preview")  # no frame of the deleted face left on screen
    assert [p for p in server.data.rglob("*") if identity in str(p)] == []
    page.screenshot(path=str(OUT / "deleted.png"), full_page=True)
    assert not errors, errors


def test_docs_render_with_the_network_cut(server: Server, browser: sync_api.Browser) -> None:
    """Only this server is reachable: /docs still shows the API, asking nothing of a CDN."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []

    def only_this_server(route: sync_api.Route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_this_server)
    page = context.new_page()
    page.goto(f"{server.url}/docs")
    page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=30_000)
    assert "/api/session" in page.inner_text(".swagger-ui")
    assert elsewhere == []
    page.screenshot(path=str(OUT / "docs.png"))


def test_pick_faces_and_who_goes_on_each(server: Server, browser: sync_api.Browser) -> None:
    """A group photo: pick two of its six faces, put another identity on one, switch."""
    OUT.mkdir(parents=True, exist_ok=True)
    client = server.client()  # two identities trained over the API, in the page's session
    train(client, "Ann")
    photos = [("photos", (p.name, p.read_bytes(), "image/jpeg"))
              for p in sorted((PHOTOS.parent / "d3").glob("*.jpg"))]
    created = client.post("/api/identities", data={"name": "Bea", "consent": "true"},
                          files=photos).json()
    assert wait_job(client, created["job_id"])["status"] == "done"
    page, errors = open_in_session(browser, server, client)
    page.goto(server.url)
    page.wait_for_selector("#identity-list .chip >> nth=1")
    page.click("#identity-list .chip >> text=Ann")
    page.set_input_files("#video-file", str(PHOTOS.parents[1] / "portraits" / "group_t1.jpg"))
    page.wait_for_selector("#faces figure >> nth=5")
    assert page.locator("#faces figure.selected").count() == 1  # the largest face, at first
    page.click("#faces figure[data-id='0']")
    page.select_option("#faces figure[data-id='0'] select", label="Bea")
    assert "2 of 6 faces" in page.inner_text("#faces-status")
    page.screenshot(path=str(OUT / "faces.png"), full_page=True)
    page.click("#switch")
    page.wait_for_selector("#step-result:not([hidden])", timeout=180_000)
    # The history is fetched again once the job ends; wait for it rather than race it.
    sync_api.expect(page.locator("#history")).to_contain_text("(2 faces)", timeout=15_000)
    assert not errors, errors
