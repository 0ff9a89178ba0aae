"""Posting finished videos exactly once.

The batch's finished videos are claimed ``→ posting`` in one transaction (a compare-and-set
under the lease: only one process wins), then posted concurrently through the notifier, whose
post is findable by the render id (the port's exactly-once rule). The posts are recorded with
the batch's write-back. A failed post stays ``posting``: the next try asks
``find_posted`` first, so a post that did go out is recorded rather than repeated (and after
``max_post_failures`` tries the job is reported failed instead: :mod:`.handling`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from bot.core.errors import DomainError
from bot.core.models import ExportJob, ExportStatus, TrackThread
from bot.core.ports import FinishedRender
from bot.jobs.poller.outcomes import Finished, Outcome, Posted, Shared

__all__ = ["Poster"]

log = logging.getLogger(__name__)

#: Runs ``handle`` over items concurrently within the poller's slots (the loop's ``each``).
Each = Callable[
    [list[ExportJob], Callable[[ExportJob, datetime], Awaitable[Outcome]], datetime],
    Awaitable[list[Outcome]],
]


class Poster:
    """Claims a batch's finished videos for posting and posts the ones it won."""

    def __init__(self, shared: Shared, each: Each) -> None:
        self._shared = shared
        self._each = each

    async def post_all(self, finished: list[Finished], now: datetime) -> list[Outcome]:
        """Claim the finished videos for posting (exactly once), then post the ones won."""
        if not finished:
            return []
        shared = self._shared
        to_claim = [f for f in finished if not f.claimed]
        claims = [FinishedRender(f.job.render_id, f.job.status, f.output_url) for f in to_claim]
        won, threads = await shared.exports.claim_posting(
            claims, {f.job.thread_id for f in finished}, owner=shared.owner_id, now=now
        )
        for lost in to_claim:
            if lost.job.render_id not in won:
                log.info("export %s was cancelled or taken over before posting", lost.job.render_id)
                shared.queue.forget(lost.job.render_id)
        posting = [
            replace(f.job, status=ExportStatus.POSTING, progress=100, output_url=f.output_url)
            for f in finished
            if f.claimed or f.job.render_id in won
        ]

        async def post(job: ExportJob, now: datetime) -> Outcome:
            return await self._post(job, threads.get(job.thread_id), now)

        return await self._each(posting, post, now)

    async def _post(self, job: ExportJob, thread: TrackThread | None, now: datetime) -> Outcome:
        """Post a claimed (``posting``) job; on failure it stays ``posting`` for a later try."""
        shared = self._shared
        if job.output_url is None:  # every path here sets it; keeps mypy and readers sure
            raise AssertionError(f"export {job.render_id} is posting without a video URL")
        project_url = await self._project_url(job, thread)
        try:
            message_id = await shared.notifier.export_finished(job, job.output_url, project_url)
        except Exception as error:
            log.warning("posting export %s failed (%r); trying again later", job.render_id, error)
            return shared.later(job, shared.queue.track(job, now.timestamp()), now)
        return Posted(job, message_id)

    async def _project_url(self, job: ExportJob, thread: TrackThread | None) -> str | None:
        if thread is None or thread.task_id is None or thread.session_id is None:
            return None
        backend = self._shared.exports.deps.backend
        try:
            claim = await backend.claim_token(thread.task_id, thread.session_id)
        except DomainError as error:
            log.warning("no project link for export %s: %r", job.render_id, error)
            return None
        return backend.project_link(claim)
