"""The shared limiter spreads the global budget, reserves slots, and never herds its waiters."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import Counter
from collections.abc import Coroutine
from typing import Any

from bot.discord_app.limiter import MessageBudget, MessageLimiter


class FakeTime:
    """A clock that only moves when the limiter sleeps; counts the sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds


class VirtualTime:
    """Time that jumps to the next timer once every task waits on one; counts each task's sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: Counter[asyncio.Task[Any] | None] = Counter()
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._added = asyncio.Event()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps[asyncio.current_task()] += 1
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + seconds, next(self._order), woken))
        self._added.set()
        await woken

    async def run(self, coroutines: list[Coroutine[Any, Any, None]]) -> None:
        """Run the coroutines to the end, moving time on whenever all of them wait."""
        running: set[asyncio.Future[Any]] = {asyncio.create_task(c) for c in coroutines}
        while running:
            while len(self._timers) < len(running):  # someone can still run: let them
                self._added.clear()
                added = asyncio.ensure_future(self._added.wait())
                done, _ = await asyncio.wait(running | {added}, return_when="FIRST_COMPLETED")
                added.cancel()
                for task in done - {added}:
                    task.result()
                running -= done
            if running:
                at, _, woken = heapq.heappop(self._timers)
                self.now = at
                woken.set_result(None)


def limiter_on(time: FakeTime, **budget: float) -> MessageLimiter:
    return MessageLimiter(MessageBudget(**budget), clock=time.clock, sleep=time.sleep)


async def create_times(limiter: MessageLimiter, time: FakeTime, channels: range) -> list[float]:
    times = []
    for channel in channels:
        await limiter.create(channel)
        times.append(round(time.now - 100.0, 6))
    return times


async def test_after_a_quiet_spell_a_small_burst_goes_then_one_request_per_interval():
    """40 a second means one every 25 ms once the burst of five is spent, not 40 at once."""
    time = FakeTime()
    times = await create_times(limiter_on(time), time, range(10))
    assert times == [0.0] * 5 + [0.025, 0.05, 0.075, 0.1, 0.125]


async def test_no_second_of_a_long_run_holds_more_than_the_budget():
    """Any one-second window, Discord's too wherever it starts, holds at most 40, and ~40 go."""
    time = FakeTime()
    times = await create_times(limiter_on(time), time, range(400))
    per_window = [sum(1 for t in times if start <= t < start + 1.0) for start in times]
    assert max(per_window) <= 40
    assert times[-1] <= 400 / 40


async def test_other_requests_share_the_global_budget():
    """Reactions, thread creation and reads take slots of the same budget as messages."""
    time = FakeTime()
    limiter = limiter_on(time, overall_per_second=3)
    await limiter.request()
    await limiter.create(1)
    assert limiter.try_edit(2, 20)
    assert time.now == 100.0
    assert not limiter.try_edit(3, 30)
    await limiter.request()
    assert time.now == 101.0


async def test_a_thousand_waiters_each_sleep_once():
    """Each caller reserves its slot and sleeps until it: no wake-up finds its slot taken."""
    time = VirtualTime()
    limiter = MessageLimiter(MessageBudget(), clock=time.clock, sleep=time.sleep)
    await time.run([limiter.create(channel) for channel in range(1000)])
    assert time.now >= (1000 - 5) / 40  # they did queue: a 25-second backlog
    assert max(time.sleeps.values()) == 1


async def test_a_request_held_by_its_channel_does_not_hold_other_channels():
    """A thread at its own limit waits alone; the next thread's message goes at once."""
    limiter = MessageLimiter()
    limiter.learn("create", 1, remaining=0, reset_after=30.0)
    held = asyncio.create_task(limiter.create(1))  # waits for channel 1's window
    await asyncio.wait_for(limiter.create(2), 1.0)  # would wait 30 s behind a global queue
    assert not held.done()
    held.cancel()
