"""`beatthread run` as an operator runs it: a real subprocess, and its settings."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.config import DISCORD_API_BASE, DISCORD_GATEWAY_URL, Settings
from bot.discord_app.endpoints import discord_endpoints
from tests.discord_app.stage import WAIT, mp3_bytes


def run_env(tmp_path, **values: str) -> dict[str, str]:
    """A clean environment: nothing from the developer's DISCORD_/NEMO_ settings leaks in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "NEMO_", "DATABASE_", "WATCH_", "MAX_"))
    }
    # OPS_PORT=0: the side server on any free port, never a fixed one shared by parallel runs.
    env.update({"DATA_DIR": str(tmp_path / "data"), "LOG_LEVEL": "WARNING", "OPS_PORT": "0"})
    env.update(values)
    return env


async def beatthread(env: dict[str, str], cwd) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_run_without_a_token_is_a_one_line_error(tmp_path):
    """No DISCORD_TOKEN: one line saying what to set, exit code 2, nothing else (at INFO)."""
    process = await beatthread(run_env(tmp_path, LOG_LEVEL="INFO"), tmp_path)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    lines = stderr.decode().splitlines()
    assert lines == [lines[0]] and stdout == b""
    assert lines[0].startswith("beatthread run: DISCORD_TOKEN is not set.")
    assert not (tmp_path / "data").exists()  # checked before anything opens or migrates the db


async def test_run_with_a_refused_token_is_a_one_line_error(tmp_path, emulator):
    """A token Discord refuses: a clear line, exit code 3, no traceback."""
    env = run_env(
        tmp_path,
        DISCORD_TOKEN="not.the.token",
        DISCORD_API_BASE=emulator.api_base,
        DISCORD_GATEWAY_URL=emulator.gateway_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
    )
    process = await beatthread(env, tmp_path)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    text = stderr.decode()
    assert process.returncode == 3, text
    assert "Traceback" not in text and "voice" not in text  # no voice: no warning about it
    assert text.splitlines()[-1].startswith("beatthread run: Discord refused DISCORD_TOKEN")


async def test_run_with_an_unreachable_database_is_a_one_line_error(tmp_path, emulator):
    """PostgreSQL not answering: where (without the password), exit code 4, no traceback."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = run_env(
        tmp_path,
        DISCORD_TOKEN=emulator.token,
        DISCORD_API_BASE=emulator.api_base,
        DISCORD_GATEWAY_URL=emulator.gateway_url,
        DATABASE_URL=f"postgresql://beatthread:hunter2secret@127.0.0.1:{port}/beatthread",
    )
    process = await beatthread(env, tmp_path)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    text = stderr.decode()
    assert process.returncode == 4, text
    assert "Traceback" not in text and "hunter2secret" not in text
    last = text.splitlines()[-1]
    assert last.startswith("beatthread run: cannot open the database postgresql")
    assert f"127.0.0.1:{port}/beatthread" in last and "DATABASE_URL" in last


async def test_run_migrates_connects_serves_a_track_and_stops_cleanly(tmp_path, make_stage):
    """The real command: migrate, connect through the settings, open a thread, stop on SIGTERM."""
    stage = await make_stage()
    database = tmp_path / "fresh.db"  # empty: `run` migrates it
    env = run_env(
        tmp_path,
        DISCORD_TOKEN=stage.emulator.token,
        DISCORD_API_BASE=stage.emulator.api_base,
        DISCORD_GATEWAY_URL=stage.emulator.gateway_url,
        NEMO_API_URL=stage.backend.url,
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        WATCH_CHANNEL_IDS=str(stage.tracks.id),
    )
    process = await beatthread(env, tmp_path)
    try:
        await stage.emulator.wait_for_commands(timeout=30)
        await stage.emulator.wait_for_event("GUILD_CREATE", timeout=WAIT)
        posted = await stage.mia.post(stage.tracks, "", files=[("Run.mp3", mp3_bytes())])
        thread = await stage.emulator.wait_for_thread(stage.tracks, lambda t: t.id == posted.id)
        await stage.ready_in(thread)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()


def test_endpoints_apply_only_when_configured_and_are_restored():
    """DISCORD_API_BASE / DISCORD_GATEWAY_URL move discord.py; Discord's defaults change nothing."""
    before = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    assert before == (DISCORD_API_BASE, yarl.URL(DISCORD_GATEWAY_URL))
    with discord_endpoints(Settings(_env_file=None)):
        assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    elsewhere = Settings(
        _env_file=None,
        discord_api_base="http://127.0.0.1:9/api/v10/",
        discord_gateway_url="ws://127.0.0.1:9/gateway",
    )
    with discord_endpoints(elsewhere):
        assert Route.BASE == "http://127.0.0.1:9/api/v10"
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:9/gateway"
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


def test_watch_channel_ids_are_comma_separated(monkeypatch):
    """WATCH_CHANNEL_IDS="1, 2,3" is three channels; empty is none."""
    monkeypatch.setenv("WATCH_CHANNEL_IDS", "1, 2,3")
    assert Settings(_env_file=None).watch_channel_ids == (1, 2, 3)
    monkeypatch.setenv("WATCH_CHANNEL_IDS", "")
    assert Settings(_env_file=None).watch_channel_ids == ()
