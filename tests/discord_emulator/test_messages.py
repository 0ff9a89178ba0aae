"""Messages both ways: events with CDN attachments, sends, edits, history, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from .clients import RecordingClient
from .discordpy import discord, pointed_at, running
from .driver import DeclaredFile
from .permissions import Permission

SOURCE = Path(__file__).read_bytes()
TRACK = b"ID3" + bytes(range(256)) * 40


async def test_on_message_attachment_downloads_from_cdn(world, connect):
    """A user's MP3 arrives in on_message and its signed URL downloads the exact bytes."""
    client = await connect(RecordingClient())
    posted = await world.mia.post(world.channel, "new track", files=[("track.mp3", TRACK)])
    message = await client.wait_seen("message", lambda m: m.id == posted.id)
    assert message.content == "new track"
    assert message.author.id == world.mia.id
    (attachment,) = message.attachments
    assert attachment.filename == "track.mp3"
    assert attachment.size == len(TRACK)
    assert attachment.content_type == "audio/mpeg"
    assert "ex=" in attachment.url and "is=" in attachment.url and "hm=" in attachment.url
    assert await attachment.read() == TRACK


async def test_a_declared_file_lies_in_its_metadata_only(world, connect):
    """A ``DeclaredFile`` states any size and type; the CDN still serves the real bytes."""
    client = await connect(RecordingClient())
    spoof = DeclaredFile("track.mp3", TRACK, size=2**40, content_type="text/html")
    posted = await world.mia.post(world.channel, files=[spoof])
    message = await client.wait_seen("message", lambda m: m.id == posted.id)
    (attachment,) = message.attachments
    assert (attachment.size, attachment.content_type) == (2**40, "text/html")
    assert await attachment.read() == TRACK


async def test_stale_or_forged_attachment_url_is_404(world, connect):
    """Past its ``ex`` time, or with a forged ``hm``, the CDN answers 404 like Discord."""
    client = await connect(RecordingClient())
    posted = await world.mia.post(world.channel, files=[("track.mp3", TRACK)])
    message = await client.wait_seen("message", lambda m: m.id == posted.id)
    attachment = message.attachments[0]
    forged = attachment.url.replace("hm=", "hm=0")
    with pytest.raises(discord.NotFound):
        await client.http.get_from_cdn(forged)
    world.emulator.clock.advance(world.emulator.config.cdn_url_ttl + 1)
    with pytest.raises(discord.NotFound):
        await attachment.read()
    fresh = await message.channel.fetch_message(message.id)
    assert await fresh.attachments[0].read() == TRACK


async def test_large_attachment_streams_from_a_file(world, connect):
    """A file given by path is served from disk without loading it into the emulator."""
    client = await connect(RecordingClient())
    path = world.emulator.make_file("long.wav", 3 * 1024 * 1024 + 7, header=b"RIFF")
    posted = await world.mia.post(world.channel, files=[("long.wav", path)])
    message = await client.wait_seen("message", lambda m: m.id == posted.id)
    data = await message.attachments[0].read()
    assert len(data) == 3 * 1024 * 1024 + 7
    assert data.startswith(b"RIFF")


async def test_content_is_empty_without_message_content_intent(make_emulator):
    """Without the intent, content and attachments are empty unless the bot is mentioned."""
    emu = await make_emulator(message_content_intent=False)
    guild = emu.add_guild()
    channel = emu.add_text_channel(guild, "tracks")
    mia = emu.add_user("mia")
    client = RecordingClient(intents=discord.Intents.default())
    with pointed_at(emu):
        async with running(client, emu.token, emulator=emu):
            plain = await mia.post(channel, "hello", files=[("a.mp3", TRACK)])
            mention = await mia.post(channel, f"{emu.bot.mention} hi", files=[("b.mp3", TRACK)])
            seen_plain = await client.wait_seen("message", lambda m: m.id == plain.id)
            seen_mention = await client.wait_seen("message", lambda m: m.id == mention.id)
    assert seen_plain.content == ""
    assert seen_plain.attachments == []
    assert seen_mention.content.endswith("hi")
    assert len(seen_mention.attachments) == 1


async def test_messages_in_hidden_channels_are_not_delivered(world, connect):
    """Without VIEW_CHANNEL the bot gets no MESSAGE_CREATE from that channel."""
    client = await connect(RecordingClient())
    hidden = world.emulator.add_text_channel(world.guild, "staff")
    await world.emulator.set_overwrite(hidden, deny=Permission.VIEW_CHANNEL)
    secret = await world.mia.post(hidden, "secret")
    public = await world.mia.post(world.channel, "public")
    await client.wait_seen("message", lambda m: m.id == public.id)
    assert secret.id not in [m.id for m in client.seen["message"]]


async def test_send_edit_and_history(world, connect):
    """The bot's send and edit reach the emulator, fire events, and history reads them back."""
    client = await connect(RecordingClient())
    channel = client.get_channel(world.channel.id)
    sent = await channel.send("rendering…")
    await sent.edit(content="rendered ✅")
    stored = await world.emulator.wait_for_message(world.channel, lambda m: m.edits)
    assert stored.id == sent.id
    assert stored.content == "rendered ✅"
    assert [e.content for e in stored.edits] == ["rendered ✅"]
    edited = await client.wait_seen("message_edit", lambda m: m.id == sent.id)
    assert edited.content == "rendered ✅"
    user_message = await world.mia.post(world.channel, "thanks")
    history = [m async for m in channel.history(limit=10)]
    assert [m.id for m in history] == [user_message.id, sent.id]
    older = [m async for m in channel.history(limit=10, before=discord.Object(user_message.id))]
    assert [m.id for m in older] == [sent.id]


async def test_send_with_file_uploads_multipart(world, connect):
    """A file sent by the bot is uploaded as multipart and served back by the CDN."""
    client = await connect(RecordingClient())
    channel = client.get_channel(world.channel.id)
    sent = await channel.send("here", file=discord.File(__file__, filename="video.mp4"))
    record = world.emulator.recorder.requests_to("POST", "/channels/{channel_id}/messages")[-1]
    assert record.json["attachments"] == [{"id": 0, "filename": "video.mp4"}]
    assert record.files[0].field == "files[0]"
    assert sent.attachments[0].filename == "video.mp4"
    assert await sent.attachments[0].read() == SOURCE


async def test_nonce_with_enforce_nonce_returns_original_message(world, connect):
    """Two sends with one nonce make one message; after the window a new one is created."""
    client = await connect(RecordingClient())
    channel = client.get_channel(world.channel.id)
    first = await channel.send("video ready", nonce="render-42")
    second = await channel.send("video ready", nonce="render-42")
    assert second.id == first.id
    assert len(world.emulator.messages_in(world.channel)) == 1
    world.emulator.clock.advance(world.emulator.config.nonce_window + 1)
    third = await channel.send("video ready", nonce="render-42")
    assert third.id != first.id


async def test_too_long_content_is_50035(world, connect):
    """Content over 2000 characters is refused with 50035 and the field error."""
    client = await connect(RecordingClient())
    channel = client.get_channel(world.channel.id)
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send("x" * 2001)
    assert caught.value.status == 400
    assert caught.value.code == 50035
    assert "content" in caught.value.text
    assert world.emulator.messages_in(world.channel) == []


async def test_empty_message_is_50006(world, connect):
    """A message with nothing in it is refused with 50006."""
    client = await connect(RecordingClient())
    with pytest.raises(discord.HTTPException) as caught:
        await client.get_channel(world.channel.id).send("")
    assert caught.value.code == 50006


async def test_missing_send_permission_is_50013(world, connect):
    """A channel overwrite that denies SEND_MESSAGES makes sends fail with 50013."""
    client = await connect(RecordingClient())
    await world.emulator.set_overwrite(world.channel, deny=Permission.SEND_MESSAGES)
    channel = client.get_channel(world.channel.id)
    with pytest.raises(discord.Forbidden) as caught:
        await channel.send("hi")
    assert caught.value.code == 50013


async def test_embeds_without_embed_links_are_dropped(world, connect):
    """Without EMBED_LINKS the message is sent but its embeds are not shown."""
    client = await connect(RecordingClient())
    await world.emulator.set_overwrite(world.channel, deny=Permission.EMBED_LINKS)
    embed = discord.Embed(title="Timeline", description="4 clips")
    await client.get_channel(world.channel.id).send("summary", embed=embed)
    stored = await world.emulator.wait_for_message(world.channel)
    assert stored.embeds == []
    record = world.emulator.recorder.requests_to("POST", "/channels/{channel_id}/messages")[-1]
    assert record.json["embeds"][0]["title"] == "Timeline"


async def test_hidden_channel_is_50001_and_unknown_ids_are_404(world, connect):
    """No VIEW_CHANNEL is 50001 Missing Access; unknown channel and message ids are 10003/10008."""
    client = await connect(RecordingClient())
    await world.emulator.set_overwrite(world.channel, deny=Permission.VIEW_CHANNEL)
    with pytest.raises(discord.Forbidden) as caught:
        await client.http.send_message(world.channel.id, params=_params("hi"))
    assert caught.value.code == 50001
    with pytest.raises(discord.NotFound) as unknown_channel:
        await client.http.send_message(1, params=_params("hi"))
    assert unknown_channel.value.code == 10003
    await world.emulator.set_overwrite(world.channel)
    with pytest.raises(discord.NotFound) as unknown_message:
        await client.get_channel(world.channel.id).fetch_message(1)
    assert unknown_message.value.code == 10008


async def test_attachment_over_upload_limit_is_40005(world, connect):
    """A file over the 10 MiB default limit is refused with 413 / 40005."""
    client = await connect(RecordingClient())
    path = world.emulator.make_file("big.mp4", world.emulator.config.upload_limit + 1)
    with pytest.raises(discord.HTTPException) as caught:
        await client.get_channel(world.channel.id).send(file=discord.File(path))
    assert caught.value.status == 413
    assert caught.value.code == 40005


async def test_reaction_is_recorded_and_dispatched(world, connect):
    """The bot's reaction lands on the message and is dispatched."""
    client = await connect(RecordingClient())
    posted = await world.mia.post(world.channel, "track")
    message = await client.wait_seen("message", lambda m: m.id == posted.id)
    await message.add_reaction("✅")
    assert posted.reactions == {"✅": [world.emulator.bot.id]}
    await world.emulator.wait_for_event("MESSAGE_REACTION_ADD")


def _params(content: str):
    from discord.http import handle_message_parameters

    return handle_message_parameters(content=content)
