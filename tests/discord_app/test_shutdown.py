"""Closing the bot waits for the handlers already running, so none outlives the database."""

from __future__ import annotations

import asyncio

import discord

from tests.discord_app.stage import WAIT, mp3_bytes

MENU = "Make music video"


async def test_close_waits_for_a_running_event_listener(stage):
    """A listener still working when the bot closes finishes first: its reply still goes out."""
    bot = stage.bot
    started, release = asyncio.Event(), asyncio.Event()
    open_when_done: list[bool] = []

    async def on_message(message: discord.Message) -> None:
        if message.content == "slow":
            started.set()
            await release.wait()
            open_when_done.append(not bot.is_closed())
            await message.channel.send("finished")

    bot.add_listener(on_message)  # the way the cogs' listeners are added
    await stage.mia.post(stage.tracks, "slow")
    await asyncio.wait_for(started.wait(), WAIT)
    assert bot.handlers.running == 1
    closing = asyncio.create_task(stage.stop_bot())
    await asyncio.wait_for(bot.handlers.draining.wait(), WAIT)
    assert not closing.done()
    release.set()
    await asyncio.wait_for(closing, WAIT)
    assert open_when_done == [True]
    assert "finished" in [m.content for m in stage.emulator.messages_in(stage.tracks)]


async def test_close_waits_for_a_running_context_menu_command(stage):
    """A command held mid-way (its thread being created) still answers before the bot closes."""
    general = stage.emulator.add_text_channel(stage.guild, "general")
    posted = await stage.mia.post(general, "", files=[("Racing.mp3", mp3_bytes())])
    stage.emulator.thread_holds.arm("after_store", lambda data: True)
    handle = await stage.mia.context_menu(MENU, posted)
    (held,) = await stage.emulator.wait_until(stage.emulator.thread_holds.waiting, timeout=WAIT)
    bot = stage.bot
    closing = asyncio.create_task(stage.stop_bot())
    await asyncio.wait_for(bot.handlers.draining.wait(), WAIT)
    assert not closing.done()
    held.release()
    await asyncio.wait_for(closing, WAIT)
    answer = await handle.wait_for_original(timeout=WAIT)
    assert answer.content.startswith("🎵 Opened <#"), answer.content
