"""``beatthread demo``: the whole flow on one machine, with no accounts.

It starts the local studio (the NemoVideo-compatible backend) in-process on a free loopback
port, a temporary SQLite database, and the terminal console against them, then uploads a track
(the one given, or a generated groove with known beats) so the conversation starts where a
Discord user's would. Everything lives in one temporary directory, removed at exit, except the
finished videos: each is saved in the current directory under a new name, its path printed.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.console import run_console
from bot.core.models import ExportJob
from bot.local_backend import BackendConfig, LocalBackend
from bot.saving import save_video
from bot.services import console_polling, open_services
from bot.studio import synth

#: The saved video's file name (numbered when taken: never overwritten).
SAVED_STEM = "beatthread-video"
#: The local backend renders in a few seconds: look at a render after a second, not after 15.
DEMO_FIRST_POLL = 1.0


async def run_demo(
    settings: Settings,
    lines: AsyncIterator[str],
    out: TextIO,
    *,
    audio: Path | None = None,
    language: str | None = None,
    save_to: Path | None = None,
) -> int:
    """Run the demo conversation; return the exit code.

    Each finished video is also saved in ``save_to`` (default: the current directory), because
    the links end with the demo.
    """
    save_to = save_to or Path.cwd()
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
                    "export_first_poll": DEMO_FIRST_POLL,
                }
            )
            track = audio or await asyncio.to_thread(write_demo_track, root / "demo-beat.wav")
            async with open_services(local, platform="terminal") as services:
                use_cases = services.use_cases()
                poller = services.poller_factory(use_cases, console_polling(local))

                async def save(job: ExportJob, url: str) -> Path:
                    return await save_video(services.http, url, save_to, SAVED_STEM)

                return await run_console(
                    use_cases,
                    poller,
                    lines,
                    out,
                    language=language,
                    initial_upload=track,
                    save=save,
                )


def write_demo_track(path: Path) -> Path:
    """The demo's own track: a short 120-BPM groove with known beats (:data:`synth.DEMO`)."""
    synth.write_track(path, synth.DEMO)
    return path
