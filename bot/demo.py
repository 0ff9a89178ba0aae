"""``beatthread demo``: the whole flow on one machine, with no accounts.

It starts the local NemoVideo-compatible backend in-process on a free loopback port, a
temporary SQLite database, and the terminal console against them, then uploads a track (the
one given, or a generated tone) so the conversation starts where a Discord user's would.
Everything lives in one temporary directory, removed at exit.
"""

from __future__ import annotations

import asyncio
import math
import struct
import tempfile
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.console import run_console
from bot.local_backend import BackendConfig, LocalBackend
from bot.services import console_polling, open_services

#: The generated track: long enough to cut to, short enough to render in seconds.
TONE_SECONDS = 8.0
TONE_RATE = 22_050
TONE_BPM = 120
#: The local backend renders in a few seconds: look at a render after a second, not after 15.
DEMO_FIRST_POLL = 1.0


async def run_demo(
    settings: Settings,
    lines: AsyncIterator[str],
    out: TextIO,
    *,
    audio: Path | None = None,
    language: str = "en",
) -> int:
    """Run the demo conversation; return the exit code."""
    with tempfile.TemporaryDirectory(prefix="beatthread-demo-") as scratch:
        root = Path(scratch)
        async with LocalBackend(BackendConfig(), media_dir=root / "backend") as backend:
            local = settings.model_copy(
                update={
                    "nemo_api_url": backend.url,
                    # Project and register links point at the local server: no real account.
                    "nemo_web_url": backend.url,
                    "nemo_token": None,
                    "nemo_client_id": None,
                    "database_url": f"sqlite+aiosqlite:///{root / 'demo.db'}",
                }
            )
            track = audio or await asyncio.to_thread(write_tone, root / "demo-beat.wav")
            async with open_services(local, platform="terminal") as services:
                use_cases = services.use_cases()
                poller = services.poller_factory(use_cases, console_polling(DEMO_FIRST_POLL))
                return await run_console(
                    use_cases, poller, lines, out, language=language, initial_upload=track
                )


def write_tone(path: Path, seconds: float = TONE_SECONDS, rate: int = TONE_RATE) -> Path:
    """A mono 16-bit WAV: a 220 Hz tone with a click on every beat, so there is a beat to sync."""
    samples_per_beat = int(rate * 60 / TONE_BPM)
    frames = bytearray()
    for n in range(int(seconds * rate)):
        since_beat = n % samples_per_beat
        click = math.exp(-since_beat / (rate * 0.01)) * math.sin(2 * math.pi * 1000 * n / rate)
        tone = 0.3 * math.sin(2 * math.pi * 220 * n / rate)
        frames += struct.pack("<h", int(12_000 * (tone + 0.6 * click)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return path
