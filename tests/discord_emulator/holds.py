"""Holding "Create Message" requests, so a test can crash the client at an exact moment.

Discord answers a message create after it has stored the message; a client that dies in
between has posted without knowing it. A test arms a hold with ``DiscordEmulator.holds.arm``
for the bot's creates whose body matches a predicate, at one of two points:

- ``"before_store"``: the request reached the handler and waits there; nothing is stored
  until the test releases it. ``release(deliver=False)`` drops it, as a request that died with
  its client never reaches Discord; ``release()`` lets it land (late, maybe after a retry).
- ``"after_store"``: the message is stored and dispatched (it is in the record), and the HTTP
  answer waits: the client has posted but cannot know the message id yet.

Each arm holds at most ``times`` requests; matching requests beyond that go through. Held
requests are listed in ``held`` and every new hold wakes the emulator's waiters, so a test
waits for one with ``DiscordEmulator.wait_until`` (no polling).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .changes import ChangeSignal
from .models import Message

HoldPoint = Literal["before_store", "after_store"]
BodyMatch = Callable[[dict[str, Any]], bool]


@dataclass(eq=False)
class HeldCreate:
    """One held message create: where it was going, its body, and (after storing) the message."""

    point: HoldPoint
    channel_id: int
    data: dict[str, Any]
    message: Message | None = None
    deliver: bool = True
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self, *, deliver: bool = True) -> None:
        """Let the request go on; ``deliver=False`` (``before_store`` only) drops it."""
        self.deliver = deliver
        self.released.set()


@dataclass(eq=False)
class _Arm:
    point: HoldPoint
    match: BodyMatch
    remaining: int


class MessageHolds:
    """The armed holds and the creates held so far (rules in the module docstring)."""

    def __init__(self, signal: ChangeSignal) -> None:
        self._signal = signal
        self._arms: list[_Arm] = []
        #: Every create held, oldest first (released ones included).
        self.held: list[HeldCreate] = []

    def arm(self, point: HoldPoint, match: BodyMatch, *, times: int = 1) -> None:
        """Hold the next ``times`` bot creates whose JSON body satisfies ``match``."""
        if times < 1:
            raise ValueError("times must be at least 1")
        self._arms.append(_Arm(point, match, times))

    def disarm(self) -> None:
        """Hold nothing more (requests already held stay held until released)."""
        self._arms.clear()

    def waiting(self) -> list[HeldCreate]:
        """Held creates not yet released, oldest first."""
        return [h for h in self.held if not h.released.is_set()]

    async def before_store(self, channel_id: int, data: dict[str, Any]) -> bool:
        """Called before a create is handled; returns whether to handle it at all."""
        held = self._take("before_store", channel_id, data)
        if held is None:
            return True
        await self._wait(held)
        return held.deliver

    async def after_store(self, message: Message, data: dict[str, Any]) -> None:
        """Called after a create was stored and dispatched, before the answer is sent."""
        held = self._take("after_store", message.channel_id, data, message)
        if held is not None:
            await self._wait(held)

    @staticmethod
    async def _wait(held: HeldCreate) -> None:
        try:
            await held.released.wait()
        except asyncio.CancelledError:  # the server gave up on the request: nothing waits
            held.release(deliver=False)
            raise

    def _take(
        self,
        point: HoldPoint,
        channel_id: int,
        data: dict[str, Any],
        message: Message | None = None,
    ) -> HeldCreate | None:
        for arm in self._arms:
            if arm.point == point and arm.match(data):
                arm.remaining -= 1
                if arm.remaining == 0:
                    self._arms.remove(arm)
                held = HeldCreate(point, channel_id, data, message)
                self.held.append(held)
                self._signal.notify()
                return held
        return None
