"""The book of injected faults: which route fails next, and how often.

Faults are consumed in injection order, one per request, and each keeps its own remaining
count, so the caller's :class:`~bot.local_backend.config.Fault` object is never mutated.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.local_backend.config import Fault


@dataclass
class _Entry:
    fault: Fault
    remaining: int


class FaultBook:
    """Pending faults keyed by route name."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def inject(self, fault: Fault) -> None:
        """Queue ``fault``; it affects the next ``fault.times`` requests to its route."""
        self._entries.append(_Entry(fault, fault.times))

    def clear(self) -> None:
        """Forget every pending fault."""
        self._entries.clear()

    def take(self, route: str) -> Fault | None:
        """Return the oldest fault for ``route`` and count one use of it, or ``None``."""
        for entry in self._entries:
            if entry.fault.route == route:
                entry.remaining -= 1
                if entry.remaining <= 0:
                    self._entries.remove(entry)
                return entry.fault
        return None

    def pending(self) -> list[Fault]:
        """The faults still waiting, oldest first."""
        return [entry.fault for entry in self._entries]
