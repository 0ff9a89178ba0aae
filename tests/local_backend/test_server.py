"""Life cycle: start/stop, the media folder, and `serve` as a separate process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest

from bot.local_backend import LocalBackend

ROOT = Path(__file__).resolve().parents[2]


async def test_stop_removes_its_media_dir_but_not_a_given_one(tmp_path: Path) -> None:
    backend = LocalBackend()
    await backend.start()
    own = backend.media_dir
    assert own.is_dir()
    await backend.stop()
    assert not own.exists()
    given = tmp_path / "media"
    async with LocalBackend(media_dir=given) as other:
        assert other.media_dir == given
    assert given.is_dir()


async def test_url_and_double_start() -> None:
    backend = LocalBackend()
    with pytest.raises(RuntimeError):
        _ = backend.url
    url = await backend.start()
    try:
        assert url.startswith("http://127.0.0.1:")
        assert backend.url == url
        with pytest.raises(RuntimeError):
            await backend.start()
    finally:
        await backend.stop()
        await backend.stop()  # idempotent


async def test_serve_prints_url_first_and_stops_on_sigterm() -> None:
    """`beatthread local-backend`: URL on the first stdout line, clean exit on SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import asyncio; from bot.local_backend import serve; "
        "asyncio.run(serve('127.0.0.1', 0, control=True))",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        url = line.decode().strip()
        assert url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=url) as client:
            response = await client.post(
                "/api/auth/anonymous-token", headers={"X-Client-Id": "proc"}
            )
            assert response.json()["code"] == 0
            records = (await client.get("/_control/requests")).json()
            assert len(records) == 1
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, stderr.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
