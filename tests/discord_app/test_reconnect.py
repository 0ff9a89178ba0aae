"""``beatthread run`` reconnects in the same process when the connection dies anyway."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from bot.discord_app.launch import RECONNECT, ReconnectPolicy, serve
from tests.discord_app.stage import FAST_POLLING, FAST_TIMINGS, WAIT, Stage
from tests.discord_emulator.discordpy import CLIENT_OPTIONS

#: The production policy's shape, with delays short enough for a test.
FAST = ReconnectPolicy(first_delay=0.05, max_delay=0.2, jitter=0.25, stable_after=300.0)


@contextlib.asynccontextmanager
async def serving(stage: Stage) -> AsyncIterator[asyncio.Task[None]]:
    """``run``'s serve loop against the stage; stopped (as by SIGTERM) on exit, cleanly."""
    stopping = asyncio.Event()
    task = asyncio.create_task(
        serve(
            stage.settings(),
            stage.emulator.token,
            stopping=stopping,
            policy=FAST,
            rng=random.Random(7),
            timings=FAST_TIMINGS,
            polling=FAST_POLLING,
            **CLIENT_OPTIONS,
        )
    )
    try:
        yield task
    finally:
        stopping.set()
        await asyncio.wait({task}, timeout=WAIT + 5)
    assert task.done() and task.result() is None


def guilds_created(stage: Stage) -> int:
    return len(stage.emulator.recorder.dispatched("GUILD_CREATE"))


def identifies(stage: Stage) -> int:
    return len(
        [g for g in stage.emulator.recorder.gateway if g.direction == "received" and g.op == 2]
    )


async def assert_serves_a_chat(stage: Stage, thread: Any) -> None:
    asked = await stage.mia.post(thread, "hi, what can you do for me?")
    await stage.emulator.wait_for_message(
        thread, lambda m: m.id > asked.id and m.content.startswith("Happy to help"), timeout=WAIT
    )


def test_reconnect_delays_grow_jittered_and_bounded():
    """A crash loop must back off, never faster than the policy nor slower than its cap."""
    rng = random.Random(1)
    delays = [RECONNECT.delay(attempt, rng) for attempt in range(40)]
    assert 0.75 <= delays[0] <= 1.25
    assert delays[3] > delays[0] * 4
    assert all(d <= RECONNECT.max_delay for d in delays)
    assert len(set(delays[:6])) == 6  # jittered: no two bots retry in lockstep


async def test_a_connection_discord_py_gives_up_on_is_reconnected_and_serves(make_stage, caplog):
    """Close 4010 ends discord.py's connect; ``run`` must come back in the same process."""
    stage = await make_stage()
    emulator = stage.emulator
    caplog.set_level(logging.ERROR, logger="bot.discord_app.launch")
    async with serving(stage):
        await emulator.wait_until(lambda: guilds_created(stage) == 1, timeout=WAIT)
        _, thread = await stage.drop_track()
        await stage.ready_in(thread)
        assert await emulator.drop_gateway(code=4010) == 1
        await emulator.wait_until(lambda: guilds_created(stage) == 2, timeout=WAIT)
        await assert_serves_a_chat(stage, thread)
    assert identifies(stage) == 2
    assert "the Discord connection ended (ConnectionClosed); reconnecting in" in caplog.text
    assert emulator.token not in caplog.text


async def test_an_unusable_ready_is_dropped_and_the_session_started_again(make_stage):
    """A READY that cannot be parsed leaves no usable session: a fresh IDENTIFY must follow."""
    stage = await make_stage()
    emulator = stage.emulator
    emulator.tamper_next_ready(lambda ready: {k: v for k, v in ready.items() if k != "user"})
    async with serving(stage):
        await emulator.wait_until(lambda: guilds_created(stage) == 2, timeout=WAIT)
        _, thread = await stage.drop_track()
        await stage.ready_in(thread)
        await assert_serves_a_chat(stage, thread)
    first, second = emulator.recorder.dispatched("READY")
    assert "user" not in first.data and "user" in second.data
    assert identifies(stage) == 2


async def test_a_token_refused_on_the_gateway_ends_run(make_stage):
    """Close 4004 (authentication failed) cannot be fixed by reconnecting: ``run`` exits 3."""
    stage = await make_stage()
    emulator = stage.emulator
    stopping = asyncio.Event()
    task = asyncio.create_task(
        serve(
            stage.settings(),
            emulator.token,
            stopping=stopping,
            policy=FAST,
            timings=FAST_TIMINGS,
            polling=FAST_POLLING,
            **CLIENT_OPTIONS,
        )
    )
    try:
        await emulator.wait_until(lambda: guilds_created(stage) == 1, timeout=WAIT)
        await emulator.drop_gateway(code=4004)
        with pytest.raises(discord.LoginFailure):
            await asyncio.wait_for(task, WAIT)
    finally:
        stopping.set()
        if not task.done():
            task.cancel()
    assert identifies(stage) == 1
