"""§3.5 uploads: streamed multipart, URL fetching, type and size rules, state effects."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import imageio_ffmpeg
import pytest
from aiohttp import web

from bot.local_backend import Fault
from tests.local_backend.support import Api, wav_bytes

MIB = 1024 * 1024


@pytest.fixture(scope="session")
def tiny_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real 1 s 160x90 H.264 clip."""
    out = tmp_path_factory.mktemp("media") / "clip.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x90:rate=10:duration=1",
            "-pix_fmt",
            "yuv420p",
            str(out),
        ],
        check=True,
    )
    return out.read_bytes()


@pytest.fixture
async def file_server() -> AsyncIterator[str]:
    """A separate real HTTP server the backend fetches URL uploads from."""
    song = wav_bytes()

    async def file(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name == "missing.mp3":
            return web.Response(status=404)
        if name == "big.mp4":
            return web.Response(body=b"\0" * (2 * MIB), content_type="video/mp4")
        if name == "notes":
            return web.Response(text="hello", content_type="text/plain")
        return web.Response(body=song, content_type="audio/wav")

    app = web.Application()
    app.router.add_get("/files/{name}", file)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


def _uploads(api: Api) -> list[Path]:
    return [p for p in (api.backend.media_dir / "uploads").rglob("*") if p.is_file()]


async def test_audio_upload_response_and_state(api: Api) -> None:
    """§3.5 fields, a working cdn_url, and the song as a BGM track in the draft."""
    headers = await api.login()
    sid = await api.session(headers)
    response = await api.upload(headers, sid, name="My Song.wav")
    body = response.json()
    assert body["code"] == 0
    assert body["data"]["session_state_applied"] is True
    (file,) = body["data"]["files"]
    assert file["filename"] == "My Song.wav"
    assert file["file_type"] == "audio"
    assert file["duration"] == pytest.approx(2.0, abs=0.05)
    fetched = await api.client.get(file["cdn_url"])
    assert fetched.content == wav_bytes()
    digest = hashlib.sha256(wav_bytes()).hexdigest()
    assert api.backend.uploaded_digest(sid, "My Song.wav") == digest
    with pytest.raises(KeyError):
        api.backend.uploaded_digest(sid, "other.wav")
    state = (await api.state(headers, sid))["data"]["state"]
    assert state["video_infos"] == [file]
    (track,) = state["draft"]["t"]
    assert track["tt"] == 1
    assert track["sg"][0]["m"] == {"name": "My Song", "volume": 1.0, "url": file["cdn_url"]}
    assert track["sg"][0]["d"] == 2000


async def test_several_files_in_one_request(api: Api, tiny_mp4: bytes) -> None:
    """The repeatable files field; video gets width/height and lands on the tt 0 track."""
    headers = await api.login()
    sid = await api.session(headers)
    response = await api.client.post(
        f"/api/upload-video/nemo_agent/me/{sid}",
        files=[
            ("files", ("clip.mp4", tiny_mp4, "video/mp4")),
            ("files", ("cover.JPEG", b"\xff\xd8\xff not really", "image/jpeg")),
            ("note", (None, "ignored field")),
            ("files", ("beat.mp3", b"ID3 not really", "audio/mpeg")),
        ],
        headers=headers,
    )
    files = response.json()["data"]["files"]
    assert [f["file_type"] for f in files] == ["video", "image", "audio"]
    video = files[0]
    assert (video["width"], video["height"]) == (160, 90)
    assert video["duration"] == pytest.approx(1.0, abs=0.1)
    assert files[2]["duration"] == 0  # undecodable: unknown duration, not an error
    draft = api.backend.draft(sid)
    assert [t["tt"] for t in draft["t"]] == [0, 1]
    assert [s["m"]["name"] for s in draft["t"][0]["sg"]] == ["clip", "cover"]


@pytest.mark.parametrize("name", ["notes.txt", "archive.zip", "noextension", "photo.heic"])
async def test_unsupported_type_is_4001_and_nothing_kept(api: Api, name: str) -> None:
    headers = await api.login()
    sid = await api.session(headers)
    response = await api.upload(headers, sid, name=name, data=b"x" * 100)
    assert response.json()["code"] == 4001
    assert _uploads(api) == []
    assert api.backend.draft(sid) == {}


async def test_request_is_all_or_nothing(api: Api) -> None:
    """A bad second file removes the first one too."""
    headers = await api.login()
    sid = await api.session(headers)
    response = await api.client.post(
        f"/api/upload-video/nemo_agent/me/{sid}",
        files=[("files", ("a.wav", wav_bytes(), "audio/wav")), ("files", ("b.exe", b"x", "x/y"))],
        headers=headers,
    )
    assert response.json()["code"] == 4001
    assert _uploads(api) == []


async def test_over_cap_upload_is_4002(api: Api) -> None:
    """A body bigger than the cap, streamed by the client, is refused and not kept."""
    api.backend.config.max_upload_bytes = MIB
    headers = await api.login()
    sid = await api.session(headers)
    boundary = "cap-test"

    async def body() -> AsyncIterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="big.mp4"\r\n\r\n'
        ).encode()
        for _ in range(8):
            yield b"\1" * (MIB // 2)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await api.client.post(
        f"/api/upload-video/nemo_agent/me/{sid}",
        content=body(),
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.json()["code"] == 4002
    assert _uploads(api) == []


async def test_cap_is_enforced_before_the_body_ends(api: Api) -> None:
    """The 4002 answer arrives while most of the declared body was never sent."""
    api.backend.config.max_upload_bytes = MIB
    headers = await api.login()
    sid = await api.session(headers)
    boundary = "early"
    part = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="x.mov"\r\n\r\n'
    ).encode()
    declared = len(part) + 100 * MIB
    host, port = api.backend.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            (
                f"POST /api/upload-video/nemo_agent/me/{sid} HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: {headers['Authorization']}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {declared}\r\n\r\n"
            ).encode()
            + part
            + b"\2" * (2 * MIB)
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        assert head.startswith(b"HTTP/1.1 200")
        length = int(
            next(
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        payload = await reader.readexactly(length)
        assert b'"code": 4002' in payload
    finally:
        writer.close()
        await writer.wait_closed()
    assert _uploads(api) == []


async def test_upload_drop_fault_aborts_mid_request(api: Api) -> None:
    """An upload drop fault: the connection dies while the body is being sent."""
    headers = await api.login()
    sid = await api.session(headers)
    api.backend.inject(Fault(route="upload", drop_after_events=1))
    with pytest.raises(httpx.TransportError):
        await api.upload(headers, sid, name="big.mp4", data=b"\3" * (8 * MIB))
    assert _uploads(api) == []
    assert (await api.upload(headers, sid)).json()["code"] == 0  # only one request affected


async def test_malformed_multipart_is_400(api: Api) -> None:
    headers = await api.login()
    sid = await api.session(headers)
    response = await api.client.post(
        f"/api/upload-video/nemo_agent/me/{sid}",
        content=b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.mp3"\r\n\r\nabc',
        headers={**headers, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 400
    assert _uploads(api) == []


async def test_wrong_content_type_is_400(api: Api) -> None:
    headers = await api.login()
    sid = await api.session(headers)
    response = await api.client.post(
        f"/api/upload-video/nemo_agent/me/{sid}", content=b"raw", headers=headers
    )
    assert response.status_code == 400


async def test_url_upload_fetches_and_applies(api: Api, file_server: str) -> None:
    """JSON form: the server fetches the URL itself; type from extension or Content-Type."""
    headers = await api.login()
    sid = await api.session(headers)
    response = await api.client.post(
        f"/api/upload-video/nemo_agent/me/{sid}",
        json={
            "urls": [f"{file_server}/files/track.wav", f"{file_server}/files/stream"],
            "source_type": "url",
        },
        headers=headers,
    )
    files = response.json()["data"]["files"]
    assert [f["filename"] for f in files] == ["track.wav", "stream.wav"]
    assert all(f["file_type"] == "audio" for f in files)
    assert files[0]["duration"] == pytest.approx(2.0, abs=0.05)
    assert (await api.client.get(files[1]["cdn_url"])).content == wav_bytes()
    assert len(api.backend.draft(sid)["t"]) == 2


@pytest.mark.parametrize(
    ("path", "code"),
    [("missing.mp3", 4003), ("notes", 4001), ("big.mp4", 4002)],
)
async def test_url_upload_errors(api: Api, file_server: str, path: str, code: int) -> None:
    api.backend.config.max_upload_bytes = MIB
    headers = await api.login()
    sid = await api.session(headers)
    response = await api.client.post(
        f"/api/upload-video/nemo_agent/me/{sid}",
        json={"urls": [f"{file_server}/files/track.wav", f"{file_server}/files/{path}"]},
        headers=headers,
    )
    assert response.json()["code"] == code
    assert _uploads(api) == []


async def test_url_upload_unreachable_host_is_4003(api: Api) -> None:
    headers = await api.login()
    sid = await api.session(headers)
    response = await api.client.post(
        f"/api/upload-video/nemo_agent/me/{sid}",
        json={"urls": ["http://127.0.0.1:1/x.mp3"], "source_type": "url"},
        headers=headers,
    )
    body = response.json()
    assert body["code"] == 4003
    assert "URL 1" in body["message"]


@pytest.mark.parametrize(
    "body",
    [{"urls": []}, {"urls": "http://x/a.mp3"}, {"urls": ["http://x/a.mp3"], "source_type": "file"}],
)
async def test_url_upload_bad_body_is_400(api: Api, body: dict[str, object]) -> None:
    headers = await api.login()
    sid = await api.session(headers)
    response = await api.client.post(
        f"/api/upload-video/nemo_agent/me/{sid}", json=body, headers=headers
    )
    assert response.status_code == 400
