"""Track in: from a Discord attachment to a thread with a backend session and the track in it.

The three ways in (a post in a watched channel, ``/track``, the "Make music video" message
menu) share :meth:`TrackIntake.receive`. The caller has already acknowledged the user (a
reaction, or a deferred interaction). Then, in order:

1. **Check**, once, with :func:`bot.core.usecases.uploads.check_file`: the name and size from
   Discord's metadata first, so a file of the wrong type or too large is refused without a
   request to the CDN; then the magic bytes from the start of one GET, which stays open for
   the upload. A refused file gets the friendly text listing what is accepted, and no thread
   is opened.
2. **Open a public thread** named after the track: under the posted message when there is one,
   else in the channel. A message has at most one thread: if it has one already (known from
   the message, or Discord answers 160004 because it was opened meanwhile), nothing new is
   opened and the caller points the user to that thread (:class:`Existing`). A Beatthread
   thread is left as it is; anyone else's becomes the track's thread.
3. **Record the conversation** and create its backend session in the user's language
   (starting one on a thread already recorded keeps that conversation and its session).
4. **Upload** by handing the checked file (its stream still open) to the thread's runner as
   its first message, routed here as an upload, so it is handled at most once (keyed by the
   message or interaction id), URL upload first with that stream going on as the fallback; the
   runner's presenter posts "Ready" with what to try next. Until the runner has the file, every
   way out of :meth:`TrackIntake.receive` closes its stream.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import discord
import httpx

from bot.core.intents import Intent, IntentKind
from bot.core.media import extension_of
from bot.core.texts import rejection_text, text
from bot.core.usecases import IncomingMessage, NewThread
from bot.core.usecases.uploads import CheckedFile, check_file
from bot.discord_app.attachments import as_attachment
from bot.discord_app.hub import ConversationHub
from bot.discord_app.limiter import MessageLimiter

log = logging.getLogger(__name__)

#: Discord's thread name limit.
MAX_THREAD_NAME = 100
_THREAD_ALREADY_CREATED = 160004


@dataclass(frozen=True, slots=True)
class Rejected:
    """The file was refused; ``text`` says why and what is accepted."""

    text: str


@dataclass(frozen=True, slots=True)
class Opened:
    """The thread is open and the upload is under way."""

    thread: discord.Thread
    title: str


@dataclass(frozen=True, slots=True)
class Existing:
    """The message has a thread already: that one is the track's, and nothing new opened."""

    thread: discord.Thread


def title_of(filename: str) -> str:
    """The thread name for a track: the file name without extension, tidied."""
    stem = filename.rsplit(".", 1)[0] if extension_of(filename) else filename
    words = re.sub(r"[_\s]+", " ", stem).strip()
    return (words or "Track")[:MAX_THREAD_NAME]


class TrackIntake:
    """Turns an attachment into a track thread (steps in the module docstring)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        hub: ConversationHub,
        limiter: MessageLimiter,
        *,
        max_bytes: int,
    ) -> None:
        self._http = http
        self._hub = hub
        self._limiter = limiter
        self._max_bytes = max_bytes

    async def receive(
        self,
        attachment: discord.Attachment,
        *,
        author_id: int,
        language: str,
        channel: discord.TextChannel,
        request_id: int,
        message: discord.Message | None = None,
    ) -> Rejected | Opened | Existing:
        """Check, open the thread (or find the message's), start the conversation, upload."""
        checked = await self._check(attachment, language)
        if isinstance(checked, Rejected):
            return checked
        handed = False
        try:
            title = title_of(attachment.filename)
            thread, existed = await self._open_thread(channel, title, message)
            if existed and await self._hub.get(thread.id) is not None:
                return Existing(thread)  # Beatthread's already, with this message's track
            runner = await self._hub.start(
                NewThread(
                    thread_id=thread.id,
                    guild_id=channel.guild.id,
                    parent_channel_id=channel.id,
                    owner_user_id=author_id,
                    title=title,
                    language=language,
                )
            )
            upload = Intent(IntentKind.UPLOAD, "")
            await runner.submit(IncomingMessage(request_id, author_id, upload, (checked,)))
            handed = True  # the runner closes it now, whatever submit answered
        finally:
            if not handed:
                await checked.aclose()
        return Existing(thread) if existed else Opened(thread, title)

    async def _check(self, attachment: discord.Attachment, lang: str) -> CheckedFile | Rejected:
        """The file ready to send, or why ``attachment`` cannot be a track (the user's text)."""
        try:
            outcome = await check_file(
                as_attachment(self._http, attachment), max_bytes=self._max_bytes
            )
        except httpx.HTTPError as error:
            log.warning("could not read the start of %s: %r", attachment.filename, error)
            return Rejected(text("upload_failed", lang, filename=attachment.filename))
        if isinstance(outcome, CheckedFile):
            return outcome
        return Rejected(rejection_text(outcome, lang, max_bytes=self._max_bytes))

    async def _open_thread(
        self, channel: discord.TextChannel, title: str, message: discord.Message | None
    ) -> tuple[discord.Thread, bool]:
        """The track's thread, and whether it existed already (the message's own thread)."""
        if message is not None and message.thread is not None:
            return message.thread, True
        # Thread creation spends the same global request budget as every send.
        await self._limiter.create(channel.id)
        if message is None:
            thread = await channel.create_thread(name=title, type=discord.ChannelType.public_thread)
            return thread, False
        try:
            return await message.create_thread(name=title), False
        except discord.HTTPException as error:
            if error.code != _THREAD_ALREADY_CREATED:
                raise
        # Opened meanwhile (by someone else, or another way in racing this one): that is it.
        await self._limiter.request()
        return await message.fetch_thread(), True
