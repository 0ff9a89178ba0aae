"""Reading a video file with ffmpeg: its length and picture size, and one frame as a picture.

imageio-ffmpeg ships no ffprobe, so :func:`probe` reads ``Duration:`` and the first video
stream's size from what ``ffmpeg -i`` says about the file; :func:`grab_frame` decodes the frame
at a moment into a small JPEG. Both run ffmpeg through :func:`bot.ffmpeg.run_ffmpeg` (one
process, killed when the caller stops waiting). A file that does not tell (no picture, not a
video) gives ``None`` / ``False``; ffmpeg failing to start (``OSError``) or overrunning its
``time_limit`` (``TimeoutError``) is the caller's to handle.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.ffmpeg import run_ffmpeg

__all__ = ["FRAME_BOX", "VideoFacts", "grab_frame", "probe"]

#: The largest side of a grabbed frame, in pixels (a thumbnail, not a still of the video).
FRAME_BOX: Final = 320
_DURATION: Final = re.compile(rb"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_PICTURE: Final = re.compile(rb"Stream #[^\n]*Video:[^\n]*?\b(\d{2,5})x(\d{2,5})\b")


@dataclass(frozen=True, slots=True)
class VideoFacts:
    """A video's length (the container's, in seconds) and its picture size in pixels."""

    seconds: float
    width: int
    height: int


async def probe(exe: str, path: Path, *, time_limit: float | None = None) -> VideoFacts | None:
    """The length and picture size of ``path``; ``None`` if it has no length or no picture."""
    _, stderr = await run_ffmpeg(
        exe, ["-hide_banner", "-nostdin", "-i", str(path)], time_limit=time_limit
    )
    duration = _DURATION.search(stderr)
    picture = _PICTURE.search(stderr)
    if duration is None or picture is None:
        return None
    hours, minutes, seconds = duration.groups()
    length = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return VideoFacts(length, int(picture.group(1)), int(picture.group(2)))


async def grab_frame(
    exe: str,
    path: Path,
    at_s: float,
    out: Path,
    *,
    box: int = FRAME_BOX,
    time_limit: float | None = None,
) -> bool:
    """Write the first frame of ``path`` at or after ``at_s`` to ``out`` (a JPEG within ``box``).

    ``False`` when ffmpeg wrote no picture (nothing decodable at that moment).
    """
    # -ss before -i seeks the input; ffmpeg then decodes up to the exact moment (accurate seek),
    # so the frame is the one starting there (a cut on a downbeat: its first frame), not the
    # keyframe before it.
    fit = f"scale={box}:{box}:force_original_aspect_ratio=decrease"
    args = [
        *("-hide_banner", "-nostdin", "-loglevel", "error", "-y"),
        *("-ss", f"{max(at_s, 0.0):.3f}", "-i", str(path)),
        *("-map", "0:v:0", "-frames:v", "1", "-vf", fit, "-q:v", "3", "-f", "mjpeg", str(out)),
    ]
    code, _ = await run_ffmpeg(exe, args, time_limit=time_limit)
    if code != 0:
        return False
    try:
        size = (await asyncio.to_thread(out.stat)).st_size
    except FileNotFoundError:
        return False
    return size > 0
