"""The export poller against the real local backend and store, time stepped with run_once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.backend_results import RenderStage
from bot.core.models import ExportStatus
from bot.discord_app.render import render_nonce
from bot.local_backend import Fault
from bot.storage.tables import ExportJobRow
from tests.jobs.support import (
    LEASE,
    Call,
    ProcessCrash,
    RecordingNotifier,
    at,
    job_of,
    new_job,
    rendered,
    stage_of,
)

pytestmark = pytest.mark.timeout(30)

#: Paths that the main tests already cover on both databases run on SQLite only.
sqlite_only = pytest.mark.parametrize("database_backend", ["sqlite"])


def polls_of(backend, render_id: str) -> int:
    path = f"/api/render/proxy/lambda/{render_id}"
    return sum(1 for r in backend.requests if r.method == "GET" and r.path == path)


def submits(backend) -> int:
    return sum(1 for r in backend.requests if r.method == "POST" and r.path.endswith("/lambda"))


async def jobs_in_thread(store, thread_id: int):
    async with store.transaction() as tx:
        ids = await tx.session.scalars(
            select(ExportJobRow.render_id)
            .where(ExportJobRow.thread_id == thread_id)
            .order_by(ExportJobRow.created_at, ExportJobRow.attempts)
        )
        return [await tx.exports.get(render_id) for render_id in ids]


async def drive(poller, clock, until: float) -> int:
    """Run every cycle the poller asks for (by its own next due time) up to ``until``."""
    cycles = 0
    while (due := poller.next_due()) is not None and due <= at(until):
        clock.current = due
        await poller.run_once(due)
        cycles += 1
    return cycles


async def test_completed_render_is_posted_exactly_once(
    make_poller, store, nemo, session, backend, notifier, threads
):
    """Not claimed before its first poll; then completed → posting → posted, one message."""
    job = await new_job(store, nemo, session)
    await rendered(backend, job.render_id)
    poller = make_poller()
    assert await poller.start() == 1

    assert await poller.run_once(at(5)) == 0  # not due: not even claimed
    assert polls_of(backend, job.render_id) == 0

    assert await poller.run_once(at(20)) == 1
    (message,) = threads.posts_of(job.render_id)
    assert message.nonce == render_nonce(job.render_id) and len(message.nonce) <= 25
    assert message.thread_id == job.thread_id
    (finished,) = notifier.of("finished")
    assert "/media/renders/" in finished.detail
    assert finished.detail.endswith(f"/{job.render_id}.mp4")
    assert "/workspace/claim?ct=clm_" in message.content  # the project link came along
    stored = await job_of(store, job.render_id)
    assert stored.status is ExportStatus.POSTED
    assert (stored.posted_message_id, stored.posted_at) == (message.message_id, at(20))
    assert stored.output_url == finished.detail and stored.progress == 100
    assert stored.lease_owner is None

    assert await poller.run_once(at(200)) == 0
    assert poller.next_due() is None
    assert len(threads.posts_of(job.render_id)) == 1
    assert polls_of(backend, job.render_id) == 1


@sqlite_only
async def test_failed_render_is_rendered_again_once(
    make_poller, store, nemo, session, backend, notifier, threads
):
    """A failure creates a linked successor (attempts 1, same status message), then posts it."""
    backend.config.render_failures = 1
    job = await new_job(store, nemo, session)
    await rendered(backend, job.render_id)
    poller = make_poller()
    await poller.run_once(at(20))

    old, new = await jobs_in_thread(store, job.thread_id)
    assert old.render_id == job.render_id and old.status is ExportStatus.FAILED
    assert f"rendered again as {new.render_id}" in old.error
    assert (new.status, new.attempts) == (ExportStatus.SUBMITTED, 1)
    assert new.status_message_id == job.status_message_id == 555
    assert submits(backend) == 2
    (progress,) = notifier.of("progress", new.render_id)  # the user sees the new attempt
    assert stage_of(progress) is RenderStage.PENDING
    assert notifier.of("failed") == []

    await rendered(backend, new.render_id)
    assert await poller.run_once(at(30)) == 0  # the new render's first poll is ~15 s later
    await poller.run_once(at(40))
    assert len(threads.posts_of(new.render_id)) == 1
    assert threads.posts_of(job.render_id) == []
    assert (await job_of(store, new.render_id)).status is ExportStatus.POSTED


@sqlite_only
async def test_second_failure_is_reported_and_not_rendered_a_third_time(
    make_poller, store, nemo, session, backend, notifier, threads
):
    backend.config.render_failures = 2
    job = await new_job(store, nemo, session)
    await rendered(backend, job.render_id)
    poller = make_poller()
    await poller.run_once(at(20))
    _, new = await jobs_in_thread(store, job.thread_id)
    await rendered(backend, new.render_id)
    await poller.run_once(at(40))

    (failed,) = notifier.of("failed")
    assert failed.render_id == new.render_id and "failed" in failed.detail
    assert submits(backend) == 2
    statuses = [j.status for j in await jobs_in_thread(store, job.thread_id)]
    assert statuses == [ExportStatus.FAILED, ExportStatus.FAILED]
    assert threads.messages[job.thread_id] == []
    assert await poller.run_once(at(400)) == 0


@sqlite_only
async def test_unchanged_progress_is_shown_once_and_a_stall_is_reported_once(
    make_poller, store, nemo, session, backend, notifier, clock
):
    """Pending at 0 % for 25 minutes: one progress edit, one stall notice, polling goes on."""
    backend.config.render_seconds = 3600  # pending (0 %) for the first 6 minutes
    job = await new_job(store, nemo, session)
    poller = make_poller()
    await poller.start()
    cycles = await drive(poller, clock, until=1500)

    assert cycles > 40  # every ~10 s, then every ~30 s
    assert polls_of(backend, job.render_id) == cycles  # none wasted before the first poll
    (progress,) = notifier.of("progress")
    assert stage_of(progress) is RenderStage.PENDING
    (stalled,) = notifier.of("stalled")
    assert stalled.render_id == job.render_id
    stored = await job_of(store, job.render_id)
    assert stored.status is ExportStatus.PENDING and stored.lease_owner is None
    assert poller.telemetry.counts["stalled"] == 1


@sqlite_only
async def test_a_render_without_progress_for_too_long_is_given_up(
    make_poller, store, nemo, session, backend, notifier, clock
):
    backend.config.render_seconds = 3600
    job = await new_job(store, nemo, session)
    poller = make_poller(stall_after=100, abandon_after=300)
    await poller.start()
    await drive(poller, clock, until=600)
    assert len(notifier.of("stalled")) == 1
    (failed,) = notifier.of("failed")
    assert "no progress" in failed.detail
    assert (await job_of(store, job.render_id)).status is ExportStatus.FAILED


@sqlite_only
async def test_rate_limit_backs_off_the_job_and_pauses_every_poll(
    make_poller, store, nemo, session, backend, threads
):
    """429 (the client does not wait on polls): the job waits 30 s, and nothing else is polled."""
    first = await new_job(store, nemo, session)
    await rendered(backend, first.render_id)
    backend.inject(Fault(route="render_poll", http_status=429, times=1))
    poller = make_poller()
    await poller.run_once(at(20))
    assert poller.telemetry.counts["rate_limited"] == 1
    assert (await job_of(store, first.render_id)).next_poll_at >= at(50)
    assert poller.next_due() >= at(50)

    second = await new_job(store, nemo, session)  # due, and not rate-limited itself
    await rendered(backend, second.render_id)
    assert await poller.run_once(at(35)) == 0  # paused
    assert polls_of(backend, second.render_id) == 0

    assert await poller.run_once(at(60)) == 2
    assert len(threads.posts_of(first.render_id)) == len(threads.posts_of(second.render_id)) == 1


async def test_restart_rehydrates_unfinished_jobs_and_finishes_them(
    make_poller, store, nemo, session, backend, threads
):
    """A stopped poller leaves its jobs in the table (leases released); the next one posts them."""
    jobs = [await new_job(store, nemo, session) for _ in range(3)]
    first = make_poller()
    assert await first.start() == 3
    await first.run_once(at(5))
    await first.stop()
    for job in jobs:
        stored = await job_of(store, job.render_id)
        assert stored.status is ExportStatus.SUBMITTED and stored.lease_owner is None
        await rendered(backend, job.render_id)

    second = make_poller()
    assert await second.start() == 3
    assert second.tracked == 3
    assert await second.run_once(at(20)) == 3
    for job in jobs:
        assert len(threads.posts_of(job.render_id)) == 1
        assert (await job_of(store, job.render_id)).status is ExportStatus.POSTED


async def test_crash_between_claim_and_post_posts_once_after_restart(
    make_poller, store, nemo, session, backend, threads
):
    """Killed after `completed → posting`, before the post: the next process posts it once."""
    job = await new_job(store, nemo, session)
    await rendered(backend, job.render_id)
    crashing = RecordingNotifier(threads)
    crashing.crash_before_post = True
    dead = make_poller(notifier=crashing, owner_id="dead")
    with pytest.raises(BaseExceptionGroup) as crash:
        await dead.run_once(at(20))
    assert crash.group_contains(ProcessCrash)
    stored = await job_of(store, job.render_id)
    assert (stored.status, stored.lease_owner) == (ExportStatus.POSTING, "dead")
    assert threads.posts_of(job.render_id) == []

    survivor_notifier = RecordingNotifier(threads)
    survivor = make_poller(notifier=survivor_notifier)
    assert await survivor.start() == 1
    assert await survivor.run_once(at(21)) == 0  # the dead process still holds the lease
    assert await survivor.run_once(at(20) + LEASE) == 1
    assert [c.kind for c in survivor_notifier.calls] == ["find", "finished"]
    (message,) = threads.posts_of(job.render_id)
    stored = await job_of(store, job.render_id)
    assert (stored.status, stored.posted_message_id) == (ExportStatus.POSTED, message.message_id)


async def test_crash_between_post_and_record_is_found_not_posted_again(
    make_poller, store, nemo, session, backend, threads
):
    """Killed after the post, before recording it: the next process finds the post."""
    job = await new_job(store, nemo, session)
    await rendered(backend, job.render_id)
    crashing = RecordingNotifier(threads)
    crashing.crash_after_post = True
    dead = make_poller(notifier=crashing, owner_id="dead")
    with pytest.raises(BaseExceptionGroup):
        await dead.run_once(at(20))
    (message,) = threads.posts_of(job.render_id)
    assert (await job_of(store, job.render_id)).status is ExportStatus.POSTING

    survivor_notifier = RecordingNotifier(threads)
    survivor = make_poller(notifier=survivor_notifier)
    assert await survivor.run_once(at(20) + LEASE) == 1
    assert [c.kind for c in survivor_notifier.calls] == ["find"]
    assert threads.posts_of(job.render_id) == [message]
    stored = await job_of(store, job.render_id)
    assert (stored.status, stored.posted_message_id) == (ExportStatus.POSTED, message.message_id)
    assert survivor.telemetry.counts["found_posted"] == 1


@sqlite_only
async def test_a_failed_post_is_retried_after_looking_for_it(
    make_poller, store, nemo, session, backend, notifier, threads
):
    """Discord refused the post (an exception): the job stays `posting` and is retried later."""
    job = await new_job(store, nemo, session)
    await rendered(backend, job.render_id)
    original = notifier.export_finished
    attempts = []

    async def refused_once(job_, url, project_url):
        attempts.append(job_.render_id)
        if len(attempts) == 1:
            raise RuntimeError("503 from Discord")
        return await original(job_, url, project_url)

    notifier.export_finished = refused_once
    poller = make_poller()
    await poller.run_once(at(20))
    stored = await job_of(store, job.render_id)
    assert (stored.status, stored.lease_owner) == (ExportStatus.POSTING, None)
    await poller.run_once(stored.next_poll_at)
    assert [c.kind for c in notifier.calls] == ["find", "finished"]
    assert len(threads.posts_of(job.render_id)) == 1
    assert (await job_of(store, job.render_id)).status is ExportStatus.POSTED


@sqlite_only
async def test_a_post_that_keeps_failing_is_reported_failed_after_a_few_tries(
    make_poller, store, nemo, session, backend, notifier, threads
):
    """A post refused every time is not retried forever: after the cap the user is told."""
    job = await new_job(store, nemo, session)
    await rendered(backend, job.render_id)

    async def always_refused(job_, url, project_url):
        notifier.calls.append(Call("finished", job_.render_id, url))
        raise RuntimeError("the upload is refused")

    notifier.export_finished = always_refused
    poller = make_poller(max_post_failures=3)
    await poller.start()
    while (due := poller.next_due()) is not None and due <= at(3600):
        await poller.run_once(due)
    assert len(notifier.of("finished")) == 3
    assert len(notifier.of("find")) == 3  # every retry looked for an earlier post first
    (failed,) = notifier.of("failed")
    assert "posting failed 3 times" in failed.detail
    stored = await job_of(store, job.render_id)
    assert (stored.status, stored.lease_owner) == (ExportStatus.FAILED, None)
    assert threads.posts_of(job.render_id) == []
    assert poller.next_due() is None


@sqlite_only
async def test_a_job_the_backend_never_got_is_submitted_under_its_own_id(
    make_poller, store, nemo, session, backend, threads
):
    """Recorded, then the process died before submitting: the poller submits it (same id)."""
    job = await new_job(store, nemo, session, submit=False)
    poller = make_poller()
    await poller.run_once(at(20))
    assert poller.telemetry.counts["submitted_again"] == 1
    assert submits(backend) == 1
    await rendered(backend, job.render_id)
    await poller.run_once(at(40))
    assert len(threads.posts_of(job.render_id)) == 1
    assert (await job_of(store, job.render_id)).attempts == 0


@sqlite_only
async def test_cancel_stops_the_render_and_the_polling(
    make_poller, store, nemo, session, backend, notifier, clock
):
    backend.config.render_seconds = 3600
    job = await new_job(store, nemo, session)
    poller = make_poller()
    await poller.run_once(at(20))
    clock.current = at(25)
    assert await poller.cancel(job.render_id) is True
    stored = await job_of(store, job.render_id)
    assert stored.status is ExportStatus.CANCELLED
    status = await nemo.render_status(job.render_id)
    assert (status.stage, status.error) == (RenderStage.FAILED, "cancelled")
    assert await poller.run_once(at(400)) == 0
    assert await poller.cancel(job.render_id) is False
    assert notifier.of("failed") == []


@sqlite_only
async def test_a_process_that_cannot_post_hands_the_video_on(
    make_poller, store, nemo, session, backend, threads
):
    """`handles` says no: the video is recorded (`completed`) and another process posts it."""
    job = await new_job(store, nemo, session)
    await rendered(backend, job.render_id)
    not_ready = RecordingNotifier(threads, handles=False)
    await make_poller(notifier=not_ready).run_once(at(20))
    stored = await job_of(store, job.render_id)
    assert (stored.status, stored.lease_owner) == (ExportStatus.COMPLETED, None)
    assert stored.output_url and not_ready.calls == []

    ready = RecordingNotifier(threads)
    assert await make_poller(notifier=ready).run_once(at(20) + timedelta(seconds=5)) == 1
    assert [c.kind for c in ready.calls] == ["finished"]
    assert len(threads.posts_of(job.render_id)) == 1


class CountingBackend:
    """The real client, with the render-status calls in flight counted."""

    def __init__(self, nemo) -> None:
        self._nemo = nemo
        self.in_flight = self.most_in_flight = self.calls = 0

    def __getattr__(self, name: str):
        return getattr(self._nemo, name)

    async def render_status(self, render_id: str):
        self.calls += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await self._nemo.render_status(render_id)
        finally:
            self.in_flight -= 1


@sqlite_only
async def test_a_batch_is_polled_at_most_concurrency_at_a_time(make_poller, store, nemo, session):
    """Workers share a batch: each job is polled once per claim, never more than the cap at once."""
    jobs = [await new_job(store, nemo, session) for _ in range(7)]
    counting = CountingBackend(nemo)
    poller = make_poller(backend=counting, concurrency=3)
    await poller.start()
    assert await poller.run_once(at(20)) == len(jobs)
    assert counting.calls == len(jobs)
    assert counting.most_in_flight == 3
