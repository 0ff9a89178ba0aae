"""Discord attachments as upload sources: streamed from the CDN, never held in memory.

* :func:`cdn_source` is an :class:`~bot.core.backend_results.UploadSource` whose every
  ``open()`` is a fresh streamed GET of the attachment's URL. The check reads the first bytes
  of one such stream and the backend upload goes on with it (:mod:`bot.core.usecases.uploads`),
  so an attachment costs one GET; another ``open()`` is a re-upload after a lost session.
* :func:`as_attachment` adds the URL, so the use case offers the backend the URL first.

The HTTP client is the one the composition root opened; nothing here opens or closes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import httpx

from bot.core.backend_results import UploadSource
from bot.core.usecases import Attachment

_TIMEOUT = httpx.Timeout(30.0, read=300.0)


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
