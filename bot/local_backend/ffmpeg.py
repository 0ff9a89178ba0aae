"""Running the ffmpeg binary from imageio-ffmpeg: media probing and preview MP4 encoding.

Both run as asyncio subprocesses so the event loop never blocks, both have a timeout, and a
cancelled caller kills the process (render cancel and server stop rely on this).

* :func:`probe` reads ``Duration:`` and the first video stream's size and frame rate from
  ``ffmpeg -i`` (no ffprobe ships with imageio-ffmpeg). Undecodable files give zeros.
* :func:`encode_preview` makes a real, playable MP4: a waveform picture (``showwaves``) of the
  session's music, or of a 440 Hz tone when there is none, at 320x180 and 15 fps, H.264
  (``libx264``, else ``mpeg4``) with AAC audio and ``+faststart``. It writes to a temporary
  name and renames at the end, so a finished path is always a complete file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.ffmpeg import last_line, run_ffmpeg

PREVIEW_SIZE = "320x180"
PREVIEW_FPS = 15

_DURATION = re.compile(rb"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_VIDEO = re.compile(rb"Stream #[^\n]*Video:[^\n]*?\b(\d{2,5})x(\d{2,5})\b([^\n]*)")
_FPS = re.compile(rb"(\d+(?:\.\d+)?) fps")

_h264: dict[str, bool] = {}


class EncodeError(Exception):
    """ffmpeg could not produce the preview."""


@dataclass(frozen=True)
class Probe:
    """What ``ffmpeg -i`` told us about a file."""

    duration: float = 0.0
    width: int | None = None
    height: int | None = None
    fps: float | None = None


async def probe(exe: str, path: Path, *, time_limit: float = 15.0) -> Probe:
    """Duration (s) and, for pictures, size and frame rate of ``path``; zeros if unknown."""
    try:
        args = ["-hide_banner", "-nostdin", "-i", str(path)]
        _, stderr = await run_ffmpeg(exe, args, time_limit=time_limit)
    except (TimeoutError, OSError):
        return Probe()
    duration = 0.0
    if match := _DURATION.search(stderr):
        hours, minutes, seconds = match.groups()
        duration = round(int(hours) * 3600 + int(minutes) * 60 + float(seconds), 3)
    video = _VIDEO.search(stderr)
    if video is None:
        return Probe(duration=duration)
    fps_match = _FPS.search(video.group(3))
    return Probe(
        duration=duration,
        width=int(video.group(1)),
        height=int(video.group(2)),
        fps=float(fps_match.group(1)) if fps_match else None,
    )


async def encode_preview(
    exe: str, out: Path, audio: Path | None, seconds: float, *, time_limit: float = 120.0
) -> None:
    """Write a ``seconds`` long MP4 to ``out``; raise :class:`EncodeError` on failure."""
    seconds = max(0.5, seconds)
    if audio is not None:
        source = ["-t", f"{seconds:.3f}", "-i", str(audio)]
    else:
        source = ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]
    video_codec = (
        ["-c:v", "libx264", "-preset", "ultrafast"] if await _has_h264(exe) else ["-c:v", "mpeg4"]
    )
    tmp = out.with_name(out.name + ".part")
    args = [
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        *source,
        "-filter_complex",
        f"[0:a]showwaves=s={PREVIEW_SIZE}:mode=cline:rate={PREVIEW_FPS}:colors=0x66ccff,"
        "format=yuv420p[v]",
        "-map",
        "[v]",
        "-map",
        "0:a",
        *video_codec,
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "-t",
        f"{seconds:.3f}",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(tmp),
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        code, stderr = await run_ffmpeg(exe, args, time_limit=time_limit)
    except (TimeoutError, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise EncodeError(f"encoder did not finish: {exc!r}") from exc
    if code != 0 or not tmp.exists():
        tmp.unlink(missing_ok=True)
        raise EncodeError(f"encoder exited with {code}: {last_line(stderr)}")
    tmp.replace(out)


async def _has_h264(exe: str) -> bool:
    if exe not in _h264:
        try:
            _, out = await run_ffmpeg(
                exe, ["-hide_banner", "-encoders"], time_limit=15.0, merge=True
            )
        except (TimeoutError, OSError):
            out = b""
        _h264[exe] = b"libx264" in out
    return _h264[exe]
