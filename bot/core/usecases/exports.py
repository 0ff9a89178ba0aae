"""Export: submit a render of the current timeline (contract §3.8).

Following the render to its video, posting it once, the one re-render after a failure and
cancelling belong to the durable export poller (:mod:`bot.jobs`), which works from the
recorded job alone, across restarts and processes. Rules here:

* The draft is read from the state; an empty timeline is refused politely (nothing is sent).
  The backend is never asked to export in chat: rendering is our own call (§8).
* Each submission has a fresh client-chosen render id and is recorded *before* it is sent, so
  a crash right after sending never orphans a render; a failed submission marks its job
  ``failed``. On failure a **new** id is tried once (§3.8: a repeated id is a duplicate),
  except where a new id cannot help (plan 402, credits, auth, lost session).
* :class:`~bot.core.models.ExportOptions` (format, resolution) go into the render's ``output``
  (§3.8) and are stored with the job, so the poller's re-render keeps them; without options
  the backend's default applies.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

from bot.core.errors import (
    DomainError,
    ExportPlanError,
    NotAuthorizedError,
    NothingToExportError,
    OutOfCreditsError,
    SessionGoneError,
)
from bot.core.models import ExportOptions, ExportStatus, TrackThread
from bot.core.replies import ExportStarted, ReplyEvent
from bot.core.texts import text
from bot.core.timeline import is_exportable
from bot.core.usecases.context import Conversation, Deps
from bot.core.usecases.explain import explain
from bot.core.usecases.sessions import (
    ensure_session,
    restart_session,
    save_snapshot,
    session_of,
)

log = logging.getLogger(__name__)

_POLLED = (ExportStatus.SUBMITTED, ExportStatus.PENDING, ExportStatus.PROCESSING)
# A new render id does not fix these.
_FINAL_SUBMIT_ERRORS = (ExportPlanError, OutOfCreditsError, NotAuthorizedError, SessionGoneError)


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
                options=options,
            )
        try:
            await deps.backend.submit_render(render_id, session_id, draft, output)
        except DomainError as error:
            await _finish_job(deps, render_id, ExportStatus.FAILED, error=type(error).__name__)
            if attempt == 2 or isinstance(error, _FINAL_SUBMIT_ERRORS):
                raise
            log.warning("render submit %s failed (%r); trying a new id", render_id, error)
        else:
            deps.telemetry.count_export_status(ExportStatus.SUBMITTED.value)
            return render_id
    raise AssertionError("unreachable: the second attempt returns or raises")


async def _finish_job(deps: Deps, render_id: str, status: ExportStatus, *, error: str) -> None:
    async with deps.store.transaction() as tx:
        await tx.exports.transition(render_id, _POLLED, status, now=deps.clock.now(), error=error)
