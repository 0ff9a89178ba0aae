"""Per-route rate-limit buckets, as ``docs/topics/Rate_Limits.md`` describes them.

- Every response carries ``X-RateLimit-Limit``, ``-Remaining``, ``-Reset`` (epoch seconds),
  ``-Reset-After`` (seconds, with decimals) and ``-Bucket`` ("Header Format").
- A bucket is counted per *top-level resource*: ``channel_id``, ``guild_id``, or
  ``webhook_id`` + ``webhook_token`` in the path (the interaction id and token for callbacks).
- An exhausted bucket answers ``429`` with ``{"message", "retry_after", "global"}``, a
  ``Retry-After`` header and ``X-RateLimit-Scope`` ("Exceeding A Rate Limit").
- A global limit of 50 requests per second per bot spans every route except the interaction
  endpoints ("Global Rate Limit").

Discord does not document per-route numbers and says not to hard-code them. The defaults
here are the commonly observed ones: message create 5 per 5 s per channel, message edit
5 per 5 s per channel (its own bucket), message delete 5 per 1 s, reactions 1 per 0.25 s,
webhook/interaction follow-ups 5 per 2 s per token, everything else 50 per 1 s. Tests change
them through ``RateLimitPolicy``. The bot names none of them: discord.py and the bot's limiter
learn them from the headers below, so a test with other sizes checks exactly that.

Two deliberate details make discord.py's own limiter work against this server:

- ``Reset-After`` and ``retry_after`` are rounded *up* to the millisecond, so a client that
  sleeps exactly that long never arrives before the window resets;
- every 429 carries ``Via: 1.1 google``: discord.py treats a 429 without ``Via`` as a
  Cloudflare ban and raises instead of waiting (``discord/http.py``, ``HTTPClient.request``).

Windows are measured with ``time.monotonic``, never the shiftable test clock, because
discord.py sleeps real time on these headers.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BucketLimit:
    """``limit`` requests per ``per`` seconds."""

    limit: int
    per: float


@dataclass
class RateLimitPolicy:
    """The bucket sizes the emulator enforces; shrink them in tests."""

    message_create: BucketLimit = BucketLimit(5, 5.0)
    message_edit: BucketLimit = BucketLimit(5, 5.0)
    message_delete: BucketLimit = BucketLimit(5, 1.0)
    reaction: BucketLimit = BucketLimit(1, 0.25)
    webhook: BucketLimit = BucketLimit(5, 2.0)
    default: BucketLimit = BucketLimit(50, 1.0)
    global_per_second: int = 50


_MESSAGES = "/channels/{channel_id}/messages"
_MESSAGE = "/channels/{channel_id}/messages/{message_id}"
_REACTION = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"
_WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
_CALLBACK = "/interactions/{webhook_id}/{webhook_token}/callback"

_NAMED_BUCKETS: dict[tuple[str, str], str] = {
    ("POST", _MESSAGES): "message_create",
    ("PATCH", _MESSAGE): "message_edit",
    ("DELETE", _MESSAGE): "message_delete",
    ("PUT", _REACTION): "reaction",
    ("DELETE", _REACTION): "reaction",
    ("POST", _WEBHOOK): "webhook",
    ("GET", _WEBHOOK + "/messages/{message_id}"): "webhook",
    ("PATCH", _WEBHOOK + "/messages/{message_id}"): "webhook",
    ("DELETE", _WEBHOOK + "/messages/{message_id}"): "webhook",
}

GLOBAL_EXEMPT_PREFIXES = ("/interactions/", "/webhooks/")
"""Interaction endpoints are not bound to the global limit (Rate_Limits.md)."""


def major_parameters(params: dict[str, str]) -> str:
    """The top-level resource ids of a route, joined as discord.py does."""
    keys = ("channel_id", "guild_id", "webhook_id", "webhook_token")
    return "+".join(params[k] for k in keys if k in params)


def _ceil_ms(seconds: float) -> float:
    return math.ceil(max(seconds, 0.0) * 1000) / 1000


@dataclass
class _Window:
    started: float
    count: int = 0


@dataclass
class _Injection:
    method: str
    route: str
    retry_after: float
    remaining: int
    scope: str


@dataclass
class Decision:
    """The limiter's verdict on one request and the headers to send with the answer."""

    allowed: bool
    bucket: str
    headers: dict[str, str]
    retry_after: float = 0.0
    scope: str = "user"
    is_global: bool = False
    injected: bool = False


@dataclass
class RateLimiter:
    """Fixed-window buckets keyed by bucket name and the route's major parameters."""

    policy: RateLimitPolicy = field(default_factory=RateLimitPolicy)
    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    _windows: dict[str, _Window] = field(default_factory=dict)
    _global: _Window | None = None
    _injections: list[_Injection] = field(default_factory=list)

    def inject(
        self,
        method: str,
        route: str,
        *,
        retry_after: float,
        count: int = 1,
        scope: str = "shared",
    ) -> None:
        """Answer the next ``count`` requests to ``METHOD route`` with a 429.

        Discord sends such 429s for limits the headers cannot predict: shared per-resource
        limits (``X-RateLimit-Scope: shared``) and undocumented sub-limits. ``scope="global"``
        answers as the global limit does (``X-RateLimit-Global``, ``"global": true``).
        """
        self._injections.append(_Injection(method, route, retry_after, count, scope))

    def bucket_of(self, method: str, route: str) -> tuple[str, BucketLimit]:
        """Return the bucket name and size for a route template."""
        name = _NAMED_BUCKETS.get((method, route))
        if name is not None:
            limit: BucketLimit = getattr(self.policy, name)
            return name, limit
        return f"{method} {route}", self.policy.default

    def check(self, method: str, route: str, params: dict[str, str]) -> Decision:
        """Count one request and decide whether it may proceed."""
        now = self.monotonic()
        name, limit = self.bucket_of(method, route)
        bucket_hash = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:16]
        key = f"{name}:{major_parameters(params)}"

        injected = self._take_injection(method, route)
        if injected is not None and injected.scope == "global":
            retry = _ceil_ms(injected.retry_after)
            headers = {"X-RateLimit-Global": "true"}
            headers.update(self._limited_headers(retry, "global"))
            return Decision(False, "global", headers, retry, "global", True, True)
        if injected is not None:
            window = self._windows.get(key)
            remaining = limit.limit - (window.count if window else 0)
            retry = _ceil_ms(injected.retry_after)
            headers = self._headers(limit.limit, max(remaining, 0), retry, bucket_hash)
            headers.update(self._limited_headers(retry, injected.scope))
            return Decision(False, name, headers, retry, injected.scope, False, True)

        if not any(route.startswith(p) for p in GLOBAL_EXEMPT_PREFIXES):
            verdict = self._check_global(now)
            if verdict is not None:
                return verdict

        window = self._windows.get(key)
        if window is None or now >= window.started + limit.per:
            window = self._windows[key] = _Window(started=now)
        reset_after = _ceil_ms(window.started + limit.per - now)
        if window.count >= limit.limit:
            headers = self._headers(limit.limit, 0, reset_after, bucket_hash)
            headers.update(self._limited_headers(reset_after, "user"))
            return Decision(False, name, headers, reset_after, "user")
        window.count += 1
        headers = self._headers(limit.limit, limit.limit - window.count, reset_after, bucket_hash)
        return Decision(True, name, headers)

    def _take_injection(self, method: str, route: str) -> _Injection | None:
        for injection in self._injections:
            if injection.method == method and injection.route == route:
                injection.remaining -= 1
                if injection.remaining <= 0:
                    self._injections.remove(injection)
                return injection
        return None

    def _check_global(self, now: float) -> Decision | None:
        window = self._global
        if window is None or now >= window.started + 1.0:
            window = self._global = _Window(started=now)
        if window.count >= self.policy.global_per_second:
            retry = _ceil_ms(window.started + 1.0 - now)
            headers = {"X-RateLimit-Global": "true"}
            headers.update(self._limited_headers(retry, "global"))
            return Decision(False, "global", headers, retry, "global", True)
        window.count += 1
        return None

    def _headers(
        self, limit: int, remaining: int, reset_after: float, bucket_hash: str
    ) -> dict[str, str]:
        reset = math.ceil((self.wall() + reset_after) * 1000) / 1000
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{reset:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash,
        }

    @staticmethod
    def _limited_headers(retry_after: float, scope: str) -> dict[str, str]:
        return {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Scope": scope,
            "Via": "1.1 google",
        }
