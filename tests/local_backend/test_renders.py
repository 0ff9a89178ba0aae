"""§3.8-3.11 renders: submit rules, status shapes, failure, cancel, download, a real MP4."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest

from tests.local_backend.support import ATTRIBUTION, Api, wait_for

SUBMIT = "/api/render/proxy/lambda"


async def _draft(api: Api, headers: dict[str, str], sid: str) -> dict[str, Any]:
    return dict((await api.state(headers, sid))["data"]["state"]["draft"])


async def _submit(api: Api, headers: dict[str, str], sid: str, render_id: str) -> Any:
    body = {"id": render_id, "sessionId": sid, "draft": await _draft(api, headers, sid)}
    return await api.client.post(SUBMIT, json=body, headers=headers)


async def _poll_until_final(api: Api, headers: dict[str, str], render_id: str) -> dict[str, Any]:
    result: dict[str, Any] = {}

    async def final() -> bool:
        response = await api.client.get(f"{SUBMIT}/{render_id}", headers=headers)
        result.clear()
        result.update(response.json())
        status = result.get("status") or result.get("data", {}).get("status")
        return status in ("completed", "failed")

    await wait_for(final)
    return result


async def test_submit_answer_and_shape_a_lifecycle(api: Api) -> None:
    """Submit says pending; polls go pending/processing → completed with output.url."""
    headers = await api.login()
    sid = await api.ready_session(headers)
    response = await _submit(api, headers, sid, "render_1")
    assert response.json() == {
        "success": True,
        "data": {"id": "render_1", "status": "pending", "progress": 0},
    }
    first = (await api.client.get(f"{SUBMIT}/render_1", headers=headers)).json()
    assert first["status"] in ("pending", "processing")
    assert "output" not in first
    done = await _poll_until_final(api, headers, "render_1")
    assert set(done) == {"taskId", "status", "progress", "output"}
    assert (done["taskId"], done["status"], done["progress"]) == ("render_1", "completed", 100)
    # A random folder makes the link unguessable (render ids are often timestamps).
    assert re.fullmatch(
        rf"{re.escape(api.backend.url)}/media/renders/[\w-]{{20,}}/render_1\.mp4",
        done["output"]["url"],
    )
    assert done["output"]["duration"] == pytest.approx(2.0)
    assert done["output"]["size"] > 1000


async def test_shape_b(api: Api) -> None:
    """Shape B: {success, data: {id, status, progress, outputUrl, createdAt, completedAt}}."""
    api.backend.config.render_shape = "B"
    headers = await api.login()
    sid = await api.ready_session(headers)
    await _submit(api, headers, sid, "render_b")
    done = await _poll_until_final(api, headers, "render_b")
    assert set(done) == {"success", "data"}
    data = done["data"]
    assert set(data) == {"id", "status", "progress", "outputUrl", "createdAt", "completedAt"}
    assert data["status"] == "completed"
    assert data["outputUrl"].endswith("/render_b.mp4")
    assert "/media/renders/" in data["outputUrl"]
    assert data["completedAt"] >= data["createdAt"] > 1_700_000_000_000


async def test_shape_both_is_a_superset(api: Api) -> None:
    api.backend.config.render_shape = "both"
    headers = await api.login()
    sid = await api.ready_session(headers)
    submitted = (await _submit(api, headers, sid, "render_both")).json()
    assert submitted["taskId"] == "render_both"
    assert submitted["data"]["status"] == "pending"
    done = await _poll_until_final(api, headers, "render_both")
    assert done["output"]["url"] == done["data"]["outputUrl"]
    assert done["status"] == done["data"]["status"] == "completed"


async def test_mp4_is_real_and_downloadable(api: Api, tmp_path: Path) -> None:
    """The output is a playable MP4: ftyp box, a duration ffmpeg can read, Range support."""
    headers = await api.login()
    sid = await api.ready_session(headers)
    await _submit(api, headers, sid, "render_real")
    done = await _poll_until_final(api, headers, "render_real")
    download = await api.client.get("/api/render/proxy/render_real/download", headers=headers)
    assert download.status_code == 200
    assert download.headers["content-type"] == "video/mp4"
    assert download.content[4:8] == b"ftyp"
    assert len(download.content) == done["output"]["size"]
    public = await api.client.get(done["output"]["url"])
    assert public.content == download.content
    ranged = await api.client.get(done["output"]["url"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206
    assert ranged.content == download.content[:100]
    path = tmp_path / "out.mp4"
    path.write_bytes(download.content)
    process = await asyncio.create_subprocess_exec(
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-i",
        str(path),
        stderr=asyncio.subprocess.PIPE,
    )
    _, raw = await process.communicate()
    report = raw.decode()
    match = re.search(r"Duration: 00:00:(\d+\.\d+)", report)
    assert match
    assert float(match.group(1)) == pytest.approx(2.0, abs=0.2)
    assert "Video: h264" in report
    assert "Audio: aac" in report


async def test_render_without_audio_uses_a_tone(api: Api) -> None:
    """A draft with no decodable music still renders (tone + waveform)."""
    headers = await api.login()
    sid = await api.session(headers)
    await api.turn(headers, sid, "generate a clip of waves")
    await _submit(api, headers, sid, "render_tone")
    done = await _poll_until_final(api, headers, "render_tone")
    assert done["status"] == "completed"
    assert done["output"]["duration"] == pytest.approx(5.0)


async def test_render_failures_knob(api: Api) -> None:
    """render_failures=1: the next job fails with an error, the one after succeeds."""
    api.backend.config.render_failures = 1
    headers = await api.login()
    sid = await api.ready_session(headers)
    await _submit(api, headers, sid, "render_fail")
    failed = await _poll_until_final(api, headers, "render_fail")
    assert failed["status"] == "failed"
    assert failed["error"]
    assert "output" not in failed
    assert api.backend.config.render_failures == 0
    await _submit(api, headers, sid, "render_retry")
    assert (await _poll_until_final(api, headers, "render_retry"))["status"] == "completed"


async def test_duplicate_id_is_409(api: Api) -> None:
    headers = await api.login()
    sid = await api.ready_session(headers)
    assert (await _submit(api, headers, sid, "render_dup")).status_code == 200
    again = await _submit(api, headers, sid, "render_dup")
    assert again.status_code == 409
    assert again.json() == {"success": False, "error": "duplicate id"}


@pytest.mark.parametrize("missing", ["X-Skill-Source", "X-Skill-Version", "X-Skill-Platform"])
async def test_missing_attribution_header_is_402(api: Api, missing: str) -> None:
    """Without all three X-Skill-* headers the export is refused with HTTP 402 (§2.1)."""
    headers = await api.login()
    sid = await api.ready_session(headers)
    del headers[missing]
    response = await _submit(api, headers, sid, "render_402")
    assert response.status_code == 402
    assert response.json()["success"] is False
    assert missing in response.json()["error"]


async def test_empty_draft_is_400(api: Api) -> None:
    headers = await api.login()
    sid = await api.session(headers)
    response = await _submit(api, headers, sid, "render_empty")
    assert response.status_code == 400
    assert response.json() == {"success": False, "error": "nothing to render"}


async def test_unknown_session_is_1002(api: Api) -> None:
    headers = await api.login()
    body = {"id": "render_x", "sessionId": "1234567890123456789", "draft": {"t": [{"sg": [{}]}]}}
    response = await api.client.post(SUBMIT, json=body, headers=headers)
    assert response.json()["code"] == 1002
    assert response.json()["success"] is False


async def test_unknown_and_foreign_render_is_404(api: Api) -> None:
    owner = await api.login("owner")
    stranger = await api.login("stranger")
    sid = await api.ready_session(owner)
    await _submit(api, owner, sid, "render_mine")
    for headers, render_id in ((owner, "render_nope"), (stranger, "render_mine")):
        response = await api.client.get(f"{SUBMIT}/{render_id}", headers=headers)
        assert response.status_code == 404
        assert response.json() == {"success": False, "error": "not found"}


async def test_invalid_id_is_400(api: Api) -> None:
    headers = await api.login()
    sid = await api.ready_session(headers)
    response = await _submit(api, headers, sid, "../escape")
    assert response.status_code == 400


async def test_cancel(api: Api) -> None:
    """Cancel turns an unfinished job into failed/"cancelled"; download then says 409."""
    api.backend.config.render_seconds = 30
    headers = await api.login()
    sid = await api.ready_session(headers)
    await _submit(api, headers, sid, "render_cancel")
    response = await api.client.post(f"{SUBMIT}/render_cancel/cancel", headers=headers)
    assert response.json()["status"] == "failed"
    assert response.json()["error"] == "cancelled"
    poll = (await api.client.get(f"{SUBMIT}/render_cancel", headers=headers)).json()
    assert (poll["status"], poll["error"]) == ("failed", "cancelled")
    download = await api.client.get("/api/render/proxy/render_cancel/download", headers=headers)
    assert download.status_code == 409


async def test_cancel_after_completion_changes_nothing(api: Api) -> None:
    headers = await api.login()
    sid = await api.ready_session(headers)
    await _submit(api, headers, sid, "render_late")
    await _poll_until_final(api, headers, "render_late")
    response = await api.client.post(f"{SUBMIT}/render_late/cancel", headers=headers)
    assert response.json()["status"] == "completed"


async def test_render_routes_need_a_token(api: Api) -> None:
    response = await api.client.get(f"{SUBMIT}/render_1", headers=ATTRIBUTION)
    assert response.json()["code"] == 1001
    assert response.json()["success"] is False
    download = await api.client.get("/api/render/proxy/render_1/download")
    assert download.json()["code"] == 1001


async def test_stop_during_render_leaves_nothing_running(api: Api) -> None:
    """stop() cancels a job mid-encode (ffmpeg killed) without warnings or errors."""
    api.backend.config.render_seconds = 30
    headers = await api.login()
    sid = await api.ready_session(headers)
    await _submit(api, headers, sid, "render_stop")
    await api.backend.stop()
