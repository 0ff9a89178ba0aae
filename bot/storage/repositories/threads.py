"""Track threads: which Discord thread belongs to which backend session."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import bindparam, select, update

from bot.core.models import NewThread, Recorded, ThreadStatus, TrackThread
from bot.storage.repositories._common import (
    Repository,
    changed_one,
    first,
    insert_once,
    rowcount,
    stored,
)
from bot.storage.repositories._rows import THREAD, read_thread

# Built once (the lookup runs on every message in a thread); parameters are named b_*.
_THREAD_BY_ID = select(*read_thread.columns).where(THREAD.c.thread_id == bindparam("b_thread_id"))
_THREADS_BY_ID = select(*read_thread.columns).where(
    THREAD.c.thread_id.in_(bindparam("b_thread_ids", expanding=True))
)


class ThreadRepository(Repository):
    """Track threads (implements :class:`bot.core.ports.ThreadStore`)."""

    async def add(self, thread: NewThread, *, now: datetime) -> Recorded[TrackThread]:
        """``INSERT … ON CONFLICT DO NOTHING`` on the thread id, then a read-back."""
        created = await insert_once(
            self._session,
            THREAD.c.thread_id,
            thread_id=thread.thread_id,
            guild_id=thread.guild_id,
            parent_channel_id=thread.parent_channel_id,
            owner_user_id=thread.owner_user_id,
            task_id=thread.task_id,
            session_id=thread.session_id,
            title=thread.title,
            language=thread.language,
            status=ThreadStatus.ACTIVE.value,
            created_at=now,
            updated_at=now,
        )
        return Recorded(stored(await self.get(thread.thread_id), thread.thread_id), created)

    async def get(self, thread_id: int) -> TrackThread | None:
        """A primary-key read."""
        return await first(self._session, _THREAD_BY_ID, read_thread, {"b_thread_id": thread_id})

    async def get_many(self, thread_ids: Collection[int]) -> dict[int, TrackThread]:
        """One ``IN`` query (built once); nothing at all for no ids."""
        if not thread_ids:
            return {}
        result = await self._session.execute(_THREADS_BY_ID, {"b_thread_ids": list(thread_ids)})
        return {thread.thread_id: thread for thread in map(read_thread, result)}

    async def set_session(
        self, thread_id: int, *, task_id: str, session_id: str, now: datetime
    ) -> bool:
        """One ``UPDATE`` by primary key (ids, status ``active``)."""
        return await self._update(
            thread_id,
            task_id=task_id,
            session_id=session_id,
            status=ThreadStatus.ACTIVE.value,
            updated_at=now,
        )

    async def set_status(self, thread_id: int, status: ThreadStatus, *, now: datetime) -> bool:
        """One ``UPDATE`` by primary key."""
        return await self._update(thread_id, status=status.value, updated_at=now)

    async def save_timeline(self, thread_id: int, snapshot: str, *, now: datetime) -> bool:
        """One ``UPDATE`` by primary key (the snapshot is stored as given)."""
        return await self._update(thread_id, timeline_snapshot=snapshot, updated_at=now)

    async def set_owner_language(self, owner_user_id: int, language: str, *, now: datetime) -> int:
        """One ``UPDATE`` on the owner index, leaving threads that speak it already alone."""
        statement = (
            update(THREAD)
            .where(
                THREAD.c.owner_user_id == owner_user_id,
                THREAD.c.language.is_distinct_from(language),
            )
            .values(language=language, updated_at=now)
        )
        return await rowcount(self._session, statement)

    async def _update(self, thread_id: int, **values: object) -> bool:
        statement = update(THREAD).where(THREAD.c.thread_id == thread_id).values(**values)
        return await changed_one(self._session, statement)
