"""Export news in Discord: one status message per render, edited in place, and the result post.

:class:`DiscordNotifier` implements the :class:`bot.core.ports.Notifier` port. It works from
the durable :class:`~bot.core.models.ExportJob` alone (thread id, requester, status message
id), so whoever follows a render, the in-process follower or the durable poller, can call it,
also after a restart. Rules:

* :meth:`~DiscordNotifier.export_started` posts the status message (stage, progress, ETA as
  ``<t:…:R>``, a Cancel button) and records its id on the job.
* :meth:`~DiscordNotifier.export_progress` edits that message if the shared
  :class:`~bot.discord_app.limiter.MessageLimiter` has room *now*, and skips the edit otherwise:
  progress is advisory, the next report shows more, and a queue of stale progress edits would
  only delay the result. Without a recorded status message (a job from before, or a poller
  re-attaching) it posts one.
* :meth:`~DiscordNotifier.export_finished` posts the MP4 link and the project link first (the
  video is what the user waits for), then edits the status message to its final state (final
  edits wait for the limiter, they always land). The post pings the requester:
  ``allowed_mentions`` names
  that one user, on that one message (the client's default is ``AllowedMentions.none()``).
  The post carries a nonce derived from the render id (Discord drops a same-nonce repeat for a
  few minutes) and an Export button whose ``custom_id`` names the render, a marker that
  :meth:`~DiscordNotifier.find_posted` finds for good. Its id is recorded on the job.
* :meth:`~DiscordNotifier.export_failed` says so, that no credits were spent (export is free,
  contract §3.8), and offers Retry; :meth:`~DiscordNotifier.export_stalled` offers Cancel and
  Retry while polling goes on. Backend error text is logged, never shown.

Discord errors propagate: the caller decides when to try again (the nonce and the marker make
a second attempt of the result post safe).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.core.backend_results import RenderStage, RenderStatus
from bot.core.models import ExportJob
from bot.core.ports import Clock, Store
from bot.core.texts import text
from bot.discord_app.limiter import MessageLimiter
from bot.discord_app.render import export_status, render_nonce
from bot.discord_app.views import export_marker, posted_view, retry_view, stalled_view, status_view

if TYPE_CHECKING:
    from bot.core.ports import Notifier

log = logging.getLogger(__name__)

#: How far back :meth:`DiscordNotifier.find_posted` looks in the thread.
FIND_POSTED_DEPTH = 100


class DiscordNotifier:
    """Posts and edits a render's messages in its thread (rules in the module docstring)."""

    def __init__(
        self, client: discord.Client, store: Store, limiter: MessageLimiter, clock: Clock
    ) -> None:
        self._client = client
        self._store = store
        self._limiter = limiter
        self._clock = clock

    def handles(self, job: ExportJob) -> bool:
        """Whether this process can post now: connected to the gateway and not closing."""
        return self._client.is_ready() and not self._client.is_closed()

    async def export_started(self, job: ExportJob) -> int:
        """Post the status message of a new render; return its id."""
        status = RenderStatus(job.render_id, RenderStage.PENDING, 0)
        return await self._post_status(job, status, await self._language(job))

    async def export_progress(self, job: ExportJob, status: RenderStatus) -> None:
        """Show the render's stage, progress and ETA on its status message."""
        lang = await self._language(job)
        if job.status_message_id is None:
            await self._post_status(job, status, lang)
            return
        if not self._limiter.try_edit(job.thread_id, job.status_message_id):
            log.debug("progress of %s not shown: the edit budget is used up", job.render_id)
            return
        content = export_status(job, status.stage, status.progress, lang, now=self._clock.now())
        message = self._thread(job).get_partial_message(job.status_message_id)
        await message.edit(content=content, view=status_view(job.render_id, lang))

    async def export_finished(
        self, job: ExportJob, output_url: str, project_url: str | None
    ) -> int:
        """Finish the status message and post the video, pinging the requester once."""
        lang = await self._language(job)
        if project_url is None:
            message = text("export_ready_no_project", lang, url=output_url)
        else:
            message = text("export_ready", lang, url=output_url, project_url=project_url)
        requester = discord.Object(job.requester_id)
        await self._limiter.create(job.thread_id)
        posted = await self._thread(job).send(
            f"<@{job.requester_id}> {message}",
            nonce=render_nonce(job.render_id),
            view=posted_view(job.thread_id, job.render_id, lang),
            allowed_mentions=discord.AllowedMentions(
                everyone=False, roles=False, replied_user=False, users=[requester]
            ),
        )
        async with self._store.transaction() as tx:
            await tx.exports.update(
                job.render_id, now=self._clock.now(), posted_message_id=posted.id
            )
        if job.status_message_id is not None:
            try:
                done = text("export_status_done", lang)
                await self._edit(job, job.status_message_id, done, None)
            except discord.HTTPException as error:  # the video is out; the status is cosmetic
                log.warning("could not finish the status of %s: %s", job.render_id, error)
        return posted.id

    async def find_posted(self, job: ExportJob) -> int | None:
        """The id of this render's result post among the thread's recent messages, if any."""
        nonce = render_nonce(job.render_id)
        marker = export_marker(job.thread_id, job.render_id)
        me = self._client.user
        async for message in self._thread(job).history(limit=FIND_POSTED_DEPTH):
            if me is not None and message.author.id != me.id:
                continue
            if message.nonce == nonce or marker in _custom_ids(message):
                return message.id
        return None

    async def export_failed(self, job: ExportJob, error: str) -> None:
        """Say the render failed, that it cost nothing, and offer Retry."""
        log.info("export %s failed: %s", job.render_id, error)
        lang = await self._language(job)
        await self._replace_status(
            job, text("export_status_failed", lang), retry_view(job.thread_id, lang)
        )

    async def export_stalled(self, job: ExportJob) -> None:
        """Say the render has not moved for a while; offer Cancel and Retry."""
        lang = await self._language(job)
        view = stalled_view(job.render_id, job.thread_id, lang)
        await self._replace_status(job, text("export_status_stalled", lang), view)

    # -- plumbing ---------------------------------------------------------------------

    def _thread(self, job: ExportJob) -> discord.PartialMessageable:
        return self._client.get_partial_messageable(
            job.thread_id, type=discord.ChannelType.public_thread
        )

    async def _post_status(self, job: ExportJob, status: RenderStatus, lang: str) -> int:
        content = export_status(job, status.stage, status.progress, lang, now=self._clock.now())
        await self._limiter.create(job.thread_id)
        message = await self._thread(job).send(content, view=status_view(job.render_id, lang))
        async with self._store.transaction() as tx:
            now = self._clock.now()
            await tx.exports.update(job.render_id, now=now, status_message_id=message.id)
        return message.id

    async def _replace_status(self, job: ExportJob, content: str, view: discord.ui.View) -> None:
        if job.status_message_id is None:
            await self._limiter.create(job.thread_id)
            await self._thread(job).send(content, view=view)
        else:
            await self._edit(job, job.status_message_id, content, view)

    async def _edit(
        self, job: ExportJob, message_id: int, content: str, view: discord.ui.View | None
    ) -> None:
        await self._limiter.edit(job.thread_id, message_id)
        message = self._thread(job).get_partial_message(message_id)
        await message.edit(content=content, view=view)

    async def _language(self, job: ExportJob) -> str:
        async with self._store.transaction() as tx:
            thread = await tx.threads.get(job.thread_id)
        return (thread.language if thread is not None else None) or "en"


def _custom_ids(message: discord.Message) -> list[str]:
    found: list[str] = []
    for row in message.components:
        for child in getattr(row, "children", [row]):
            custom_id = getattr(child, "custom_id", None)
            if isinstance(custom_id, str):
                found.append(custom_id)
    return found


if TYPE_CHECKING:

    def _implements_the_port(notifier: DiscordNotifier) -> Notifier:
        """Checked by mypy: DiscordNotifier fits :class:`bot.core.ports.Notifier`."""
        return notifier
