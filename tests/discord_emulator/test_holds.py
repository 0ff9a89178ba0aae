"""Held message creates, nonce replays on record, and guilds placed on a chosen shard."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from .clients import RecordingClient
from .record import NonceReplay


def _nonce(value: str):
    return lambda data: data.get("nonce") == value


async def test_hold_after_store_records_the_message_before_answering(world, connect):
    """after_store: the message is in the record while the client still waits for the answer."""
    emu = world.emulator
    client = await connect(RecordingClient())
    channel = client.get_channel(world.channel.id)
    emu.holds.arm("after_store", _nonce("render-1"))
    send = asyncio.create_task(channel.send("video ready", nonce="render-1"))
    held = await emu.wait_until(lambda: emu.holds.waiting(), timeout=5)
    (stored,) = emu.messages_in(world.channel)
    assert held[0].message is stored and held[0].channel_id == world.channel.id
    assert not send.done()
    held[0].release()
    sent = await asyncio.wait_for(send, 5)
    assert sent.id == stored.id
    assert emu.holds.waiting() == []


async def test_hold_before_store_dropped_never_creates_the_message(world, connect):
    """before_store + deliver=False: the request dies unseen; nothing is stored or dispatched."""
    emu = world.emulator
    client = await connect(RecordingClient())
    channel = client.get_channel(world.channel.id)
    emu.holds.arm("before_store", _nonce("render-2"))
    send = asyncio.create_task(channel.send("video ready", nonce="render-2"))
    (held,) = await emu.wait_until(lambda: emu.holds.waiting(), timeout=5)
    assert held.message is None and held.data["content"] == "video ready"
    held.release(deliver=False)
    with pytest.raises(aiohttp.ServerDisconnectedError):  # the connection died under it
        await asyncio.wait_for(send, 10)
    assert emu.messages_in(world.channel) == []
    assert emu.recorder.dispatched("MESSAGE_CREATE") == []


async def test_hold_before_store_delivered_late_then_a_retry_is_a_nonce_replay(world, connect):
    """A create that lands late is stored; the same nonce again returns it and is recorded."""
    emu = world.emulator
    client = await connect(RecordingClient())
    channel = client.get_channel(world.channel.id)
    emu.holds.arm("before_store", _nonce("render-3"))
    late = asyncio.create_task(channel.send("video ready", nonce="render-3"))
    (held,) = await emu.wait_until(lambda: emu.holds.waiting(), timeout=5)
    held.release()
    first = await asyncio.wait_for(late, 5)
    again = await channel.send("video ready", nonce="render-3")
    assert again.id == first.id
    assert len(emu.messages_in(world.channel)) == 1
    assert emu.recorder.nonce_replays == [NonceReplay("render-3", first.id)]


async def test_holds_take_only_matching_creates_and_only_times_of_them(world, connect):
    """Other bodies pass; an arm for one create lets the second matching one through."""
    emu = world.emulator
    client = await connect(RecordingClient())
    channel = client.get_channel(world.channel.id)
    emu.holds.arm("after_store", lambda data: "hold me" in data.get("content", ""))
    await channel.send("not this one")
    held_send = asyncio.create_task(channel.send("hold me"))
    (held,) = await emu.wait_until(lambda: emu.holds.waiting(), timeout=5)
    second = await channel.send("hold me too")
    assert second.content == "hold me too"
    held.release()
    await asyncio.wait_for(held_send, 5)
    assert len(emu.holds.held) == 1
    with pytest.raises(ValueError, match="times"):
        emu.holds.arm("after_store", lambda data: True, times=0)


def test_guilds_can_be_placed_on_a_chosen_shard(emulator):
    """add_guild(shard=...) gives an id Discord's formula puts on that shard; ids increase."""
    guilds = [emulator.add_guild(f"g{i}", shard=(i % 3, 3)) for i in range(6)]
    assert [(g.id >> 22) % 3 for g in guilds] == [0, 1, 2, 0, 1, 2]
    assert [g.id for g in guilds] == sorted({g.id for g in guilds})
    with pytest.raises(ValueError, match="shard_id"):
        emulator.add_guild("nowhere", shard=(3, 3))
