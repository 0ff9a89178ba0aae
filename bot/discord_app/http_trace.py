"""What discord.py's HTTP responses tell the bot: channel buckets for the limiter, 429s counted.

discord.py takes an :class:`aiohttp.TraceConfig` (``Client(http_trace=...)``, public since
2.0) for its one HTTP session, which interaction responses and follow-ups share. The trace sees
every response's status and headers as they arrive, before discord.py acts on them, so the
limiter learns an emptied bucket before the caller's next request, and each 429 is counted
once (discord.py's retries are requests of their own).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Final, Literal

import aiohttp
from multidict import CIMultiDictProxy

from bot.discord_app.limiter import Bucket, MessageLimiter

#: ``route`` or ``global``: a partition of the 429s, as the metric has it.
RateLimitScope = Literal["route", "global"]

#: ``/channels/{id}/messages`` (create) and ``/channels/{id}/messages/{id}`` (edit), under any
#: API base; reactions, threads and the like go on past the message id and do not match.
_MESSAGES: Final = re.compile(r"/channels/(\d+)/messages(/\d+)?$")
_BUCKETS: Final[dict[tuple[str, bool], Bucket]] = {
    ("POST", False): "create",
    ("PATCH", True): "edit",
}


def discord_trace(
    limiter: MessageLimiter, on_rate_limited: Callable[[RateLimitScope], None]
) -> aiohttp.TraceConfig:
    """A trace for ``discord.Client(http_trace=...)``: feeds ``limiter``, reports 429s."""

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        response = params.response
        headers = response.headers
        if response.status == 429:
            on_rate_limited("global" if _is_global(headers) else "route")
        found = _MESSAGES.search(params.url.path)
        if found is None:
            return
        bucket = _BUCKETS.get((params.method, found[2] is not None))
        state = _bucket_state(headers, limited=response.status == 429)
        if bucket is not None and state is not None:
            remaining, reset_after = state
            limiter.learn(bucket, int(found[1]), remaining=remaining, reset_after=reset_after)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace


def _is_global(headers: CIMultiDictProxy[str]) -> bool:
    """Whether a 429 is Discord's global limit (its headers say so; the body is not read yet)."""
    flagged = headers.get("X-RateLimit-Global", "").lower() == "true"
    return flagged or headers.get("X-RateLimit-Scope") == "global"


def _bucket_state(headers: CIMultiDictProxy[str], *, limited: bool) -> tuple[int, float] | None:
    """What is left in the bucket and the seconds until it refills; a 429 leaves nothing."""
    remaining = "0" if limited else headers.get("X-RateLimit-Remaining")
    reset_after = headers.get("X-RateLimit-Reset-After") or headers.get("Retry-After")
    if remaining is None or reset_after is None:
        return None
    try:
        return int(remaining), float(reset_after)
    except ValueError:
        return None
