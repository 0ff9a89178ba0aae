"""Ready-made health checks for :class:`~bot.ops.OpsServer`.

Each factory returns a :data:`~bot.ops.health.Check`: an async callable that returns when its
part is healthy and raises :class:`CheckFailedError` (or the underlying error) when not. None
of them costs anything: no credits, no token, no write.

discord is imported for type checking only, so ``import bot.ops`` stays free of it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import text

from bot.ops.health import Check

if TYPE_CHECKING:
    import discord
    from sqlalchemy.ext.asyncio import AsyncEngine


class CheckFailedError(Exception):
    """A health check found its part unhealthy; the message says why (no secrets)."""


def database_check(engine: AsyncEngine) -> Check:
    """Healthy when the database answers ``SELECT 1`` on a pooled connection."""

    async def check() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return check


def backend_check(http: httpx.AsyncClient, api_url: str, *, timeout: float = 2.0) -> Check:
    """Healthy when NemoVideo answers a GET of its base URL with any HTTP response.

    Reachability is all this proves: any status will do, the body is never read, and the
    request carries no ``Authorization`` header, so it costs no credits and leaks no token.
    A connect error or a timeout fails.
    """
    url = api_url.rstrip("/") + "/"

    async def check() -> None:
        try:
            async with http.stream("GET", url, timeout=timeout, follow_redirects=False):
                pass
        except httpx.TimeoutException:
            raise CheckFailedError(f"NemoVideo did not answer within {timeout:g} s") from None
        except httpx.TransportError as fault:
            raise CheckFailedError(f"NemoVideo unreachable ({type(fault).__name__})") from None

    return check


def gateway_check(client: discord.Client) -> Check:
    """Healthy when ``client`` is ready, not closed, and has a measured heartbeat latency."""

    async def check() -> None:
        if client.is_closed():
            raise CheckFailedError("the Discord client is closed")
        if not client.is_ready():
            raise CheckFailedError("the Discord client is not ready")
        # inf before the first heartbeat ack, nan without a gateway connection.
        if not math.isfinite(client.latency):
            raise CheckFailedError("no heartbeat acknowledged by the Discord gateway")

    return check
