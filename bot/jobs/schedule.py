"""When to poll a render next: pure functions of what the poller has seen (table-tested).

Renders take ~30-90 s (contract §3.9), so :class:`AdaptiveSchedule` polls where completion is
likely and backs off elsewhere:

* **First poll**: recorded with the job when it is submitted
  (:meth:`~bot.core.usecases.exports.ExportJobs.first_poll_at`), not here.
* **Busy window** (until ``busy_until``, 2 min): every ``busy_every`` (10 s). When progress
  moves, the poll aims at the estimated completion instead, between ``min_every`` and
  ``eta_cap``: ``eta_share`` of a distant estimate (so an uneven render is not overshot; the
  polls close in on the finish), the estimate itself once it is within ``eta_near``; plus
  ``eta_margin``.
* **After the window**, every ``late_every`` (30 s), still aiming at an estimate if one is
  nearer. A stall (no progress) is the poller's business (:mod:`bot.jobs.tracking`).
* **Errors** back off exponentially from ``error_backoff`` to ``error_backoff_max``;
  **429** waits what the error names (``Retry-After``, else the contract's 30 s), never less.
* **Jitter**: every delay is scaled by a random factor in ``1 ± jitter`` (429 waits only
  grow), from an injected
  :class:`random.Random`, so thousands of jobs submitted together spread out instead of
  polling in lockstep, and tests are repeatable.

Why these numbers: a simulation of 30-90 s renders with linear, convex, noisy (±8 %) and
absent progress (``tests/bench/export_polling.py`` prints the real thing) gave a mean
notification delay of 1-4 s with 7 polls on average and at most 8-9 for a 90-s render when
progress is reported (an ``eta_cap`` of 10 s needs 9-10; 15 s keeps the p95 delay under 10 s
with noisy progress), and 5 s mean with 9 polls when the backend reports no progress at all
(the 10-s cadence).

:class:`FixedSchedule` is the naive baseline the benchmark compares with (a poll every 30 s).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "AdaptiveSchedule",
    "FixedSchedule",
    "Observation",
    "PollSchedule",
    "estimate_eta",
]


@dataclass(frozen=True, slots=True)
class Observation:
    """What the poller knows about a job when it picks the next poll.

    ``age`` is seconds since submission; ``eta`` the estimated seconds to completion (``None``
    without moving progress); ``errors`` the failed polls in a row; ``retry_after`` the wait a
    429 asked for.
    """

    age: float
    eta: float | None = None
    errors: int = 0
    retry_after: float | None = None


class PollSchedule(Protocol):
    """Picks poll delays; the poller adds them to "now"."""

    def next_delay(self, seen: Observation, rng: random.Random) -> float:
        """Seconds until the next poll, after a poll that found ``seen``."""
        ...


def estimate_eta(
    progress: int,
    age: float,
    previous: tuple[float, int] | None = None,
) -> float | None:
    """Seconds until the render reaches 100 %, or ``None`` when progress says nothing.

    ``previous`` is an earlier ``(age, progress)``: with progress moving since then, the rate
    is measured over that interval (robust to a pending phase at 0 %). Without it, progress is
    assumed to have moved steadily since submission. Unchanged progress gives ``None``: a
    stalled job must not be polled as if it were about to finish.
    """
    if progress >= 100:
        return 0.0
    if previous is not None:
        then, before = previous
        if progress <= before or age <= then:
            return None
        rate = (progress - before) / (age - then)
    elif progress > 0 and age > 0:
        rate = progress / age
    else:
        return None
    return (100 - progress) / rate


def _spread(delay: float, jitter: float, rng: random.Random) -> float:
    return delay * rng.uniform(1.0 - jitter, 1.0 + jitter)


@dataclass(frozen=True, slots=True)
class AdaptiveSchedule:
    """The production schedule (see the module docstring for the reasoning)."""

    busy_until: float = 120.0
    busy_every: float = 10.0
    late_every: float = 30.0
    min_every: float = 2.0
    eta_share: float = 0.7
    eta_margin: float = 0.5
    eta_near: float = 10.0
    eta_cap: float = 15.0
    error_backoff: float = 5.0
    error_backoff_max: float = 300.0
    jitter: float = 0.1

    def next_delay(self, seen: Observation, rng: random.Random) -> float:
        """The delay for ``seen``: 429 wait, error back-off, or the cadence of its age."""
        if seen.retry_after is not None:
            return seen.retry_after * rng.uniform(1.0, 1.0 + self.jitter)
        if seen.errors > 0:
            backoff = self.error_backoff * 2.0 ** min(seen.errors - 1, 16)
            return _spread(min(backoff, self.error_backoff_max), self.jitter, rng)
        cadence = self.busy_every if seen.age < self.busy_until else self.late_every
        if seen.eta is not None:
            cap = self.eta_cap if seen.age < self.busy_until else self.late_every
            near = seen.eta <= self.eta_near
            aimed = (seen.eta if near else seen.eta * self.eta_share) + self.eta_margin
            cadence = min(cap, max(self.min_every, aimed))
        return _spread(cadence, self.jitter, rng)


@dataclass(frozen=True, slots=True)
class FixedSchedule:
    """The naive baseline: every ``every`` seconds from submission, whatever happens.

    Only 429 is honoured (a client that ignored it would be cut off). No jitter by default:
    that is the lockstep the benchmark shows.
    """

    every: float = 30.0
    jitter: float = 0.0

    def next_delay(self, seen: Observation, rng: random.Random) -> float:
        """``every`` (or the 429 wait)."""
        if seen.retry_after is not None:
            return seen.retry_after
        return _spread(self.every, self.jitter, rng)
