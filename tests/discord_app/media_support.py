"""Judging a video by the file itself: what ffmpeg decodes from it (imageio-ffmpeg, no ffprobe)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg

FFMPEG_WAIT = 60.0
"""How long one ffmpeg run of a test may take."""

_DURATION = re.compile(r"Duration: (\d+):(\d{2}):(\d{2}\.\d+)")
_VIDEO = re.compile(r"Stream #\S+: Video: (\w+)[^\n]*?, (\w+)[^\n]*?\b(\d{2,5})x(\d{2,5})\b")
_AUDIO = re.compile(r"Stream #\S+: Audio: (\w+)")


@dataclass(frozen=True)
class Decoded:
    """A file's length, and its first video and audio streams' codecs and picture size."""

    seconds: float
    video: str | None
    pixels: str | None
    width: int | None
    height: int | None
    audio: str | None


async def ffmpeg(*args: str) -> str:
    """Run ffmpeg with ``args``; its stderr (where it describes its input)."""
    process = await asyncio.create_subprocess_exec(
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), FFMPEG_WAIT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return stderr.decode(errors="replace")


async def decode(path: Path) -> Decoded:
    """What ``ffmpeg -i`` reads from ``path``."""
    info = await ffmpeg("-i", str(path))
    duration = _DURATION.search(info)
    assert duration is not None, info
    hours, minutes, seconds = duration.groups()
    video = _VIDEO.search(info)
    audio = _AUDIO.search(info)
    return Decoded(
        seconds=int(hours) * 3600 + int(minutes) * 60 + float(seconds),
        video=video.group(1) if video else None,
        pixels=video.group(2) if video else None,
        width=int(video.group(3)) if video else None,
        height=int(video.group(4)) if video else None,
        audio=audio.group(1) if audio else None,
    )


async def make_video(path: Path, *, size: str, seconds: float, bitrate: str) -> Path:
    """A test pattern with a tone: ``size`` (``1920x1080``), H.264 at ``bitrate``, AAC."""
    await ffmpeg(
        *("-loglevel", "error", "-y"),
        *("-f", "lavfi", "-i", f"testsrc2=s={size}:r=30:d={seconds}"),
        *("-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-b:v", bitrate, "-pix_fmt", "yuv420p"),
        *("-c:a", "aac", "-b:a", "192k", "-shortest", str(path)),
    )
    return path
