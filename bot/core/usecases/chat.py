"""The chat turn: one message to the agent, its reply relayed while it streams (contract §4).

Rules:

* Text is GUI-translated and stripped of trailing backend noise (:class:`core.gui.ReplyFilter`)
  and cut into message-sized pieces (:class:`core.streaming.MessageChunker`) as it arrives.
  Tool calls, tool results and heartbeats are never shown.
* After :attr:`Timings.still_working_every` seconds without text (heartbeats or silence), a
  "⏳ Still working…" notice, repeated every interval.
* A reply without text (a silent edit, or only noise): read the state, diff it against the
  stored snapshot and say what changed, or that nothing visible changed.
* An in-band agent error: a friendly message.
* An error *before* the stream starts means the backend never saw the message. For 1002 the
  session is replaced (the user is told the old timeline is gone, the track re-uploaded) and
  the message goes to the new session, once. Anything else is explained.
* A stream that breaks mid-turn is **never re-sent** (it would double-charge): the state is
  checked after each of :attr:`Timings.recovery_waits` (30 s, then 60 s, five checks) and the
  change is reported as soon as one shows, or the user is told it could not be confirmed.
  Any other failure once the stream is open is explained, and not re-sent either.
* Text before and after a tool call are separate paragraphs, and what the agent wrote before
  the tool is shown at once rather than held until the tool finishes.
* After every turn the snapshot is refreshed, so the next diff shows only the next turn.
* A turn cut off by a restart (:func:`after_interruption`) is never re-sent either: the user
  is told, and the state is diffed against the snapshot, since the backend may have applied
  it anyway.

The still-working timer runs on the event loop's clock (it has to interrupt a wait for the
next event); :class:`~bot.core.ports.Clock` measures the intervals and runs the recovery waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Final

from bot.core.backend_results import (
    AgentEvent,
    AgentFailure,
    AgentText,
    AgentToolCall,
    AgentToolResult,
)
from bot.core.errors import AgentFailedError, DomainError, SessionGoneError, StreamDroppedError
from bot.core.gui import ReplyFilter
from bot.core.models import TrackThread
from bot.core.replies import ErrorReply, Notice, NoticeKind, ReplyEvent, ReplyText, StillWorking
from bot.core.streaming import MessageChunker
from bot.core.texts import text
from bot.core.usecases.context import Conversation, Deps
from bot.core.usecases.explain import explain
from bot.core.usecases.sessions import (
    EMPTY_SNAPSHOT,
    ensure_session,
    load_thread,
    refresh_snapshot,
    restart_session,
    save_snapshot,
    session_of,
    snapshot_of,
    what_changed,
)

log = logging.getLogger(__name__)


async def chat_turn(
    deps: Deps, conversation: Conversation, message: str
) -> AsyncIterator[ReplyEvent]:
    """Send ``message`` to the agent once and relay what happens (rules in the module doc)."""
    lang = conversation.language
    restarted = False
    try:
        thread = await ensure_session(deps, conversation)
    except DomainError as error:
        yield await explain(deps, lang, error)
        return
    while True:
        session_id = session_of(thread)
        baseline = thread.timeline_snapshot
        if baseline is None:
            fresh = await refresh_snapshot(deps, conversation, session_id)
            baseline = snapshot_of(fresh) if fresh is not None else EMPTY_SNAPSHOT
        try:
            async for event in _turn(deps, conversation, session_id, message, baseline):
                yield event
            return
        except _NotSentError as unsent:
            not_sent = unsent.error
        if not isinstance(not_sent, SessionGoneError) or restarted:
            yield await explain(deps, lang, not_sent)
            return
        restarted = True
        replaced, said = await _replace_session(deps, conversation)
        yield said
        if replaced is None:
            return
        thread = replaced


async def _replace_session(
    deps: Deps, conversation: Conversation
) -> tuple[TrackThread | None, ReplyEvent]:
    """A new session for a lost one, with the notice; or ``None`` and why it failed."""
    try:
        return await restart_session(deps, conversation)
    except DomainError as failure:
        return None, await explain(deps, conversation.language, failure)


async def after_interruption(deps: Deps, conversation: Conversation) -> AsyncIterator[ReplyEvent]:
    """Tell the thread a turn was cut off by a restart, and what the backend has now."""
    lang = conversation.language
    yield Notice(NoticeKind.TURN_INTERRUPTED, text("turn_interrupted", lang))
    thread = await load_thread(deps, conversation)
    if thread.session_id is None:
        return
    try:
        state = await deps.backend.state(thread.session_id)
    except DomainError as error:
        log.warning("no state check after an interrupted turn in %s: %r", conversation, error)
        yield ErrorReply(type(error).__name__, text("busy_timeline_unknown", lang))
        return
    changed = what_changed(thread.timeline_snapshot, state.draft, lang)
    if changed.changes:
        yield changed
    else:
        yield Notice(NoticeKind.TURN_INTERRUPTED, text("interrupted_nothing_changed", lang))
    await save_snapshot(deps, conversation, state.draft)


class _NotSentError(Exception):
    """The turn failed before its stream started: the backend never saw the message."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(str(error))
        self.error = error


async def _turn(
    deps: Deps, conversation: Conversation, session_id: str, message: str, baseline: str
) -> AsyncIterator[ReplyEvent]:
    lang = conversation.language
    relay = _Relay(deps.timings.message_limit)
    failure: AgentFailure | None = None
    try:
        async with AsyncExitStack() as stack:
            try:
                events = await stack.enter_async_context(deps.backend.chat(session_id, message))
            except DomainError as error:
                raise _NotSentError(error) from error
            reader = _EventReader(events)
            stack.push_async_callback(reader.close)
            every = deps.timings.still_working_every
            quiet_since = deps.clock.monotonic()
            while True:
                item = await reader.next(quiet_since + every - deps.clock.monotonic())
                if item is _TIMEOUT:
                    yield StillWorking(text("still_working", lang))
                    quiet_since = deps.clock.monotonic()
                elif item is _END:
                    break
                elif isinstance(item, AgentText):
                    shown = relay.feed(item.text)
                    if shown is not None:
                        yield shown
                        quiet_since = deps.clock.monotonic()
                elif isinstance(item, AgentFailure):
                    failure = item
                elif isinstance(item, AgentToolCall | AgentToolResult):
                    log.debug("agent tool %s (not shown)", item.name)
                    held = relay.pause()
                    if held is not None:
                        yield held
                        quiet_since = deps.clock.monotonic()
    except StreamDroppedError as dropped:
        log.warning("chat stream dropped in session %s: %s", session_id, dropped)
        last = relay.finish()
        if last is not None:
            yield last
        async for event in _recover(deps, conversation, session_id, baseline):
            yield event
        return
    except DomainError as error:
        # Any other failure once the stream is open: the message was sent; explain, no retry.
        last = relay.finish()
        if last is not None:
            yield last
        yield await explain(deps, lang, error)
        return
    last = relay.finish()
    if last is not None:
        yield last
    if failure is not None:
        yield await explain(deps, lang, AgentFailedError(failure.message))
        return
    if relay.shown:
        await refresh_snapshot(deps, conversation, session_id)
        return
    async for event in _report_silent_turn(deps, conversation, session_id, baseline):
        yield event


async def _report_silent_turn(
    deps: Deps, conversation: Conversation, session_id: str, baseline: str
) -> AsyncIterator[ReplyEvent]:
    lang = conversation.language
    try:
        state = await deps.backend.state(session_id)
    except DomainError as error:
        log.warning("could not read the state after a silent turn: %r", error)
        yield ErrorReply(type(error).__name__, text("busy_timeline_unknown", lang))
        return
    yield what_changed(baseline, state.draft, lang)
    await save_snapshot(deps, conversation, state.draft)


async def _recover(
    deps: Deps, conversation: Conversation, session_id: str, baseline: str
) -> AsyncIterator[ReplyEvent]:
    """Contract §4 disconnect recovery: wait, check the state, report the first change."""
    lang = conversation.language
    yield Notice(NoticeKind.STREAM_DROPPED, text("stream_dropped", lang))
    for wait in deps.timings.recovery_waits:
        await deps.clock.sleep(wait)
        try:
            state = await deps.backend.state(session_id)
        except SessionGoneError:
            # The session (and whatever the turn did) is gone: start over, say so, stop.
            _, said = await _replace_session(deps, conversation)
            yield said
            return
        except DomainError as error:
            log.info("state check after a dropped stream failed: %r", error)
            continue
        if snapshot_of(state.draft) != baseline:
            yield Notice(NoticeKind.STREAM_RECOVERED, text("stream_recovered", lang))
            yield what_changed(baseline, state.draft, lang)
            await save_snapshot(deps, conversation, state.draft)
            return
    yield ErrorReply(StreamDroppedError.__name__, text("stream_failed", lang))


class _Relay:
    """Reply text on its way out: GUI translation, then message-sized pieces.

    Text written before and after a tool call are separate paragraphs: the agent stopped
    writing, so what it wrote so far is shown at once instead of waiting for the tool.
    """

    def __init__(self, limit: int) -> None:
        self._filter = ReplyFilter()
        self._chunker = MessageChunker(limit)
        self._written = False
        self._new_paragraph = False
        self.shown = False

    def feed(self, delta: str) -> ReplyText | None:
        if self._new_paragraph and delta.strip():
            delta = "\n\n" + delta.lstrip()
            self._new_paragraph = False
        self._written = self._written or bool(delta.strip())
        return self._show(self._filter.feed(delta))

    def pause(self) -> ReplyText | None:
        """The agent started a tool: show the text held back, start the next one afresh."""
        self._new_paragraph = self._written
        return self._show(self._filter.finish())

    def _show(self, released: str) -> ReplyText | None:
        if not released:
            return None
        self._chunker.feed(released)
        self.shown = self.shown or bool(released.strip())
        return ReplyText(released, tuple(self._chunker.pop_complete()), self._chunker.current())

    def finish(self) -> ReplyText | None:
        rest = self._filter.finish()
        self._chunker.feed(rest)
        self.shown = self.shown or bool(rest.strip())
        if not self.shown:
            return None
        return ReplyText(rest, tuple(self._chunker.finish()), "", done=True)


class _Marker:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


_TIMEOUT: Final = _Marker("TIMEOUT")
_END: Final = _Marker("END")


class _EventReader:
    """Reads the agent events in a task, so waiting for the next one can time out safely.

    Timing out a read of the stream itself would cancel it and close the connection; timing
    out a wait on this queue does not touch the stream.
    """

    def __init__(self, events: AsyncIterator[AgentEvent]) -> None:
        self._queue: asyncio.Queue[AgentEvent | _Marker | Exception] = asyncio.Queue()
        self._task = asyncio.create_task(self._pump(events), name="chat-stream-reader")

    async def _pump(self, events: AsyncIterator[AgentEvent]) -> None:
        try:
            async for event in events:
                self._queue.put_nowait(event)
        except Exception as error:  # handed to the reader, who re-raises it
            self._queue.put_nowait(error)
        else:
            self._queue.put_nowait(_END)

    async def next(self, within: float) -> AgentEvent | _Marker:
        """The next event, :data:`_END`, or :data:`_TIMEOUT` after ``within`` seconds."""
        if not self._queue.empty():
            # A zero timeout would expire even with an item waiting.
            item = self._queue.get_nowait()
        else:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that arrives together with an item, and the cancelled turn then runs on.
            try:
                async with asyncio.timeout(max(0.0, within)):
                    item = await self._queue.get()
            except TimeoutError:
                return _TIMEOUT
        if isinstance(item, Exception):
            raise item
        return item

    async def close(self) -> None:
        """Stop reading (the stream itself is closed by its owner)."""
        self._task.cancel()
        # asyncio.wait, not await: a cancellation of *our* task must still propagate.
        await asyncio.wait([self._task])
