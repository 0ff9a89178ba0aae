"""What handling one claimed job leaves for its batch to write, and the poller's shared parts.

A reschedule (:class:`~bot.core.ports.PolledJob`, or :class:`Paused` after a 429), a video to
post (:class:`Finished`), a post to record (:class:`Posted`), or ``None``: the job was finished
or handed over on the spot.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.models import ExportJob, ExportStatus
from bot.core.ports import Notifier, PolledJob, PollerEvent, Telemetry
from bot.core.usecases.exports import ExportJobs
from bot.jobs.poller.queue import DueQueue
from bot.jobs.poller.settings import PollerSettings
from bot.jobs.schedule import Observation, PollSchedule
from bot.jobs.tracking import JobTrack

__all__ = ["Finished", "Outcome", "Paused", "Posted", "Shared"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Finished:
    """A video to post: ``job`` is ``posting`` already (``claimed``), or still to be claimed."""

    job: ExportJob
    output_url: str
    claimed: bool = False


@dataclass(frozen=True, slots=True)
class Posted:
    """A post to record (``posting → posted``)."""

    job: ExportJob
    message_id: int


@dataclass(frozen=True, slots=True)
class Paused:
    """A 429: poll this job again as ``poll`` says, and nobody polls before ``until``."""

    poll: PolledJob
    until: float


Outcome = PolledJob | Paused | Finished | Posted | None


@dataclass(slots=True)
class Shared:
    """What the loop, the per-job handling and the posting share (one of each per poller)."""

    exports: ExportJobs
    notifier: Notifier
    queue: DueQueue
    schedule: PollSchedule
    settings: PollerSettings
    owner_id: str
    rng: random.Random

    @property
    def telemetry(self) -> Telemetry:
        """Where the poller counts (the same as the use cases)."""
        return self.exports.deps.telemetry

    def count(self, event: PollerEvent) -> None:
        """Count one poller event."""
        self.telemetry.count_poller_event(event)

    def after(
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

    def later(self, job: ExportJob, track: JobTrack, now: datetime) -> PolledJob:
        """Back off after an error (the count of errors in a row sets the delay)."""
        track.errors += 1
        seen = Observation(age=track.age(now.timestamp()), errors=track.errors)
        return self.after(job, now, self.schedule.next_delay(seen, self.rng))

    def hand_back(self, job: ExportJob, now: datetime) -> PolledJob:
        """Leave the job for a later claim: this process may not post for it now."""
        return self.after(job, now, self.settings.handoff_after)

    def may_post(self, job: ExportJob) -> bool:
        """The front end's veto (not connected yet...); an error in it counts as a no."""
        try:
            return self.notifier.handles(job)
        except Exception:
            log.exception("notifier.handles failed for export %s", job.render_id)
            return False

    async def tell(self, job: ExportJob, call: Awaitable[int | None], what: str) -> bool:
        """Make one notifier call; record the status message it names; ``False`` if it failed."""
        try:
            message_id = await call
        except Exception:
            log.exception("notifier.%s failed for export %s", what, job.render_id)
            return False
        await self.exports.show_status(job, message_id)
        return True
