"""What the cogs share: the use cases, the opened HTTP client, and this process's components.

Built once by :class:`~bot.discord_app.bot.BeatthreadBot` from the resources the composition
root opened; cogs receive it in their constructor (nothing is looked up globally).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bot.core.usecases import UseCases
from bot.discord_app.actions import Actions
from bot.discord_app.hub import ConversationHub
from bot.discord_app.intake import TrackIntake
from bot.discord_app.limiter import MessageLimiter
from bot.discord_app.locales import Locales
from bot.discord_app.notifier import DiscordNotifier
from bot.discord_app.preferences import Preferences


@dataclass(frozen=True, slots=True)
class AppContext:
    """The bot's components; one per bot."""

    use_cases: UseCases
    http: httpx.AsyncClient
    watched: frozenset[int]
    limiter: MessageLimiter
    locales: Locales
    notifier: DiscordNotifier
    hub: ConversationHub
    intake: TrackIntake
    actions: Actions
    preferences: Preferences
