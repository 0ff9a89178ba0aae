"""The one limiter every message the bot sends or edits in a channel goes through.

Discord's limits (``docs/topics/Rate_Limits.md``; the numbers are the commonly observed ones)
that many streamed replies at once would hit first:

* message edits: **5 per 5 s per channel** (a thread is a channel), a bucket of their own;
* message creates: **5 per 5 s per channel**, another bucket;
* all requests: **50 per second per bot** (the global limit; interaction responses are exempt).

And the feel of a streamed reply (llmcord): about **one edit a second per message**; faster
edits only flicker. So an edit of ``message_id`` in ``channel_id`` (:meth:`MessageLimiter.edit`)
goes when all of these hold, and a new message (:meth:`MessageLimiter.create`) when 2 and 3 do:

1. the message was last edited at least ``per_message`` seconds ago;
2. the channel had fewer than ``per_channel`` edits (creates) in the last ``channel_window``
   seconds: a sliding window, so any window of that length, Discord's fixed ones too, holds at
   most that many; ``channel_window`` carries a margin for network jitter;
3. the bot sent fewer than ``overall_per_second`` creates and edits together in the last
   second, leaving the rest of the global budget to threads, reactions and reads.

One limiter is shared by every thread, so a thousand parallel chats stay under the global
limit together. Callers of :meth:`~MessageLimiter.edit` coalesce: they edit to the newest text
when their turn comes, so a waiting edit never goes stale; progress-only edits use
:meth:`~MessageLimiter.try_edit`, which never waits. Waiting is fair enough for this purpose
(whoever wakes first and finds room goes); nothing waits longer than the windows it is behind.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

_SWEEP_EVERY = 1000


@dataclass(frozen=True, slots=True)
class MessageBudget:
    """The limits the limiter keeps (defaults: Discord's, with a margin)."""

    per_message: float = 1.0
    per_channel: int = 5
    channel_window: float = 5.5
    overall_per_second: int = 40


class _Windows:
    """Sliding windows of send times, per channel."""

    def __init__(self) -> None:
        self.times: dict[int, deque[float]] = {}

    def room_at(self, channel_id: int, limit: int, window: float, now: float) -> float:
        """When the channel has room for one more (``now`` or later)."""
        times = _prune(self.times.get(channel_id), now - window)
        if times is None or len(times) < limit:
            return now
        return times[-limit] + window

    def add(self, channel_id: int, now: float) -> None:
        self.times.setdefault(channel_id, deque()).append(now)

    def sweep(self, before: float) -> None:
        """Forget channels with nothing sent since ``before``."""
        for channel, times in list(self.times.items()):
            if not _prune(times, before):
                del self.times[channel]


class MessageLimiter:
    """Paces message creates and edits (rules in the module docstring)."""

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
        self._records = 0

    async def edit(self, channel_id: int, message_id: int) -> None:
        """Return when an edit of ``message_id`` may be sent now (it is then counted)."""
        while True:
            now = self._clock()
            delay = self._edit_delay(channel_id, message_id, now)
            if delay <= 0:
                self._record_edit(channel_id, message_id, now)
                return
            await self._sleep(delay)

    def try_edit(self, channel_id: int, message_id: int) -> bool:
        """Whether an edit may be sent right now (it is then counted); never waits.

        For edits that only show progress: skipping one is fine, the next (or the final
        state) shows more, and waiting would only delay what comes after it.
        """
        now = self._clock()
        if self._edit_delay(channel_id, message_id, now) > 0:
            return False
        self._record_edit(channel_id, message_id, now)
        return True

    async def create(self, channel_id: int) -> None:
        """Return when a new message may be sent in ``channel_id`` (it is then counted)."""
        budget = self.budget
        while True:
            now = self._clock()
            ready = max(
                self._creates.room_at(channel_id, budget.per_channel, budget.channel_window, now),
                self._overall_room(now),
            )
            if ready <= now:
                self._creates.add(channel_id, now)
                self._count(now)
                return
            await self._sleep(ready - now)

    def forget(self, message_id: int) -> None:
        """The message will not be edited again: drop its entry."""
        self._last_edit.pop(message_id, None)

    def _edit_delay(self, channel_id: int, message_id: int, now: float) -> float:
        budget = self.budget
        ready = max(
            self._edits.room_at(channel_id, budget.per_channel, budget.channel_window, now),
            self._overall_room(now),
        )
        last = self._last_edit.get(message_id)
        if last is not None:
            ready = max(ready, last + budget.per_message)
        return ready - now

    def _overall_room(self, now: float) -> float:
        overall = _prune(self._overall, now - 1.0)
        limit = self.budget.overall_per_second
        if overall is None or len(overall) < limit:
            return now
        return overall[-limit] + 1.0

    def _record_edit(self, channel_id: int, message_id: int, now: float) -> None:
        self._last_edit[message_id] = now
        self._edits.add(channel_id, now)
        self._count(now)

    def _count(self, now: float) -> None:
        self._overall.append(now)
        self._records += 1
        if self._records % _SWEEP_EVERY == 0:
            # Forget quiet channels now and then, so the tables hold the recently used ones.
            before = now - self.budget.channel_window
            self._edits.sweep(before)
            self._creates.sweep(before)


def _prune(times: deque[float] | None, before: float) -> deque[float] | None:
    while times and times[0] <= before:
        times.popleft()
    return times
