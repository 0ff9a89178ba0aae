"""Test media: small videos made with ffmpeg (imageio-ffmpeg) for the rendition tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

import imageio_ffmpeg

FFMPEG_WAIT = 60.0
"""How long one ffmpeg run of a test may take."""


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
