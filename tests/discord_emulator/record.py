"""What the emulator saw and sent, kept for assertions.

Every REST request (method, route template, path, headers, JSON body or ``payload_json``,
file metadata, status and error code), every gateway payload sent or received, every
connection and every 429 are appended here in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FileMeta:
    """An uploaded file part: its form field, file name, size and content type."""

    field: str
    filename: str
    size: int
    content_type: str | None


@dataclass
class RequestRecord:
    """One REST request and the emulator's answer to it."""

    method: str
    route: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    files: list[FileMeta] = field(default_factory=list)
    status: int | None = None
    error_code: int | None = None
    response: Any = None

    @property
    def key(self) -> str:
        """``METHOD /route/{template}``, the form discord.py uses for bucket keys."""
        return f"{self.method} {self.route}"


@dataclass(frozen=True)
class GatewayRecord:
    """One gateway payload; ``direction`` is ``"sent"`` (to the client) or ``"received"``."""

    session_id: str | None
    connection_id: int
    direction: str
    op: int
    type: str | None
    seq: int | None
    data: Any
    replay: bool = False


@dataclass
class ConnectionRecord:
    """One gateway WebSocket connection and how it ended."""

    id: int
    path: str
    query: dict[str, str]
    session_id: str | None = None
    resumed: bool = False
    close_code: int | None = None
    dropped: bool = False


@dataclass(frozen=True)
class RateLimitHit:
    """One 429: the route, bucket, scope, advised wait, and whether a test injected it."""

    method: str
    route: str
    bucket: str
    scope: str
    retry_after: float
    injected: bool


@dataclass(frozen=True)
class NonceReplay:
    """A create whose ``enforce_nonce`` matched an earlier message, which was returned instead."""

    nonce: str
    message_id: int


@dataclass
class Recorder:
    """Append-only logs of the emulator's traffic."""

    requests: list[RequestRecord] = field(default_factory=list)
    gateway: list[GatewayRecord] = field(default_factory=list)
    connections: list[ConnectionRecord] = field(default_factory=list)
    rate_limit_hits: list[RateLimitHit] = field(default_factory=list)
    nonce_replays: list[NonceReplay] = field(default_factory=list)

    def requests_to(self, method: str, route: str) -> list[RequestRecord]:
        """Requests with this method and route template, e.g. ``POST /channels/{channel_id}``."""
        return [r for r in self.requests if r.method == method and r.route == route]

    def dispatched(self, event_type: str) -> list[GatewayRecord]:
        """Dispatch payloads of this type sent to clients (including replays)."""
        return [g for g in self.gateway if g.direction == "sent" and g.type == event_type]
