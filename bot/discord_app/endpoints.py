"""Where discord.py connects: Discord itself, or a Discord-compatible server.

discord.py builds every REST URL, interaction responses and webhooks included, from the class
attribute ``discord.http.Route.BASE``, and opens the gateway at
``DiscordWebSocket.DEFAULT_GATEWAY``. After READY it resumes at the ``resume_gateway_url``
the server sent, and after an invalidated session it starts again from ``DEFAULT_GATEWAY``;
an ``AutoShardedClient`` asks ``GET /gateway/bot`` (under ``Route.BASE``) instead. So these
two attributes are all there is to point at: :func:`discord_endpoints` sets them from
``DISCORD_API_BASE`` and ``DISCORD_GATEWAY_URL`` when those differ from Discord's, and puts
the previous values back on exit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.config import DISCORD_API_BASE, DISCORD_GATEWAY_URL, Settings


@contextmanager
def discord_endpoints(settings: Settings) -> Iterator[None]:
    """Point discord.py at the configured REST base and gateway for the ``with`` body."""
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    api_base = settings.discord_api_base.rstrip("/")
    if api_base != DISCORD_API_BASE:
        Route.BASE = api_base
    if settings.discord_gateway_url != DISCORD_GATEWAY_URL:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway
