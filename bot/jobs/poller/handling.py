"""One claimed job: poll its render and decide what follows (the per-job state machine).

* ``pending``/``processing`` → status and progress; the user sees progress at most every
  ``progress_every`` seconds and only when it visibly changed; no movement for ``stall_after``
  → ``export_stalled`` once (polling goes on); none for ``abandon_after`` → failed.
* ``completed`` → a video to post (:mod:`.posting`), or handed over as ``completed`` when this
  process may not post. A post that failed ``max_post_failures`` times (the last failure
  checked with ``find_posted``) is reported failed.
* ``failed`` (or "completed" without a video) → rendered again once under a new id (§3.8/§6),
  the second failure is reported. A ``submitted`` job the backend does not know is submitted
  now under its own id (the process died between recording and submitting), once.
* 429 → this job waits ``Retry-After`` and the whole poller pauses as long; other errors back
  off per job, exponentially.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from bot.core.backend_results import RenderStage, RenderStatus
from bot.core.errors import DomainError, ExportRefusedError, RateLimitError, UnavailableError
from bot.core.models import ExportJob, ExportStatus
from bot.core.ports import PolledJob
from bot.core.usecases.exports import POLLED, POSTABLE, NoRender
from bot.jobs.poller.outcomes import Finished, Outcome, Paused, Posted, Shared
from bot.jobs.schedule import Observation
from bot.jobs.tracking import JobTrack

__all__ = ["JobHandler"]

log = logging.getLogger(__name__)

_STAGE_STATUS = {
    RenderStage.PENDING: ExportStatus.PENDING,
    RenderStage.PROCESSING: ExportStatus.PROCESSING,
}


class JobHandler:
    """Handles one claimed job at a time (rules in the module docstring)."""

    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    async def handle(self, job: ExportJob, now: datetime) -> Outcome:
        """What to do with ``job``, claimed at ``now``; never raises."""
        shared = self._shared
        track = shared.queue.track(job, now.timestamp())
        try:
            can_post = shared.may_post(job)
            if job.status in POSTABLE:
                return await self._resume_posting(job, track, now, can_post)
            return await self._poll(job, track, now, can_post)
        except Exception:
            log.exception("export %s: unexpected error; trying again later", job.render_id)
            shared.count("error")
            return shared.later(job, track, now)

    # -- polling ---------------------------------------------------------------------------

    async def _poll(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool
    ) -> Outcome:
        shared = self._shared
        now_ts = now.timestamp()
        if track.idle_for(now_ts) >= shared.settings.abandon_after:
            idle = f"no progress for {track.idle_for(now_ts):.0f} s"
            return await self._final_failure(job, track, now, can_post, idle, POLLED)
        shared.count("polled")
        try:
            status = await self._render_status(job.render_id)
        except RateLimitError as error:
            shared.count("rate_limited")
            log.warning(
                "NemoVideo rate limit while polling; pausing polls for %.0f s", error.retry_after
            )
            seen = Observation(age=track.age(now_ts), retry_after=error.retry_after)
            poll = shared.after(job, now, shared.schedule.next_delay(seen, shared.rng))
            return Paused(poll, until=now_ts + error.retry_after)
        except ExportRefusedError as error:
            return await self._unknown_render(job, track, now, can_post, error)
        except DomainError as error:
            shared.count("error")
            level = logging.INFO if isinstance(error, UnavailableError) else logging.WARNING
            log.log(level, "polling export %s failed (%r); backing off", job.render_id, error)
            return shared.later(job, track, now)
        if status.stage is RenderStage.COMPLETED:
            track.errors = 0  # from here on, errors count failed posts
            if status.output_url:
                return await self._completed(job, now, can_post, status.output_url)
            return await self._render_failed(job, track, now, can_post, "completed without a video")
        if status.stage in _STAGE_STATUS:
            return await self._progressed(job, track, now, can_post, status)
        error_text = status.error or f"render {status.stage.value}"
        return await self._render_failed(job, track, now, can_post, error_text)

    async def _render_status(self, render_id: str) -> RenderStatus:
        """One render-status call, timed for the metrics whatever its outcome."""
        deps = self._shared.exports.deps
        started = deps.clock.monotonic()
        try:
            return await deps.backend.render_status(render_id)
        finally:
            deps.telemetry.observe_export_poll(deps.clock.monotonic() - started)

    async def _progressed(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool, status: RenderStatus
    ) -> PolledJob:
        shared = self._shared
        settings = shared.settings
        now_ts = now.timestamp()
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
                await self._tell_progress(current, status, report, stalled, track)
        seen = Observation(age=track.age(now_ts), eta=track.eta())
        delay = shared.schedule.next_delay(seen, shared.rng)
        return shared.after(job, now, delay, new_status, status.progress)

    async def _tell_progress(
        self, job: ExportJob, status: RenderStatus, report: bool, stalled: bool, track: JobTrack
    ) -> None:
        """Show the user a progress reading, the stall notice, or both."""
        shared = self._shared
        notifier = shared.notifier
        if report:
            shared.count("progress_shown")
            await shared.tell(job, notifier.export_progress(job, status), "export_progress")
        if stalled:
            shared.count("stalled")
            if not await shared.tell(job, notifier.export_stalled(job), "export_stalled"):
                track.stalled = False  # tell them at the next poll

    async def _completed(self, job: ExportJob, now: datetime, can_post: bool, url: str) -> Outcome:
        shared = self._shared
        if can_post:
            return Finished(job, url)
        # Record the video and hand it over: whoever may post claims it from `completed`.
        await shared.exports.hand_over(
            job, url, owner=shared.owner_id, now=now, poll_in=shared.settings.handoff_after
        )
        shared.queue.forget(job.render_id)
        return None

    async def _resume_posting(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool
    ) -> Outcome:
        """A job claimed as ``completed`` (handed over) or ``posting`` (a post unrecorded)."""
        shared = self._shared
        if not can_post:
            return shared.hand_back(job, now)
        if job.output_url is None:
            log.error("export %s is %s without a video URL", job.render_id, job.status)
            return await self._final_failure(job, track, now, True, "no video URL", POSTABLE)
        if job.status is ExportStatus.COMPLETED:
            return Finished(job, job.output_url)
        try:
            found = await shared.notifier.find_posted(job)
        except Exception:
            log.exception("notifier.find_posted failed for export %s", job.render_id)
            return shared.later(job, track, now)
        if found is not None:
            log.info("export %s was posted before (message %s); recording it", job.render_id, found)
            shared.count("found_posted")
            return Posted(job, found)
        if track.errors >= shared.settings.max_post_failures:
            why = f"posting failed {track.errors} times"
            return await self._final_failure(job, track, now, True, why, POSTABLE)
        return Finished(job, job.output_url, claimed=True)

    # -- failures --------------------------------------------------------------------------

    async def _render_failed(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool, error: str
    ) -> Outcome:
        if job.attempts + 1 < self._shared.settings.max_renders:
            return await self._render_again(job, track, now, can_post, error)
        return await self._final_failure(job, track, now, can_post, error, POLLED)

    async def _final_failure(
        self,
        job: ExportJob,
        track: JobTrack,
        now: datetime,
        can_post: bool,
        error: str,
        from_statuses: Collection[ExportStatus],
    ) -> Outcome:
        """Tell the user first, then record ``failed`` (a crash in between repeats the news)."""
        shared = self._shared
        if not can_post:
            return shared.hand_back(job, now)
        failed = replace(job, status=ExportStatus.FAILED, error=error)
        if not await shared.tell(
            job, shared.notifier.export_failed(failed, error), "export_failed"
        ):
            return shared.later(job, track, now)
        await shared.exports.fail(
            job, error, owner=shared.owner_id, now=now, from_statuses=from_statuses
        )
        shared.queue.forget(job.render_id)
        log.info("export %s failed for good: %s", job.render_id, error)
        return None

    async def _render_again(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool, error: str
    ) -> Outcome:
        """Fail this render and have its successor (a new id) recorded and submitted."""
        shared = self._shared
        try:
            again = await shared.exports.render_again(job, error, owner=shared.owner_id, now=now)
        except UnavailableError as problem:
            log.info("export %s: cannot read the draft yet (%r)", job.render_id, problem)
            return shared.later(job, track, now)
        except NoRender as why:
            reason = f"{error}; not rendered again: {why}"
            return await self._final_failure(job, track, now, can_post, reason, POLLED)
        shared.queue.forget(job.render_id)
        if again is None:  # cancelled or taken over meanwhile
            return None
        if again.status is ExportStatus.FAILED:
            if can_post and again.error is not None:
                call = shared.notifier.export_failed(again, again.error)
                await shared.tell(again, call, "export_failed")
            return None
        new_track = shared.queue.track(again, now.timestamp())
        settings = shared.settings
        if can_post and new_track.should_report(
            now.timestamp(),
            RenderStage.PENDING,
            0,
            every=settings.progress_every,
            step=settings.progress_step,
        ):
            pending = RenderStatus(again.render_id, RenderStage.PENDING, 0)
            await shared.tell(
                again, shared.notifier.export_progress(again, pending), "export_progress"
            )
        return None

    async def _unknown_render(
        self, job: ExportJob, track: JobTrack, now: datetime, can_post: bool, error: DomainError
    ) -> Outcome:
        """The backend does not know the id: submit it now if it never got there, else fail."""
        shared = self._shared
        if job.status is not ExportStatus.SUBMITTED or track.submitted_again:
            return await self._render_failed(job, track, now, can_post, "unknown to the backend")
        track.submitted_again = True
        try:
            await shared.exports.submit_again(job)
        except NoRender as why:
            return await self._render_failed(job, track, now, can_post, str(why))
        except UnavailableError as problem:
            log.info("export %s: submitting it again failed (%r)", job.render_id, problem)
            return shared.later(job, track, now)
        except ExportRefusedError:
            pass  # e.g. a duplicate: the first submit did arrive after all; the next poll tells
        except DomainError as problem:
            reason = f"submitting failed: {type(problem).__name__}"
            return await self._render_failed(job, track, now, can_post, reason)
        else:
            shared.count("submitted_again")
            log.warning(
                "export %s never reached the backend (%r); submitted it now", job.render_id, error
            )
        return shared.after(job, now, (shared.exports.first_poll_at(now) - now).total_seconds())
