"""The poll schedule (pure): busy window, aiming at the estimate, back-off, jitter."""

from __future__ import annotations

import random

import pytest

from bot.core.usecases.context import FIRST_POLL_SECONDS
from bot.core.usecases.exports import FIRST_POLL_JITTER
from bot.jobs.schedule import AdaptiveSchedule, FixedSchedule, Observation, estimate_eta

EXACT = AdaptiveSchedule(jitter=0.0)
RNG = random.Random(0)


@pytest.mark.parametrize(
    ("progress", "age", "previous", "eta"),
    [
        (0, 15.0, None, None),  # pending: nothing to go on
        (50, 15.0, None, 15.0),  # steady since submission
        (25, 30.0, None, 90.0),
        (60, 40.0, (30.0, 40), 20.0),  # 2 %/s over the last interval
        (40, 40.0, (30.0, 40), None),  # no movement: no estimate (a stall is not "soon")
        (30, 40.0, (30.0, 40), None),  # went backwards
        (100, 50.0, None, 0.0),
    ],
)
def test_estimate_eta(progress, age, previous, eta):
    result = estimate_eta(progress, age, previous)
    assert result is None if eta is None else result == pytest.approx(eta)


@pytest.mark.parametrize(
    ("seen", "delay"),
    [
        (Observation(age=5.0), 10.0),  # polled early (e.g. by another process): the cadence
        (Observation(age=20.0), 10.0),  # busy window, no estimate
        (Observation(age=119.0), 10.0),
        (Observation(age=120.0), 30.0),  # after two minutes
        (Observation(age=20.0, eta=100.0), 15.0),  # far off: capped
        (Observation(age=40.0, eta=20.0), 14.5),  # aim short of a far estimate: 0.7 x 20 + 0.5
        (Observation(age=40.0, eta=10.0), 10.5),  # a near one: at it (+ 0.5)
        (Observation(age=40.0, eta=5.0), 5.5),
        (Observation(age=60.0, eta=1.0), 2.0),  # never closer than the minimum
        (Observation(age=300.0, eta=10.0), 10.5),  # late, but about to finish
        (Observation(age=300.0, eta=500.0), 30.0),
        (Observation(age=20.0, errors=1), 5.0),  # errors back off exponentially
        (Observation(age=20.0, errors=3), 20.0),
        (Observation(age=20.0, errors=30), 300.0),
        (Observation(age=20.0, retry_after=42.0), 42.0),  # 429: what it asked for
    ],
)
def test_next_delay(seen, delay):
    assert EXACT.next_delay(seen, RNG) == pytest.approx(delay)


def test_jitter_stays_in_its_band_and_never_shortens_a_429_wait():
    schedule = AdaptiveSchedule(jitter=0.1)
    rng = random.Random(1)
    busy = [schedule.next_delay(Observation(age=30.0), rng) for _ in range(1000)]
    assert 9.0 <= min(busy) < 9.2 and 10.8 < max(busy) <= 11.0
    waits = [schedule.next_delay(Observation(age=30.0, retry_after=30.0), rng) for _ in range(200)]
    assert min(waits) >= 30.0 and max(waits) <= 33.0


def test_seeded_jitter_is_repeatable():
    def delays(seed: int) -> list[float]:
        rng = random.Random(seed)
        return [AdaptiveSchedule().next_delay(Observation(age=30.0), rng) for _ in range(5)]

    assert delays(9) == delays(9) != delays(10)


def test_a_90_second_render_with_steady_progress_takes_at_most_8_polls():
    """The bench's target, checked on the schedule alone (the bench runs the real poller)."""
    schedule = AdaptiveSchedule()
    rng = random.Random(5)
    for length in (30.0, 60.0, 90.0):
        age = FIRST_POLL_SECONDS * rng.uniform(1 - FIRST_POLL_JITTER, 1 + FIRST_POLL_JITTER)
        polls, previous = 0, None
        while True:
            polls += 1
            progress = 100 if age >= length else int(100 * age / length)
            if progress == 100:
                break
            eta = estimate_eta(progress, age, previous)
            previous = (age, progress)
            age += schedule.next_delay(Observation(age=age, eta=eta), rng)
        assert polls <= 8, (length, polls)
        assert age - length < 5.0  # noticed within seconds


@pytest.mark.parametrize(
    ("seen", "delay"),
    [
        (Observation(age=30.0), 30.0),
        (Observation(age=30.0, eta=1.0, errors=2), 30.0),  # blind to everything…
        (Observation(age=30.0, retry_after=45.0), 45.0),  # …but a 429
    ],
)
def test_fixed_schedule(seen, delay):
    assert FixedSchedule().next_delay(seen, RNG) == delay
