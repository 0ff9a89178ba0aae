"""Messages in Beatthread threads go to the thread's conversation runner.

Anyone in a Beatthread thread can talk to the bot without an @mention (a mention of the bot is
dropped from the text). A thread is Beatthread's if the store knows it. Before a message is
queued, the per-user caps apply (``MAX_QUEUED_TURNS_PER_USER`` messages waiting,
``MAX_EXPORTS_PER_USER`` exports in flight); a message over a cap gets a short reply and is
not processed, ever: nothing is re-sent later. The message is routed here, once (the export cap
needs its intent), and the intent goes to the runner with it; the runner takes care of the rest
(each message at most once, queued in order, bursts merged). Files are checked and read when
their upload's turn comes.
"""

from __future__ import annotations

import logging
import re

import discord
from discord.ext import commands

from bot.core.intents import IntentKind, route
from bot.core.texts import text
from bot.core.usecases import ConversationRunner, IncomingMessage
from bot.discord_app.attachments import as_attachment
from bot.discord_app.context import AppContext
from bot.discord_app.errors import log_failure

log = logging.getLogger(__name__)

_USER_MESSAGES = (discord.MessageType.default, discord.MessageType.reply)


class ConversationCog(commands.Cog):
    """Routes thread messages to their conversation."""

    def __init__(self, bot: commands.AutoShardedBot, app: AppContext) -> None:
        self._bot = bot
        self._app = app

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A message in a Beatthread thread is a turn of its conversation."""
        received = self._app.use_cases.deps.clock.monotonic()  # before any wait (typing rule)
        channel = message.channel
        if (
            message.author.bot
            or message.guild is None
            or message.type not in _USER_MESSAGES
            # Threads the cache does not know (after a restart) arrive as partial channels.
            or not isinstance(channel, discord.Thread | discord.PartialMessageable)
        ):
            return
        try:
            runner = await self._app.hub.get(channel.id)
            if runner is not None:
                await self._hand_over(message, runner, received)
        except Exception as error:
            log_failure(error, f"handling message {message.id} in thread {channel.id}")

    @commands.Cog.listener()
    async def on_raw_typing(self, payload: discord.RawTypingEvent) -> None:
        """Someone typing in a thread holds back the turn their last line is about to start."""
        if payload.guild_id is not None:
            self._app.hub.typing(payload.channel_id, payload.user_id)

    async def _hand_over(
        self, message: discord.Message, runner: ConversationRunner, received: float
    ) -> None:
        author = message.author.id
        lang = runner.conversation.language
        limits = self._app.actions.limits
        if self._app.hub.waiting(author) >= limits.queued_turns_per_user:
            limit = limits.queued_turns_per_user
            await self._reply(message, text("queue_limit", lang, limit=limit))
            return
        content = self._without_bot_mention(message.content)
        intent = route(content, has_files=bool(message.attachments))
        if intent.kind is IntentKind.EXPORT and await self._over_export_limit(author):
            limit = limits.exports_per_user
            await self._reply(message, text("export_limit", lang, limit=limit))
            return
        attachments = tuple(as_attachment(self._app.http, a) for a in message.attachments)
        incoming = IncomingMessage(message.id, author, intent, attachments, received_at=received)
        await runner.submit(incoming)

    async def _reply(self, message: discord.Message, reply: str) -> None:
        await self._app.limiter.create(message.channel.id)  # the shared budget, like all sends
        await message.reply(reply)

    async def _over_export_limit(self, author: int) -> bool:
        actions = self._app.actions
        return await actions.exports_in_flight(author) >= actions.limits.exports_per_user

    def _without_bot_mention(self, content: str) -> str:
        me = self._bot.user
        if me is None:
            return content
        return re.sub(rf"<@!?{me.id}>", "", content).strip()
