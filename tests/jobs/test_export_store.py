"""The store addition the poller needs: release_polled, one batched write-back per poll batch."""

from __future__ import annotations

from datetime import timedelta

from bot.core.models import ExportStatus, NewThread
from bot.core.ports import FinishedRender, LeaseTerms, PolledJob
from tests.jobs.support import LEASE, T0, at

MINE = LeaseTerms(owner="me", lease_for=LEASE)


async def seed(store, count: int) -> list[str]:
    async with store.transaction() as tx:
        await tx.threads.add(
            NewThread(thread_id=1, guild_id=2, parent_channel_id=3, owner_user_id=4), now=T0
        )
        for index in range(count):
            await tx.exports.create(
                render_id=f"render_{index}",
                thread_id=1,
                requester_id=4,
                now=T0,
                status=ExportStatus.PENDING,
            )
    return [f"render_{index}" for index in range(count)]


def polled(render_id: str, status=ExportStatus.PROCESSING, progress=40, seconds=30.0):
    return PolledJob(render_id, ExportStatus.PENDING, status, progress, at(seconds))


async def test_release_polled_writes_every_outcome_and_frees_the_leases(store):
    ids = await seed(store, 3)
    async with store.transaction() as tx:
        assert len(await tx.exports.claim_due(MINE, now=at(1))) == 3
        await tx.exports.release_polled(
            [
                polled(ids[0]),
                polled(ids[1], ExportStatus.PENDING, 0, 12.5),
                polled(ids[2], progress=55, seconds=99.0),
            ],
            owner="me",
            now=at(2),
        )
    async with store.transaction() as tx:
        jobs = [await tx.exports.get(render_id) for render_id in ids]
    assert [(j.status, j.progress, j.next_poll_at) for j in jobs] == [
        (ExportStatus.PROCESSING, 40, at(30)),
        (ExportStatus.PENDING, 0, at(12.5)),
        (ExportStatus.PROCESSING, 55, at(99)),
    ]
    assert all(j.lease_owner is None and j.lease_expires_at is None for j in jobs)
    assert all(j.updated_at == at(2) for j in jobs)


async def test_release_polled_leaves_cancelled_and_taken_over_jobs_alone(store):
    """The guard is the claim: same owner, same status as claimed; anything else is skipped."""
    ids = await seed(store, 3)
    async with store.transaction() as tx:
        await tx.exports.claim_due(MINE, now=at(1))
    async with store.transaction() as tx:  # meanwhile: one cancelled, one taken over
        assert await tx.exports.transition(
            ids[0], ExportStatus.PENDING, ExportStatus.CANCELLED, now=at(3)
        )
        assert await tx.exports.update(
            ids[1], now=at(3), lease_owner="other", lease_expires_at=at(3) + LEASE
        )
    async with store.transaction() as tx:
        await tx.exports.release_polled([polled(i) for i in ids], owner="me", now=at(4))
        await tx.exports.release_polled([], owner="me", now=at(4))  # nothing to do
        cancelled, taken, mine = [await tx.exports.get(i) for i in ids]
    assert (cancelled.status, cancelled.next_poll_at) == (ExportStatus.CANCELLED, T0)
    assert (taken.status, taken.lease_owner, taken.progress) == (ExportStatus.PENDING, "other", 0)
    assert (mine.status, mine.lease_owner, mine.next_poll_at) == (
        ExportStatus.PROCESSING,
        None,
        T0 + timedelta(seconds=30),
    )


async def test_claim_posting_returns_exactly_the_jobs_it_moved(store):
    """Winners only: a job cancelled or leased by someone else is neither moved nor returned."""
    ids = await seed(store, 4)
    async with store.transaction() as tx:
        await tx.exports.claim_due(MINE, now=at(1))
        assert await tx.exports.transition(
            ids[1], ExportStatus.PENDING, ExportStatus.CANCELLED, now=at(2)
        )
        assert await tx.exports.update(ids[2], now=at(2), lease_owner="other")
    claims = [FinishedRender(i, ExportStatus.PENDING, f"https://cdn.example/{i}.mp4") for i in ids]
    claims[3] = FinishedRender(ids[3], ExportStatus.PROCESSING, "https://x")  # stale status
    async with store.transaction() as tx:
        won = await tx.exports.claim_posting(claims, owner="me", now=at(3))
        assert await tx.exports.claim_posting([], owner="me", now=at(3)) == set()
    assert won == {ids[0]}
    async with store.transaction() as tx:
        first, cancelled, taken, stale = [await tx.exports.get(i) for i in ids]
    assert (first.status, first.progress, first.output_url) == (
        ExportStatus.POSTING,
        100,
        f"https://cdn.example/{ids[0]}.mp4",
    )
    assert first.lease_owner == "me"  # kept for the post
    assert cancelled.status is ExportStatus.CANCELLED
    assert (taken.status, stale.status) == (ExportStatus.PENDING, ExportStatus.PENDING)

    async with store.transaction() as tx:  # a second claim of the same video wins nothing
        again = [FinishedRender(ids[0], ExportStatus.PENDING, "https://y")]
        assert await tx.exports.claim_posting(again, owner="me", now=at(4)) == set()
        assert (await tx.exports.get(ids[0])).output_url == f"https://cdn.example/{ids[0]}.mp4"


async def test_record_posted_finishes_posting_jobs_only(store):
    ids = await seed(store, 2)
    async with store.transaction() as tx:
        await tx.exports.claim_due(MINE, now=at(1))
        won = await tx.exports.claim_posting(
            [FinishedRender(ids[0], ExportStatus.PENDING, "https://v")], owner="me", now=at(2)
        )
        assert won == {ids[0]}
        await tx.exports.record_posted({ids[0]: 111, ids[1]: 222}, now=at(3))
        await tx.exports.record_posted({}, now=at(3))
        posted, pending = [await tx.exports.get(i) for i in ids]
    assert (posted.status, posted.posted_message_id, posted.posted_at) == (
        ExportStatus.POSTED,
        111,
        at(3),
    )
    assert (posted.lease_owner, posted.lease_expires_at) == (None, None)
    assert (pending.status, pending.posted_message_id) == (ExportStatus.PENDING, None)


async def test_threads_get_many(store):
    async with store.transaction() as tx:
        for thread_id in (1, 2, 3):
            await tx.threads.add(
                NewThread(thread_id=thread_id, guild_id=9, parent_channel_id=8, owner_user_id=7),
                now=T0,
            )
        found = await tx.threads.get_many({1, 3, 404})
        assert await tx.threads.get_many([]) == {}
    assert sorted(found) == [1, 3]
    assert found[3].thread_id == 3 and found[3].guild_id == 9
