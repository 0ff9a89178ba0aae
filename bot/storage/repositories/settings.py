"""Facts of this deployment, by key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.storage.repositories._common import Repository, insert
from bot.storage.repositories._rows import SETTING


class BotSettingRepository(Repository):
    """Facts of this deployment by key (implements :class:`bot.core.ports.BotSettingStore`)."""

    async def get(self, key: str) -> str | None:
        """A primary-key read of the value."""
        result = await self._session.execute(select(SETTING.c.value).where(SETTING.c.key == key))
        return result.scalar_one_or_none()

    async def put(self, key: str, value: str, *, now: datetime) -> None:
        """One atomic upsert (``INSERT … ON CONFLICT DO UPDATE``) on the key."""
        statement = (
            insert(self._session, SETTING)
            .values(key=key, value=value, updated_at=now)
            .on_conflict_do_update(
                index_elements=[SETTING.c.key], set_={"value": value, "updated_at": now}
            )
        )
        await self._session.execute(statement)
