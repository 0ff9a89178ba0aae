"""Two `beatthread run` processes on one PostgreSQL, one shard each: split jobs, one survivor.

Which process polled what is observed on the wire: each process reaches the backend through
its own recording proxy (``tests/crash/proxy.py``), which notes every call's start and end.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.local_backend import LocalBackend
from bot.storage import create_engine
from tests.crash.harness import (
    backend_config,
    bot_env,
    export_rows,
    readies,
    result_posts,
    spawn_bot,
    until_or_exit,
)
from tests.crash.proxy import RecordingProxy, render_of, render_polls
from tests.discord_app.stage import mp3_bytes

pytestmark = [
    pytest.mark.timeout(120),
    # Two processes on one database, leases under FOR UPDATE SKIP LOCKED: PostgreSQL only.
    pytest.mark.parametrize("database_backend", ["postgresql"]),
]

LEASE = 8.0  # EXPORT_LEASE_SECONDS
TAKEOVER = 4.0  # EXPORT_TAKEOVER_SECONDS
SCAN_EVERY = 5.0  # PollerSettings.scan_every: how often a poller looks for jobs not its own
SLACK = 3.0  # a loaded CI machine: claim, statement and poll latency
RENDER = 12.0  # long enough that nothing is posted before the kill
PER_GUILD = 3
WAIT = 30.0


async def due_and_lease(database_url: str, render_ids: list[str]) -> dict[str, tuple[float, float]]:
    """Seconds from now until each job is due and until its lease expires (0: none)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT render_id, next_poll_at, lease_expires_at FROM export_job")
            )
            now = datetime.now(UTC)
            found = {
                str(r[0]): (
                    (r[1] - now).total_seconds(),
                    (r[2] - now).total_seconds() if r[2] is not None else 0.0,
                )
                for r in rows
            }
    finally:
        await engine.dispose()
    return {render_id: found[render_id] for render_id in render_ids}


async def test_two_shard_processes_split_the_jobs_and_the_survivor_takes_over(
    make_emulator, migrated_database_url, tmp_path
):
    """Each polls its guild's jobs only, never one at once; a killed one's jobs move over."""
    emulator = await make_emulator()
    guilds = [emulator.add_guild(f"Shard {n}", shard=(n, 2)) for n in (0, 1)]
    tracks = [emulator.add_text_channel(guild, "tracks") for guild in guilds]
    mia = emulator.add_user("mia", locale="en-US")
    calls = []
    async with (
        LocalBackend(backend_config(RENDER), media_dir=tmp_path / "backend") as backend,
        RecordingProxy("a", backend.url, calls, emulator.signal) as proxy_a,
        RecordingProxy("b", backend.url, calls, emulator.signal) as proxy_b,
    ):
        runs = []
        for shard, proxy in enumerate((proxy_a, proxy_b)):
            env = bot_env(
                emulator,
                proxy.url,
                migrated_database_url,
                SHARD_COUNT="2",
                SHARD_IDS=str(shard),
                INSTANCE_ID=f"beatthread-{proxy.name}",
                # Both watch both channels: each gets only its own shard's gateway events.
                WATCH_CHANNEL_IDS=",".join(str(channel.id) for channel in tracks),
                EXPORT_FIRST_POLL="0.3",
                EXPORT_LEASE_SECONDS=str(LEASE),
                EXPORT_TAKEOVER_SECONDS=str(TAKEOVER),
                MAX_EXPORTS_PER_USER=str(2 * PER_GUILD),
                DATA_DIR=str(tmp_path / f"data-{shard}"),
            )
            mark = readies(emulator)
            run = await spawn_bot(shard, env, tmp_path)
            runs.append(run)
            await until_or_exit(
                emulator, run, lambda m=mark: readies(emulator) > m, timeout=WAIT, what="READY"
            )
        a, b = runs
        try:
            threads = {0: [], 1: []}
            for shard in (0, 1):
                for index in range(PER_GUILD):
                    posted = await mia.post(
                        tracks[shard], "new track", files=[(f"T{index}.mp3", mp3_bytes())]
                    )
                    thread = await emulator.wait_for_thread(
                        tracks[shard], lambda t, pid=posted.id: t.id == pid, timeout=WAIT
                    )
                    await emulator.wait_for_message(
                        thread,
                        lambda m: "beatthread:export:" in "".join(m.custom_ids()),
                        timeout=WAIT,
                    )
                    threads[shard].append(thread)
            for shard in (0, 1):
                for thread in threads[shard]:
                    await mia.slash("export", thread)
                    await emulator.wait_for_message(
                        thread,
                        lambda m: any(i.startswith("beatthread:cancel:") for i in m.custom_ids()),
                        timeout=WAIT,
                    )
            rows = await export_rows(migrated_database_url)
            shard_of_thread = {t.id: shard for shard in (0, 1) for t in threads[shard]}
            owner = {render: "ab"[shard_of_thread[thread]] for render, thread, _, _ in rows}
            assert len(owner) == 2 * PER_GUILD

            def polled() -> set[str]:
                return {render_of(c) for c in render_polls(calls) if c.ended is not None}

            await emulator.wait_until(
                lambda: set(owner) <= polled(), timeout=WAIT, what="a poll of every render"
            )
            assert a.alive and b.alive
            assert all(result_posts(emulator, t) == [] for t in threads[1]), "kill came late"

            b.process.kill()  # SIGKILL: no lease is released
            await b.process.wait()
            killed_at = time.monotonic()
            moved = sorted(r for r, o in owner.items() if o == "b")
            timings = await due_and_lease(migrated_database_url, moved)

            everything = [t for shard in (0, 1) for t in threads[shard]]
            await until_or_exit(
                emulator,
                a,
                lambda: all(result_posts(emulator, t) for t in everything),
                timeout=LEASE + TAKEOVER + SCAN_EVERY + RENDER + WAIT,
                what="every export posted",
            )
            a.process.terminate()  # a clean stop: in-flight posts are recorded first
            assert await asyncio.wait_for(a.process.wait(), WAIT) == 0
        finally:
            for run in runs:
                if run.alive:
                    run.process.kill()
                    await run.process.wait()

    polls = render_polls(calls)
    before = [c for c in polls if c.started < killed_at]
    after = [c for c in polls if c.started >= killed_at]
    # Split by shard: before the kill, each render was polled by its guild's process only.
    assert {(render_of(c), c.via) for c in before} == set(owner.items())
    # After it, only the survivor polled, and it polled every job of the dead one.
    assert {c.via for c in after} == {"a"}
    assert set(moved) <= {render_of(c) for c in after}
    # Never polled twice at once: per render, no two polls by different processes overlap.
    for render in owner:
        spans = sorted((c.started, c.ended, c.via) for c in polls if render_of(c) == render)
        for (_, end, via), (start, _, next_via) in itertools.pairwise(spans):
            assert via == next_via or end <= start, f"{render}: {via} and {next_via} overlap"
    # Moved within a lease period of being free: once due (+ takeover) and unleased, the
    # survivor's next scan takes it.
    for render in moved:
        due_in, lease_left = timings[render]
        first = min(c.started for c in after if render_of(c) == render) - killed_at
        bound = max(lease_left, due_in + TAKEOVER, 0.0) + SCAN_EVERY + SLACK
        print(
            f"{render}: due in {due_in:.1f} s, lease {lease_left:.1f} s, taken over {first:.1f} s"
        )
        assert first <= bound, f"{render} taken over after {first:.1f} s (bound {bound:.1f} s)"
        assert first <= LEASE + TAKEOVER + RENDER + SCAN_EVERY + SLACK
    # Exactly one result post per thread, and the database names it.
    rows = await export_rows(migrated_database_url)
    posts = {t.id: [m.id for m in result_posts(emulator, t)] for s in (0, 1) for t in threads[s]}
    assert all(len(ids) == 1 for ids in posts.values())
    assert sorted((thread, status, [message]) for _, thread, status, message in rows) == sorted(
        (thread, "posted", ids) for thread, ids in posts.items()
    )
