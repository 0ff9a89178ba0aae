"""Many threads chatting at once through the bot: event-loop lag and peak memory of the bot.

``THREADS`` track threads (default 1,000) each get one chat message at the same moment; the
bot streams every reply into its thread. The bot runs as its own process, built by the same
``prepared_bot`` factory as ``beatthread run`` with the production timings, plus a ticker that
measures how late the event loop wakes it (target p99 ≤ 50 ms); at the end that process
reports the lag and its peak RSS (``VmHWM``, target ≤ 300 MB). The Discord emulator runs in
this process and the local backend in a third (``beatthread local-backend``), so neither counts
against the bot, and the emulator's loop is not starved by a thousand SSE streams (a starved
emulator answers in bursts, which its rate limiter then counts as bursts).

The threads and their backend sessions are prepared directly (the same use case the track
intake calls), so the measurement is about chatting, not about 1,000 uploads.

``--hog N`` runs N CPU-bound processes beside it all (a render, another service): a reply may
be slow then, never lost. The run prints how many replies completed and how many were lost,
and what a thread without its reply shows instead.

    .venv/bin/python tests/bench/concurrent_turns.py [--threads 1000] [--hog 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

# Run as a script from anywhere: the stage lives in the test tree.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401 - imported once, under the filter

from bot.config import Settings
from bot.core.gui import strip_trailing_noise, translate_gui
from bot.core.models import NewThread
from bot.discord_app.launch import prepared_bot
from bot.observability import setup_logging
from bot.services import open_services
from tests.discord_app.stage import Stage, backend_process, bot_process
from tests.discord_emulator import DiscordEmulator

STATIC_TOKEN = "bench-static-token"
TICK = 0.05
DEADLINE_S = 600
FIRST_REPLY = (
    "Happy to help with your music video! I can sync the visuals to the beat, add a title, "
    "change the music volume, trim the length or add colour effects. "
    "Tell me what you would like, or open the Effects panel and drag a style onto your clips."
)


# -- the bot's side (a subprocess) ------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[round(share * (len(ordered) - 1))]


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run_bot_measured() -> None:
    settings = Settings()
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    loop = asyncio.get_running_loop()
    lags: list[float] = []

    async def tick() -> None:
        while True:
            before = loop.time()
            await asyncio.sleep(TICK)
            lags.append((loop.time() - before - TICK) * 1000)

    async with prepared_bot(settings) as bot:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, lambda: loop.create_task(bot.close()))
        ticker = loop.create_task(tick())
        try:
            await bot.start(token)
        finally:
            ticker.cancel()
    report = {
        "lag_p50": statistics.median(lags),
        "lag_p99": percentile(lags, 0.99),
        "lag_max": max(lags),
        "peak_rss_mb": peak_rss_mb(),
    }
    sys.stdout.write(json.dumps(report) + "\n")


# -- the world's side ---------------------------------------------------------------------


@contextlib.asynccontextmanager
async def cpu_hogs(count: int) -> AsyncIterator[None]:
    """``count`` processes that keep a core busy each, until the block ends."""
    hogs = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", "while True: pass")
        for _ in range(count)
    ]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            await hog.wait()


async def main(count: int, hog: int) -> None:
    backend = {  # the scripted double: the benchmark measures the bot, not the studio
        "studio": False,
        "silent_turns": "auto",
        "turn_cost": 10,
        "static_tokens": {STATIC_TOKEN: 10**9},
        "event_delay": 0.05,
        "heartbeat_interval": 0.05,
        "work_seconds": 0.2,
    }
    with tempfile.TemporaryDirectory(prefix="bench-turns-") as scratch:
        async with backend_process(backend) as url, DiscordEmulator() as emulator:
            guild = emulator.add_guild("Beat Lab")
            tracks = emulator.add_text_channel(guild, "tracks")
            mia = emulator.add_user("mia")
            # One person per thread: the per-user queue cap is not what this measures.
            people = [emulator.add_user(f"listener{n}") for n in range(count)]
            database = f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}"
            stage = Stage(emulator, SimpleNamespace(url=url), guild, tracks, mia, database)
            settings = stage.settings(nemo_token=STATIC_TOKEN)
            threads = [await mia.create_thread(tracks, f"Track {n}") for n in range(count)]
            async with open_services(settings) as services:
                use_cases = services.use_cases()
                await asyncio.gather(
                    *(
                        use_cases.start_conversation(
                            NewThread(
                                thread_id=thread.id,
                                guild_id=guild.id,
                                parent_channel_id=tracks.id,
                                owner_user_id=mia.id,
                                title=thread.name,
                                language="en",
                            )
                        )
                        for thread in threads
                    )
                )
            command = (__file__, "--bot")
            async with (
                bot_process(stage, *command, NEMO_TOKEN=STATIC_TOKEN) as process,
                cpu_hogs(hog),
            ):
                started = time.perf_counter()
                posts = (
                    who.post(t, "what can you do?") for who, t in zip(people, threads, strict=True)
                )
                await asyncio.gather(*posts)
                final = " ".join(strip_trailing_noise(translate_gui(FIRST_REPLY)).split())
                pending = {t.id: t for t in threads}
                completed: list[float] = []
                deadline = time.monotonic() + DEADLINE_S
                while pending and time.monotonic() < deadline:
                    # A coarse poll: checking a thousand threads on every emulator change
                    # would load the emulator's process more than the bot's.
                    await asyncio.sleep(0.25)
                    for thread_id, thread in list(pending.items()):
                        shown = (" ".join(m.content.split()) for m in stage.bot_messages(thread))
                        if final in shown:
                            del pending[thread_id]
                            completed.append(time.perf_counter() - started)
                elapsed = time.perf_counter() - started
                instead = {
                    thread_id: [m.content for m in stage.bot_messages(thread)][-1:]
                    for thread_id, thread in pending.items()
                }
                process.send_signal(signal.SIGTERM)
                assert process.stdout is not None
                report = json.loads((await process.stdout.read()).decode().splitlines()[-1])
            hits = emulator.recorder.rate_limit_hits
    beside = f", {hog} CPU hog process(es) beside" if hog else ""
    print(f"threads chatting at once: {count}{beside}")
    print(f"replies completed: {count - len(pending)}; lost: {len(pending)} ({DEADLINE_S} s limit)")
    if completed:
        median, p99 = statistics.median(completed), percentile(completed, 0.99)
        print(f"reply complete after: p50 {median:.1f} s, p99 {p99:.1f} s, last {elapsed:.1f} s")
    shown = Counter(" ".join(last)[:120] or "(nothing)" for last in instead.values())
    for last, threads in shown.most_common():
        print(f"  {threads} thread(s) without their reply show: {last!r}")
    print(f"bot event-loop lag p50: {report['lag_p50']:.1f} ms")
    print(f"bot event-loop lag p99: {report['lag_p99']:.1f} ms (max {report['lag_max']:.0f} ms)")
    print(f"bot peak RSS: {report['peak_rss_mb']:.0f} MB")
    print(f"429s seen by the emulator: {len(hits)} ({sorted({h.bucket for h in hits})})")


if __name__ == "__main__":
    if sys.argv[1:] == ["--bot"]:
        setup_logging(Settings().log_level)
        asyncio.run(run_bot_measured())
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--threads", type=int, default=1000)
        parser.add_argument("--hog", type=int, default=0, help="CPU-bound processes beside")
        args = parser.parse_args()
        asyncio.run(main(args.threads, args.hog))
