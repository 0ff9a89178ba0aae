"""Slash commands are synced only when the command tree changed; a failed sync is not fatal."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import discord
from discord import app_commands

from bot.discord_app.command_sync import FINGERPRINT_KEY, fingerprint
from tests.discord_app.stage import WAIT, Stage, run_env

COMMANDS = "/applications/{application_id}/commands"


def syncs(stage: Stage) -> int:
    """How many times the bot replaced its global commands (discord.py's ``tree.sync``)."""
    return len(stage.emulator.recorder.requests_to("PUT", COMMANDS))


class LogWait(logging.Handler):
    """Sets an event when a record whose message contains ``needle`` is logged, and by whom."""

    def __init__(self, needle: str) -> None:
        super().__init__()
        self.needle = needle
        self.seen = asyncio.Event()
        self.task: asyncio.Task[Any] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.needle in record.getMessage():
            self.task = asyncio.current_task()
            self.seen.set()


async def stored_fingerprint(stage: Stage) -> str | None:
    """The fingerprint the running bot's database holds."""
    assert stage.bot is not None
    async with stage.bot.app.use_cases.deps.store.transaction() as tx:
        return await tx.settings.get(FINGERPRINT_KEY)


async def sync_commands_cli(stage: Stage) -> tuple[int, str]:
    """Run ``beatthread sync-commands`` against the stage; its exit code and stdout."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sync-commands",
        env=run_env(stage),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    assert b"Traceback" not in stderr, stderr.decode()
    return process.returncode, stdout.decode()


async def test_a_second_start_with_the_same_tree_sends_no_sync(make_stage):
    """Restarting an unchanged bot registers nothing again (Discord rate-limits creates)."""
    stage = await make_stage()
    await stage.start_bot()
    await stage.stop_bot()
    await stage.start_bot()
    assert syncs(stage) == 1
    handle = await stage.mia.slash("help", stage.tracks)  # the commands still work
    assert (await handle.wait_for_original(timeout=WAIT)).embeds


async def test_a_changed_tree_is_synced_once_and_its_fingerprint_stored(make_stage):
    """A tree unlike the last one synced is synced once at start, and then remembered."""
    stage = await make_stage()
    bot = await stage.start_bot()
    async with bot.app.use_cases.deps.store.transaction() as tx:
        await tx.settings.put(
            FINGERPRINT_KEY, "an older tree", now=bot.app.use_cases.deps.clock.now()
        )
    await stage.stop_bot()
    bot = await stage.start_bot()
    assert syncs(stage) == 2
    assert await stored_fingerprint(stage) == await fingerprint(bot.tree, bot.application_id)


class _Shouting(app_commands.Translator):
    """A translator that gives every string a 中文 version."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext,
    ) -> str | None:
        return string.message.upper() if locale is discord.Locale.chinese else None


async def test_the_fingerprint_changes_with_descriptions_translations_and_application():
    """Any change Discord would see (text, translation, application) changes the fingerprint."""
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))

    @tree.command(name="ping", description="Check the bot")
    async def ping(interaction: discord.Interaction) -> None:
        """A command to fingerprint."""

    first = await fingerprint(tree, 1)
    assert await fingerprint(tree, 1) == first
    assert await fingerprint(tree, 2) != first
    ping.description = "Check the bot again"
    described = await fingerprint(tree, 1)
    assert described != first
    await tree.set_translator(_Shouting())
    assert await fingerprint(tree, 1) != described


async def test_a_refused_sync_is_one_log_line_and_the_bot_serves_threads(make_stage, caplog):
    """Discord answering 400 to the sync: one clear line, self-check advice, threads still work."""
    stage = await make_stage()
    stage.emulator.faults.fail("PUT", COMMANDS, status=400, code=50035)
    advice = LogWait("Slash commands are unavailable")
    logging.getLogger("bot.discord_app.selfcheck").addHandler(advice)
    try:
        with caplog.at_level(logging.INFO, logger="bot"):
            await stage.start_bot()
            await asyncio.wait_for(advice.seen.wait(), WAIT)
            _, thread = await stage.drop_track()
            await stage.ready_in(thread)
            await stage.mia.post(thread, "credits")
            await stage.emulator.wait_for_message(thread, lambda m: bool(m.embeds), timeout=WAIT)
    finally:
        logging.getLogger("bot.discord_app.selfcheck").removeHandler(advice)
    lines = [r for r in caplog.records if r.name == "bot.discord_app.command_sync"]
    assert [r.levelname for r in lines] == ["WARNING"]
    (line,) = lines
    assert "400" in line.getMessage() and "50035" in line.getMessage()
    assert line.exc_info is None and "\n" not in line.getMessage()
    checks = [r.getMessage() for r in caplog.records if r.name == "bot.discord_app.selfcheck"]
    assert any("Messages in track threads" in c and "50035" in c for c in checks)


async def test_sync_commands_cli_forces_a_sync_that_the_next_start_trusts(make_stage):
    """`beatthread sync-commands` always syncs and stores the fingerprint; exit 1 on a refusal."""
    stage = await make_stage()
    for expected in (1, 2):
        code, out = await sync_commands_cli(stage)
        assert (code, syncs(stage)) == (0, expected), out
        assert out.count("\n") == 1 and "synced 8 application commands" in out
    await stage.start_bot()
    assert syncs(stage) == 2  # the CLI's fingerprint is the bot's own
    stage.emulator.faults.fail("PUT", COMMANDS, status=400, code=50035)
    code, out = await sync_commands_cli(stage)
    assert code == 1
    assert out.count("\n") == 1 and "slash commands unavailable" in out and "50035" in out
