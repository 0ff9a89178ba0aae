"""Export jobs across processes: leases, takeover, and compare-and-set transitions."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.models import ExportStatus, NewThread
from bot.core.ports import LeaseTerms, PolledJob
from bot.storage import SqlStore, create_engine, create_sessionmaker
from bot.storage.repositories import ExportJobRepository

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def polled(next_poll_at: datetime) -> PolledJob:
    """A poll of ``render_000`` that found it still pending."""
    pending = ExportStatus.PENDING
    return PolledJob("render_000", pending, pending, 0, next_poll_at)


async def seed(store, count, *, status=ExportStatus.PENDING):
    async with store.transaction() as tx:
        await tx.threads.add(
            NewThread(thread_id=1, guild_id=2, parent_channel_id=3, owner_user_id=4), now=NOW
        )
        for index in range(count):
            await tx.exports.create(
                render_id=f"render_{index:03d}",
                thread_id=1,
                requester_id=4,
                now=NOW,
                status=status,
                next_poll_at=NOW - timedelta(milliseconds=count - index),  # all due, in order
            )


async def claim(store, owner, now, limit=10):
    async with store.transaction() as tx:
        return await tx.exports.claim_due(
            LeaseTerms(owner=owner, lease_for=LEASE), now=now, limit=limit
        )


@pytest.fixture
async def two_processes(migrated_database_url):
    """Two engines on one database, as two bot processes would have."""
    engines = [create_engine(migrated_database_url) for _ in range(2)]
    try:
        yield [SqlStore(create_sessionmaker(engine)) for engine in engines]
    finally:
        for engine in engines:
            await engine.dispose()


async def test_claim_takes_due_jobs_in_order_and_leases_them(store):
    """Due jobs are leased soonest first; future and finished jobs are left alone."""
    await seed(store, 3)
    async with store.transaction() as tx:
        await tx.exports.create(
            render_id="future",
            thread_id=1,
            requester_id=4,
            now=NOW,
            next_poll_at=NOW + timedelta(hours=1),
        )
        await tx.exports.create(
            render_id="done", thread_id=1, requester_id=4, now=NOW, status=ExportStatus.POSTED
        )
    claimed = await claim(store, "proc-a", NOW + timedelta(seconds=1), limit=2)
    assert [job.render_id for job in claimed] == ["render_000", "render_001"]
    assert all(
        j.lease_owner == "proc-a" and j.lease_expires_at == NOW + timedelta(seconds=31)
        for j in claimed
    )
    rest = await claim(store, "proc-b", NOW + timedelta(seconds=1))
    assert [job.render_id for job in rest] == ["render_002"]


async def test_claim_without_update_returning(store, engine, monkeypatch):
    """Where the database has no UPDATE … RETURNING (SQLite before 3.35), claims work the same."""
    monkeypatch.setattr(engine.dialect, "update_returning", False)
    await seed(store, 3)
    claimed = await claim(store, "proc-a", NOW + timedelta(seconds=1), limit=2)
    assert [job.render_id for job in claimed] == ["render_000", "render_001"]
    assert all(j.lease_owner == "proc-a" for j in claimed)
    assert [j.render_id for j in await claim(store, "proc-b", NOW)] == ["render_002"]
    assert await claim(store, "proc-b", NOW) == []


async def test_an_expired_lease_is_taken_over(two_processes):
    """A process that died holding a job loses it when the lease runs out; nobody sooner."""
    a, b = two_processes
    await seed(a, 1)
    assert [j.render_id for j in await claim(a, "proc-a", NOW)] == ["render_000"]
    assert await claim(b, "proc-b", NOW + LEASE - timedelta(seconds=1)) == []

    taken = await claim(b, "proc-b", NOW + LEASE)
    assert [(j.render_id, j.lease_owner) for j in taken] == [("render_000", "proc-b")]

    async with a.transaction() as tx:  # the old owner wakes up: it can no longer act
        assert not await tx.exports.renew_lease(
            "render_000", owner="proc-a", now=NOW + LEASE, lease_for=LEASE
        )
        assert not await tx.exports.transition(
            "render_000",
            ExportStatus.PENDING,
            ExportStatus.PROCESSING,
            now=NOW + LEASE,
            held_by="proc-a",
        )
        await tx.exports.release_polled([polled(NOW)], owner="proc-a", now=NOW + LEASE)
        assert (await tx.exports.get("render_000")).lease_owner == "proc-b"  # left alone


async def test_renew_and_release(store):
    """The owner keeps a job by renewing, and hands it back with the next poll time."""
    await seed(store, 1)
    await claim(store, "proc-a", NOW)
    async with store.transaction() as tx:
        assert await tx.exports.renew_lease(
            "render_000", owner="proc-a", now=NOW + LEASE, lease_for=LEASE
        )
    assert await claim(store, "proc-b", NOW + LEASE + timedelta(seconds=1)) == []
    async with store.transaction() as tx:
        await tx.exports.release_polled([polled(NOW + 3 * LEASE)], owner="proc-a", now=NOW + LEASE)
        job = await tx.exports.get("render_000")
    assert (job.lease_owner, job.lease_expires_at, job.next_poll_at) == (
        None,
        None,
        NOW + 3 * LEASE,
    )
    assert await claim(store, "proc-b", NOW + 2 * LEASE) == []
    assert [j.render_id for j in await claim(store, "proc-b", NOW + 3 * LEASE)] == ["render_000"]


async def test_release_all_at_shutdown(store):
    """A clean shutdown hands every job back at once, so another process need not wait."""
    await seed(store, 3)
    await claim(store, "proc-a", NOW, limit=2)
    async with store.transaction() as tx:
        assert await tx.exports.release_all(owner="proc-a", now=NOW) == 2
    assert len(await claim(store, "proc-b", NOW)) == 3


async def test_transition_has_exactly_one_winner(two_processes):
    """Completed → posting is the posting claim: of two racing processes exactly one wins."""
    a, b = two_processes
    await seed(a, 1, status=ExportStatus.COMPLETED)

    async def try_post(store):
        async with store.transaction() as tx:
            return await tx.exports.transition(
                "render_000", ExportStatus.COMPLETED, ExportStatus.POSTING, now=NOW
            )

    results = await asyncio.gather(try_post(a), try_post(b))
    assert sorted(results) == [False, True]
    async with a.transaction() as tx:
        assert await tx.exports.transition(
            "render_000",
            ExportStatus.POSTING,
            ExportStatus.POSTED,
            now=NOW,
            posted_message_id=555,
            posted_at=NOW,
        )
        assert not await tx.exports.transition(
            "render_000",
            [ExportStatus.COMPLETED, ExportStatus.POSTING],
            ExportStatus.POSTED,
            now=NOW,
        )
        job = await tx.exports.get("render_000")
    assert (job.status, job.posted_message_id, job.posted_at) == (ExportStatus.POSTED, 555, NOW)


async def test_concurrent_claimers_never_share_a_job(two_processes):
    """Two processes claiming in parallel, round after round, split the jobs without overlap."""
    a, b = two_processes
    await seed(a, 40)
    seen: dict[str, list[str]] = {"proc-a": [], "proc-b": []}

    async def drain(store, owner):
        while claimed := await claim(store, owner, NOW, limit=3):
            seen[owner].extend(job.render_id for job in claimed)

    await asyncio.gather(drain(a, "proc-a"), drain(b, "proc-b"))
    everything = seen["proc-a"] + seen["proc-b"]
    assert sorted(everything) == [f"render_{i:03d}" for i in range(40)]
    assert len(set(everything)) == 40


async def test_locked_rows_are_skipped_not_waited_for(migrated_postgresql_url):
    """PostgreSQL: while one claimer's transaction is open, the other takes different jobs.

    (SQLite has no row locks: there a second writer waits for the first, by design.)
    """
    engines = [create_engine(migrated_postgresql_url) for _ in range(2)]
    try:
        a, b = (create_sessionmaker(engine) for engine in engines)
        await seed(SqlStore(a), 4)
        async with a() as first, first.begin():
            held = await ExportJobRepository(first).claim_due(
                LeaseTerms(owner="proc-a", lease_for=LEASE), now=NOW, limit=2
            )
            async with b() as second, second.begin():
                other = await asyncio.wait_for(
                    ExportJobRepository(second).claim_due(
                        LeaseTerms(owner="proc-b", lease_for=LEASE), now=NOW, limit=4
                    ),
                    timeout=10,
                )
        assert [j.render_id for j in held] == ["render_000", "render_001"]
        assert [j.render_id for j in other] == ["render_002", "render_003"]
    finally:
        for engine in engines:
            await engine.dispose()
