"""The project page in a real browser on a phone: the claim link lands there, the video plays."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageStat
from playwright.async_api import Page

from bot.local_backend import BackendConfig
from bot.pictures.timeline import MUSIC_COLOUR
from bot.studio import synth
from tests.local_backend.browser import SCALE, VIEWPORT, Phone, phone
from tests.local_backend.support import Api, wait_for

pytestmark = pytest.mark.timeout(180)

SUBMIT = "/api/render/proxy/lambda"
TRACK = synth.TrackSpec(name="page", bpm=120, seconds=6.0, style="four_on_floor")
#: How long the browser may take to load metadata, play or decode (s); waits poll the page.
BROWSER_WAIT_S = 30.0
#: Tap targets are at least this tall (CSS px), the common guideline for fingers.
TAP_PX = 48


@pytest.fixture
def backend_config() -> BackendConfig:
    """The studio as it ships: real analysis, real renders."""
    return BackendConfig(event_delay=0.0, heartbeat_interval=0.5)


@pytest.fixture
async def browser() -> AsyncIterator[Phone]:
    async with phone() as found:
        yield found


async def finished_project(api: Api, tmp_path: Path) -> dict[str, Any]:
    """A studio project with one real 720p render: its ids, claim link and render status."""
    track = tmp_path / "page.wav"
    synth.write_track(track, TRACK)
    headers = await api.login()
    sid = await api.session(headers)
    assert (await api.upload(headers, sid, track.name, track.read_bytes())).json()["code"] == 0
    state = (await api.state(headers, sid))["data"]
    body = {
        "id": "render_phone",
        "sessionId": sid,
        "draft": state["state"]["draft"],
        "output": {"resolution": "720p"},
    }
    assert (await api.client.post(SUBMIT, json=body, headers=headers)).status_code == 200
    polled: list[dict[str, Any]] = []

    async def final() -> bool:
        polled.append((await api.client.get(f"{SUBMIT}/render_phone", headers=headers)).json())
        return polled[-1]["status"] in ("completed", "failed")

    await wait_for(final, within=120.0, every=0.1)
    assert polled[-1]["status"] == "completed", polled[-1]
    claim = await api.client.post(
        "/api/auth/claim-token",
        json={"task_id": state["task_id"], "session_id": sid},
        headers=headers,
    )
    link = f"{api.backend.url}/workspace/claim?ct={claim.json()['data']['claim_token']}"
    return {"task_id": state["task_id"], "link": link, "render": polled[-1]}


async def until(page: Page, condition: str) -> None:
    """Poll the page until the JavaScript expression ``condition`` is true.

    ``page.evaluate`` runs through the DevTools protocol, which the page's CSP (no script
    at all) does not block; ``wait_for_function`` would build its predicate with eval.
    """

    async def holds() -> bool:
        return bool(await page.evaluate(condition))

    await wait_for(holds, within=BROWSER_WAIT_S, every=0.05)


async def video_state(page: Page) -> dict[str, Any]:
    return dict(
        await page.evaluate(
            "() => { const v = document.querySelector('video');"
            " return {ready: v.readyState, duration: v.duration, time: v.currentTime,"
            " paused: v.paused, error: v.error && v.error.code}; }"
        )
    )


async def test_the_claim_link_opens_a_playable_project_page_on_a_phone(
    api: Api, browser: Phone, tmp_path: Path
) -> None:
    """What a musician sees after tapping the link: title, tempo, timeline, a video that plays."""
    project = await finished_project(api, tmp_path)
    page = await browser.page()
    response = await page.goto(project["link"])
    assert response is not None and response.ok

    # The claim link redirected (303) to the project's own page.
    assert page.url == f"{api.backend.url}/projects/{project['task_id']}"
    claimed = response.request.redirected_from
    assert claimed is not None and claimed.url == project["link"]
    claim_answer = await claimed.response()
    assert claim_answer is not None and claim_answer.status == 303

    # The studio's analysis: tempo and length of the track.
    assert await page.locator("#tempo b").inner_text() == "120 BPM"
    assert await page.locator("#length b").inner_text() == "6s"

    # The player loads the render's metadata: its length is the render's, within a frame.
    await until(page, "document.querySelector('video').readyState >= 1")
    state = await video_state(page)
    assert state["error"] is None
    assert state["duration"] == pytest.approx(project["render"]["output"]["duration"], abs=0.1)
    assert state["duration"] == pytest.approx(TRACK.seconds, abs=0.1)

    # The timeline picture decoded at the size the server draws it.
    await until(
        page,
        "(() => { const i = document.getElementById('timeline');"
        " return i.complete && i.naturalWidth > 0; })()",
    )
    png = (await api.client.get(f"{page.url}/timeline.png")).content
    with Image.open(io.BytesIO(png)) as drawn:
        drawn_size = drawn.size
    natural = await page.evaluate(
        "(() => { const i = document.getElementById('timeline');"
        " return [i.naturalWidth, i.naturalHeight]; })()"
    )
    assert tuple(natural) == drawn_size

    # Laid out for the phone: nothing wider than the screen, a finger-sized download button.
    width = VIEWPORT["width"]
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    video_box = await page.locator("video").bounding_box()
    picture_box = await page.locator("#timeline").bounding_box()
    button_box = await page.get_by_role("link", name="Download MP4").bounding_box()
    assert video_box and picture_box and button_box
    for box in (video_box, picture_box):
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
        assert box["width"] >= width * 0.8, box
    assert button_box["height"] >= TAP_PX, button_box
    assert button_box["x"] + button_box["width"] <= width, button_box

    # The screenshot: the page's width, and the drawn timeline (with its music band) on it.
    shot_path = tmp_path / "project-page.png"
    await page.screenshot(path=shot_path, full_page=True)
    with Image.open(shot_path) as shot:
        assert shot.width == width * SCALE
        region = shot.convert("RGB").crop(
            tuple(
                round(value * SCALE)
                for value in (
                    picture_box["x"],
                    picture_box["y"],
                    picture_box["x"] + picture_box["width"],
                    picture_box["y"] + picture_box["height"],
                )
            )
        )
    assert max(ImageStat.Stat(region).stddev) > 20  # drawn, not one flat colour
    green = sum(
        count
        for count, pixel in region.getcolors(region.width * region.height) or []
        if all(abs(a - b) <= 24 for a, b in zip(pixel, MUSIC_COLOUR, strict=True))
    )
    assert green > 0.01 * region.width * region.height

    # It plays: muted play(), and the time moves on.
    await page.evaluate(
        "async () => { const v = document.querySelector('video'); v.muted = true; await v.play(); }"
    )
    await until(page, "document.querySelector('video').currentTime > 0.5")
    state = await video_state(page)
    assert not state["paused"] and state["error"] is None

    # Everything came from this server: the page, the picture, the video.
    hosts = {urlsplit(url).hostname for url in browser.requested}
    assert hosts == {"127.0.0.1"}, browser.requested
    paths = {urlsplit(url).path for url in browser.requested}
    render_path = urlsplit(project["render"]["output"]["url"]).path
    assert {"/workspace/claim", urlsplit(page.url).path, render_path} <= paths
    assert f"{urlsplit(page.url).path}/timeline.png" in paths


async def test_the_register_link_says_so_in_the_browser(api: Api, browser: Phone) -> None:
    """The local studio's registration link is a readable page, not an error."""
    page = await browser.page()
    response = await page.goto(f"{api.backend.url}/register?bind=local_x")
    assert response is not None and response.status == 200
    assert await page.locator("h1").inner_text() == "No registration needed"
    assert "needs no account" in await page.locator("main").inner_text()
    assert await page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    assert {urlsplit(url).hostname for url in browser.requested} == {"127.0.0.1"}
