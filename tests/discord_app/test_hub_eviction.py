"""Idle conversations close and reopen from the store; busy ones never close; LRU over the cap."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from bot.discord_app.bot import BeatthreadBot
from bot.discord_app.hub import ConversationHub, Eviction
from tests.discord_app.stage import WAIT, Stage


class ShiftedClock:
    """The system clock plus an offset the test moves forward; waits still take real time."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self._offset)

    def monotonic(self) -> float:
        return time.monotonic() + self._offset

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def advance(self, seconds: float) -> None:
        self._offset += seconds


@contextlib.asynccontextmanager
async def bot_on(stage: Stage, clock: ShiftedClock) -> AsyncIterator[BeatthreadBot]:
    """The bot as ``beatthread run`` builds it, with ``clock`` as its time source."""
    yield await stage.start_bot(clock=clock)


async def opened(stage: Stage, name: str):
    """A track thread whose upload turn is done."""
    _, thread = await stage.drop_track(name=name)
    await stage.ready_in(thread)
    return thread


async def ask(stage: Stage, hub: ConversationHub, thread) -> None:
    """A message for the thread's runner, answered without a burst wait; back once handled.

    Handled means recorded as done too (the runner's own ``join``), so nothing of it is still
    running when the test ends and the bot stops.
    """
    asked = await stage.mia.post(thread, "show tracks")
    await stage.emulator.wait_for_message(thread, lambda m: m.id > asked.id, timeout=WAIT)
    runner = await hub.get(thread.id)
    await asyncio.wait_for(runner.join(), WAIT)


def tasks_of(thread) -> list[asyncio.Task]:
    return [t for t in asyncio.all_tasks() if str(thread.id) in t.get_name()]


async def test_an_idle_conversation_closes_then_reopens_from_the_store_with_its_track(make_stage):
    """Unused for idle_after: its runner stops; the next message reopens it, files included."""
    stage = await make_stage()
    clock = ShiftedClock()
    async with bot_on(stage, clock) as bot:
        hub = bot.app.hub
        first = await opened(stage, "Urban Dreams.mp3")
        second = await opened(stage, "Night Drive.mp3")
        before = await hub.get(first.id)
        assert tasks_of(first)  # its worker waits for messages
        clock.advance(hub.eviction.idle_after + 1)
        await ask(stage, hub, second)  # asking for a runner sweeps
        assert not hub.is_open(first.id)
        assert hub.is_open(second.id)
        assert await hub.sweep() == []  # nothing more to close; waits for the closing
        assert tasks_of(first) == []

        async with bot.app.use_cases.deps.store.transaction() as tx:
            old_session = (await tx.threads.get(first.id)).session_id
        stage.backend.drop_session(old_session)  # NemoVideo forgot it meanwhile (1002)
        await stage.mia.post(first, "sync visuals to the beat")
        notice = await stage.emulator.wait_for_message(
            first, lambda m: "session expired" in m.content, timeout=WAIT
        )
        assert "re-uploaded your track" in notice.content
        await stage.emulator.wait_for_message(
            first, lambda m: m.content.startswith("Done!"), timeout=WAIT
        )
        after = await hub.get(first.id)
        assert after is not before
        async with bot.app.use_cases.deps.store.transaction() as tx:
            new_session = (await tx.threads.get(first.id)).session_id
        assert new_session != old_session
        media = [m.filename for m in stage.backend.sessions[new_session].media]
        assert media == ["Urban Dreams.mp3"]


async def test_a_conversation_with_a_turn_running_and_one_queued_is_never_closed(make_stage):
    """However long unused, a runner with work keeps it: nothing queued is dropped."""
    stage = await make_stage()
    clock = ShiftedClock()
    async with bot_on(stage, clock) as bot:
        hub = bot.app.hub
        busy = await opened(stage, "Urban Dreams.mp3")
        other = await opened(stage, "Night Drive.mp3")
        stage.backend.config.work_seconds = 3600.0  # the tool call below never ends in the test
        await stage.mia.post(busy, "generate a neon city clip")
        await stage.emulator.wait_for_message(
            busy, lambda m: m.content.startswith("Generating"), timeout=WAIT
        )
        await stage.mia.post(busy, "then make the title bigger")
        await stage.emulator.wait_for_message(
            busy, lambda m: "(1 waiting)" in m.content, timeout=WAIT
        )
        runner = await hub.get(busy.id)
        clock.advance(hub.eviction.idle_after + 1)
        await ask(stage, hub, other)  # asking for a runner sweeps
        assert hub.is_open(busy.id)
        assert await hub.sweep() == []
        assert hub.is_open(busy.id)
        assert runner.waiting() == 1
        assert await hub.get(busy.id) is runner


async def test_over_max_open_the_least_recently_used_idle_conversation_closes(make_stage):
    """Above the cap, past the grace period, the runner used longest ago goes first."""
    stage = await make_stage()
    clock = ShiftedClock()
    async with bot_on(stage, clock) as bot:
        hub = bot.app.hub
        hub.eviction = Eviction(max_open=2)
        first = await opened(stage, "One.mp3")
        second = await opened(stage, "Two.mp3")
        third = await opened(stage, "Three.mp3")
        assert len(hub) == 3  # all used within the grace period: none may close yet
        await ask(stage, hub, first)  # the oldest is now the most recently used
        clock.advance(hub.eviction.grace + 1)  # far less than idle_after
        await ask(stage, hub, third)
        assert [hub.is_open(t.id) for t in (first, second, third)] == [True, False, True]
        assert len(hub) == 2
        await ask(stage, hub, second)  # reopened on demand
        assert hub.is_open(second.id)
