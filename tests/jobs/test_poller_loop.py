"""The real loop: run() under a Supervisor on a real clock with tiny intervals, then stop()."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest

from bot.core.models import ExportStatus
from bot.jobs import ExportPoller, PollerSettings, Supervisor
from tests.jobs.support import TINY, RealClock, export_jobs, job_of, new_job

pytestmark = [pytest.mark.timeout(30), pytest.mark.parametrize("database_backend", ["sqlite"])]


async def test_run_rehydrates_follows_new_jobs_posts_each_once_and_stops_cleanly(
    store, nemo, session, backend, notifier, threads
):
    """Jobs recorded before start and one tracked while running are all posted once."""
    clock = RealClock()
    backend.config.render_seconds = 0.15
    before = [
        await new_job(store, nemo, session, now=clock.now(), first_poll=0.05) for _ in range(3)
    ]
    poller = ExportPoller(
        exports=export_jobs(store, nemo, clock, first_poll=0.05),
        notifier=notifier,
        owner_id="loop",
        lease_for=timedelta(seconds=30),
        concurrency=2,
        schedule=TINY,
        settings=PollerSettings(scan_every=0.05, coalesce=0.005, progress_every=0.02),
        rng=random.Random(3),
    )
    async with Supervisor() as tasks:
        state = tasks.spawn("export-poller", poller.run, stop=poller.stop, restart=True)
        later = await new_job(store, nemo, session, now=clock.now(), first_poll=0.05)
        await poller.track(later)
        everything = [*before, later]
        await asyncio.wait_for(
            asyncio.gather(*(notifier.finished[job.render_id].wait() for job in everything)),
            timeout=15,
        )
    assert state.task is not None and state.task.done() and state.failures == 0
    assert poller.ready
    for job in everything:
        assert len(threads.posts_of(job.render_id)) == 1
        stored = await job_of(store, job.render_id)
        assert (stored.status, stored.lease_owner) == (ExportStatus.POSTED, None)
    assert notifier.of("failed") == []
    assert notifier.of("progress")  # the renders were seen while still running
