"""Each user's own settings (``/settings``), by Discord user id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import select

from bot.core.models import UserSettings, UserSettingsChanges
from bot.storage.repositories._common import Repository, first, insert, stored
from bot.storage.repositories._rows import USER_SETTINGS

_COLUMNS = (USER_SETTINGS.c.resolution, USER_SETTINGS.c.dm_video, USER_SETTINGS.c.language)
_FIELDS = frozenset(UserSettingsChanges.__annotations__)


def _read(row: Sequence[Any]) -> UserSettings:
    resolution, dm_video, language = row
    return UserSettings(resolution=resolution, dm_video=bool(dm_video), language=language)


class UserSettingsRepository(Repository):
    """Users' settings (implements :class:`bot.core.ports.UserSettingsStore`)."""

    async def get(self, user_id: int) -> UserSettings | None:
        """A primary-key read."""
        query = select(*_COLUMNS).where(USER_SETTINGS.c.user_id == user_id)
        return await first(self._session, query, _read)

    async def change(
        self, user_id: int, *, now: datetime, **changes: Unpack[UserSettingsChanges]
    ) -> UserSettings:
        """One upsert that sets only the changed columns, then a read-back.

        Two changes at once (two menus used in quick succession) both land: neither writes
        a value it read before the other.
        """
        unknown = set(changes) - _FIELDS
        if unknown:
            raise TypeError(f"not a user setting: {', '.join(sorted(unknown))}")
        defaults = UserSettings()
        inserted = {
            "resolution": defaults.resolution,
            "dm_video": defaults.dm_video,
            "language": defaults.language,
            **changes,
        }
        statement = (
            insert(self._session, USER_SETTINGS)
            .values(user_id=user_id, created_at=now, updated_at=now, **inserted)
            .on_conflict_do_update(
                index_elements=[USER_SETTINGS.c.user_id], set_={**changes, "updated_at": now}
            )
        )
        await self._session.execute(statement)
        return stored(await self.get(user_id), user_id)
