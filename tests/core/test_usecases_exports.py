"""Export use case against the real local backend and store: submit, options, then the poller.

``start_export`` submits and records; following the render is the durable poller's job, so the
end-to-end cases run the real :class:`bot.jobs.ExportPoller` (real clock, tiny intervals) and
wait for its notifier, as a front end would.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.core.models import ExportOptions, ExportStatus
from bot.core.replies import ErrorReply, ExportStarted
from bot.core.usecases import Conversation, Timings, UseCases
from bot.core.usecases.exports import FIRST_POLL_JITTER, ExportJobs
from bot.jobs import ExportPoller, PollerSettings, Supervisor
from bot.local_backend import Fault
from tests.backend.media import is_mp4
from tests.core.usecases_support import (
    FAST,
    collect,
    mp4_duration,
    of_type,
    tone_attachment,
)
from tests.jobs.support import TINY, RecordingNotifier, Threads

pytestmark = pytest.mark.timeout(30)

_thread_ids = itertools.count(1)
REQUESTER = 42
#: The failure paths need no second database: the transitions they use are the main test's.
sqlite_only = pytest.mark.parametrize("database_backend", ["sqlite"])


@pytest.fixture
async def with_track(use_cases, conversation, tmp_path) -> Conversation:
    """A conversation whose timeline holds a 3-second track."""
    await collect(use_cases.upload(conversation, tone_attachment(tmp_path, seconds=3.0)))
    return conversation


@pytest.fixture
def threads() -> Threads:
    return Threads()


@pytest.fixture
def notifier(threads) -> RecordingNotifier:
    return RecordingNotifier(threads)


@pytest.fixture
async def poller(use_cases, notifier) -> AsyncIterator[ExportPoller]:
    """The real poller loop on a real clock, at a tiny scale of the production schedule."""
    deps = use_cases.deps
    poller = ExportPoller(
        exports=ExportJobs(deps),
        notifier=notifier,
        owner_id="usecase-test",
        lease_for=timedelta(seconds=30),
        schedule=TINY,
        settings=PollerSettings(scan_every=0.05, coalesce=0.005, progress_every=0.02),
        rng=random.Random(5),
    )
    async with Supervisor() as tasks:
        tasks.spawn("export-poller", poller.run, stop=poller.stop)
        yield poller


def submits(backend) -> list[dict]:
    """The ``output`` of every render the backend accepted, in order."""
    return [job.output for job in backend.renders.values()]


def submit_attempts(backend) -> int:
    return sum(1 for r in backend.requests if r.method == "POST" and r.path.endswith("/lambda"))


async def job(use_cases: UseCases, render_id: str):
    async with use_cases.deps.store.transaction() as tx:
        return await tx.exports.get(render_id)


async def export(
    use_cases: UseCases, conversation: Conversation, options: ExportOptions | None = None
) -> list[object]:
    return await collect(use_cases.start_export(conversation, REQUESTER, options))


async def settled(notifier: RecordingNotifier, threads: Threads) -> None:
    """Wait until the poller posted a video or reported a failure for good."""
    while not (notifier.of("finished") or notifier.of("failed")):
        waiting = [event.wait() for event in notifier.finished.values()] or [asyncio.sleep(0)]
        await asyncio.wait_for(asyncio.gather(*waiting), timeout=20)


async def test_export_is_recorded_then_posted_once_as_a_playable_mp4(
    use_cases, with_track, poller, notifier, threads, tmp_path
):
    """Submit (recorded with its options); the poller posts the MP4 once; the job is posted."""
    events = await export(use_cases, with_track, ExportOptions(resolution="720p"))
    (started,) = of_type(events, ExportStarted)
    recorded = await job(use_cases, started.render_id)
    assert recorded.requester_id == REQUESTER
    assert recorded.options == ExportOptions(resolution="720p")
    await poller.track(recorded)
    await asyncio.wait_for(notifier.finished[started.render_id].wait(), timeout=20)
    await poller.stop()  # in-flight writes finish: the post is recorded

    (posted,) = threads.posts_of(started.render_id)
    (finished,) = notifier.of("finished", started.render_id)
    stored = await job(use_cases, started.render_id)
    assert stored.status is ExportStatus.POSTED and stored.posted_message_id == posted.message_id
    assert stored.output_url == finished.detail
    async with httpx.AsyncClient() as http:
        video = (await http.get(finished.detail)).content
    assert is_mp4(video[:12])
    target = tmp_path / "video.mp4"
    target.write_bytes(video)
    assert 2.5 <= mp4_duration(target) <= 3.5  # the track's length


async def test_empty_timeline_is_not_exported(use_cases, conversation, local_backend):
    """Nothing on the timeline: a polite refusal, and no render is submitted."""
    events = await export(use_cases, conversation)
    (error,) = of_type(events, ErrorReply)
    assert "nothing to export" in error.text
    assert submit_attempts(local_backend) == 0


@sqlite_only
async def test_submit_failure_retries_once_with_a_new_id(use_cases, with_track, local_backend):
    """A failed submission is repeated under a new id (a repeated id would be a duplicate)."""
    local_backend.inject(Fault(route="render_submit", http_status=500))
    events = await export(use_cases, with_track)
    (started,) = of_type(events, ExportStarted)
    assert submit_attempts(local_backend) == 2
    assert list(local_backend.renders) == [started.render_id]
    async with use_cases.deps.store.transaction() as tx:
        unfinished = await tx.exports.load_unfinished()
    assert [j.render_id for j in unfinished] == [started.render_id]


@sqlite_only
async def test_plan_refusal_is_not_retried(use_cases, with_track, local_backend):
    """402 (plan) cannot be fixed by a new id: one submission and the register link."""
    local_backend.inject(Fault(route="render_submit", http_status=402))
    events = await export(use_cases, with_track)
    (error,) = of_type(events, ErrorReply)
    assert "register?bind=anon_" in error.text
    assert submit_attempts(local_backend) == 1


@sqlite_only
async def test_failed_render_is_rendered_again_once_with_the_same_options(
    use_cases, with_track, local_backend, poller, notifier, threads
):
    """A render that fails is submitted once more under a new id, 720p kept, and posted."""
    local_backend.config.render_failures = 1
    events = await export(use_cases, with_track, ExportOptions(resolution="720p"))
    (started,) = of_type(events, ExportStarted)
    await settled(notifier, threads)
    await poller.stop()
    (finished,) = notifier.of("finished")
    assert finished.render_id != started.render_id
    assert (await job(use_cases, started.render_id)).status is ExportStatus.FAILED
    outputs = submits(local_backend)
    assert len(outputs) == 2
    assert all(output["resolution"] == "720p" for output in outputs)


@sqlite_only
async def test_render_failing_twice_is_reported(
    use_cases, with_track, local_backend, poller, notifier, threads
):
    """Two failed renders: reported failed once; no third attempt, nothing posted."""
    local_backend.config.render_failures = 2
    await export(use_cases, with_track)
    await settled(notifier, threads)
    assert len(notifier.of("failed")) == 1
    assert notifier.of("finished") == []
    assert submit_attempts(local_backend) == 2


def test_jobs_submitted_together_spread_their_first_polls(use_cases):
    """10,000 renders submitted in one instant are first polled over 12-18 s, not at once."""
    exports = ExportJobs(dataclasses.replace(use_cases.deps, timings=Timings()), random.Random(2))
    now = datetime(2026, 12, 2, tzinfo=UTC)
    delays = [(exports.first_poll_at(now) - now).total_seconds() for _ in range(10_000)]
    slots = Counter(int(delay * 10) for delay in delays)
    assert min(slots) == 120 and max(slots) == 179  # 100-ms slots from 12.0 s to 17.9 s
    assert max(slots.values()) <= 1.3 * 10_000 / 60


@sqlite_only
async def test_a_new_export_is_first_polled_a_first_poll_after_it_was_submitted(
    use_cases, with_track
):
    """The job's first poll is recorded with it (not "now"), so no claim is wasted on it."""
    before = use_cases.deps.clock.now()
    events = await export(use_cases, with_track)
    (started,) = of_type(events, ExportStarted)
    recorded = await job(use_cases, started.render_id)
    first = FAST.first_poll
    wait = (recorded.next_poll_at - before).total_seconds()
    assert first * (1 - FIRST_POLL_JITTER) <= wait
    assert (recorded.next_poll_at - recorded.created_at).total_seconds() <= first * (
        1 + FIRST_POLL_JITTER
    )
