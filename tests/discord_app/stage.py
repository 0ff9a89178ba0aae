"""The end-to-end stage: the real bot against the Discord emulator and the local backend.

The bot is built the way ``beatthread run`` builds it (:func:`bot.discord_app.launch.prepared_bot`)
and reaches the emulator only through its settings (``DISCORD_API_BASE``,
``DISCORD_GATEWAY_URL``) and the backend through ``NEMO_API_URL``. The use-case timings are
shortened (burst window, export polling); the rules are not. Used by the tests' fixtures and by
the benchmarks in ``tests/bench``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.config import Settings
from bot.core.ports import Clock
from bot.core.usecases import Timings
from bot.discord_app.bot import BeatthreadBot
from bot.discord_app.launch import prepared_bot
from bot.jobs import PollerSettings
from bot.local_backend import BackendConfig, LocalBackend
from bot.services import PollerOptions
from tests.discord_emulator import Channel, DiscordEmulator, Guild, Message, UserDriver
from tests.discord_emulator.discordpy import CLIENT_OPTIONS, running
from tests.jobs.support import TINY

FAST_TIMINGS = Timings(
    still_working_every=30.0,
    recovery_waits=(0.05, 0.1, 0.1, 0.2),
    burst_window=0.15,
)
"""The contract's waits, shortened; the rules stay the same."""

FAST_POLLING = PollerOptions(
    owner_id="beatthread:test",
    schedule=TINY,
    settings=PollerSettings(scan_every=0.1, coalesce=0.01, progress_every=0.05),
)
"""The export poller's production schedule, scaled down."""

FIRST_POLL = 0.05
"""Renders are first polled 50 ms after they were submitted."""

WAIT = 10.0
"""How long a test waits for something the bot does (never a fixed sleep)."""


def mp3_bytes(size: int = 4096) -> bytes:
    """An MP3 as far as magic bytes go: an ID3 tag, then silence-ish zeros."""
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(size - 10)


@dataclass
class Stage:
    """One emulated guild with a watched ``#tracks``, the user ``mia``, a backend and a bot."""

    emulator: DiscordEmulator
    backend: LocalBackend
    guild: Guild
    tracks: Channel
    mia: UserDriver
    database_url: str
    bot: BeatthreadBot | None = None
    _bot_stack: contextlib.AsyncExitStack | None = field(default=None, repr=False)

    def settings(self, **overrides: Any) -> Settings:
        """The settings ``beatthread run`` would read, pointed at the emulator and backend."""
        values: dict[str, Any] = {
            "discord_token": self.emulator.token,
            "discord_api_base": self.emulator.api_base,
            "discord_gateway_url": self.emulator.gateway_url,
            "watch_channel_ids": (self.tracks.id,),
            "nemo_api_url": self.backend.url,
            "nemo_web_url": self.backend.url,
            "nemo_token": None,
            "nemo_client_id": None,
            "database_url": self.database_url,
            "ops_port": 0,  # the side server, when a test starts it: any free port
            "export_first_poll": FIRST_POLL,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start_bot(
        self,
        *,
        timings: Timings = FAST_TIMINGS,
        polling: PollerOptions = FAST_POLLING,
        ops: bool = False,
        clock: Clock | None = None,
        **overrides: Any,
    ) -> BeatthreadBot:
        """Start the bot (``run``'s code path) and wait until it is ready and synced."""
        stack = contextlib.AsyncExitStack()
        try:
            settings = self.settings(**overrides)
            bot = await stack.enter_async_context(
                prepared_bot(
                    settings,
                    timings=timings,
                    polling=polling,
                    ops=ops,
                    clock=clock,
                    **CLIENT_OPTIONS,
                )
            )
            await stack.enter_async_context(
                running(bot, self.emulator.token, emulator=self.emulator)
            )
        except BaseException:
            await stack.aclose()
            raise
        self.bot, self._bot_stack = bot, stack
        return bot

    async def stop_bot(self) -> None:
        """Stop the bot as a shutdown would (conversations, gateway, services)."""
        stack, self._bot_stack, self.bot = self._bot_stack, None, None
        if stack is not None:
            await stack.aclose()

    # -- the user side ----------------------------------------------------------------

    async def drop_track(
        self,
        user: UserDriver | None = None,
        name: str = "Urban Dreams.mp3",
        data: bytes | None = None,
    ) -> tuple[Message, Channel]:
        """Post a track in ``#tracks`` and wait for its thread."""
        user = user or self.mia
        posted = await user.post(self.tracks, "new track", files=[(name, data or mp3_bytes())])
        thread = await self.emulator.wait_for_thread(
            self.tracks, lambda t: t.id == posted.id, timeout=WAIT
        )
        return posted, thread

    async def ready_in(self, thread: Channel) -> Message:
        """The bot's "Ready" message in ``thread``, once the upload's turn has ended.

        The turn records itself done just after posting "Ready"; a message sent before that
        would be queued behind it (with a "waiting" notice) instead of starting its own turn.
        """
        ready = await self.emulator.wait_for_message(
            thread, lambda m: "beatthread:export:" in "".join(m.custom_ids()), timeout=WAIT
        )
        runner = None if self.bot is None else await self.bot.app.hub.get(thread.id)
        if runner is not None:
            await asyncio.wait_for(runner.join(), WAIT)
        return ready

    async def result_post(self, thread: Channel, within: float = WAIT) -> Message:
        """The export's result post in ``thread`` (its video attached or linked), by its marker."""
        marker = f"beatthread:export:{thread.id}:"
        return await self.emulator.wait_for_message(
            thread, lambda m: any(i.startswith(marker) for i in m.custom_ids()), timeout=within
        )

    def bot_messages(self, thread: Channel) -> list[Message]:
        """The bot's messages in ``thread``, oldest first."""
        bot_id = self.emulator.bot.id
        return [m for m in self.emulator.messages_in(thread) if m.author.id == bot_id]

    def session_of(self, thread: Channel) -> str:
        """The backend session of a thread (the newest session the backend made for it)."""
        sessions = list(self.backend.sessions.values())
        assert sessions, "the backend has no session"
        return sessions[-1].session_id


def leaks(stage: Stage) -> list[str]:
    """Requests that carried a token, and bot messages that mention anyone but a requester."""
    secrets = {stage.emulator.token}
    for request in stage.backend.requests:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme == "Bearer" and value:
            secrets.add(value)
    found = []
    for record in stage.emulator.recorder.requests:
        exposed = json.dumps([record.path, record.query, record.json], default=str)
        found += [f"{record.key} carries a token" for secret in secrets if secret in exposed]
    for message in stage.emulator.state.messages.values():
        if message.author.id != stage.emulator.bot.id or not message.mention_ids:
            continue
        if len(message.mention_ids) != 1 or not (message.nonce or "").startswith("bt"):
            found.append(
                f"message {message.id} mentions {message.mention_ids}: {message.content!r}"
            )
    return found


@contextlib.asynccontextmanager
async def open_stage(
    scratch: Path, backend_config: BackendConfig, **emulator_options: Any
) -> AsyncIterator[Stage]:
    """A stage outside pytest (the benchmarks): emulator, backend, empty database; no bot yet.

    ``beatthread run`` migrates the empty database when the bot starts.
    """
    async with contextlib.AsyncExitStack() as stack:
        emulator = await stack.enter_async_context(DiscordEmulator(**emulator_options))
        backend = await stack.enter_async_context(
            LocalBackend(backend_config, media_dir=scratch / "backend")
        )
        guild = emulator.add_guild("Beat Lab")
        tracks = emulator.add_text_channel(guild, "tracks")
        mia = emulator.add_user("mia", locale="en-US")
        database = f"sqlite+aiosqlite:///{scratch / 'bench.db'}"
        stage = Stage(emulator, backend, guild, tracks, mia, database)
        try:
            yield stage
        finally:
            await stage.stop_bot()


def run_env(stage: Stage, **values: str) -> dict[str, str]:
    """The environment of a ``beatthread run`` process pointed at ``stage``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "NEMO_", "DATABASE_", "WATCH_", "MAX_"))
    }
    env.update(
        DISCORD_TOKEN=stage.emulator.token,
        DISCORD_API_BASE=stage.emulator.api_base,
        DISCORD_GATEWAY_URL=stage.emulator.gateway_url,
        NEMO_API_URL=stage.backend.url,
        NEMO_WEB_URL=stage.backend.url,
        DATABASE_URL=stage.database_url,
        WATCH_CHANNEL_IDS=str(stage.tracks.id),
        LOG_LEVEL="WARNING",
    )
    env.update(values)
    return env


@contextlib.asynccontextmanager
async def bot_process(
    stage: Stage, *command: str, **env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """The bot as its own process (default ``python -m bot run``), ready and synced.

    Stopped with SIGTERM on exit; its stdout is left for the caller to read.
    """
    argv = command or ("-m", "bot", "run")
    process = await asyncio.create_subprocess_exec(
        sys.executable, *argv, env=run_env(stage, **env), stdout=asyncio.subprocess.PIPE
    )
    try:
        await stage.emulator.wait_for_commands(timeout=60)
        await stage.emulator.wait_for_event("GUILD_CREATE", timeout=60)
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), 60)


@contextlib.asynccontextmanager
async def backend_process(config: dict[str, Any]) -> AsyncIterator[str]:
    """``beatthread local-backend --control`` in its own process, configured through its API.

    Benchmarks run it apart, so the backend's work counts against neither the bot nor the
    emulator. Yields its URL; stopped with SIGTERM on exit.
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "local-backend", "--control", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), 60)).decode().strip()
        async with httpx.AsyncClient() as http:
            (await http.post(f"{url}/_control/config", json=config)).raise_for_status()
        yield url
    finally:
        process.terminate()
        await process.wait()
