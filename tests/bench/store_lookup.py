"""Benchmark: the thread → session lookup and the start-up load of export jobs, on SQLite.

Fills a migrated SQLite file with ``--rows`` track threads (default 1,000,000) and ``--jobs``
unfinished export jobs (default 10,000, plus as many finished ones as history), then measures
through the real engine, store and repositories:

* the lookup a message in a thread triggers: one unit of work (session, BEGIN, primary-key
  read, COMMIT) per lookup, and the repository call alone inside an open session;
* the start-up load of every unfinished export job, on a freshly opened engine.

Targets (issue 3): lookup p99 ≤ 1 ms; loading 10,000 unfinished jobs ≤ 200 ms.

    .venv/bin/python tests/bench/store_lookup.py [--rows 1000000] [--lookups 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout

from bot.core.models import ExportStatus, ThreadStatus
from bot.storage import SqlStore, create_engine, create_sessionmaker, upgrade
from bot.storage.repositories import ThreadRepository

BATCH = 50_000
START = datetime(2026, 1, 1, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    """A time as SQLAlchemy's SQLite ``DateTime`` stores it (naive UTC, microseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def snowflakes(count: int, rng: random.Random) -> list[int]:
    """Discord-like ids: 64-bit, time-ordered, with gaps."""
    base = 1_100_000_000_000_000_000
    ids, current = [], base
    for _ in range(count):
        current += rng.randint(1, 1 << 22)
        ids.append(current)
    return ids


def batches(rows: Iterator[tuple[object, ...]], size: int) -> Iterator[list[tuple[object, ...]]]:
    """Split ``rows`` into lists of ``size``."""
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def fill(path: Path, thread_ids: list[int], jobs: int, finished_jobs: int) -> None:
    """Bulk-load rows with executemany in large transactions (setup, not what is measured)."""
    now = stamp(START)
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = OFF")
        threads = (
            (
                tid,
                900 + tid % 50,
                800 + tid % 500,
                700 + tid % 5000,
                f"task_{tid}",
                str(tid),
                "active",
                now,
                now,
            )
            for tid in thread_ids
        )
        for batch in batches(threads, BATCH):
            with connection:
                connection.executemany(
                    "INSERT INTO track_thread (thread_id, guild_id, parent_channel_id,"
                    " owner_user_id, task_id, session_id, status, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
        unfinished = [s.value for s in ExportStatus if not s.is_finished]
        finished = [s.value for s in ExportStatus if s.is_finished]

        def job_rows() -> Iterator[tuple[object, ...]]:
            for index in range(jobs + finished_jobs):
                statuses = unfinished if index < jobs else finished
                poll = stamp(START + timedelta(seconds=index * 7 % 86_400))
                yield (
                    f"render_{index:08d}",
                    thread_ids[index * 97 % len(thread_ids)],
                    700,
                    statuses[index % len(statuses)],
                    index % 100,
                    0,
                    poll,
                    now,
                    now,
                )

        for batch in batches(job_rows(), BATCH):
            with connection:
                connection.executemany(
                    "INSERT INTO export_job (render_id, thread_id, requester_id, status, progress,"
                    " attempts, next_poll_at, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
        connection.execute("ANALYZE")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def percentile(samples: list[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``samples`` (nearest rank), in milliseconds."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def report(label: str, samples: list[float]) -> None:
    """Print p50/p99/max of ``samples`` (seconds)."""
    p50, p99 = percentile(samples, 0.50), percentile(samples, 0.99)
    print(
        f"{label:<46} p50 {p50:6.3f} ms   p99 {p99:6.3f} ms"
        f"   max {max(samples) * 1000:6.2f} ms   (n={len(samples)})"
    )


async def measure(url: str, thread_ids: list[int], lookups: int, rng: random.Random) -> None:
    """Time lookups and the start-up job load through the application's own code paths."""
    engine = create_engine(url)
    try:
        store = SqlStore(create_sessionmaker(engine))
        probe = [rng.choice(thread_ids) for _ in range(lookups)]
        for tid in probe[:1000]:  # warm the pool and the statement cache
            async with store.transaction() as tx:
                await tx.threads.get(tid)

        per_unit: list[float] = []
        clock = time.perf_counter
        for tid in probe:
            started = clock()
            async with store.transaction() as tx:
                thread = await tx.threads.get(tid)
            per_unit.append(clock() - started)
            assert thread is not None and thread.session_id == str(tid)
            assert thread.status is ThreadStatus.ACTIVE
        report("lookup, one unit of work each", per_unit)

        in_session: list[float] = []
        async with store.transaction() as tx:
            repository: ThreadRepository = tx.threads
            for tid in probe:
                started = clock()
                await repository.get(tid)
                in_session.append(clock() - started)
        report("lookup, repository call in an open session", in_session)

        misses: list[float] = []
        for _ in range(min(lookups, 5000)):
            started = clock()
            async with store.transaction() as tx:
                await tx.threads.get(rng.randrange(1, 1 << 40))
            misses.append(clock() - started)
        report("lookup of an unknown thread (a miss)", misses)
    finally:
        await engine.dispose()

    loads: list[float] = []
    for _ in range(5):
        engine = create_engine(url)  # start-up: a fresh engine, first connection included
        try:
            started = time.perf_counter()
            async with SqlStore(create_sessionmaker(engine)).transaction() as tx:
                jobs = await tx.exports.load_unfinished()
            loads.append(time.perf_counter() - started)
        finally:
            await engine.dispose()
    print(
        f"{'start-up load of unfinished export jobs':<46} first {loads[0] * 1000:6.1f} ms"
        f"   median {statistics.median(loads) * 1000:6.1f} ms   ({len(jobs)} jobs)"
    )


async def main() -> None:
    """Build the database, fill it, measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="track threads to insert")
    parser.add_argument("--jobs", type=int, default=10_000, help="unfinished export jobs")
    parser.add_argument("--finished-jobs", type=int, default=50_000, help="history rows")
    parser.add_argument("--lookups", type=int, default=20_000, help="lookups to time")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the database")
    args = parser.parse_args()

    rng = random.Random(3)
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        path = Path(scratch) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, file {path}")
        started = time.perf_counter()
        await upgrade(url)
        thread_ids = snowflakes(args.rows, rng)
        fill(path, thread_ids, args.jobs, args.finished_jobs)
        size_mb = path.stat().st_size / 1e6
        print(
            f"filled {args.rows:,} threads, {args.jobs:,} unfinished + {args.finished_jobs:,}"
            f" finished jobs in {time.perf_counter() - started:.1f} s ({size_mb:.0f} MB)"
        )
        await measure(url, thread_ids, args.lookups, rng)


if __name__ == "__main__":
    asyncio.run(main())
