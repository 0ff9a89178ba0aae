"""The upload use case: check a file once, read it once, hand it to the backend, remember it.

Rules:

* An attachment is handled once per conversation: it is recorded by (thread, attachment id)
  first, and a known pair is skipped. The same attachment in another thread is that thread's
  own upload (its backend session needs the file too).
* :func:`check_file` is the one check (core.media: type by name, size, then magic bytes from
  the first :data:`~bot.core.media.HEADER_BYTES`). The name and size come first, so a file
  refused by them is never opened; otherwise one stream is opened, its first bytes sniffed,
  and that same stream is kept for the upload (:class:`CheckedFile`). A front end that must
  refuse before it opens a thread (the track intake) calls it and hands the
  :class:`CheckedFile` on; anything else is checked here, after it is recorded. A rejected
  file gets the friendly list of what is accepted and is never sent.
* A file with a URL is offered to the backend as a URL first (it fetches it itself); if that
  fails for a reason a streamed upload could fix, the stream opened for the check goes on to
  the backend. Files are only ever streamed, never held in memory.
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
from bot.core.media import HEADER_BYTES, MediaCheck, MediaKind, check_media, check_metadata
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


class CheckedFile:
    """An attachment that passed :func:`check_file`, its stream open just past the sniffed bytes.

    The first ``open()`` of :attr:`source` replays the bytes read for the check and goes on with
    the same stream, so the file is read once; a later ``open()`` (a retry after
    re-authenticating) opens it afresh, as does :attr:`reopenable` (kept for re-uploads).
    Whoever holds it last closes it: the upload use case once it is sent, the runner for one it
    never got to; :meth:`aclose` may be called any number of times.
    """

    def __init__(
        self,
        attachment: Attachment,
        check: MediaCheck,
        stream: AsyncIterator[bytes],
        read: list[bytes],
    ) -> None:
        self.attachment = attachment
        self.check = check
        mime = check.format.mime if check.format else None
        original = attachment.source
        # Upload under the checked name (an extension is added to a name without one).
        self.reopenable = replace(
            original, filename=check.filename, content_type=original.content_type or mime
        )
        self.source = replace(self.reopenable, open=self._open)
        self._held: AsyncIterator[bytes] | None = stream
        self._read = read
        self._streams = [stream]  # everything to close: the held stream, and its replay

    def _open(self) -> AsyncIterator[bytes]:
        held, self._held = self._held, None
        if held is None:
            return self.reopenable.open()
        read, self._read = self._read, []
        replay = _replay(read, held)
        self._streams.append(replay)
        return replay

    async def aclose(self) -> None:
        """End the stream opened for the check, whether or not anyone read on."""
        self._held, self._read = None, []
        streams, self._streams = self._streams, []
        for stream in reversed(streams):
            await _close(stream)


async def check_file(attachment: Attachment, *, max_bytes: int) -> CheckedFile | MediaCheck:
    """Check ``attachment`` (rules in the module docstring): the refusal, or the file to send.

    Reads at most one stream's first chunks, and nothing when the name or size refuse it.
    """
    source = attachment.source
    refused = check_metadata(source.filename, attachment.size, max_bytes=max_bytes)
    if refused is not None:
        return refused
    stream = source.open()
    read: list[bytes] = []
    head = b""
    try:
        async for chunk in stream:
            read.append(chunk)
            head += chunk[: HEADER_BYTES - len(head)]
            if len(head) >= HEADER_BYTES:
                break
        check = check_media(source.filename, attachment.size, head, max_bytes=max_bytes)
    except BaseException:
        await _close(stream)
        raise
    if not check.ok:
        await _close(stream)
        return check
    return CheckedFile(attachment, check, stream, read)


async def upload(
    deps: Deps, conversation: Conversation, file: Attachment | CheckedFile
) -> AsyncIterator[ReplyEvent]:
    """Check (unless a front end did) and upload one file (rules in the module docstring)."""
    checked = file if isinstance(file, CheckedFile) else None
    attachment = file.attachment if isinstance(file, CheckedFile) else file
    try:
        first = await _record(deps, conversation, attachment)
        if first is None:
            return
        if checked is None:
            limit = deps.timings.max_upload_bytes
            outcome = await check_file(attachment, max_bytes=limit)
            if isinstance(outcome, MediaCheck):
                await _set_status(
                    deps, conversation, attachment, UploadStatus.REJECTED, str(outcome.reason)
                )
                reply = rejection_text(outcome, conversation.language, max_bytes=limit)
                yield ErrorReply(f"rejected:{outcome.reason}", reply)
                return
            checked = outcome
        async for event in _deliver(deps, conversation, checked, first=first):
            yield event
    finally:
        if checked is not None:
            await checked.aclose()


async def _record(deps: Deps, conversation: Conversation, attachment: Attachment) -> bool | None:
    """Record the upload; ``None`` if it was handled before, else whether it is the first."""
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
        return None
    return not earlier


async def _deliver(
    deps: Deps, conversation: Conversation, checked: CheckedFile, *, first: bool
) -> AsyncIterator[ReplyEvent]:
    """Send a checked file (a new session once on 1002), record and announce the outcome."""
    lang, attachment, check = conversation.language, checked.attachment, checked.check
    restarted = False
    while True:
        try:
            thread = await ensure_session(deps, conversation)
            await _send(deps, session_of(thread), checked.source, attachment.url)
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
    await checked.aclose()  # sent: a stream still held (the backend fetched the URL) can go
    await _set_status(deps, conversation, attachment, UploadStatus.UPLOADED, None)
    conversation.remember(checked.reopenable)
    await refresh_snapshot(deps, conversation, session_of(thread))
    yield _done_notice(check, first=first, lang=lang)


async def _replay(read: list[bytes], stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The chunks read for the check, then the rest of the same stream."""
    try:
        for chunk in read:
            yield chunk
        async for chunk in stream:
            yield chunk
    finally:
        await _close(stream)


async def _close(stream: AsyncIterator[bytes]) -> None:
    if isinstance(stream, AsyncGenerator):
        await stream.aclose()


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
