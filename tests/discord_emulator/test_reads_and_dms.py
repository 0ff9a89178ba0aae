"""Reads a bot makes (channels, members), direct messages, and modals."""

from __future__ import annotations

import pytest

from .clients import RecordingClient
from .discordpy import discord, pointed_at, running


async def test_fetch_channel_guild_channels_and_member(world, connect):
    """GET channel, guild channels and guild member return what GUILD_CREATE described."""
    client = await connect(RecordingClient())
    channel = await client.fetch_channel(world.channel.id)
    assert channel.name == "tracks"
    guild = client.get_guild(world.guild.id)
    channels = await guild.fetch_channels()
    assert [c.id for c in channels] == [world.channel.id]
    member = await guild.fetch_member(world.mia.id)
    assert member.name == "mia"


async def test_direct_message_content_visible_without_intent(make_emulator):
    """DMs keep their content even without the message content intent, and the bot can answer."""
    emu = await make_emulator(message_content_intent=False)
    emu.add_guild()
    mia = emu.add_user("mia")
    client = RecordingClient(intents=discord.Intents.default())
    with pointed_at(emu):
        async with running(client, emu.token, emulator=emu):
            posted = await mia.dm("hi bot")
            message = await client.wait_seen("message", lambda m: m.id == posted.id)
            assert message.content == "hi bot"
            assert isinstance(message.channel, discord.DMChannel)
            await message.channel.send("hello mia")
    reply = await emu.wait_for_message(posted.channel_id)
    assert reply.content == "hello mia"


async def test_direct_message_to_a_user_who_refuses_them(world, connect):
    """A user without DMs from server members: the channel opens, a send is 403 / 50007."""
    world.mia.user.accepts_dms = False
    client = await connect(RecordingClient())
    channel = await client.create_dm(discord.Object(world.mia.user.id))
    with pytest.raises(discord.Forbidden) as refused:
        await channel.send("your video is ready")
    assert refused.value.code == 50007
    assert world.emulator.state.channel_messages[channel.id] == []


class Title(discord.ui.Modal, title="Name your video"):
    """A modal with one text input."""

    name = discord.ui.TextInput(label="Name", custom_id="video-name")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"named {self.name.value}")


async def test_modal_opens_and_submits(world, connect):
    """A command answers with a modal (type 9); the user's submission reaches on_submit."""
    client = RecordingClient()

    @client.tree.command(name="rename", description="Rename the video")
    async def rename(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Title())

    await connect(client)
    await client.tree.sync()
    await world.emulator.wait_for_commands()
    opened = await world.mia.slash("rename", world.channel)
    await opened.wait_for_response()
    assert opened.interaction.modal["title"] == "Name your video"
    submitted = await world.mia.submit_modal(opened, {"video-name": "Sunrise"})
    answer = await submitted.wait_for_original()
    assert answer.content == "named Sunrise"
