"""Snowflake ids as Discord makes them (discord-api-docs ``docs/Reference.md``, "Snowflakes").

A snowflake is a 64-bit integer: milliseconds since the Discord epoch (2015-01-01) in the top
42 bits, then a 5-bit worker id, a 5-bit process id and a 12-bit per-process increment.
Ids made here are strictly increasing, so sorting by id sorts by creation, as on Discord.
"""

from __future__ import annotations

from .clock import Clock

DISCORD_EPOCH_MS = 1_420_070_400_000
"""The first millisecond of 2015, the origin of every snowflake's timestamp."""


def snowflake_time(snowflake: int) -> float:
    """Return the Unix time in seconds encoded in ``snowflake``."""
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000


class SnowflakeFactory:
    """Makes unique, increasing snowflakes stamped with the emulator's clock."""

    def __init__(self, clock: Clock, *, worker_id: int = 1, process_id: int = 0) -> None:
        self._clock = clock
        self._worker_id = worker_id & 0x1F
        self._process_id = process_id & 0x1F
        self._increment = 0
        self._last = 0

    def next(self) -> int:
        """Return a new snowflake, greater than every one made before."""
        millis = int(self._clock.now() * 1000) - DISCORD_EPOCH_MS
        value = (
            (millis << 22)
            | (self._worker_id << 17)
            | (self._process_id << 12)
            | (self._increment & 0xFFF)
        )
        self._increment += 1
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return value

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """A new snowflake of a guild on gateway shard ``shard_id`` of ``shard_count``.

        Discord puts a guild on shard ``(guild_id >> 22) % shard_count`` (``Gateway.md``,
        "Sharding"), i.e. by the millisecond of its creation: this steps a few milliseconds
        ahead until the shard fits, so ids stay unique and increasing.
        """
        if not 0 <= shard_id < shard_count:
            raise ValueError("shard_id must be in 0 … shard_count - 1")
        value = self.next()
        while (value >> 22) % shard_count != shard_id:
            value += 1 << 22
        self._last = value
        return value
