"""Fixtures for the emulator's own tests: an emulator, a world in it, discord.py clients."""

from tests.discord_emulator.plugin import (  # noqa: F401 - fixtures are found by name
    connect,
    emulator,
    make_emulator,
    world,
)
