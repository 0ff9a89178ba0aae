"""Reply events and export states → Discord message content and embeds (no I/O here).

Everything shown is already in the conversation's language: the core's events carry their
text, and the Discord-only words come from :mod:`bot.core.texts` as well. Mentions are never
written here; the one message that pings (the finished export) is built by the notifier.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import discord

from bot.core.backend_results import RenderStage
from bot.core.models import ExportJob
from bot.core.replies import CreditsReply, Notice, NoticeKind, ReplyEvent
from bot.core.texts import text

#: Renders take ~30-90 s (contract §3.9): the ETA before the first progress report.
TYPICAL_RENDER = timedelta(seconds=60)
EMBED_COLOUR = discord.Colour(0x5865F2)


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


def render_nonce(render_id: str) -> str:
    """The Discord nonce of a render's result post: the same render always gives the same one.

    Discord drops a second send with the same nonce (``enforce_nonce``) for a few minutes, so a
    retried post cannot appear twice. Nonces are at most 25 characters.
    """
    return "bt" + hashlib.sha256(render_id.encode()).hexdigest()[:23]
