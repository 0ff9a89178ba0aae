"""Several poller processes on one PostgreSQL: split work, no double polls, lease takeover."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot.core.models import ExportStatus
from bot.storage import SqlStore, create_engine, create_sessionmaker
from tests.jobs.support import (
    LEASE,
    ProcessCrash,
    RecordingNotifier,
    at,
    job_of,
    new_job,
    rendered,
)

pytestmark = [
    pytest.mark.timeout(30),
    # FOR UPDATE SKIP LOCKED and real concurrent transactions: what only PostgreSQL does.
    pytest.mark.parametrize("database_backend", ["postgresql"]),
]


@pytest.fixture
async def second_store(migrated_database_url):
    """Another engine on the same database: the second process's connection pool."""
    engine = create_engine(migrated_database_url)
    try:
        yield SqlStore(create_sessionmaker(engine))
    finally:
        await engine.dispose()


def polls_per_render(backend) -> Counter[str]:
    prefix = "/api/render/proxy/lambda/"
    return Counter(
        r.path.removeprefix(prefix)
        for r in backend.requests
        if r.method == "GET" and r.path.startswith(prefix)
    )


async def test_two_pollers_share_the_jobs_and_never_poll_one_twice(
    make_poller, store, second_store, nemo, session, backend, threads
):
    """Both claim from one table at the same moment: every job is polled and posted once."""
    jobs = [await new_job(store, nemo, session) for _ in range(24)]
    for job in jobs:
        await rendered(backend, job.render_id)
    # Small batches, so the two claim again and again while the other is polling.
    a = make_poller(notifier=RecordingNotifier(threads), concurrency=3, batch_size=3)
    b = make_poller(
        store=second_store, notifier=RecordingNotifier(threads), concurrency=3, batch_size=3
    )
    await asyncio.gather(a.start(), b.start())

    handled = await asyncio.gather(a.run_once(at(20)), b.run_once(at(20)))

    assert sum(handled) == 24
    assert a.telemetry.counts["polled"] + b.telemetry.counts["polled"] == 24
    assert (
        a.telemetry.counts["polled"] >= 3 and b.telemetry.counts["polled"] >= 3
    )  # split between them
    assert polls_per_render(backend) == Counter({job.render_id: 1 for job in jobs})
    for job in jobs:
        assert len(threads.posts_of(job.render_id)) == 1
        assert (await job_of(store, job.render_id)).status is ExportStatus.POSTED


async def test_a_dead_pollers_jobs_move_to_the_other_when_the_lease_expires(
    make_poller, store, second_store, nemo, session, backend, threads
):
    """Killed mid-poll holding leases: nobody touches those jobs until the leases run out."""
    backend.config.render_seconds = 3600  # still pending: the first poll reports progress
    jobs = [await new_job(store, nemo, session) for _ in range(4)]
    crashing = RecordingNotifier(threads)
    crashing.crash_on_progress = True
    dead = make_poller(notifier=crashing, owner_id="dead", concurrency=4)
    with pytest.raises(BaseExceptionGroup) as crash:
        await dead.run_once(at(20))
    assert crash.group_contains(ProcessCrash)
    for job in jobs:
        assert (await job_of(store, job.render_id)).lease_owner == "dead"

    survivor = make_poller(store=second_store, notifier=RecordingNotifier(threads))
    assert await survivor.start() == 4
    assert await survivor.run_once(at(20) + LEASE / 2) == 0
    assert survivor.telemetry.counts["polled"] == 0
    assert await survivor.run_once(at(20) + LEASE) == 4
    assert survivor.telemetry.counts["polled"] == 4
    for job in jobs:
        stored = await job_of(store, job.render_id)
        assert (stored.status, stored.lease_owner) == (ExportStatus.PENDING, None)
        assert stored.next_poll_at > at(20) + LEASE
