"""Pytest fixtures for tests that drive discord.py against the emulator.

Add ``"tests.discord_emulator.plugin"`` to ``pytest_plugins`` to use them elsewhere.

- ``make_emulator(**config)``: start an emulator (closed at teardown);
- ``emulator``: one with default settings and short heartbeats;
- ``world``: a guild with a ``#tracks`` channel and a user ``mia`` in it;
- ``connect(client_or_None, **client_kwargs)``: point discord.py at the emulator, log a
  client in and wait until it is ready; closed and un-pointed at teardown.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from .discordpy import CLIENT_OPTIONS, discord, pointed_at, running
from .driver import UserDriver
from .models import Channel, Guild
from .server import DiscordEmulator

MakeEmulator = Callable[..., Awaitable[DiscordEmulator]]
Connect = Callable[..., Awaitable[Any]]


@pytest.fixture
async def make_emulator() -> AsyncIterator[MakeEmulator]:
    """A factory of running emulators; keyword arguments override ``EmulatorConfig``."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(**overrides: Any) -> DiscordEmulator:
            return await stack.enter_async_context(DiscordEmulator(**overrides))

        yield make


@pytest.fixture
async def emulator(make_emulator: MakeEmulator) -> DiscordEmulator:
    """A running emulator with default settings."""
    return await make_emulator()


@dataclass
class World:
    """A small guild: one text channel and one user."""

    emulator: DiscordEmulator
    guild: Guild
    channel: Channel
    mia: UserDriver


@pytest.fixture
def world(emulator: DiscordEmulator) -> World:
    """``Beat Lab`` with ``#tracks`` and the user ``mia`` (locale en-US)."""
    guild = emulator.add_guild("Beat Lab")
    channel = emulator.add_text_channel(guild, "tracks")
    mia = emulator.add_user("mia", locale="en-US")
    return World(emulator, guild, channel, mia)


@pytest.fixture
async def connect(emulator: DiscordEmulator) -> AsyncIterator[Connect]:
    """Start discord.py clients against ``emulator``; each is closed at teardown."""
    async with contextlib.AsyncExitStack() as stack:
        stack.enter_context(pointed_at(emulator))

        async def start(client: discord.Client | None = None, **kwargs: Any) -> Any:
            token = kwargs.pop("token", emulator.token)
            if client is None:
                intents = kwargs.pop("intents", None) or default_intents()
                client = discord.Client(intents=intents, **{**CLIENT_OPTIONS, **kwargs})
            return await stack.enter_async_context(running(client, token, emulator=emulator))

        yield start


def default_intents() -> discord.Intents:
    """Default intents plus message content, as Beatthread asks for."""
    intents = discord.Intents.default()
    intents.message_content = True
    return intents
