"""A long streamed reply is split before 2,000 characters, in order, each piece final."""

from __future__ import annotations

from bot.core.replies import ReplyText
from bot.core.streaming import MessageChunker
from bot.discord_app.limiter import MessageLimiter
from bot.discord_app.streamer import ReplyStreamer

SENTENCE = "The bass drops and the city lights pulse on every beat of the chorus. "


def events(text: str, step: int = 37) -> list[ReplyText]:
    """What the chat use case emits for ``text`` arriving ``step`` characters at a time."""
    chunker = MessageChunker()
    out = []
    for start in range(0, len(text), step):
        delta = text[start : start + step]
        chunker.feed(delta)
        out.append(ReplyText(delta, tuple(chunker.pop_complete()), chunker.current()))
    out.append(ReplyText("", tuple(chunker.finish()), "", done=True))
    return out


async def test_long_reply_is_split_into_final_messages_under_the_limit(world, connect):
    """4,900 characters become three messages, each at most 2,000, that join to the reply."""
    client = await connect()
    reply = SENTENCE * 70
    streamer = ReplyStreamer(client.get_partial_messageable(world.channel.id), MessageLimiter())
    for event in events(reply):
        await streamer.apply(event)
    messages = [m for m in world.emulator.messages_in(world.channel) if not m.deleted]
    assert len(messages) == 3
    assert all(len(m.content) <= 2000 for m in messages)
    assert "".join(m.content for m in messages).split() == reply.split()
    assert world.emulator.recorder.rate_limit_hits == []
