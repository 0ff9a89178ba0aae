"""The poller's loop: claim due jobs under leases, handle them in batches, write back.

One cycle (:meth:`ExportPoller.run_once`; :meth:`~ExportPoller.run` repeats it when a job is
due, or every ``scan_every`` to pick up new and abandoned jobs): claim up to ``batch_size`` due
jobs under a lease (nobody else polls a leased job; a dead process's leases expire after
``lease_for``), handle them at most ``concurrency`` at a time (:mod:`.handling`), post what
finished (:mod:`.posting`), then release every lease with what was found in one transaction.
Leases of jobs in flight are renewed every third of ``lease_for``.

Why batches: on SQLite a statement costs about 0.4 ms of CPU before it does anything, more than
the rest of a poll; a batch costs a handful of statements however many jobs it holds
(``tests/bench/export_polling.py`` prints the figures). Every decision uses the ``now`` of its
cycle (the :class:`~bot.core.ports.Clock`), never the wall clock directly.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from bot.core.models import ExportJob
from bot.core.ports import LeaseTerms, Notifier, PolledJob, Telemetry
from bot.core.usecases.exports import ExportJobs
from bot.jobs.poller.handling import JobHandler
from bot.jobs.poller.outcomes import Finished, Outcome, Paused, Posted, Shared
from bot.jobs.poller.posting import Poster
from bot.jobs.poller.queue import DueQueue
from bot.jobs.poller.settings import LEASE_SECONDS, PollerSettings
from bot.jobs.schedule import AdaptiveSchedule, PollSchedule

__all__ = ["ExportPoller", "PollerFactory"]

log = logging.getLogger(__name__)

_ItemT = TypeVar("_ItemT")


class ExportPoller:
    """Follows every unfinished render to its one post, across restarts and processes."""

    def __init__(
        self,
        *,
        exports: ExportJobs,
        notifier: Notifier,
        owner_id: str,
        lease_for: timedelta = timedelta(seconds=LEASE_SECONDS),
        concurrency: int = 32,
        schedule: PollSchedule | None = None,
        settings: PollerSettings | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.owner_id = owner_id
        self._exports = exports
        self._clock = exports.deps.clock
        settings = settings or PollerSettings()
        self._concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._settings = settings
        self._terms = LeaseTerms(
            owner=owner_id,
            lease_for=lease_for,
            shard_ids=settings.shard_ids,
            shard_count=settings.shard_count,
            takeover_after=settings.takeover_after,
        )
        self._queue = DueQueue()
        shared = Shared(
            exports=exports,
            notifier=notifier,
            queue=self._queue,
            schedule=schedule or AdaptiveSchedule(),
            settings=settings,
            owner_id=owner_id,
            rng=rng or random.Random(),  # noqa: S311 - jitter, not security
        )
        self._shared = shared
        self._handler = JobHandler(shared)
        self._poster = Poster(shared, self._each)
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

    # -- life cycle ------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Whether the unfinished jobs were loaded (:meth:`start` finished)."""
        return self._started

    @property
    def telemetry(self) -> Telemetry:
        """Where this poller counts what it does (the use cases' telemetry)."""
        return self._shared.telemetry

    @property
    def tracked(self) -> int:
        """How many jobs this process is following."""
        return len(self._queue)

    async def start(self) -> int:
        """Rehydrate: take back our own stale leases and load every unfinished job.

        Returns how many jobs were loaded. Safe to call again (the queue is rebuilt).
        """
        jobs = await self._exports.load_unfinished(self._terms)
        self._queue.load(jobs, self._clock.now().timestamp())
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

    async def track(self, job: ExportJob, status_message_id: int | None = None) -> None:
        """Follow a job just recorded (by ``start_export``) without waiting for a scan."""
        await self._exports.show_status(job, status_message_id)
        if not job.status.is_finished:
            self._queue.track(job, self._clock.now().timestamp())
        self._poked = True
        self._wake.set()

    async def cancel(self, render_id: str) -> bool:
        """Cancel a render for good; ``False`` if it is already posting or finished."""
        if not await self._exports.cancel(render_id):
            return False
        self._queue.forget(render_id)
        return True

    async def settle(self) -> None:
        """Wait until this process follows no job and no poll or post is running."""
        await self._queue.idle.wait()

    def next_due(self) -> datetime | None:
        """When the earliest known job is due (after any rate-limit pause), or ``None``."""
        top = self._queue.top()
        if top is None:
            return None
        return datetime.fromtimestamp(max(top, self._paused_until), UTC)

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
                self._drop_unclaimed(now_ts)
                break
        return handled

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
        top = self._queue.top()
        if (top is not None and top <= now_ts) or self._poked or now_ts >= self._next_scan:
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
            self._drop_unclaimed(now_ts)
        top = self._queue.top()
        wake_at = self._next_scan if top is None else min(top, self._next_scan)
        self._wake_at = max(now_ts + settings.coalesce, wake_at)
        await self._wait(self._wake_at - now_ts)

    def _start_batch(self, jobs: list[ExportJob], now: datetime) -> None:
        batch = asyncio.create_task(self._process(jobs, now), name="export-poller-batch")
        self._batches.add(batch)
        batch.add_done_callback(self._batch_done)

    def _batch_done(self, batch: asyncio.Task[None]) -> None:
        self._batches.discard(batch)
        if not batch.cancelled() and batch.exception() is not None:
            log.error("an export poll batch failed", exc_info=batch.exception())
        top = self._queue.top()
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
            await self._clock.sleep(self._terms.lease_for.total_seconds() / 3)
            held = sorted(self._queue.in_flight)
            if not held:
                continue
            try:
                renewed = await self._exports.renew_leases(held, self._terms)
            except Exception:
                log.exception("renewing export leases failed")
                continue
            for render_id, ok in zip(held, renewed, strict=True):
                if not ok and render_id in self._queue.in_flight:
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
            released = await self._exports.release_all(owner=self.owner_id)
        except Exception:
            log.exception("releasing export leases failed (they expire on their own)")
            return
        log.info("export poller %s stopped; %d leases released", self.owner_id, released)

    def _drop_unclaimed(self, now_ts: float) -> None:
        for _ in range(self._queue.drop_due(now_ts)):
            self._shared.count("lost")

    def _free_slots(self) -> int:
        """How many more jobs to claim: a batch's worth held at most; polls wait for a slot."""
        return max(0, self._settings.batch_size - self._queue.busy)

    # -- claim, handle, write back ---------------------------------------------------------

    async def _claim(self, now: datetime, limit: int) -> list[ExportJob]:
        jobs = await self._exports.claim_due(self._terms, now=now, limit=limit)
        for _ in jobs:
            self._shared.count("claimed")
        return jobs

    async def _process(self, jobs: list[ExportJob], now: datetime) -> None:
        """Handle a claimed batch, post what finished, write everything back."""
        render_ids = [job.render_id for job in jobs]
        self._queue.start(render_ids)
        try:
            outcomes = await self._each(jobs, self._handler.handle, now)
            finished = [o for o in outcomes if isinstance(o, Finished)]
            try:
                outcomes += await self._poster.post_all(finished, now)
            except Exception:  # the claim failed: nothing was posted; the leases will expire
                log.exception("claiming %d finished exports failed", len(finished))
            await self._write_back(outcomes, now)
        finally:
            self._queue.done(render_ids)

    async def _each(
        self,
        items: list[_ItemT],
        handle: Callable[[_ItemT, datetime], Awaitable[Outcome]],
        now: datetime,
    ) -> list[Outcome]:
        """``handle`` every item concurrently, at most ``concurrency`` at a time.

        A few workers take the items in turn rather than a task per item: a task costs more
        than handling a poll does. The slots are shared with every other batch in flight.
        """
        outcomes: list[Outcome] = [None] * len(items)
        turns = iter(range(len(items)))  # shared: each index goes to one worker

        async def worker() -> None:
            for index in turns:
                async with self._slots:
                    outcomes[index] = await handle(items[index], now)

        async with asyncio.TaskGroup() as group:
            for _ in range(min(self._concurrency, len(items))):
                group.create_task(worker())
        return outcomes

    async def _write_back(self, outcomes: list[Outcome], now: datetime) -> None:
        """Release the batch's leases with what the polls found, and record the posts.

        A job cancelled or taken over meanwhile is not updated; its track stays until the
        next claim, which does not return it and so forgets it. If this fails, the leases
        expire and the jobs are polled again; a post made is then found by ``find_posted``.
        """
        polls: list[PolledJob] = []
        posts: dict[str, int] = {}
        for outcome in outcomes:
            if isinstance(outcome, Paused):
                self._paused_until = max(self._paused_until, outcome.until)
                polls.append(outcome.poll)
            elif isinstance(outcome, PolledJob):
                polls.append(outcome)
            elif isinstance(outcome, Posted):
                posts[outcome.job.render_id] = outcome.message_id
        if not polls and not posts:
            return
        try:
            await self._exports.write_back(polls, posts, owner=self.owner_id, now=now)
        except Exception:
            log.exception("saving %d export polls failed; their leases will expire", len(polls))
            for poll in polls:
                self._queue.reschedule(poll.render_id, now + self._terms.lease_for)
            return
        for poll in polls:
            self._queue.reschedule(poll.render_id, poll.next_poll_at)
        for render_id in posts:
            self._queue.forget(render_id)


PollerFactory = Callable[[Notifier], ExportPoller]
"""Builds a front end's poller over the opened resources, reporting through its notifier."""
