"""The one limiter every request the bot makes in a channel goes through.

Discord's limits (``docs/topics/Rate_Limits.md``; the numbers are the commonly observed ones)
that many streamed replies at once would hit first:

* message edits: **5 per 5 s per channel** (a thread is a channel), a bucket of their own;
* message creates: **5 per 5 s per channel**, another bucket;
* all requests: **50 per second per bot** (the global limit; interaction responses are exempt).

And the feel of a streamed reply (llmcord): about **one edit a second per message**; faster
edits only flicker. So an edit of ``message_id`` in ``channel_id`` (:meth:`MessageLimiter.edit`)
goes when all of these hold, a new message (:meth:`MessageLimiter.create`) when 2 and 3 do, and
any other request (:meth:`MessageLimiter.request`: reactions, thread creation, reads) when 3
does:

1. the message was last edited at least ``per_message`` seconds ago;
2. the channel had fewer than ``per_channel`` edits (creates) in the last ``channel_window``
   seconds: a sliding window, so any window of that length, Discord's fixed ones too, holds at
   most that many; ``channel_window`` carries a margin for network jitter;
3. the bot's requests are spread out: fewer than ``overall_per_second`` in any second, and no
   closer together than one per ``1 / overall_per_second`` seconds once a burst of
   ``burst`` has gone (a GCRA, the "virtual scheduling" form of a token bucket). The spreading
   is what keeps Discord's global window whole: Discord counts requests when they *arrive*, in
   windows of its own, and a budget spent in one instant arrives spread over the time the
   event loop and the network take to send it, so the tail of one second's burst and the head
   of the next land in the same window (the 429s of ``tests/bench/concurrent_turns.py`` before
   this rule). Evenly spaced requests can only be bunched by that jitter, not doubled.
   ``overall_per_second`` leaves the rest of Discord's 50 to interaction responses and
   follow-ups (exempt anyway) and to discord.py's own calls.

A call first waits, if it must, for its own channel and message (rules 1 and 2; a request
held back there never holds back other channels), then **reserves** its global slot: the
earliest time rule 3 allows, recorded at once (so later callers plan around it, and the
channel's window holds the time the request really goes), and sleeps until then. Global slots
go out in the order they are asked for. Nobody polls and nobody wakes up only to find the slot
taken, so a thousand waiting replies cost a thousand timers, not a thousand wake-ups per slot;
a cancelled caller leaves its slot unused (a little budget lost, never exceeded).

One limiter is shared by every thread, so a thousand parallel chats stay under the global limit
together. Callers of :meth:`~MessageLimiter.edit` coalesce: they edit to the newest text when
their slot comes, so a waiting edit never goes stale; progress-only edits use
:meth:`~MessageLimiter.try_edit`, which takes a slot only if it is free right now.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

_SWEEP_EVERY = 1000
_SECOND = 1.0
#: Below this, a difference of times is floating-point noise, not a wait.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class MessageBudget:
    """The limits the limiter keeps (defaults: Discord's, with a margin)."""

    per_message: float = 1.0
    per_channel: int = 5
    channel_window: float = 5.5
    overall_per_second: int = 40
    #: Requests that may go at once after a quiet spell (capped at ``overall_per_second``).
    burst: int = 5


class _Windows:
    """Sliding windows of reserved send times, per channel, each in ascending order."""

    def __init__(self) -> None:
        self.times: dict[int, deque[float]] = {}

    def room_at(self, channel_id: int, limit: int, window: float, now: float) -> float:
        """The earliest time (``now`` or later) the channel has room for one more.

        Reserved times may lie in the future; room is where fewer than ``limit`` of them fall
        after ``t - window``, which is ``times[-limit] + window``.
        """
        times = _prune(self.times.get(channel_id), now - window)
        if times is None or len(times) < limit:
            return now
        return max(now, times[-limit] + window)

    def add(self, channel_id: int, at: float) -> None:
        self.times.setdefault(channel_id, deque()).append(at)

    def sweep(self, before: float) -> None:
        """Forget channels with nothing sent since ``before``."""
        for channel, times in list(self.times.items()):
            if not _prune(times, before):
                del self.times[channel]


class MessageLimiter:
    """Paces message creates, edits and other requests (rules in the module docstring)."""

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
        self._edits = _Windows()
        self._creates = _Windows()
        self._overall: deque[float] = deque()
        # GCRA state: the theoretical time of the next request at the steady rate.
        self._next_at = 0.0
        self._records = 0

    async def edit(self, channel_id: int, message_id: int) -> None:
        """Return when an edit of ``message_id`` may be sent (its slot is then taken)."""
        now = await self._until_ready(lambda now: self._edit_ready(channel_id, message_id, now))
        at = self._overall_slot(now)
        self._record_edit(channel_id, message_id, at)
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
        self._record_edit(channel_id, message_id, at)
        return True

    async def create(self, channel_id: int) -> None:
        """Return when a new message may be sent in ``channel_id`` (its slot is then taken)."""
        budget = self.budget
        now = await self._until_ready(
            lambda now: self._creates.room_at(
                channel_id, budget.per_channel, budget.channel_window, now
            )
        )
        at = self._overall_slot(now)
        self._creates.add(channel_id, at)
        self._count(at)
        await self._wait_until(at, now)

    async def request(self) -> None:
        """Return when any other request may be sent (only the global budget applies)."""
        now = self._clock()
        at = self._overall_slot(now)
        self._count(at)
        await self._wait_until(at, now)

    def forget(self, message_id: int) -> None:
        """The message will not be edited again: drop its entry."""
        self._last_edit.pop(message_id, None)

    # -- slots ----------------------------------------------------------------------------

    async def _until_ready(self, ready_at: Callable[[float], float]) -> float:
        """Sleep until the channel's (and message's) rules allow a request; return that time.

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
        budget = self.budget
        ready = self._edits.room_at(channel_id, budget.per_channel, budget.channel_window, now)
        last = self._last_edit.get(message_id)
        if last is not None:
            ready = max(ready, last + budget.per_message)
        return ready

    def _overall_slot(self, now: float) -> float:
        """The earliest time from ``now`` on that the global rules allow.

        Slots go out in the order they are asked for (never before the last one handed out),
        so the window stays in ascending order and a long queue is served first come, first
        served.
        """
        budget = self.budget
        rate = budget.overall_per_second
        at = now
        paced = self._next_at - (min(budget.burst, rate) - 1) * _SECOND / rate
        if paced - at > _EPSILON:  # not a rounding error of the steady rate
            at = paced
        overall = _prune(self._overall, now - _SECOND)
        if overall:
            at = max(at, overall[-1])
            if len(overall) >= rate:
                at = max(at, overall[-rate] + _SECOND)
        return at

    async def _wait_until(self, at: float, now: float) -> None:
        if at > now:
            await self._sleep(at - now)

    def _record_edit(self, channel_id: int, message_id: int, at: float) -> None:
        self._last_edit[message_id] = at
        self._edits.add(channel_id, at)
        self._count(at)

    def _count(self, at: float) -> None:
        self._overall.append(at)
        self._next_at = max(self._next_at, at) + _SECOND / self.budget.overall_per_second
        self._records += 1
        if self._records % _SWEEP_EVERY == 0:
            # Forget quiet channels now and then, so the tables hold the recently used ones.
            before = self._clock() - self.budget.channel_window
            self._edits.sweep(before)
            self._creates.sweep(before)


def _prune(times: deque[float] | None, before: float) -> deque[float] | None:
    while times and times[0] <= before:
        times.popleft()
    return times
