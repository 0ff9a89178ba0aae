"""Interaction acknowledgement latency while many interactions arrive at once.

The bot runs as its own process (``python -m bot run``) against the Discord emulator and the
local backend, which run in this process. After a track thread is open, ``COUNT`` interactions are
dispatched at once: ``/status`` in the thread, ``/credits`` and ``/help`` in the channel, and
Show timeline clicks. The latency of one interaction is the time from the emulator creating
it to the emulator receiving the bot's first callback (a deferral or a message), on the
emulator's clock: gateway delivery, the bot's handling and the callback's HTTP round trip over
loopback. Discord's deadline is 3 s; the target is p99 ≤ 150 ms. Rounds are spaced by waiting
for every follow-up of the previous round.

    .venv/bin/python tests/bench/interaction_ack.py [COUNT]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

# Run as a script from anywhere: the stage lives in the test tree.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401 - imported once, under the filter

from tests.discord_app.stage import bot_process, open_stage
from tests.plugins.local_backend import fast_backend_config

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 200
ROUNDS = 3


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as scratch:
        async with (
            open_stage(Path(scratch), fast_backend_config()) as stage,
            bot_process(stage) as process,
        ):
            users = [stage.emulator.add_user(f"user{n}") for n in range(20)]
            _, thread = await stage.drop_track()
            ready = await stage.ready_in(thread)
            timeline = f"beatthread:timeline:{thread.id}"
            latencies: list[float] = []
            bot_cpu, harness_cpu = cpu_seconds(process.pid), time.process_time()
            started = time.perf_counter()
            for _ in range(ROUNDS):
                actions = []
                for n in range(COUNT):
                    user = users[n % len(users)] if n % 4 else stage.mia
                    match n % 4:
                        case 0:
                            actions.append(user.slash("status", thread))
                        case 1:
                            actions.append(user.slash("credits", stage.tracks))
                        case 2:
                            actions.append(user.slash("help", stage.tracks))
                        case _:
                            actions.append(user.click(ready, timeline))
                handles = await asyncio.gather(*actions)
                for handle in handles:
                    interaction = await handle.wait_for_response(timeout=30)
                    assert interaction.callback_at is not None
                    latencies.append((interaction.callback_at - interaction.created_at) * 1000)
                # Let the follow-ups finish before the next round.
                for handle in handles:
                    await handle.wait_for_original(timeout=60)
            elapsed = time.perf_counter() - started
            bot_cpu = cpu_seconds(process.pid) - bot_cpu
            harness_cpu = time.process_time() - harness_cpu
            print(f"interactions: {len(latencies)} ({ROUNDS} rounds of {COUNT} at once)")
            print(f"ack latency p50: {statistics.median(latencies):.1f} ms")
            print(f"ack latency p99: {percentile(latencies, 0.99):.1f} ms")
            print(f"ack latency max: {max(latencies):.1f} ms (Discord's deadline: 3000 ms)")
            print(f"all answered in: {elapsed:.1f} s")
            per = 1000 / len(latencies)
            bot_ms, harness_ms = bot_cpu * per, harness_cpu * per
            print(f"CPU per interaction: bot {bot_ms:.2f} ms, harness {harness_ms:.2f} ms")
            print(f"429s seen by the emulator: {len(stage.emulator.recorder.rate_limit_hits)}")


if __name__ == "__main__":
    asyncio.run(main())
