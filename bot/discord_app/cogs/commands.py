"""``/credits``, ``/export``, ``/status``, ``/settings``, ``/history`` and ``/help``.

Names and descriptions are also in 中文. The handlers are one line each:
:class:`~bot.discord_app.actions.Actions` (the thread and the account) and
:class:`~bot.discord_app.preferences.Preferences` (the user's own settings and videos)
acknowledge, do the work and answer ephemerally; what the thread should see comes through the
thread.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.models import EXPORT_RESOLUTIONS
from bot.discord_app.context import AppContext
from bot.discord_app.errors import tell
from bot.discord_app.render import help_embed
from bot.discord_app.translator import localized


class CommandsCog(commands.Cog):
    """The slash commands about a thread and the account."""

    def __init__(self, bot: commands.AutoShardedBot, app: AppContext) -> None:
        self._bot = bot
        self._app = app

    @app_commands.command(
        name=localized("cmd_credits_name"), description=localized("cmd_credits_description")
    )
    async def credits(self, interaction: discord.Interaction) -> None:
        """The credit balance, as an ephemeral embed."""
        await self._app.actions.credits(interaction)

    @app_commands.command(
        name=localized("cmd_export_name"), description=localized("cmd_export_description")
    )
    @app_commands.rename(resolution=localized("cmd_export_resolution_name"))
    @app_commands.describe(resolution=localized("cmd_export_resolution_description"))
    @app_commands.choices(
        resolution=[app_commands.Choice(name=value, value=value) for value in EXPORT_RESOLUTIONS]
    )
    @app_commands.guild_only()
    async def export(self, interaction: discord.Interaction, resolution: str | None = None) -> None:
        """Render this thread's video (MP4, at the user's default resolution unless chosen)."""
        channel_id = interaction.channel_id or 0
        await self._app.actions.request_export(interaction, channel_id, resolution, guarded=False)

    @app_commands.command(
        name=localized("cmd_status_name"), description=localized("cmd_status_description")
    )
    @app_commands.guild_only()
    async def status(self, interaction: discord.Interaction) -> None:
        """Show the thread's timeline."""
        channel_id = interaction.channel_id or 0
        await self._app.actions.show_timeline(interaction, channel_id, guarded=False)

    @app_commands.command(
        name=localized("cmd_settings_name"), description=localized("cmd_settings_description")
    )
    async def settings(self, interaction: discord.Interaction) -> None:
        """The user's own settings, to change in place."""
        await self._app.preferences.show_settings(interaction)

    @app_commands.command(
        name=localized("cmd_history_name"), description=localized("cmd_history_description")
    )
    async def history(self, interaction: discord.Interaction) -> None:
        """The user's last exported videos, a page at a time."""
        await self._app.preferences.show_history(interaction)

    @app_commands.command(
        name=localized("cmd_help_name"), description=localized("cmd_help_description")
    )
    async def help(self, interaction: discord.Interaction) -> None:
        """How Beatthread works."""
        lang = await self._app.actions.language(interaction)
        await tell(interaction, embed=help_embed(lang))
