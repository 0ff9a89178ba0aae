"""What ``/settings``, ``/history`` and their panels (:mod:`bot.discord_app.panels`) do.

Each acknowledges first: a command with an ephemeral deferral, a panel's component with a
deferred update, so the panel is then edited in place. Answers are in the user's language
(:class:`~bot.discord_app.locales.ReplyLanguages`), after a change of it already in the new
one. A change is stored at once (:func:`bot.core.usecases.settings.change_settings`) and the
panel says what was saved; a chosen reply language also reaches the user's conversations
open now (:meth:`~bot.discord_app.hub.ConversationHub.speak`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import discord

from bot.core.models import UserSettingsChanges
from bot.core.usecases import UseCases
from bot.discord_app.hub import ConversationHub
from bot.discord_app.locales import ReplyLanguages
from bot.discord_app.panels import (
    history_text,
    history_view,
    saved_text,
    settings_text,
    settings_view,
)

if TYPE_CHECKING:
    from bot.discord_app.panels import PanelActions


class Preferences:
    """A user's own settings and history (implements :class:`~.panels.PanelActions`).

    ``track`` is called first in every component use, so shutdown waits for it like for a
    command (commands are tracked by the command tree).
    """

    def __init__(
        self,
        use_cases: UseCases,
        hub: ConversationHub,
        languages: ReplyLanguages,
        *,
        track: Callable[[], None] = lambda: None,
    ) -> None:
        self._use_cases = use_cases
        self._hub = hub
        self._languages = languages
        self._track = track

    async def show_settings(self, interaction: discord.Interaction) -> None:
        """``/settings``: the panel with the current values."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = await self._languages.of_interaction(interaction)
        settings = await self._use_cases.user_settings(interaction.user.id)
        view = settings_view(settings, lang)
        await interaction.followup.send(settings_text(settings, lang), view=view, ephemeral=True)

    async def change_settings(
        self, interaction: discord.Interaction, changes: UserSettingsChanges
    ) -> None:
        """A panel's menu or switch: store the change, show the panel again with what was saved."""
        self._track()
        await interaction.response.defer()
        user_id = interaction.user.id
        settings = await self._use_cases.change_settings(user_id, **changes)
        if settings.language is not None and "language" in changes:
            self._hub.speak(user_id, settings.language)
        lang = await self._languages.of_interaction(interaction)
        await interaction.edit_original_response(
            content=settings_text(settings, lang, saved_text(changes, lang)),
            view=settings_view(settings, lang),
        )

    async def show_history(self, interaction: discord.Interaction) -> None:
        """``/history``: the first page of the user's videos."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = await self._languages.of_interaction(interaction)
        history = await self._use_cases.history(interaction.user.id)
        view = history_view(history, lang)
        content = history_text(history, lang)
        if view is None:
            await interaction.followup.send(content, ephemeral=True)
        else:
            await interaction.followup.send(content, view=view, ephemeral=True)

    async def history_page(self, interaction: discord.Interaction, page: int) -> None:
        """Previous / Next: show page ``page`` in the same message."""
        self._track()
        await interaction.response.defer()
        lang = await self._languages.of_interaction(interaction)
        history = await self._use_cases.history(interaction.user.id, page)
        await interaction.edit_original_response(
            content=history_text(history, lang), view=history_view(history, lang)
        )


if TYPE_CHECKING:  # mypy proves the class fits the panels' protocol; nothing runs

    def _fits(preferences: Preferences) -> PanelActions:
        return preferences
