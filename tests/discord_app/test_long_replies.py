"""A chat reply longer than one Discord message, through a whole turn: split, fenced, paced."""

from __future__ import annotations

import asyncio
import re

from bot.core.gui import strip_trailing_noise, translate_gui
from bot.core.streaming import DISCORD_MESSAGE_LIMIT
from tests.discord_app.stage import WAIT

MESSAGES = "/channels/{channel_id}/messages"
MESSAGE = MESSAGES + "/{message_id}"
PROSE = (
    "The verse rides the kick drum, so every cut lands on a downbeat and the colour "
    "shifts with the chorus. "
)
CUT_LIST = "\n".join(f"beat_{n:03} = cut(at={n * 0.5:.1f}, fade=0.25)" for n in range(64))
LONG_REPLY = (
    PROSE * 5
    + "\n\nThis is the cut list I followed:\n\n```python\n"
    + CUT_LIST  # longer than a message: split inside, the fence closed and reopened
    + "\n```\n\n"
    + PROSE * 10
    + "\n\n```\ntempo = 128\n```\n\n"
    + PROSE * 2
).strip()


def words(text: str) -> list[str]:
    """The text's words, without code fences (the chunker adds some where it splits)."""
    return re.sub(r"```\w*", " ", text).split()


def fenced_evenly(text: str) -> bool:
    return text.count("```") % 2 == 0


async def test_a_reply_over_2000_characters_streams_into_paced_fenced_messages(stage):
    """Every send and edit fits, each message renders its code, the pieces join to the reply."""
    assert len(LONG_REPLY) > 2 * DISCORD_MESSAGE_LIMIT
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    stage.backend.config.chat_reply = LONG_REPLY
    stage.backend.config.event_delay = 0.025  # about five seconds of streaming
    asked = await stage.mia.post(thread, "what did you do?")
    expected = words(strip_trailing_noise(translate_gui(LONG_REPLY)))

    def reply() -> list | None:
        pieces = [m for m in stage.bot_messages(thread) if m.id > asked.id]
        return pieces if words("\n".join(m.content for m in pieces)) == expected else None

    # The backend streams for about five seconds by design: leave room for a loaded machine.
    await stage.emulator.wait_until(reply, timeout=3 * WAIT, what="the whole reply")
    runner = await stage.bot.app.hub.get(thread.id)
    await asyncio.wait_for(runner.join(), WAIT)
    pieces = reply()
    assert pieces is not None and len(pieces) >= 3
    assert any(m.content.startswith("```python\n") for m in pieces[1:])  # a reopened block

    shown = [m.content for m in pieces] + [e.content for m in pieces for e in m.edits]
    assert all(len(text) <= DISCORD_MESSAGE_LIMIT for text in shown)
    assert all(fenced_evenly(text) for text in shown)
    piece_ids = {str(m.id) for m in pieces}
    sent = [
        r
        for r in stage.emulator.recorder.requests
        if (r.key == f"POST {MESSAGES}" and r.path.split("/")[-2] == str(thread.id))
        or (r.key == f"PATCH {MESSAGE}" and r.path.rsplit("/", 1)[-1] in piece_ids)
    ]
    assert all(r.status == 200 for r in sent)
    assert all(len(r.json.get("content") or "") <= DISCORD_MESSAGE_LIMIT for r in sent)

    assert any(len(m.edits) >= 2 for m in pieces)  # the reply grew in place
    for message in pieces:  # about one edit a second per message (the limiter's 1 s)
        gaps = [b.at - a.at for a, b in zip(message.edits, message.edits[1:], strict=False)]
        assert all(gap >= 0.9 for gap in gaps), (message.id, gaps)
    assert stage.emulator.recorder.rate_limit_hits == []
