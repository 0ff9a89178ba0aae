"""Syncing the slash commands with Discord only when the command tree changed.

Discord limits command creates per day, and discord.py advises against syncing on every start.
So after each successful sync the tree's fingerprint is kept in the database (``bot_setting``):
a SHA-256 of the JSON discord.py sends (every command, its translations included) and of the
application id. A start whose tree has the stored fingerprint sends nothing.
``beatthread sync-commands`` (:func:`sync_over_http`) forces a sync over HTTP only, without
the gateway.

A failed sync never stops the bot, since the message flow needs no slash command: it is one log
line with Discord's reason, the fingerprint is left as it was (the next start tries again), and
the start-up self-check says slash commands are unavailable.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands

from bot.core.ports import Clock, Store
from bot.discord_app.errors import describe

if TYPE_CHECKING:
    from bot.discord_app.bot import BeatthreadBot

log = logging.getLogger(__name__)

#: The ``bot_setting`` key of the fingerprint of the last tree Discord accepted.
FINGERPRINT_KEY = "command_tree_fingerprint"
#: What a failed sync can raise: Discord's answer (``CommandSyncFailure`` included), a
#: translation error, no application id, or the network.
SYNC_ERRORS = (discord.DiscordException, aiohttp.ClientError, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What a sync did: ``synced`` commands sent (``None``: nothing sent), or why it failed."""

    synced: int | None
    failure: str | None = None

    @property
    def available(self) -> bool:
        """Whether the slash commands are (as far as this start knows) registered."""
        return self.failure is None

    def summary(self) -> str:
        """One line for the log or the terminal."""
        if self.failure is not None:
            return f"slash commands unavailable: the command sync failed: {self.failure}"
        if self.synced is None:
            return "application commands unchanged since the last sync; nothing sent"
        return f"synced {self.synced} application commands"


async def tree_payload(tree: app_commands.CommandTree[Any]) -> list[dict[str, Any]]:
    """The global commands as :meth:`~discord.app_commands.CommandTree.sync` sends them."""
    commands = tree.get_commands()
    translator = tree.translator
    if translator is None:
        return [command.to_dict(tree) for command in commands]
    return [await command.get_translated_payload(tree, translator) for command in commands]


async def fingerprint(tree: app_commands.CommandTree[Any], application_id: int | None) -> str:
    """A stable hash of the tree's payload and the application it is registered for."""
    document = {"application_id": str(application_id), "commands": await tree_payload(tree)}
    blob = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


async def sync_commands(
    tree: app_commands.CommandTree[Any], store: Store, clock: Clock, *, force: bool = False
) -> SyncOutcome:
    """Sync the tree if it changed since the last sync (or ``force``); never raises on failure."""
    try:
        current = await fingerprint(tree, tree.client.application_id)
        if not force:
            async with store.transaction() as tx:
                stored = await tx.settings.get(FINGERPRINT_KEY)
            if stored == current:
                outcome = SyncOutcome(None)
                log.info("%s", outcome.summary())
                return outcome
        synced = await tree.sync()
    except SYNC_ERRORS as error:
        outcome = SyncOutcome(None, describe(error))
        log.warning("%s", outcome.summary())
        return outcome
    async with store.transaction() as tx:
        await tx.settings.put(FINGERPRINT_KEY, current, now=clock.now())
    outcome = SyncOutcome(len(synced))
    log.info("%s", outcome.summary())
    return outcome


async def sync_over_http(bot: BeatthreadBot, token: str) -> SyncOutcome:
    """``beatthread sync-commands``: log in over HTTP only, sync, store the fingerprint.

    ``bot`` was built with its application id (:func:`~bot.discord_app.bot.probe_application`)
    and never connects (so it is not closed: a sharded client that never connected cannot be);
    the HTTP session opened here is closed here. Raises :class:`discord.LoginFailure`
    for a refused token.
    """
    try:
        await bot.http.static_login(token)
        await bot.install_commands()
        deps = bot.app.use_cases.deps
        return await sync_commands(bot.tree, deps.store, deps.clock, force=True)
    finally:
        await bot.http.close()
