"""Tracks in: a post in a watched channel, ``/track``, and the "Make music video" menu.

Each way acknowledges at once (a 🎬 reaction on a post; a deferral for an interaction) and
hands the file to :class:`~bot.discord_app.intake.TrackIntake`. The answer goes where the user
looks: a refused post gets a reply under it, an interaction an ephemeral follow-up (the thread
itself is public); a message that has a thread already gets a link to it, never a second one.
The conversation speaks its owner's language (:mod:`bot.discord_app.locales`): their
``/settings`` choice, else the interaction's locale; for a post, the author's remembered
locale, else the server's chosen one, else the script of the post's words.
"""

from __future__ import annotations

import contextlib
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.texts import accepted_formats, text
from bot.discord_app.context import AppContext
from bot.discord_app.errors import classify, log_failure
from bot.discord_app.intake import Existing, Opened, Rejected
from bot.discord_app.translator import localized

log = logging.getLogger(__name__)

ACKNOWLEDGE = "🎬"
_USER_MESSAGES = (discord.MessageType.default, discord.MessageType.reply)


class TracksCog(commands.Cog):
    """Opens a track thread from a post, ``/track`` or the message menu."""

    def __init__(self, bot: commands.AutoShardedBot, app: AppContext) -> None:
        self._bot = bot
        self._app = app
        self._menu = app_commands.ContextMenu(
            name=localized("cmd_make_video_name"), callback=self.make_video
        )

    async def cog_load(self) -> None:
        """Register the message menu (context menus cannot live in a cog's class body)."""
        self._bot.tree.add_command(self._menu)

    async def cog_unload(self) -> None:
        """Unregister the message menu."""
        self._bot.tree.remove_command(self._menu.name, type=self._menu.type)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A file posted in a watched channel becomes a track thread."""
        channel = message.channel
        if (
            message.author.bot
            or channel.id not in self._app.watched
            or not isinstance(channel, discord.TextChannel)
            or message.type not in _USER_MESSAGES
            or not message.attachments
        ):
            return
        with contextlib.suppress(discord.HTTPException):  # a courtesy; missing rights are fine
            await self._app.limiter.request()
            await message.add_reaction(ACKNOWLEDGE)
        lang = await self._app.actions.languages.of_post(message)
        try:
            outcome = await self._app.intake.receive(
                message.attachments[0],
                author_id=message.author.id,
                language=lang,
                channel=channel,
                request_id=message.id,
                message=message,
            )
        except Exception as error:
            log_failure(error, f"opening a track thread for message {message.id}")
            failure = await classify(error, lang, self._app.use_cases.deps)
            if failure.text is not None:
                with contextlib.suppress(discord.HTTPException):
                    await self._reply(message, failure.text)
            return
        if isinstance(outcome, Rejected):
            await self._reply(message, outcome.text)

    async def _reply(self, message: discord.Message, reply: str) -> None:
        await self._app.limiter.create(message.channel.id)  # the shared budget, like all sends
        await message.reply(reply)

    @app_commands.command(
        name=localized("cmd_track_name"), description=localized("cmd_track_description")
    )
    @app_commands.rename(file=localized("cmd_track_file_name"))
    @app_commands.describe(file=localized("cmd_track_file_description"))
    @app_commands.guild_only()
    async def track(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """``/track file:…`` opens a thread for the file."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._receive(interaction, file, message=None)

    @app_commands.guild_only()
    async def make_video(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """The "Make music video" message menu: a thread for the message's first file."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        if not message.attachments:
            lang = await self._app.actions.language(interaction)
            hint = text("track_no_file", lang, accepted=accepted_formats(lang))
            await interaction.followup.send(hint, ephemeral=True)
            return
        await self._receive(interaction, message.attachments[0], message=message)

    async def _receive(
        self,
        interaction: discord.Interaction,
        attachment: discord.Attachment,
        *,
        message: discord.Message | None,
    ) -> None:
        lang = await self._app.actions.language(interaction)
        channel = interaction.channel
        if isinstance(channel, discord.Thread):
            channel = channel.parent
        if not isinstance(channel, discord.TextChannel):
            await interaction.followup.send(text("track_needs_channel", lang), ephemeral=True)
            return
        if message is not None and message.channel.id != channel.id:
            message = None  # a post inside a thread: the new thread opens in the channel
        outcome = await self._app.intake.receive(
            attachment,
            author_id=interaction.user.id,
            language=lang,
            channel=channel,
            request_id=interaction.id,
            message=message,
        )
        if isinstance(outcome, Opened):
            reply = text("track_opened", lang, thread=outcome.thread.mention, title=outcome.title)
        elif isinstance(outcome, Existing):
            reply = text("track_existing", lang, thread=outcome.thread.mention)
        else:
            reply = outcome.text
        await interaction.followup.send(reply, ephemeral=True)
