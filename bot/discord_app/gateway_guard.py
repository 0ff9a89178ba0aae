"""Gateway guard: an event discord.py cannot parse is dropped and counted, never fatal.

discord.py's gateway hands each dispatch to ``client._connection.parsers[event](data)``; an
exception there ends the shard's connection and ``Client.connect`` raises it (the bot stops).
There is no public hook for this, so :func:`install_gateway_guard` wraps every entry of that
internal dict once, at start-up; this module is the one place that knows about it (checked
against discord.py 2.7). A dropped event gets one log line (event, shard, exception type and
where it was raised: never the payload, which can hold tokens or user text) and a count in
:attr:`GatewayGuard.dropped`; the side server exposes the counts in ``/metrics``.

Event types discord.py has no parser for are counted too (logged once per type: Discord adds
new ones). READY is special: a session without it is unusable. A READY that lacks only its
``shard`` (optional in Discord's docs) is completed from the shard whose session it opens;
any other broken READY is logged and counted, then re-raised, so the connection ends and
``beatthread run`` reconnects with its backoff (a fresh IDENTIFY, never a tight loop).
"""

from __future__ import annotations

import logging
import re
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import discord

log = logging.getLogger(__name__)

Parser = Callable[[Any], None]

#: A KeyError's key is named in the log only if it looks like a field name, not user data.
_FIELD_NAME = re.compile(r"[a-z_][a-z0-9_]{0,39}")


class GatewayGuard:
    """Counts the gateway events the bot dropped, by event name."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client
        #: Dropped events by name; read by the metrics at every scrape.
        self.dropped: Counter[str] = Counter()

    def wrap(self, event: str, parse: Parser) -> Parser:
        """``parse``, with any exception turned into one dropped event."""
        if event == "READY":
            return self._wrap_ready(parse)

        def parse_or_drop(data: Any) -> None:
            try:
                parse(data)
            except Exception as error:
                self.drop(event, data, error)

        return parse_or_drop

    def unknown(self, event: str) -> Parser:
        """The parser for an event type discord.py does not know: count it, log it once."""

        def count(data: Any) -> None:
            if not self.dropped[event]:
                log.warning(
                    "dropped gateway event %s on shard %s: no parser (further ones only counted)",
                    event,
                    self._shard_of(data),
                )
            self.dropped[event] += 1

        return count

    def drop(self, event: str, data: Any, error: Exception) -> None:
        """Log (redacted) and count one event that could not be parsed."""
        self.dropped[event] += 1
        log.warning(
            "dropped gateway event %s on shard %s: %s (%s)",
            event,
            self._shard_of(data),
            type(error).__name__,
            _reason(error),
        )

    def _wrap_ready(self, parse: Parser) -> Parser:
        def parse_ready(data: Any) -> None:
            try:
                try:
                    parse(data)
                except KeyError as error:
                    shard = self._ready_shard(data) if error.args == ("shard",) else None
                    if shard is None:
                        raise
                    log.warning("gateway READY without 'shard': completed as shard %s", shard)
                    parse({**data, "shard": shard})
            except Exception as error:
                self.drop("READY", data, error)
                raise  # no usable session: the connection ends, ``run`` reconnects

        return parse_ready

    def _ready_shard(self, data: Any) -> list[int] | None:
        """``[shard_id, shard_count]`` of the shard whose session this READY opens."""
        session = data.get("session_id") if isinstance(data, dict) else None
        count = self._client.shard_count or 1
        # The gateway stores the session id on its websocket before it calls the parser.
        for shard_id, info in getattr(self._client, "shards", {}).items():
            ws = getattr(getattr(info, "_parent", None), "ws", None)
            if session is not None and getattr(ws, "session_id", None) == session:
                return [shard_id, count]
        return None

    def _shard_of(self, data: Any) -> str:
        """The shard a guild event belongs to (Discord's formula), or ``-`` if not known."""
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        if guild_id is None:
            return "-"
        try:
            return str((int(guild_id) >> 22) % (self._client.shard_count or 1))
        except (TypeError, ValueError):
            return "-"


class _GuardedParsers(dict[str, Parser]):
    """discord.py's parser table, answering unknown event types with a counting parser."""

    def __init__(self, parsers: dict[str, Parser], guard: GatewayGuard) -> None:
        super().__init__({event: guard.wrap(event, parse) for event, parse in parsers.items()})
        self._guard = guard

    def __missing__(self, event: str) -> Parser:
        return self._guard.unknown(event)


def install_gateway_guard(client: discord.Client) -> GatewayGuard:
    """Wrap ``client``'s gateway parsers (once, before it connects); the guard's counts."""
    state = client._connection
    guard = GatewayGuard(client)
    state.parsers = _GuardedParsers(state.parsers, guard)
    return guard


def _reason(error: Exception) -> str:
    """Why parsing failed, without payload values: the missing field, or where it raised."""
    if isinstance(error, KeyError) and len(error.args) == 1:
        key = error.args[0]
        if isinstance(key, str) and _FIELD_NAME.fullmatch(key):
            return f"missing field {key!r}"
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "no traceback"
    last = frames[-1]
    return f"raised at {Path(last.filename).name}:{last.lineno} in {last.name}"
