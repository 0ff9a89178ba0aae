"""Helpers for the local backend tests: a thin raw-HTTP API driver and SSE frame parsing.

The tests talk plain HTTP through httpx on purpose: they check the wire contract itself, not
Beatthread's NemoVideo client (which has its own tests against this server).
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import struct
import time
import wave
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bot.local_backend import LocalBackend

ATTRIBUTION = {
    "X-Skill-Source": "beatthread",
    "X-Skill-Version": "0.1.0",
    "X-Skill-Platform": "test",
}


def wav_bytes(seconds: float = 2.0, rate: int = 8000) -> bytes:
    """A mono 16-bit sine WAV, small and decodable by ffmpeg."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


@dataclass(frozen=True)
class Frame:
    """One SSE frame: ``data`` (None for a comment), ``comment`` text otherwise."""

    data: str | None
    comment: str | None = None

    def json(self) -> Any:
        assert self.data
        return json.loads(self.data)


def parse_frames(raw: str) -> list[Frame]:
    """Split an SSE body into frames (the server writes one line per frame)."""
    frames = []
    for block in raw.split("\n\n"):
        if not block:
            continue
        assert "\n" not in block, f"one line per frame expected: {block!r}"
        if block.startswith(":"):
            frames.append(Frame(data=None, comment=block[1:].strip()))
        else:
            assert block.startswith("data:"), block
            frames.append(Frame(data=block[len("data:") :].strip()))
    return frames


def texts(frames: list[Frame]) -> list[tuple[str, bool]]:
    """ADK text parts as (text, partial)."""
    out = []
    for frame in frames:
        if not frame.data:
            continue
        event = frame.json()
        for part in event.get("content", {}).get("parts", []):
            if "text" in part:
                out.append((part["text"], event.get("partial", False)))
    return out


def tool_names(frames: list[Frame]) -> list[str]:
    """ADK function call / response names, in order, as "call:name" / "result:name"."""
    out = []
    for frame in frames:
        if not frame.data:
            continue
        for part in frame.json().get("content", {}).get("parts", []):
            if "functionCall" in part:
                out.append("call:" + part["functionCall"]["name"])
            if "functionResponse" in part:
                out.append("result:" + part["functionResponse"]["name"])
    return out


async def wait_for(
    condition: Callable[[], Awaitable[bool]], *, within: float = 10.0, every: float = 0.02
) -> None:
    """Poll ``condition`` until true; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(every)


@dataclass
class Api:
    """Drives the backend over HTTP like a minimal NemoVideo client."""

    client: httpx.AsyncClient
    backend: LocalBackend

    async def token(self, client_id: str = "client-1") -> str:
        response = await self.client.post(
            "/api/auth/anonymous-token", headers={"X-Client-Id": client_id}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["data"]["token"])

    async def login(self, client_id: str = "client-1") -> dict[str, str]:
        """Headers of a fresh anonymous user (Bearer + attribution)."""
        return {"Authorization": f"Bearer {await self.token(client_id)}", **ATTRIBUTION}

    async def session(self, headers: dict[str, str]) -> str:
        response = await self.client.post(
            "/api/tasks/me/with-session/nemo_agent",
            json={"task_name": "project", "language": "en"},
            headers=headers,
        )
        assert response.json()["code"] == 0, response.text
        return str(response.json()["data"]["session_id"])

    async def upload(
        self, headers: dict[str, str], sid: str, name: str = "song.wav", data: bytes | None = None
    ) -> httpx.Response:
        content = wav_bytes() if data is None else data
        return await self.client.post(
            f"/api/upload-video/nemo_agent/me/{sid}",
            files=[("files", (name, content, "application/octet-stream"))],
            headers=headers,
        )

    async def state(self, headers: dict[str, str], sid: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=headers)
        return dict(response.json())

    async def credits(self, headers: dict[str, str]) -> dict[str, int]:
        response = await self.client.get("/api/credits/balance/simple", headers=headers)
        return dict(response.json()["data"])

    async def turn(self, headers: dict[str, str], sid: str, text: str) -> list[Frame]:
        """Send one chat turn and return every frame until the server closes the stream."""
        async with self.client.stream(
            "POST",
            "/run_sse",
            json=turn_body(sid, text),
            headers={**headers, "Accept": "text/event-stream"},
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            raw = "".join([chunk async for chunk in response.aiter_text()])
        return parse_frames(raw)

    async def ready_session(self, headers: dict[str, str]) -> str:
        """A session with one uploaded song."""
        sid = await self.session(headers)
        assert (await self.upload(headers, sid)).json()["code"] == 0
        return sid


def turn_body(sid: str, text: str) -> dict[str, Any]:
    return {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": sid,
        "new_message": {"parts": [{"text": text}]},
    }
