"""SIGTERM to `beatthread run`: running turns finish within the grace, nothing is lost.

The bot is a real ``python -m bot run`` process (the crash harness's world: the Discord
emulator and the local backend in this process). Each case sends SIGTERM at a moment seen in
the emulator's record and checks the exit code, then what the thread shows, then what the
next process does.
"""

from __future__ import annotations

import signal

import pytest

from tests.crash.harness import (
    BotRun,
    CrashWorld,
    bot_env,
    export_rows,
    open_world,
    readies,
    result_posts,
    spawn_bot,
    until_or_exit,
    video_messages,
)
from tests.discord_app.stage import mp3_bytes
from tests.discord_emulator import Channel

pytestmark = pytest.mark.timeout(90)

WAIT = 30.0


async def start(world: CrashWorld, index: int, **settings: str) -> BotRun:
    """A `beatthread run` process, returned once the emulator sent it READY."""
    env = bot_env(
        world.emulator,
        world.backend.url,
        world.database_url,
        WATCH_CHANNEL_IDS=str(world.tracks.id),
        EXPORT_FIRST_POLL="0.5",
        **settings,
    )
    mark = readies(world.emulator)
    run = await spawn_bot(index, env, world.scratch)
    await until_or_exit(
        world.emulator, run, lambda: readies(world.emulator) > mark, timeout=WAIT, what="READY"
    )
    return run


async def track_thread(world: CrashWorld) -> Channel:
    """``mia`` drops a track; its thread, once the bot said it is ready."""
    posted = await world.mia.post(world.tracks, "new track", files=[("Beat.mp3", mp3_bytes())])
    thread = await world.emulator.wait_for_thread(
        world.tracks, lambda t: t.id == posted.id, timeout=WAIT
    )
    await world.emulator.wait_for_message(
        thread, lambda m: "beatthread:export:" in "".join(m.custom_ids()), timeout=WAIT
    )
    return thread


async def mid_generation(world: CrashWorld, *, work_seconds: float) -> Channel:
    """A track thread whose "generate" turn has started streaming and works ``work_seconds``."""
    thread = await track_thread(world)
    world.backend.config.work_seconds = work_seconds
    await world.mia.post(thread, "generate a neon city clip")
    await world.emulator.wait_for_message(
        thread, lambda m: m.content.startswith("Generating"), timeout=WAIT
    )
    return thread


async def terminate(run: BotRun) -> int:
    run.process.send_signal(signal.SIGTERM)
    return await run.process.wait()


def bot_texts(world: CrashWorld, thread: Channel) -> list[str]:
    bot_id = world.emulator.bot.id
    return [m.content for m in world.emulator.messages_in(thread) if m.author.id == bot_id]


async def test_sigterm_lets_a_streaming_turn_finish_within_the_grace(tmp_path):
    """Mid-reply SIGTERM: the reply is completed, the process exits 0, the turn was sent once."""
    async with open_world(tmp_path) as world:
        run = await start(world, 0, SHUTDOWN_GRACE="20")
        thread = await mid_generation(world, work_seconds=1.5)
        assert await terminate(run) == 0, run.tail()
        replies = bot_texts(world, thread)
        # The closing text came after the tool's work, i.e. after SIGTERM: the turn finished.
        assert any("clip is ready and on the timeline" in text for text in replies)
        (session,) = world.backend.sessions
        assert world.backend.turns_received(session) == 1
        assert not any(text.startswith("⚠️ I restarted") for text in replies)

        # The next process has nothing to report: the turn was finished, not interrupted.
        run = await start(world, 1)
        await world.mia.post(thread, "show tracks")
        await world.emulator.wait_for_message(
            thread, lambda m: "generated clip 1" in m.content, timeout=WAIT
        )
        assert await terminate(run) == 0, run.tail()
        assert not any(text.startswith("⚠️ I restarted") for text in bot_texts(world, thread))


async def test_a_turn_longer_than_the_grace_is_reported_by_the_next_process(tmp_path):
    """Grace shorter than the turn: exit 0 anyway; the next start says so; nothing re-sent."""
    async with open_world(tmp_path) as world:
        run = await start(world, 0, SHUTDOWN_GRACE="0.2")
        thread = await mid_generation(world, work_seconds=30.0)
        assert await terminate(run) == 0, run.tail()
        run = await start(world, 1)
        notice = await world.emulator.wait_for_message(
            thread, lambda m: m.content.startswith("⚠️ I restarted"), timeout=WAIT
        )
        assert "didn't send it again" in notice.content
        (session,) = world.backend.sessions
        assert world.backend.turns_received(session) == 1
        assert await terminate(run) == 0, run.tail()


async def test_sigterm_during_an_export_leaves_it_for_the_next_process(tmp_path):
    """The render goes on; SIGTERM releases the job; the next process posts the link once."""
    async with open_world(tmp_path) as world:
        run = await start(world, 0)
        thread = await track_thread(world)
        world.backend.config.render_seconds = 4.0
        await world.mia.slash("export", thread)
        await world.emulator.wait_for_message(
            thread,
            lambda m: any(i.startswith("beatthread:cancel:") for i in m.custom_ids()),
            timeout=WAIT,
        )
        assert await terminate(run) == 0, run.tail()
        ((render_id, _, status, posted),) = await export_rows(world.database_url)
        assert status in ("submitted", "pending", "processing") and posted is None
        assert result_posts(world.emulator, thread) == []

        run = await start(world, 1)
        (post,) = [
            await world.emulator.wait_until(
                lambda: result_posts(world.emulator, thread) or None, timeout=WAIT, what="post"
            )
        ][0]
        assert render_id in "".join(post.custom_ids())
        assert await terminate(run) == 0, run.tail()
        assert len(video_messages(world.emulator, thread)) == 1
        ((_, _, status, posted),) = await export_rows(world.database_url)
        assert (status, posted) == ("posted", post.id)
