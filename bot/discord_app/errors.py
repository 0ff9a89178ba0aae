"""The one place where an exception becomes what a Discord user sees, and how it is logged.

Handling order, first match wins (wrappers such as ``CommandInvokeError`` are unwrapped first):

1. :class:`bot.core.errors.DomainError` (a use-case error that was not already turned into a
   reply) → :func:`bot.core.usecases.explain.explain`'s text, with its links; ``WARNING``.
2. :class:`discord.NotFound` → nothing to show: the message, thread or interaction is gone
   (deleted, or an interaction answered too late); ``INFO``.
3. :class:`discord.Forbidden` → "I'm missing a Discord permission here"; ``WARNING``: an admin
   can fix it, the self-check at start-up says which.
4. any other :class:`discord.HTTPException` (5xx, a refused body) → "Discord didn't accept
   that"; ``WARNING``.
5. anything else is a bug → "something went wrong on my side"; ``ERROR`` with the traceback.

Exception messages are logged, never shown: users get texts from :mod:`bot.core.texts`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord
from discord import app_commands

from bot.core.errors import DomainError
from bot.core.texts import text
from bot.core.usecases import Deps
from bot.core.usecases.explain import explain

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Failure:
    """What to show (``None``: nothing) and how loudly to log."""

    text: str | None
    level: int


def unwrap(error: BaseException) -> BaseException:
    """The exception behind discord.py's wrappers."""
    while isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    return error


async def classify(error: BaseException, lang: str, deps: Deps | None = None) -> Failure:
    """The user text and log level for ``error`` (order in the module docstring)."""
    error = unwrap(error)
    if isinstance(error, DomainError):
        if deps is not None:
            return Failure((await explain(deps, lang, error)).text, logging.WARNING)
        return Failure(text("backend_error", lang), logging.WARNING)
    if isinstance(error, discord.NotFound):
        return Failure(None, logging.INFO)
    if isinstance(error, discord.Forbidden):
        return Failure(text("discord_forbidden", lang), logging.WARNING)
    if isinstance(error, discord.HTTPException):
        return Failure(text("discord_failed", lang), logging.WARNING)
    return Failure(text("internal_error", lang), logging.ERROR)


def log_failure(error: BaseException, doing: str) -> None:
    """Log ``error`` that happened while ``doing`` something nobody is waiting to hear about."""
    error = unwrap(error)
    if isinstance(error, discord.NotFound):
        log.info("%s: gone (%s)", doing, error)
    elif isinstance(error, discord.HTTPException | DomainError):
        log.warning("%s failed: %s", doing, error)
    else:
        log.error("%s failed", doing, exc_info=error)


async def report(
    interaction: discord.Interaction, error: BaseException, deps: Deps | None = None
) -> None:
    """Log ``error`` and tell the interaction's user, ephemerally, if there is anything to say."""
    lang = str(interaction.locale.value)
    failure = await classify(error, lang, deps)
    name = interaction.command.name if interaction.command else interaction.data
    log.log(
        failure.level,
        "interaction %s (%s) failed: %r",
        interaction.id,
        name,
        unwrap(error),
        exc_info=unwrap(error) if failure.level >= logging.ERROR else None,
    )
    if failure.text is None:
        return
    try:
        if interaction.response.is_done():
            await interaction.followup.send(failure.text, ephemeral=True)
        else:
            await interaction.response.send_message(failure.text, ephemeral=True)
    except discord.HTTPException as failed:  # the interaction expired: only the log remains
        log.info("could not tell the user about interaction %s: %s", interaction.id, failed)
