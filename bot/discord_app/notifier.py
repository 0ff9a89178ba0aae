"""Export news in Discord: one status message per render, edited in place, and the result post.

:class:`DiscordNotifier` implements the :class:`bot.core.ports.Notifier` port. It works from
the durable :class:`~bot.core.models.ExportJob` alone, so any process can call it, also after a
restart, and it only presents: it posts and edits and returns message ids; the poller records
them. Rules:

* **Status message.** Posted with a Cancel button (its ``custom_id`` re-attaches it when its
  id was never recorded); progress edits are skipped when the limiter has no room *now* or
  the message would show the same again (the most recent :data:`SHOWN_REMEMBERED` messages).
* **Result post** (:mod:`.video_post`): the video with its card, pinging the requester only,
  with the render's nonce and the card's buttons, whose Export again · 1080p names the render
  (the marker :meth:`~DiscordNotifier.find_posted` finds for good); by DM as well when the
  requester asked for it.
* Failure and stall messages say what happened, that export spent no credits, and offer Retry
  (and Cancel); backend error text is logged, never shown.

Discord errors propagate: the poller decides when to try again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING

import discord

from bot.core.backend_results import RenderStage, RenderStatus
from bot.core.models import ExportJob, TrackThread
from bot.core.ports import Clock, Store
from bot.core.texts import text
from bot.discord_app.render import export_status
from bot.discord_app.video_post import VideoPost, latest_own, thread_language
from bot.discord_app.views import (
    cancel_marker,
    export_marker,
    retry_view,
    stalled_view,
    status_view,
)

if TYPE_CHECKING:
    from bot.core.ports import Notifier

log = logging.getLogger(__name__)

#: How many status messages' shown content is remembered (an unchanged edit is skipped).
SHOWN_REMEMBERED = 10_000


class DiscordNotifier:
    """Posts and edits a render's messages in its thread (rules in the module docstring)."""

    def __init__(
        self, client: discord.Client, store: Store, clock: Clock, video: VideoPost
    ) -> None:
        """``video`` posts the finished videos (it shares the client and the limiter)."""
        self._client = client
        self._store = store
        self._clock = clock
        self._limiter = video.limiter
        #: The finished video's post (and DM).
        self.video = video
        self._shown = _ShownStatus(SHOWN_REMEMBERED)

    def handles(self, job: ExportJob) -> bool:
        """Whether this process can post now: connected to the gateway and not closing."""
        return self._client.is_ready() and not self._client.is_closed()

    async def export_started(self, job: ExportJob) -> int:
        """Post the status message of a new render; return its id."""
        status = RenderStatus(job.render_id, RenderStage.PENDING, 0)
        return await self._post_status(job, status, await self._language(job))

    async def export_progress(self, job: ExportJob, status: RenderStatus) -> int | None:
        """Show the render's stage, progress and ETA on its status message; return its id."""
        lang = await self._language(job)
        status_id = await self._status_id(job)
        if status_id is None:
            return await self._post_status(job, status, lang)
        content = export_status(job, status.stage, status.progress, lang, now=self._clock.now())
        view = status_view(job.render_id, lang)
        if self._shown.shows(status_id, content, view):
            return status_id  # the same again: nothing to send, no budget spent
        if not self._limiter.try_edit(job.thread_id, status_id):
            log.debug("progress of %s not shown: the edit budget is used up", job.render_id)
            return status_id
        await self._shown.edit(self._thread(job).get_partial_message(status_id), content, view)
        return status_id

    async def export_finished(
        self, job: ExportJob, output_url: str, project_url: str | None
    ) -> int:
        """Post the video with its card, pinging the requester once (and DM it if asked)."""
        thread = await self._thread_record(job)
        posted = await self.video.post(job, thread, output_url, project_url)
        await self._finish_status(job, thread_language(thread))
        return posted

    async def _finish_status(self, job: ExportJob, lang: str) -> None:
        """The status message's final state ("ready: see below"), best effort."""
        status_id = await self._status_id(job)
        if status_id is None:
            return
        try:
            done = text("export_status_done", lang)
            await self._edit(job, status_id, done, None)
        except discord.HTTPException as error:  # the video is out; the status is cosmetic
            log.warning("could not finish the status of %s: %s", job.render_id, error)

    async def find_posted(self, job: ExportJob) -> int | None:
        """The id of this render's result post among the thread's recent messages, if any.

        A post found this way was made by a process that died before it finished the status
        message and maybe before its DM: both are done here (so it stops offering Cancel on a
        posted video, and the requester gets their DM once).
        """
        marker = export_marker(job.thread_id, job.render_id)
        found = await self._find_own(job, marker)
        if found is not None:
            thread = await self._thread_record(job)
            await self._finish_status(job, thread_language(thread))
            await self.video.direct_after_recovery(job, thread, found)
        return found

    async def export_failed(self, job: ExportJob, error: str) -> int | None:
        """Say the render failed, that it cost nothing, and offer Retry."""
        log.info("export %s failed: %s", job.render_id, error)
        lang = await self._language(job)
        return await self._replace_status(
            job, text("export_status_failed", lang), retry_view(job.thread_id, lang)
        )

    async def export_stalled(self, job: ExportJob) -> int | None:
        """Say the render has not moved for a while; offer Cancel and Retry."""
        lang = await self._language(job)
        view = stalled_view(job.render_id, job.thread_id, lang)
        return await self._replace_status(job, text("export_status_stalled", lang), view)

    # -- plumbing ---------------------------------------------------------------------

    def _thread(self, job: ExportJob) -> discord.PartialMessageable:
        return self._client.get_partial_messageable(
            job.thread_id, type=discord.ChannelType.public_thread
        )

    async def _post_status(self, job: ExportJob, status: RenderStatus, lang: str) -> int:
        content = export_status(job, status.stage, status.progress, lang, now=self._clock.now())
        view = status_view(job.render_id, lang)
        await self._limiter.create(job.thread_id)
        message = await self._thread(job).send(content, view=view)
        self._shown.remember(message.id, content, view)
        return message.id

    async def _replace_status(
        self, job: ExportJob, content: str, view: discord.ui.View
    ) -> int | None:
        status_id = await self._status_id(job)
        if status_id is None:
            await self._limiter.create(job.thread_id)
            message = await self._thread(job).send(content, view=view)
            return message.id
        await self._edit(job, status_id, content, view)
        return status_id

    async def _status_id(self, job: ExportJob) -> int | None:
        """The job's status message: as recorded, or found in the thread (by its Cancel button).

        Not recorded means a process died between posting it and recording its id: the
        message is re-attached, so a second status is never posted.
        """
        if job.status_message_id is not None:
            return job.status_message_id
        return await self._find_own(job, cancel_marker(job.render_id))

    async def _find_own(self, job: ExportJob, marker: str) -> int | None:
        """Our latest message in the job's thread with a button ``marker`` (recent history)."""
        found = await latest_own(
            self._client, self._limiter, self._thread(job), lambda m: marker in _custom_ids(m)
        )
        return None if found is None else found.id

    async def _edit(
        self, job: ExportJob, message_id: int, content: str, view: discord.ui.View | None
    ) -> None:
        if self._shown.shows(message_id, content, view):
            return
        await self._limiter.edit(job.thread_id, message_id)
        await self._shown.edit(self._thread(job).get_partial_message(message_id), content, view)

    async def _language(self, job: ExportJob) -> str:
        return thread_language(await self._thread_record(job))

    async def _thread_record(self, job: ExportJob) -> TrackThread | None:
        async with self._store.transaction() as tx:
            return await tx.threads.get(job.thread_id)


class _ShownStatus:
    """What each status message shows (text and buttons), for the most recent ``size`` ones."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._shown: OrderedDict[int, tuple[str, str]] = OrderedDict()

    def shows(self, message_id: int, content: str, view: discord.ui.View | None) -> bool:
        """Whether the message shows exactly this already (as far as this process knows)."""
        return self._shown.get(message_id) == _look(content, view)

    def remember(self, message_id: int, content: str, view: discord.ui.View | None) -> None:
        """Note what the message shows now (the oldest note goes beyond ``size``)."""
        self._shown[message_id] = _look(content, view)
        self._shown.move_to_end(message_id)
        while len(self._shown) > self._size:
            self._shown.popitem(last=False)

    async def edit(
        self, message: discord.PartialMessage, content: str, view: discord.ui.View | None
    ) -> None:
        """Edit ``message`` to show this; noted first, so a concurrent same edit is skipped."""
        self.remember(message.id, content, view)
        try:
            await message.edit(content=content, view=view)
        except BaseException:
            self._shown.pop(message.id, None)  # unknown now: the next edit is sent
            raise


def _look(content: str, view: discord.ui.View | None) -> tuple[str, str]:
    """What a message shows: its text and its components as Discord gets them."""
    return content, repr(view.to_components() if view is not None else None)


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
