"""Conversations and their backend sessions: start, reopen, make sure of one, replace a lost one.

Rules:

* A conversation is recorded even when the backend is down; the session is then created on
  first use (:func:`ensure_session`), so a start-up hiccup never loses the thread.
* Starting a conversation on a thread already recorded returns that conversation as it is
  (two ways in racing for one thread, a thread reused): its session and timeline stay.
* A lost session (1002) is replaced once per failure (:func:`restart_session`): the thread is
  marked ``session_lost`` first, so a crash in between leaves it recoverable; the files the
  conversation still has are uploaded again, and the caller tells the user the old timeline
  is gone.
* The timeline snapshot (the draft as canonical JSON) is what "what changed" diffs compare
  against; it is refreshed whenever we read the state.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from bot.core.backend_results import SessionState
from bot.core.errors import DomainError, SessionGoneError
from bot.core.models import NewThread, ThreadStatus, TrackThread
from bot.core.replies import Notice, NoticeKind, WhatChanged
from bot.core.texts import text
from bot.core.timeline import diff, parse_draft
from bot.core.usecases.context import Conversation, Deps

log = logging.getLogger(__name__)

EMPTY_SNAPSHOT = "{}"


def snapshot_of(draft: Mapping[str, Any]) -> str:
    """The draft as canonical JSON: equal drafts give equal snapshots."""
    return json.dumps(draft, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def what_changed(old_snapshot: str | None, new_draft: Mapping[str, Any], lang: str) -> WhatChanged:
    """The human "what changed" between a stored snapshot and a fresh draft."""
    changes = tuple(diff(parse_draft(old_snapshot or EMPTY_SNAPSHOT), parse_draft(new_draft), lang))
    if not changes:
        return WhatChanged((), text("nothing_changed", lang))
    lines = [text("what_changed_header", lang), *(f"• {change}" for change in changes)]
    return WhatChanged(changes, "\n".join(lines))


async def start_conversation(deps: Deps, thread: NewThread) -> Conversation:
    """Record a new conversation and create its backend session (later if the backend fails).

    ``thread.language`` is required: the conversation speaks it. A thread already recorded
    keeps its conversation: that one is returned, nothing replaced.
    """
    language = thread.language
    if language is None:
        raise ValueError("a conversation needs a language")
    async with deps.store.transaction() as tx:
        recorded = await tx.threads.add(thread, now=deps.clock.now())
    if not recorded.created:
        known = recorded.item
        log.info("thread %s is recorded already; keeping its conversation", known.thread_id)
        return Conversation(known.thread_id, known.owner_user_id, known.language or language)
    conversation = Conversation(thread.thread_id, thread.owner_user_id, language)
    try:
        await _new_session(deps, conversation)
    except DomainError as error:
        # Not fatal: ensure_session() tries again on first use and explains a lasting failure.
        log.warning("could not create a backend session for thread %s: %r", thread.thread_id, error)
        async with deps.store.transaction() as tx:
            await tx.threads.set_status(
                thread.thread_id, ThreadStatus.SESSION_LOST, now=deps.clock.now()
            )
    return conversation


async def open_conversation(deps: Deps, thread_id: int) -> Conversation | None:
    """The conversation of a recorded thread (after a restart), or ``None`` if unknown."""
    async with deps.store.transaction() as tx:
        thread = await tx.threads.get(thread_id)
    if thread is None:
        return None
    return Conversation(thread.thread_id, thread.owner_user_id, thread.language or "en")


async def load_thread(deps: Deps, conversation: Conversation) -> TrackThread:
    """The conversation's stored thread (it was recorded when the conversation started)."""
    async with deps.store.transaction() as tx:
        thread = await tx.threads.get(conversation.thread_id)
    if thread is None:
        raise LookupError(f"thread {conversation.thread_id} is not recorded")
    return thread


async def ensure_session(deps: Deps, conversation: Conversation) -> TrackThread:
    """The thread with a usable backend session, creating one if it has none (or lost it)."""
    thread = await load_thread(deps, conversation)
    if thread.session_id is not None and thread.status is ThreadStatus.ACTIVE:
        return thread
    return await _new_session(deps, conversation)


async def restart_session(deps: Deps, conversation: Conversation) -> tuple[TrackThread, Notice]:
    """Replace a lost session (1002): new session, files re-uploaded; the notice says so.

    Raises the backend's error if the new session cannot be created (the thread stays
    ``session_lost``, so the next request tries again).
    """
    async with deps.store.transaction() as tx:
        await tx.threads.set_status(
            conversation.thread_id, ThreadStatus.SESSION_LOST, now=deps.clock.now()
        )
    thread = await _new_session(deps, conversation)
    session_id = session_of(thread)
    reuploaded = False
    for source in conversation.reupload_sources:
        try:
            await deps.backend.upload(session_id, source)
        except DomainError as error:
            log.warning("re-upload of %s failed: %r", source.filename, error)
        else:
            reuploaded = True
    if reuploaded:
        await refresh_snapshot(deps, conversation, session_id)
    lang = conversation.language
    again = text("session_lost_reupload", lang) if reuploaded else ""
    notice = Notice(NoticeKind.SESSION_RESTARTED, text("session_lost", lang, reupload=again))
    return await load_thread(deps, conversation), notice


async def current_state(
    deps: Deps, conversation: Conversation
) -> tuple[TrackThread, SessionState, Notice | None]:
    """The session's state, the lost session (1002) replaced first: then with the notice."""
    thread = await ensure_session(deps, conversation)
    try:
        return thread, await deps.backend.state(session_of(thread)), None
    except SessionGoneError:
        thread, notice = await restart_session(deps, conversation)
        return thread, await deps.backend.state(session_of(thread)), notice


def session_of(thread: TrackThread) -> str:
    """The thread's backend session id (it has one after :func:`ensure_session`)."""
    if thread.session_id is None:
        raise LookupError(f"thread {thread.thread_id} has no backend session")
    return thread.session_id


async def save_snapshot(deps: Deps, conversation: Conversation, draft: Mapping[str, Any]) -> str:
    """Store ``draft`` as the conversation's timeline snapshot; return the snapshot."""
    snapshot = snapshot_of(draft)
    async with deps.store.transaction() as tx:
        await tx.threads.save_timeline(conversation.thread_id, snapshot, now=deps.clock.now())
    return snapshot


async def stored_snapshot(deps: Deps, conversation: Conversation) -> str | None:
    """The conversation's timeline snapshot as stored (``None``: none yet)."""
    async with deps.store.transaction() as tx:
        thread = await tx.threads.get(conversation.thread_id)
    return thread.timeline_snapshot if thread is not None else None


async def refresh_snapshot(
    deps: Deps, conversation: Conversation, session_id: str
) -> Mapping[str, Any] | None:
    """Read the state and store its draft as the snapshot; ``None`` if the state is unreadable.

    Used where a fresh baseline is nice to have but not worth failing a reply over.
    """
    try:
        state = await deps.backend.state(session_id)
    except DomainError as error:
        log.info("could not refresh the timeline snapshot: %r", error)
        return None
    await save_snapshot(deps, conversation, state.draft)
    return state.draft


async def _new_session(deps: Deps, conversation: Conversation) -> TrackThread:
    session = await deps.backend.create_session(language=conversation.language)
    async with deps.store.transaction() as tx:
        now = deps.clock.now()
        await tx.threads.set_session(
            conversation.thread_id, task_id=session.task_id, session_id=session.session_id, now=now
        )
        await tx.threads.save_timeline(conversation.thread_id, EMPTY_SNAPSHOT, now=now)
        thread = await tx.threads.get(conversation.thread_id)
    if thread is None:
        raise LookupError(f"thread {conversation.thread_id} is not recorded")
    log.info("thread %s uses backend session %s", conversation.thread_id, session.session_id)
    return thread
