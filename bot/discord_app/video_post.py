"""A finished video's post: its card in the thread and, if the requester asked, by DM.

* **The thread post.** The MP4 attached when it fits the guild's upload limit (else a smaller
  copy, up to the 500 MB media cap; :mod:`.delivery`), public links beside it (in ``<…>`` when
  a video is attached, so no second player unfurls), and the video's card (:mod:`.card`: its
  facts read from the MP4, a frame at the music's first downbeat as the thumbnail; the
  downbeats and whether the backend is the local studio come from the backend, bounded by
  :data:`BACKEND_FACTS_TIMEOUT`). It pings the requester only and carries the render's nonce
  and the card's buttons. Anything failing on the way to an attachment falls back to the same
  post with fewer files (the card's frame alone, then none): same nonce, same card.
* **The DM** (``/settings``: "DM me the finished video"): the same card and files, a link to
  the thread post, no buttons (they act in the thread), no ping, a nonce of its own. Refused
  (50007: the user takes no DMs from server members) or failing, it is logged and not tried
  again. After a crash between the post and the DM, :meth:`VideoPost.direct_after_recovery`
  sends it, unless the DM channel holds it already (the post's link is searched for).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import aiohttp
import discord
import httpx

from bot.core.errors import DomainError
from bot.core.media import Attached
from bot.core.models import ExportJob, TrackThread
from bot.core.texts import export_post_text, text
from bot.core.usecases.context import Deps
from bot.core.usecases.explain import is_local_studio
from bot.core.usecases.settings import user_settings
from bot.discord_app.card import THUMBNAIL_NAME, card_embed, first_downbeat_s
from bot.discord_app.delivery import Delivery, Video, prepare
from bot.discord_app.limiter import MessageLimiter
from bot.discord_app.render import message_link, render_nonce
from bot.discord_app.views import posted_view

log = logging.getLogger(__name__)

#: How far back a search for our own earlier message looks in a channel.
FIND_POSTED_DEPTH = 100
#: Discord's upload limit for a server without boosts (10 MiB since 2024; discord.py's
#: ``utils.DEFAULT_FILE_SIZE_LIMIT_BYTES``), for a thread whose guild is not in the cache.
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024
#: How long asking the backend about the card (the studio? the downbeats?) may take.
BACKEND_FACTS_TIMEOUT: Final = 5.0
#: Discord's "Cannot send messages to this user": DMs from server members turned off.
CANNOT_DM: Final = 50007
#: A DM pings nobody.
_NO_PINGS = discord.AllowedMentions.none()
#: What an attachment may never fail on: Discord refusing it, the network, a timeout.
_UPLOAD_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)


class VideoPost:
    """Posts a finished video's card in its thread and by DM (rules in the module docstring)."""

    def __init__(
        self,
        client: discord.Client,
        deps: Deps,
        limiter: MessageLimiter,
        *,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        """Without ``http`` nothing is downloaded, so nothing is attached."""
        self._client, self._deps, self._http = client, deps, http
        #: Paces every message create (shared with the notifier's status messages).
        self.limiter = limiter
        #: The upload limit (bytes) assumed for every thread instead of its guild's; ``None``:
        #: the guild's. For a Discord whose limits differ from discord.py's table, and tests.
        self.upload_limit: int | None = None
        #: The largest files a DM takes from the bot: a server's boosts do not reach DMs.
        self.dm_upload_limit = DEFAULT_UPLOAD_LIMIT

    async def post(
        self,
        job: ExportJob,
        thread: TrackThread | None,
        output_url: str,
        project_url: str | None,
    ) -> int:
        """The thread post (then the DM, if asked for); return the post's id."""
        lang = thread_language(thread)
        studio, downbeat_s = await self._backend_facts(job, thread)

        def content(attached: Attached) -> str:
            words = _ready_words(lang, output_url, project_url, attached)
            return f"<@{job.requester_id}> {words}"

        view = posted_view(job.thread_id, job.render_id, lang, studio=studio)
        requester = discord.Object(job.requester_id)
        mentions = discord.AllowedMentions(
            everyone=False, roles=False, replied_user=False, users=[requester]
        )
        channel = self._client.get_partial_messageable(
            job.thread_id, type=discord.ChannelType.public_thread
        )
        result = _Card(channel, job.thread_id, render_nonce(job.render_id), mentions)
        async with self._prepare(job, thread, output_url, downbeat_s) as delivery:
            posted = await self._send_card(job, result, content, lang, delivery, view)
            await self._direct(job, thread, posted.id, delivery, output_url, project_url)
        return posted.id

    def _prepare(
        self, job: ExportJob, thread: TrackThread | None, output_url: str, downbeat_s: float | None
    ) -> AbstractAsyncContextManager[Delivery]:
        """The video's files for its post: fetched, sized to the thread's limit, its frame."""
        return prepare(
            self._http,
            output_url,
            limit=self._upload_limit(job, thread),
            title=thread.title if thread is not None else None,
            downbeat_s=downbeat_s,
        )

    async def _direct(
        self,
        job: ExportJob,
        thread: TrackThread | None,
        post_id: int,
        delivery: Delivery,
        output_url: str,
        project_url: str | None,
    ) -> None:
        """The card by DM too, if the requester asked for it in ``/settings``; never raises.

        The same files and card as the post (the video only if it fits a DM's upload limit), a
        link to the post, no buttons (they act in the thread), no ping. A DM refused (the user
        takes none from server members: 50007) or failing is logged and not tried again: the
        video is in the thread.
        """
        lang = await self._dm_language(job, thread)
        if lang is None or thread is None:
            return
        link = message_link(thread.guild_id, job.thread_id, post_id)

        def content(attached: Attached) -> str:
            words = _ready_words(lang, output_url, project_url, attached)
            return f"{words}\n{text('export_dm_thread', lang, link=link)}"

        try:
            channel = await self._client.create_dm(discord.Object(job.requester_id))
            nonce = render_nonce(job.render_id, direct=True)
            dm = _Card(channel, channel.id, nonce, _NO_PINGS, self.dm_upload_limit)
            await self._send_card(job, dm, content, lang, delivery, None)
        except discord.Forbidden as error:
            if error.code != CANNOT_DM:
                log.warning("export %s: the DM was refused (%s)", job.render_id, error)
            else:
                log.info("export %s: the requester takes no DMs from the bot", job.render_id)
        except _UPLOAD_ERRORS as error:
            log.warning("export %s: the DM failed (%r); not tried again", job.render_id, error)

    async def _dm_language(self, job: ExportJob, thread: TrackThread | None) -> str | None:
        """The language of the requester's DM, or ``None`` if they want none."""
        settings = await user_settings(self._deps, job.requester_id)
        if not settings.dm_video:
            return None
        return settings.language or thread_language(thread)

    async def direct_after_recovery(
        self, job: ExportJob, thread: TrackThread | None, post_id: int
    ) -> None:
        """A post found, not recorded: its DM, unless the requester has it already.

        The process that posted may have died before its DM, or after it: the DM channel's
        recent messages are searched for the link to the post first.
        """
        if job.output_url is None or thread is None:
            return
        if await self._dm_language(job, thread) is None:
            return
        link = message_link(thread.guild_id, job.thread_id, post_id)
        try:
            channel = await self._client.create_dm(discord.Object(job.requester_id))
            if await latest_own(self._client, self.limiter, channel, lambda m: link in m.content):
                return
        except (discord.HTTPException, aiohttp.ClientError) as error:
            log.warning("export %s: DM history unreadable (%r); no DM", job.render_id, error)
            return
        _, downbeat_s = await self._backend_facts(job, thread)
        async with self._prepare(job, thread, job.output_url, downbeat_s) as delivery:
            await self._direct(job, thread, post_id, delivery, job.output_url, None)

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

    async def _send_card(
        self,
        job: ExportJob,
        to: _Card,
        content: Callable[[Attached], str],
        lang: str,
        delivery: Delivery,
        view: discord.ui.View | None,
    ) -> discord.Message:
        """The card with its files; if they fail on the way, with fewer, then none.

        A user refusing DMs refuses them with any files: that error goes up at once.
        """
        for video, thumbnail in _file_sets(delivery, to.file_limit):
            name = _file_name(delivery.card.title)
            files = [] if video is None else [discord.File(video.path, filename=name)]
            if thumbnail is not None:
                files.append(discord.File(thumbnail, filename=THUMBNAIL_NAME))
            embed = card_embed(delivery.card, lang, thumbnail=THUMBNAIL_NAME if thumbnail else None)
            words = content(video.kind if video is not None else Attached.NOTHING)
            try:
                return await to.send(self.limiter, words, embed, files, view)
            except _UPLOAD_ERRORS as error:
                if isinstance(error, discord.Forbidden) and error.code == CANNOT_DM:
                    raise
                log.warning(
                    "posting export %s with %d files failed (%r); posting with fewer",
                    job.render_id,
                    len(files),
                    error,
                )
        embed = card_embed(delivery.card, lang, thumbnail=None)
        return await to.send(self.limiter, content(Attached.NOTHING), embed, [], view)

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


@dataclass(frozen=True, slots=True)
class _Card:
    """Where a video's card goes: the thread (pinging the requester) or the requester's DM."""

    channel: discord.abc.Messageable
    channel_id: int
    nonce: str
    mentions: discord.AllowedMentions
    #: The bytes of files the channel takes, if less than the delivery was sized for.
    file_limit: int | None = None

    async def send(
        self,
        limiter: MessageLimiter,
        content: str,
        embed: discord.Embed,
        files: list[discord.File],
        view: discord.ui.View | None,
    ) -> discord.Message:
        """One create, paced by the limiter, carrying the nonce."""
        await limiter.create(self.channel_id)
        if view is None:
            return await self.channel.send(
                content, embed=embed, files=files, nonce=self.nonce, allowed_mentions=self.mentions
            )
        return await self.channel.send(
            content,
            embed=embed,
            files=files,
            nonce=self.nonce,
            allowed_mentions=self.mentions,
            view=view,
        )


async def latest_own(
    client: discord.Client,
    limiter: MessageLimiter,
    channel: discord.abc.Messageable,
    matches: Callable[[discord.Message], bool],
) -> discord.Message | None:
    """Our latest message among the channel's recent ones that ``matches``."""
    me = client.user
    await limiter.request()  # one page of history: one request of the global budget
    async for message in channel.history(limit=FIND_POSTED_DEPTH):
        if me is not None and message.author.id != me.id:
            continue
        if matches(message):
            return message
    return None


def _ready_words(lang: str, output_url: str, project_url: str | None, attached: Attached) -> str:
    """The card's words: links without a preview beside an attached video (its player plays)."""
    quiet = attached is not Attached.NOTHING
    return export_post_text(lang, output_url, project_url, attached, previews=not quiet)


def thread_language(thread: TrackThread | None) -> str:
    """The language a thread speaks (English when its record is gone)."""
    return (thread.language if thread is not None else None) or "en"


def _file_sets(delivery: Delivery, limit: int | None) -> list[tuple[Video | None, Path | None]]:
    """The files a post tries, most first: the video (with the card's frame), the frame alone.

    ``limit``: the bytes the destination takes, if less than the thread the delivery was
    sized for (a DM): a video over it is not tried there.
    """
    sets: list[tuple[Video | None, Path | None]] = []
    if delivery.video is not None and _fits(limit, delivery.video.path, delivery.thumbnail):
        sets.append((delivery.video, delivery.thumbnail))
    if delivery.thumbnail is not None:
        sets.append((None, delivery.thumbnail))
    return sets


def _fits(limit: int | None, *paths: Path | None) -> bool:
    """Whether the files together are at most ``limit`` bytes (always, without a limit)."""
    if limit is None:
        return True
    return sum(path.stat().st_size for path in paths if path is not None) <= limit


def _file_name(title: str | None) -> str:
    """The attachment's name: the track's title in letters, digits, ``-`` and ``_``."""
    stem = re.sub(r"[^\w-]+", "_", title or "").strip("_")[:80]
    return f"{stem or 'video'}.mp4"
