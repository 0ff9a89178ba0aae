"""Exports: the one owner of an export job's life (contract §3.8), and the export use case.

:class:`ExportJobs` alone changes a job's state and row: it records and submits a render,
records what the poller saw, claims a finished video for its one post and records the post,
fails, cancels and renders again. The poller (:mod:`bot.jobs.poller`) decides *when*; front
ends only present, and hand back the ids of the messages they posted.

Submitting: each render has a fresh client-chosen id and is recorded *before* it is sent, so a
crash right after sending never orphans it. A refused first submission marks the job ``failed``
and tries a new id once (§3.8: a repeated id is a duplicate), unless a new id cannot help (plan
402, credits, auth, lost session). The one re-render after a failed render goes through the same
path. Options (format, resolution) are stored with the job, so a re-render keeps them.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Unpack

from bot.core.errors import (
    DomainError,
    ExportPlanError,
    NotAuthorizedError,
    NothingToExportError,
    OutOfCreditsError,
    SessionGoneError,
    UnavailableError,
)
from bot.core.models import ExportJob, ExportJobChanges, ExportOptions, ExportStatus, TrackThread
from bot.core.ports import FinishedRender, LeaseTerms, PolledJob
from bot.core.replies import ExportStarted, ReplyEvent
from bot.core.texts import text
from bot.core.timeline import is_exportable, parse_draft
from bot.core.usecases.context import Conversation, Deps
from bot.core.usecases.explain import explain
from bot.core.usecases.sessions import current_state, save_snapshot, session_of
from bot.core.usecases.settings import export_options

__all__ = ["FIRST_POLL_JITTER", "ExportJobs", "NoRender", "start_export"]

log = logging.getLogger(__name__)

#: The statuses of a render the backend is working on.
POLLED = (ExportStatus.SUBMITTED, ExportStatus.PENDING, ExportStatus.PROCESSING)
#: A finished render waiting for its post (handed over), or one whose post is unrecorded.
POSTABLE = (ExportStatus.COMPLETED, ExportStatus.POSTING)
_CANCELLABLE = (*POLLED, ExportStatus.COMPLETED)
#: A new render id does not fix these.
_FINAL_SUBMIT_ERRORS = (ExportPlanError, OutOfCreditsError, NotAuthorizedError, SessionGoneError)
#: First polls are spread by this share either way, so a burst of exports does not poll in step.
FIRST_POLL_JITTER = 0.2


class NoRender(Exception):  # noqa: N818 - a reason, not an error
    """Why a failed render cannot be rendered again (a reason for the log and the job)."""


class ExportJobs:
    """Every change to an export job's state and row (rules in the module docstring)."""

    def __init__(self, deps: Deps, rng: random.Random | None = None) -> None:
        self.deps = deps
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security

    # -- submitting ------------------------------------------------------------------------

    async def start(
        self,
        thread: TrackThread,
        draft: Mapping[str, Any],
        requester_id: int,
        options: ExportOptions | None = None,
    ) -> ExportJob:
        """Record and submit a render (a new id on refusal, once); return the job that took."""
        length_ms = parse_draft(draft).length_ms
        for attempt in (1, 2):
            now = self.deps.clock.now()
            job = await self._record(thread.thread_id, requester_id, options, now, length_ms)
            if job is None:
                raise AssertionError("unreachable: only a replacement can be refused")
            try:
                await self._send(job, session_of(thread), draft)
            except DomainError as error:
                await self._fail_submitted(
                    job.render_id, type(error).__name__, self.deps.clock.now()
                )
                if attempt == 2 or isinstance(error, _FINAL_SUBMIT_ERRORS):
                    raise
                log.warning("render submit %s failed (%r); trying a new id", job.render_id, error)
            else:
                return job
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def render_again(
        self, job: ExportJob, error: str, *, owner: str, now: datetime
    ) -> ExportJob | None:
        """Fail ``job`` and record + submit its successor (a new id); ``None`` if none runs.

        :class:`NoRender` when there is nothing to render; :class:`UnavailableError` when the
        draft cannot be read yet (try again later). A submit that may have arrived is left to
        polling; a refused one fails the successor, which is returned as ``failed``.
        """
        session_id, draft = await self._draft_of(job)
        again = await self._record(
            job.thread_id,
            job.requester_id,
            job.options,
            now,
            parse_draft(draft).length_ms,
            replacing=job,
            error=error,
            owner=owner,
        )
        if again is None:
            return None
        log.warning(
            "render %s failed (%s); rendering again as %s", job.render_id, error, again.render_id
        )
        try:
            await self._send(again, session_id, draft)
        except UnavailableError as problem:
            log.info(
                "submitting %s may have failed (%r); polling will tell", again.render_id, problem
            )
        except DomainError as problem:
            reason = f"{error}; rendering again was refused: {type(problem).__name__}"
            await self._fail_submitted(again.render_id, reason, now)
            return replace(again, status=ExportStatus.FAILED, error=reason)
        return again

    async def submit_again(self, job: ExportJob) -> None:
        """Submit a recorded job the backend never got, under its own (never used) id."""
        session_id, draft = await self._draft_of(job)
        await self._send(job, session_id, draft)

    def first_poll_at(self, now: datetime) -> datetime:
        """When a render submitted ``now`` is first worth polling (jittered)."""
        first = self.deps.timings.first_poll
        spread = self._rng.uniform(1.0 - FIRST_POLL_JITTER, 1.0 + FIRST_POLL_JITTER)
        return now + timedelta(seconds=first * spread)

    async def _record(
        self,
        thread_id: int,
        requester_id: int,
        options: ExportOptions | None,
        now: datetime,
        length_ms: int | None,
        *,
        replacing: ExportJob | None = None,
        error: str = "",
        owner: str | None = None,
    ) -> ExportJob | None:
        """Record a new render (one transaction; a replaced job becomes ``failed`` in it)."""
        deps = self.deps
        render_id = deps.backend.new_render_id()
        async with deps.store.transaction() as tx:
            if replacing is not None and not await tx.exports.transition(
                replacing.render_id,
                POLLED,
                ExportStatus.FAILED,
                now=now,
                held_by=owner,
                error=f"{error}; rendered again as {render_id}",
                lease_owner=None,
                lease_expires_at=None,
            ):
                return None
            created = await tx.exports.create(
                render_id=render_id,
                thread_id=thread_id,
                requester_id=requester_id,
                now=now,
                next_poll_at=self.first_poll_at(now),
                options=options,
                attempts=0 if replacing is None else replacing.attempts + 1,
                status_message_id=None if replacing is None else replacing.status_message_id,
                length_ms=length_ms,
            )
        if replacing is not None:
            self._count(ExportStatus.FAILED)
        self._count(ExportStatus.SUBMITTED)
        return created.item

    async def _send(self, job: ExportJob, session_id: str, draft: Mapping[str, Any]) -> None:
        output = job.options.output() if job.options is not None else None
        await self.deps.backend.submit_render(job.render_id, session_id, draft, output)

    async def _fail_submitted(self, render_id: str, error: str, now: datetime) -> None:
        await self._move(render_id, POLLED, ExportStatus.FAILED, now=now, error=error)

    async def _move(
        self,
        render_id: str,
        from_statuses: Collection[ExportStatus],
        to_status: ExportStatus,
        *,
        now: datetime,
        held_by: str | None = None,
        **fields: Unpack[ExportJobChanges],
    ) -> bool:
        """One compare-and-set status change that also gives the lease back, counted if it won."""
        released: ExportJobChanges = {**fields, "lease_owner": None, "lease_expires_at": None}
        async with self.deps.store.transaction() as tx:
            moved = await tx.exports.transition(
                render_id, from_statuses, to_status, now=now, held_by=held_by, **released
            )
        if moved:
            self._count(to_status)
        return moved

    async def _draft_of(self, job: ExportJob) -> tuple[str, dict[str, Any]]:
        """The session and its current draft, to render; :class:`NoRender` says why not."""
        thread = await self.thread(job.thread_id)
        if thread is None or thread.session_id is None:
            raise NoRender("no backend session")
        try:
            state = await self.deps.backend.state(thread.session_id)
        except UnavailableError:
            raise
        except DomainError as error:
            raise NoRender(type(error).__name__) from error
        if not is_exportable(state.draft):
            raise NoRender("nothing to render")
        return thread.session_id, dict(state.draft)

    # -- what the poller saw ---------------------------------------------------------------

    async def load_unfinished(self, terms: LeaseTerms) -> list[ExportJob]:
        """Take back the owner's stale leases (a previous life); load every unfinished job.

        Only the jobs on the terms' shards (all of them without ``shard_ids``).
        """
        async with self.deps.store.transaction() as tx:
            await tx.exports.release_all(owner=terms.owner, now=self.deps.clock.now())
            return await tx.exports.load_unfinished(
                shard_ids=terms.shard_ids, shard_count=terms.shard_count
            )

    async def claim_due(self, terms: LeaseTerms, *, now: datetime, limit: int) -> list[ExportJob]:
        """Lease up to ``limit`` due jobs (see :meth:`~bot.core.ports.ExportJobStore.claim_due`)."""
        async with self.deps.store.transaction() as tx:
            return await tx.exports.claim_due(terms, now=now, limit=limit)

    async def renew_leases(self, render_ids: Sequence[str], terms: LeaseTerms) -> list[bool]:
        """Extend the owner's leases; ``False`` for each one someone else has taken over."""
        now = self.deps.clock.now()
        owner, lease_for = terms.owner, terms.lease_for
        async with self.deps.store.transaction() as tx:
            return [
                await tx.exports.renew_lease(r, owner=owner, now=now, lease_for=lease_for)
                for r in render_ids
            ]

    async def release_all(self, *, owner: str) -> int:
        """Give back every lease ``owner`` holds (shutdown); return how many."""
        async with self.deps.store.transaction() as tx:
            return await tx.exports.release_all(owner=owner, now=self.deps.clock.now())

    async def write_back(
        self, polls: Sequence[PolledJob], posts: Mapping[str, int], *, owner: str, now: datetime
    ) -> None:
        """One transaction: release polled leases with what they found, record the posts."""
        async with self.deps.store.transaction() as tx:
            await tx.exports.release_polled(polls, owner=owner, now=now)
            await tx.exports.record_posted(posts, now=now)
        for _ in posts:
            self._count(ExportStatus.POSTED)

    async def show_status(self, job: ExportJob, message_id: int | None) -> None:
        """Record the message that shows ``job``'s status, if it is a new one."""
        if message_id is None or message_id == job.status_message_id:
            return
        async with self.deps.store.transaction() as tx:
            await tx.exports.update(
                job.render_id, now=self.deps.clock.now(), status_message_id=message_id
            )

    async def hand_over(
        self, job: ExportJob, url: str, *, owner: str, now: datetime, poll_in: float
    ) -> None:
        """Record the finished video as ``completed`` for a process that can post it."""
        await self._move(
            job.render_id,
            POLLED,
            ExportStatus.COMPLETED,
            now=now,
            held_by=owner,
            progress=100,
            output_url=url,
            next_poll_at=now + timedelta(seconds=poll_in),
        )

    async def claim_posting(
        self,
        renders: Sequence[FinishedRender],
        thread_ids: Collection[int],
        *,
        owner: str,
        now: datetime,
    ) -> tuple[set[str], dict[int, TrackThread]]:
        """The exactly-once claim of finished videos (``→ posting``), with their threads."""
        async with self.deps.store.transaction() as tx:
            won = await tx.exports.claim_posting(renders, owner=owner, now=now)
            threads = await tx.threads.get_many(thread_ids)
        for _ in won:
            self._count(ExportStatus.POSTING)
        return won, threads

    async def fail(
        self,
        job: ExportJob,
        error: str,
        *,
        owner: str,
        now: datetime,
        from_statuses: Collection[ExportStatus],
    ) -> None:
        """Record ``job`` as failed for good (after the user was told)."""
        await self._move(
            job.render_id,
            from_statuses,
            ExportStatus.FAILED,
            now=now,
            held_by=owner,
            error=error,
        )

    async def cancel(self, render_id: str) -> bool:
        """Cancel a render for good; ``False`` if it is already posting or finished."""
        now = self.deps.clock.now()
        if not await self._move(
            render_id, _CANCELLABLE, ExportStatus.CANCELLED, now=now, error="cancelled"
        ):
            return False
        try:
            await self.deps.backend.cancel_render(render_id)
        except DomainError as error:  # cancelled for us either way; the video goes unused
            log.warning("the backend did not cancel render %s: %r", render_id, error)
        return True

    async def thread(self, thread_id: int) -> TrackThread | None:
        """The job's thread record (its session, language and guild)."""
        async with self.deps.store.transaction() as tx:
            return await tx.threads.get(thread_id)

    def _count(self, status: ExportStatus) -> None:
        self.deps.telemetry.count_export_status(status.value)


async def start_export(
    deps: Deps,
    conversation: Conversation,
    requester_id: int,
    options: ExportOptions | None = None,
) -> AsyncIterator[ReplyEvent]:
    """Submit a render of the current timeline; yields :class:`ExportStarted` on success.

    The draft is read from the state; an empty timeline is refused politely (nothing is sent).
    The backend is never asked to export in chat: rendering is our own call (§8). Without
    ``options``, MP4 at the requester's default resolution (their ``/settings``).
    """
    lang = conversation.language
    try:
        if options is None:
            options = await export_options(deps, requester_id)
        thread, state, notice = await current_state(deps, conversation)
        if notice is not None:
            # The timeline went with the session: say so; there is no edit left to export.
            yield notice
            yield await explain(deps, lang, NothingToExportError())
            return
        await save_snapshot(deps, conversation, state.draft)
        if not is_exportable(state.draft):
            raise NothingToExportError
        job = await ExportJobs(deps).start(thread, state.draft, requester_id, options)
    except DomainError as error:
        yield await explain(deps, lang, error)
        return
    yield ExportStarted(job.render_id, text("export_started", lang))
