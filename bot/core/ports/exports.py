"""The export ports: where renders are shown (Notifier) and who follows them (ExportFollower)."""

from __future__ import annotations

from typing import Protocol

from bot.core.backend_results import (
    RenderStatus,
)
from bot.core.models import (
    ExportJob,
)


class Notifier(Protocol):
    """Where the export poller (:mod:`bot.jobs.poller`) tells users about their renders.

    Front ends implement it and only present: they post and edit messages and return the ids
    of the messages showing a render; :class:`~bot.core.usecases.exports.ExportJobs` records
    them. For one job the poller makes at most one call at a time, and only if
    :meth:`handles` said yes for that claim. An exception raised here is logged and the call
    is tried again at a later poll (``export_finished`` only after :meth:`find_posted` found
    nothing), so an implementation needs no retries of its own.

    Exactly once: the poller claims a finished job (``completed → posting``) before calling
    :meth:`export_finished`, and records the returned message id afterwards. A crash in
    between leaves the job ``posting``; whoever picks it up next asks :meth:`find_posted`
    first, so the post must carry something findable derived from ``job.render_id`` (a
    Discord ``nonce`` with ``enforce_nonce``, plus a marker that stays findable for good).
    """

    def handles(self, job: ExportJob) -> bool:
        """Whether this process may post into the job's thread now (else: hand it back)."""
        ...

    async def export_progress(self, job: ExportJob, status: RenderStatus) -> int | None:
        """Show progress; return the id of the message showing it (``None``: none).

        Called at most every ~10 s per job and only when something visible changed. A job
        without ``status_message_id`` (a process died before it was recorded) re-attaches to
        its status message, or posts one; the returned id is then recorded.
        """
        ...

    async def export_finished(
        self, job: ExportJob, output_url: str, project_url: str | None
    ) -> int:
        """Post the video link (and the project link) once; return the posted message id."""
        ...

    async def find_posted(self, job: ExportJob) -> int | None:
        """The id of this render's earlier post in the thread, or ``None`` if there is none."""
        ...

    async def export_failed(self, job: ExportJob, error: str) -> int | None:
        """Say the export failed for good; return the status message's id (``None``: none).

        ``error`` is for logs only. Reported at least once: a crash right after this call may
        repeat it after the restart.
        """
        ...

    async def export_stalled(self, job: ExportJob) -> int | None:
        """Say the render has not moved for a while (once per stall; polling goes on).

        Returns the status message's id (``None``: none).
        """
        ...


class ExportFollower(Protocol):
    """Follows recorded export jobs to their video (the durable poller, :mod:`bot.jobs`).

    Front ends hand it a job right after it was submitted, with the status message they
    posted for it (the poller would find the job at its next scan anyway; this saves the wait),
    and ask it to cancel one.
    """

    async def track(self, job: ExportJob, status_message_id: int | None = None) -> None:
        """Start following ``job`` now; record the message that shows its status."""
        ...

    async def cancel(self, render_id: str) -> bool:
        """Cancel a render for good; ``False`` if it is already posting or finished."""
        ...
