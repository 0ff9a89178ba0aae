"""Time sources the emulator reads, so tests can move time forward without sleeping.

Discord measures three windows in wall-clock time that a test must be able to cross at once:

- the 3-second acknowledgement deadline and the 15-minute token of an interaction
  (discord-api-docs ``docs/interactions/Receiving_and_Responding.md``, "Interaction Callback"
  and "Followup Messages");
- the expiry of signed attachment URLs (``docs/Reference.md``, "Signed Attachment CDN URLs").

Rate-limit windows deliberately do *not* use this clock: discord.py sleeps real seconds on the
``X-RateLimit-Reset-After`` header, so the emulator's buckets must refill in real time too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """A wall clock in seconds since the Unix epoch."""

    def now(self) -> float:
        """Return the current time in seconds since the Unix epoch."""
        ...


class ShiftableClock:
    """The real wall clock plus an offset that tests can only move forward.

    Time keeps flowing as usual, so snowflakes and timestamps look real, and ``advance``
    jumps past a deadline without a sleep.
    """

    def __init__(self, base: Callable[[], float] = time.time) -> None:
        self._base = base
        self._offset = 0.0

    def now(self) -> float:
        """Return the shifted current time."""
        return self._base() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._offset += seconds
