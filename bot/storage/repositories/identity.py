"""The backend identity: one row, replaced on every save."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.core.models import BackendIdentity
from bot.storage.repositories._common import Repository, insert
from bot.storage.repositories._rows import IDENTITY
from bot.storage.tables import IDENTITY_SLOT


class IdentityRepository(Repository):
    """The single backend-identity row."""

    async def load(self) -> BackendIdentity | None:
        """A primary-key read of the single row; ``None`` before the first start."""
        result = await self._session.execute(select(IDENTITY).where(IDENTITY.c.id == IDENTITY_SLOT))
        row = result.first()
        if row is None:
            return None
        return BackendIdentity(
            client_id=row.client_id,
            token=row.token,
            token_expires_at=row.token_expires_at,
            user_id=row.user_id,
        )

    async def save(self, identity: BackendIdentity, *, now: datetime) -> None:
        """An upsert of the single row (``created_at`` of the first save is kept)."""
        values = {
            "client_id": identity.client_id,
            "token": identity.token,
            "token_expires_at": identity.token_expires_at,
            "user_id": identity.user_id,
            "updated_at": now,
        }
        statement = (
            insert(self._session, IDENTITY)
            .values(id=IDENTITY_SLOT, created_at=now, **values)
            .on_conflict_do_update(index_elements=[IDENTITY.c.id], set_=values)
        )
        await self._session.execute(statement)
