"""What one poller process remembers about a job between polls (pure, table-tested).

The durable part of a job (status, progress, next poll, lease) is in the database; this is
the rest, kept in memory and rebuilt empty after a restart, on purpose:

* the last two progress readings, for the completion estimate of :mod:`bot.jobs.schedule`;
* when progress last moved, for the stall timeout (a restart restarts that clock: a job is
  never declared stalled on the strength of time the process was not watching);
* what the user was last shown and when, so status edits come at most every ``every``
  seconds and only for a visible change (the first report after a restart re-attaches to the
  status message);
* failed polls in a row (back-off) and whether the one same-id submission was tried.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.backend_results import RenderStage
from bot.jobs.schedule import estimate_eta

__all__ = ["JobTrack"]


@dataclass(slots=True)
class JobTrack:
    """One job's in-memory state; times are epoch seconds (``datetime.timestamp()``)."""

    render_id: str
    submitted_at: float
    due: float
    #: When progress (or the stage) last changed; starts when this process first sees the job.
    moved_at: float
    seen_at: float | None = None
    stage: RenderStage | None = None
    progress: int | None = None
    previous: tuple[float, int] | None = None  # (age, progress) at the poll before
    errors: int = 0
    stalled: bool = False
    shown: tuple[RenderStage, int] | None = None
    shown_at: float | None = None
    submitted_again: bool = False

    def age(self, at: float) -> float:
        """Seconds since the render was submitted."""
        return at - self.submitted_at

    def observe(self, at: float, stage: RenderStage, progress: int) -> None:
        """Record a successful poll; a change since the last one restarts the stall clock.

        The first reading is no movement: the clock runs from when this process adopted the
        job, whatever the reading.
        """
        if self.seen_at is not None and self.progress is not None:
            self.previous = (self.age(self.seen_at), self.progress)
        if self.stage is not None and (stage, progress) != (self.stage, self.progress):
            self.moved_at = at
            self.stalled = False
        self.seen_at, self.stage, self.progress = at, stage, progress
        self.errors = 0

    def eta(self) -> float | None:
        """Estimated seconds from the last poll to completion; ``None`` without moving progress."""
        if self.seen_at is None or self.progress is None:
            return None
        return estimate_eta(self.progress, self.age(self.seen_at), self.previous)

    def should_report(
        self, at: float, stage: RenderStage, progress: int, *, every: float, step: int
    ) -> bool:
        """Whether to show this reading now; if so, it counts as shown.

        Visible means the stage, or progress rounded down to ``step`` percent, differs from
        what was last shown; and at least ``every`` seconds passed since then. A reading held
        back is not queued: the next poll brings a fresher one.
        """
        visible = (stage, progress - progress % step if step > 1 else progress)
        if visible == self.shown:
            return False
        if self.shown_at is not None and at - self.shown_at < every:
            return False
        self.shown, self.shown_at = visible, at
        return True

    def stall_due(self, at: float, stall_after: float) -> bool:
        """``True`` once when progress has not moved for ``stall_after`` seconds."""
        if self.stalled or at - self.moved_at < stall_after:
            return False
        self.stalled = True
        return True

    def idle_for(self, at: float) -> float:
        """Seconds since progress last moved (or since this process first saw the job)."""
        return at - self.moved_at
