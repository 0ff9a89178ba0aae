"""Interactions: commands registered and invoked, buttons, message commands, and deadlines."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from .clients import RecordingClient
from .discordpy import discord
from .models import CallbackType, MessageFlag
from .ratelimit import BucketLimit

TRACK = b"ID3" + bytes(1000)


def export_client() -> RecordingClient:
    """A client with ``/export track quality`` that defers, reads the file, then follows up."""
    client = RecordingClient()

    @client.tree.command(name="export", description="Export the music video")
    async def export(
        interaction: discord.Interaction, track: discord.Attachment, quality: int = 720
    ) -> None:
        await interaction.response.defer(thinking=True)
        data = await track.read()
        guild_locale = interaction.guild_locale.value if interaction.guild_locale else None
        await interaction.followup.send(
            f"{interaction.locale.value} {guild_locale} {len(data)} {quality}"
        )
        await interaction.followup.send("second")

    return client


async def test_slash_command_registered_then_deferred_and_followed_up(world, connect):
    """/export is synced, invoked with an attachment option, deferred, then followed up."""
    client = await connect(export_client())
    await client.tree.sync()
    (command,) = await world.emulator.wait_for_commands()
    assert command.name == "export"
    assert [o["type"] for o in command.options] == [11, 4]
    lena = world.emulator.add_user("lena", locale="de")
    handle = await lena.slash(
        "export", world.channel, options={"track": ("t.mp3", TRACK), "quality": 1080}
    )
    original = await handle.wait_for_original()
    assert handle.interaction.callback_type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    assert original.content == f"de en-US {len(TRACK)} 1080"
    assert original.interaction_metadata["user"]["id"] == str(lena.id)
    second = await handle.wait_for_followup(lambda m: m.content == "second")
    assert second.id != original.id
    payload = handle.interaction.payload
    (attachment_id,) = payload["data"]["resolved"]["attachments"]
    assert payload["data"]["options"][0]["value"] == attachment_id


async def test_guild_commands_and_stable_ids(world, connect):
    """Guild commands are stored per guild; re-syncing keeps the command's id."""
    client = await connect(export_client())
    guild = discord.Object(world.guild.id)
    client.tree.copy_global_to(guild=guild)
    await client.tree.sync(guild=guild)
    (first,) = await world.emulator.wait_for_commands(world.guild)
    await client.tree.sync(guild=guild)
    (again,) = world.emulator.commands(world.guild)
    assert again.id == first.id
    fetched = await client.tree.fetch_commands(guild=guild)
    assert [c.id for c in fetched] == [first.id]
    handle = await world.mia.slash("export", world.channel, options={"track": ("a.mp3", b"x")})
    assert handle.interaction.payload["data"]["guild_id"] == str(world.guild.id)
    await handle.wait_for_original()


async def test_invalid_command_name_is_50035(world, connect):
    """Discord refuses upper-case slash command names with 50035."""
    client = await connect(RecordingClient())
    with pytest.raises(discord.HTTPException) as caught:
        await client.http.bulk_upsert_global_commands(
            client.application_id, [{"name": "Export", "description": "x", "type": 1}]
        )
    assert caught.value.code == 50035


async def test_unregistered_command_cannot_be_invoked(world):
    """The driver refuses commands the bot never registered, as a Discord client would."""
    with pytest.raises(LookupError):
        await world.mia.slash("export", world.channel)


async def test_immediate_response_and_ephemeral_message_command(world, connect):
    """A message command answers with an ephemeral message that never reaches the gateway."""
    client = RecordingClient()

    @client.tree.context_menu(name="Make music video")
    async def make(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"on {message.content}", ephemeral=True)

    await connect(client)
    await client.tree.sync()
    await world.emulator.wait_for_commands()
    track = await world.mia.post(world.channel, "my track")
    handle = await world.mia.context_menu("Make music video", track)
    original = await handle.wait_for_original()
    assert original.content == "on my track"
    assert original.flags & MessageFlag.EPHEMERAL
    assert handle.interaction.payload["data"]["target_id"] == str(track.id)
    assert not world.emulator.recorder.dispatched("MESSAGE_CREATE")[1:]


class Retry(discord.ui.View):
    """A persistent view with a retry button (type 7 response) and a later-edit button."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Retry", custom_id="beatthread:retry")
    async def retry(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="retrying", view=None)

    @discord.ui.button(label="Later", custom_id="beatthread:later")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="edited later")


async def test_button_click_updates_the_message(world, connect):
    """Clicking a persistent button sends a component interaction; type 7 edits the message."""
    client = await connect(RecordingClient())
    client.add_view(Retry())
    await client.get_channel(world.channel.id).send("render failed", view=Retry())
    message = await world.emulator.wait_for_message(world.channel)
    assert message.custom_ids() == ["beatthread:retry", "beatthread:later"]
    handle = await world.mia.click(message, "beatthread:retry")
    await handle.wait_for_response()
    assert handle.interaction.callback_type == CallbackType.UPDATE_MESSAGE
    await world.emulator.wait_until(lambda: message.content == "retrying")
    assert message.components == []


async def test_button_deferred_update_then_edit_original(world, connect):
    """A type 6 deferral acknowledges silently; @original then edits the button's message."""
    client = await connect(RecordingClient())
    client.add_view(Retry())
    await client.get_channel(world.channel.id).send("render failed", view=Retry())
    message = await world.emulator.wait_for_message(world.channel)
    handle = await world.mia.click(message, "beatthread:later")
    await world.emulator.wait_until(lambda: message.content == "edited later")
    assert handle.interaction.callback_type == CallbackType.DEFERRED_UPDATE_MESSAGE


def gated_client(release: asyncio.Event, outcome: asyncio.Future, *, defer_first: bool):
    """``/slow`` waits for ``release`` before answering and reports the HTTP error it got."""
    client = RecordingClient()

    @client.tree.command(name="slow", description="Answers when the test says so")
    async def slow(interaction: discord.Interaction) -> None:
        if defer_first:
            await interaction.response.defer()
        await release.wait()
        try:
            if defer_first:
                await interaction.followup.send("late")
            else:
                await interaction.response.send_message("late")
        except discord.HTTPException as error:
            outcome.set_result(error)
        else:
            outcome.set_result(None)

    return client


async def test_callback_after_three_seconds_is_10062(world, connect):
    """An initial response later than 3 s after the event gets 10062 Unknown interaction."""
    release, outcome = asyncio.Event(), asyncio.get_running_loop().create_future()
    client = await connect(gated_client(release, outcome, defer_first=False))
    await client.tree.sync()
    await world.emulator.wait_for_commands()
    handle = await world.mia.slash("slow", world.channel)
    await client.wait_seen("interaction", lambda i: i.id == handle.id)
    world.emulator.clock.advance(3.1)
    release.set()
    error = await asyncio.wait_for(outcome, 5)
    assert isinstance(error, discord.NotFound)
    assert error.code == 10062
    assert not handle.interaction.acknowledged


async def test_followup_after_fifteen_minutes_is_50027(world, connect):
    """The interaction token expires after 15 minutes: follow-ups get 50027."""
    release, outcome = asyncio.Event(), asyncio.get_running_loop().create_future()
    client = await connect(gated_client(release, outcome, defer_first=True))
    await client.tree.sync()
    await world.emulator.wait_for_commands()
    handle = await world.mia.slash("slow", world.channel)
    await handle.wait_for_response()
    world.emulator.clock.advance(15 * 60 + 1)
    release.set()
    error = await asyncio.wait_for(outcome, 5)
    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (401, 50027)


async def test_second_callback_is_40060(world, connect):
    """A second initial response to one interaction gets 40060 already acknowledged."""
    release, outcome = asyncio.Event(), asyncio.get_running_loop().create_future()
    client = await connect(gated_client(release, outcome, defer_first=True))
    await client.tree.sync()
    await world.emulator.wait_for_commands()
    handle = await world.mia.slash("slow", world.channel)
    await handle.wait_for_response()
    url = f"{world.emulator.api_base}/interactions/{handle.id}/{handle.interaction.token}/callback"
    again = {"type": 4, "data": {"content": "again"}}
    async with aiohttp.ClientSession() as session, session.post(url, json=again) as response:
        body = await response.json()
    assert response.status == 400
    assert body == {"message": "Interaction has already been acknowledged.", "code": 40060}
    release.set()
    assert await asyncio.wait_for(outcome, 5) is None


async def test_original_and_followup_get_edit_delete(world, connect):
    """@original and follow-ups can be fetched, edited and deleted through the token."""
    # Five webhook calls would exhaust the default 5-per-2-s bucket and discord.py would
    # (rightly) sleep 2 s after the fifth; a larger bucket keeps the test fast.
    world.emulator.config.rate_limits.webhook = BucketLimit(10, 2.0)
    client = RecordingClient()
    done = asyncio.get_running_loop().create_future()

    @client.tree.command(name="status", description="Show the render status")
    async def status(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("queued")
        original = await interaction.original_response()
        followup = await interaction.followup.send("50%", wait=True)
        await followup.edit(content="100%")
        await original.edit(content="done")
        await interaction.delete_original_response()
        done.set_result(original.id)

    await connect(client)
    await client.tree.sync()
    await world.emulator.wait_for_commands()
    handle = await world.mia.slash("status", world.channel)
    original_id = await asyncio.wait_for(done, 5)
    assert handle.original.id == original_id
    assert handle.original.deleted
    assert [e.content for e in handle.original.edits] == ["done"]
    assert [m.content for m in handle.followups] == ["100%"]
    await world.emulator.wait_for_event("MESSAGE_DELETE")
