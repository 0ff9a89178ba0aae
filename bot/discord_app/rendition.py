"""A smaller copy of a finished video, sized to an upload limit: one ffmpeg run (two at most).

:func:`make_rendition` reads the source's length and size (:func:`bot.media_probe.probe`),
asks :func:`bot.core.media.rendition_plan` for bitrates and a height, and encodes H.264
(``yuv420p``, rate-capped with ``-maxrate``/``-bufsize``) with AAC audio and ``+faststart``,
so the copy plays in Discord while it loads. A copy that still comes out over
the limit gets one second try with :data:`~bot.core.media.RENDITION_RETRY_MARGIN`. ``None``:
no copy fits (too long for the limit, an undecodable source, ffmpeg failing or taking longer
than :data:`RENDITION_TIMEOUT`); the caller posts without the video then.

ffmpeg runs as an asyncio subprocess, so the event loop never waits on it, and it is killed
when the caller stops waiting (timeout, cancellation at shutdown). It lives in the Discord
front end because only Discord posts files with a size limit; the terminal prints the link.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Final

import imageio_ffmpeg

from bot.core.media import RENDITION_RETRY_MARGIN, RenditionPlan, rendition_plan
from bot.ffmpeg import last_line, run_ffmpeg
from bot.media_probe import probe

log = logging.getLogger(__name__)

RENDITION_TIMEOUT: Final = 600.0
"""How long making a copy may take, both tries together (a 3-minute 1080p track takes ~2)."""

#: x264's speed/quality trade: "veryfast" keeps a whole track on two cores within minutes.
_PRESET: Final = "veryfast"


class RenditionError(Exception):
    """ffmpeg could not read the source or write the copy."""


async def make_rendition(
    source: Path, out: Path, max_bytes: int, *, time_limit: float = RENDITION_TIMEOUT
) -> Path | None:
    """Write a copy of ``source`` of at most ``max_bytes`` to ``out``; ``None`` if none fits."""
    try:
        async with asyncio.timeout(time_limit):
            return await _fit(imageio_ffmpeg.get_ffmpeg_exe(), source, out, max_bytes)
    except (RenditionError, RuntimeError, OSError, TimeoutError) as error:
        # RuntimeError: imageio-ffmpeg found no ffmpeg binary.
        log.warning("no copy of %s for a %d-byte limit: %r", source.name, max_bytes, error)
        return None


async def _fit(exe: str, source: Path, out: Path, max_bytes: int) -> Path | None:
    """Probe, encode, and encode once more tighter if the first copy is too large."""
    probed = await probe(exe, source)
    if probed is None:
        raise RenditionError("the source has no length or no picture")
    short_side = min(probed.width, probed.height)
    first = rendition_plan(max_bytes, probed.seconds, short_side)
    retry = rendition_plan(max_bytes, probed.seconds, short_side, margin=RENDITION_RETRY_MARGIN)
    source_size = await _size(source)
    for attempt, plan in enumerate((first, retry), start=1):
        if plan is None:
            log.info(
                "no copy of a %.1f s, %d-byte video fits a %d-byte upload limit",
                probed.seconds,
                source_size,
                max_bytes,
            )
            return None
        await _encode(exe, source, out, plan, portrait=probed.height > probed.width)
        size = await _size(out)  # no file (ffmpeg wrote none): OSError
        if size <= max_bytes:
            log.info(
                "made a %d-byte copy (%dp, %d kbps video, %d kbps audio, try %d) of a "
                "%d-byte video for a %d-byte upload limit",
                size,
                plan.height,
                plan.video_bps // 1000,
                plan.audio_bps // 1000,
                attempt,
                source_size,
                max_bytes,
            )
            return out
        log.info(
            "copy try %d came out at %d bytes, over the %d-byte limit", attempt, size, max_bytes
        )
    return None


async def _encode(
    exe: str, source: Path, out: Path, plan: RenditionPlan, *, portrait: bool
) -> None:
    """One ffmpeg run: ``source`` to an MP4 at ``out`` with ``plan``'s bitrates and height."""
    # -2: the other side follows the aspect ratio, rounded to an even number (yuv420p needs
    # it); setsar=1 keeps pixels square after that rounding.
    scale = f"scale={plan.height}:-2" if portrait else f"scale=-2:{plan.height}"
    args = [
        *("-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source)),
        *("-map", "0:v:0", "-map", "0:a:0?", "-vf", f"{scale},setsar=1,format=yuv420p"),
        *("-c:v", "libx264", "-preset", _PRESET),
        *("-b:v", str(plan.video_bps), "-maxrate", str(plan.video_bps)),
        *("-bufsize", str(plan.buffer_bits)),
        *("-c:a", "aac", "-b:a", str(plan.audio_bps)),
        *("-movflags", "+faststart", "-f", "mp4", str(out)),
    ]
    code, stderr = await run_ffmpeg(exe, args)
    if code != 0:
        raise RenditionError(f"ffmpeg exited with {code}: {last_line(stderr)}")


async def _size(path: Path) -> int:
    return (await asyncio.to_thread(path.stat)).st_size
