"""The one place where an exception becomes what a Discord user sees, and how it is logged.

Handling order, first match wins (wrappers such as ``CommandInvokeError`` are unwrapped first):

0. ``app_commands.CommandNotFound`` / ``CommandSignatureMismatch`` (a command removed or changed
   by an upgrade, still in a client's cache) → "this command is no longer available"; ``INFO``.
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

Telling the user goes through :func:`deliver` (and :func:`tell` for an interaction), which
never fails silently: an embed Discord refuses is sent again as plain text with the same
content; if that fails too, one log line says why. Any exception type is handled there.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.core.errors import DomainError
from bot.core.streaming import truncate
from bot.core.texts import text
from bot.core.usecases import Deps
from bot.core.usecases.explain import explain

log = logging.getLogger(__name__)

#: Sends one message: ``channel.send``, ``followup.send``… (keyword arguments only).
Send = Callable[..., Awaitable[object]]


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
    if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        return Failure(text("command_gone", lang), logging.INFO)
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
    name = interaction.command.name if interaction.command else _command_name(interaction)
    log.log(
        failure.level,
        "interaction %s (%s) failed: %r",
        interaction.id,
        name,
        unwrap(error),
        exc_info=unwrap(error) if failure.level >= logging.ERROR else None,
    )
    if failure.text is not None:
        await tell(interaction, failure.text)


async def tell(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
) -> bool:
    """Answer ``interaction`` ephemerally (reply or follow-up) through :func:`deliver`."""

    async def send(**message: Any) -> None:
        if interaction.response.is_done():
            await interaction.followup.send(ephemeral=True, **message)
        else:
            await interaction.response.send_message(ephemeral=True, **message)

    doing = f"answering interaction {interaction.id}"
    lang = str(interaction.locale.value)
    return await deliver(send, doing, content, embed=embed, lang=lang)


async def deliver(
    send: Send,
    doing: str,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    lang: str = "en",
    **options: Any,
) -> bool:
    """Send ``content`` and ``embed``; whether the user got it (rules in the module docstring).

    ``doing`` names the message in the log line; ``options`` go to every attempt. Text cut to
    Discord's limit says so in ``lang``.
    """
    first: BaseException | None = None
    if embed is not None:
        try:
            await send(content=content, embed=embed, **options)
        except Exception as error:  # any failure falls back to plain text
            if isinstance(error, discord.NotFound):  # the channel or interaction is gone
                log.info("%s: gone (%s)", doing, describe(error))
                return False
            first = error
        else:
            return True
        content = "\n\n".join(part for part in (content, plain_text(embed)) if part)
    try:
        await send(content=truncate(content or "", text("reply_truncated", lang)), **options)
    except Exception as error:  # the log line is all that is left
        refused = f"; the embed before it: {describe(first)}" if first is not None else ""
        log.warning("%s: the user was not told: %s%s", doing, describe(error), refused)
        return False
    if first is not None:
        log.warning("%s: embed refused (%s), sent as plain text", doing, describe(first))
    return True


def plain_text(embed: discord.Embed) -> str:
    """An embed's title, description and fields as one plain message."""
    lines = [f"**{embed.title}**"] if embed.title else []
    if embed.description:
        lines.append(embed.description)
    lines.extend(f"{field.name}: {field.value}" for field in embed.fields)
    return "\n".join(lines)


def describe(error: BaseException) -> str:
    """One line saying why ``error`` happened (Discord's status, code and message if any)."""
    if isinstance(error, discord.HTTPException):
        reason = f"{error.status} {error.response.reason} (code {error.code}): {error.text}"
    else:
        reason = f"{type(error).__name__}: {error}"
    return " ".join(reason.split())


def _command_name(interaction: discord.Interaction) -> object:
    data: dict[str, object] = dict(interaction.data or {})
    return data.get("name", data)
