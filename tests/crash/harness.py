"""Crash harness: ``beatthread run`` killed with SIGKILL at chosen moments, restarted each time.

The Discord emulator and the local backend run in the harness's event loop (asyncio servers;
the harness only ever awaits, so they keep answering); the bot is a real ``python -m bot run``
process configured through its environment as an operator runs it, its output in a log file
per run (``bot-NNN.log`` in the scratch directory).

One round (:meth:`CrashRound.run`):

1. **Exports through the real UI.** The first process starts; ``mia`` drops N tracks in the
   watched channel (a thread each, "Ready" posted), runs ``/export`` in each thread and waits
   for its status message. Renders are staggered (each export renders ``render_gap`` longer
   than the one before), so they finish one after another while the kills go on.
2. **Kills while rendering** (:data:`BEFORE_POSTING`): a seeded random moment after start-up;
   the start-up's application lookup (set-up runs, the export poller is about to
   rehydrate); the gateway IDENTIFY (the
   poller runs, the gateway is not ready, so it hands finished videos back for later).
3. **Kills around the post** (:data:`AROUND_POSTING`). From step 1 on, the emulator holds
   every export result post *before* storing it (:mod:`tests.discord_emulator.holds`): the
   bot has claimed the job (``completed → posting``) and its post is on the wire. Per window,
   on the first held post:

   * ``claim→post``: kill; the post is dropped (it died with its process, never reached
     Discord). The job is ``posting`` with nothing posted.
   * ``post→record``: the post is let through and held *after* it is stored; kill. The video
     is in the thread; the bot never got the message id, nothing is recorded.
   * ``status edit``: the post goes through; kill as the bot's status edit arrives (the
     notifier's last step before the poller records ``posted``; whether the record made it
     before the kill is a race, which the bot must survive either way).
   * ``late post`` (only while Discord honours nonces): kill; restart; when the new process
     posts again (``find_posted`` found nothing: the first post never landed), the dead
     process's post lands first, then the retry: Discord answers the retry with the first
     message (``enforce_nonce``), recorded in ``Recorder.nonce_replays``.

   Posts of other exports held at a kill are dropped too: those are claim→post again.
4. **Drain.** The holds are lifted; a last bot runs in this process (same settings, the same
   ``prepared_bot`` as ``run``) until its export poller has nothing left to follow.

:class:`RoundResult` then has, from the emulator's record, the result posts per thread (bot
messages carrying the Export button marker ``beatthread:export:<thread>:<render>``) and the
messages with the MP4 link; which mechanism stopped each repeat (``find_posted`` recoveries
counted from the bots' logs and the last poller's stats; nonce replays from the emulator);
and the export rows from the database.

RANDOM kills wait a seeded random delay with ``asyncio.wait`` on the process (a chaos
schedule, not a synchronisation: any early exit of the bot is caught as an error). Every
other moment is an event in the emulator's record.
"""

# ruff: noqa: ASYNC109 - waits take a timeout by design, like the emulator's driver API

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from sqlalchemy import text

from bot.config import Settings
from bot.discord_app.launch import prepared_bot
from bot.local_backend import BackendConfig, LocalBackend
from bot.storage import create_engine
from tests.discord_app.stage import mp3_bytes
from tests.discord_emulator import Channel, DiscordEmulator, Guild, Message, UserDriver
from tests.discord_emulator.discordpy import CLIENT_OPTIONS, running
from tests.discord_emulator.holds import HeldCreate

T = TypeVar("T")

#: The ``find_posted`` recovery line of the export poller (bot/jobs/poller/handling.py).
FOUND_POSTED = re.compile(r"export (\S+) was posted before")
#: Environment prefixes of every Beatthread setting: never inherited from the caller's shell.
_SETTING_PREFIXES = (
    "DISCORD_",
    "NEMO_",
    "DATABASE_",
    "WATCH_",
    "MAX_",
    "SHARD_",
    "INSTANCE_",
    "OPS_",
    "EXPORT_",
    "LOG_",
    "DATA_",
    "SKILL_",
    "SHUTDOWN_",
)


class Window(enum.StrEnum):
    """Where in the export's life a kill lands (the module docstring has each one)."""

    RANDOM = "random"
    STARTUP = "start-up"
    IDENTIFY = "identify"
    CLAIM_POST = "claim→post"
    POST_RECORD = "post→record"
    STATUS_EDIT = "status edit"
    LATE_POST = "late post"


BEFORE_POSTING = (Window.RANDOM, Window.STARTUP, Window.IDENTIFY)
AROUND_POSTING = (Window.CLAIM_POST, Window.POST_RECORD, Window.STATUS_EDIT, Window.LATE_POST)
#: Windows after which their export is in Discord: each needs an unposted export of its own.
POSTS_ONE = (Window.POST_RECORD, Window.STATUS_EDIT, Window.LATE_POST)
_WEIGHTS = {
    Window.RANDOM: 4,
    Window.STARTUP: 1,
    Window.IDENTIFY: 1,
    Window.CLAIM_POST: 2,
    Window.POST_RECORD: 2,
    Window.STATUS_EDIT: 1,
    Window.LATE_POST: 1,
}


def plan_kills(
    kills: int, exports: int, rng: random.Random, *, nonce: bool, around_share: float = 0.5
) -> list[Window]:
    """The windows of one round: every kind at least once, then weighted picks; shuffled.

    Of the kills beyond one per kind, about ``around_share`` are around posts (each costs a
    restart plus the poller's hand-off wait, about 6 s, where a kill before posting costs 1 s).

    Kills before any post come first, then those around posts, one that posts its export
    last (claim→post needs an export still to post). Without Discord's nonce the
    late post is left out: a dead process's post landing after the retry is exactly what
    only the nonce can stop.
    """
    kinds = [w for w in Window if nonce or w is not Window.LATE_POST]
    if kills < len(kinds):
        raise ValueError(f"a round needs at least {len(kinds)} kills (one per window)")
    plan = list(kinds)
    while len(plan) < kills:
        full = sum(w in POSTS_ONE for w in plan) >= exports
        around = rng.random() < around_share
        choices = [
            w for w in kinds if (w in AROUND_POSTING) == around and not (full and w in POSTS_ONE)
        ]
        plan.append(rng.choices(choices, [_WEIGHTS[w] for w in choices])[0])
    if sum(w in POSTS_ONE for w in plan) > exports:
        raise ValueError(f"{exports} exports cannot absorb {len(POSTS_ONE)} posting windows")
    before = [w for w in plan if w in BEFORE_POSTING]
    around = [w for w in plan if w in AROUND_POSTING]
    rng.shuffle(before)
    rng.shuffle(around)
    # Only the windows of POSTS_ONE post an export; one of them goes last, so a claim→post
    # always finds an export still to post.
    last = max(i for i, w in enumerate(around) if w in POSTS_ONE)
    around.append(around.pop(last))
    return before + around


@dataclass(frozen=True)
class RoundConfig:
    """One round: how many exports and kills, the seed, and whether Discord honours nonces."""

    exports: int = 4
    kills: int = 12
    seed: int = 1
    #: Discord remembers nonces (2 minutes); ``False``: forgotten, ``find_posted`` stands alone.
    nonce: bool = True
    first_render: float = 6.0
    render_gap: float = 1.5
    #: Share of the kills beyond one per window that land around posts (see plan_kills).
    around_share: float = 0.5
    #: RANDOM kills land up to this long after the process is ready.
    random_within: float = 2.5
    #: The longest wait for one moment (a held post arrives after a restart's hand-off).
    moment_timeout: float = 40.0
    first_poll: float = 0.3


@dataclass(frozen=True)
class Kill:
    """One SIGKILL: its window, which run, held posts dropped with it, seconds into the round."""

    window: Window
    run: int
    dropped_posts: int
    at: float


@dataclass
class RoundResult:
    """What a round left behind (counts per thread come from the emulator's record)."""

    seed: int
    kills: list[Kill]
    posts: dict[int, int]
    videos: dict[int, int]
    statuses: Counter[str]
    unrecorded: list[str]
    #: Exports whose unrecorded post ``find_posted`` found (each once, however many runs did).
    found_posted: int
    nonce_replays: int
    #: Status messages still offering Cancel at the end (left "Rendering…" by a dead process).
    open_statuses: int
    runs: int
    seconds: float

    def windows(self) -> Counter[Window]:
        """Kills per window."""
        return Counter(kill.window for kill in self.kills)

    @property
    def dropped_posts(self) -> int:
        """Claimed posts that died with a killed process (claim→post, targeted or not)."""
        return sum(kill.dropped_posts for kill in self.kills)


class BotExitedError(RuntimeError):
    """A bot process ended by itself while the harness waited for it."""


@dataclass(eq=False)
class BotRun:
    """One ``beatthread run`` process and its log file."""

    index: int
    process: asyncio.subprocess.Process
    log: Path

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.returncode is None

    def tail(self, lines: int = 40) -> str:
        """The end of its log, for failure messages."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class CrashWorld:
    """The emulated Discord (one guild, a watched ``#tracks``, ``mia``) and the backend."""

    emulator: DiscordEmulator
    backend: LocalBackend
    guild: Guild
    tracks: Channel
    mia: UserDriver
    database_url: str
    scratch: Path


def backend_config(render_seconds: float) -> BackendConfig:
    """Quick turns and placeholder renders (no ffmpeg): the time goes to crashing."""
    return BackendConfig(
        studio=False,
        silent_turns="auto",
        turn_cost=10,
        render_seconds=render_seconds,
        render_media=False,
        heartbeat_interval=0.05,
        work_seconds=0.05,
        event_delay=0.0,
    )


@contextlib.asynccontextmanager
async def open_world(
    scratch: Path, database_url: str | None = None, *, nonce: bool = True
) -> AsyncIterator[CrashWorld]:
    """Emulator and backend on loopback ports; an empty SQLite file unless ``database_url``.

    ``nonce=False`` makes the emulator forget nonces at once, as Discord does after a few
    minutes: exactly once must then hold by ``find_posted`` alone.
    """
    _make_dir(scratch)
    emulator_options: dict[str, Any] = {} if nonce else {"nonce_window": 0.0}
    async with contextlib.AsyncExitStack() as stack:
        emulator = await stack.enter_async_context(DiscordEmulator(**emulator_options))
        backend = await stack.enter_async_context(
            LocalBackend(backend_config(6.0), media_dir=scratch / "backend")
        )
        guild = emulator.add_guild("Beat Lab")
        tracks = emulator.add_text_channel(guild, "tracks")
        mia = emulator.add_user("mia", locale="en-US")
        url = database_url or f"sqlite+aiosqlite:///{scratch / 'crash.db'}"
        yield CrashWorld(emulator, backend, guild, tracks, mia, url, scratch)


def bot_env(
    emulator: DiscordEmulator, backend_url: str, database_url: str, **values: str
) -> dict[str, str]:
    """A ``beatthread run`` environment pointed at the emulator and a backend URL.

    Nothing of the caller's Beatthread settings leaks in. ``values`` add or override
    (upper-case names, as in ``.env``).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SETTING_PREFIXES)}
    env.update(
        DISCORD_TOKEN=emulator.token,
        DISCORD_API_BASE=emulator.api_base,
        DISCORD_GATEWAY_URL=emulator.gateway_url,
        NEMO_API_URL=backend_url,
        NEMO_WEB_URL=backend_url,
        DATABASE_URL=database_url,
        OPS_PORT="0",
        LOG_LEVEL="INFO",
    )
    env.update(values)
    return env


def _make_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)


def _log_file(path: Path) -> IO[bytes]:
    return path.open("wb")


async def spawn_bot(index: int, env: dict[str, str], scratch: Path) -> BotRun:
    """Start ``python -m bot run`` with ``env``; stdout and stderr go to ``bot-NNN.log``."""
    log = scratch / f"bot-{index:03d}.log"
    out = _log_file(log)
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=scratch,  # no developer .env is read
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    finally:
        out.close()  # the child has its own descriptor
    return BotRun(index, process, log)


async def until_or_exit(
    emulator: DiscordEmulator,
    run: BotRun,
    check: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
) -> T:
    """``emulator.wait_until(check)``, failing at once if ``run`` exits meanwhile."""
    waiter = asyncio.ensure_future(emulator.wait_until(check, timeout=timeout, what=what))
    exited = asyncio.ensure_future(run.process.wait())
    try:
        await asyncio.wait({waiter, exited}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in (waiter, exited):
            future.cancel()
        await asyncio.gather(waiter, exited, return_exceptions=True)
    if not waiter.cancelled():
        return waiter.result()
    raise BotExitedError(
        f"bot run {run.index} exited ({run.process.returncode}) while waiting for {what}:\n"
        f"{run.tail()}"
    )


def identifies(emulator: DiscordEmulator) -> int:
    """Gateway IDENTIFYs the emulator received so far."""
    return sum(1 for g in emulator.recorder.gateway if g.direction == "received" and g.op == 2)


def readies(emulator: DiscordEmulator) -> int:
    """READY dispatches the emulator sent so far."""
    return len(emulator.recorder.dispatched("READY"))


def application_lookups(emulator: DiscordEmulator) -> int:
    """Application lookups (``GET /oauth2/applications/@me``) answered so far.

    Every start's set-up makes one; a command sync happens only when the command tree changed.
    """
    route = "/oauth2/applications/@me"
    return sum(1 for r in emulator.recorder.requests_to("GET", route) if r.status is not None)


def result_posts(emulator: DiscordEmulator, thread: Channel) -> list[Message]:
    """The bot's export result posts in ``thread``: messages with a render's Export marker."""
    marker = f"beatthread:export:{thread.id}:"
    return [
        m
        for m in emulator.messages_in(thread)
        if m.author.id == emulator.bot.id
        and not m.deleted
        and any(i.startswith(marker) for i in m.custom_ids())
    ]


def video_messages(emulator: DiscordEmulator, thread: Channel) -> list[Message]:
    """The bot's messages in ``thread`` delivering a video: an MP4 attached, or its link."""
    return [
        m
        for m in emulator.messages_in(thread)
        if m.author.id == emulator.bot.id
        and not m.deleted
        and (
            "/media/renders/" in m.content
            or any(a.filename.endswith(".mp4") for a in m.attachments)
        )
    ]


def is_export_post(data: dict[str, Any]) -> bool:
    """An export result post: its nonce is a render's (``render_nonce``: ``bt`` + 23 hex)."""
    nonce = data.get("nonce")
    return isinstance(nonce, str) and len(nonce) == 25 and nonce.startswith("bt")


async def export_rows(database_url: str) -> list[tuple[str, int, str, int | None]]:
    """Every export row: render id, thread id, status, posted message id."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text("SELECT render_id, thread_id, status, posted_message_id FROM export_job")
            )
            return [(str(r[0]), int(r[1]), str(r[2]), r[3]) for r in result]
    finally:
        await engine.dispose()


class _FoundPosted(logging.Handler):
    """Collects the render ids of ``find_posted`` recoveries logged in this process."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.renders: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.renders.update(FOUND_POSTED.findall(record.getMessage()))


class CrashRound:
    """One round of exports and kills in a :class:`CrashWorld` (steps in the module docstring)."""

    def __init__(
        self, world: CrashWorld, config: RoundConfig, *, say: Callable[[str], None] | None = None
    ) -> None:
        self.world = world
        self.config = config
        self.rng = random.Random(config.seed)
        self.say = say or (lambda _line: None)
        self.env = bot_env(
            world.emulator,
            world.backend.url,
            world.database_url,
            WATCH_CHANNEL_IDS=str(world.tracks.id),
            EXPORT_FIRST_POLL=str(config.first_poll),
            INSTANCE_ID="beatthread-crash",
            MAX_EXPORTS_PER_USER=str(config.exports),
            MAX_QUEUED_TURNS_PER_USER=str(config.exports + 10),
            DATA_DIR=str(world.scratch / "data"),
        )
        self.runs: list[BotRun] = []
        self.kills: list[Kill] = []
        self.threads: list[Channel] = []
        self.current: BotRun | None = None
        self._started = time.monotonic()
        self._found_in_process: set[str] = set()

    @property
    def emulator(self) -> DiscordEmulator:
        """The round's emulated Discord."""
        return self.world.emulator

    async def run(self) -> RoundResult:
        """Export, kill as planned, drain; return what the record shows."""
        config = self.config
        plan = plan_kills(
            config.kills,
            config.exports,
            self.rng,
            nonce=config.nonce,
            around_share=config.around_share,
        )
        self.say(f"seed {config.seed}: {len(plan)} kills: {', '.join(plan)}")
        self.emulator.holds.arm("before_store", is_export_post, times=1_000_000)
        try:
            await self._start_exports()
            for window in plan:
                await self._kill_at(window)
            await self._drain()
        finally:
            self.emulator.holds.disarm()
            for held in self.emulator.holds.waiting():
                held.release(deliver=False)
            for run in self.runs:
                if run.alive:
                    run.process.kill()
                    await run.process.wait()
        return await self._result()

    # -- processes ---------------------------------------------------------------------

    async def _spawn(self) -> BotRun:
        run = await spawn_bot(len(self.runs), self.env, self.world.scratch)
        self.runs.append(run)
        self.current = run
        return run

    async def _until(self, run: BotRun, check: Callable[[], T | None], what: str) -> T:
        return await until_or_exit(
            self.emulator, run, check, timeout=self.config.moment_timeout, what=what
        )

    async def _ready(self) -> BotRun:
        """The running process, or a new one once the emulator sent it READY."""
        if self.current is not None and self.current.alive:
            return self.current
        mark = readies(self.emulator)
        run = await self._spawn()
        await self._until(run, lambda: readies(self.emulator) > mark, f"READY of run {run.index}")
        return run

    async def _kill(self, run: BotRun, window: Window, *, keep: HeldCreate | None = None) -> None:
        """SIGKILL ``run``; drop the posts it had on the wire (all but ``keep``)."""
        if not run.alive:
            raise BotExitedError(f"bot run {run.index} was already gone:\n{run.tail()}")
        run.process.kill()
        await run.process.wait()
        dropped = 0
        for held in self.emulator.holds.waiting():
            if held is keep:
                continue
            if held.point == "before_store":
                held.release(deliver=False)
                dropped += 1
            else:
                held.release()  # stored already; the answer goes nowhere
        self.kills.append(Kill(window, run.index, dropped, time.monotonic() - self._started))
        self.current = None

    # -- the round ---------------------------------------------------------------------

    async def _start_exports(self) -> None:
        """Tracks dropped, ``/export`` in each thread; staggered renders (module docstring)."""
        world = self.world
        await self._ready()
        for index in range(self.config.exports):
            posted = await world.mia.post(
                world.tracks, "new track", files=[(f"Track {index}.mp3", mp3_bytes())]
            )
            thread = await self.emulator.wait_for_thread(
                world.tracks, lambda t, pid=posted.id: t.id == pid, timeout=30
            )
            await self.emulator.wait_for_message(
                thread, lambda m: "beatthread:export:" in "".join(m.custom_ids()), timeout=30
            )
            self.threads.append(thread)
        for index, thread in enumerate(self.threads):
            seconds = self.config.first_render + index * self.config.render_gap
            world.backend.config.render_seconds = seconds
            await world.mia.slash("export", thread)
            await self.emulator.wait_for_message(
                thread,
                lambda m: any(i.startswith("beatthread:cancel:") for i in m.custom_ids()),
                timeout=30,
            )
        self.say(f"{len(self.threads)} exports started")

    async def _kill_at(self, window: Window) -> None:
        emulator = self.emulator
        if window is Window.RANDOM:
            run = await self._ready()
            delay = self.rng.uniform(0.0, self.config.random_within)
            _, pending = await asyncio.wait(
                {asyncio.ensure_future(run.process.wait())}, timeout=delay
            )
            for waiter in pending:
                waiter.cancel()
            await self._kill(run, window)
        elif window in (Window.STARTUP, Window.IDENTIFY):
            if self.current is not None and self.current.alive:
                # Only after a late post is a process left running; it goes first.
                await self._kill(self.current, Window.RANDOM)
            counter = application_lookups if window is Window.STARTUP else identifies
            mark = counter(emulator)
            run = await self._spawn()
            await self._until(run, lambda: counter(emulator) > mark, f"{window} of run {run.index}")
            await self._kill(run, window)
        else:
            await self._around_post(window)

    async def _held_post(self, run: BotRun) -> HeldCreate:
        waiting = await self._until(
            run,
            lambda: [h for h in self.emulator.holds.waiting() if h.point == "before_store"],
            f"an export post from run {run.index}",
        )
        return waiting[0]

    async def _around_post(self, window: Window) -> None:
        emulator = self.emulator
        run = await self._ready()
        held = await self._held_post(run)
        nonce = str(held.data["nonce"])
        if window is Window.CLAIM_POST:
            await self._kill(run, window)
        elif window is Window.POST_RECORD:
            emulator.holds.arm("after_store", lambda data: data.get("nonce") == nonce)
            held.release()
            await self._until(
                run,
                lambda: [h for h in emulator.holds.waiting() if h.point == "after_store"],
                f"the stored post {nonce}",
            )
            await self._kill(run, window)
        elif window is Window.STATUS_EDIT:
            route = "/channels/{channel_id}/messages/{message_id}"
            edits = f"/channels/{held.channel_id}/messages/"

            def status_edits() -> int:
                requests = emulator.recorder.requests_to("PATCH", route)
                return sum(1 for r in requests if r.path.startswith(edits))

            mark = status_edits()
            held.release()
            await self._until(run, lambda: status_edits() > mark, f"the status edit of {nonce}")
            await self._kill(run, window)
        else:  # LATE_POST
            await self._kill(run, window, keep=held)
            successor = await self._ready()

            def retried() -> list[HeldCreate]:
                return [
                    h
                    for h in emulator.holds.waiting()
                    if h is not held and h.data.get("nonce") == nonce
                ]

            (retry, *_) = await self._until(successor, retried, f"the retry of {nonce}")
            held.release()  # the dead process's post lands first
            await self._until(
                successor,
                lambda: any(m.nonce == nonce for m in emulator.messages_in(held.channel_id)),
                f"the late post {nonce}",
            )
            replays = len(emulator.recorder.nonce_replays)
            retry.release()
            await self._until(
                successor,
                lambda: len(emulator.recorder.nonce_replays) > replays,
                f"Discord's answer to the retry of {nonce}",
            )

    async def _drain(self) -> None:
        """Lift the holds, stop any process left, and let a last bot finish every export."""
        emulator = self.emulator
        emulator.holds.disarm()
        for held in emulator.holds.waiting():
            held.release()
        if self.current is not None and self.current.alive:
            self.current.process.terminate()
            await asyncio.wait_for(self.current.process.wait(), 30)
        self.current = None
        values = {
            key.lower(): value
            for key, value in self.env.items()
            if key.startswith(_SETTING_PREFIXES)
        }
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        found = _FoundPosted()
        poller_log = logging.getLogger("bot.jobs.poller.handling")
        poller_log.addHandler(found)
        try:
            async with (
                prepared_bot(settings, **CLIENT_OPTIONS) as bot,
                running(bot, emulator.token, emulator=emulator),
            ):
                poller = bot.exports
                await emulator.wait_until(lambda: poller.ready, timeout=30, what="poller start")
                await asyncio.wait_for(poller.settle(), self.config.moment_timeout)
        finally:
            poller_log.removeHandler(found)
        self._found_in_process = found.renders
        self.say(f"drained after {len(self.kills)} kills")

    async def _result(self) -> RoundResult:
        emulator = self.emulator
        rows = await export_rows(self.world.database_url)
        posted_ids = {
            thread.id: [m.id for m in result_posts(emulator, thread)] for thread in self.threads
        }
        unrecorded = [
            render_id
            for render_id, thread_id, status, message_id in rows
            if status == "posted" and [message_id] != posted_ids.get(thread_id)
        ]
        found = set(self._found_in_process)
        for run in self.runs:
            found.update(FOUND_POSTED.findall(run.log.read_text(errors="replace")))
        return RoundResult(
            seed=self.config.seed,
            kills=list(self.kills),
            posts={t.id: len(result_posts(emulator, t)) for t in self.threads},
            videos={t.id: len(video_messages(emulator, t)) for t in self.threads},
            statuses=Counter(status for _, _, status, _ in rows),
            unrecorded=unrecorded,
            found_posted=len(found),
            nonce_replays=len(emulator.recorder.nonce_replays),
            open_statuses=sum(
                1
                for thread in self.threads
                for m in emulator.messages_in(thread)
                if m.author.id == emulator.bot.id
                and any(i.startswith("beatthread:cancel:") for i in m.custom_ids())
            ),
            runs=len(self.runs) + 1,
            seconds=time.monotonic() - self._started,
        )
