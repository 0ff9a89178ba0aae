"""Saving a finished video to a local folder, streamed, under a name that is new.

The demo's links die when it exits, so it also keeps the MP4: ``beatthread-video.mp4``, then
``beatthread-video-2.mp4`` and so on. The file is created exclusively (``"xb"``), so an existing
file is never overwritten, even by a race; a failed download leaves no partial file behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import httpx

#: Bytes per write while streaming the download.
CHUNK_BYTES = 1 << 20
#: How many numbered names are tried before giving up (a folder full of earlier videos).
MAX_NAMES = 10_000


async def save_video(http: httpx.AsyncClient, url: str, folder: Path, stem: str) -> Path:
    """Download ``url`` into ``folder`` as ``<stem>.mp4`` (or the next free numbered name)."""
    path, handle = _new_file(folder, stem)
    try:
        with handle:
            async with http.stream("GET", url) as response:
                response.raise_for_status()
                async for chunk in response.aiter_bytes(CHUNK_BYTES):
                    handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _new_file(folder: Path, stem: str) -> tuple[Path, IO[bytes]]:
    for number in range(1, MAX_NAMES + 1):
        path = folder / (f"{stem}.mp4" if number == 1 else f"{stem}-{number}.mp4")
        try:
            return path, path.open("xb")
        except FileExistsError:
            continue
    raise FileExistsError(f"no free file name for {stem}.mp4 in {folder}")
