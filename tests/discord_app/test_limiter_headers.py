"""The limiter knows no per-channel numbers: Discord's headers, via the HTTP trace, tell it.

The emulator's buckets here are sizes no code of the bot names; discord.py keeps within them
from the headers alone, and the limiter learns from the same headers when a thread's bucket is
empty, so progress edits are skipped there instead of queueing behind discord.py's wait.
"""

from __future__ import annotations

import asyncio

from bot.discord_app.http_trace import discord_trace
from bot.discord_app.limiter import MessageBudget, MessageLimiter
from bot.discord_app.streamer import ReplyStreamer
from tests.discord_app.test_streamer import SENTENCE, events
from tests.discord_emulator import BucketLimit


def traced(limiter: MessageLimiter) -> dict[str, object]:
    return {"http_trace": discord_trace(limiter, lambda scope: None)}


async def test_an_edit_bucket_emptied_per_the_headers_skips_progress_until_its_reset(
    world, connect
):
    """A 3-per-0.6-s edit bucket, emptied: other edits in the thread are refused until it resets.

    discord.py sleeps out the reset inside the call that emptied the bucket; meanwhile a
    progress edit of another message in the thread is skipped rather than queued.
    """
    world.emulator.config.rate_limits.message_edit = BucketLimit(3, 0.6)
    limiter = MessageLimiter(MessageBudget(per_message=0.0))
    trace = discord_trace(limiter, lambda scope: None)
    emptied = asyncio.Event()

    async def watch(session, context, params) -> None:
        if params.method == "PATCH" and params.response.headers["X-RateLimit-Remaining"] == "0":
            emptied.set()

    trace.on_request_end.append(watch)  # runs after the limiter heard the same response
    client = await connect(http_trace=trace)
    channel = client.get_partial_messageable(world.channel.id)
    reply, status = await channel.send("thinking"), await channel.send("0%")
    for percent in (10, 20):
        assert limiter.try_edit(channel.id, status.id)
        await status.edit(content=f"{percent}%")
    third = asyncio.create_task(reply.edit(content="done"))
    await emptied.wait()
    assert not limiter.try_edit(channel.id, status.id)  # Remaining: 0 came back
    assert limiter.try_edit(channel.id + 1, 1)  # another thread's bucket is its own
    await third  # discord.py returns once the bucket has reset
    assert limiter.try_edit(channel.id, status.id)
    await status.edit(content="30%")
    assert world.emulator.recorder.rate_limit_hits == []
    stored = world.emulator.state.messages[status.id]
    assert [e.content for e in stored.edits] == ["10%", "20%", "30%"]


async def test_a_streamed_reply_keeps_within_buckets_the_bot_never_names(world, connect):
    """Two creates and two edits per 0.4 s: the reply still arrives whole, with no 429."""
    limits = world.emulator.config.rate_limits
    limits.message_create = BucketLimit(2, 0.4)
    limits.message_edit = BucketLimit(2, 0.4)
    limiter = MessageLimiter(MessageBudget(per_message=0.05))
    client = await connect(**traced(limiter))
    reply = SENTENCE * 70
    streamer = ReplyStreamer(client.get_partial_messageable(world.channel.id), limiter)
    for event in events(reply, step=97):
        await streamer.apply(event)
    messages = [m for m in world.emulator.messages_in(world.channel) if not m.deleted]
    assert len(messages) == 3
    assert "".join(m.content for m in messages).split() == reply.split()
    assert sum(len(m.edits) for m in messages) >= 3
    assert world.emulator.recorder.rate_limit_hits == []
