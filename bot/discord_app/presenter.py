"""One conversation's reply sink: reply events → messages in its Discord thread.

* Streamed text goes to the :class:`~bot.discord_app.streamer.ReplyStreamer` (live messages,
  paced edits, final edit always made).
* A submitted export gets its status message (the
  :class:`~bot.discord_app.notifier.DiscordNotifier`, which the export poller also reports
  through) and is handed to the poller at once with that message's id; the poller records it
  and follows the render to its one post.
* "Ready" gets what to try next and the Show timeline / Export buttons; a timeline that can be
  exported gets an Export button; a credit balance is an embed. Everything else is one plain
  message with the event's text.
* A timeline also gets its picture attached (:mod:`bot.discord_app.pictures`: drawn in a worker
  thread; without it when it cannot be drawn or sent, the text still goes out).
* Nothing here pings anyone: the client's default is ``AllowedMentions.none()``.
* A message Discord refuses is logged (:mod:`bot.discord_app.errors`) and the conversation goes
  on; an export is followed even if its status message could not be posted.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.core.models import ExportJob
from bot.core.ports import ExportFollower, Store
from bot.core.replies import (
    CreditsReply,
    ExportStarted,
    Notice,
    NoticeKind,
    ReplyEvent,
    ReplyText,
    TimelineSummary,
)
from bot.core.usecases import Conversation
from bot.discord_app.errors import deliver, log_failure
from bot.discord_app.limiter import MessageLimiter
from bot.discord_app.notifier import DiscordNotifier
from bot.discord_app.pictures import send_with_picture, timeline_file
from bot.discord_app.render import content_of, credits_embed
from bot.discord_app.streamer import ReplyStreamer
from bot.discord_app.views import export_view, ready_view

log = logging.getLogger(__name__)


class ThreadPresenter:
    """Renders one conversation's reply events into its thread (rules in the module doc)."""

    def __init__(
        self,
        channel: discord.PartialMessageable,
        conversation: Conversation,
        *,
        store: Store,
        notifier: DiscordNotifier,
        exports: ExportFollower,
        limiter: MessageLimiter,
        billing_url: str,
    ) -> None:
        self._channel = channel
        self._conversation = conversation
        self._store = store
        self._notifier = notifier
        self._exports = exports
        self._limiter = limiter
        self._streamer = ReplyStreamer(channel, limiter)
        self._billing_url = billing_url

    async def __call__(self, event: ReplyEvent) -> None:
        """The runner's sink: show ``event``."""
        try:
            await self._show(event)
        except discord.HTTPException as error:
            log_failure(error, f"showing {type(event).__name__} in {self._conversation}")

    def close(self) -> None:
        """Stop editing (shutdown)."""
        self._streamer.close()

    async def _show(self, event: ReplyEvent) -> None:
        lang = self._conversation.language
        thread_id = self._conversation.thread_id
        match event:
            case ReplyText():
                await self._streamer.apply(event)
            case ExportStarted():
                if (job := await self._job(event.render_id)) is not None:
                    status_id = None
                    try:
                        status_id = await self._notifier.export_started(job)
                    finally:
                        await self._exports.track(job, status_id)
            case Notice(kind=NoticeKind.READY):
                await self._send(content_of(event, lang), view=ready_view(thread_id, lang))
            case TimelineSummary():
                await self._send_timeline(event)
            case CreditsReply():
                embed = credits_embed(event, lang, billing_url=self._billing_url)
                await self._send(None, embed=embed)
            case _:
                await self._send(content_of(event, lang))

    async def _send(
        self,
        content: str | None,
        *,
        view: discord.ui.View | None = None,
        embed: discord.Embed | None = None,
    ) -> None:
        await self._limiter.create(self._channel.id)
        if view is not None:
            await self._channel.send(content, view=view)
        elif embed is not None:
            await deliver(
                self._channel.send,
                f"showing an embed in {self._conversation}",
                content,
                embed=embed,
                lang=self._conversation.language,
            )
        else:
            await self._channel.send(content)

    async def _send_timeline(self, summary: TimelineSummary) -> None:
        lang = self._conversation.language
        picture = await timeline_file(summary, lang)

        async def send(content: str, **options: Any) -> None:
            await self._limiter.create(self._channel.id)
            await self._channel.send(content, **options)

        doing = f"showing the timeline in {self._conversation}"
        buttons: dict[str, Any] = {}
        if summary.exportable:
            buttons["view"] = export_view(self._conversation.thread_id, lang)
        await send_with_picture(send, doing, summary.text, picture, **buttons)

    async def _job(self, render_id: str) -> ExportJob | None:
        async with self._store.transaction() as tx:
            job = await tx.exports.get(render_id)
        if job is None:
            log.warning("export event for unknown render %s", render_id)
        return job
