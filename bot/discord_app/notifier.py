"""Export news in Discord: one status message per render, edited in place, and the result post.

:class:`DiscordNotifier` implements the :class:`bot.core.ports.Notifier` port. It works from
the durable :class:`~bot.core.models.ExportJob` alone, so any process can call it, also after a
restart, and it only presents: it posts and edits and returns message ids; the poller records
them. Rules:

* **Status message.** Posted with a Cancel button (its ``custom_id`` re-attaches it when its
  id was never recorded); progress edits are skipped when the limiter has no room *now* or
  the message would show the same again (the most recent :data:`SHOWN_REMEMBERED` messages).
* **Result post.** The MP4 attached when it fits the guild's upload limit (else a smaller copy,
  up to the 500 MB media cap; :mod:`.delivery`), public links beside it (in ``<…>`` when a
  video is attached, so no second player unfurls), and the video's card (:mod:`.card`: its
  facts read from the MP4, a frame at the music's first downbeat as the thumbnail; the
  downbeats and whether the backend is the local studio come from the backend, bounded by
  :data:`BACKEND_FACTS_TIMEOUT`). It pings the requester only, carries a nonce from the
  render id and the card's buttons, whose Export again · 1080p names the render (the marker
  :meth:`~DiscordNotifier.find_posted` finds for good). Anything failing on the way to an
  attachment falls back to the same post with fewer files (the card's frame alone, then
  none): same nonce, same marker, same card.
* Failure and stall messages say what happened, that export spent no credits, and offer Retry
  (and Cancel); backend error text is logged, never shown.

Discord errors propagate: the poller decides when to try again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

import aiohttp
import discord
import httpx

from bot.core.backend_results import RenderStage, RenderStatus
from bot.core.errors import DomainError
from bot.core.media import Attached
from bot.core.models import ExportJob, TrackThread
from bot.core.texts import export_post_text, text
from bot.core.usecases.context import Deps
from bot.core.usecases.explain import is_local_studio
from bot.discord_app.card import THUMBNAIL_NAME, card_embed, first_downbeat_s
from bot.discord_app.delivery import ATTACH_TIMEOUT, Delivery, Video, prepare
from bot.discord_app.limiter import MessageLimiter
from bot.discord_app.render import export_status, render_nonce
from bot.discord_app.views import (
    cancel_marker,
    export_marker,
    posted_view,
    retry_view,
    stalled_view,
    status_view,
)

if TYPE_CHECKING:
    from bot.core.ports import Notifier

log = logging.getLogger(__name__)

#: How far back :meth:`DiscordNotifier.find_posted` looks in the thread.
FIND_POSTED_DEPTH = 100
#: Discord's upload limit for a server without boosts (10 MiB since 2024; discord.py's
#: ``utils.DEFAULT_FILE_SIZE_LIMIT_BYTES``), for a thread whose guild is not in the cache.
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024
#: How many status messages' shown content is remembered (an unchanged edit is skipped).
SHOWN_REMEMBERED = 10_000
#: How long asking the backend about the card (the studio? the downbeats?) may take.
BACKEND_FACTS_TIMEOUT: Final = 5.0
#: What an attachment may never fail on: Discord refusing it, the network, a timeout.
_UPLOAD_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)


class DiscordNotifier:
    """Posts and edits a render's messages in its thread (rules in the module docstring)."""

    def __init__(
        self,
        client: discord.Client,
        deps: Deps,
        limiter: MessageLimiter,
        *,
        http: httpx.AsyncClient | None = None,
        attach_timeout: float = ATTACH_TIMEOUT,
        upload_limit: int | None = None,
    ) -> None:
        """Without ``http`` nothing is downloaded, so nothing is attached."""
        self._client = client
        self._deps = deps
        self._store = deps.store
        self._limiter = limiter
        self._clock = deps.clock
        self._http = http
        self._attach_timeout = attach_timeout
        #: The upload limit (bytes) assumed for every thread instead of its guild's; ``None``:
        #: the guild's. For a Discord whose limits differ from discord.py's table, and tests.
        self.upload_limit = upload_limit
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
        """Post the video (attached, sized to fit) with its card, pinging the requester once."""
        thread = await self._thread_record(job)
        lang = _language_of(thread)
        studio, downbeat_s = await self._backend_facts(job, thread)

        def content(attached: Attached) -> str:
            # Beside an attached video a link's own player would play it a second time.
            quiet = attached is not Attached.NOTHING
            words = export_post_text(lang, output_url, project_url, attached, previews=not quiet)
            return f"<@{job.requester_id}> {words}"

        view = posted_view(job.thread_id, job.render_id, lang, studio=studio)
        limit = self._upload_limit(job, thread)
        title = thread.title if thread is not None else None
        async with prepare(
            self._http,
            output_url,
            limit=limit,
            title=title,
            downbeat_s=downbeat_s,
            attach_timeout=self._attach_timeout,
        ) as delivery:
            posted = await self._post_result(job, content, lang, delivery, view)
        await self._finish_status(job, lang)
        return posted.id

    async def _backend_facts(
        self, job: ExportJob, thread: TrackThread | None
    ) -> tuple[bool, float | None]:
        """Whether the backend is the local studio, and the music's first downbeat in the video.

        Best effort, each question bounded: without an answer, no studio buttons and the
        thumbnail at 1 s.
        """
        try:
            async with asyncio.timeout(BACKEND_FACTS_TIMEOUT):
                studio = await is_local_studio(self._deps)
        except (DomainError, TimeoutError) as error:
            log.info("export %s: the backend did not say who it is (%r)", job.render_id, error)
            studio = False
        if thread is None or thread.session_id is None:
            return studio, None
        try:
            async with asyncio.timeout(BACKEND_FACTS_TIMEOUT):
                state = await self._deps.backend.state(thread.session_id)
        except (DomainError, TimeoutError) as error:
            log.info("export %s: no music analysis for its card (%r)", job.render_id, error)
            return studio, None
        return studio, first_downbeat_s(state.music)

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
        message: that is done here (so it stops offering Cancel on a posted video).
        """
        marker = export_marker(job.thread_id, job.render_id)
        found = await self._find_own(job, marker)
        if found is not None:
            await self._finish_status(job, await self._language(job))
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
        me = self._client.user
        await self._limiter.request()  # one page of history: one request of the global budget
        async for message in self._thread(job).history(limit=FIND_POSTED_DEPTH):
            if me is not None and message.author.id != me.id:
                continue
            if marker in _custom_ids(message):
                return message.id
        return None

    async def _edit(
        self, job: ExportJob, message_id: int, content: str, view: discord.ui.View | None
    ) -> None:
        if self._shown.shows(message_id, content, view):
            return
        await self._limiter.edit(job.thread_id, message_id)
        await self._shown.edit(self._thread(job).get_partial_message(message_id), content, view)

    async def _language(self, job: ExportJob) -> str:
        return _language_of(await self._thread_record(job))

    async def _thread_record(self, job: ExportJob) -> TrackThread | None:
        async with self._store.transaction() as tx:
            return await tx.threads.get(job.thread_id)

    # -- the result post ----------------------------------------------------------------

    async def _post_result(
        self,
        job: ExportJob,
        content: Callable[[Attached], str],
        lang: str,
        delivery: Delivery,
        view: discord.ui.View,
    ) -> discord.Message:
        """The result post with its files; if they fail on the way, with fewer, then none."""
        for video, thumbnail in _file_sets(delivery):
            name = _file_name(delivery.card.title)
            files = [] if video is None else [discord.File(video.path, filename=name)]
            if thumbnail is not None:
                files.append(discord.File(thumbnail, filename=THUMBNAIL_NAME))
            embed = card_embed(delivery.card, lang, thumbnail=THUMBNAIL_NAME if thumbnail else None)
            words = content(video.kind if video is not None else Attached.NOTHING)
            try:
                return await self._send_result(job, words, embed, files, view)
            except _UPLOAD_ERRORS as error:
                log.warning(
                    "posting export %s with %d files failed (%r); posting with fewer",
                    job.render_id,
                    len(files),
                    error,
                )
        embed = card_embed(delivery.card, lang, thumbnail=None)
        return await self._send_result(job, content(Attached.NOTHING), embed, [], view)

    async def _send_result(
        self,
        job: ExportJob,
        content: str,
        embed: discord.Embed,
        files: list[discord.File],
        view: discord.ui.View,
    ) -> discord.Message:
        await self._limiter.create(job.thread_id)
        requester = discord.Object(job.requester_id)
        mentions = discord.AllowedMentions(
            everyone=False, roles=False, replied_user=False, users=[requester]
        )
        return await self._thread(job).send(
            content,
            embed=embed,
            files=files,
            nonce=render_nonce(job.render_id),
            view=view,
            allowed_mentions=mentions,
        )

    def _upload_limit(self, job: ExportJob, thread: TrackThread | None) -> int | None:
        """The largest file the thread takes; ``None`` if the bot may not attach files there."""
        channel = self._client.get_channel(job.thread_id)
        if isinstance(channel, discord.Thread):
            # Typed as always there, but a guild's own member can be missing from the cache.
            me: discord.Member | None = channel.guild.me
            if me is not None and not channel.permissions_for(me).attach_files:
                return None
            guild: discord.Guild | None = channel.guild
        else:
            guild = self._client.get_guild(thread.guild_id) if thread is not None else None
        if self.upload_limit is not None:
            return self.upload_limit
        return guild.filesize_limit if guild is not None else DEFAULT_UPLOAD_LIMIT


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


def _language_of(thread: TrackThread | None) -> str:
    return (thread.language if thread is not None else None) or "en"


def _file_sets(delivery: Delivery) -> list[tuple[Video | None, Path | None]]:
    """The files a post tries, most first: the video (with the card's frame), the frame alone."""
    sets: list[tuple[Video | None, Path | None]] = []
    if delivery.video is not None:
        sets.append((delivery.video, delivery.thumbnail))
    if delivery.thumbnail is not None:
        sets.append((None, delivery.thumbnail))
    return sets


def _file_name(title: str | None) -> str:
    """The attachment's name: the track's title in letters, digits, ``-`` and ``_``."""
    stem = re.sub(r"[^\w-]+", "_", title or "").strip("_")[:80]
    return f"{stem or 'video'}.mp4"


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
