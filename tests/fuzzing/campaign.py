"""The fuzz campaign: one real bot, emulator and backend, many lanes, every answer awaited.

:func:`run_campaign` takes a stage whose bot is not started yet, adds watched channels and
people, starts the bot (``beatthread run``'s code path, in this process, so its log records
and unretrieved exceptions are seen), and runs the cases in ``lanes`` lanes at once. A lane
owns a track thread in one of the watched channels and plays its cases one after the other:

1. it injects the case's raw backend answers (if any) as faults of the backend;
2. it does what the case says (a post in its channel or thread, ``/track`` with the file, a
   slash command in its thread);
3. it waits, on the emulator's change signal, for the bot's answer: a reply under a post in
   the channel, any message in the thread the post opened, a new message in its thread (a
   finished export's post from an earlier case does not count), or the interaction's response.
   None within ``patience`` seconds is a **lost message**;
4. it waits until the conversation's runner is idle again, so the next case starts a turn of
   its own instead of queueing (a runner that stays busy is reported as stuck).

Lanes share the backend, so a raw answer goes to whichever request of its route comes next;
every request must be answered either way. Then the bot stops (inside the monitor: shutdown
errors count) and the :class:`Report` sums up.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from bot.discord_app.render import render_nonce
from bot.local_backend import BackendConfig, Fault
from tests.discord_app.stage import Stage, mp3_bytes
from tests.discord_emulator import Channel, DeclaredFile, InteractionHandle, Message, UserDriver
from tests.discord_emulator.models import MessageFlag
from tests.fuzzing.cases import BOT, CHANNEL, ROLE, USER, Case, FuzzFile, labels
from tests.fuzzing.monitor import Monitor, leaks, pings

PEOPLE: Final = ("mia", "lena", "Ömer", "王芳", "\u202enosaJ", "z̷a̷l̷g̷o̷")
"""The guild's people (the stage's ``mia`` first); case authors are picked among them."""

_THREAD_MENTION: Final = re.compile(r"<#(\d+)>")
_POLL_PATH: Final = re.compile(r"^/api/render/proxy/lambda/([^/]+)$")


def tune(config: BackendConfig) -> None:
    """Backend settings for the fuzz: renders without ffmpeg, credits that never run out."""
    config.render_media = False  # a placeholder MP4: a thousand exports must not run ffmpeg
    config.anonymous_credits = 10**9  # chat turns cost credits: never run out mid-campaign


@dataclass
class Outcome:
    """What became of one case."""

    case: Case
    answered: bool
    stuck: bool = False


@dataclass
class Report:
    """The figures of one campaign; :meth:`problems` must be empty."""

    cases: int
    elapsed: float
    unhandled: list[str]
    pings: list[str]
    leaks: list[str]
    lost: list[str]
    stuck: list[str] = field(default_factory=list)
    error_lines: list[str] = field(default_factory=list)
    breakdown: dict[str, int] = field(default_factory=dict)
    answers_unused: int = 0
    renders: int = 0
    results_posted: int = 0
    rate_limits: int = 0
    lag_max: float = 0.0

    def problems(self) -> dict[str, list[str]]:
        """The counters that are not zero, with what they counted."""
        counted = {
            "unhandled exceptions": self.unhandled,
            "pings sent": self.pings,
            "tokens leaked": self.leaks,
            "messages lost": self.lost,
            "turns stuck": self.stuck,
        }
        return {name: items for name, items in counted.items() if items}

    def lines(self, *, details: int = 10) -> list[str]:
        """The report as printable lines (at most ``details`` examples per counter)."""
        out = [
            f"cases tried: {self.cases} in {self.elapsed:.1f} s",
            f"unhandled exceptions: {len(self.unhandled)}",
            f"pings sent: {len(self.pings)}",
            f"tokens leaked: {len(self.leaks)}",
            f"messages lost: {len(self.lost)}",
            f"turns stuck: {len(self.stuck)}",
        ]
        for name, items in self.problems().items():
            out.append(f"  {name}:")
            out += [f"    {item}" for item in items[:details]]
        out += [
            f"(error log lines without a traceback: {len(self.error_lines)}; "
            f"raw backend answers never used: {self.answers_unused}; renders: {self.renders}, "
            f"results posted: {self.results_posted}; Discord 429s: {self.rate_limits}; "
            f"longest event-loop stall: {self.lag_max * 1000:.0f} ms)",
            "cases by kind/place: " + ", ".join(f"{k} {n}" for k, n in self.breakdown.items()),
        ]
        out += [f"  error line: {line}" for line in self.error_lines[:details]]
        return out


@dataclass
class _World:
    """The guild as the fuzz sees it: watched channels, people, placeholder values."""

    stage: Stage
    channels: list[Channel]
    people: list[UserDriver]
    patience: float

    @classmethod
    def build(cls, stage: Stage, channels: int, patience: float) -> _World:
        emulator = stage.emulator
        watched = [stage.tracks]
        watched += [
            emulator.add_text_channel(stage.guild, f"tracks-{n}") for n in range(1, channels)
        ]
        people = [stage.mia, *(emulator.add_user(name) for name in PEOPLE[1:])]
        return cls(stage, watched, people, patience)

    def resolve(self, text: str) -> str:
        """``text`` with the placeholders replaced by real ids."""
        values = {
            USER: str(self.people[1].id),
            BOT: str(self.stage.emulator.bot.id),
            ROLE: str(self.stage.guild.id),
            CHANNEL: str(self.channels[0].id),
        }
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        return text

    def resolve_bytes(self, data: bytes) -> bytes:
        """The same for raw bytes (placeholders are never cut apart: see ``cases._cut``)."""
        for placeholder in (USER, BOT, ROLE, CHANNEL):
            data = data.replace(placeholder.encode(), self.resolve(placeholder).encode())
        return data

    def declared(self, file: FuzzFile) -> DeclaredFile:
        return DeclaredFile(self.resolve(file.filename), file.content, file.size, file.content_type)


class _Lane:
    """One track thread and the cases played in it, one at a time."""

    def __init__(self, world: _World, number: int) -> None:
        self._world = world
        self._stage = world.stage
        self._emulator = world.stage.emulator
        self._owner_index = number % len(world.people)
        self.channel = world.channels[number % len(world.channels)]
        self.thread: Channel | None = None
        self._number = number

    async def open(self) -> None:
        """Open the lane's track thread: a valid MP3 posted by its owner, "Ready" awaited."""
        owner = self._world.people[self._owner_index]
        files = [(f"Lane {self._number}.mp3", mp3_bytes())]
        posted = await owner.post(self.channel, "new track", files=files)
        self.thread = await self._emulator.wait_for_thread(
            self.channel, lambda t: t.id == posted.id, timeout=self._world.patience
        )
        await self._stage.ready_in(self.thread)

    async def play(self, cases: Sequence[Case]) -> list[Outcome]:
        """Play ``cases`` in order."""
        return [await self._play(case) for case in cases]

    async def _play(self, case: Case) -> Outcome:
        assert self.thread is not None
        world = self._world
        author = world.people[(self._owner_index + case.author) % len(world.people)]
        for answer in case.answers:
            pieces = [world.resolve_bytes(piece) for piece in answer.pieces]
            self._stage.backend.inject(
                Fault(route=answer.route, raw_body=pieces, times=answer.times)
            )
        files = [world.declared(case.file)] if case.file is not None else []
        text = world.resolve(case.text)
        if case.place == "slash":
            handle = await author.slash("track", self.channel, {"file": files[0]})
            return await self._after_interaction(case, handle)
        if case.command is not None:
            handle = await author.slash(case.command, self.thread)
            return await self._after_interaction(case, handle, self.thread.id)
        where = self.channel if case.place == "channel" else self.thread
        posted = await author.post(where, text, files=files)
        if case.place == "channel":
            return await self._after_post_in_channel(case, posted)
        return await self._after_post_in_thread(case, posted)

    # -- waiting for the answer ---------------------------------------------------------

    async def _after_post_in_channel(self, case: Case, posted: Message) -> Outcome:
        def answer() -> bool:
            replies = self._bot_messages(self.channel.id)
            return any(_replies_to(m, posted.id) for m in replies) or bool(
                self._bot_messages(posted.id)  # the thread the post opened
            )

        answered = await self._wait(answer)
        opened = posted.id if posted.id in self._emulator.state.channels else None
        return Outcome(case, answered, stuck=not await self._settle(opened))

    async def _after_post_in_thread(self, case: Case, posted: Message) -> Outcome:
        assert self.thread is not None
        thread_id = self.thread.id

        def answer() -> bool:
            return any(
                m.id > posted.id and not _result_post(m, thread_id)
                for m in self._bot_messages(thread_id)
            )

        answered = await self._wait(answer)
        return Outcome(case, answered, stuck=not await self._settle(thread_id))

    async def _after_interaction(
        self, case: Case, handle: InteractionHandle, thread_id: int | None = None
    ) -> Outcome:
        def answer() -> Message | None:
            original = handle.original
            if original is not None and not original.flags & MessageFlag.LOADING:
                return original
            return next(iter(handle.followups), None)

        answered = await self._wait(answer)
        shown = answer()
        if thread_id is None and shown is not None:
            opened = _THREAD_MENTION.search(shown.content)
            thread_id = int(opened.group(1)) if opened else None
        return Outcome(case, answered, stuck=not await self._settle(thread_id))

    def _bot_messages(self, channel_id: int) -> list[Message]:
        bot_id = self._emulator.bot.id
        return [
            m
            for m in self._emulator.messages_in(channel_id)
            if m.author.id == bot_id and not m.flags & MessageFlag.LOADING
        ]

    async def _wait(self, answer: Any) -> bool:
        try:
            await self._emulator.wait_until(answer, timeout=self._world.patience, what="an answer")
        except TimeoutError:
            return False
        return True

    async def _settle(self, thread_id: int | None) -> bool:
        """Wait until the thread's runner is idle; ``False`` if it stays busy."""
        bot = self._stage.bot
        if thread_id is None or bot is None:
            return True
        runner = await bot.app.hub.get(thread_id)
        if runner is None:
            return True
        try:
            async with asyncio.timeout(self._world.patience):
                await runner.join()
        except TimeoutError:
            return False
        return True


def _replies_to(message: Message, posted_id: int) -> bool:
    reference = message.message_reference or {}
    return str(reference.get("message_id")) == str(posted_id)


def _result_post(message: Message, thread_id: int) -> bool:
    marker = f"beatthread:export:{thread_id}:"
    return any(custom_id.startswith(marker) for custom_id in message.custom_ids())


async def _requesters(stage: Stage) -> dict[str, tuple[int, int]]:
    """Each export's result-post nonce → (thread, requester), from the bot's database."""
    assert stage.bot is not None
    render_ids = set(stage.backend.renders)
    for request in stage.backend.requests:
        polled = _POLL_PATH.match(request.path)
        if polled:
            render_ids.add(polled.group(1))
    store = stage.bot.app.use_cases.deps.store
    found: dict[str, tuple[int, int]] = {}
    async with store.transaction() as tx:
        for render_id in sorted(render_ids):
            job = await tx.exports.get(render_id)
            if job is not None:
                found[render_nonce(render_id)] = (job.thread_id, job.requester_id)
    return found


async def run_campaign(
    stage: Stage,
    cases: Sequence[Case],
    *,
    lanes: int = 24,
    channels: int = 8,
    patience: float = 30.0,
) -> Report:
    """Run ``cases`` against the stage's bot, started here (see the module docstring)."""
    tune(stage.backend.config)
    world = _World.build(stage, channels, patience)
    started = time.perf_counter()
    async with Monitor() as monitor:
        await stage.start_bot(watch_channel_ids=tuple(c.id for c in world.channels))
        try:
            players = [_Lane(world, n) for n in range(min(lanes, len(cases)) or 1)]
            await asyncio.gather(*(lane.open() for lane in players))
            played = await asyncio.gather(
                *(lane.play(cases[n :: len(players)]) for n, lane in enumerate(players))
            )
            requesters = await _requesters(stage)
        finally:
            unused = len(stage.backend.pending_faults())
            stage.backend.clear_faults()
            await stage.stop_bot()
    outcomes = sorted((o for lane in played for o in lane), key=lambda o: o.case.number)
    nonces = set(requesters)
    posted = {
        r.json.get("nonce")
        for r in stage.emulator.recorder.requests
        if isinstance(r.json, dict) and r.json.get("nonce") in nonces
    }
    return Report(
        cases=len(outcomes),
        elapsed=time.perf_counter() - started,
        unhandled=monitor.unhandled,
        pings=pings(stage, requesters),
        leaks=leaks(stage, monitor),
        lost=[_describe(o) for o in outcomes if not o.answered],
        stuck=[_describe(o) for o in outcomes if o.stuck],
        error_lines=monitor.error_lines,
        breakdown=labels(cases),
        answers_unused=unused,
        renders=len(requesters),
        results_posted=len(posted),
        rate_limits=len(stage.emulator.recorder.rate_limit_hits),
        lag_max=monitor.lag_max,
    )


def _describe(outcome: Outcome) -> str:
    case = outcome.case
    what = case.command or case.text[:60] or (case.file.filename[:60] if case.file else "")
    return f"case {case.number} ({case.label}, {case.place}): {what!r}"
