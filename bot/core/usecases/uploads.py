"""The upload use case: check a file, hand it to the backend, remember it.

Rules:

* An attachment is handled once per conversation: it is recorded by (thread, attachment id)
  first, and a known pair is skipped. The same attachment in another thread is that thread's
  own upload (its backend session needs the file too).
* Our own checks come before any transfer (core.media: extension, magic bytes from the first
  :data:`~bot.core.media.HEADER_BYTES`, size); a rejected file gets the friendly list of what
  is accepted and is never sent.
* A file with a URL is offered to the backend as a URL first (it fetches it itself); if that
  fails for a reason a streamed upload could fix, the file is streamed. Files are only ever
  streamed, never held in memory.
* 1002 replaces the session once (telling the user) and the upload is tried again.
* An uploaded file is remembered for re-uploading after a lost session, the timeline snapshot
  is refreshed, and the user is told: the first audio track gets the "tell me what video you
  want" prompt.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import replace
from typing import Literal

from bot.core.backend_results import UploadSource
from bot.core.errors import (
    DomainError,
    NotAuthorizedError,
    OutOfCreditsError,
    OversizeFileError,
    SessionGoneError,
    UnsupportedFileError,
)
from bot.core.media import HEADER_BYTES, MediaCheck, MediaKind, check_media
from bot.core.models import UploadStatus
from bot.core.ports import UploadOutcome
from bot.core.replies import ErrorReply, Notice, NoticeKind, ReplyEvent
from bot.core.texts import media_kind_name, rejection_text, text
from bot.core.usecases.context import Attachment, Conversation, Deps
from bot.core.usecases.explain import explain
from bot.core.usecases.sessions import (
    ensure_session,
    refresh_snapshot,
    restart_session,
    session_of,
)

log = logging.getLogger(__name__)

# A URL upload that failed for one of these would fail the same way when streamed.
_NOT_FIXED_BY_STREAMING = (
    SessionGoneError,
    OutOfCreditsError,
    NotAuthorizedError,
    UnsupportedFileError,
    OversizeFileError,
)


async def upload(
    deps: Deps, conversation: Conversation, attachment: Attachment
) -> AsyncIterator[ReplyEvent]:
    """Check and upload one attachment (rules in the module docstring)."""
    lang = conversation.language
    source = attachment.source
    async with deps.store.transaction() as tx:
        recorded = await tx.uploads.record(
            thread_id=conversation.thread_id,
            attachment_id=attachment.attachment_id,
            filename=source.filename,
            content_type=source.content_type,
            size_bytes=attachment.size,
            now=deps.clock.now(),
        )
        earlier = [
            u
            for u in await tx.uploads.list_for_thread(conversation.thread_id)
            if u.status is UploadStatus.UPLOADED
        ]
    if not recorded.created:
        log.info(
            "attachment %s was already handled in thread %s",
            attachment.attachment_id,
            conversation.thread_id,
        )
        return
    check = check_media(
        source.filename,
        attachment.size,
        await read_header(source),
        max_bytes=deps.timings.max_upload_bytes,
    )
    if not check.ok or check.format is None:
        await _set_status(deps, conversation, attachment, UploadStatus.REJECTED, str(check.reason))
        reply = rejection_text(check, lang, max_bytes=deps.timings.max_upload_bytes)
        yield ErrorReply(f"rejected:{check.reason}", reply)
        return
    # Upload under the checked name (an extension is added to a name without one).
    source = replace(
        source, filename=check.filename, content_type=source.content_type or check.format.mime
    )
    restarted = False
    while True:
        try:
            thread = await ensure_session(deps, conversation)
            await _send(deps, session_of(thread), source, attachment.url)
            break
        except SessionGoneError as error:
            if restarted:
                await _set_status(
                    deps, conversation, attachment, UploadStatus.FAILED, type(error).__name__
                )
                yield await explain(deps, lang, error, filename=check.filename)
                return
            restarted = True
            try:
                thread, notice = await restart_session(deps, conversation)
            except DomainError as failure:
                await _set_status(
                    deps, conversation, attachment, UploadStatus.FAILED, type(failure).__name__
                )
                yield await explain(deps, lang, failure, filename=check.filename)
                return
            yield notice
        except DomainError as error:
            await _set_status(
                deps, conversation, attachment, UploadStatus.FAILED, type(error).__name__
            )
            yield await explain(deps, lang, error, filename=check.filename)
            return
    await _set_status(deps, conversation, attachment, UploadStatus.UPLOADED, None)
    conversation.remember(source)
    await refresh_snapshot(deps, conversation, session_of(thread))
    yield _done_notice(check, first=not earlier, lang=lang)


async def read_header(source: UploadSource, size: int = HEADER_BYTES) -> bytes:
    """The first ``size`` bytes of ``source`` (one stream opened and closed again)."""
    stream = source.open()
    header = b""
    try:
        async for chunk in stream:
            header += chunk[: size - len(header)]
            if len(header) >= size:
                break
    finally:
        if isinstance(stream, AsyncGenerator):
            await stream.aclose()
    return header


async def _send(deps: Deps, session_id: str, source: UploadSource, url: str | None) -> None:
    if url is not None:
        try:
            await deps.backend.upload_urls(session_id, [url])
        except _NOT_FIXED_BY_STREAMING:
            raise
        except DomainError as error:
            log.info("URL upload of %s failed (%r); streaming it instead", source.filename, error)
        else:
            return
    await deps.backend.upload(session_id, source)


async def _set_status(
    deps: Deps,
    conversation: Conversation,
    attachment: Attachment,
    status: Literal[UploadStatus.UPLOADED, UploadStatus.FAILED, UploadStatus.REJECTED],
    error_code: str | None,
) -> None:
    """Record how the upload ended (every ending comes through here, so it is counted here)."""
    async with deps.store.transaction() as tx:
        await tx.uploads.set_status(
            conversation.thread_id,
            attachment.attachment_id,
            status,
            now=deps.clock.now(),
            error_code=error_code,
        )
    deps.telemetry.count_upload(_OUTCOMES[status])


_OUTCOMES: dict[UploadStatus, UploadOutcome] = {
    UploadStatus.UPLOADED: "ok",
    UploadStatus.FAILED: "failed",
    UploadStatus.REJECTED: "rejected",
}


def _done_notice(check: MediaCheck, *, first: bool, lang: str) -> Notice:
    if first and check.kind is MediaKind.AUDIO:
        return Notice(NoticeKind.READY, text("ready", lang, filename=check.filename))
    kind = media_kind_name(check.kind, lang) if check.kind else ""
    return Notice(NoticeKind.UPLOADED, text("uploaded", lang, filename=check.filename, kind=kind))
