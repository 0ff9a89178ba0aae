"""The local studio behind the contract: real analysis, honest replies, real renders."""

from __future__ import annotations

import asyncio
import os
import re
import wave
from pathlib import Path
from typing import Any

import pytest

from bot.local_backend import BackendConfig, LocalBackend
from bot.studio import analysis, synth
from tests.local_backend.support import Api, texts, tool_names, wait_for
from tests.studio.media import probe_video

pytestmark = pytest.mark.timeout(120)

SUBMIT = "/api/render/proxy/lambda"
GROOVE = synth.DEMO
GUI_WORDS = re.compile(r"click|drag|panel|Seedance|Generating", re.IGNORECASE)


@pytest.fixture
def backend_config() -> BackendConfig:
    """The studio as it ships (defaults), with no artificial delays in the stream."""
    return BackendConfig(event_delay=0.0, heartbeat_interval=0.5)


def groove_bytes(tmp_path: Path, spec: synth.TrackSpec = GROOVE) -> tuple[bytes, synth.KnownBeats]:
    path = tmp_path / f"{spec.name}.wav"
    known = synth.write_track(path, spec)
    return path.read_bytes(), known


def reply_of(frames: list[Any]) -> str:
    """The whole text of a turn (the final non-partial chunk)."""
    finals = [text for text, partial in texts(frames) if not partial]
    assert finals, frames
    return finals[-1]


async def studio_session(
    api: Api, tmp_path: Path, data: bytes | None = None, name: str = "groove.wav"
):
    headers = await api.login()
    sid = await api.session(headers)
    content = groove_bytes(tmp_path)[0] if data is None else data
    response = await api.upload(headers, sid, name, content)
    assert response.json()["code"] == 0, response.text
    return headers, sid


async def draft_of(api: Api, headers: dict[str, str], sid: str) -> dict[str, Any]:
    return dict((await api.state(headers, sid))["data"]["state"]["draft"])


async def render(api: Api, headers, sid, render_id: str, **output: Any) -> dict[str, Any]:
    """Submit the session's draft and poll until it is final; return the last status body."""
    body: dict[str, Any] = {
        "id": render_id,
        "sessionId": sid,
        "draft": await draft_of(api, headers, sid),
    }
    if output:
        body["output"] = output
    submitted = await api.client.post(SUBMIT, json=body, headers=headers)
    assert submitted.status_code == 200, submitted.text
    seen: list[dict[str, Any]] = []

    async def final() -> bool:
        seen.append((await api.client.get(f"{SUBMIT}/{render_id}", headers=headers)).json())
        return seen[-1]["status"] in ("completed", "failed")

    await wait_for(final, within=90.0, every=0.05)
    return {"last": seen[-1], "progress": [s["progress"] for s in seen]}


async def test_sync_to_the_beat_cuts_on_the_tracks_real_bars(api: Api, tmp_path: Path) -> None:
    """The cuts come from the track's analysis, not a fixed 120-BPM guess: every bar start."""
    data, known = groove_bytes(tmp_path)
    headers, sid = await studio_session(api, tmp_path, data)
    frames = await api.turn(headers, sid, "sync the visuals to the beat, cut every bar")
    assert tool_names(frames) == ["call:edit_multitrack", "result:edit_multitrack"]
    reply = reply_of(frames)
    assert not GUI_WORDS.search(reply), reply
    video = next(t for t in (await draft_of(api, headers, sid))["t"] if t["tt"] == 0)
    starts = [segment["s"] / 1000 for segment in video["sg"]][1:]
    assert starts, video
    for start in starts:
        assert min(abs(start - bar) for bar in known.downbeats_s) <= 0.07, (start, known)


async def test_state_carries_the_music_as_the_video_plays_it(api: Api, tmp_path: Path) -> None:
    """§3.7 ``video_analyses.music``: tempo, beats and downbeats on the video's clock."""
    data, known = groove_bytes(tmp_path)
    headers, sid = await studio_session(api, tmp_path, data)
    await api.turn(headers, sid, "sync the visuals to the beat")  # a turn awaits the analysis
    music = await music_of(api, headers, sid)
    assert music["tempo_bpm"] == pytest.approx(GROOVE.bpm, rel=0.02)
    assert music["duration_s"] == pytest.approx(GROOVE.seconds, abs=0.05)
    assert_near(music["beats_s"], known.beats_s)
    assert_near(music["downbeats_s"], known.downbeats_s)
    assert len(music["energy"]) and all(0.0 <= value <= 1.0 for value in music["energy"])

    # The video uses 3.5-11.5 s of the track (edges between beats): its clock starts at 3.5 s.
    api.backend.sessions[sid].draft["m"].update(start_ms=3500, end_ms=11500)
    music = await music_of(api, headers, sid)
    assert music["duration_s"] == pytest.approx(8.0)
    expected = [t - 3.5 for t in known.downbeats_s if 3.5 <= t < 11.5]
    assert len(music["downbeats_s"]) == len(expected) == 4
    assert_near(music["downbeats_s"], expected)


async def music_of(api: Api, headers: dict[str, str], sid: str) -> dict[str, Any]:
    return dict((await api.state(headers, sid))["data"]["state"]["video_analyses"]["music"])


def assert_near(found: list[float], expected: list[float] | tuple[float, ...]) -> None:
    """As many times as expected (give or take one at an edge), each within 70 ms of one."""
    assert len(found) == pytest.approx(len(expected), abs=1), (found, expected)
    assert all(min(abs(time - want) for want in expected) <= 0.07 for time in found), found


async def test_a_request_it_cannot_do_gets_an_honest_answer(api: Api, tmp_path: Path) -> None:
    """No claim of a generated clip: the studio says what it can do, the draft is unchanged."""
    headers, sid = await studio_session(api, tmp_path)
    before = await draft_of(api, headers, sid)
    reply = reply_of(await api.turn(headers, sid, "what's the weather like in Lisbon?"))
    assert not GUI_WORDS.search(reply), reply
    assert "beat" in reply.lower()
    assert await draft_of(api, headers, sid) == before


async def test_a_render_is_the_whole_track_with_true_progress(api: Api, tmp_path: Path) -> None:
    """A real H.264 video as long as the track, 720p on request; progress rises to 100."""
    headers, sid = await studio_session(api, tmp_path)
    await api.turn(headers, sid, "make it vertical")
    result = await render(api, headers, sid, "render_whole", resolution="720p")
    last = result["last"]
    assert last["status"] == "completed", last
    assert result["progress"] == sorted(result["progress"])
    assert last["progress"] == 100
    url = last["output"]["url"]
    assert re.fullmatch(
        rf"{re.escape(api.backend.url)}/media/renders/[\w-]{{20,}}/render_whole\.mp4", url
    )
    video = await api.client.get(url)
    path = tmp_path / "out.mp4"
    path.write_bytes(video.content)
    info = probe_video(path)
    assert (info.width, info.height) == (720, 1280)
    assert info.duration == pytest.approx(GROOVE.seconds, abs=0.1)
    assert info.has_audio


async def test_render_links_use_the_public_url_when_one_is_set(api: Api, tmp_path: Path) -> None:
    """People on Discord open the admin's public address, not the loopback one."""
    api.backend.config.public_url = "https://videos.example.org/studio/"
    headers, sid = await studio_session(api, tmp_path)
    result = await render(api, headers, sid, "render_public")
    assert result["last"]["output"]["url"].startswith("https://videos.example.org/studio/media/")


async def test_cancel_mid_render_kills_ffmpeg(api: Api, tmp_path: Path) -> None:
    """Cancel ends the job as failed/cancelled and its ffmpeg process is gone at once."""
    headers, sid = await studio_session(api, tmp_path)
    body = {"id": "render_cancel", "sessionId": sid, "draft": await draft_of(api, headers, sid)}
    await api.client.post(SUBMIT, json=body, headers=headers)

    async def rendering() -> bool:
        return bool(_ffmpeg_children("render_cancel"))

    await wait_for(rendering, within=60.0)
    cancelled = (await api.client.post(f"{SUBMIT}/render_cancel/cancel", headers=headers)).json()
    assert (cancelled["status"], cancelled["error"]) == ("failed", "cancelled")
    assert _ffmpeg_children("render_cancel") == []
    assert not list(api.backend.media_dir.glob("renders/*/render_cancel.mp4*"))


def _ffmpeg_children(marker: str) -> list[int]:
    """Live (not zombie) ffmpeg processes started by this one whose command names ``marker``."""
    me = str(os.getpid())
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            status = dict(
                line.split(":\t", 1)
                for line in (proc / "status").read_text().splitlines()
                if ":\t" in line
            )
            command = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        alive = not status.get("State", "").startswith("Z")
        if status.get("PPid", "").strip() == me and alive and marker in command:
            found.append(int(proc.name))
    return found


async def test_project_and_register_links_open_pages(api: Api, tmp_path: Path) -> None:
    """The project link lists the finished video; the register link says none is needed."""
    headers, sid = await studio_session(api, tmp_path)
    result = await render(api, headers, sid, "render_page")
    state = (await api.state(headers, sid))["data"]
    claim = await api.client.post(
        "/api/auth/claim-token",
        json={"task_id": state["task_id"], "session_id": sid},
        headers=headers,
    )
    token = claim.json()["data"]["claim_token"]
    page = await api.client.get("/workspace/claim", params={"ct": token}, follow_redirects=True)
    assert page.status_code == 200
    assert result["last"]["output"]["url"] in page.text
    assert "<video" in page.text
    assert (await api.client.get("/workspace/claim", params={"ct": "clm_nope"})).status_code == 404
    register = await api.client.get("/register", params={"bind": "local_x"})
    assert register.status_code == 200
    assert "No registration needed" in register.text


async def test_studio_accounts_are_not_anonymous_and_turns_are_free(
    api: Api, tmp_path: Path
) -> None:
    """The bot reads ``local_`` as "no registration needed"; a turn costs no credits."""
    headers, sid = await studio_session(api, tmp_path)
    before = await api.credits(headers)
    await api.turn(headers, sid, "cut on every beat")
    assert await api.credits(headers) == before
    assert (await api.state(headers, sid))["data"]["user_id"].startswith("local_")


def wav_of(path: Path, seconds: float, rate: int = 8000) -> bytes:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        pytest.param("broken.mp3", lambda p: os.urandom(4096), "read", id="undecodable"),
        pytest.param("empty.wav", lambda p: wav_of(p, 0.0), "short", id="zero-seconds"),
        pytest.param(
            "long.wav",
            lambda p: wav_of(p, analysis.MAX_TRACK_SECONDS + 60, rate=800),
            "long",
            id="too-long",
        ),
    ],
)
async def test_a_track_the_studio_cannot_use_is_explained(api, tmp_path, name, make, expected):
    """The reply and the failed render say why, in words; nothing crashes."""
    headers, sid = await studio_session(api, tmp_path, make(tmp_path / name), name)
    reply = reply_of(await api.turn(headers, sid, "sync to the beat"))
    assert expected in reply.lower(), reply
    result = await render(api, headers, sid, f"render_{name.replace('.', '_')}")
    assert result["last"]["status"] == "failed"
    assert expected in result["last"]["error"].lower(), result["last"]


async def test_a_silent_track_gets_a_steady_grid_and_says_so(api: Api, tmp_path: Path) -> None:
    """No beat to find: cuts follow a steady grid, the reply says so, the render works."""
    headers, sid = await studio_session(
        api, tmp_path, wav_of(tmp_path / "quiet.wav", 6.0), "quiet.wav"
    )
    reply = reply_of(await api.turn(headers, sid, "sync to the beat"))
    assert "steady" in reply.lower(), reply
    assert (await render(api, headers, sid, "render_quiet"))["last"]["status"] == "completed"


async def test_photos_alone_make_a_video(api: Api, tmp_path: Path) -> None:
    """Images only, no track: cut on a steady grid, silent audio, still a real video."""
    headers = await api.login()
    sid = await api.session(headers)
    for colour in ("red", "blue"):
        picture = tmp_path / f"{colour}.png"
        await _still(picture, colour)
        assert (await api.upload(headers, sid, picture.name, picture.read_bytes())).json()[
            "code"
        ] == 0
    await api.turn(headers, sid, "use my photos, and trim to 4 seconds")
    result = await render(api, headers, sid, "render_photos")
    assert result["last"]["status"] == "completed", result["last"]


async def _still(path: Path, colour: str) -> None:
    import imageio_ffmpeg

    process = await asyncio.create_subprocess_exec(
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        f"color=c={colour}:s=320x240",
        "-frames:v",
        "1",
        str(path),
    )
    assert await process.wait() == 0


async def test_turns_keep_the_contract_shapes_and_switches(api: Api, tmp_path: Path) -> None:
    """Studio turns still honour the wire switches: simple SSE style and silent turns."""
    api.backend.config.sse_format = "simple"
    api.backend.config.silent_turns = "always"
    headers, sid = await studio_session(api, tmp_path)
    frames = await api.turn(headers, sid, "cut on every beat")
    assert texts(frames) == []
    assert [f.json().get("type") for f in frames if f.data] == ["tool_call", "tool_result"]


@pytest.fixture
async def backend(backend_config: BackendConfig, tmp_path: Path):
    async with LocalBackend(backend_config, media_dir=tmp_path / "media") as server:
        yield server
