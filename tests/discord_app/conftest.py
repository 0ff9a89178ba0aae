"""End-to-end fixtures: the stage of :mod:`tests.discord_app.stage`, torn down and checked.

Every test's traffic is scanned at teardown: no Discord or NemoVideo token in any request body
or URL the emulator received, and no mention except the one a finished export makes.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.local_backend import LocalBackend
from tests.discord_app.stage import Stage, leaks
from tests.discord_emulator import DiscordEmulator

MakeStage = Callable[..., Awaitable[Stage]]


@pytest.fixture
async def make_stage(
    make_emulator: Callable[..., Awaitable[DiscordEmulator]],
    local_backend: LocalBackend,
    sqlite_template: Path,
    tmp_path: Path,
) -> AsyncIterator[MakeStage]:
    """Build stages; bots stop at teardown.

    Keyword arguments configure the emulator; the database is a SQLite copy of the migrated
    template unless ``database_url`` names another.
    """
    stages: list[Stage] = []

    async def make(*, database_url: str | None = None, **emulator_options: Any) -> Stage:
        emulator = await make_emulator(**emulator_options)
        guild = emulator.add_guild("Beat Lab")
        tracks = emulator.add_text_channel(guild, "tracks")
        mia = emulator.add_user("mia", locale="en-US")
        if database_url is None:
            database = tmp_path / f"beatthread-{len(stages)}.db"
            shutil.copyfile(sqlite_template, database)
            database_url = f"sqlite+aiosqlite:///{database}"
        stage = Stage(emulator, local_backend, guild, tracks, mia, database_url)
        stages.append(stage)
        return stage

    try:
        yield make
    finally:
        for stage in stages:
            await stage.stop_bot()
    for stage in stages:
        assert leaks(stage) == []


@pytest.fixture
async def stage(make_stage: MakeStage) -> Stage:
    """The default stage with the bot running."""
    built = await make_stage()
    await built.start_bot()
    return built
