"""Export: submit a render of the current timeline and follow it to the MP4 (contract §3.8-3.9).

Rules:

* The draft is read from the state; an empty timeline is refused politely (nothing is sent).
  The backend is never asked to export in chat: rendering is our own call (§8).
* Each submission has a fresh client-chosen render id and is recorded *before* it is sent, so
  a crash right after sending never orphans a render; a failed submission marks its job
  ``failed``. On failure a **new** id is tried once (§3.8: a repeated id is a duplicate),
  except where a new id cannot help (plan 402, credits, auth, lost session).
* :func:`follow_export` is the simple in-process poll (the durable poller is a job of its
  own): waits grow from :attr:`ExportPolling.first_wait` by ``factor`` up to ``max_wait``,
  progress is reported at every 25 %, transient errors are polled through, and after
  :attr:`ExportPolling.budget` seconds it stops waiting (the job stays recorded).
* A failed render is submitted once more under a new id (§6), then reported as failed.
* The finished video is claimed ``completed → posting`` before it is announced, and marked
  ``posted`` once the front end has shown it, so a second poller never posts it twice. The
  announcement carries the MP4 link and the project link (§7: always with the video).
* :class:`ExportOptions` (format, resolution) go into the render's ``output`` (§3.8); without
  them the backend's default applies. A re-render after a failure keeps the same options and
  inherits the failed job's status message, so a front end keeps editing the one message.
* :func:`cancel_export` marks the job ``cancelled`` *before* asking the backend to stop, so the
  follower, which checks the job at every poll, stops quietly instead of re-rendering (the
  backend reports a cancelled render as failed).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.backend_results import RenderStage, RenderStatus
from bot.core.errors import (
    DomainError,
    ExportPlanError,
    ExportRefusedError,
    NotAuthorizedError,
    NothingToExportError,
    OutOfCreditsError,
    SessionGoneError,
    UnavailableError,
)
from bot.core.models import ExportStatus, TrackThread
from bot.core.replies import (
    ExportFailed,
    ExportFinished,
    ExportProgress,
    ExportStarted,
    ReplyEvent,
)
from bot.core.texts import text
from bot.core.timeline import is_exportable
from bot.core.usecases.context import Conversation, Deps
from bot.core.usecases.explain import explain
from bot.core.usecases.sessions import (
    ensure_session,
    load_thread,
    restart_session,
    save_snapshot,
    session_of,
)

log = logging.getLogger(__name__)

#: Progress is reported each time it passes another multiple of this (percent).
PROGRESS_STEP = 25

_POLLED = (ExportStatus.SUBMITTED, ExportStatus.PENDING, ExportStatus.PROCESSING)
# A new render id does not fix these.
_FINAL_SUBMIT_ERRORS = (ExportPlanError, OutOfCreditsError, NotAuthorizedError, SessionGoneError)
_STAGE_STATUS = {
    RenderStage.PENDING: ExportStatus.PENDING,
    RenderStage.PROCESSING: ExportStatus.PROCESSING,
}


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What to render: the container format and the resolution (contract §3.8 ``output``)."""

    format: str = "mp4"
    resolution: str = "1080p"

    def output(self) -> dict[str, str]:
        """The render request's ``output`` object."""
        return {"format": self.format, "quality": "high", "resolution": self.resolution}


async def start_export(
    deps: Deps,
    conversation: Conversation,
    requester_id: int,
    options: ExportOptions | None = None,
) -> AsyncIterator[ReplyEvent]:
    """Submit a render of the current timeline; yields :class:`ExportStarted` on success."""
    lang = conversation.language
    try:
        thread = await ensure_session(deps, conversation)
        try:
            state = await deps.backend.state(session_of(thread))
        except SessionGoneError:
            # The timeline went with the session: say so; the new one has nothing to export.
            _, notice = await restart_session(deps, conversation)
            yield notice
            yield await explain(deps, lang, NothingToExportError())
            return
        await save_snapshot(deps, conversation, state.draft)
        if not is_exportable(state.draft):
            raise NothingToExportError
        render_id = await submit(deps, thread, state.draft, requester_id, options=options)
    except DomainError as error:
        yield await explain(deps, lang, error)
        return
    yield ExportStarted(render_id, text("export_started", lang))


async def submit(
    deps: Deps,
    thread: TrackThread,
    draft: Mapping[str, Any],
    requester_id: int,
    *,
    options: ExportOptions | None = None,
) -> str:
    """Record and submit a render (a new id on failure, once); return the id that took."""
    session_id = session_of(thread)
    output = options.output() if options is not None else None
    for attempt in (1, 2):
        render_id = deps.backend.new_render_id()
        async with deps.store.transaction() as tx:
            await tx.exports.create(
                render_id=render_id,
                thread_id=thread.thread_id,
                requester_id=requester_id,
                now=deps.clock.now(),
            )
        try:
            await deps.backend.submit_render(render_id, session_id, draft, output)
        except DomainError as error:
            await _finish_job(deps, render_id, ExportStatus.FAILED, error=type(error).__name__)
            if attempt == 2 or isinstance(error, _FINAL_SUBMIT_ERRORS):
                raise
            log.warning("render submit %s failed (%r); trying a new id", render_id, error)
        else:
            return render_id
    raise AssertionError("unreachable: the second attempt returns or raises")


async def follow_export(
    deps: Deps,
    conversation: Conversation,
    render_id: str,
    options: ExportOptions | None = None,
) -> AsyncIterator[ReplyEvent]:
    """Poll ``render_id`` until its video is ready (or failed twice, too slow, cancelled)."""
    lang = conversation.language
    policy = deps.timings.export_polling
    started = deps.clock.monotonic()
    wait = policy.first_wait
    reported = 0
    resubmitted = False
    while True:
        if deps.clock.monotonic() - started > policy.budget:
            yield ExportFailed(render_id, text("export_slow", lang))
            return
        await deps.clock.sleep(wait)
        wait = min(wait * policy.factor, policy.max_wait)
        try:
            status = await deps.backend.render_status(render_id)
        except ExportRefusedError as error:  # the backend does not know the id (any more)
            status = RenderStatus(render_id, RenderStage.FAILED, error=type(error).__name__)
        except UnavailableError as error:
            log.info("render poll of %s failed (%r); polling on", render_id, error)
            continue
        except DomainError as error:
            yield await explain(deps, lang, error)
            return
        if await _cancelled(deps, render_id):
            log.info("render %s was cancelled; no longer following it", render_id)
            return
        if status.stage is RenderStage.COMPLETED and status.output_url:
            async for event in _announce(deps, conversation, render_id, status.output_url):
                yield event
            return
        if status.stage in (RenderStage.PENDING, RenderStage.PROCESSING):
            await _record_progress(deps, render_id, status)
            if status.progress >= reported + PROGRESS_STEP and status.progress < 100:
                reported = status.progress - status.progress % PROGRESS_STEP
                text_ = text("export_progress", lang, progress=status.progress)
                yield ExportProgress(render_id, status.progress, text_)
            continue
        # Failed, cancelled, or "completed" without a video: one more render, then give up.
        await _finish_job(deps, render_id, ExportStatus.FAILED, error=status.error or "no video")
        retry = None if resubmitted else await _resubmit(deps, conversation, render_id, options)
        if retry is None:
            yield ExportFailed(render_id, text("export_failed", lang))
            return
        log.warning("render %s failed (%s); rendering again as %s", render_id, status, retry)
        render_id, resubmitted, reported = retry, True, 0
        wait = policy.first_wait


async def cancel_export(deps: Deps, render_id: str) -> bool:
    """Cancel an unfinished render; ``False`` if it had already finished (or is unknown)."""
    async with deps.store.transaction() as tx:
        cancelled = await tx.exports.transition(
            render_id, _POLLED, ExportStatus.CANCELLED, now=deps.clock.now(), error="cancelled"
        )
    if not cancelled:
        return False
    try:
        await deps.backend.cancel_render(render_id)
    except DomainError as error:  # the job is cancelled for us either way; the video is unused
        log.warning("the backend did not cancel render %s: %r", render_id, error)
    return True


async def _cancelled(deps: Deps, render_id: str) -> bool:
    async with deps.store.transaction() as tx:
        job = await tx.exports.get(render_id)
    return job is not None and job.status is ExportStatus.CANCELLED


async def _resubmit(
    deps: Deps, conversation: Conversation, failed_id: str, options: ExportOptions | None
) -> str | None:
    """Render the current timeline again under a new id; ``None`` if that is not possible."""
    async with deps.store.transaction() as tx:
        job = await tx.exports.get(failed_id)
    requester = job.requester_id if job is not None else conversation.owner_id
    try:
        thread = await load_thread(deps, conversation)
        state = await deps.backend.state(session_of(thread))
        if not is_exportable(state.draft):
            return None
        retry = await submit(deps, thread, state.draft, requester, options=options)
    except DomainError as error:
        log.warning("could not render %s again: %r", failed_id, error)
        return None
    if job is not None and job.status_message_id is not None:
        async with deps.store.transaction() as tx:
            await tx.exports.update(
                retry, now=deps.clock.now(), status_message_id=job.status_message_id
            )
    return retry


async def _announce(
    deps: Deps, conversation: Conversation, render_id: str, url: str
) -> AsyncIterator[ReplyEvent]:
    lang = conversation.language
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        await tx.exports.transition(
            render_id, _POLLED, ExportStatus.COMPLETED, now=now, progress=100, output_url=url
        )
        claimed = await tx.exports.transition(
            render_id, ExportStatus.COMPLETED, ExportStatus.POSTING, now=now
        )
    if not claimed:
        log.info("render %s is announced by someone else", render_id)
        return
    project_url = await _project_link(deps, conversation)
    if project_url is None:
        message = text("export_ready_no_project", lang, url=url)
    else:
        message = text("export_ready", lang, url=url, project_url=project_url)
    yield ExportFinished(render_id, url, project_url, message)
    # Reached once the front end has shown the event.
    async with deps.store.transaction() as tx:
        at = deps.clock.now()
        await tx.exports.transition(
            render_id, ExportStatus.POSTING, ExportStatus.POSTED, now=at, posted_at=at
        )


async def _project_link(deps: Deps, conversation: Conversation) -> str | None:
    thread = await load_thread(deps, conversation)
    if thread.task_id is None or thread.session_id is None:
        return None
    try:
        claim = await deps.backend.claim_token(thread.task_id, thread.session_id)
    except DomainError as error:
        log.warning("no project link for thread %s: %r", conversation.thread_id, error)
        return None
    return deps.backend.project_link(claim)


async def _record_progress(deps: Deps, render_id: str, status: RenderStatus) -> None:
    async with deps.store.transaction() as tx:
        await tx.exports.transition(
            render_id,
            _POLLED,
            _STAGE_STATUS[status.stage],
            now=deps.clock.now(),
            progress=status.progress,
        )


async def _finish_job(deps: Deps, render_id: str, status: ExportStatus, *, error: str) -> None:
    async with deps.store.transaction() as tx:
        await tx.exports.transition(render_id, _POLLED, status, now=deps.clock.now(), error=error)
