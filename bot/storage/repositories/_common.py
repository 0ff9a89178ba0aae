"""Statement helpers the repositories share: idempotent insert, one-row writes, shard filter."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    CursorResult,
    Executable,
    Integer,
    Row,
    Table,
    bindparam,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert, Update

from bot.storage.repositories._rows import JOB, THREAD

#: Discord: a guild is on shard ``(guild_id >> 22) % shard_count``.
SHARD_SHIFT = 22

_ItemT = TypeVar("_ItemT")


class Repository:
    """Queries over a session someone else opened and will commit: a repository never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session


def insert(session: AsyncSession, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` that knows ``ON CONFLICT`` for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def insert_once(session: AsyncSession, *key: Column[Any], **values: object) -> bool:
    """Insert a row unless its ``key`` columns already hold its values; whether this inserted."""
    statement = (
        insert(session, key[0].table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(key))
    )
    return await changed_one(session, statement)


async def rowcount(session: AsyncSession, statement: Insert | Update) -> int:
    """Run a write; how many rows it changed."""
    result = await session.execute(statement)
    return cast(CursorResult[Any], result).rowcount


async def changed_one(session: AsyncSession, statement: Insert | Update) -> bool:
    """Run a write of one row (by its key); whether it changed that row."""
    return await rowcount(session, statement) == 1


async def first(
    session: AsyncSession,
    query: Executable,
    read: Callable[[Row[Any]], _ItemT],
    params: Mapping[str, object] | None = None,
) -> _ItemT | None:
    """The first row of ``query`` through ``read``, or ``None`` when there is none."""
    row = (await session.execute(query, params)).first()
    return None if row is None else read(row)


def stored(item: _ItemT | None, key: object) -> _ItemT:
    """The row read back after an ``INSERT … ON CONFLICT DO NOTHING`` in this transaction."""
    if item is None:  # the row is there: this transaction just inserted or found it
        raise RuntimeError(f"row {key!r} vanished inside its own transaction")
    return item


def statuses(value: str | Collection[str]) -> list[str]:
    """One status or several, as a list for ``IN``."""
    return [value] if isinstance(value, str) else list(value)


def on_shards(thread_id: Column[int] = JOB.c.thread_id) -> ColumnElement[bool]:
    """Rows whose thread's guild is on a shard of ``b_shard_ids`` (Discord's shard formula).

    The shards are parameters (:func:`shard_params`), so a statement using this is built once.
    """
    # PostgreSQL has `bigint >> integer` only: the shift is typed as an integer.
    shard = THREAD.c.guild_id.op(">>")(literal(SHARD_SHIFT, Integer)).op("%")(
        bindparam("b_shard_count", type_=Integer)
    )
    in_shards = shard.in_(bindparam("b_shard_ids", type_=Integer, expanding=True))
    return thread_id.in_(select(THREAD.c.thread_id).where(in_shards))


def shard_params(shard_ids: Collection[int], shard_count: int) -> dict[str, object]:
    """The parameters of :func:`on_shards`."""
    if shard_count < 1:
        raise ValueError("shard_count must be at least 1")
    return {"b_shard_ids": sorted(shard_ids), "b_shard_count": shard_count}
