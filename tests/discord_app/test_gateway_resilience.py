"""Gateway payloads discord.py cannot parse, and disconnects in the middle of a streamed turn."""

from __future__ import annotations

import asyncio
import copy
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord
import httpx
import pytest

from tests.discord_app.stage import WAIT, Stage
from tests.discord_emulator import Channel, Message
from tests.discord_emulator.discordpy import CLIENT_OPTIONS, pointed_at

#: User text and a token inside the bad payloads: neither may reach a log line.
SECRET_TEXT = "mia-private-words"
SECRET_TOKEN = "interaction-token-abc123"

GUARD_LOGGER = "bot.discord_app.gateway_guard"

Build = Callable[[Stage, Message, Channel], dict[str, Any]]


def message_event(stage: Stage, posted: Message, **changes: Any) -> dict[str, Any]:
    """A realistic MESSAGE_CREATE payload (mia's post, made text-only) with ``changes``."""
    data = copy.deepcopy(stage.emulator.gateway.payloads.message(posted, gateway=True))
    data.update(id=str(posted.id + 4242), content=SECRET_TEXT, attachments=[])
    data.update(changes)
    return data


def roles_as_objects(stage: Stage, posted: Message, _: Channel) -> dict[str, Any]:
    data = message_event(stage, posted)
    data["member"]["roles"] = [{"id": str(stage.guild.id), "name": "@everyone"}]
    return data


def reaction_add_as_an_independent_server_sent_it(
    stage: Stage, posted: Message, _: Channel
) -> dict[str, Any]:
    # Without ``me`` (and ``type``, which that server left out too).
    return {
        "user_id": str(stage.mia.user.id),
        "channel_id": str(stage.tracks.id),
        "message_id": str(posted.id),
        "guild_id": str(stage.guild.id),
        "emoji": {"id": None, "name": "🔥"},
    }


def reactions_without_me(stage: Stage, posted: Message, _: Channel) -> dict[str, Any]:
    return message_event(stage, posted, reactions=[{"emoji": {"id": None, "name": "🔥"}}])


def update_author_without_id(stage: Stage, posted: Message, _: Channel) -> dict[str, Any]:
    data = message_event(stage, posted)
    data["author"] = {"username": "mia", "discriminator": "0"}
    return data


def thread_null(stage: Stage, posted: Message, _: Channel) -> dict[str, Any]:
    return message_event(stage, posted, thread=None)


def non_numeric_id(stage: Stage, posted: Message, _: Channel) -> dict[str, Any]:
    return message_event(stage, posted, id=f"{SECRET_TEXT}-not-a-snowflake")


def interaction_garbage(stage: Stage, posted: Message, _: Channel) -> dict[str, Any]:
    return {"id": SECRET_TEXT, "type": "a string", "token": SECRET_TOKEN, "data": [1, 2]}


def guild_with_untyped_channel(stage: Stage, posted: Message, _: Channel) -> dict[str, Any]:
    data = copy.deepcopy(stage.emulator.gateway.payloads.guild(stage.guild, all_members=False))
    other = stage.guild.id + 777
    data["id"] = str(other)
    data["name"] = SECRET_TEXT
    data["channels"] = [{"id": str(other + 1), "name": SECRET_TEXT, "position": 0}]
    return data


def unknown_event(stage: Stage, posted: Message, _: Channel) -> dict[str, Any]:
    return {"guild_id": str(stage.guild.id), "text": SECRET_TEXT}


BAD_EVENTS: dict[str, tuple[str, Build]] = {
    "member-roles-as-objects": ("MESSAGE_CREATE", roles_as_objects),
    "reaction-add-without-me": (
        "MESSAGE_REACTION_ADD",
        reaction_add_as_an_independent_server_sent_it,
    ),
    "message-reactions-without-me": ("MESSAGE_CREATE", reactions_without_me),
    "update-author-without-id": ("MESSAGE_UPDATE", update_author_without_id),
    "thread-null": ("MESSAGE_CREATE", thread_null),
    "non-numeric-message-id": ("MESSAGE_CREATE", non_numeric_id),
    "interaction-garbage": ("INTERACTION_CREATE", interaction_garbage),
    "guild-channel-without-type": ("GUILD_CREATE", guild_with_untyped_channel),
    "unknown-event-type": ("BEATTHREAD_FROM_THE_FUTURE", unknown_event),
}


async def dropped_counts(stage: Stage) -> dict[str, float]:
    """``beatthread_gateway_events_dropped_total`` by event, read from the bot's ``/metrics``."""
    assert stage.bot is not None and stage.bot.ops_url is not None
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{stage.bot.ops_url}/metrics")
    pattern = r'^beatthread_gateway_events_dropped_total\{event="([^"]+)"\} (\S+)$'
    return {e: float(v) for e, v in re.findall(pattern, response.text, flags=re.MULTILINE)}


async def assert_still_serving(stage: Stage, thread: Channel) -> None:
    """A chat message in the thread gets its reply."""
    asked = await stage.mia.post(thread, "hi, what can you do for me?")
    await stage.emulator.wait_for_message(
        thread, lambda m: m.id > asked.id and m.content.startswith("Happy to help"), timeout=WAIT
    )


async def assert_turns_finish(stage: Stage) -> None:
    """Every turn ends (as at SIGTERM), so none is cut off by the teardown."""
    assert stage.bot is not None
    assert await stage.bot.app.hub.drain(WAIT)


@pytest.mark.parametrize("case", list(BAD_EVENTS))
async def test_a_bad_gateway_event_is_dropped_counted_and_the_next_message_served(
    make_stage, caplog, case
):
    """One unparsable event must never stop the bot: it is dropped, counted and logged once."""
    event, build = BAD_EVENTS[case]
    stage = await make_stage()
    await stage.start_bot(ops=True)
    posted, thread = await stage.drop_track()
    await stage.ready_in(thread)
    caplog.set_level(logging.WARNING, logger=GUARD_LOGGER)

    await stage.emulator.dispatch_raw(event, build(stage, posted, thread))
    await assert_still_serving(stage, thread)
    await assert_turns_finish(stage)

    assert await dropped_counts(stage) == {event: 1.0}
    assert len(stage.emulator.recorder.connections) == 1  # never disconnected
    lines = [r.getMessage() for r in caplog.records if r.name == GUARD_LOGGER]
    assert len(lines) == 1 and lines[0].startswith(f"dropped gateway event {event} on shard ")
    assert SECRET_TEXT not in caplog.text and SECRET_TOKEN not in caplog.text


async def test_ready_without_shard_is_completed_and_the_bot_serves(make_stage, caplog):
    """A READY lacking ``shard`` (optional in Discord's docs) must not keep the bot offline."""
    stage = await make_stage()
    stage.emulator.tamper_next_ready(lambda ready: {k: v for k, v in ready.items() if k != "shard"})
    caplog.set_level(logging.WARNING, logger=GUARD_LOGGER)
    await stage.start_bot(ops=True)
    (ready,) = stage.emulator.recorder.dispatched("READY")
    assert "shard" not in ready.data
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    await assert_still_serving(stage, thread)
    await assert_turns_finish(stage)
    assert await dropped_counts(stage) == {}  # completed, not dropped
    assert "gateway READY without 'shard': completed as shard [0, 1]" in caplog.text


async def assert_completed_once(stage: Stage, thread: Channel, session: str, turns: int) -> None:
    """The streamed reply ends, once, in the thread; the backend got no further turn."""
    await stage.emulator.wait_for_message(
        thread, lambda m: "clip is ready" in m.content, timeout=WAIT
    )
    await assert_turns_finish(stage)
    await stage.backend.settle()
    replies = [m for m in stage.bot_messages(thread) if "Generating" in m.content]
    assert len(replies) == 1 and "clip is ready" in replies[0].content
    assert stage.backend.turns_received(session) == turns


async def interrupt_a_streamed_turn(
    stage: Stage, interrupt: Callable[[], Awaitable[object]]
) -> None:
    """Start a turn whose tool work is held, run ``interrupt`` mid-reply, check it ends once."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    session = stage.session_of(thread)
    work = stage.backend.hold_work(session)
    try:
        await stage.mia.post(thread, "generate a neon city clip")
        await stage.emulator.wait_for_message(
            thread, lambda m: m.content.startswith("Generating"), timeout=WAIT
        )
        turns = stage.backend.turns_received(session)
        await interrupt()
    finally:
        work.set()
    await assert_completed_once(stage, thread, session, turns)


async def test_a_resume_in_the_middle_of_a_streamed_turn_completes_the_reply_once(stage):
    """A dropped socket mid-reply must neither lose the reply nor send the turn again."""
    emulator = stage.emulator

    async def drop_and_resume() -> None:
        assert await emulator.drop_gateway() == 1
        await emulator.wait_for_event("RESUMED", timeout=WAIT)

    await interrupt_a_streamed_turn(stage, drop_and_resume)
    assert emulator.recorder.connections[-1].resumed
    assert len(emulator.recorder.dispatched("READY")) == 1


async def test_a_re_identify_in_the_middle_of_a_streamed_turn_completes_the_reply_once(stage):
    """An invalidated session (new IDENTIFY, no replay) mid-reply: one reply, no turn re-sent."""
    emulator = stage.emulator

    async def invalidate_and_identify() -> None:
        await emulator.invalidate_sessions()
        # discord.py waits 5 s before any IDENTIFY but the first (before_identify_hook).
        await emulator.wait_until(
            lambda: len(emulator.recorder.dispatched("GUILD_CREATE")) == 2, timeout=WAIT + 5
        )

    await interrupt_a_streamed_turn(stage, invalidate_and_identify)
    assert len({c.session_id for c in emulator.recorder.connections}) == 2


async def test_without_the_guard_discord_py_itself_stops_on_such_an_event(make_stage):
    """Why the guard writes into discord.py's parsers: a plain client's connection dies."""
    stage = await make_stage()
    with pointed_at(stage.emulator):
        client = discord.Client(intents=discord.Intents.default(), **CLIENT_OPTIONS)
        await client.login(stage.emulator.token)
        connection = asyncio.create_task(client.connect(), name="plain-client")
        try:
            await asyncio.wait_for(client.wait_until_ready(), timeout=WAIT)
            garbage = interaction_garbage(stage, None, None)  # type: ignore[arg-type]
            await stage.emulator.dispatch_raw("INTERACTION_CREATE", garbage)
            with pytest.raises(ValueError, match="invalid literal"):  # its parser's own error
                await asyncio.wait_for(connection, timeout=WAIT)
        finally:
            await client.close()
            if not connection.done():
                connection.cancel()
            await asyncio.gather(connection, return_exceptions=True)
