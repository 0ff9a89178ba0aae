"""Discord attachments as upload sources: streamed from the CDN, never held in memory.

* :func:`read_head` asks the CDN for the first bytes only (``Range: bytes=0-63``) and closes
  the response after them, whether or not the server honoured the range, so checking a 500 MB
  file costs 64 bytes.
* :func:`cdn_source` is an :class:`~bot.core.backend_results.UploadSource` whose every
  ``open()`` is a fresh streamed GET of the attachment's URL: the backend upload (and a
  re-upload after a lost session) reads it chunk by chunk.
* :func:`as_attachment` adds the URL, so the use case offers the backend the URL first.

The HTTP client is the one the composition root opened; nothing here opens or closes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import httpx

from bot.core.backend_results import UploadSource
from bot.core.media import HEADER_BYTES
from bot.core.usecases import Attachment

_TIMEOUT = httpx.Timeout(30.0, read=300.0)


async def read_head(http: httpx.AsyncClient, url: str, size: int = HEADER_BYTES) -> bytes:
    """The first ``size`` bytes at ``url`` (fewer for a shorter file)."""
    head = b""
    headers = {"Range": f"bytes=0-{size - 1}"}
    async with http.stream("GET", url, headers=headers, timeout=_TIMEOUT) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            head += chunk[: size - len(head)]
            if len(head) >= size:
                break
    return head


def cdn_source(http: httpx.AsyncClient, attachment: discord.Attachment) -> UploadSource:
    """``attachment`` as a re-openable stream from the CDN."""
    url = attachment.url

    async def open_stream() -> AsyncIterator[bytes]:
        async with http.stream("GET", url, timeout=_TIMEOUT) as response:
            response.raise_for_status()
            async for chunk in response.aiter_bytes():
                yield chunk

    return UploadSource(
        filename=attachment.filename,
        open=open_stream,
        size=attachment.size,
        content_type=attachment.content_type,
    )


def as_attachment(http: httpx.AsyncClient, attachment: discord.Attachment) -> Attachment:
    """The use cases' view of a Discord attachment: id, stream, size and URL."""
    return Attachment(
        attachment_id=attachment.id,
        source=cdn_source(http, attachment),
        size=attachment.size,
        url=attachment.url,
    )
