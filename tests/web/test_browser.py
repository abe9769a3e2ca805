"""The page in Debian's Chromium, driven by Playwright: selfies to a playing result video.

Screenshots go to out/web/ (flow.png at desktop size, phone.png at a phone's): look at them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

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
    assert "done" in page.inner_text("#history")
    page.click("#quality summary")
    assert "looks like you" in page.inner_text("#quality-table")
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
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "facecast_session", "url": server.url,
                          "value": client.cookies["facecast_session"]}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
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
    assert "(2 faces)" in page.inner_text("#history")
    assert not errors, errors
