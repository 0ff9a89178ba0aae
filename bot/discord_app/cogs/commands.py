"""``/credits``, ``/export``, ``/status`` and ``/help`` (names and descriptions also in 中文).

The handlers are one line each: :class:`~bot.discord_app.actions.Actions` acknowledges, does
the work and answers ephemerally; what the thread should see comes through the thread.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.usecases import ExportOptions
from bot.discord_app.context import AppContext
from bot.discord_app.errors import tell
from bot.discord_app.render import help_embed
from bot.discord_app.translator import localized

#: The ``output`` choices the render contract accepts (§3.8); MP4 is the one format.
RESOLUTIONS = ("1080p", "720p")
DEFAULT_RESOLUTION = "1080p"


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
        resolution=[app_commands.Choice(name=value, value=value) for value in RESOLUTIONS]
    )
    @app_commands.guild_only()
    async def export(
        self, interaction: discord.Interaction, resolution: str = DEFAULT_RESOLUTION
    ) -> None:
        """Render this thread's video (MP4, 1080p unless chosen otherwise)."""
        options = ExportOptions(format="mp4", resolution=resolution)
        channel_id = interaction.channel_id or 0
        await self._app.actions.request_export(interaction, channel_id, options, guarded=False)

    @app_commands.command(
        name=localized("cmd_status_name"), description=localized("cmd_status_description")
    )
    @app_commands.guild_only()
    async def status(self, interaction: discord.Interaction) -> None:
        """Show the thread's timeline."""
        channel_id = interaction.channel_id or 0
        await self._app.actions.show_timeline(interaction, channel_id, guarded=False)

    @app_commands.command(
        name=localized("cmd_help_name"), description=localized("cmd_help_description")
    )
    async def help(self, interaction: discord.Interaction) -> None:
        """How Beatthread works."""
        lang = self._app.actions.language(interaction)
        await tell(interaction, embed=help_embed(lang))
