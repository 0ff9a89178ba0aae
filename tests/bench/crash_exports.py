"""Benchmark: exports posted exactly once while ``beatthread run`` is SIGKILLed 100+ times.

Everything is real except Discord and NemoVideo, which are the test emulator and the local
backend on loopback ports (``tests/crash/harness.py`` has the whole design): the bot runs as
``python -m bot run`` subprocesses, restarted after every kill, on one SQLite file (or, with
``--postgresql``, a throwaway PostgreSQL 15 cluster as the tests start one). Rounds of
``--exports`` exports each run until ``--kills`` kills are reached; a round starts its exports
through the emulated UI (track dropped, ``/export``), kills at seeded random moments and in
targeted windows (start-up, IDENTIFY, claim→post, post→record, status edit, late post), then
drains with a last bot and reads the emulator's record and the database.

``--nonce both`` (the default) alternates rounds in which the emulator honours Discord's
``enforce_nonce`` (2 minutes) and rounds in which it forgets nonces at once: there only the
bot's own ``find_posted`` keeps posts single (and the late-post window is left out, since a
dead process's post landing after the retry is what only the nonce can stop).

Printed: kills per window, result posts per export (each must be 1), who stopped each repeat
(``find_posted`` recoveries, Discord nonce replays, posts dropped at a kill and re-posted),
and the time taken. Exit code 1 if any export was posted other than once or left unposted.

    .venv/bin/python tests/bench/crash_exports.py [--exports 10] [--kills 100] [--seed 1]
        [--kills-per-round 25] [--nonce both|on|off] [--postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout

from tests.crash.harness import (
    AROUND_POSTING,
    CrashRound,
    RoundConfig,
    RoundResult,
    Window,
    open_world,
)


@contextlib.contextmanager
def postgresql() -> Iterator[Any]:
    """A throwaway PostgreSQL 15 cluster, as the test fixtures start one."""
    from tests.plugins.database import throwaway_postgres

    with throwaway_postgres("bt-bench-pg-") as server:
        yield server


def report(results: list[RoundResult], nonce_of: dict[int, bool], seconds: float) -> bool:
    """Print the figures; return whether every export was posted exactly once."""
    windows: Counter[Window] = Counter()
    for result in results:
        windows.update(result.windows())
    kills = sum(windows.values())
    posts: Counter[int] = Counter()
    for result in results:
        posts.update(result.posts.values())
    exports = sum(len(r.posts) for r in results)
    bad_videos = sum(1 for r in results for n in r.videos.values() if n != 1)
    statuses: Counter[str] = Counter()
    for result in results:
        statuses.update(result.statuses)
    unrecorded = [render for r in results for render in r.unrecorded]
    print(
        f"rounds: {len(results)}  exports: {exports}  kills: {kills}  bot processes: "
        f"{sum(r.runs for r in results)}"
    )
    print("kills per window:")
    for window in Window:
        print(f"  {window:<12} {windows[window]:4d}")
    print(f"result posts per export: {dict(sorted(posts.items()))}  (posts → exports)")
    print(f"Video messages (MP4 attached or linked) per export other than 1: {bad_videos}")
    print(
        f"export rows by status: {dict(statuses)}; posted rows not naming their post: "
        f"{len(unrecorded)}"
    )
    for honoured in (True, False):
        chosen = [r for r in results if nonce_of[r.seed] is honoured]
        if not chosen:
            continue
        label = "Discord honours nonces" if honoured else "Discord forgot nonces"
        around = Counter[Window]()
        for result in chosen:
            around.update(w for w in result.windows().elements() if w in AROUND_POSTING)
        print(f"repeats stopped ({label}, {len(chosen)} rounds):")
        print(
            f"  exports whose unrecorded post find_posted found (recorded, not re-sent): "
            f"{sum(r.found_posted for r in chosen)}  (post→record kills: "
            f"{around[Window.POST_RECORD]}; status-edit kills: {around[Window.STATUS_EDIT]}, "
            "which race the record)"
        )
        print(
            f"  Discord nonce replays (retry answered with the first post): "
            f"{sum(r.nonce_replays for r in chosen)}  (late-post kills: "
            f"{around[Window.LATE_POST]})"
        )
        print(
            f"  claimed posts dropped at a kill, posted again by a later run: "
            f"{sum(r.dropped_posts for r in chosen)}"
        )
    print(f"time: {seconds:.1f} s ({seconds / max(kills, 1):.2f} s per kill)")
    ok = (
        set(posts) == {1}
        and bad_videos == 0
        and set(statuses) == {"posted"}
        and statuses["posted"] == exports
        and not unrecorded
    )
    print("RESULT:", "every export posted exactly once" if ok else "FAILED")
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exports", type=int, default=10, help="exports per round")
    parser.add_argument("--kills", type=int, default=100, help="kills in all (at least)")
    parser.add_argument("--kills-per-round", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1, help="seed of the first round")
    parser.add_argument("--nonce", choices=["both", "on", "off"], default="both")
    parser.add_argument("--postgresql", action="store_true", help="PostgreSQL 15, not SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the logs and databases")
    args = parser.parse_args()

    rounds = math.ceil(args.kills / args.kills_per_round)
    per_round = math.ceil(args.kills / rounds)
    modes = {"on": [True], "off": [False], "both": [True, False]}[args.nonce]
    scratch = Path(tempfile.mkdtemp(prefix="bt-crash-"))
    print(
        f"{rounds} rounds x {args.exports} exports x {per_round} kills; seeds "
        f"{args.seed}..{args.seed + rounds - 1}; database: "
        f"{'PostgreSQL 15' if args.postgresql else 'SQLite'}; scratch: {scratch}"
    )
    results: list[RoundResult] = []
    nonce_of: dict[int, bool] = {}
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(postgresql()) if args.postgresql else None
        for index in range(rounds):
            seed = args.seed + index
            nonce = modes[index % len(modes)]
            nonce_of[seed] = nonce
            config = RoundConfig(exports=args.exports, kills=per_round, seed=seed, nonce=nonce)
            database = None
            if server is not None:
                from bot.storage import upgrade

                database = server.url(server.create_database())
                await upgrade(database)
            round_dir = scratch / f"round-{seed}"
            async with open_world(round_dir, database, nonce=nonce) as world:
                result = await CrashRound(world, config, say=print).run()
            results.append(result)
            print(
                f"round {seed} ({'nonce' if nonce else 'no nonce'}): "
                f"{len(result.kills)} kills, posts per export "
                f"{sorted(Counter(result.posts.values()).items())}, {result.seconds:.1f} s"
            )
    ok = report(results, nonce_of, time.monotonic() - started)
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
