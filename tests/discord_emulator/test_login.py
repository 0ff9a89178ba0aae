"""Login and READY: a bare discord.py client logs in, identifies and caches the guild."""

from __future__ import annotations

import pytest

from .clients import RecordingClient
from .discordpy import discord


async def test_client_logs_in_and_sees_guild_channels(world, connect):
    """The client logs in over REST, identifies on the gateway and caches guild and channel."""
    client = await connect(RecordingClient())
    assert client.user.id == world.emulator.application_id
    guild = client.get_guild(world.guild.id)
    assert guild is not None
    assert guild.preferred_locale == discord.Locale.american_english
    channel = guild.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    assert channel.permissions_for(guild.me).send_messages
    routes = [r.key for r in world.emulator.recorder.requests]
    assert routes[:2] == ["GET /users/@me", "GET /oauth2/applications/@me"]


async def test_gateway_uses_zlib_stream_heartbeats_and_ready(world, connect):
    """discord.py asks for zlib-stream; HELLO, a heartbeat ACK, READY and GUILD_CREATE follow."""
    await connect(RecordingClient())
    emu = world.emulator
    connection = emu.recorder.connections[0]
    assert connection.query["compress"] == "zlib-stream"
    assert connection.query["v"] == "10"
    sent = [(g.op, g.type) for g in emu.recorder.gateway if g.direction == "sent"]
    assert sent[:4] == [(10, None), (11, None), (0, "READY"), (0, "GUILD_CREATE")]
    ready = emu.recorder.dispatched("READY")[0].data
    assert ready["resume_gateway_url"] == emu.resume_gateway_url


async def test_wrong_token_fails_login(world, connect):
    """A wrong bot token is refused with 401, which discord.py reports as LoginFailure."""
    with pytest.raises(discord.LoginFailure):
        await connect(RecordingClient(), token="not-the-token")
    assert world.emulator.recorder.requests[0].status == 401


async def test_disallowed_privileged_intent_closes_4014(make_emulator):
    """Asking for message content when the app may not use it closes the gateway with 4014."""
    emu = await make_emulator(message_content_intent=False)
    emu.add_guild()
    from .discordpy import pointed_at, running

    with pointed_at(emu), pytest.raises(discord.PrivilegedIntentsRequired):
        async with running(RecordingClient(), emu.token, timeout=5):
            pass
    assert emu.recorder.connections[0].close_code == 4014
