"""The timeline picture beside the text summary: drawn off the event loop, sent as a PNG.

The text always goes out (screen readers and search read it; it is the one full account):

* the picture is drawn by :func:`bot.pictures.draw_timeline` (Pillow, ~40 ms of CPU) in a
  worker thread, so the gateway's heartbeat and the other threads' turns never wait on it;
* a picture that fails to draw is logged and left out;
* a message Discord refuses with the file (no Attach Files permission in the thread, a body
  it will not take) is sent again without it, and one log line says why.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any, Final

import discord

from bot.core.replies import TimelineSummary
from bot.discord_app.errors import Send, describe
from bot.pictures import draw_timeline

log = logging.getLogger(__name__)

FILENAME: Final = "timeline.png"


async def timeline_file(summary: TimelineSummary, lang: str) -> discord.File | None:
    """``summary``'s timeline drawn in ``lang``; ``None`` without one or when drawing fails."""
    if summary.timeline is None:
        return None
    try:
        picture = await asyncio.to_thread(draw_timeline, summary.timeline, lang=lang)
    except Exception:  # the picture is extra: the text is sent without it
        log.exception("drawing the timeline picture failed; sending the text alone")
        return None
    return discord.File(io.BytesIO(picture.png), filename=FILENAME)


async def send_with_picture(
    send: Send, doing: str, content: str, picture: discord.File | None, **options: Any
) -> None:
    """``send(content, file=picture, **options)``; refused with the file, again without it.

    ``doing`` names the message in the log line. A message that is gone (``NotFound``) is not
    sent again, and an error on the text-only send is the caller's to handle.
    """
    if picture is not None:
        try:
            await send(content, file=picture, **options)
        except discord.NotFound:
            raise
        except discord.HTTPException as error:
            log.warning("%s: picture refused (%s), sending the text", doing, describe(error))
        else:
            return
    await send(content, **options)
