"""Message bodies shared by channel messages, interaction responses and follow-ups.

Validation follows ``docs/resources/Message.md``, "Create Message" and "Edit Message":
``content`` up to 2000 characters (``50035`` ``BASE_TYPE_MAX_LENGTH`` otherwise), ``nonce`` up
to 25 characters, at most 10 embeds, and at least one of content, embeds, sticker_ids,
components, files or poll (``50006 Cannot send an empty message``). ``attachments[].id``
refers to ``files[n]``; on edit, ``attachments`` lists every attachment to keep
(v10 semantics) and new files are appended. ``mentions`` holds the users parsed from
``<@id>`` that ``allowed_mentions`` lets through ("Allowed Mentions Object").
"""

from __future__ import annotations

import re
from typing import Any

from .. import errors
from ..models import Attachment, Channel, Message, MessageEdit, MessageType, User
from .bodies import UploadedFile, guess_content_type
from .context import RestContext

_USER_MENTION = re.compile(r"<@!?(\d+)>")
MAX_EMBEDS = 10
MAX_NONCE = 25


def validate_message_fields(ctx: RestContext, data: dict[str, Any], *, prefix: str = "") -> None:
    """Reject what Discord rejects in a message body (50035)."""
    content = data.get("content")
    if content is not None and not isinstance(content, str):
        content = str(content)
    limit = ctx.config.max_content_length
    if content is not None and len(content) > limit:
        raise errors.too_long(prefix + "content", limit)
    nonce = data.get("nonce")
    if nonce is not None and len(str(nonce)) > MAX_NONCE:
        raise errors.too_long(prefix + "nonce", MAX_NONCE)
    embeds = data.get("embeds")
    if embeds is not None and len(embeds) > MAX_EMBEDS:
        raise errors.invalid_form_body(
            errors.field_errors(
                prefix + "embeds",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_EMBEDS} or fewer in length.",
            )
        )


def is_empty(data: dict[str, Any], files: list[UploadedFile]) -> bool:
    """Whether a new message would have nothing to show."""
    return not (
        data.get("content")
        or data.get("embeds")
        or data.get("sticker_ids")
        or data.get("components")
        or data.get("poll")
        or files
    )


def mention_ids(ctx: RestContext, content: str, allowed: dict[str, Any] | None) -> list[int]:
    """Users mentioned in ``content`` that ``allowed_mentions`` lets through."""
    found: list[int] = []
    for raw in _USER_MENTION.findall(content or ""):
        user_id = int(raw)
        if user_id in ctx.state.users and user_id not in found:
            found.append(user_id)
    if allowed is None:
        return found
    if "users" in (allowed.get("parse") or []):
        return found
    explicit = {int(u) for u in allowed.get("users") or []}
    return [u for u in found if u in explicit]


def new_attachments(
    ctx: RestContext, channel: Channel, data: dict[str, Any], files: list[UploadedFile]
) -> list[Attachment]:
    """Attachments for uploaded files, named by the matching ``attachments[]`` entries."""
    meta = {str(a.get("id")): a for a in data.get("attachments") or [] if isinstance(a, dict)}
    result = []
    for uploaded in files:
        info = meta.get(str(uploaded.index), {})
        filename = str(info.get("filename") or uploaded.filename)
        content_type = uploaded.content_type
        if content_type in (None, "application/octet-stream"):
            content_type = guess_content_type(filename) or content_type
        result.append(
            Attachment(
                id=ctx.state.ids.next(),
                channel_id=channel.id,
                filename=filename,
                size=uploaded.size,
                path=uploaded.path,
                content_type=content_type,
                description=info.get("description"),
            )
        )
    return result


def new_message(
    ctx: RestContext,
    *,
    channel: Channel,
    author: User,
    data: dict[str, Any],
    files: list[UploadedFile],
    message_type: MessageType = MessageType.DEFAULT,
    flags: int = 0,
) -> Message:
    """A message built from a validated body (not yet stored)."""
    content = str(data.get("content") or "")
    nonce = data.get("nonce")
    return Message(
        id=ctx.state.ids.next(),
        channel_id=channel.id,
        guild_id=channel.guild_id,
        author=author,
        content=content,
        created_at=ctx.state.clock.now(),
        type=message_type,
        attachments=new_attachments(ctx, channel, data, files),
        embeds=list(data.get("embeds") or []),
        components=list(data.get("components") or []),
        mention_ids=mention_ids(ctx, content, data.get("allowed_mentions")),
        nonce=str(nonce) if nonce is not None else None,
        flags=flags,
        tts=bool(data.get("tts", False)),
        message_reference=data.get("message_reference"),
    )


def apply_edit(
    ctx: RestContext,
    message: Message,
    channel: Channel,
    data: dict[str, Any],
    files: list[UploadedFile],
) -> None:
    """Apply an edit body to ``message`` and record it in the edit history."""
    if "content" in data:
        message.content = str(data["content"] or "")
        message.mention_ids = mention_ids(ctx, message.content, data.get("allowed_mentions"))
    if "embeds" in data:
        message.embeds = list(data["embeds"] or [])
    if "components" in data:
        message.components = list(data["components"] or [])
    if "flags" in data and data["flags"] is not None:
        message.flags = int(data["flags"])
    if "attachments" in data and data["attachments"] is not None:
        keep = {str(a.get("id")) for a in data["attachments"] if isinstance(a, dict)}
        message.attachments = [a for a in message.attachments if str(a.id) in keep]
    added = new_attachments(ctx, channel, data, files)
    message.attachments.extend(added)
    for attachment in added:
        ctx.state.attachments[attachment.id] = attachment
    now = ctx.state.clock.now()
    message.edited_at = now
    message.edits.append(MessageEdit(at=now, content=message.content))
    ctx.signal.notify()
