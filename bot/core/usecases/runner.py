"""One conversation's message queue: one turn at a time, in order, each message at most once.

A front end hands every incoming message to :meth:`ConversationRunner.submit` and renders what
arrives at its sink. Rules:

* **At most once.** A message id is recorded (``ChatTurnStore.record``) before anything else;
  an id seen before is dropped silently (a redelivered gateway event, a double click).
* **Routing** is the front end's, once: every message arrives with its :class:`Intent` (a
  slash command's own; for text, :func:`bot.core.intents.route`, which makes a message with
  files an upload). The runner only dispatches it; an upload's text goes to the agent as a
  chat turn after the files.
* **Files it takes, it closes.** A :class:`~bot.core.usecases.uploads.CheckedFile` holds a
  stream open; one the runner never hands to the upload (a message dropped, or left queued at
  shutdown) is closed here.
* **Credits answer at once**: a read that changes nothing need not wait for a long turn.
  Everything else queues in arrival order behind the running item, and the user is told it
  is queued (with its place in line).
* **Bursts merge.** A chat message waits :attr:`Timings.burst_grace` for lines sent with it,
  and while its author is typing (:meth:`ConversationRunner.typing`) up to
  :attr:`Timings.burst_window` after the typing began; the lines that arrive meanwhile (and
  before the turn starts) go to the agent as one turn, joined, at most
  :attr:`Timings.max_burst` at a time. So a lone message is answered at once, and a musician
  who types on is waited for.
* **An edit, then its render** (``then_export``): a chat message that is rendered once its
  turn changed the timeline; a turn that changed nothing renders nothing and says so. It is
  never merged into a burst, and counts as an export while it waits.
* **Exports run beside the queue.** An export item submits the render and ends; following it
  to the video is the export poller's job (:mod:`bot.jobs`), so the conversation goes on.
* A failing item never stops the queue: the error is logged and the user gets a short
  "something went wrong" reply.
* **Shutdown** is two steps. :meth:`ConversationRunner.drain` stops taking messages (a new
  one is not recorded; its author is told to send it again in a minute) and waits, up to a
  grace period, for the queue to empty. :meth:`ConversationRunner.close` then stops what is
  left; those messages stay in flight in the store, so the next start marks them interrupted
  and says so. They are never sent again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from bot.core.intents import Intent, IntentKind
from bot.core.models import ChatTurnStatus, ExportOptions
from bot.core.replies import Notice, NoticeKind, Queued, ReplyEvent
from bot.core.texts import accepted_formats, text
from bot.core.usecases.chat import chat_turn
from bot.core.usecases.context import Attachment, Conversation, Deps
from bot.core.usecases.explain import internal_error
from bot.core.usecases.exports import start_export
from bot.core.usecases.queries import credits, timeline
from bot.core.usecases.sessions import stored_snapshot
from bot.core.usecases.uploads import CheckedFile, upload

log = logging.getLogger(__name__)

ReplySink = Callable[[ReplyEvent], Awaitable[None]]
"""Where a conversation's reply events go (the front end renders them)."""


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A user's message: its id (processed at most once), author, intent and files.

    ``intent`` is what the front end decided the message is (the use case, and the text it
    carries). ``export_options`` choose what an export renders (without them: the author's
    default resolution); ``then_export``, on a chat message, renders with these options once
    the turn changed the timeline. ``received_at`` is when the front end got it
    (:meth:`Clock.monotonic`; default: when it is submitted), so typing reported while it was
    being recorded counts as typing after it.
    """

    message_id: int
    author_id: int
    intent: Intent
    attachments: tuple[Attachment | CheckedFile, ...] = ()
    export_options: ExportOptions | None = None
    then_export: ExportOptions | None = None
    received_at: float | None = None


@dataclass(frozen=True, slots=True)
class _Item:
    message: IncomingMessage
    arrived: float

    @property
    def intent(self) -> Intent:
        return self.message.intent

    def counts_as(self, kind: IntentKind) -> bool:
        """Whether the item is ``kind`` (an edit with its render counts as an export too)."""
        if self.intent.kind is kind:
            return True
        return kind is IntentKind.EXPORT and self.message.then_export is not None

    @property
    def joins_bursts(self) -> bool:
        """Whether the item may be merged with other chat lines into one turn."""
        return self.intent.kind is IntentKind.CHAT and self.message.then_export is None


class ConversationRunner:
    """Runs one conversation's messages one at a time (rules in the module docstring)."""

    def __init__(self, deps: Deps, conversation: Conversation, sink: ReplySink) -> None:
        self._deps = deps
        self._conversation = conversation
        self._sink = sink
        self._pending: deque[_Item] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._busy = False
        self._worker: asyncio.Task[None] | None = None
        self._draining = False
        self._typing: dict[int, float] = {}  # author id -> when they last began typing

    @property
    def conversation(self) -> Conversation:
        """The conversation this runner serves."""
        return self._conversation

    async def submit(self, message: IncomingMessage) -> bool:
        """Take a message; ``False`` if its id was seen before, or the runner is draining.

        Either way the message's checked files are the runner's to close from now on.
        """
        if self._draining:
            await _release(message)
            lang = self._conversation.language
            await self._sink(Notice(NoticeKind.RESTARTING, text("restarting", lang)))
            return False
        async with self._deps.store.transaction() as tx:
            recorded = await tx.turns.record(
                message_id=message.message_id,
                thread_id=self._conversation.thread_id,
                author_id=message.author_id,
                now=self._deps.clock.now(),
            )
        if not recorded.created:
            log.info("message %s was already processed; ignoring it", message.message_id)
            await _release(message)
            return False
        received = message.received_at
        item = _Item(message, self._deps.clock.monotonic() if received is None else received)
        if item.intent.kind is IntentKind.CREDITS:
            await self._run_batch([item])
            return True
        self._pending.append(item)
        self._idle.clear()
        if self._busy:
            lang = self._conversation.language
            position = len(self._pending)
            await self._sink(Queued(position, text("queued", lang, position=position)))
        self._start_worker()
        self._wake.set()
        return True

    def typing(self, author_id: int) -> None:
        """``author_id`` began typing in the conversation: a chat turn about to start waits."""
        self._typing[author_id] = self._deps.clock.monotonic()

    def waiting(self, author_id: int | None = None, kind: IntentKind | None = None) -> int:
        """How many messages wait in the queue (only ``author_id``'s, only ``kind``, if given)."""
        return sum(
            1
            for item in self._pending
            if author_id in (None, item.message.author_id)
            and (kind is None or item.counts_as(kind))
        )

    @property
    def idle(self) -> bool:
        """Whether no message is queued or being handled."""
        return self._idle.is_set()

    async def join(self) -> None:
        """Wait until every queued message is handled."""
        await self._idle.wait()

    def stop_taking(self) -> None:
        """From now on, turn new messages away (shutdown has begun)."""
        self._draining = True

    async def drain(self, grace: float) -> bool:
        """Stop taking messages; wait up to ``grace`` seconds for the queue to empty.

        Returns whether it emptied (``close`` then stops nothing).
        """
        self.stop_taking()
        try:
            async with asyncio.timeout(grace):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        """Stop the worker (unfinished turns stay recorded as in flight); close queued files."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.wait([self._worker])
        self._worker = None
        for item in self._pending:
            await _release(item.message)

    # -- the queue -----------------------------------------------------------------------

    def _start_worker(self) -> None:
        if self._worker is None or self._worker.done():
            name = f"conversation-{self._conversation.thread_id}"
            self._worker = asyncio.create_task(self._work(), name=name)

    async def _work(self) -> None:
        while True:
            while not self._pending:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
            batch = await self._next_batch()
            self._busy = True
            try:
                await self._run_batch(batch)
            finally:
                self._busy = False

    async def _next_batch(self) -> list[_Item]:
        """The next item, or the burst of chat messages at the head of the queue."""
        if not self._pending[0].joins_bursts:
            return [self._pending.popleft()]
        while True:
            burst = self._leading_burst()
            remaining = self._burst_ends(burst[-1]) - self._deps.clock.monotonic()
            if remaining <= 0 or len(burst) >= self._deps.timings.max_burst:
                break
            await self._wait_for_more(remaining)
        return [self._pending.popleft() for _ in burst]

    async def _wait_for_more(self, seconds: float) -> None:
        """Sleep ``seconds``, or less if a message arrives (it may end the burst sooner)."""
        self._wake.clear()
        sleeping = asyncio.ensure_future(self._deps.clock.sleep(seconds))
        arriving = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((sleeping, arriving), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            arriving.cancel()

    def _leading_burst(self) -> list[_Item]:
        burst = [self._pending[0]]
        for item in list(self._pending)[1:]:
            if not item.joins_bursts or len(burst) >= self._deps.timings.max_burst:
                break
            if self._deps.timings.burst_window <= 0 or item.arrived > self._burst_ends(burst[-1]):
                break
            burst.append(item)
        return burst

    def _burst_ends(self, last: _Item) -> float:
        """Until when a burst whose last line is ``last`` waits for another (module docstring)."""
        timings = self._deps.timings
        ends = last.arrived + min(timings.burst_grace, timings.burst_window)
        typed = self._typing.get(last.message.author_id)
        if typed is not None and typed >= last.arrived:
            ends = max(ends, typed + timings.burst_window)
        return ends

    async def _run_batch(self, batch: list[_Item]) -> None:
        ids = [item.message.message_id for item in batch]
        self._deps.telemetry.count_turn(batch[0].intent.kind.value)
        await self._mark(ids, ChatTurnStatus.QUEUED, ChatTurnStatus.STREAMING)
        try:
            await self._dispatch(batch)
        except asyncio.CancelledError:
            # Stopped mid-turn (shutdown): the turn stays in flight, so the next start reports
            # it as interrupted instead of pretending it was answered.
            raise
        except Exception:
            log.exception("conversation %s: handling %s failed", self._conversation, ids)
            await self._sink(internal_error(self._conversation.language))
        finally:
            for item in batch:  # a file whose upload never ran (an earlier one failed)
                await _release(item.message)
        await self._mark(ids, ChatTurnStatus.STREAMING, ChatTurnStatus.DONE)

    async def _dispatch(self, batch: list[_Item]) -> None:
        deps, conversation = self._deps, self._conversation
        first = batch[0]
        match first.intent.kind:
            case IntentKind.CHAT if first.message.then_export is not None:
                await self._edit_then_export(first.message, first.message.then_export)
            case IntentKind.CHAT:
                merged = "\n".join(item.intent.text for item in batch if item.intent.text)
                await self._relay(chat_turn(deps, conversation, merged))
            case IntentKind.CREDITS:
                await self._relay(credits(deps, conversation))
            case IntentKind.STATE:
                await self._relay(timeline(deps, conversation))
            case IntentKind.EXPORT:
                await self._export(first.message.author_id, first.message.export_options)
            case IntentKind.UPLOAD:
                await self._upload(first)

    async def _upload(self, item: _Item) -> None:
        deps, conversation = self._deps, self._conversation
        if not item.message.attachments:
            accepted = accepted_formats(conversation.language)
            hint = text("upload_hint", conversation.language, accepted=accepted)
            await self._sink(Notice(NoticeKind.UPLOAD_HINT, hint))
            return
        for attachment in item.message.attachments:
            await self._relay(upload(deps, conversation, attachment))
        if item.intent.text:
            await self._relay(chat_turn(deps, conversation, item.intent.text))

    async def _edit_then_export(self, message: IncomingMessage, options: ExportOptions) -> None:
        """The chat turn; then the render, if the turn changed the stored timeline."""
        deps, conversation = self._deps, self._conversation
        before = await stored_snapshot(deps, conversation)
        await self._relay(chat_turn(deps, conversation, message.intent.text))
        if before is not None and await stored_snapshot(deps, conversation) == before:
            unchanged = text("edit_not_rendered", conversation.language)
            await self._sink(Notice(NoticeKind.EDIT_NOT_RENDERED, unchanged))
            return
        await self._export(message.author_id, options)

    async def _export(self, requester_id: int, options: ExportOptions | None) -> None:
        await self._relay(start_export(self._deps, self._conversation, requester_id, options))

    async def _relay(self, events: AsyncIterator[ReplyEvent]) -> None:
        async for event in events:
            await self._sink(event)

    async def _mark(self, ids: list[int], old: ChatTurnStatus, new: ChatTurnStatus) -> None:
        async with self._deps.store.transaction() as tx:
            for message_id in ids:
                await tx.turns.transition(message_id, old, new, now=self._deps.clock.now())


async def _release(message: IncomingMessage) -> None:
    """Close the streams ``message``'s checked files hold (a no-op for those already sent)."""
    for attachment in message.attachments:
        if isinstance(attachment, CheckedFile):
            await attachment.aclose()
