"""Repositories: the queries, over a session someone else opened and will commit.

Each repository implements one store Protocol from :mod:`bot.core.ports` and returns the frozen
dataclasses of :mod:`bot.core.models`; table rows never leave this module. Every write that can
race with another task or process is one atomic statement whose ``WHERE`` clause re-checks the
condition (idempotent ``INSERT … ON CONFLICT DO NOTHING``, compare-and-set ``UPDATE``), and its
row count says who won.

The statements are SQLAlchemy Core over the mapped tables: rows are read straight into the
dataclasses, so there is no identity map to go stale after a bulk ``UPDATE`` and no ORM
bookkeeping on the hot paths (the thread lookup, the start-up load of export jobs).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar, Unpack, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    CursorResult,
    Integer,
    Row,
    Table,
    and_,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert, ReturningUpdate, Update
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import Select

from bot.core.models import (
    BackendIdentity,
    ChatTurn,
    ChatTurnStatus,
    ExportJob,
    ExportJobChanges,
    ExportOptions,
    ExportStatus,
    Recorded,
    ThreadStatus,
    TrackThread,
    Upload,
    UploadStatus,
)
from bot.core.ports import FinishedRender, PolledJob
from bot.storage.tables import (
    IDENTITY_SLOT,
    BackendIdentityRow,
    BotSettingRow,
    ChatTurnRow,
    ExportJobRow,
    TrackThreadRow,
    UploadRow,
)

__all__ = [
    "UNFINISHED_EXPORT_STATUSES",
    "BotSettingRepository",
    "ChatTurnRepository",
    "ExportJobRepository",
    "IdentityRepository",
    "ThreadRepository",
    "UploadRepository",
]

_IDENTITY = cast(Table, BackendIdentityRow.__table__)
_THREAD = cast(Table, TrackThreadRow.__table__)
_UPLOAD = cast(Table, UploadRow.__table__)
_TURN = cast(Table, ChatTurnRow.__table__)
_JOB = cast(Table, ExportJobRow.__table__)
_SETTING = cast(Table, BotSettingRow.__table__)

UNFINISHED_EXPORT_STATUSES: tuple[ExportStatus, ...] = tuple(
    status for status in ExportStatus if not status.is_finished
)
_IN_FLIGHT_TURNS: tuple[ChatTurnStatus, ...] = tuple(
    status for status in ChatTurnStatus if status.is_in_flight
)
_EXPORT_FIELDS = frozenset(ExportJobChanges.__annotations__)
#: Discord: a guild is on shard ``(guild_id >> 22) % shard_count``.
SHARD_SHIFT = 22
# Plain dict look-ups: calling an Enum class per row is measurably slow on 10,000 rows.
_THREAD_STATUS = {status.value: status for status in ThreadStatus}
_UPLOAD_STATUS = {status.value: status for status in UploadStatus}
_TURN_STATUS = {status.value: status for status in ChatTurnStatus}
_EXPORT_STATUS = {status.value: status for status in ExportStatus}

_ItemT = TypeVar("_ItemT")


def _insert(session: AsyncSession, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` that knows ``ON CONFLICT`` for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def _insert_once(session: AsyncSession, *key: Column[Any], **values: object) -> bool:
    """Insert a row unless its ``key`` columns already hold its values; whether this inserted."""
    statement = (
        _insert(session, key[0].table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(key))
    )
    return await _rowcount(session, statement) == 1


async def _rowcount(session: AsyncSession, statement: Insert | Update) -> int:
    result = await session.execute(statement)
    return cast(CursorResult[Any], result).rowcount


def _statuses(value: str | Collection[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _stored(item: _ItemT | None, key: object) -> _ItemT:
    # An INSERT … ON CONFLICT DO NOTHING just ran in this transaction: the row is there.
    if item is None:
        raise RuntimeError(f"row {key!r} vanished inside its own transaction")
    return item


def _thread(row: Row[Any]) -> TrackThread:
    return TrackThread(
        thread_id=row.thread_id,
        guild_id=row.guild_id,
        parent_channel_id=row.parent_channel_id,
        owner_user_id=row.owner_user_id,
        status=_THREAD_STATUS[row.status],
        created_at=row.created_at,
        updated_at=row.updated_at,
        task_id=row.task_id,
        session_id=row.session_id,
        title=row.title,
        language=row.language,
        timeline_snapshot=row.timeline_snapshot,
    )


def _upload(row: Row[Any]) -> Upload:
    return Upload(
        attachment_id=row.attachment_id,
        thread_id=row.thread_id,
        filename=row.filename,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        status=_UPLOAD_STATUS[row.status],
        created_at=row.created_at,
        updated_at=row.updated_at,
        error_code=row.error_code,
    )


def _turn(row: Row[Any]) -> ChatTurn:
    return ChatTurn(
        message_id=row.message_id,
        thread_id=row.thread_id,
        author_id=row.author_id,
        status=_TURN_STATUS[row.status],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


#: The export-job columns, in the order :func:`_job` unpacks them. Every query that builds an
#: :class:`ExportJob` selects exactly these: unpacked by position, a row becomes a job about
#: five times faster than through ``row.<name>`` (the claim reads one row per poll).
_JOB_COLUMNS = (
    _JOB.c.render_id,
    _JOB.c.thread_id,
    _JOB.c.requester_id,
    _JOB.c.status,
    _JOB.c.next_poll_at,
    _JOB.c.created_at,
    _JOB.c.updated_at,
    _JOB.c.progress,
    _JOB.c.attempts,
    _JOB.c.output_url,
    _JOB.c.error,
    _JOB.c.lease_owner,
    _JOB.c.lease_expires_at,
    _JOB.c.status_message_id,
    _JOB.c.posted_message_id,
    _JOB.c.posted_at,
    _JOB.c.output_format,
    _JOB.c.output_resolution,
)


def _job(row: Sequence[Any]) -> ExportJob:
    """The job in a row of :data:`_JOB_COLUMNS`."""
    (
        render_id,
        thread_id,
        requester_id,
        status,
        next_poll_at,
        created_at,
        updated_at,
        progress,
        attempts,
        output_url,
        error,
        lease_owner,
        lease_expires_at,
        status_message_id,
        posted_message_id,
        posted_at,
        output_format,
        output_resolution,
    ) = row
    return ExportJob(
        render_id=render_id,
        thread_id=thread_id,
        requester_id=requester_id,
        status=_EXPORT_STATUS[status],
        next_poll_at=next_poll_at,
        created_at=created_at,
        updated_at=updated_at,
        progress=progress,
        attempts=attempts,
        output_url=output_url,
        error=error,
        lease_owner=lease_owner,
        lease_expires_at=lease_expires_at,
        status_message_id=status_message_id,
        posted_message_id=posted_message_id,
        posted_at=posted_at,
        options=_options(output_format, output_resolution),
    )


def _due_order(job: ExportJob) -> tuple[datetime, str]:
    """The order jobs are claimed in: soonest due first, render id between equals."""
    return job.next_poll_at, job.render_id


def _options(output_format: str | None, resolution: str | None) -> ExportOptions | None:
    if output_format is None or resolution is None:
        return None
    return ExportOptions(output_format, resolution)


# Built once: bound parameters are named b_* (a bind may not share a column's name). NULLs are
# literals, not parameters: an executemany processes every parameter of every row.
_RELEASE_POLLED = (
    update(_JOB)
    .where(
        _JOB.c.render_id == bindparam("b_render_id"),
        _JOB.c.lease_owner == bindparam("b_owner"),
        _JOB.c.status == bindparam("b_claimed"),
    )
    .values(
        status=bindparam("b_status"),
        progress=bindparam("b_progress"),
        next_poll_at=bindparam("b_next_poll_at"),
        lease_owner=null(),
        lease_expires_at=null(),
        updated_at=bindparam("b_now"),
    )
)

_CLAIM_POSTING = (
    update(_JOB)
    .where(
        _JOB.c.render_id == bindparam("b_render_id"),
        _JOB.c.lease_owner == bindparam("b_owner"),
        _JOB.c.status == bindparam("b_claimed"),
    )
    .values(
        status=ExportStatus.POSTING.value,
        progress=100,
        output_url=bindparam("b_output_url"),
        updated_at=bindparam("b_now"),
    )
)

#: Which of ``b_render_ids`` are ``posting`` under ``b_owner``'s lease (``claim_posting``).
_POSTING_NOW = select(_JOB.c.render_id).where(
    _JOB.c.render_id.in_(bindparam("b_render_ids", expanding=True)),
    _JOB.c.status == ExportStatus.POSTING.value,
    _JOB.c.lease_owner == bindparam("b_owner"),
)
_THREADS_BY_ID = select(_THREAD).where(
    _THREAD.c.thread_id.in_(bindparam("b_thread_ids", expanding=True))
)

_RECORD_POSTED = (
    update(_JOB)
    .where(
        _JOB.c.render_id == bindparam("b_render_id"),
        _JOB.c.status == ExportStatus.POSTING.value,
    )
    .values(
        status=ExportStatus.POSTED.value,
        posted_message_id=bindparam("b_message_id"),
        posted_at=bindparam("b_now"),
        lease_owner=null(),
        lease_expires_at=null(),
        updated_at=bindparam("b_now"),
    )
)


def _on_shards(thread_id: Column[int] = _JOB.c.thread_id) -> ColumnElement[bool]:
    """Rows whose thread's guild is on a shard of ``b_shard_ids`` (Discord's shard formula).

    The shards are parameters (:func:`_shard_params`), so a statement using this is built once.
    """
    # PostgreSQL has `bigint >> integer` only: the shift is typed as an integer.
    shard = _THREAD.c.guild_id.op(">>")(literal(SHARD_SHIFT, Integer)).op("%")(
        bindparam("b_shard_count", type_=Integer)
    )
    on_shards = shard.in_(bindparam("b_shard_ids", type_=Integer, expanding=True))
    return thread_id.in_(select(_THREAD.c.thread_id).where(on_shards))


def _shard_params(shard_ids: Collection[int], shard_count: int) -> dict[str, object]:
    """The parameters of :func:`_on_shards`."""
    if shard_count < 1:
        raise ValueError("shard_count must be at least 1")
    return {"b_shard_ids": sorted(shard_ids), "b_shard_count": shard_count}


#: What a claim sets.
_LEASE_VALUES: dict[str, BindParameter[Any]] = {
    "lease_owner": bindparam("b_owner"),
    "lease_expires_at": bindparam("b_expires"),
    "updated_at": bindparam("b_now"),
}


@functools.cache
def _claim_statements(
    *, sharded: bool, takeover: bool
) -> tuple[ColumnElement[bool], Select[tuple[str]], ReturningUpdate[Any]]:
    """``claim_due``'s statements, built once per shape (parameters ``b_*``).

    Returns the claimable condition, the ``SELECT`` that picks due jobs (soonest first,
    ``FOR UPDATE SKIP LOCKED``) and the ``UPDATE … RETURNING`` that leases what it picks.
    Building and cache-keying a statement this size costs most of a millisecond of CPU: once
    per claim (several a second) was a visible share of the poller's cost.
    """
    claimable = and_(
        _JOB.c.status.in_(UNFINISHED_EXPORT_STATUSES),
        _JOB.c.next_poll_at <= bindparam("b_now"),
        or_(_JOB.c.lease_expires_at.is_(None), _JOB.c.lease_expires_at <= bindparam("b_now")),
    )
    if sharded:
        mine = _on_shards()
        if takeover:
            mine = or_(mine, _JOB.c.next_poll_at <= bindparam("b_abandoned_by"))
        claimable = and_(claimable, mine)
    picked = (
        select(_JOB.c.render_id)
        .where(claimable)
        .order_by(_JOB.c.next_poll_at, _JOB.c.render_id)
        .limit(bindparam("b_limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )
    # One statement picks and leases: atomic on SQLite (a write statement takes the write
    # lock before its first read), and on PostgreSQL the picked rows are locked (re-checked
    # against `claimable` as they are locked; SKIP LOCKED passes over others' claims).
    lease = (
        update(_JOB)
        .where(_JOB.c.render_id.in_(picked.scalar_subquery()))
        .values(_LEASE_VALUES)
        .returning(*_JOB_COLUMNS)
    )
    return claimable, picked, lease


class IdentityRepository:
    """The single backend-identity row."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def load(self) -> BackendIdentity | None:
        """Return the stored identity, or ``None`` before the first start."""
        result = await self._session.execute(
            select(_IDENTITY).where(_IDENTITY.c.id == IDENTITY_SLOT)
        )
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
        """Insert or replace the identity (``created_at`` of the first save is kept)."""
        values = {
            "client_id": identity.client_id,
            "token": identity.token,
            "token_expires_at": identity.token_expires_at,
            "user_id": identity.user_id,
            "updated_at": now,
        }
        statement = (
            _insert(self._session, _IDENTITY)
            .values(id=IDENTITY_SLOT, created_at=now, **values)
            .on_conflict_do_update(index_elements=[_IDENTITY.c.id], set_=values)
        )
        await self._session.execute(statement)


class ThreadRepository:
    """Track threads (implements :class:`bot.core.ports.ThreadStore`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        *,
        thread_id: int,
        guild_id: int,
        parent_channel_id: int,
        owner_user_id: int,
        now: datetime,
        task_id: str | None = None,
        session_id: str | None = None,
        title: str | None = None,
        language: str | None = None,
    ) -> Recorded[TrackThread]:
        """Record a new thread (status ``active``), or return the existing one unchanged."""
        created = await _insert_once(
            self._session,
            _THREAD.c.thread_id,
            thread_id=thread_id,
            guild_id=guild_id,
            parent_channel_id=parent_channel_id,
            owner_user_id=owner_user_id,
            task_id=task_id,
            session_id=session_id,
            title=title,
            language=language,
            status=ThreadStatus.ACTIVE.value,
            created_at=now,
            updated_at=now,
        )
        return Recorded(_stored(await self.get(thread_id), thread_id), created)

    async def get(self, thread_id: int) -> TrackThread | None:
        """Return the thread, or ``None`` when Beatthread does not own it."""
        result = await self._session.execute(
            select(_THREAD).where(_THREAD.c.thread_id == thread_id)
        )
        row = result.first()
        return None if row is None else _thread(row)

    async def get_many(self, thread_ids: Collection[int]) -> dict[int, TrackThread]:
        """Return the known threads among ``thread_ids``, by id (one query)."""
        if not thread_ids:
            return {}
        result = await self._session.execute(_THREADS_BY_ID, {"b_thread_ids": list(thread_ids)})
        return {row.thread_id: _thread(row) for row in result}

    async def set_session(
        self, thread_id: int, *, task_id: str, session_id: str, now: datetime
    ) -> bool:
        """Attach a (new) backend session and mark the thread ``active``; ``False`` if unknown."""
        return await self._update(
            thread_id,
            task_id=task_id,
            session_id=session_id,
            status=ThreadStatus.ACTIVE.value,
            updated_at=now,
        )

    async def set_status(self, thread_id: int, status: ThreadStatus, *, now: datetime) -> bool:
        """Change the thread's status; ``False`` if the thread is unknown."""
        return await self._update(thread_id, status=status.value, updated_at=now)

    async def save_timeline(self, thread_id: int, snapshot: str, *, now: datetime) -> bool:
        """Remember the last timeline seen (for "what changed" diffs); ``False`` if unknown."""
        return await self._update(thread_id, timeline_snapshot=snapshot, updated_at=now)

    async def _update(self, thread_id: int, **values: object) -> bool:
        statement = update(_THREAD).where(_THREAD.c.thread_id == thread_id).values(**values)
        return await _rowcount(self._session, statement) == 1


class UploadRepository:
    """Uploads, once per (thread, attachment) (implements :class:`bot.core.ports.UploadStore`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        *,
        thread_id: int,
        attachment_id: int,
        filename: str,
        content_type: str | None,
        size_bytes: int,
        now: datetime,
    ) -> Recorded[Upload]:
        """Record the thread's attachment as ``pending``, or return its record unchanged."""
        created = await _insert_once(
            self._session,
            _UPLOAD.c.thread_id,
            _UPLOAD.c.attachment_id,
            thread_id=thread_id,
            attachment_id=attachment_id,
            filename=filename,
            content_type=content_type,
            size_bytes=size_bytes,
            status=UploadStatus.PENDING.value,
            created_at=now,
            updated_at=now,
        )
        key = (thread_id, attachment_id)
        return Recorded(_stored(await self.get(thread_id, attachment_id), key), created)

    async def get(self, thread_id: int, attachment_id: int) -> Upload | None:
        """Return the thread's upload of the attachment, or ``None`` if never recorded."""
        result = await self._session.execute(
            select(_UPLOAD).where(_upload_key(thread_id, attachment_id))
        )
        row = result.first()
        return None if row is None else _upload(row)

    async def set_status(
        self,
        thread_id: int,
        attachment_id: int,
        status: UploadStatus,
        *,
        now: datetime,
        error_code: str | None = None,
    ) -> bool:
        """Set the upload's status (and error code); ``False`` if unknown."""
        statement = (
            update(_UPLOAD)
            .where(_upload_key(thread_id, attachment_id))
            .values(status=status.value, error_code=error_code, updated_at=now)
        )
        return await _rowcount(self._session, statement) == 1

    async def list_for_thread(self, thread_id: int) -> list[Upload]:
        """Return the thread's uploads, oldest first."""
        result = await self._session.execute(
            select(_UPLOAD)
            .where(_UPLOAD.c.thread_id == thread_id)
            .order_by(_UPLOAD.c.created_at, _UPLOAD.c.attachment_id)
        )
        return [_upload(row) for row in result]


def _upload_key(thread_id: int, attachment_id: int) -> ColumnElement[bool]:
    return and_(_UPLOAD.c.thread_id == thread_id, _UPLOAD.c.attachment_id == attachment_id)


class ChatTurnRepository:
    """Chat turns (implements :class:`bot.core.ports.ChatTurnStore`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        *,
        message_id: int,
        thread_id: int,
        author_id: int,
        now: datetime,
        status: ChatTurnStatus = ChatTurnStatus.QUEUED,
    ) -> Recorded[ChatTurn]:
        """Record the message as a turn; ``created`` is ``False`` if it was already seen."""
        created = await _insert_once(
            self._session,
            _TURN.c.message_id,
            message_id=message_id,
            thread_id=thread_id,
            author_id=author_id,
            status=status.value,
            created_at=now,
            updated_at=now,
        )
        return Recorded(_stored(await self.get(message_id), message_id), created)

    async def get(self, message_id: int) -> ChatTurn | None:
        """Return the turn, or ``None`` if the message was never recorded."""
        result = await self._session.execute(select(_TURN).where(_TURN.c.message_id == message_id))
        row = result.first()
        return None if row is None else _turn(row)

    async def transition(
        self,
        message_id: int,
        from_status: ChatTurnStatus | Collection[ChatTurnStatus],
        to_status: ChatTurnStatus,
        *,
        now: datetime,
    ) -> bool:
        """Move the turn to ``to_status`` only if it is in ``from_status``; report success."""
        statement = (
            update(_TURN)
            .where(_TURN.c.message_id == message_id, _TURN.c.status.in_(_statuses(from_status)))
            .values(status=to_status.value, updated_at=now)
        )
        return await _rowcount(self._session, statement) == 1

    async def interrupt_in_flight(
        self,
        *,
        now: datetime,
        shard_ids: Collection[int] | None = None,
        shard_count: int = 1,
    ) -> list[ChatTurn]:
        """Mark queued and streaming turns ``interrupted`` (at start-up) and return them.

        ``shard_ids`` limits this to threads of guilds on those Discord shards, for a process
        that owns only some shards while others keep running.
        """
        in_flight = _TURN.c.status.in_(_IN_FLIGHT_TURNS)
        query = select(_TURN.c.message_id).where(in_flight)
        params: dict[str, object] = {}
        if shard_ids is not None:
            query = query.where(_on_shards(_TURN.c.thread_id))
            params = _shard_params(shard_ids, shard_count)
        message_ids = list(await self._session.scalars(query, params))
        if not message_ids:
            return []
        await _rowcount(
            self._session,
            update(_TURN)
            .where(_TURN.c.message_id.in_(message_ids), in_flight)
            .values(status=ChatTurnStatus.INTERRUPTED.value, updated_at=now),
        )
        result = await self._session.execute(
            select(_TURN)
            .where(
                _TURN.c.message_id.in_(message_ids),
                _TURN.c.status == ChatTurnStatus.INTERRUPTED.value,
                _TURN.c.updated_at == now,
            )
            .order_by(_TURN.c.message_id)
        )
        return [_turn(row) for row in result]


class ExportJobRepository:
    """Export jobs (implements :class:`bot.core.ports.ExportJobStore`).

    Claiming is one statement in the caller's transaction: ``UPDATE … WHERE render_id IN
    (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …``. The subquery picks due jobs nobody else
    holds (PostgreSQL locks them and skips rows other claimers have locked; SQLite has no row
    locks and the clause is left out, but a write statement runs under the database's one
    write lock, so two claimers never pick the same row). Where ``RETURNING`` is missing, a
    ``SELECT``, an ``UPDATE`` that re-checks the lease, and a read-back do the same.

    The hot statements (claim, write-back, posting) are built once with ``b_*`` parameters:
    building and cache-keying a statement costs more CPU than SQLite takes to run it.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self,
        *,
        render_id: str,
        thread_id: int,
        requester_id: int,
        now: datetime,
        status: ExportStatus = ExportStatus.SUBMITTED,
        next_poll_at: datetime | None = None,
        status_message_id: int | None = None,
        options: ExportOptions | None = None,
        attempts: int = 0,
    ) -> Recorded[ExportJob]:
        """Store a new job (first poll at ``next_poll_at``, default ``now``), or return it."""
        created = await _insert_once(
            self._session,
            _JOB.c.render_id,
            render_id=render_id,
            thread_id=thread_id,
            requester_id=requester_id,
            status=status.value,
            progress=0,
            attempts=attempts,
            next_poll_at=now if next_poll_at is None else next_poll_at,
            status_message_id=status_message_id,
            output_format=options.format if options is not None else None,
            output_resolution=options.resolution if options is not None else None,
            created_at=now,
            updated_at=now,
        )
        return Recorded(_stored(await self.get(render_id), render_id), created)

    async def get(self, render_id: str) -> ExportJob | None:
        """Return the job, or ``None`` if the render id is unknown."""
        result = await self._session.execute(
            select(*_JOB_COLUMNS).where(_JOB.c.render_id == render_id)
        )
        row = result.first()
        return None if row is None else _job(row)

    async def count_unfinished(self, *, requester_id: int) -> int:
        """How many of ``requester_id``'s jobs are not yet posted, failed or cancelled."""
        query = select(func.count()).where(
            _JOB.c.requester_id == requester_id, _JOB.c.status.in_(UNFINISHED_EXPORT_STATUSES)
        )
        return int((await self._session.execute(query)).scalar_one())

    async def load_unfinished(
        self,
        *,
        limit: int | None = None,
        shard_ids: Collection[int] | None = None,
        shard_count: int = 1,
    ) -> list[ExportJob]:
        """Return jobs not yet posted, failed or cancelled, by next poll time (start-up).

        With ``shard_ids``, only jobs whose thread's guild is on one of those Discord shards
        (``(guild_id >> 22) % shard_count``).
        """
        query = select(*_JOB_COLUMNS).where(_JOB.c.status.in_(UNFINISHED_EXPORT_STATUSES))
        params: dict[str, object] = {}
        if shard_ids is not None:
            query = query.where(_on_shards())
            params = _shard_params(shard_ids, shard_count)
        result = await self._session.execute(
            query.order_by(_JOB.c.next_poll_at, _JOB.c.render_id).limit(limit), params
        )
        return [_job(row) for row in result]

    async def claim_due(
        self,
        *,
        owner: str,
        now: datetime,
        lease_for: timedelta,
        limit: int = 10,
        shard_ids: Collection[int] | None = None,
        shard_count: int = 1,
        takeover_after: timedelta | None = None,
    ) -> list[ExportJob]:
        """Lease up to ``limit`` unfinished jobs due by ``now`` whose lease is free or expired.

        No two callers (in any process) hold the same job's lease at the same time. With
        ``shard_ids``, only jobs of guilds on those shards, plus (with ``takeover_after``) any
        job left unpolled that long past its due time, whatever its shard.
        """
        sharded, takeover = shard_ids is not None, takeover_after is not None
        claimable, picked, lease = _claim_statements(sharded=sharded, takeover=takeover)
        params: dict[str, object] = {
            "b_now": now,
            "b_limit": limit,
            "b_owner": owner,
            "b_expires": now + lease_for,
        }
        if shard_ids is not None:
            params.update(_shard_params(shard_ids, shard_count))
            if takeover_after is not None:
                params["b_abandoned_by"] = now - takeover_after
        if not self._session.get_bind().dialect.update_returning:
            return await self._claim_in_steps(picked, claimable, params)
        jobs = [_job(row) for row in await self._session.execute(lease, params)]
        jobs.sort(key=_due_order)  # RETURNING has no order
        return jobs

    async def _claim_in_steps(
        self,
        picked: Select[tuple[str]],
        claimable: ColumnElement[bool],
        params: dict[str, object],
    ) -> list[ExportJob]:
        """:meth:`claim_due` where ``UPDATE … RETURNING`` is missing (SQLite before 3.35)."""
        render_ids = list(await self._session.scalars(picked, params))
        if not render_ids:
            return []
        # The UPDATE re-checks `claimable`: the SELECT ran before this transaction wrote.
        picked_ids = _JOB.c.render_id.in_(render_ids)
        await self._session.execute(
            update(_JOB).where(picked_ids, claimable).values(_LEASE_VALUES), params
        )
        result = await self._session.execute(
            select(*_JOB_COLUMNS)
            .where(
                picked_ids,
                _JOB.c.lease_owner == params["b_owner"],
                _JOB.c.lease_expires_at == params["b_expires"],
            )
            .order_by(_JOB.c.next_poll_at, _JOB.c.render_id)
        )
        return [_job(row) for row in result]

    async def renew_lease(
        self, render_id: str, *, owner: str, now: datetime, lease_for: timedelta
    ) -> bool:
        """Extend ``owner``'s lease; ``False`` if someone else has taken the job over."""
        statement = (
            update(_JOB)
            .where(_JOB.c.render_id == render_id, _JOB.c.lease_owner == owner)
            .values(lease_expires_at=now + lease_for, updated_at=now)
        )
        return await _rowcount(self._session, statement) == 1

    async def release_all(self, *, owner: str, now: datetime) -> int:
        """Give back every lease ``owner`` holds (at shutdown); return how many."""
        statement = (
            update(_JOB)
            .where(_JOB.c.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None, updated_at=now)
        )
        return await _rowcount(self._session, statement)

    async def transition(
        self,
        render_id: str,
        from_status: ExportStatus | Collection[ExportStatus],
        to_status: ExportStatus,
        *,
        now: datetime,
        held_by: str | None = None,
        **fields: Unpack[ExportJobChanges],
    ) -> bool:
        """Compare-and-set: move to ``to_status`` only if in ``from_status``; report the win.

        With ``held_by``, the update also requires that caller to hold the lease. ``fields``
        are set in the same statement.
        """
        conditions = [_JOB.c.status.in_(_statuses(from_status))]
        return await self._update(
            render_id, conditions, held_by, {**fields, "status": to_status.value}, now
        )

    async def update(
        self,
        render_id: str,
        *,
        now: datetime,
        held_by: str | None = None,
        **fields: Unpack[ExportJobChanges],
    ) -> bool:
        """Set ``fields`` without a status change (progress, next poll…); ``False`` if not."""
        return await self._update(render_id, [], held_by, dict(fields), now)

    async def release_polled(
        self, polls: Sequence[PolledJob], *, owner: str, now: datetime
    ) -> None:
        """Give back ``owner``'s leases after polls, recording what each found (one statement).

        Each job moves from the status it was claimed in to its new one, with its progress and
        next poll time, only while ``owner`` holds it and its status is still the claimed one;
        a job cancelled or taken over meanwhile is left alone. Outcomes are not reported per
        job (a batched statement cannot tell them apart everywhere): a claimer notices a lost
        job at its next claim.
        """
        if not polls:
            return
        # One executemany: a poller writes back a whole batch for the cost of a statement.
        await self._session.execute(
            _RELEASE_POLLED,
            [
                {
                    "b_render_id": poll.render_id,
                    "b_owner": owner,
                    "b_claimed": poll.claimed_status.value,
                    "b_status": poll.status.value,
                    "b_progress": poll.progress,
                    "b_next_poll_at": poll.next_poll_at,
                    "b_now": now,
                }
                for poll in polls
            ],
        )

    async def claim_posting(
        self, renders: Sequence[FinishedRender], *, owner: str, now: datetime
    ) -> set[str]:
        """The exactly-once claim of finished videos: move them to ``posting``; return winners.

        A job moves (storing its video URL, progress 100) only from the status it was claimed
        in and only while ``owner`` holds its lease, which it keeps for the post. The returned
        render ids are the ones this call moved: only those may be posted.
        """
        if not renders:
            return set()
        # An executemany reports no per-row counts everywhere, so the rows are read before and
        # after: only the lease holder can put them in `posting`, and this transaction holds
        # every row it wrote; what is `posting` now and was not before is what this call won.
        ids = {"b_render_ids": [render.render_id for render in renders], "b_owner": owner}
        before = set(await self._session.scalars(_POSTING_NOW, ids))
        await self._session.execute(
            _CLAIM_POSTING,
            [
                {
                    "b_render_id": render.render_id,
                    "b_owner": owner,
                    "b_claimed": render.claimed_status.value,
                    "b_output_url": render.output_url,
                    "b_now": now,
                }
                for render in renders
            ],
        )
        return set(await self._session.scalars(_POSTING_NOW, ids)) - before

    async def record_posted(self, posts: Mapping[str, int], *, now: datetime) -> None:
        """Record ``posting → posted`` with each render's message id (render id → message id).

        Leases are released. A job no longer ``posting`` (recorded by someone else) is left as
        it is.
        """
        if not posts:
            return
        await self._session.execute(
            _RECORD_POSTED,
            [
                {"b_render_id": render_id, "b_message_id": message_id, "b_now": now}
                for render_id, message_id in posts.items()
            ],
        )

    async def _update(
        self,
        render_id: str,
        conditions: Iterable[ColumnElement[bool]],
        held_by: str | None,
        values: dict[str, object],
        now: datetime,
    ) -> bool:
        unknown = set(values) - _EXPORT_FIELDS - {"status"}
        if unknown:
            raise TypeError(f"not an export-job field: {', '.join(sorted(unknown))}")
        where = [_JOB.c.render_id == render_id, *conditions]
        if held_by is not None:
            where.append(_JOB.c.lease_owner == held_by)
        statement = update(_JOB).where(*where).values(**values, updated_at=now)
        return await _rowcount(self._session, statement) == 1


class BotSettingRepository:
    """Facts of this deployment by key (implements :class:`bot.core.ports.BotSettingStore`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, key: str) -> str | None:
        """Return the value stored under ``key``, or ``None``."""
        result = await self._session.execute(select(_SETTING.c.value).where(_SETTING.c.key == key))
        return result.scalar_one_or_none()

    async def put(self, key: str, value: str, *, now: datetime) -> None:
        """Store ``value`` under ``key``, replacing any earlier one (one atomic upsert)."""
        statement = (
            _insert(self._session, _SETTING)
            .values(key=key, value=value, updated_at=now)
            .on_conflict_do_update(
                index_elements=[_SETTING.c.key], set_={"value": value, "updated_at": now}
            )
        )
        await self._session.execute(statement)
