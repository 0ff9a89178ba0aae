"""Export jobs: durable, leased, and transitioned with compare-and-set updates.

Claiming is one statement in the caller's transaction: ``UPDATE … WHERE render_id IN
(SELECT … FOR UPDATE SKIP LOCKED) RETURNING …``. The subquery picks due jobs nobody else
holds (PostgreSQL locks them and skips rows other claimers have locked; SQLite has no row
locks and the clause is left out, but a write statement runs under the database's one
write lock, so two claimers never pick the same row). Where ``RETURNING`` is missing, a
``SELECT``, an ``UPDATE`` that re-checks the lease, and a read-back do the same.

The hot statements (claim, write-back, posting) are built once with ``b_*`` parameters:
building and cache-keying a statement costs more CPU than SQLite takes to run it.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Unpack

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    func,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.sql.dml import ReturningUpdate
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import Select

from bot.core.models import ExportJob, ExportJobChanges, ExportOptions, ExportStatus, Recorded
from bot.core.ports import FinishedRender, LeaseTerms, PolledJob
from bot.storage.repositories._common import (
    Repository,
    changed_one,
    first,
    insert_once,
    on_shards,
    rowcount,
    shard_params,
    statuses,
    stored,
)
from bot.storage.repositories._rows import JOB, JOB_COLUMNS, read_job

UNFINISHED_EXPORT_STATUSES: tuple[ExportStatus, ...] = tuple(
    status for status in ExportStatus if not status.is_finished
)
_EXPORT_FIELDS = frozenset(ExportJobChanges.__annotations__)


def _due_order(job: ExportJob) -> tuple[datetime, str]:
    """The order jobs are claimed in: soonest due first, render id between equals."""
    return job.next_poll_at, job.render_id


# Built once: bound parameters are named b_* (a bind may not share a column's name). NULLs are
# literals, not parameters: an executemany processes every parameter of every row.
#: The job as its claim left it: still leased by ``b_owner``, still in the ``b_claimed`` status.
_AS_CLAIMED = (
    JOB.c.render_id == bindparam("b_render_id"),
    JOB.c.lease_owner == bindparam("b_owner"),
    JOB.c.status == bindparam("b_claimed"),
)

_RELEASE_POLLED = (
    update(JOB)
    .where(*_AS_CLAIMED)
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
    update(JOB)
    .where(*_AS_CLAIMED)
    .values(
        status=ExportStatus.POSTING.value,
        progress=100,
        output_url=bindparam("b_output_url"),
        updated_at=bindparam("b_now"),
    )
)

#: Which of ``b_render_ids`` are ``posting`` under ``b_owner``'s lease (``claim_posting``).
_POSTING_NOW = select(JOB.c.render_id).where(
    JOB.c.render_id.in_(bindparam("b_render_ids", expanding=True)),
    JOB.c.status == ExportStatus.POSTING.value,
    JOB.c.lease_owner == bindparam("b_owner"),
)

_RECORD_POSTED = (
    update(JOB)
    .where(
        JOB.c.render_id == bindparam("b_render_id"),
        JOB.c.status == ExportStatus.POSTING.value,
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
        JOB.c.status.in_(UNFINISHED_EXPORT_STATUSES),
        JOB.c.next_poll_at <= bindparam("b_now"),
        or_(JOB.c.lease_expires_at.is_(None), JOB.c.lease_expires_at <= bindparam("b_now")),
    )
    if sharded:
        mine = on_shards()
        if takeover:
            mine = or_(mine, JOB.c.next_poll_at <= bindparam("b_abandoned_by"))
        claimable = and_(claimable, mine)
    picked = (
        select(JOB.c.render_id)
        .where(claimable)
        .order_by(JOB.c.next_poll_at, JOB.c.render_id)
        .limit(bindparam("b_limit", type_=Integer))
        .with_for_update(skip_locked=True)
    )
    # One statement picks and leases: atomic on SQLite (a write statement takes the write
    # lock before its first read), and on PostgreSQL the picked rows are locked (re-checked
    # against `claimable` as they are locked; SKIP LOCKED passes over others' claims).
    lease = (
        update(JOB)
        .where(JOB.c.render_id.in_(picked.scalar_subquery()))
        .values(_LEASE_VALUES)
        .returning(*JOB_COLUMNS)
    )
    return claimable, picked, lease


class ExportJobRepository(Repository):
    """Export jobs (implements :class:`bot.core.ports.ExportJobStore`)."""

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
        length_ms: int | None = None,
    ) -> Recorded[ExportJob]:
        """``INSERT … ON CONFLICT DO NOTHING`` on the render id, then a read-back."""
        created = await insert_once(
            self._session,
            JOB.c.render_id,
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
            length_ms=length_ms,
            created_at=now,
            updated_at=now,
        )
        return Recorded(stored(await self.get(render_id), render_id), created)

    async def get(self, render_id: str) -> ExportJob | None:
        """A primary-key read."""
        query = select(*JOB_COLUMNS).where(JOB.c.render_id == render_id)
        return await first(self._session, query, read_job)

    async def count_unfinished(self, *, requester_id: int) -> int:
        """One ``COUNT`` over the requester's unfinished statuses."""
        query = select(func.count()).where(
            JOB.c.requester_id == requester_id, JOB.c.status.in_(UNFINISHED_EXPORT_STATUSES)
        )
        return int((await self._session.execute(query)).scalar_one())

    async def load_unfinished(
        self,
        *,
        limit: int | None = None,
        shard_ids: Collection[int] | None = None,
        shard_count: int = 1,
    ) -> list[ExportJob]:
        """One ordered query on the (status, next poll) index; shards filter in SQL."""
        query = select(*JOB_COLUMNS).where(JOB.c.status.in_(UNFINISHED_EXPORT_STATUSES))
        params: dict[str, object] = {}
        if shard_ids is not None:
            query = query.where(on_shards())
            params = shard_params(shard_ids, shard_count)
        result = await self._session.execute(
            query.order_by(JOB.c.next_poll_at, JOB.c.render_id).limit(limit), params
        )
        return [read_job(row) for row in result]

    async def claim_due(
        self, terms: LeaseTerms, *, now: datetime, limit: int = 10
    ) -> list[ExportJob]:
        """One ``UPDATE … RETURNING`` built once per shape (see the module docstring)."""
        shard_ids, takeover_after = terms.shard_ids, terms.takeover_after
        sharded, takeover = shard_ids is not None, takeover_after is not None
        claimable, picked, lease = _claim_statements(sharded=sharded, takeover=takeover)
        params: dict[str, object] = {
            "b_now": now,
            "b_limit": limit,
            "b_owner": terms.owner,
            "b_expires": now + terms.lease_for,
        }
        if shard_ids is not None:
            params.update(shard_params(shard_ids, terms.shard_count))
            if takeover_after is not None:
                params["b_abandoned_by"] = now - takeover_after
        if not self._session.get_bind().dialect.update_returning:
            return await self._claim_in_steps(picked, claimable, params)
        jobs = [read_job(row) for row in await self._session.execute(lease, params)]
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
        picked_ids = JOB.c.render_id.in_(render_ids)
        await self._session.execute(
            update(JOB).where(picked_ids, claimable).values(_LEASE_VALUES), params
        )
        result = await self._session.execute(
            select(*JOB_COLUMNS)
            .where(
                picked_ids,
                JOB.c.lease_owner == params["b_owner"],
                JOB.c.lease_expires_at == params["b_expires"],
            )
            .order_by(JOB.c.next_poll_at, JOB.c.render_id)
        )
        return [read_job(row) for row in result]

    async def renew_lease(
        self, render_id: str, *, owner: str, now: datetime, lease_for: timedelta
    ) -> bool:
        """One ``UPDATE`` that re-checks the owner."""
        statement = (
            update(JOB)
            .where(JOB.c.render_id == render_id, JOB.c.lease_owner == owner)
            .values(lease_expires_at=now + lease_for, updated_at=now)
        )
        return await changed_one(self._session, statement)

    async def release_all(self, *, owner: str, now: datetime) -> int:
        """One ``UPDATE`` over the owner's rows; the row count says how many."""
        statement = (
            update(JOB)
            .where(JOB.c.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None, updated_at=now)
        )
        return await rowcount(self._session, statement)

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
        """One ``UPDATE … WHERE status IN (from_status)`` (and the lease holder, if given)."""
        conditions = [JOB.c.status.in_(statuses(from_status))]
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
        """One ``UPDATE`` by primary key (and the lease holder, if given); unknown fields raise."""
        return await self._update(render_id, [], held_by, dict(fields), now)

    async def release_polled(
        self, polls: Sequence[PolledJob], *, owner: str, now: datetime
    ) -> None:
        """One executemany of a statement built once; no per-job outcome."""
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
        """One executemany between two reads of who is ``posting``; the difference won."""
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
        """One executemany of a statement built once, only from ``posting``."""
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
        where = [JOB.c.render_id == render_id, *conditions]
        if held_by is not None:
            where.append(JOB.c.lease_owner == held_by)
        statement = update(JOB).where(*where).values(**values, updated_at=now)
        return await changed_one(self._session, statement)
