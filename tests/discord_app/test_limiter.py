"""The shared limiter: an edit a second per message, empty buckets wait, a global cap."""

from __future__ import annotations

from bot.discord_app.limiter import MessageBudget, MessageLimiter


class FakeTime:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def limiter_on(time: FakeTime, **budget: float) -> MessageLimiter:
    return MessageLimiter(MessageBudget(**budget), clock=time.clock, sleep=time.sleep)


async def edit_times(limiter: MessageLimiter, time: FakeTime, edits: list[tuple[int, int]]):
    times = []
    for channel, message in edits:
        await limiter.edit(channel, message)
        times.append(round(time.now - 100.0, 3))
    return times


async def test_one_message_is_edited_at_most_once_a_second():
    """Back-to-back edits of one message are spaced by per_message."""
    time = FakeTime()
    assert await edit_times(limiter_on(time), time, [(1, 10)] * 3) == [0.0, 1.0, 2.0]


async def test_a_channel_edit_bucket_reported_empty_holds_its_edits_until_the_reset():
    """Discord's headers said the thread's edits are used up: every message there waits."""
    time = FakeTime()
    limiter = limiter_on(time)
    limiter.learn("edit", 1, remaining=0, reset_after=2.5)
    assert not limiter.try_edit(1, 11)  # a progress edit is skipped, not queued
    assert limiter.try_edit(2, 20)  # another thread's bucket is its own
    assert await edit_times(limiter, time, [(1, 11), (1, 12)]) == [2.5, 2.5]


async def test_a_bucket_with_room_left_holds_nothing():
    """Only an empty bucket holds requests back; the numbers are Discord's, never ours."""
    time = FakeTime()
    limiter = limiter_on(time)
    limiter.learn("create", 1, remaining=3, reset_after=30.0)
    limiter.learn("edit", 1, remaining=0, reset_after=30.0)  # edits only, not creates
    for _ in range(10):
        await limiter.create(1)
    assert time.now < 101.0
    assert not limiter.try_edit(1, 10)


async def test_other_channels_are_not_held_up_but_the_global_budget_is_shared():
    """Edits and creates in different threads share one global budget per second."""
    time = FakeTime()
    limiter = limiter_on(time, overall_per_second=3)
    assert await edit_times(limiter, time, [(1, 1), (2, 2)]) == [0.0, 0.0]
    await limiter.create(3)
    assert time.now == 100.0
    await limiter.create(4)
    assert time.now == 101.0


async def test_creates_wait_for_an_empty_create_bucket_to_reset():
    """A thread whose create bucket is empty gets its next message after the reset."""
    time = FakeTime()
    limiter = limiter_on(time)
    limiter.learn("create", 1, remaining=0, reset_after=4.0)
    await limiter.create(1)
    assert time.now == 104.0


async def test_progress_edits_are_skipped_rather_than_queued():
    """try_edit never waits: inside the pacing window it says no."""
    time = FakeTime()
    limiter = limiter_on(time)
    assert limiter.try_edit(1, 10)
    assert not limiter.try_edit(1, 10)
    time.now += 1.0
    assert limiter.try_edit(1, 10)


async def test_forgotten_messages_and_quiet_channels_do_not_accumulate():
    """Finished messages are dropped; reset buckets are swept now and then."""
    time = FakeTime()
    limiter = limiter_on(time)
    for n in range(1000):
        await limiter.edit(n, n)
        limiter.learn("edit", n, remaining=0, reset_after=1.0)
        limiter.forget(n)
        time.now += 10
    assert limiter._last_edit == {}
    assert len(limiter._empty_until) <= 1
