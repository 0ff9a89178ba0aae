"""Pointing the real discord.py client at an emulator, and running one for a test.

discord.py builds every REST URL from ``discord.http.Route.BASE`` (webhooks and interaction
responses included) and opens the gateway at ``DiscordWebSocket.DEFAULT_GATEWAY`` (an
``AutoShardedClient`` asks ``GET /gateway/bot`` instead); after READY it resumes at READY's
``resume_gateway_url``. ``pointed_at`` sets both class attributes and restores them.

discord.py quirks a test must respect:

- ``import discord`` imports ``audioop``, which warns with ``DeprecationWarning`` on 3.11;
  under ``filterwarnings = error`` the first import must happen inside a warnings filter
  (done here);
- ``Client.start`` waits ``guild_ready_timeout`` (2 s by default) after the last
  GUILD_CREATE before ``on_ready``; tests pass a small value (``CLIENT_OPTIONS``);
- ``wait_until_ready`` only works after ``login``, so ``running`` logs in first and then runs
  ``connect`` as a task.
"""

# ruff: noqa: ASYNC109 - waits take a timeout by design, as the driver API in issue 5 asks

from __future__ import annotations

import asyncio
import contextlib
import sys
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import yarl

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

from .server import DiscordEmulator

ClientT = TypeVar("ClientT", bound=discord.Client)

CLIENT_OPTIONS: dict[str, Any] = {"guild_ready_timeout": 0.05}
"""Keyword arguments for ``discord.Client`` that keep start-up fast against the emulator."""


@contextlib.contextmanager
def pointed_at(emulator: DiscordEmulator) -> Iterator[None]:
    """Send discord.py's REST and gateway traffic to ``emulator`` for the ``with`` body."""
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = emulator.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emulator.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


@contextlib.asynccontextmanager
async def running(
    client: ClientT, token: str, *, emulator: DiscordEmulator | None = None, timeout: float = 10.0
) -> AsyncIterator[ClientT]:
    """Log ``client`` in, connect it, wait for ``on_ready`` (and every guild), then close it."""
    try:
        await client.login(token)
    except BaseException:
        await client.close()
        raise
    task = asyncio.create_task(client.connect(), name="discord-client-connect")
    try:
        await _wait_ready(client, task, emulator, timeout)
        yield client
    finally:
        await client.close()
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        elif not task.cancelled() and (error := task.exception()) is not None:
            # Surface a crash of the connect loop, unless the test already failed.
            propagating = sys.exc_info()[1] is not None
            if not propagating:
                raise error


async def _wait_ready(
    client: discord.Client,
    task: asyncio.Task[None],
    emulator: DiscordEmulator | None,
    timeout: float,
) -> None:
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait(
        {task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    if ready not in done:
        ready.cancel()
        if task in done:
            task.result()
            raise RuntimeError("the client stopped before it was ready")
        raise TimeoutError("the client did not become ready")
    if emulator is None:
        return
    for guild_id in emulator.state.guilds:
        if client.get_guild(guild_id) is None:
            await client.wait_for(
                "guild_available", check=lambda g, gid=guild_id: g.id == gid, timeout=timeout
            )


__all__ = ["CLIENT_OPTIONS", "discord", "pointed_at", "running"]
