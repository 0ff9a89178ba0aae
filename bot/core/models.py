"""Frozen value objects that cross layer boundaries (backend ↔ storage ↔ front ends)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class BackendIdentity:
    """Who Beatthread is to NemoVideo: a stable client id and the token obtained with it.

    The token is a secret: it is excluded from ``repr`` so it never leaks into logs.
    """

    client_id: str
    token: str | None = field(default=None, repr=False)
    token_expires_at: datetime | None = None
    user_id: str | None = None
