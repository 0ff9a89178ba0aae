"""Helpers for the use-case tests: fast timings, new threads, event collection, media checks."""

from __future__ import annotations

import re
import subprocess
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TypeVar

import imageio_ffmpeg

from bot.core.backend_results import file_source
from bot.core.models import NewThread
from bot.core.replies import ReplyEvent, ReplyText
from bot.core.usecases import Attachment, Timings
from bot.local_backend import LocalBackend
from tests.backend.media import write_tone

#: The contract's waits, shrunk so a test takes well under a second; the rules stay the same.
#: The still-working notice is off (an hour) unless a test turns it on.
FAST = Timings(
    still_working_every=3600.0,
    recovery_waits=(0.1, 0.1, 0.1, 0.1, 0.1),
    burst_window=0.0,
    first_poll=0.05,
    billing_url="https://nemovideo.example/dashboard/billing",
)

T = TypeVar("T")

_attachment_ids = iter(range(10_000, 1_000_000))


def new_thread(thread_id: int, *, owner_user_id: int, language: str) -> NewThread:
    """A thread in no guild or channel (as the console's), to start a conversation in."""
    return NewThread(
        thread_id=thread_id,
        guild_id=0,
        parent_channel_id=0,
        owner_user_id=owner_user_id,
        language=language,
    )


async def collect(events: AsyncIterator[ReplyEvent]) -> list[ReplyEvent]:
    return [event async for event in events]


def of_type(events: Sequence[object], kind: type[T]) -> list[T]:
    return [event for event in events if isinstance(event, kind)]


def reply_text(events: Sequence[object]) -> str:
    """The agent's reply as the user saw it (the finished messages joined)."""
    return "".join("".join(event.finished) for event in events if isinstance(event, ReplyText))


def tone_attachment(tmp_path: Path, name: str = "beat.wav", seconds: float = 2.0) -> Attachment:
    path = write_tone(tmp_path / name, seconds=seconds)
    return Attachment(next(_attachment_ids), file_source(path), path.stat().st_size)


def file_attachment(path: Path) -> Attachment:
    return Attachment(next(_attachment_ids), file_source(path), path.stat().st_size)


def total_turns(backend: LocalBackend) -> int:
    """Chat messages that reached the backend, over every session (at most once each)."""
    return sum(session.turns_received for session in backend.sessions.values())


def mp4_duration(path: Path) -> float:
    """The duration ``ffmpeg -i`` reports (imageio-ffmpeg ships no ffprobe)."""
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    match = re.search(r"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)", result.stderr)
    assert match, result.stderr
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
