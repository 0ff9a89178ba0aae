"""The clock port: real time, or time driven by tests and benchmarks."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Time for the use cases: tests swap it to control waits without real sleeping."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC (stored in the database)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for intervals)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (the recovery and export-poll waits go through here)."""
        ...
