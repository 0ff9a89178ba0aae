"""Threads: started from a message or standalone, by the bot or a user, with permissions."""

from __future__ import annotations

import pytest

from .clients import RecordingClient
from .discordpy import discord, pointed_at, running
from .models import MessageType
from .permissions import DEFAULT_BOT_PERMISSIONS, Permission


async def test_bot_starts_thread_from_message_and_talks_in_it(world, connect):
    """A thread from a user's message reuses its id; messages flow both ways inside it."""
    client = await connect(RecordingClient())
    posted = await world.mia.post(world.channel, "track", files=[("t.mp3", b"ID3...")])
    message = await client.wait_seen("message", lambda m: m.id == posted.id)
    thread = await message.create_thread(name="mia's video")
    assert thread.id == posted.id
    emu_thread = await world.emulator.wait_for_thread(world.channel)
    assert emu_thread.name == "mia's video"
    assert emu_thread.owner_id == world.emulator.bot.id
    await client.wait_seen("thread_create", lambda t: t.id == thread.id)
    await thread.send("Ready")
    ready = await world.emulator.wait_for_message(emu_thread, lambda m: m.content == "Ready")
    assert ready.channel_id == thread.id
    reply = await world.mia.post(emu_thread, "make it faster")
    received = await client.wait_seen("message", lambda m: m.id == reply.id)
    assert isinstance(received.channel, discord.Thread)
    assert received.channel.parent_id == world.channel.id


async def test_thread_already_created_is_160004(world, connect):
    """A second thread on the same message is refused with 160004."""
    client = await connect(RecordingClient())
    posted = await world.mia.post(world.channel, "track")
    message = await client.wait_seen("message", lambda m: m.id == posted.id)
    await message.create_thread(name="one")
    with pytest.raises(discord.HTTPException) as caught:
        await client.http.start_thread_with_message(
            world.channel.id, posted.id, name="two", auto_archive_duration=1440
        )
    assert caught.value.code == 160004


async def test_bot_starts_thread_without_message(world, connect):
    """A public thread without a message leaves a THREAD_CREATED notice in the parent."""
    client = await connect(RecordingClient())
    channel = client.get_channel(world.channel.id)
    thread = await channel.create_thread(name="session", type=discord.ChannelType.public_thread)
    assert thread.type is discord.ChannelType.public_thread
    notice = await world.emulator.wait_for_message(
        world.channel, lambda m: m.type == MessageType.THREAD_CREATED
    )
    assert notice.message_reference["channel_id"] == str(thread.id)


async def test_user_thread_reaches_on_thread_create(world, connect):
    """A thread a user opens is announced to the bot with THREAD_CREATE."""
    client = await connect(RecordingClient())
    thread = await world.mia.create_thread(world.channel, "questions")
    seen = await client.wait_seen("thread_create", lambda t: t.id == thread.id)
    assert seen.owner_id == world.mia.id
    assert seen.parent_id == world.channel.id


async def test_guild_role_permissions_match_discordpy(make_emulator):
    """Role permissions without SEND_MESSAGES_IN_THREADS: discord.py and the emulator agree.

    The thread exists before the client connects, so it arrives inside GUILD_CREATE.
    """
    emu = await make_emulator()
    basic = Permission.VIEW_CHANNEL | Permission.SEND_MESSAGES | Permission.READ_MESSAGE_HISTORY
    guild = emu.add_guild(
        everyone_permissions=basic,
        bot_permissions=DEFAULT_BOT_PERMISSIONS & ~Permission.SEND_MESSAGES_IN_THREADS,
    )
    channel = emu.add_text_channel(guild, "tracks")
    mia = emu.add_user("mia")
    thread = await mia.create_thread(channel, "questions")
    client = RecordingClient()
    with pointed_at(emu):
        async with running(client, emu.token, emulator=emu):
            seen = client.get_guild(guild.id).get_thread(thread.id)
            permissions = seen.permissions_for(seen.guild.me)
            assert permissions.send_messages is True
            assert permissions.send_messages_in_threads is False
            assert permissions.create_public_threads is True
            with pytest.raises(discord.Forbidden):
                await seen.send("hi")
            await client.get_channel(channel.id).send("fine")


async def test_missing_thread_permissions_are_50013(world, connect):
    """No CREATE_PUBLIC_THREADS or SEND_MESSAGES_IN_THREADS means 50013 for those calls only."""
    client = await connect(RecordingClient())
    emu = world.emulator
    posted = await world.mia.post(world.channel, "track")
    user_thread = await world.mia.create_thread(world.channel, "user thread")
    message = await client.wait_seen("message", lambda m: m.id == posted.id)
    await emu.set_overwrite(
        world.channel,
        deny=Permission.CREATE_PUBLIC_THREADS | Permission.SEND_MESSAGES_IN_THREADS,
    )
    with pytest.raises(discord.Forbidden) as no_create:
        await message.create_thread(name="video")
    assert no_create.value.code == 50013
    thread = await client.wait_seen("thread_create", lambda t: t.id == user_thread.id)
    with pytest.raises(discord.Forbidden) as no_send:
        await thread.send("hello")
    assert no_send.value.code == 50013
    await client.get_channel(world.channel.id).send("still fine here")
