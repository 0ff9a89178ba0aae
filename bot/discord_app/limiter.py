"""The one limiter every request the bot makes in a channel goes through.

It adds what discord.py's per-route buckets do not do: about one edit a second per message
(faster only flickers), a global budget spread evenly (discord.py only reacts to a global 429),
and a wait before a channel bucket Discord's headers reported empty (:mod:`.http_trace`), so a
waiting edit carries the newest text and a progress edit is skipped, not queued.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

#: A channel's buckets the limiter follows: message edits and message creates (Discord keeps
#: them apart, per channel; a thread is a channel).
Bucket = Literal["edit", "create"]

_SWEEP_EVERY = 1000
_SECOND = 1.0
#: Below this, a difference of times is floating-point noise, not a wait.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class MessageBudget:
    """The limits the limiter keeps itself (Discord's per-route ones come from its headers)."""

    #: Seconds between two edits of one message (llmcord's feel of a streamed reply).
    per_message: float = 1.0
    #: Of Discord's 50 a second per bot: the rest is left to interaction responses and
    #: follow-ups (exempt anyway) and to discord.py's own calls.
    overall_per_second: int = 40
    #: Requests that may go at once after a quiet spell (capped at ``overall_per_second``).
    burst: int = 5


class MessageLimiter:
    """Paces message creates, edits and other requests; one is shared by every thread.

    A call first waits, if it must, for its own message and channel (a request held there
    never holds back other channels), then reserves its global slot: the earliest time the
    budget allows, recorded at once so later callers plan around it, and sleeps until then.
    Slots go out first come, first served, spaced ``1 / overall_per_second`` apart once a
    burst is spent (a GCRA): Discord counts requests as they arrive, and evenly spaced ones
    cannot be bunched into one of its windows by network jitter. A cancelled caller leaves its
    slot unused (budget lost, never exceeded).
    """

    def __init__(
        self,
        budget: MessageBudget | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.budget = budget or MessageBudget()
        self._clock = clock
        self._sleep = sleep
        self._last_edit: dict[int, float] = {}
        #: Channel buckets Discord reported empty, and until when.
        self._empty_until: dict[tuple[Bucket, int], float] = {}
        self._overall: deque[float] = deque()
        # GCRA state: the theoretical time of the next request at the steady rate.
        self._next_at = 0.0
        self._records = 0

    async def edit(self, channel_id: int, message_id: int) -> None:
        """Return when an edit of ``message_id`` may be sent (its slot is then taken)."""
        now = await self._until_ready(lambda now: self._edit_ready(channel_id, message_id, now))
        at = self._overall_slot(now)
        self._record_edit(message_id, at)
        await self._wait_until(at, now)

    def try_edit(self, channel_id: int, message_id: int) -> bool:
        """Whether an edit may be sent right now (its slot is then taken); never waits.

        For edits that only show progress: skipping one is fine, the next (or the final
        state) shows more, and waiting would only delay what comes after it.
        """
        now = self._clock()
        if self._edit_ready(channel_id, message_id, now) > now:
            return False
        at = self._overall_slot(now)
        if at > now:
            return False
        self._record_edit(message_id, at)
        return True

    async def create(self, channel_id: int) -> None:
        """Return when a new message may be sent in ``channel_id`` (its slot is then taken)."""
        now = await self._until_ready(lambda now: self._room_at("create", channel_id, now))
        at = self._overall_slot(now)
        self._count(at)
        await self._wait_until(at, now)

    async def request(self) -> None:
        """Return when any other request may be sent (only the global budget applies)."""
        now = self._clock()
        at = self._overall_slot(now)
        self._count(at)
        await self._wait_until(at, now)

    def learn(self, bucket: Bucket, channel_id: int, *, remaining: int, reset_after: float) -> None:
        """What Discord's headers said of a channel's bucket: empty (``remaining`` 0) or not."""
        if remaining > 0:
            return
        key = (bucket, channel_id)
        until = self._clock() + reset_after
        self._empty_until[key] = max(until, self._empty_until.get(key, until))

    def forget(self, message_id: int) -> None:
        """The message will not be edited again: drop its entry."""
        self._last_edit.pop(message_id, None)

    # -- slots ----------------------------------------------------------------------------

    async def _until_ready(self, ready_at: Callable[[float], float]) -> float:
        """Sleep until the message's and channel's rules allow a request; return that time.

        Nothing is reserved while waiting here, so a request held back by its own channel
        never holds back other channels' requests in the global order. The check and the
        reservation that follows it happen without a suspension point in between.
        """
        while True:
            now = self._clock()
            ready = ready_at(now)
            if ready <= now:
                return now
            await self._sleep(ready - now)

    def _edit_ready(self, channel_id: int, message_id: int, now: float) -> float:
        ready = self._room_at("edit", channel_id, now)
        last = self._last_edit.get(message_id)
        if last is not None:
            ready = max(ready, last + self.budget.per_message)
        return ready

    def _room_at(self, bucket: Bucket, channel_id: int, now: float) -> float:
        until = self._empty_until.get((bucket, channel_id))
        return now if until is None else max(now, until)

    def _overall_slot(self, now: float) -> float:
        """The earliest time from ``now`` on that the global budget allows.

        Never before the last slot handed out, so the window stays in ascending order and a
        long queue is served first come, first served.
        """
        budget = self.budget
        rate = budget.overall_per_second
        at = now
        paced = self._next_at - (min(budget.burst, rate) - 1) * _SECOND / rate
        if paced - at > _EPSILON:  # not a rounding error of the steady rate
            at = paced
        overall = self._overall
        while overall and overall[0] <= now - _SECOND:
            overall.popleft()
        if overall:
            at = max(at, overall[-1])
            if len(overall) >= rate:
                at = max(at, overall[-rate] + _SECOND)
        return at

    async def _wait_until(self, at: float, now: float) -> None:
        if at > now:
            await self._sleep(at - now)

    def _record_edit(self, message_id: int, at: float) -> None:
        self._last_edit[message_id] = at
        self._count(at)

    def _count(self, at: float) -> None:
        self._overall.append(at)
        self._next_at = max(self._next_at, at) + _SECOND / self.budget.overall_per_second
        self._records += 1
        if self._records % _SWEEP_EVERY == 0:
            # Forget buckets that have long reset, so the table holds the recent ones.
            now = self._clock()
            for key, until in list(self._empty_until.items()):
                if until <= now:
                    del self._empty_until[key]
