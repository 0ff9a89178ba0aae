"""Telling the user never fails silently; a stale slash command gets a plain, calm answer."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.discord_app.stage import WAIT
from tests.discord_app.test_command_sync import LogWait

WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
MESSAGES = "/channels/{channel_id}/messages"


def with_embed(body: dict[str, Any]) -> bool:
    """A message body that carries an embed."""
    return bool(body.get("embeds"))


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """What reaches the event loop's exception handler ("Task exception was never retrieved")."""
    loop = asyncio.get_running_loop()
    seen: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: seen.append(context))
    try:
        yield seen
    finally:
        loop.set_exception_handler(previous)


async def test_a_refused_credits_embed_is_sent_as_plain_text(stage):
    """/credits whose embed Discord refuses (400) still shows the balance, as plain text."""
    stage.emulator.faults.fail("POST", WEBHOOK, status=400, code=50035, match=with_embed)
    handle = await stage.mia.slash("credits", stage.tracks)
    answer = await handle.wait_for_original(lambda m: "Available" in m.content, timeout=WAIT)
    assert answer.ephemeral and not answer.embeds
    assert "Available: 100" in answer.content and "Total: 100" in answer.content
    assert "Register (free)" in answer.content


async def test_a_refused_credits_embed_in_a_thread_is_sent_as_plain_text(stage):
    """Writing "credits" in a thread whose embed Discord refuses still shows the balance."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    stage.emulator.faults.fail("POST", MESSAGES, status=400, code=50035, match=with_embed)
    await stage.mia.post(thread, "credits")
    reply = await stage.emulator.wait_for_message(
        thread, lambda m: "Available: 100" in m.content, timeout=WAIT
    )
    assert not reply.embeds


async def test_when_the_plain_text_fails_too_one_line_says_why(stage, caplog, loop_errors):
    """Embed refused, then an answer discord.py cannot parse: a log line, no stray exception."""
    stage.emulator.faults.fail("POST", WEBHOOK, status=400, code=50035, match=with_embed)
    stage.emulator.faults.fail("POST", WEBHOOK, status=200, body="<html>bad gateway</html>")
    told = LogWait("the user was not told")
    logging.getLogger("bot.discord_app.errors").addHandler(told)
    try:
        with caplog.at_level(logging.INFO, logger="bot"):
            await stage.mia.slash("credits", stage.tracks)
            await asyncio.wait_for(told.seen.wait(), WAIT)
            invoker = told.task  # the task discord.py runs the command in
            assert invoker is not None and invoker.get_name() == "CommandTree-invoker"
            await asyncio.wait([invoker], timeout=WAIT)
    finally:
        logging.getLogger("bot.discord_app.errors").removeHandler(told)
    assert invoker.done() and invoker.exception() is None
    del invoker, told
    gc.collect()
    assert loop_errors == []
    assert [r.levelname for r in caplog.records if r.levelno >= logging.ERROR] == []
    (line,) = [r.getMessage() for r in caplog.records if "the user was not told" in r.getMessage()]
    assert "TypeError" in line and "400" in line and "50035" in line


async def test_a_stale_command_is_no_longer_available_without_a_traceback(stage, caplog):
    """A command the bot no longer has gets an ephemeral hint (English and 中文), no ERROR."""
    lin = stage.emulator.add_user("lin", locale="zh-CN")
    with caplog.at_level(logging.INFO, logger="bot"):
        handle = await stage.mia.stale_command("remix", stage.tracks)
        answer = await handle.wait_for_original(timeout=WAIT)
        chinese = await (await lin.stale_command("remix", stage.tracks)).wait_for_original(
            timeout=WAIT
        )
    assert answer.ephemeral and chinese.ephemeral
    assert answer.content.startswith("This command is no longer available")
    assert "/help" in answer.content
    assert chinese.content.startswith("这个命令已不再可用")
    assert [r.levelname for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert all(r.exc_info is None for r in caplog.records if r.name.startswith("bot"))
