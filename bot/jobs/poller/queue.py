"""The poller's memory of the jobs it follows: each job's track and when it is due next.

A heap of ``(due, render_id)`` orders the jobs; a job rescheduled or in flight leaves a stale
entry behind, dropped when it reaches the top. The durable state is the ``export_job`` table;
all of this is rebuilt from it at start.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Iterable
from datetime import datetime

from bot.core.models import ExportJob
from bot.jobs.tracking import JobTrack

__all__ = ["DueQueue"]


class DueQueue:
    """The followed jobs, their tracks, which are in flight, and the earliest due time."""

    def __init__(self) -> None:
        self._tracks: dict[str, JobTrack] = {}
        self._heap: list[tuple[float, str]] = []
        self._in_flight: set[str] = set()
        #: Set while nothing is followed (tests and shutdown wait on it).
        self.idle = asyncio.Event()
        self.idle.set()

    def __len__(self) -> int:
        return len(self._tracks)

    def __contains__(self, render_id: str) -> bool:
        return render_id in self._tracks

    def load(self, jobs: Iterable[ExportJob], now_ts: float) -> None:
        """Follow exactly ``jobs`` (start-up), each due at its recorded next poll."""
        self._tracks = {job.render_id: _track(job, now_ts) for job in jobs}
        self._heap = [(track.due, render_id) for render_id, track in self._tracks.items()]
        heapq.heapify(self._heap)
        self._note()

    def track(self, job: ExportJob, now_ts: float) -> JobTrack:
        """The job's track, following it from now if it is new here."""
        track = self._tracks.get(job.render_id)
        if track is None:
            track = self._tracks[job.render_id] = _track(job, now_ts)
            heapq.heappush(self._heap, (track.due, job.render_id))
            self.idle.clear()
        return track

    def forget(self, render_id: str) -> None:
        """Stop following a job (finished, or someone else's now)."""
        self._tracks.pop(render_id, None)
        self._note()

    def reschedule(self, render_id: str, at: datetime) -> None:
        """Make a followed job due at ``at``."""
        track = self._tracks.get(render_id)
        if track is not None:
            track.due = at.timestamp()
            heapq.heappush(self._heap, (track.due, render_id))

    def start(self, render_ids: Iterable[str]) -> None:
        """These jobs are being polled or posted (their heap entries are stale until done)."""
        self._in_flight.update(render_ids)

    def done(self, render_ids: Iterable[str]) -> None:
        """These jobs are no longer in flight."""
        self._in_flight.difference_update(render_ids)
        self._note()

    @property
    def in_flight(self) -> frozenset[str]:
        """The jobs being polled or posted now."""
        return frozenset(self._in_flight)

    @property
    def busy(self) -> int:
        """How many jobs are in flight."""
        return len(self._in_flight)

    def top(self) -> float | None:
        """The earliest valid due time; stale entries (rescheduled, in flight, gone) drop off."""
        heap = self._heap
        while heap:
            due, render_id = heap[0]
            track = self._tracks.get(render_id)
            if track is not None and track.due == due and render_id not in self._in_flight:
                return due
            heapq.heappop(heap)
        return None

    def drop_due(self, now_ts: float) -> int:
        """Forget the jobs due by ``now_ts`` (a complete claim did not return them); how many.

        The claim took every due job this process may have, so these are leased by someone
        else, finished, or rescheduled elsewhere; a later scan brings back any that are ours.
        """
        dropped = 0
        while (top := self.top()) is not None and top <= now_ts:
            _, render_id = heapq.heappop(self._heap)
            self._tracks.pop(render_id, None)
            dropped += 1
        self._note()
        return dropped

    def _note(self) -> None:
        if not self._tracks and not self._in_flight:
            self.idle.set()


def _track(job: ExportJob, now_ts: float) -> JobTrack:
    return JobTrack(
        render_id=job.render_id,
        submitted_at=job.created_at.timestamp(),
        due=job.next_poll_at.timestamp(),
        moved_at=now_ts,
    )
