"""The files of a result post: the render fetched once, the video that fits, the card's frame.

:func:`prepare` fetches the render with one streamed ``GET`` whose ``Content-Length`` decides
first (nothing over the 500 MB media cap is fetched), into a temporary directory removed when
the post is done. From the fetched file it reads the card's facts and cuts the card's frame
(:mod:`bot.media_probe`), then picks the video to attach: the render itself when it fits the
upload limit, else a smaller copy (:mod:`.rendition`), else none. The frame travels in the same
upload, so its bytes count against the limit first. Anything failing on the way (the fetch, a
probe, ffmpeg) leaves out only what it would have made: a post always goes out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

import httpx
import imageio_ffmpeg

from bot.core.media import DEFAULT_MAX_BYTES, Attached
from bot.discord_app.card import THUMBNAIL_NAME, CardFacts, thumbnail_moment
from bot.discord_app.rendition import make_rendition
from bot.media_probe import VideoFacts, grab_frame, probe

__all__ = ["ATTACH_TIMEOUT", "Delivery", "Video", "prepare"]

log = logging.getLogger(__name__)

#: How long fetching the video for an attachment may take before it is posted without it.
ATTACH_TIMEOUT: Final = 30.0
#: How long reading the video's facts, and cutting its frame, may take each.
PROBE_TIMEOUT: Final = 15.0
_CHUNK: Final = 64 * 1024


@dataclass(frozen=True, slots=True)
class Video:
    """The file a result post attaches: the render itself or a smaller copy of it."""

    path: Path
    kind: Attached


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a result post carries: the video if it is attached, the card, the card's frame."""

    video: Video | None
    card: CardFacts
    thumbnail: Path | None = None


@dataclass(frozen=True, slots=True)
class _Fetched:
    """The render's declared size, and the file if all of it arrived."""

    declared: int | None
    path: Path | None


@contextlib.asynccontextmanager
async def prepare(
    http: httpx.AsyncClient | None,
    url: str,
    *,
    limit: int | None,
    title: str | None,
    downbeat_s: float | None,
) -> AsyncIterator[Delivery]:
    """The post's files, valid inside the block (rules in the module docstring).

    ``limit``: the upload limit in bytes, ``None`` if the bot may not attach files (nothing
    is fetched then); ``downbeat_s``: the music's first downbeat in the video, if known.
    """
    if http is None or limit is None:
        yield Delivery(None, CardFacts(title))
        return
    workdir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="beatthread-"))
    try:
        fetched = await _fetch_within(http, url, workdir / "render.mp4", seconds=ATTACH_TIMEOUT)
        facts, thumbnail = await _look_at(fetched.path, workdir, downbeat_s)
        card = CardFacts(title, fetched.declared, facts)
        budget = limit - (await _size(thumbnail) if thumbnail is not None else 0)
        video = await _fitting(fetched, budget, workdir)
        yield Delivery(video, card, thumbnail)
    finally:
        await asyncio.to_thread(shutil.rmtree, workdir, ignore_errors=True)


async def _look_at(
    source: Path | None, workdir: Path, downbeat_s: float | None
) -> tuple[VideoFacts | None, Path | None]:
    """The video's facts and its frame for the card, as far as ffmpeg can tell."""
    if source is None:
        return None, None
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
        facts = await probe(exe, source, time_limit=PROBE_TIMEOUT)
        if facts is None:
            log.info("the render %s has no length or no picture: a card without them", source)
            return None, None
        at_s = thumbnail_moment(downbeat_s, facts.seconds)
        out = workdir / THUMBNAIL_NAME
        grabbed = await grab_frame(exe, source, at_s, out, time_limit=PROBE_TIMEOUT)
    except (RuntimeError, OSError, TimeoutError) as error:
        # RuntimeError: imageio-ffmpeg found no ffmpeg binary.
        log.warning("could not read the render for its card: %r", error)
        return None, None
    return facts, out if grabbed else None


async def _fitting(fetched: _Fetched, budget: int, workdir: Path) -> Video | None:
    """The render as it is if it fits ``budget`` bytes, else a copy that fits, if any."""
    if fetched.path is None or fetched.declared is None or budget <= 0:
        return None
    if fetched.declared <= budget:
        return Video(fetched.path, Attached.ORIGINAL)
    copy = await make_rendition(fetched.path, workdir / "discord.mp4", budget)
    return Video(copy, Attached.SMALLER_COPY) if copy is not None else None


async def _fetch_within(
    http: httpx.AsyncClient, url: str, path: Path, *, seconds: float
) -> _Fetched:
    """:func:`_fetch` within ``seconds``; nothing fetched on any failure."""
    try:
        async with asyncio.timeout(seconds):
            return await _fetch(http, url, path)
    except (httpx.HTTPError, OSError, TimeoutError) as error:
        log.info("video at %s: not fetched (%r)", url, error)
        return _Fetched(None, None)


async def _fetch(http: httpx.AsyncClient, url: str, path: Path) -> _Fetched:
    """Stream the video to ``path`` if it declares a size within the media cap."""
    # identity: the body must be the file itself, its size the declared Content-Length.
    headers = {"Accept-Encoding": "identity"}
    async with http.stream("GET", url, headers=headers, follow_redirects=True) as response:
        response.raise_for_status()
        declared = _declared_size(response)
        if declared is None or declared > DEFAULT_MAX_BYTES:
            log.info("video at %s: size %s, not fetched", url, declared)
            return _Fetched(declared, None)
        sink = await asyncio.to_thread(path.open, "wb")
        try:
            received = await _stream_to(response, sink, declared)
        finally:
            await asyncio.to_thread(sink.close)
    if received is None:
        log.info("video at %s: more bytes than its Content-Length", url)
    elif received != declared:
        log.info("video at %s: %d of %d bytes arrived", url, received, declared)
    return _Fetched(declared, path if received == declared else None)


async def _stream_to(response: httpx.Response, sink: IO[bytes], declared: int) -> int | None:
    """Write the body to ``sink``; the bytes received, or ``None`` past ``declared``."""
    received = 0
    async for chunk in response.aiter_raw(_CHUNK):
        received += len(chunk)
        if received > declared:
            return None
        await asyncio.to_thread(sink.write, chunk)  # a disk write, off the loop
    return received


def _declared_size(response: httpx.Response) -> int | None:
    """The body's size as declared, if it is the file's (no Content-Encoding) and valid."""
    if response.headers.get("Content-Encoding", "identity") != "identity":
        return None
    try:
        size = int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None
    return size if size >= 0 else None


async def _size(path: Path) -> int:
    return (await asyncio.to_thread(path.stat)).st_size
