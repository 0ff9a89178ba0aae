"""The export poller: follows every unfinished render to its one post, across restarts.

Durable state is the ``export_job`` table; this process keeps only a due-queue (a heap of next
poll times) and per-job memory (:class:`~bot.jobs.tracking.JobTrack`), both rebuilt from the
table by :meth:`ExportPoller.start` (one query; 10,000 jobs in well under a second).

One cycle (:meth:`ExportPoller.run_once`, which :meth:`~ExportPoller.run` repeats when the
heap says something is due, or every ``scan_every`` to pick up new and abandoned jobs):

1. **Claim** due jobs under a lease (``claim_due``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL),
   up to ``batch_size`` held at once. Nobody else polls a leased job; a dead process's leases
   expire after ``lease_for`` and its jobs are claimed by others.
2. **Poll** them, at most ``concurrency`` at a time (a semaphore). While a poll or a post
   runs, :meth:`~ExportPoller.run` renews its lease every third of ``lease_for``.
3. **Act** on the answer:

   * ``pending``/``processing`` → status and progress; the user sees progress at most every
     ``progress_every`` seconds and only when it visibly changed; no movement for
     ``stall_after`` → ``export_stalled`` once (polling goes on); none for ``abandon_after``
     → reported failed.
   * ``completed`` → the claim ``→ posting`` (compare-and-set on the claimed status under
     the lease: only one process wins; the video URL is stored with it), ``export_finished``
     (the post carries a nonce from the render id), then ``posting → posted`` with the
     message id. A poller whose notifier cannot post leaves the job ``completed`` (the lease
     holder otherwise skips that state: nobody could see it); whoever can post claims it
     ``completed → posting`` later. A job found ``posting`` (a crash, or a failed post)
     first asks ``find_posted``: a post it finds is recorded, not repeated.
   * ``failed`` (or cancelled by someone else, or "completed" without a video) → rendered
     again **once** under a new id (contract §3.8/§6): the old row becomes ``failed`` and a
     new row is created in the same transaction, with ``attempts`` = 1 and the old status
     message, *before* the submit (so a crash cannot lose it); the second failure goes to
     ``export_failed``. A new row rather than a reused one: the render id is the primary key
     and the backend's key, and the failed row keeps its error for the record.
   * The backend does not know a ``submitted`` job (the process died between recording and
     submitting): it is submitted now under the same id, which was never used; after that,
     or for any other job, an unknown id counts as a failed render.
   * 429 → this job waits ``Retry-After`` (or 30 s) and the whole poller pauses as long;
     other errors back off per job, exponentially.

4. **Write back** per batch: the finished videos are claimed for posting in one transaction
   (``claim_posting``, with their threads for the project link), posted concurrently, and
   then one transaction releases every lease with status, progress and next poll time
   (``release_polled``) and records the posts (``record_posted``). The rare outcomes
   (failure, re-render, hand-over, cancel) are written on the spot.

Why batches: on SQLite a statement costs about 0.4 ms of CPU (SQLAlchemy and aiosqlite's
thread hops) before it does anything, more than everything else a poll does. A claimed
batch costs a handful of statements however many jobs it holds. What is left is per job: the
claim and the write-back each rewrite the row (SQLite's share, in its thread, is about a
third of the total), and each row is converted in and out. ``tests/bench/export_polling.py``
prints the CPU per poll and the share of a core for 10,000 renders submitted at once.

:meth:`~ExportPoller.stop` stops claiming, lets in-flight polls and posts finish (up to
``stop_timeout``), and releases every lease this process holds; the jobs stay in the table for
the next start. :meth:`~ExportPoller.cancel` cancels a render for good.

Time: every decision uses the ``now`` of its cycle (``run_once(now)`` in tests and the
benchmark, the :class:`~bot.core.ports.Clock` in :meth:`~ExportPoller.run`), never the wall
clock directly.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import logging
import os
import platform
import random
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from bot.core.backend_results import RenderStage, RenderStatus
from bot.core.errors import DomainError, ExportRefusedError, RateLimitError, UnavailableError
from bot.core.models import ExportJob, ExportStatus, TrackThread
from bot.core.ports import (
    Backend,
    Clock,
    FinishedRender,
    NoTelemetry,
    Notifier,
    PolledJob,
    Store,
    Telemetry,
)
from bot.core.timeline import is_exportable
from bot.jobs.schedule import AdaptiveSchedule, Observation, PollSchedule
from bot.jobs.tracking import JobTrack

__all__ = [
    "ExportPoller",
    "PollerFactory",
    "PollerSettings",
    "PollerStats",
    "export_nonce",
    "process_owner_id",
]

log = logging.getLogger(__name__)

_ItemT = TypeVar("_ItemT")

_POLLED = (ExportStatus.SUBMITTED, ExportStatus.PENDING, ExportStatus.PROCESSING)
_POSTABLE = (ExportStatus.COMPLETED, ExportStatus.POSTING)
_CANCELLABLE = (*_POLLED, ExportStatus.COMPLETED)
_STAGE_STATUS = {
    RenderStage.PENDING: ExportStatus.PENDING,
    RenderStage.PROCESSING: ExportStatus.PROCESSING,
}
#: Discord's limit on a message nonce.
NONCE_LENGTH = 25


def export_nonce(render_id: str) -> str:
    """The Discord nonce for this render's post: the same in every process, 25 characters."""
    return "bt" + hashlib.sha256(render_id.encode()).hexdigest()[: NONCE_LENGTH - 2]


def process_owner_id(prefix: str = "beatthread") -> str:
    """A lease owner id unique to this process (host, pid and a random part)."""
    return f"{prefix}:{platform.node()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class PollerSettings:
    """Knobs of :class:`ExportPoller`; the defaults are the production values.

    ``shard_ids``/``shard_count``: this process polls the jobs of guilds on its Discord
    shards, plus any job left unpolled ``takeover_after`` past its due time (its owner is
    gone); ``None`` polls every job (one process, or no sharding).
    """

    #: Most jobs claimed by one statement, and held by this process at once.
    batch_size: int = 200
    #: Look in the database for new jobs and jobs left by others at least this often.
    scan_every: float = 5.0
    #: Wait at least this long between claims, so due jobs are claimed in batches (a poll is
    #: up to this much late; claiming costs three statements however few jobs are due).
    coalesce: float = 0.2
    progress_every: float = 10.0
    progress_step: int = 5
    stall_after: float = 600.0
    abandon_after: float = 6 * 3600.0
    #: Renders per export: the first, plus one after a failure (contract §6).
    max_renders: int = 2
    #: When the notifier cannot post for a job, look at it again after this long.
    handoff_after: float = 5.0
    #: Fallback pause when a 429 names no ``Retry-After`` (contract §6: 30 s).
    rate_limit_pause: float = 30.0
    stop_timeout: float = 10.0
    shard_ids: frozenset[int] | None = None
    shard_count: int = 1
    takeover_after: timedelta | None = timedelta(seconds=60)


@dataclass(slots=True)
class PollerStats:
    """Counters for logs, metrics and the benchmark."""

    claimed: int = 0  # jobs leased (a job is claimed again for every poll)
    polls: int = 0  # render-status calls
    progress_reports: int = 0
    stalls: int = 0
    posted: int = 0  # posts recorded
    found_posted: int = 0  # posts found after a crash, recorded instead of repeated
    rerendered: int = 0
    submitted_again: int = 0  # recorded jobs the backend never got, submitted under their id
    failed: int = 0  # reported failed for good
    rate_limited: int = 0
    errors: int = 0  # failed polls and unexpected errors (retried with back-off)
    lost: int = 0  # jobs due here but held or finished elsewhere, dropped from the queue


@dataclass(frozen=True, slots=True)
class _Finished:
    """A video to post: ``job`` is ``posting`` already, or still to be claimed for it."""

    job: ExportJob
    output_url: str
    claimed: bool = False


@dataclass(frozen=True, slots=True)
class _Posted:
    """A post to record (``posting → posted``)."""

    job: ExportJob
    message_id: int


#: What handling one claimed job leaves for the batch to write: a reschedule, a video to post,
#: a post to record, or nothing (the job was finished or handed over on the spot).
_Outcome = PolledJob | _Finished | _Posted | None


class _NoRenderError(Exception):
    """Why a failed render cannot be rendered again (a reason for the log, not an error)."""


def _output(job: ExportJob) -> dict[str, str] | None:
    """The render request's ``output`` for ``job``: what the user chose, kept for a re-render."""
    return job.options.output() if job.options is not None else None


def _retry_after(error: DomainError) -> float:
    """The ``Retry-After`` a 429 carried (0 when it named none)."""
    value = getattr(error, "retry_after", None)
    return float(value) if isinstance(value, int | float) and value > 0 else 0.0


class ExportPoller:
    """Polls export jobs under leases and reports them through a :class:`Notifier`."""

    def __init__(
        self,
        *,
        store: Store,
        backend: Backend,
        notifier: Notifier,
        clock: Clock,
        owner_id: str,
        lease_for: timedelta = timedelta(seconds=60),
        concurrency: int = 32,
        schedule: PollSchedule | None = None,
        settings: PollerSettings | None = None,
        rng: random.Random | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._store = store
        self._backend = backend
        self._notifier = notifier
        self._clock = clock
        self.owner_id = owner_id
        self._lease_for = lease_for
        self._concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._schedule: PollSchedule = schedule or AdaptiveSchedule()
        self._settings = settings or PollerSettings()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.stats = PollerStats()
        self._telemetry = telemetry or NoTelemetry()
        self._tracks: dict[str, JobTrack] = {}
        self._heap: list[tuple[float, str]] = []
        self._in_flight: set[str] = set()
        self._batches: set[asyncio.Task[None]] = set()
        self._paused_until = 0.0
        self._next_scan = 0.0
        self._poked = False
        self._starved = False
        self._wake_at = 0.0
        self._stopping = False
        self._running = False
        self._started = False
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        self._settled = asyncio.Event()
        self._settled.set()

    # -- life cycle ------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Whether the unfinished jobs were loaded (:meth:`start` finished)."""
        return self._started

    @property
    def tracked(self) -> int:
        """How many jobs this process is following."""
        return len(self._tracks)

    async def start(self) -> int:
        """Rehydrate: take back our own stale leases and load every unfinished job.

        Returns how many jobs were loaded. Safe to call again (the queue is rebuilt).
        """
        settings = self._settings
        now = self._clock.now()
        async with self._store.transaction() as tx:
            # Same owner id as a previous life of this process: those leases are ours.
            await tx.exports.release_all(owner=self.owner_id, now=now)
            jobs = await tx.exports.load_unfinished(
                shard_ids=settings.shard_ids, shard_count=settings.shard_count
            )
        now_ts = now.timestamp()
        self._tracks = {}
        self._heap = []
        for job in jobs:
            track = self._new_track(job, now_ts)
            self._tracks[job.render_id] = track
            self._heap.append((track.due, job.render_id))
        heapq.heapify(self._heap)
        if self._tracks:
            self._settled.clear()
        else:
            self._note_settled()
        self._started = True
        log.info("export poller %s: %d unfinished jobs loaded", self.owner_id, len(jobs))
        return len(jobs)

    async def run(self) -> None:
        """Poll until :meth:`stop`: claim what is due, wait for the next due job or a scan."""
        self._stopping = False
        self._stopped.clear()
        self._running = True
        keeper: asyncio.Task[None] | None = None
        try:
            await self.start()
            keeper = asyncio.create_task(self._keep_leases(), name="export-poller-leases")
            while not self._stopping:
                await self._step()
        finally:
            if keeper is not None:
                keeper.cancel()
                await asyncio.gather(keeper, return_exceptions=True)
            await self._drain()
            await self._release_all()
            self._running = False
            self._stopped.set()

    async def stop(self) -> None:
        """Stop claiming, let in-flight work finish, release every lease we hold."""
        self._stopping = True
        self._wake.set()
        if self._running:
            await self._stopped.wait()
            return
        await self._drain()
        await self._release_all()

    def track(self, job: ExportJob) -> None:
        """Follow a job just recorded (e.g. by ``start_export``) without waiting for a scan."""
        if job.render_id not in self._tracks and not job.status.is_finished:
            self._adopt(job, self._clock.now().timestamp())
        self._poked = True
        self._wake.set()

    async def settle(self) -> None:
        """Wait until this process follows no job and no poll or post is running."""
        await self._settled.wait()

    def next_due(self) -> datetime | None:
        """When the earliest known job is due (after any rate-limit pause), or ``None``."""
        top = self._heap_top()
        if top is None:
            return None
        return datetime.fromtimestamp(max(top, self._paused_until), UTC)

    # -- one cycle -------------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim every job due by ``now`` and handle it; return how many were handled.

        Waits for the polls and posts it started. Tests and the benchmark drive time with it.
        """
        if not self._started:
            await self.start()
        now = now or self._clock.now()
        now_ts = now.timestamp()
        handled = 0
        while not self._stopping and now_ts >= self._paused_until:
            limit = self._free_slots()
            if limit == 0:
                break
            jobs = await self._claim(now, limit)
            if jobs:
                await self._process(jobs, now)
                handled += len(jobs)
            if len(jobs) < limit:
                self._forget_unclaimed(now_ts)
                break
        return handled

    async def cancel(self, render_id: str) -> bool:
        """Cancel a render for good; ``False`` if it is already posting or finished."""
        now = self._clock.now()
        async with self._store.transaction() as tx:
            cancelled = await tx.exports.transition(
                render_id,
                _CANCELLABLE,
                ExportStatus.CANCELLED,
                now=now,
                error="cancelled",
                lease_owner=None,
                lease_expires_at=None,
            )
        if not cancelled:
            return False
        self._telemetry.count_export_status(ExportStatus.CANCELLED.value)
        self._tracks.pop(render_id, None)
        self._note_settled()
        try:
            await self._backend.cancel_render(render_id)
        except DomainError as error:  # cancelled for us either way; the video goes unused
            log.warning("the backend did not cancel render %s: %r", render_id, error)
        return True

    # -- the loop --------------------------------------------------------------------------

    async def _step(self) -> None:
        settings = self._settings
        now = self._clock.now()
        now_ts = now.timestamp()
        if now_ts < self._paused_until:
            await self._wait(self._paused_until - now_ts)
            return
        free = self._free_slots()
        if not free:  # a batch's worth in flight: the next finished batch wakes us
            self._starved = True
            await self._wait(settings.scan_every)
            return
        top = self._heap_top()
        due = top is not None and top <= now_ts
        if due or self._poked or now_ts >= self._next_scan:
            self._poked = False
            self._next_scan = now_ts + settings.scan_every
            try:
                jobs = await self._claim(now, free)
            except Exception:
                log.exception("claiming export jobs failed; trying again")
                await self._wait(settings.scan_every)
                return
            if jobs:
                self._start_batch(jobs, now)
            if len(jobs) == free:
                return  # more may be due: claim again at once (or when a slot frees up)
            self._forget_unclaimed(now_ts)
        top = self._heap_top()
        wake_at = self._next_scan if top is None else min(top, self._next_scan)
        self._wake_at = max(now_ts + settings.coalesce, wake_at)
        await self._wait(self._wake_at - now_ts)

    def _start_batch(self, jobs: list[ExportJob], now: datetime) -> None:
        batch = asyncio.create_task(self._process(jobs, now), name="export-poller-batch")
        self._batches.add(batch)
        batch.add_done_callback(self._batch_done)

    def _batch_done(self, batch: asyncio.Task[None]) -> None:
        self._batches.discard(batch)
        self._note_settled()
        if not batch.cancelled() and batch.exception() is not None:
            log.error("an export poll batch failed", exc_info=batch.exception())
        top = self._heap_top()
        if self._starved or (top is not None and top < self._wake_at):
            # A slot is free again, or the batch rescheduled a job sooner than the loop's
            # planned wake-up (it may have planned while every job was in flight).
            self._starved = False
            self._wake.set()

    async def _wait(self, seconds: float) -> None:
        """Sleep on the clock, cut short by :meth:`track`, :meth:`stop` or a freed slot."""
        if self._wake.is_set():
            self._wake.clear()
            return
        sleeper = asyncio.ensure_future(self._clock.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (sleeper, waker):
                waiter.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)
        self._wake.clear()

    async def _keep_leases(self) -> None:
        """Renew the leases of in-flight jobs every third of a lease period."""
        while True:
            await self._clock.sleep(self._lease_for.total_seconds() / 3)
            held = sorted(self._in_flight)
            if not held:
                continue
            now = self._clock.now()
            try:
                async with self._store.transaction() as tx:
                    renewed = [
                        await tx.exports.renew_lease(
                            render_id, owner=self.owner_id, now=now, lease_for=self._lease_for
                        )
                        for render_id in held
                    ]
            except Exception:
                log.exception("renewing export leases failed")
                continue
            for render_id, ok in zip(held, renewed, strict=True):
                if not ok and render_id in self._in_flight:
                    log.warning("lost the lease of export %s to another process", render_id)

    async def _drain(self) -> None:
        if not self._batches:
            return
        _, pending = await asyncio.wait(self._batches, timeout=self._settings.stop_timeout)
        for batch in pending:
            log.warning("export poll batch still running at shutdown; cancelling it")
            batch.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _release_all(self) -> None:
        try:
            async with self._store.transaction() as tx:
                released = await tx.exports.release_all(owner=self.owner_id, now=self._clock.now())
        except Exception:
            log.exception("releasing export leases failed (they expire on their own)")
            return
        log.info("export poller %s stopped; %d leases released", self.owner_id, released)

    # -- queue -----------------------------------------------------------------------------

    def _new_track(self, job: ExportJob, now_ts: float) -> JobTrack:
        return JobTrack(
            render_id=job.render_id,
            submitted_at=job.created_at.timestamp(),
            due=job.next_poll_at.timestamp(),
            moved_at=now_ts,
        )

    def _adopt(self, job: ExportJob, now_ts: float) -> JobTrack:
        track = self._new_track(job, now_ts)
        self._tracks[job.render_id] = track
        heapq.heappush(self._heap, (track.due, job.render_id))
        self._settled.clear()
        return track

    def _note_settled(self) -> None:
        if not self._tracks and not self._batches:
            self._settled.set()

    def _heap_top(self) -> float | None:
        """The earliest valid due time; stale entries (rescheduled, in flight, gone) drop off."""
        heap = self._heap
        while heap:
            due, render_id = heap[0]
            track = self._tracks.get(render_id)
            if track is not None and track.due == due and render_id not in self._in_flight:
                return due
            heapq.heappop(heap)
        return None

    def _forget_unclaimed(self, now_ts: float) -> None:
        """Drop jobs due by ``now_ts`` that a complete claim did not return.

        The claim took every due job we may have, so these are leased by someone else,
        finished, or rescheduled by another process; a later scan brings back any that are
        ours again.
        """
        while (top := self._heap_top()) is not None and top <= now_ts:
            _, render_id = heapq.heappop(self._heap)
            self._tracks.pop(render_id, None)
            self.stats.lost += 1
        self._note_settled()

    def _free_slots(self) -> int:
        """How many more jobs to claim: a batch's worth held at most; polls wait for a slot."""
        return max(0, self._settings.batch_size - len(self._in_flight))

    def _reschedule(self, render_id: str, at: datetime) -> None:
        track = self._tracks.get(render_id)
        if track is not None:
            track.due = at.timestamp()
            heapq.heappush(self._heap, (track.due, render_id))

    # -- claim, handle, write back ---------------------------------------------------------

    async def _claim(self, now: datetime, limit: int) -> list[ExportJob]:
        settings = self._settings
        async with self._store.transaction() as tx:
            jobs = await tx.exports.claim_due(
                owner=self.owner_id,
                now=now,
                lease_for=self._lease_for,
                limit=limit,
                shard_ids=settings.shard_ids,
                shard_count=settings.shard_count,
                takeover_after=settings.takeover_after,
            )
        self.stats.claimed += len(jobs)
        return jobs

    async def _process(self, jobs: list[ExportJob], now: datetime) -> None:
        """Poll a claimed batch, post what finished, write everything back.

        A batch costs a handful of statements however large it is: one to claim the videos
        for posting (and read their threads), one to release the leases with what the polls
        found and record the posts. Rarer outcomes (failures, re-renders) write on the spot.
        """
        render_ids = [job.render_id for job in jobs]
        self._in_flight.update(render_ids)
        try:
            outcomes = await self._each(jobs, self._handle, now)
            polls = [o for o in outcomes if isinstance(o, PolledJob)]
            posted = [o for o in outcomes if isinstance(o, _Posted)]
            finished = [o for o in outcomes if isinstance(o, _Finished)]
            try:
                for outcome in await self._post_all(finished, now):
                    if isinstance(outcome, PolledJob):
                        polls.append(outcome)
                    elif isinstance(outcome, _Posted):
                        posted.append(outcome)
            except Exception:  # the claim failed: nothing was posted; the leases will expire
                log.exception("claiming %d finished exports failed", len(finished))
            await self._write_back(polls, posted, now)
        finally:
            self._in_flight.difference_update(render_ids)

    async def _each(
        self,
        items: list[_ItemT],
        handle: Callable[[_ItemT, datetime], Awaitable[_Outcome]],
        now: datetime,
    ) -> list[_Outcome]:
        """``handle`` every item concurrently, at most ``concurrency`` at a time.

        A few workers take the items in turn rather than a task per item: a task costs more
        than handling a poll does. The slots are shared with every other batch in flight.
        """
        outcomes: list[_Outcome] = [None] * len(items)
        turns = iter(range(len(items)))  # shared: each index goes to one worker

        async def worker() -> None:
            for index in turns:
                async with self._slots:
                    outcomes[index] = await handle(items[index], now)

        async with asyncio.TaskGroup() as group:
            for _ in range(min(self._concurrency, len(items))):
                group.create_task(worker())
        return outcomes

    async def _write_back(
        self, polls: list[PolledJob], posted: list[_Posted], now: datetime
    ) -> None:
        """Release the batch's leases with what the polls found, and record the posts.

        A job cancelled or taken over meanwhile is not updated; its track stays until the
        next claim, which does not return it and so forgets it. If this fails, the leases
        expire and the jobs are polled again; a post made is then found by ``find_posted``.
        """
        if not polls and not posted:
            return
        try:
            async with self._store.transaction() as tx:
                await tx.exports.release_polled(polls, owner=self.owner_id, now=now)
                await tx.exports.record_posted(
                    {p.job.render_id: p.message_id for p in posted}, now=now
                )
        except Exception:
            log.exception("saving %d export polls failed; their leases will expire", len(polls))
            for poll in polls:
                self._reschedule(poll.render_id, now + self._lease_for)
            return
        for poll in polls:
            self._reschedule(poll.render_id, poll.next_poll_at)
        for post in posted:
            self._tracks.pop(post.job.render_id, None)
            self._telemetry.count_export_status(ExportStatus.POSTED.value)
        self.stats.posted += len(posted)

    async def _handle(self, job: ExportJob, now: datetime) -> _Outcome:
        now_ts = now.timestamp()
        track = self._tracks.get(job.render_id) or self._adopt(job, now_ts)
        try:
            can_post = self._may_post(job)
            if job.status in _POSTABLE:
                return await self._resume_posting(job, track, now, can_post)
            if track.seen_at is None and job.status is ExportStatus.SUBMITTED:
                wait = self._schedule.first_delay(track.age(now_ts), self._rng)
                if wait > 0:  # too young: the submit may still be on its way
                    return self._after(job, now, wait)
            return await self._poll(job, track, now, can_post)
        except Exception:
            log.exception("export %s: unexpected error; trying again later", job.render_id)
            track.errors += 1
            self.stats.errors += 1
            return self._later(job, track, now)

    def _may_post(self, job: ExportJob) -> bool:
        try:
            return self._notifier.handles(job)
        except Exception:
            log.exception("notifier.handles failed for export %s", job.render_id)
            return False

    def _after(
        self,
        job: ExportJob,
        now: datetime,
        seconds: float,
        status: ExportStatus | None = None,
        progress: int | None = None,
    ) -> PolledJob:
        """Poll again in ``seconds``; the job keeps its status and progress unless given."""
        return PolledJob(
            render_id=job.render_id,
            claimed_status=job.status,
            status=job.status if status is None else status,
            progress=job.progress if progress is None else progress,
            next_poll_at=now + timedelta(seconds=seconds),
        )

    def _later(self, job: ExportJob, track: JobTrack, now: datetime) -> PolledJob:
        """Back off after an error (the count of errors in a row sets the delay)."""
        seen = Observation(age=track.age(now.timestamp()), errors=max(1, track.errors))
        return self._after(job, now, self._schedule.next_delay(seen, self._rng))

    def _handoff(self, job: ExportJob, now: datetime) -> PolledJob:
        return self._after(job, now, self._settings.handoff_after)

    async def _tell(self, call: Awaitable[Any], what: str, render_id: str) -> bool:
        try:
            await call
        except Exception:
            log.exception("notifier.%s failed for export %s", what, render_id)
            return False
        return True

    # -- polling ---------------------------------------------------------------------------

    async def _poll(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool
    ) -> _Outcome:
        now_ts = now.timestamp()
        if track.idle_for(now_ts) >= self._settings.abandon_after:
            idle = f"no progress for {track.idle_for(now_ts):.0f} s"
            return await self._final_failure(job, track, now, can_post, idle, _POLLED)
        self.stats.polls += 1
        try:
            status = await self._render_status(job.render_id)
        except RateLimitError as error:
            wait = _retry_after(error)
            self.stats.rate_limited += 1
            pause = wait or self._settings.rate_limit_pause
            self._paused_until = max(self._paused_until, now_ts + pause)
            log.warning("NemoVideo rate limit while polling; pausing polls for %.0f s", pause)
            seen = Observation(age=track.age(now_ts), retry_after=wait)
            return self._after(job, now, self._schedule.next_delay(seen, self._rng))
        except ExportRefusedError as error:
            return await self._unknown_render(job, track, now, can_post, error)
        except DomainError as error:
            track.errors += 1
            self.stats.errors += 1
            level = logging.INFO if isinstance(error, UnavailableError) else logging.WARNING
            log.log(level, "polling export %s failed (%r); backing off", job.render_id, error)
            return self._later(job, track, now)
        if status.stage is RenderStage.COMPLETED:
            if status.output_url:
                return await self._completed(job, track, now, can_post, status.output_url)
            return await self._render_failed(job, track, now, can_post, "completed without a video")
        if status.stage in _STAGE_STATUS:
            return await self._progressed(job, track, now, can_post, status)
        error_text = status.error or f"render {status.stage.value}"
        return await self._render_failed(job, track, now, can_post, error_text)

    async def _render_status(self, render_id: str) -> RenderStatus:
        """One render-status call, timed for the metrics whatever its outcome."""
        started = self._clock.monotonic()
        try:
            return await self._backend.render_status(render_id)
        finally:
            self._telemetry.observe_export_poll(self._clock.monotonic() - started)

    async def _progressed(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool, status: RenderStatus
    ) -> PolledJob:
        now_ts = now.timestamp()
        settings = self._settings
        new_status = _STAGE_STATUS[status.stage]
        track.observe(now_ts, status.stage, status.progress)
        if can_post:
            report = track.should_report(
                now_ts,
                status.stage,
                status.progress,
                every=settings.progress_every,
                step=settings.progress_step,
            )
            stalled = track.stall_due(now_ts, settings.stall_after)
            if report or stalled:  # most polls tell nobody: no copy of the job for them
                current = replace(job, status=new_status, progress=status.progress)
                await self._tell_progress(
                    current, status, report=report, stalled=stalled, track=track
                )
        seen = Observation(age=track.age(now_ts), eta=track.eta())
        delay = self._schedule.next_delay(seen, self._rng)
        return self._after(job, now, delay, new_status, status.progress)

    async def _tell_progress(
        self,
        current: ExportJob,
        status: RenderStatus,
        *,
        report: bool,
        stalled: bool,
        track: JobTrack,
    ) -> None:
        """Show the user a progress reading, the stall notice, or both."""
        if report:
            self.stats.progress_reports += 1
            call = self._notifier.export_progress(current, status)
            await self._tell(call, "export_progress", current.render_id)
        if stalled:
            self.stats.stalls += 1
            if not await self._tell(
                self._notifier.export_stalled(current), "export_stalled", current.render_id
            ):
                track.stalled = False  # tell them at the next poll

    # -- posting (exactly once) ------------------------------------------------------------

    async def _completed(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool, url: str
    ) -> _Outcome:
        if can_post:
            return _Finished(job, url)
        # Record the video and hand it over: whoever may post claims it from `completed`.
        async with self._store.transaction() as tx:
            await tx.exports.transition(
                job.render_id,
                _POLLED,
                ExportStatus.COMPLETED,
                now=now,
                held_by=self.owner_id,
                progress=100,
                output_url=url,
                next_poll_at=now + timedelta(seconds=self._settings.handoff_after),
                lease_owner=None,
                lease_expires_at=None,
            )
        self._tracks.pop(job.render_id, None)
        return None

    async def _resume_posting(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool
    ) -> _Outcome:
        """A job claimed as ``completed`` (handed over) or ``posting`` (a post unrecorded)."""
        if not can_post:
            return self._handoff(job, now)
        if job.output_url is None:
            log.error("export %s is %s without a video URL", job.render_id, job.status)
            return await self._final_failure(job, track, now, True, "no video URL", _POSTABLE)
        if job.status is ExportStatus.COMPLETED:
            return _Finished(job, job.output_url)
        try:
            found = await self._notifier.find_posted(job)
        except Exception:
            log.exception("notifier.find_posted failed for export %s", job.render_id)
            track.errors += 1
            return self._later(job, track, now)
        if found is not None:
            log.info("export %s was posted before (message %s); recording it", job.render_id, found)
            self.stats.found_posted += 1
            return _Posted(job, found)
        return _Finished(job, job.output_url, claimed=True)

    async def _post_all(self, finished: list[_Finished], now: datetime) -> list[_Outcome]:
        """Claim the finished videos for posting (exactly once), then post the ones we won."""
        if not finished:
            return []
        to_claim = [f for f in finished if not f.claimed]
        claims = [FinishedRender(f.job.render_id, f.job.status, f.output_url) for f in to_claim]
        async with self._store.transaction() as tx:
            won = await tx.exports.claim_posting(claims, owner=self.owner_id, now=now)
            threads = await tx.threads.get_many({f.job.thread_id for f in finished})
        for lost in to_claim:
            if lost.job.render_id not in won:
                log.info("export %s was cancelled or taken over before posting", lost.job.render_id)
                self._tracks.pop(lost.job.render_id, None)
        posting = [
            replace(f.job, status=ExportStatus.POSTING, progress=100, output_url=f.output_url)
            for f in finished
            if f.claimed or f.job.render_id in won
        ]

        async def post(job: ExportJob, now: datetime) -> _Outcome:
            return await self._post(job, threads.get(job.thread_id), now)

        return await self._each(posting, post, now)

    async def _post(self, job: ExportJob, thread: TrackThread | None, now: datetime) -> _Outcome:
        """Post a claimed (``posting``) job; on failure, try again later (it stays posting)."""
        if job.output_url is None:  # every path here sets it; keeps mypy and readers sure
            raise AssertionError(f"export {job.render_id} is posting without a video URL")
        project_url = await self._project_url(job, thread)
        try:
            message_id = await self._notifier.export_finished(job, job.output_url, project_url)
        except Exception:
            # Still `posting`: the retry asks find_posted first, so a post that did go out
            # is recorded rather than repeated.
            log.exception("posting export %s failed; trying again later", job.render_id)
            track = self._tracks.get(job.render_id) or self._adopt(job, now.timestamp())
            track.errors += 1
            return self._later(job, track, now)
        return _Posted(job, message_id)

    async def _project_url(self, job: ExportJob, thread: TrackThread | None) -> str | None:
        if thread is None or thread.task_id is None or thread.session_id is None:
            return None
        try:
            claim = await self._backend.claim_token(thread.task_id, thread.session_id)
        except DomainError as error:
            log.warning("no project link for export %s: %r", job.render_id, error)
            return None
        return self._backend.project_link(claim)

    async def _thread(self, thread_id: int) -> TrackThread | None:
        async with self._store.transaction() as tx:
            return await tx.threads.get(thread_id)

    # -- failures --------------------------------------------------------------------------

    async def _render_failed(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool, error: str
    ) -> PolledJob | None:
        if job.attempts + 1 < self._settings.max_renders:
            return await self._render_again(job, track, now, can_post, error)
        return await self._final_failure(job, track, now, can_post, error, _POLLED)

    async def _final_failure(
        self,
        job: ExportJob,
        track: JobTrack,
        now: datetime,
        can_post: bool,
        error: str,
        from_statuses: Collection[ExportStatus],
    ) -> PolledJob | None:
        """Tell the user first, then record ``failed`` (a crash in between repeats the news)."""
        if not can_post:
            return self._handoff(job, now)
        failed = replace(job, status=ExportStatus.FAILED, error=error)
        if not await self._tell(
            self._notifier.export_failed(failed, error), "export_failed", job.render_id
        ):
            track.errors += 1
            return self._later(job, track, now)
        async with self._store.transaction() as tx:
            await tx.exports.transition(
                job.render_id,
                from_statuses,
                ExportStatus.FAILED,
                now=now,
                held_by=self.owner_id,
                error=error,
                lease_owner=None,
                lease_expires_at=None,
            )
        self.stats.failed += 1
        self._telemetry.count_export_status(ExportStatus.FAILED.value)
        self._tracks.pop(job.render_id, None)
        log.info("export %s failed for good: %s", job.render_id, error)
        return None

    async def _draft_of(self, job: ExportJob) -> tuple[str, dict[str, Any]]:
        """The session and its current draft, to render; :class:`_NoRenderError` says why not.

        Transient backend errors (:class:`UnavailableError`) propagate: try again later.
        """
        thread = await self._thread(job.thread_id)
        if thread is None or thread.session_id is None:
            raise _NoRenderError("no backend session")
        try:
            state = await self._backend.state(thread.session_id)
        except UnavailableError:
            raise
        except DomainError as error:
            raise _NoRenderError(type(error).__name__) from error
        if not is_exportable(state.draft):
            raise _NoRenderError("nothing to render")
        return thread.session_id, dict(state.draft)

    async def _render_again(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool, error: str
    ) -> PolledJob | None:
        """Fail this render and record + submit a new one (new id) in its place."""
        try:
            session_id, draft = await self._draft_of(job)
        except UnavailableError as problem:
            log.info("export %s: cannot read the draft yet (%r)", job.render_id, problem)
            track.errors += 1
            return self._later(job, track, now)
        except _NoRenderError as why:
            reason = f"{error}; not rendered again: {why}"
            return await self._final_failure(job, track, now, can_post, reason, _POLLED)
        new_id = self._backend.new_render_id()
        first_poll = now + timedelta(seconds=self._schedule.first_delay(0.0, self._rng))
        again = await self._replace_render(job, new_id, error, now, first_poll)
        self._tracks.pop(job.render_id, None)
        if again is None:
            return None
        self.stats.rerendered += 1
        self._telemetry.count_export_status(ExportStatus.FAILED.value)
        self._telemetry.count_export_status(ExportStatus.SUBMITTED.value)
        new_track = self._adopt(again, now.timestamp())
        log.warning("render %s failed (%s); rendering again as %s", job.render_id, error, new_id)
        try:
            await self._backend.submit_render(new_id, session_id, draft, _output(job))
        except UnavailableError as problem:  # it may have arrived: polling will tell
            log.info("submitting %s may have failed (%r); polling will tell", new_id, problem)
        except DomainError as problem:
            reason = f"{error}; rendering again was refused: {type(problem).__name__}"
            async with self._store.transaction() as tx:
                await tx.exports.transition(
                    new_id, ExportStatus.SUBMITTED, ExportStatus.FAILED, now=now, error=reason
                )
            self._tracks.pop(new_id, None)
            if can_post:
                failed = replace(again, status=ExportStatus.FAILED, error=reason)
                await self._tell(
                    self._notifier.export_failed(failed, reason), "export_failed", new_id
                )
            self.stats.failed += 1
            self._telemetry.count_export_status(ExportStatus.FAILED.value)
            return None
        settings = self._settings
        if can_post and new_track.should_report(
            now.timestamp(),
            RenderStage.PENDING,
            0,
            every=settings.progress_every,
            step=settings.progress_step,
        ):
            pending = RenderStatus(new_id, RenderStage.PENDING, 0)
            await self._tell(
                self._notifier.export_progress(again, pending), "export_progress", new_id
            )
        return None

    async def _replace_render(
        self, job: ExportJob, new_id: str, error: str, now: datetime, first_poll: datetime
    ) -> ExportJob | None:
        """One transaction: the failed job becomes ``failed``, its successor is recorded."""
        async with self._store.transaction() as tx:
            replaced = await tx.exports.transition(
                job.render_id,
                _POLLED,
                ExportStatus.FAILED,
                now=now,
                held_by=self.owner_id,
                error=f"{error}; rendered again as {new_id}",
                lease_owner=None,
                lease_expires_at=None,
            )
            if not replaced:
                return None
            created = await tx.exports.create(
                render_id=new_id,
                thread_id=job.thread_id,
                requester_id=job.requester_id,
                now=now,
                status=ExportStatus.SUBMITTED,
                next_poll_at=first_poll,
                status_message_id=job.status_message_id,
                options=job.options,
            )
            await tx.exports.update(new_id, now=now, attempts=job.attempts + 1)
        return replace(created.item, attempts=job.attempts + 1)

    async def _unknown_render(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool, error: DomainError
    ) -> PolledJob | None:
        """The backend does not know the id: submit it now if it never got there, else fail."""
        if job.status is not ExportStatus.SUBMITTED or track.submitted_again:
            return await self._render_failed(job, track, now, can_post, "unknown to the backend")
        track.submitted_again = True
        try:
            session_id, draft = await self._draft_of(job)
            await self._backend.submit_render(job.render_id, session_id, draft, _output(job))
        except _NoRenderError as why:
            return await self._render_failed(job, track, now, can_post, str(why))
        except UnavailableError as problem:
            track.errors += 1
            log.info("export %s: submitting it again failed (%r)", job.render_id, problem)
            return self._later(job, track, now)
        except ExportRefusedError:
            pass  # e.g. a duplicate: the first submit did arrive after all; the next poll tells
        except DomainError as problem:
            reason = f"submitting failed: {type(problem).__name__}"
            return await self._render_failed(job, track, now, can_post, reason)
        else:
            self.stats.submitted_again += 1
            log.warning(
                "export %s never reached the backend (%r); submitted it now", job.render_id, error
            )
        return self._after(job, now, self._schedule.first_delay(0.0, self._rng))


PollerFactory = Callable[[Notifier], ExportPoller]
"""Builds a front end's poller over the opened resources, reporting through its notifier."""
