"""Shard-aware claiming: a process polls its guilds' exports, and takes over abandoned ones."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.models import ExportStatus, NewThread
from bot.core.ports import LeaseTerms
from tests.jobs.support import LEASE, T0, at, job_of, new_job, rendered

pytestmark = pytest.mark.timeout(30)

SHARDS = 3
#: Real-looking guild snowflakes on shards 0, 1, 2 of 3 (and 0, 1, 0 of 2: the base is even).
GUILDS = {shard: ((1_099_999_999_998 + shard) << 22) | 0x2A for shard in range(SHARDS)}


def test_guild_ids_land_on_their_shards():
    """The fixture's ids really are on the shards they are named for (Discord's formula)."""
    assert {(guild >> 22) % SHARDS for guild in GUILDS.values()} == {0, 1, 2}
    assert all((GUILDS[shard] >> 22) % SHARDS == shard for shard in GUILDS)


async def seed(store, count_per_shard: int = 2):
    """Jobs in threads of each shard's guild, all due at ``T0``."""
    async with store.transaction() as tx:
        for shard, guild in GUILDS.items():
            for index in range(count_per_shard):
                thread_id = 1000 * (shard + 1) + index
                await tx.threads.add(
                    NewThread(
                        thread_id=thread_id, guild_id=guild, parent_channel_id=1, owner_user_id=2
                    ),
                    now=T0,
                )
                await tx.exports.create(
                    render_id=f"render_s{shard}_{index}",
                    thread_id=thread_id,
                    requester_id=2,
                    now=T0,
                    status=ExportStatus.PENDING,
                )


async def test_load_unfinished_keeps_the_jobs_of_the_given_shards(store):
    await seed(store)
    async with store.transaction() as tx:
        mine = await tx.exports.load_unfinished(shard_ids={0, 2}, shard_count=SHARDS)
        every = await tx.exports.load_unfinished()
    assert sorted(job.render_id for job in mine) == [
        "render_s0_0",
        "render_s0_1",
        "render_s2_0",
        "render_s2_1",
    ]
    assert len(every) == 6


async def test_claim_takes_own_shards_then_jobs_overdue_past_the_takeover_time(store):
    """Another shard's job is claimed only once it has gone unpolled ``takeover_after``."""
    await seed(store, count_per_shard=1)

    async def claim(owner, now):
        async with store.transaction() as tx:
            terms = LeaseTerms(
                owner=owner,
                lease_for=LEASE,
                shard_ids=[1],
                shard_count=SHARDS,
                takeover_after=timedelta(seconds=60),
            )
            jobs = await tx.exports.claim_due(terms, now=now, limit=10)
        return sorted(job.render_id for job in jobs)

    assert await claim("shard-1", at(59)) == ["render_s1_0"]
    assert await claim("shard-1", at(60)) == ["render_s0_0", "render_s2_0"]
    async with store.transaction() as tx:
        assert await tx.exports.claim_due(LeaseTerms(owner="x", lease_for=LEASE), now=at(60)) == []


async def test_a_sharded_poller_posts_its_guilds_and_takes_over_a_silent_shard(
    make_poller, store, nemo, session, backend, threads
):
    """Shard 0 of 2 polls its own guild at once, the other shard's job after a lease period."""
    own = await new_job(store, nemo, session, guild_id=GUILDS[0])
    other = await new_job(store, nemo, session, guild_id=GUILDS[1])
    for job in (own, other):
        await rendered(backend, job.render_id)
    poller = make_poller(shard_ids=frozenset({0}), shard_count=2, takeover_after=LEASE)
    assert await poller.start() == 1

    assert await poller.run_once(at(20)) == 1
    assert len(threads.posts_of(own.render_id)) == 1
    assert (await job_of(store, other.render_id)).status is ExportStatus.SUBMITTED

    assert await poller.run_once(at(15) + LEASE) == 1  # unpolled 60 s past its due time
    assert len(threads.posts_of(other.render_id)) == 1
