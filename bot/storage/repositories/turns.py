"""Chat turns, keyed by the Discord message id: a message reaches the backend at most once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update

from bot.core.models import ChatTurn, ChatTurnStatus, Recorded
from bot.storage.repositories._common import (
    Repository,
    changed_one,
    first,
    insert_once,
    on_shards,
    shard_params,
    statuses,
    stored,
)
from bot.storage.repositories._rows import TURN, read_turn

_IN_FLIGHT_TURNS: tuple[ChatTurnStatus, ...] = tuple(
    status for status in ChatTurnStatus if status.is_in_flight
)


class ChatTurnRepository(Repository):
    """Chat turns (implements :class:`bot.core.ports.ChatTurnStore`)."""

    async def record(
        self,
        *,
        message_id: int,
        thread_id: int,
        author_id: int,
        now: datetime,
        status: ChatTurnStatus = ChatTurnStatus.QUEUED,
    ) -> Recorded[ChatTurn]:
        """``INSERT … ON CONFLICT DO NOTHING`` on the message id, then a read-back."""
        created = await insert_once(
            self._session,
            TURN.c.message_id,
            message_id=message_id,
            thread_id=thread_id,
            author_id=author_id,
            status=status.value,
            created_at=now,
            updated_at=now,
        )
        return Recorded(stored(await self.get(message_id), message_id), created)

    async def get(self, message_id: int) -> ChatTurn | None:
        """A primary-key read."""
        query = select(*read_turn.columns).where(TURN.c.message_id == message_id)
        return await first(self._session, query, read_turn)

    async def transition(
        self,
        message_id: int,
        from_status: ChatTurnStatus | Collection[ChatTurnStatus],
        to_status: ChatTurnStatus,
        *,
        now: datetime,
    ) -> bool:
        """One compare-and-set ``UPDATE … WHERE status IN (from_status)``."""
        statement = (
            update(TURN)
            .where(TURN.c.message_id == message_id, TURN.c.status.in_(statuses(from_status)))
            .values(status=to_status.value, updated_at=now)
        )
        return await changed_one(self._session, statement)

    async def interrupt_in_flight(
        self,
        *,
        now: datetime,
        shard_ids: Collection[int] | None = None,
        shard_count: int = 1,
    ) -> list[ChatTurn]:
        """Select the in-flight ids, update those still in flight, read back what it changed."""
        in_flight = TURN.c.status.in_(_IN_FLIGHT_TURNS)
        query = select(TURN.c.message_id).where(in_flight)
        params: dict[str, object] = {}
        if shard_ids is not None:
            query = query.where(on_shards(TURN.c.thread_id))
            params = shard_params(shard_ids, shard_count)
        message_ids = list(await self._session.scalars(query, params))
        if not message_ids:
            return []
        await self._session.execute(
            update(TURN)
            .where(TURN.c.message_id.in_(message_ids), in_flight)
            .values(status=ChatTurnStatus.INTERRUPTED.value, updated_at=now)
        )
        result = await self._session.execute(
            select(*read_turn.columns)
            .where(
                TURN.c.message_id.in_(message_ids),
                TURN.c.status == ChatTurnStatus.INTERRUPTED.value,
                TURN.c.updated_at == now,
            )
            .order_by(TURN.c.message_id)
        )
        return [read_turn(row) for row in result]
