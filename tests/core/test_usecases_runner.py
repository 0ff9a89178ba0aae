"""The conversation runner: one turn at a time, queued in order, bursts merged, each id once."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
from datetime import UTC, datetime

import pytest

from bot.core.intents import Intent, IntentKind, route
from bot.core.models import ChatTurnStatus, ExportOptions
from bot.core.replies import (
    CreditsReply,
    ExportStarted,
    Notice,
    NoticeKind,
    Queued,
    ReplyText,
    TimelineSummary,
)
from bot.core.usecases import IncomingMessage, UseCases
from tests.core.usecases_support import FAST, of_type, tone_attachment, total_turns

pytestmark = pytest.mark.timeout(30)

_ids = itertools.count(1)
USER = 7


def message(text: str = "", *, command: IntentKind | None = None, **fields) -> IncomingMessage:
    """A message as a front end hands it over: routed once (a command brings its intent)."""
    files = bool(fields.get("attachments"))
    intent = Intent(command, text) if command else route(text, has_files=files)
    return IncomingMessage(next(_ids), USER, intent, **fields)


class Sink:
    """Collects reply events; can hold the first agent text until released (a turn mid-way)."""

    def __init__(self, *, hold_first_text: bool = False) -> None:
        self.events: list[object] = []
        self.text_started = asyncio.Event()
        self.release = asyncio.Event()
        if not hold_first_text:
            self.release.set()

    async def __call__(self, event) -> None:
        self.events.append(event)
        if isinstance(event, ReplyText) and not self.text_started.is_set():
            self.text_started.set()
            await self.release.wait()


async def test_a_message_id_is_processed_once(use_cases, conversation, local_backend):
    """A redelivered message (same id) never reaches the backend a second time."""
    sink = Sink()
    runner = use_cases.runner(conversation, sink)
    hello = message("hello there")
    assert await runner.submit(hello)
    assert not await runner.submit(hello)
    await runner.join()
    await runner.close()
    assert total_turns(local_backend) == 1
    assert sum(1 for e in of_type(sink.events, ReplyText) if e.done) == 1


async def test_messages_wait_their_turn_in_order(use_cases, conversation, local_backend):
    """While a turn runs, later messages queue in order and the user is told their place."""
    sink = Sink(hold_first_text=True)
    runner = use_cases.runner(conversation, sink)
    await runner.submit(message("what can you do?"))
    await sink.text_started.wait()  # the first turn is mid-reply now
    await runner.submit(message("and what else can you do?"))
    await runner.submit(message("/status", command=IntentKind.STATE))
    await runner.submit(message("how many credits do I have left"))  # answered at once
    queued = of_type(sink.events, Queued)
    assert [q.position for q in queued] == [1, 2]
    assert isinstance(sink.events[-1], CreditsReply)
    sink.release.set()
    await runner.join()
    await runner.close()
    done = [i for i, e in enumerate(sink.events) if isinstance(e, ReplyText) and e.done]
    summary = next(i for i, e in enumerate(sink.events) if isinstance(e, TimelineSummary))
    assert len(done) == 2 and done[1] < summary  # second reply, then the status
    assert total_turns(local_backend) == 2


async def test_a_burst_becomes_one_turn(use_cases, conversation, local_backend):
    """Lines sent within the burst window go to the agent as one message."""
    bursty = UseCases(
        use_cases.deps.backend,
        use_cases.deps.store,
        timings=dataclasses.replace(FAST, burst_window=0.3),
    )
    sink = Sink()
    runner = bursty.runner(conversation, sink)
    for line in ("make it darker", "and add a title", '"Neon Nights"'):
        await runner.submit(message(line))
    await runner.join()
    await runner.close()
    assert total_turns(local_backend) == 1
    assert not of_type(sink.events, Queued)


class HeldClock:
    """A clock whose sleeps wait for the test: it acts while the runner waits for more lines."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []
        self.asleep = asyncio.Event()
        self._wake = asyncio.Event()

    def now(self):
        return datetime.fromtimestamp(1_800_000_000 + self.t, UTC)

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        start = self.t
        self.sleeps.append(seconds)
        self.asleep.set()
        await self._wake.wait()
        self._wake.clear()
        self.t = start + seconds

    async def wait_until_asleep(self) -> None:
        await asyncio.wait_for(self.asleep.wait(), 10)
        self.asleep.clear()

    def wake(self) -> None:
        self._wake.set()


def waiting_runner(use_cases: UseCases, conversation, sink) -> tuple[object, HeldClock]:
    clock = HeldClock()
    timings = dataclasses.replace(FAST, burst_grace=0.3, burst_window=30.0)
    held = UseCases(use_cases.deps.backend, use_cases.deps.store, clock=clock, timings=timings)
    return held.runner(conversation, sink), clock


async def test_a_lone_message_waits_the_grace_not_the_window(use_cases, conversation):
    """Nobody is typing: the turn starts after the short grace, not the 30-s burst window."""
    runner, clock = waiting_runner(use_cases, conversation, Sink())
    await runner.submit(message("make it darker"))
    await clock.wait_until_asleep()
    clock.wake()
    await runner.join()
    await runner.close()
    assert clock.sleeps == [pytest.approx(0.3)]


async def test_typing_holds_the_turn_for_the_next_line(use_cases, conversation, local_backend):
    """The author types on after a line: the turn waits for the next line and takes both."""
    runner, clock = waiting_runner(use_cases, conversation, Sink())
    await runner.submit(message("make it darker"))
    await clock.wait_until_asleep()
    clock.t = 0.1
    runner.typing(USER)
    clock.wake()
    await clock.wait_until_asleep()  # past the grace, still waiting: the author is typing
    await runner.submit(message("and add a title"))  # a long line, 0.3 s after the first
    await clock.wait_until_asleep()  # woken by the line: now only its own grace is left
    clock.wake()
    await runner.join()
    await runner.close()
    assert clock.sleeps == [0.3, pytest.approx(0.1 + 30.0 - 0.3), 0.3]
    assert total_turns(local_backend) == 1


async def test_files_then_caption_then_export(use_cases, conversation, local_backend, tmp_path):
    """A message with a file uploads it, sends its text to the agent; an export is submitted."""
    sink = Sink()
    runner = use_cases.runner(conversation, sink)
    await runner.submit(
        message("sync visuals to the beat", attachments=(tone_attachment(tmp_path),))
    )
    await runner.submit(message("send me the video"))
    await runner.submit(message("upload"))  # no file: how to attach one
    await runner.join()
    await runner.close()
    kinds = [e.kind for e in of_type(sink.events, Notice)]
    assert kinds == [NoticeKind.READY, NoticeKind.UPLOAD_HINT]
    (started,) = of_type(sink.events, ExportStarted)
    assert started.render_id in local_backend.renders
    assert total_turns(local_backend) == 1


async def test_drain_lets_the_running_turn_finish_and_turns_new_messages_away(
    use_cases, conversation, local_backend
):
    """Shutdown: the turn under way completes; a message arriving now is not taken."""
    sink = Sink(hold_first_text=True)
    runner = use_cases.runner(conversation, sink)
    running = message("make it moody")
    await runner.submit(running)
    await asyncio.wait_for(sink.text_started.wait(), 5)
    runner.stop_taking()
    draining = asyncio.create_task(runner.drain(grace=10))
    late = message("and add a title")
    assert not await runner.submit(late)
    (notice,) = [n for n in of_type(sink.events, Notice) if n.kind is NoticeKind.RESTARTING]
    assert "send that again" in notice.text
    sink.release.set()
    assert await asyncio.wait_for(draining, 10)
    await runner.close()
    async with use_cases.deps.store.transaction() as tx:
        assert (await tx.turns.get(running.message_id)).status is ChatTurnStatus.DONE
        assert await tx.turns.get(late.message_id) is None  # never recorded: never answered
    assert total_turns(local_backend) == 1


async def test_drain_gives_up_after_the_grace_and_the_turn_stays_in_flight(use_cases, conversation):
    """A turn longer than the grace period is stopped and left in flight for the next start."""
    sink = Sink(hold_first_text=True)
    runner = use_cases.runner(conversation, sink)
    running = message("make it moody")
    await runner.submit(running)
    await asyncio.wait_for(sink.text_started.wait(), 5)
    assert not await runner.drain(grace=0.05)
    await runner.close()
    async with use_cases.deps.store.transaction() as tx:
        assert (await tx.turns.get(running.message_id)).status is ChatTurnStatus.STREAMING


# -- an edit with its render (then_export) -------------------------------------------------


async def test_an_edit_with_its_render_renders_once_the_edit_took(
    use_cases, conversation, local_backend, tmp_path
):
    """The turn changes the timeline, then the render of it is submitted at the options."""
    sink = Sink()
    runner = use_cases.runner(conversation, sink)
    await runner.submit(message("", attachments=(tone_attachment(tmp_path),)))
    options = ExportOptions(resolution="720p")
    await runner.submit(message("add the title Neon Nights", then_export=options))
    await runner.join()
    await runner.close()
    (started,) = of_type(sink.events, ExportStarted)
    reply_done = next(i for i, e in enumerate(sink.events) if isinstance(e, ReplyText) and e.done)
    assert reply_done < sink.events.index(started)  # rendered after the edit's reply
    assert local_backend.renders[started.render_id].output["resolution"] == "720p"
    (session,) = local_backend.sessions.values()
    assert "Neon Nights" in json.dumps(session.draft)


async def test_an_edit_that_changes_nothing_renders_nothing_and_says_so(
    use_cases, conversation, local_backend, tmp_path
):
    """A turn that leaves the timeline as it was: no render, and a notice saying why."""
    sink = Sink()
    runner = use_cases.runner(conversation, sink)
    await runner.submit(message("", attachments=(tone_attachment(tmp_path),)))
    await runner.submit(message("hello there", then_export=ExportOptions()))
    await runner.join()
    await runner.close()
    assert of_type(sink.events, ExportStarted) == []
    assert local_backend.renders == {}
    assert [n.kind for n in of_type(sink.events, Notice)][-1] is NoticeKind.EDIT_NOT_RENDERED


async def test_an_edit_with_its_render_waits_alone_and_counts_as_an_export(
    use_cases, conversation, local_backend
):
    """Queued behind a turn, it is not merged with the lines around it, and counts as export."""
    bursty = UseCases(
        use_cases.deps.backend,
        use_cases.deps.store,
        timings=dataclasses.replace(FAST, burst_window=0.3),
    )
    sink = Sink(hold_first_text=True)
    runner = bursty.runner(conversation, sink)
    await runner.submit(message("what can you do?"))
    await sink.text_started.wait()
    await runner.submit(message("make it darker"))
    await runner.submit(message("add the title Neon Nights", then_export=ExportOptions()))
    await runner.submit(message("and brighter"))
    assert runner.waiting(USER, IntentKind.EXPORT) == 1
    assert runner.waiting(USER, IntentKind.CHAT) == 3
    sink.release.set()
    await runner.join()
    await runner.close()
    assert total_turns(local_backend) == 4
