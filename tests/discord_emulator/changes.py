"""Event-driven waiting on the emulator's state: no polling, no sleeps.

Every mutation of the emulator (a message stored, an edit, a callback, a gateway event sent)
calls ``ChangeSignal.notify``; ``wait_until`` re-evaluates its condition after each change and
gives up with ``TimeoutError`` at its deadline.
"""

# ruff: noqa: ASYNC109 - waits take a timeout by design, as the driver API in issue 5 asks

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ChangeSignal:
    """Wakes every waiter whenever something in the emulator changed."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake all current waiters; later waiters wait for the next change."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_until(
        self, check: Callable[[], T | None], *, timeout: float, what: str = "condition"
    ) -> T:
        """Return the first truthy result of ``check``, re-checked after every change."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._event
            result = check()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                result = check()
                if result:
                    return result
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}") from None
