"""The gateway protocol itself, spoken by a raw WebSocket client (no discord.py)."""

from __future__ import annotations

import json
import zlib
from typing import Any

import aiohttp
import pytest

from .config import Intent

GUILD_INTENTS = int(Intent.GUILDS | Intent.GUILD_MESSAGES)


class RawGateway:
    """A minimal gateway client that decodes zlib-stream like discord.py does."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, compressed: bool) -> None:
        self.ws = ws
        self._inflate = zlib.decompressobj() if compressed else None
        self._buffer = bytearray()

    async def receive(self) -> dict[str, Any]:
        while True:
            msg = await self.ws.receive(timeout=5)
            if msg.type is aiohttp.WSMsgType.TEXT:
                return json.loads(msg.data)
            if msg.type is aiohttp.WSMsgType.BINARY:
                assert self._inflate is not None
                self._buffer.extend(msg.data)
                if bytes(self._buffer[-4:]) != b"\x00\x00\xff\xff":
                    continue
                text = self._inflate.decompress(bytes(self._buffer)).decode()
                self._buffer.clear()
                return json.loads(text)
            raise ConnectionError(f"closed: {msg.type} {self.ws.close_code}")

    async def send(self, op: int, data: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": data}))

    async def identify(self, token: str, intents: int = GUILD_INTENTS, **extra: Any) -> None:
        await self.send(2, {"token": token, "intents": intents, "properties": {}, **extra})


async def open_gateway(
    session: aiohttp.ClientSession, url: str, *, compress: bool = True
) -> RawGateway:
    query = "?v=10&encoding=json" + ("&compress=zlib-stream" if compress else "")
    ws = await session.ws_connect(url + query)
    return RawGateway(ws, compress)


async def test_hello_identify_ready_with_zlib_stream(world):
    """HELLO, heartbeat ACK, READY and GUILD_CREATE arrive as zlib-stream frames."""
    emu = world.emulator
    async with aiohttp.ClientSession() as session:
        gateway = await open_gateway(session, emu.gateway_url)
        hello = await gateway.receive()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41250
        await gateway.send(1, None)
        assert (await gateway.receive())["op"] == 11
        await gateway.identify(emu.token)
        ready = await gateway.receive()
        assert (ready["op"], ready["t"], ready["s"]) == (0, "READY", 1)
        assert ready["d"]["guilds"] == [{"id": str(world.guild.id), "unavailable": True}]
        guild = await gateway.receive()
        assert (guild["t"], guild["s"]) == ("GUILD_CREATE", 2)
        members = guild["d"]["members"]
        assert [m["user"]["id"] for m in members] == [str(emu.bot.id)]
        await gateway.ws.close()


@pytest.mark.parametrize(
    ("first_op", "data", "close_code"),
    [
        (2, {"token": "wrong", "intents": GUILD_INTENTS, "properties": {}}, 4004),
        (2, {"token": None, "intents": 1 << 40, "properties": {}}, 4004),
        (8, {"guild_id": "1"}, 4003),
    ],
)
async def test_bad_first_payload_closes(world, first_op, data, close_code):
    """Wrong token closes with 4004; anything but identify/resume before identifying is 4003."""
    async with aiohttp.ClientSession() as session:
        gateway = await open_gateway(session, world.emulator.gateway_url, compress=False)
        await gateway.receive()
        await gateway.send(first_op, data)
        with pytest.raises(ConnectionError):
            await gateway.receive()
        assert gateway.ws.close_code == close_code


async def test_invalid_intents_and_unknown_opcode(world):
    """Unknown intent bits close with 4013; an unknown opcode after READY closes with 4001."""
    emu = world.emulator
    async with aiohttp.ClientSession() as session:
        gateway = await open_gateway(session, emu.gateway_url, compress=False)
        await gateway.receive()
        await gateway.identify(emu.token, intents=1 << 40)
        with pytest.raises(ConnectionError):
            await gateway.receive()
        assert gateway.ws.close_code == 4013
        gateway = await open_gateway(session, emu.gateway_url, compress=False)
        await gateway.receive()
        await gateway.identify(emu.token)
        await gateway.receive()
        await gateway.receive()
        await gateway.send(42, None)
        with pytest.raises(ConnectionError):
            await gateway.receive()
        assert gateway.ws.close_code == 4001


async def test_resume_unknown_session_is_invalid_session(world):
    """Resuming a session the gateway does not know gets op 9 with d=false."""
    emu = world.emulator
    async with aiohttp.ClientSession() as session:
        gateway = await open_gateway(session, emu.resume_gateway_url, compress=False)
        await gateway.receive()
        await gateway.send(6, {"token": emu.token, "session_id": "nope", "seq": 3})
        assert await gateway.receive() == {"op": 9, "d": False}
        await gateway.ws.close()


async def test_events_follow_intents_and_shards(world):
    """A session without GUILD_MESSAGES gets no MESSAGE_CREATE; shards split guilds."""
    emu = world.emulator
    other = emu.add_guild("Second")
    async with aiohttp.ClientSession() as session:
        gateway = await open_gateway(session, emu.gateway_url, compress=False)
        await gateway.receive()
        shard = (world.guild.id >> 22) % 2
        await gateway.identify(emu.token, intents=int(Intent.GUILDS), shard=[shard, 2])
        ready = await gateway.receive()
        expected = [g.id for g in (world.guild, other) if (g.id >> 22) % 2 == shard]
        assert [int(g["id"]) for g in ready["d"]["guilds"]] == expected
        for _ in expected:
            assert (await gateway.receive())["t"] == "GUILD_CREATE"
        await world.mia.post(world.channel, "not for you")
        await world.mia.create_thread(world.channel, "for you")
        event = await gateway.receive()
        assert event["t"] == "THREAD_CREATE"
        assert event["d"]["newly_created"] is True
        await gateway.ws.close()


async def test_request_guild_members_answers_one_chunk(world):
    """Op 8 gets a GUILD_MEMBERS_CHUNK with the matching members and the nonce."""
    emu = world.emulator
    emu.config.members_intent = True
    async with aiohttp.ClientSession() as session:
        gateway = await open_gateway(session, emu.gateway_url, compress=False)
        await gateway.receive()
        await gateway.identify(emu.token, intents=int(Intent.GUILDS | Intent.GUILD_MEMBERS))
        await gateway.receive()
        await gateway.receive()
        await gateway.send(
            8, {"guild_id": str(world.guild.id), "query": "mi", "limit": 0, "nonce": "n1"}
        )
        chunk = await gateway.receive()
        assert chunk["t"] == "GUILD_MEMBERS_CHUNK"
        assert chunk["d"]["nonce"] == "n1"
        assert [m["user"]["username"] for m in chunk["d"]["members"]] == ["mia"]
        await gateway.ws.close()
