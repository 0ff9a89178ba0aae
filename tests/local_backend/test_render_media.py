"""``render_media`` off: renders keep their life cycle but skip ffmpeg (load tests)."""

from __future__ import annotations

from typing import Any

from bot.local_backend.render import PLACEHOLDER_MP4
from tests.local_backend.support import Api, wait_for

SUBMIT = "/api/render/proxy/lambda"


async def _submit(api: Api, headers: dict[str, str], sid: str, render_id: str) -> None:
    draft = (await api.state(headers, sid))["data"]["state"]["draft"]
    body = {"id": render_id, "sessionId": sid, "draft": draft}
    response = await api.client.post(SUBMIT, json=body, headers=headers)
    assert response.status_code == 200, response.text


async def test_placeholder_instead_of_an_encoded_mp4(api: Api) -> None:
    """Same statuses and output URL as a real render; the file is the 24-byte placeholder."""
    api.backend.config.render_media = False
    headers = await api.login()
    sid = await api.ready_session(headers)
    await _submit(api, headers, sid, "render_light")
    done: dict[str, Any] = {}

    async def completed() -> bool:
        done.update((await api.client.get(f"{SUBMIT}/render_light", headers=headers)).json())
        return done["status"] == "completed"

    await wait_for(completed)
    assert done["progress"] == 100
    assert done["output"]["size"] == len(PLACEHOLDER_MP4)
    served = await api.client.get(done["output"]["url"])
    assert served.content == PLACEHOLDER_MP4
    assert served.content[4:8] == b"ftyp"


async def test_failures_and_cancel_still_apply(api: Api) -> None:
    """``render_failures`` and cancel behave as with media on."""
    api.backend.config.render_media = False
    api.backend.config.render_failures = 1
    headers = await api.login()
    sid = await api.ready_session(headers)
    await _submit(api, headers, sid, "render_fails")

    async def failed() -> bool:
        body = (await api.client.get(f"{SUBMIT}/render_fails", headers=headers)).json()
        return bool(body["status"] == "failed")

    await wait_for(failed)
    api.backend.config.render_seconds = 30
    await _submit(api, headers, sid, "render_cancelled")
    cancel = await api.client.post(f"{SUBMIT}/render_cancelled/cancel", headers=headers)
    assert (cancel.json()["status"], cancel.json()["error"]) == ("failed", "cancelled")
