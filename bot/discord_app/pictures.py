"""The timeline picture beside the text summary: drawn off the event loop, sent as a PNG.

The text always goes out (screen readers and search read it; it is the one full account):

* the picture is drawn by :func:`bot.pictures.draw_session` (Pillow, ~40 ms of CPU) in a
  worker thread, so the gateway's heartbeat and the other threads' turns never wait on it;
* one drawing at a time in the process, and the last :data:`CACHED_PICTURES` are kept: a
  burst of presses on one thread's Show timeline draws it once, and a burst over many threads
  takes one worker's share of the CPU, not every core's (acknowledging interactions comes
  first);
* a picture that fails to draw is logged and left out;
* a message Discord refuses with the file (no Attach Files permission in the thread, a body
  it will not take) is sent again without it, and one log line says why.
"""

from __future__ import annotations

import asyncio
import io
import logging
import threading
from collections import OrderedDict
from typing import Any, Final

import discord

from bot.core.backend_results import MusicAnalysis
from bot.core.replies import TimelineSummary
from bot.core.timeline import Timeline
from bot.discord_app.errors import Send, describe
from bot.pictures import draw_session

log = logging.getLogger(__name__)

FILENAME: Final = "timeline.png"
#: Pictures kept, newest used last out (tens of KB each).
CACHED_PICTURES: Final = 64

_Key = tuple[Timeline, MusicAnalysis | None, str]


class _Desk:
    """Draws one picture at a time and remembers the latest; safe from any thread."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._drawn: OrderedDict[_Key, bytes] = OrderedDict()
        self._memory = threading.Lock()
        self._drawing = threading.Lock()

    def cached(self, key: _Key) -> bytes | None:
        """The PNG drawn for ``key`` before, if it is still kept."""
        with self._memory:
            png = self._drawn.get(key)
            if png is not None:
                self._drawn.move_to_end(key)
            return png

    def draw(self, key: _Key) -> bytes:
        """The PNG for ``key``: drawn now (in the calling worker thread) unless another just did."""
        with self._drawing:
            png = self.cached(key)
            if png is None:
                timeline, music, lang = key
                png = draw_session(timeline, music, lang=lang).png
                with self._memory:
                    self._drawn[key] = png
                    while len(self._drawn) > self._capacity:
                        self._drawn.popitem(last=False)
            return png


_DESK: Final = _Desk(CACHED_PICTURES)


async def timeline_file(summary: TimelineSummary, lang: str) -> discord.File | None:
    """``summary``'s timeline drawn in ``lang``; ``None`` without one or when drawing fails."""
    if summary.timeline is None:
        return None
    key: _Key = (summary.timeline, summary.music, lang)
    png = _DESK.cached(key)
    if png is None:
        try:
            png = await asyncio.to_thread(_DESK.draw, key)
        except Exception:  # the picture is extra: the text is sent without it
            log.exception("drawing the timeline picture failed; sending the text alone")
            return None
    return discord.File(io.BytesIO(png), filename=FILENAME)


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
