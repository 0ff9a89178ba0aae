"""A whole session through the bot: the time the bot adds beyond the backend's own work.

One musician's session, as in the README: an MP3 dropped in ``#tracks`` (the bot opens a thread,
uploads, says "Ready"), two chat turns ("sync visuals to the beat", "add the title Urban
Dreams"), then ``/export`` until the video is posted. Everything runs as in production over
loopback: the bot as its own process, built by ``prepared_bot`` like ``beatthread run``, with
the production timings and settings (``EXPORT_FIRST_POLL`` included); the local backend as
``beatthread local-backend --control`` in a second process; the Discord emulator here.

Per step, three figures:

* **user-visible**, on the emulator's clock: the user's message (or ``/export``) created →
  the bot's "Ready" message, the last edit of its streamed reply, the video post;
* **backend**, from the backend's own record (``GET /_control/timings``): the time any request
  was being handled (upload received → stored and probed, ``/run_sse`` stream start → end, …)
  and, for the export, render submitted → done, merged where they overlap;
* **bot-added** = user-visible - backend: gateway delivery, the bot's handling and database,
  Discord's REST round trips (the emulator's), and waits that are the bot's policy, not its
  slowness, each printed on its own line: the chat **burst grace** (a lone message's turn
  starts ``Timings.burst_grace`` after it, so lines sent with it join; nobody types on here,
  so the longer ``burst_window`` after a typing signal never applies), the
  **edit pacing** of a streamed reply (at most one edit per message a second, so a final edit
  due sooner waits) and the export poller's **poll wait** (render done → the poll that saw it;
  the schedule is adaptive and its first poll comes ``EXPORT_FIRST_POLL`` after submitting).
  When the video is over the upload limit (10 MiB), the **smaller copy** the bot downloads,
  encodes with its own ffmpeg and attaches is set apart the same way: a choice, not a wait.
  The double's preview MP4 (at most 10 s) always fits; the studio's whole-track render often
  does not, and neither would most 1080p NemoVideo renders of a whole song.

Target: bot-added ≤ 5 s per step and in all. Where the bot's time goes is printed per step as
the gaps between backend requests. The backend is the scripted double by default, with
realistic waits (``--work-seconds`` of tool work per edit turn, a ``--render-seconds`` render);
``--studio`` uses the local studio instead (real analysis and a real render of the whole
track). Between steps the benchmark asks the bot process (over its stdin) to say when the
thread's queue is idle, so no message is ever queued behind the previous turn.

    .venv/bin/python tests/bench/session_overhead.py [--runs 3] [--studio] [--seconds 180]
        [--work-seconds 5] [--render-seconds 30] [--first-poll 15]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import statistics
import subprocess
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import imageio_ffmpeg

# Run as a script from anywhere: the stage lives in the test tree.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401 - imported once, under the filter

from bot.config import Settings
from bot.core.texts import text
from bot.core.usecases import Timings
from bot.discord_app.bot import BeatthreadBot
from bot.discord_app.launch import prepared_bot
from bot.discord_app.limiter import MessageBudget
from bot.observability import setup_logging
from bot.studio import synth
from tests.discord_app.stage import Stage, backend_process, run_env
from tests.discord_emulator import Channel, DiscordEmulator, Message, UserDriver

CHAT_TURNS = ("sync visuals to the beat", "add the title Urban Dreams")
TARGET = 5.0
#: How long one step may take before the benchmark gives up (a studio render of a long track).
STEP_TIMEOUT = 600.0
#: Gaps between backend requests shorter than this are not listed as "where the time went".
SHOWN_GAP = 0.05
BURST_GRACE = Timings().burst_grace
FIRST_POLL = float(Settings.model_fields["export_first_poll"].default)
#: The start of the "queued behind the current reply" notice, which must never appear here.
QUEUED = text("queued", "en", position=0).split("(")[0]
#: What the result post says when it carries a copy made to fit the upload limit.
SMALLER_COPY = text("export_ready_smaller", "en")


# -- the bot's side (a subprocess) ------------------------------------------------------


async def answer_joins(bot: BeatthreadBot) -> None:
    """For each ``join <thread id>`` line on stdin, print ``idle <thread id>`` once it is idle.

    The same wait as ``Stage.ready_in`` does for a bot in the test's process: a message sent
    while the thread's queue is busy would be queued behind it, which is not what is measured.
    """
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        thread_id = int(line.split()[1])
        runner = await bot.app.hub.get(thread_id)
        if runner is not None:
            await runner.join()
        sys.stdout.write(f"idle {thread_id}\n")
        sys.stdout.flush()


async def run_bot() -> None:
    """``beatthread run``'s bot (production timings, side server) plus the idle answers."""
    settings = Settings()
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    loop = asyncio.get_running_loop()
    async with prepared_bot(settings, ops=True) as bot:
        stopping: set[asyncio.Task[None]] = set()

        def stop() -> None:
            if not stopping:
                stopping.add(loop.create_task(bot.shutdown(settings.shutdown_grace)))

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop)
        joins = loop.create_task(answer_joins(bot))
        try:
            await bot.start(token)
        finally:
            joins.cancel()
            await asyncio.gather(joins, *stopping, return_exceptions=True)


# -- the world's side ---------------------------------------------------------------------


@dataclass(frozen=True)
class Busy:
    """An interval in which the backend was working, and what on."""

    what: str
    start: float
    end: float
    size: int = 0  # a render's MP4, bytes


@dataclass
class Step:
    """One step's figures (seconds) and the details behind them."""

    name: str
    visible: float
    backend: float
    #: Waits that are the bot's policy, not its slowness (burst grace, edit pacing, poll
    #: wait): name → seconds, all inside ``bot_added``.
    policies: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    gaps: list[tuple[float, str]] = field(default_factory=list)

    @property
    def bot_added(self) -> float:
        """User-visible time the backend was not working."""
        return self.visible - self.backend

    @property
    def bot_own(self) -> float:
        """Bot-added time beyond the policy waits (and the copy made to fit a limit)."""
        return self.bot_added - sum(self.policies.values())


def busy_intervals(timings: dict[str, Any]) -> list[Busy]:
    """The backend's record as intervals: each handled request, each render's run."""
    found = [
        Busy(r["route"] or r["path"], r["received_at"], r["finished_at"])
        for r in timings["requests"]
    ]
    found += [
        Busy("render", r["submitted_at"], r["finished_at"], r["size"])
        for r in timings["renders"]
        if r["finished_at"] is not None
    ]
    return sorted(found, key=lambda b: b.start)


def within(busy: Iterable[Busy], start: float, end: float) -> list[Busy]:
    """The intervals overlapping ``[start, end]``, clipped to it."""
    return [
        Busy(b.what, max(b.start, start), min(b.end, end), b.size)
        for b in busy
        if b.end > start and b.start < end
    ]


def merged(busy: Sequence[Busy]) -> list[tuple[float, float, str, str]]:
    """Overlapping intervals merged: ``(start, end, first thing, last thing)``, in order."""
    out: list[tuple[float, float, str, str]] = []
    for b in sorted(busy, key=lambda b: b.start):
        if out and b.start <= out[-1][1]:
            start, end, first, last = out[-1]
            out[-1] = (start, max(end, b.end), first, b.what if b.end >= end else last)
        else:
            out.append((b.start, b.end, b.what, b.what))
    return out


def measure(name: str, start: float, end: float, busy: Sequence[Busy]) -> Step:
    """A step from its user-visible window and the backend's intervals inside it."""
    spans = merged(within(busy, start, end))
    step = Step(name, end - start, sum(e - s for s, e, _, _ in spans))
    previous, after = start, "the user's action"
    for span_start, span_end, first, last in spans:
        step.gaps.append((span_start - previous, f"{after} → {first}"))
        previous, after = span_end, last
    step.gaps.append((end - previous, f"{after} → shown in Discord"))
    return step


def last_change(messages: Iterable[Message]) -> float:
    """When the newest of these messages was last created or edited."""
    return max(m.edits[-1].at if m.edits else m.created_at for m in messages)


def edit_pacing(changes: Sequence[float], stream_end: float) -> float:
    """How long the reply's last edit waited, after the stream ended, for the edit pacing.

    The limiter edits a message at most once per ``MessageBudget.per_message`` (Discord's
    edit budget, and what reads well): a final edit due less than that after the previous
    change waits for it.
    """
    if len(changes) < 2 or changes[-1] <= stream_end:
        return 0.0
    allowed = changes[-2] + MessageBudget().per_message
    return max(0.0, min(changes[-1], allowed) - stream_end)


class BotProcess:
    """The bot's process: started like ``beatthread run``, asked when a thread is idle."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    async def idle(self, thread: Channel) -> None:
        """Wait until the bot has handled everything queued in ``thread``."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(f"join {thread.id}\n".encode())
        await self._process.stdin.drain()
        line = await asyncio.wait_for(self._process.stdout.readline(), STEP_TIMEOUT)
        if line.decode().split() != ["idle", str(thread.id)]:
            raise RuntimeError(f"the bot answered {line!r}")


@contextlib.asynccontextmanager
async def bot_process(stage: Stage, **env: str) -> AsyncIterator[BotProcess]:
    """The ``--bot`` side of this script as its own process, ready and synced; SIGTERM on exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--bot",
        env=run_env(stage, OPS_PORT="0", **env),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        await stage.emulator.wait_for_commands(timeout=60)
        await stage.emulator.wait_for_event("GUILD_CREATE", timeout=60)
        yield BotProcess(process)
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), 60)


def make_track(folder: Path, seconds: float) -> Path:
    """A generated 120-BPM track with known beats, encoded as a 192 kb/s MP3 (as people post)."""
    wav = folder / "Urban Dreams.wav"
    synth.write_track(wav, synth.TrackSpec("Urban Dreams", 120.0, seconds, style="backbeat"))
    mp3 = folder / "Urban Dreams.mp3"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-i", str(wav)]
    subprocess.run([*command, "-c:a", "libmp3lame", "-b:a", "192k", str(mp3)], check=True)
    return mp3


@dataclass
class Window:
    """A step as the user saw it: its start and end, notes, and the bot's Discord REST calls."""

    name: str
    start: float
    end: float
    notes: list[str]
    rest_calls: list[str]
    #: When the message that changed last was created and edited (a chat reply's history).
    final_changes: list[float] = field(default_factory=list)
    #: The result post carries a smaller copy the bot encoded to fit Discord's upload limit.
    smaller_copy: bool = False


class Session:
    """One musician's session through the emulator; records each step's user-visible window."""

    def __init__(self, stage: Stage, bot: BotProcess, user: UserDriver, track: Path) -> None:
        self._stage = stage
        self._bot = bot
        self._user = user
        self._track = track
        self.windows: list[Window] = []
        self._rest_mark = 0

    def _bot_messages_since(self, thread: Channel, start: float) -> list[Message]:
        return [m for m in self._stage.bot_messages(thread) if m.created_at >= start]

    def _mark(self) -> None:
        self._rest_mark = len(self._stage.emulator.recorder.requests)

    def _record(
        self, name: str, start: float, end: float, *notes: str, final: Message | None = None
    ) -> None:
        requests = self._stage.emulator.recorder.requests[self._rest_mark :]
        calls = [r.key for r in requests]
        changes = [] if final is None else [final.created_at, *(e.at for e in final.edits)]
        self.windows.append(Window(name, start, end, list(notes), calls, changes))

    async def run(self) -> Channel:
        """Drop, chat, export; every step waits for the bot to finish the previous one."""
        emulator = self._stage.emulator
        self._mark()
        posted = await self._user.post(
            self._stage.tracks, files=[(self._track.name, str(self._track))]
        )
        thread = await emulator.wait_for_thread(
            self._stage.tracks, lambda t: t.id == posted.id, timeout=STEP_TIMEOUT
        )
        ready = await emulator.wait_for_message(
            thread,
            lambda m: f"beatthread:export:{thread.id}" in m.custom_ids(),
            timeout=STEP_TIMEOUT,
        )
        await self._bot.idle(thread)
        opened = thread.created_at - posted.created_at
        self._record(
            "drop MP3 → Ready",
            posted.created_at,
            ready.created_at,
            f"thread opened after {opened:.2f} s",
        )
        for words in CHAT_TURNS:
            self._mark()
            said = await self._user.post(thread, words)
            await emulator.wait_for_message(
                thread, lambda m, t=said.created_at: m.created_at >= t, timeout=STEP_TIMEOUT
            )
            await self._bot.idle(thread)
            replies = self._bot_messages_since(thread, said.created_at)
            first = min(m.created_at for m in replies)
            final = max(replies, key=lambda m: last_change([m]))
            self._record(
                f'"{words}" → reply complete',
                said.created_at,
                last_change(replies),
                f"first text shown after {first - said.created_at:.2f} s; "
                f"{sum(len(m.edits) for m in replies)} edit(s) of {len(replies)} message(s)",
                final=final,
            )
        self._mark()
        handle = await self._user.slash("export", thread)
        start = handle.interaction.created_at
        post = await self._stage.result_post(thread, within=STEP_TIMEOUT)
        # The status message's last edit (no Cancel button) follows the post: let it land, so
        # the next run does not start beside it.
        await emulator.wait_until(
            lambda: (
                not any(
                    i.startswith("beatthread:cancel:")
                    for m in self._stage.bot_messages(thread)
                    for i in m.custom_ids()
                )
            ),
            timeout=STEP_TIMEOUT,
            what="the export status's final edit",
        )
        await self._bot.idle(thread)
        acked = handle.interaction.callback_at or start
        smaller = SMALLER_COPY in post.content
        kind = "a smaller copy" if smaller else "the original"
        videos = [a for a in post.attachments if a.content_type == "video/mp4"]
        attached = (
            f"{kind} attached ({videos[0].size / 1e6:.1f} MB)" if videos else "nothing attached"
        )
        self._record(
            "/export → video posted",
            start,
            post.created_at,
            f"acknowledged after {acked - start:.2f} s; {attached}",
        )
        self.windows[-1].smaller_copy = smaller
        queued = [m for m in self._stage.bot_messages(thread) if m.content.startswith(QUEUED)]
        if queued:
            raise RuntimeError(f"a message was queued behind a turn: {queued[0].content!r}")
        return thread


def figures(session: Session, timings: dict[str, Any]) -> list[Step]:
    """Each step's figures from the session's windows and the backend's record."""
    busy = busy_intervals(timings)
    steps = []
    for window in session.windows:
        name, start, end = window.name, window.start, window.end
        step = measure(name, start, end, busy)
        step.notes += window.notes
        counted = Counter(window.rest_calls)
        step.notes.append(
            f"Discord REST calls by the bot: {len(window.rest_calls)} ("
            + ", ".join(f"{key} x{n}" for key, n in counted.most_common())
            + ")"
        )
        inside = within(busy, start, end)
        streams = [b for b in inside if b.what == "run_sse"]
        if streams:
            stream = streams[0]
            step.policies["burst grace"] = BURST_GRACE
            step.policies["edit pacing"] = edit_pacing(window.final_changes, stream.end)
            step.notes.append(
                f"message → stream request {stream.start - start:.2f} s (the "
                f"{BURST_GRACE:.1f} s burst grace in it); stream {stream.end - stream.start:.2f}"
                f" s; stream end → last edit {end - stream.end:.2f} s"
            )
        renders = [b for b in inside if b.what == "render"]
        if renders:
            render = renders[0]
            polls = [b for b in inside if b.what == "render_poll"]
            seen = next((p for p in polls if p.start >= render.end), None)
            if seen is not None:
                step.policies["poll wait"] = seen.start - render.end
                if window.smaller_copy:
                    # Posting a copy that fits, not only a link, is the bot's choice: its own
                    # ffmpeg encode, set apart like the waits (download and upload included).
                    step.policies["smaller copy for the limit"] = end - seen.end
            step.notes.append(
                f"render {render.end - render.start:.2f} s ({render.size / 1e6:.1f} MB), submitted "
                f"{render.start - start:.2f} s after /export; {len(polls)} polls, the first "
                f"{(polls[0].start - render.start) if polls else float('nan'):.1f} s after "
                f"submitting; video posted {end - (seen.end if seen else render.end):.2f} s "
                "after the poll that saw it done"
            )
        steps.append(step)
    return steps


def show_run(number: int, steps: Sequence[Step]) -> None:
    """One run's table, with the details behind each step."""
    print(f"\nrun {number}")
    print(f"  {'step':<48}{'visible':>9}{'backend':>9}{'bot-added':>11}")
    for step in steps:
        flag = "" if step.bot_added <= TARGET else "  > target"
        print(
            f"  {step.name:<48}{step.visible:8.2f}s{step.backend:8.2f}s{step.bot_added:10.2f}s"
            f"{flag}"
        )
        for policy, seconds in step.policies.items():
            print(f"  {'    of which the ' + policy + ' (policy)':<66}{seconds:10.2f}s")
        if step.policies:
            print(f"  {'    bot-added beyond them':<66}{step.bot_own:10.2f}s")
        for note in step.notes:
            print(f"      {note}")
        shown = sorted((g for g in step.gaps if g[0] >= SHOWN_GAP), reverse=True)
        if shown:
            print("      bot time: " + "; ".join(f"{g:.2f} s {what}" for g, what in shown))
    visible = sum(s.visible for s in steps)
    backend = sum(s.backend for s in steps)
    print(f"  {'in all':<48}{visible:8.2f}s{backend:8.2f}s{visible - backend:10.2f}s")
    own = sum(s.bot_own for s in steps)
    print(f"  {'in all, beyond the policy waits and copies':<66}{own:10.2f}s")


def show_summary(runs: Sequence[Sequence[Step]]) -> None:
    """Bot-added per step, run by run, with the median and its share of the visible time."""
    print("\nbot-added per step, run by run (median; share of the user-visible time)")
    columns = "".join(f"{'run ' + str(n):>9}" for n in range(1, len(runs) + 1))
    print(f"  {'step':<48}{columns}{'median':>9}{'share':>8}")
    names = [s.name for s in runs[0]]
    rows: list[tuple[str, list[float], list[float]]] = []
    for index, name in enumerate(names):
        rows.append((name, [r[index].bot_added for r in runs], [r[index].visible for r in runs]))
        for policy in runs[0][index].policies:
            rows.append(
                (
                    f"  of which the {policy}",
                    [r[index].policies.get(policy, 0.0) for r in runs],
                    [r[index].visible for r in runs],
                )
            )
        if runs[0][index].policies:
            rows.append(
                (
                    "  beyond them",
                    [r[index].bot_own for r in runs],
                    [r[index].visible for r in runs],
                )
            )
    rows.append(
        (
            "in all",
            [sum(s.bot_added for s in r) for r in runs],
            [sum(s.visible for s in r) for r in runs],
        )
    )
    rows.append(
        (
            "in all, beyond the policy waits and copies",
            [sum(s.bot_own for s in r) for r in runs],
            [sum(s.visible for s in r) for r in runs],
        )
    )
    for name, added, visible in rows:
        cells = "".join(f"{a:8.2f}s" for a in added)
        share = statistics.median(a / v for a, v in zip(added, visible, strict=True))
        print(f"  {name:<48}{cells}{statistics.median(added):8.2f}s{share:7.0%}")
    print(f"  (target: ≤ {TARGET:.0f} s per step and in all)")


def backend_config(args: argparse.Namespace) -> dict[str, Any]:
    """The backend's switches: the studio as it ships, or the double with realistic waits."""
    if args.studio:
        return {"studio": True}
    return {
        "studio": False,
        "silent_turns": "never",
        "work_seconds": args.work_seconds,
        "render_seconds": args.render_seconds,
        "event_delay": args.event_delay,
    }


async def main(args: argparse.Namespace) -> None:
    """Run the sessions and print the figures."""
    if args.studio:
        work = f"local studio (real analysis and render of a {args.seconds:.0f}-s track)"
    else:
        work = (
            f"scripted double: {args.work_seconds:.1f} s of tool work per edit turn, text "
            f"{args.event_delay * 1000:.0f} ms per 4 words, a {args.render_seconds:.0f}-s render"
        )
    print(f"backend: {work}")
    print(
        f"bot: production timings (burst grace {BURST_GRACE:.1f} s), EXPORT_FIRST_POLL "
        f"{args.first_poll:g} s{' (the default)' if args.first_poll == FIRST_POLL else ''}; "
        f"track: {args.seconds:.0f}-s MP3; {args.runs} runs, one bot process"
    )
    runs: list[list[Step]] = []
    with tempfile.TemporaryDirectory(prefix="bench-session-") as scratch:
        folder = Path(scratch)
        track = make_track(folder, args.seconds)
        async with backend_process(backend_config(args)) as url, DiscordEmulator() as emulator:
            guild = emulator.add_guild("Beat Lab")
            tracks = emulator.add_text_channel(guild, "tracks")
            mia = emulator.add_user("mia", locale="en-US")
            database = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
            stage = Stage(emulator, SimpleNamespace(url=url), guild, tracks, mia, database)
            async with (
                bot_process(stage, EXPORT_FIRST_POLL=str(args.first_poll)) as bot,
                httpx.AsyncClient() as http,
            ):
                for number in range(1, args.runs + 1):
                    session = Session(stage, bot, mia, track)
                    await session.run()
                    timings = (await http.get(f"{url}/_control/timings")).json()
                    steps = figures(session, timings)
                    show_run(number, steps)
                    runs.append(steps)
    show_summary(runs)


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="sessions, one after another")
    parser.add_argument("--studio", action="store_true", help="the local studio, not the double")
    parser.add_argument("--seconds", type=float, default=180.0, help="track length")
    parser.add_argument("--work-seconds", type=float, default=5.0, help="double: tool work")
    parser.add_argument("--render-seconds", type=float, default=30.0, help="double: render")
    parser.add_argument("--event-delay", type=float, default=0.1, help="double: text pace")
    parser.add_argument(
        "--first-poll", type=float, default=FIRST_POLL, help="EXPORT_FIRST_POLL of the bot"
    )
    return parser.parse_args()


if __name__ == "__main__":
    if sys.argv[1:] == ["--bot"]:
        setup_logging(Settings().log_level)
        asyncio.run(run_bot())
    else:
        asyncio.run(main(arguments()))
