"""Protocols the use cases need; adapters implement them, the composition root wires them."""

from __future__ import annotations

from typing import Protocol

from bot.core.models import BackendIdentity


class IdentityStore(Protocol):
    """Persists the backend identity so a restart reuses the client id and token."""

    async def load_identity(self) -> BackendIdentity | None:
        """Return the stored identity, or ``None`` before the first start."""
        ...

    async def save_identity(self, identity: BackendIdentity) -> None:
        """Store ``identity``, replacing any earlier one."""
        ...
