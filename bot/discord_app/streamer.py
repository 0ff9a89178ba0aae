"""Streamed replies in Discord: one live message per piece, edited under the shared limiter.

The events are :class:`bot.core.replies.ReplyText`, already cut into message-sized pieces by
the core's chunker (``finished`` pieces are final; ``current`` is the piece still growing).
Rules:

* The first text of a piece is sent as a new message; later text of the same piece edits it,
  both when :class:`~bot.discord_app.limiter.MessageLimiter` allows (about once a second, and within
  the per-channel and global budgets). Edits coalesce: an edit carries the newest text when it
  goes, so a busy channel shows fewer, fuller edits, never stale ones.
* A finished piece gets its final edit before anything after it is sent, so messages appear
  in order and each ends with exactly its final text: the final edit is always made.
* When the reply ends (``done``), the live message gets its final text as well.
* A send or edit Discord refuses is logged and the reply goes on; a chat turn is never held
  up, let alone re-sent, because one edit failed.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.core.replies import ReplyText
from bot.discord_app.limiter import MessageLimiter

log = logging.getLogger(__name__)


class LiveMessage:
    """A message that shows growing text: edits are paced, coalesced, and the last one lands."""

    def __init__(self, message: discord.Message, text: str, limiter: MessageLimiter) -> None:
        self.message = message
        self._limiter = limiter
        self._shown = text
        self._latest = text
        self._final = False
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._pump(), name=f"live-message-{message.id}")

    @property
    def latest(self) -> str:
        """The newest text asked for (shown, or about to be)."""
        return self._latest

    def show(self, text: str) -> None:
        """Make ``text`` the message's content at the next edit the limiter allows."""
        if text != self._latest:
            self._latest = text
            self._changed.set()

    async def finish(self, text: str) -> None:
        """Give the message its final ``text`` and wait until that edit has been made."""
        self._latest = text
        self._final = True
        self._changed.set()
        await self._task

    def cancel(self) -> None:
        """Stop editing (shutdown)."""
        self._task.cancel()

    async def _pump(self) -> None:
        channel_id = self.message.channel.id
        try:
            while not (self._final and self._latest == self._shown):
                if self._latest == self._shown:
                    await self._changed.wait()
                    self._changed.clear()
                    continue
                await self._limiter.edit(channel_id, self.message.id)
                text = self._latest
                await self.message.edit(content=text)
                self._shown = text
        except discord.HTTPException as error:
            # The message is gone or Discord refused the edit: the reply goes on without it.
            log.warning("editing message %s failed: %s", self.message.id, error)
        finally:
            self._limiter.forget(self.message.id)


class ReplyStreamer:
    """Applies one conversation's :class:`ReplyText` events to messages in its channel."""

    def __init__(self, channel: discord.PartialMessageable, limiter: MessageLimiter) -> None:
        self._channel = channel
        self._limiter = limiter
        self._live: LiveMessage | None = None

    async def apply(self, event: ReplyText) -> None:
        """Show ``event`` (rules in the module docstring)."""
        for piece in event.finished:
            await self._complete(piece)
        if event.current:
            if self._live is None:
                self._live = await self._start(event.current)
            else:
                self._live.show(event.current)
        if event.done and self._live is not None:
            live, self._live = self._live, None
            await live.finish(live.latest)

    def close(self) -> None:
        """Stop editing the live message, if any (shutdown)."""
        if self._live is not None:
            self._live.cancel()
            self._live = None

    async def _complete(self, piece: str) -> None:
        if self._live is not None:
            live, self._live = self._live, None
            await live.finish(piece)
            return
        try:
            await self._limiter.create(self._channel.id)
            await self._channel.send(piece)
        except discord.HTTPException as error:
            log.warning("sending a reply failed: %s", error)

    async def _start(self, text: str) -> LiveMessage | None:
        try:
            await self._limiter.create(self._channel.id)
            message = await self._channel.send(text)
        except discord.HTTPException as error:
            log.warning("sending a reply failed: %s", error)
            return None
        return LiveMessage(message, text, self._limiter)
