"""Reply events and export states → Discord message content and embeds (no I/O here).

Everything shown is already in the conversation's language: the core's events carry their
text, and the Discord-only words come from :mod:`bot.core.texts` as well. Mentions are never
written here; the one message that pings (the finished export) is built by the notifier.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Final

import discord

from bot.core.backend_results import RenderStage
from bot.core.models import ExportJob
from bot.core.replies import CreditsReply, Notice, NoticeKind, ReplyEvent
from bot.core.texts import text

#: Renders take ~30-90 s (contract §3.9): the ETA before the first progress report.
TYPICAL_RENDER = timedelta(seconds=60)
EMBED_COLOUR = discord.Colour(0x5865F2)
#: Discord's limit on a message nonce.
NONCE_LENGTH: Final = 25
#: Where Discord's links to a channel or message start.
DISCORD_CHANNELS: Final = "https://discord.com/channels"


def content_of(event: ReplyEvent, lang: str) -> str:
    """The message text for an event that is shown as one plain message."""
    if isinstance(event, Notice) and event.kind is NoticeKind.READY:
        return f"{event.text}\n{text('ready_next', lang)}"
    if isinstance(event, CreditsReply):
        return event.text
    return getattr(event, "text", "")


def credits_embed(reply: CreditsReply, lang: str, *, billing_url: str) -> discord.Embed:
    """The balance as an embed; out of credits, what to do about it (register or top up)."""
    embed = discord.Embed(title=text("credits_title", lang), colour=EMBED_COLOUR)
    embed.add_field(name=text("credits_available", lang), value=str(reply.available))
    embed.add_field(name=text("credits_frozen", lang), value=str(reply.frozen))
    embed.add_field(name=text("credits_total", lang), value=str(reply.available + reply.frozen))
    if reply.available <= 0:
        if reply.register_url is not None:
            guidance = text("out_of_credits_anonymous", lang, register_url=reply.register_url)
        else:
            guidance = text("out_of_credits_registered", lang, billing_url=billing_url)
        embed.description = guidance
    elif reply.register_url is not None:
        embed.description = text("credits_register", lang, register_url=reply.register_url)
    return embed


def help_embed(lang: str) -> discord.Embed:
    """What Beatthread does and how to use it."""
    return discord.Embed(
        title=text("help_title", lang), description=text("help_body", lang), colour=EMBED_COLOUR
    )


def export_status(
    job: ExportJob, stage: RenderStage, progress: int, lang: str, *, now: datetime
) -> str:
    """The live status line of a render: stage, progress and an ETA as a relative timestamp."""
    name = "processing" if stage is RenderStage.PROCESSING else "pending"
    eta = estimate_finish(job.created_at, progress, now=now)
    return text(
        "export_status",
        lang,
        stage=text(f"export_stage_{name}", lang),
        progress=max(0, min(progress, 99)),
        eta=discord.utils.format_dt(eta, "R"),
    )


def estimate_finish(started: datetime, progress: int, *, now: datetime) -> datetime:
    """When a render started at ``started`` and now at ``progress`` % will likely be done."""
    elapsed = max(now - started, timedelta(0))
    if progress <= 0:
        return max(started + TYPICAL_RENDER, now + timedelta(seconds=5))
    return started + elapsed * (100 / min(progress, 99))


def render_nonce(render_id: str, *, direct: bool = False) -> str:
    """The Discord nonce of a render's result post (``direct``: of its copy by DM).

    The same render always gives the same one. Discord answers a second send by the same
    author with the same nonce (``enforce_nonce``) with the first message, for a few minutes and
    in any channel: a retried post cannot appear twice, and the DM needs a nonce of its own.
    """
    seed = f"dm:{render_id}" if direct else render_id
    prefix = "bd" if direct else "bt"
    return prefix + hashlib.sha256(seed.encode()).hexdigest()[: NONCE_LENGTH - len(prefix)]


def message_link(guild_id: int, channel_id: int, message_id: int | None = None) -> str:
    """Discord's link to a channel (a thread), or to one of its messages."""
    channel = f"{DISCORD_CHANNELS}/{guild_id}/{channel_id}"
    return channel if message_id is None else f"{channel}/{message_id}"
