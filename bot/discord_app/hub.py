"""The conversations this process serves: one runner and one presenter per Beatthread thread.

A thread is Beatthread's if the store has it (it was recorded when the thread was opened), so
a thread's conversation is opened from the store on its first message or click: after a
restart, and after its runner was closed for being idle. Idle runners are closed so that a bot
that has served many threads does not keep a task, a queue and a presenter for each of them
forever. The rules (:class:`Eviction`):

* **Only idle runners close** (nothing queued, nothing being handled), so no message is ever
  dropped or answered twice: a message for a closed conversation opens a new runner. A runner
  found busy counts as used at that moment (its work keeps it).
* A runner is *used* when someone asks for it (a message, a click, a command) and whenever it
  shows something in its thread. One unused for ``idle_after`` closes; above ``max_open``
  runners the least recently used idle ones close first; but none used in the last ``grace``
  seconds, because whoever just asked for it may be about to hand it a message.
* **Sweeps** happen when a runner is asked for, at most every ``sweep_every`` seconds (at once
  while there are more than ``max_open``). A sweep never suspends the caller, so messages keep
  their order: it removes the runners at once and stops their (idle) worker tasks in a task
  the hub keeps and waits for in :meth:`ConversationHub.sweep` and
  :meth:`ConversationHub.close`.
* **The files stay.** A conversation remembers its uploaded files in memory, to upload them
  again if NemoVideo forgets the session (1002). Those are handed on to the conversation
  opened next for the thread, for ``keep_files_for`` (Discord's attachment URLs expire after
  about a day anyway) and for at most ``max_kept`` closed threads.

:meth:`ConversationHub.close` stops them all at shutdown (queued messages stay recorded, and
are reported as interrupted at the next start); after :meth:`ConversationHub.drain` a runner
opened for a late message turns it away like the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.core.backend_results import UploadSource
from bot.core.intents import IntentKind
from bot.core.replies import ReplyEvent
from bot.core.usecases import Conversation, ConversationRunner, NewThread, ReplySink, UseCases
from bot.discord_app.presenter import ThreadPresenter

log = logging.getLogger(__name__)

PresenterFactory = Callable[[Conversation], ThreadPresenter]


@dataclass(frozen=True, slots=True)
class Eviction:
    """When idle runners close (rules in the module docstring); times in seconds."""

    idle_after: float = 15 * 60.0
    max_open: int = 10_000
    grace: float = 60.0
    sweep_every: float = 60.0
    keep_files_for: float = 24 * 3600.0
    max_kept: int = 10_000

    def __post_init__(self) -> None:
        if self.grace <= 0:
            raise ValueError("grace must be positive: a runner just handed out may get work")
        if self.max_open < 1:
            raise ValueError("max_open must be at least 1")


@dataclass(eq=False, slots=True)
class _Open:
    runner: ConversationRunner
    presenter: ThreadPresenter
    used: float


@dataclass(frozen=True, slots=True)
class _Kept:
    sources: tuple[UploadSource, ...]
    closed: float


@dataclass(eq=False, slots=True)
class _Lookup:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ConversationHub:
    """Opens, finds and closes conversations (rules in the module docstring)."""

    def __init__(
        self,
        use_cases: UseCases,
        make_presenter: PresenterFactory,
        *,
        eviction: Eviction | None = None,
    ) -> None:
        self._use_cases = use_cases
        self._make_presenter = make_presenter
        self._clock = use_cases.deps.clock
        #: The rules in force; replace the (frozen) value to change them.
        self.eviction = eviction or Eviction()
        # Least recently used first: sweeps look at the front only.
        self._open: OrderedDict[int, _Open] = OrderedDict()
        self._kept: OrderedDict[int, _Kept] = OrderedDict()
        self._lookups: dict[int, _Lookup] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self._swept = self._clock.monotonic()
        self._draining = False

    def __len__(self) -> int:
        """How many conversations have a runner now."""
        return len(self._open)

    def is_open(self, thread_id: int) -> bool:
        """Whether the thread's conversation has a runner now (without opening one)."""
        return thread_id in self._open

    def typing(self, thread_id: int, author_id: int) -> None:
        """``author_id`` began typing in a thread: its runner, if open, waits for their line.

        Only an open runner can hold a message about to start a turn, so nothing is opened.
        """
        entry = self._open.get(thread_id)
        if entry is not None:
            entry.runner.typing(author_id)

    async def start(self, thread: NewThread) -> ConversationRunner:
        """Record a new conversation for ``thread`` (backend session included).

        A thread recorded already keeps its conversation, and its runner if one is open (two
        ways in may race for one thread: the second must not stop the first one's work).
        """
        conversation = await self._use_cases.start_conversation(thread)
        entry = self._open.get(thread.thread_id)
        if entry is not None:
            self._use(thread.thread_id, entry)
            return entry.runner
        return self._add(conversation)

    async def get(self, thread_id: int) -> ConversationRunner | None:
        """The thread's runner, opened from the store if needed; ``None`` if not ours."""
        entry = self._open.get(thread_id)
        if entry is not None:
            self._use(thread_id, entry)
            self._sweep_if_due()
            return entry.runner
        # One store lookup per thread at a time, so two messages never open two runners.
        lookup = self._lookups.setdefault(thread_id, _Lookup())
        lookup.users += 1
        try:
            async with lookup.lock:
                entry = self._open.get(thread_id)
                if entry is not None:
                    self._use(thread_id, entry)
                    return entry.runner
                conversation = await self._use_cases.open_conversation(thread_id)
                return self._add(conversation) if conversation is not None else None
        finally:
            lookup.users -= 1
            if not lookup.users:  # nobody else waits: the table holds lookups in progress only
                del self._lookups[thread_id]

    def speak(self, owner_id: int, language: str) -> None:
        """The open conversations of ``owner_id`` speak ``language`` from now on.

        The store has their threads in it already (``/settings``); this is the same for the
        runners open now, so the next reply follows without a restart.
        """
        for entry in self._open.values():
            conversation = entry.runner.conversation
            if conversation.owner_id == owner_id:
                conversation.language = language

    def queued(self) -> int:
        """How many messages wait in all queues (a metric)."""
        return sum(entry.runner.waiting() for entry in self._busy())

    def waiting(self, author_id: int, kind: IntentKind | None = None) -> int:
        """How many of ``author_id``'s messages wait in any queue (only ``kind``, if given)."""
        return sum(entry.runner.waiting(author_id, kind) for entry in self._busy())

    async def sweep(self) -> list[int]:
        """Close the idle runners the rules allow now; wait until every one closed so far is.

        Returns the threads whose runners this call closed.
        """
        now = self._clock.monotonic()
        self._swept = now
        closed = self._take_idle(now)
        self._close_later(closed)
        while self._closing:
            await asyncio.wait(set(self._closing))
        return [entry.runner.conversation.thread_id for entry in closed]

    async def drain(self, grace: float) -> bool:
        """Shutdown: every runner stops taking messages; wait up to ``grace`` s for them all.

        Returns whether every queue emptied in time.
        """
        self._draining = True
        runners = [entry.runner for entry in self._open.values()]
        for runner in runners:
            runner.stop_taking()
        drained = await asyncio.gather(*(runner.drain(grace) for runner in runners))
        return all(drained)

    async def close(self) -> None:
        """Stop every runner and presenter."""
        entries = list(self._open.values())
        self._open.clear()
        self._kept.clear()
        for entry in entries:
            await entry.runner.close()
        for entry in entries:
            entry.presenter.close()
        while self._closing:
            await asyncio.wait(set(self._closing))

    # -- opening -----------------------------------------------------------------------

    def _add(self, conversation: Conversation) -> ConversationRunner:
        thread_id = conversation.thread_id
        kept = self._kept.pop(thread_id, None)
        if (
            kept is not None
            and self._clock.monotonic() - kept.closed < self.eviction.keep_files_for
        ):
            for source in kept.sources:
                conversation.remember(source)
        presenter = self._make_presenter(conversation)
        runner = self._use_cases.runner(conversation, self._sink(thread_id, presenter))
        if self._draining:
            runner.stop_taking()
        replaced = self._open.pop(thread_id, None)
        self._open[thread_id] = _Open(runner, presenter, self._clock.monotonic())
        if replaced is not None:  # a thread recorded anew: its old runner must not linger
            self._close_later([replaced])
        self._sweep_if_due()
        return runner

    def _sink(self, thread_id: int, presenter: ThreadPresenter) -> ReplySink:
        """The presenter, noting each event as a use of the conversation."""

        async def show(event: ReplyEvent) -> None:
            entry = self._open.get(thread_id)
            if entry is not None and entry.presenter is presenter:
                self._use(thread_id, entry)
            await presenter(event)

        return show

    def _use(self, thread_id: int, entry: _Open, now: float | None = None) -> None:
        entry.used = self._clock.monotonic() if now is None else now
        self._open.move_to_end(thread_id)

    def _busy(self) -> Iterable[_Open]:
        # An idle runner has nothing queued: skipping those keeps the counts cheap.
        return (entry for entry in self._open.values() if not entry.runner.idle)

    # -- closing -----------------------------------------------------------------------

    def _sweep_if_due(self) -> None:
        now = self._clock.monotonic()
        rules = self.eviction
        if now - self._swept < rules.sweep_every and len(self._open) <= rules.max_open:
            return
        self._swept = now
        self._close_later(self._take_idle(now))

    def _take_idle(self, now: float) -> list[_Open]:
        """Remove the runners the rules close now, least recently used first."""
        rules = self.eviction
        taken: list[_Open] = []
        for _ in range(len(self._open)):  # each entry at most once
            thread_id, entry = next(iter(self._open.items()))
            unused = now - entry.used
            if unused < rules.grace or (
                unused < rules.idle_after and len(self._open) <= rules.max_open
            ):
                break  # the rest were used more recently still
            if entry.runner.idle:
                del self._open[thread_id]
                taken.append(entry)
            else:
                self._use(thread_id, entry, now)  # busy: in use right now
        self._keep_files(taken, now)
        return taken

    def _keep_files(self, closed: list[_Open], now: float) -> None:
        for entry in closed:
            conversation = entry.runner.conversation
            if conversation.reupload_sources:
                self._kept[conversation.thread_id] = _Kept(conversation.reupload_sources, now)
                self._kept.move_to_end(conversation.thread_id)
        rules = self.eviction
        while self._kept and (
            len(self._kept) > rules.max_kept
            or now - next(iter(self._kept.values())).closed >= rules.keep_files_for
        ):
            self._kept.popitem(last=False)

    def _close_later(self, entries: list[_Open]) -> None:
        """Stop removed runners without making the caller wait (they are idle: this is quick)."""
        if not entries:
            return
        task = asyncio.create_task(_close(entries), name="conversation-hub-close")
        self._closing.add(task)
        task.add_done_callback(self._closed)

    def _closed(self, task: asyncio.Task[None]) -> None:
        self._closing.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("closing idle conversations failed", exc_info=error)


async def _close(entries: list[_Open]) -> None:
    for entry in entries:
        entry.presenter.close()
    await asyncio.gather(*(entry.runner.close() for entry in entries))
    log.debug("closed %d idle conversations", len(entries))
