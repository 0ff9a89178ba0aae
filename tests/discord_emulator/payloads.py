"""JSON objects in the shapes of discord-api-docs' resource pages.

- users: ``docs/resources/User.md`` ("User Object");
- guilds, members, roles: ``docs/resources/Guild.md`` ("Guild Object", "Guild Member
  Object") and ``docs/topics/Permissions.md`` ("Role Object");
- channels and threads: ``docs/resources/Channel.md`` ("Channel Object", "Thread Metadata
  Object", "Thread Member Object");
- messages and attachments: ``docs/resources/Message.md`` ("Message Object", "Attachment
  Object"); gateway MESSAGE_CREATE adds ``guild_id`` and ``member``
  (``docs/topics/Gateway_Events.md``, "Message Create");
- commands: ``docs/interactions/Application_Commands.md`` ("Application Command Object").

"Message Content Intent" (``docs/topics/Gateway.md``): without the intent, ``content``,
``embeds``, ``attachments``, ``components`` and ``poll`` are empty, except in messages the
app sent, DMs, messages that mention the app, and the target of a message command.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .cdn import Cdn
from .models import (
    ApplicationCommand,
    Attachment,
    Channel,
    ChannelType,
    Guild,
    Member,
    Message,
    Role,
    User,
)
from .state import EmulatorState


def iso(timestamp: float | None) -> str | None:
    """ISO 8601 with microseconds and UTC offset, as Discord writes timestamps."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="microseconds")


def user_payload(user: User) -> dict[str, Any]:
    """A user object."""
    payload: dict[str, Any] = {
        "id": str(user.id),
        "username": user.username,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }
    if user.bot:
        payload["bot"] = True
    return payload


def role_payload(role: Role) -> dict[str, Any]:
    """A role object; permissions travel as a decimal string."""
    payload: dict[str, Any] = {
        "id": str(role.id),
        "name": role.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": False,
        "flags": 0,
    }
    if role.bot_id is not None:
        payload["tags"] = {"bot_id": str(role.bot_id)}
    return payload


def member_payload(member: Member, *, with_user: bool = True) -> dict[str, Any]:
    """A guild member object."""
    payload: dict[str, Any] = {
        "roles": [str(r) for r in member.role_ids],
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "joined_at": iso(member.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        payload["user"] = user_payload(member.user)
    return payload


class Payloads:
    """Builds payloads that need the emulator's state (URLs, threads, permissions)."""

    def __init__(self, state: EmulatorState, cdn: Cdn) -> None:
        self.state = state
        self.cdn = cdn

    def channel(self, channel: Channel) -> dict[str, Any]:
        """A channel object: text channel, thread or DM."""
        if channel.type == ChannelType.DM:
            return {
                "id": str(channel.id),
                "type": int(channel.type),
                "last_message_id": _opt_id(channel.last_message_id),
                "flags": 0,
                "recipients": [
                    user_payload(self.state.users[u])
                    for u in channel.recipient_ids
                    if u != self.state.bot.id
                ],
            }
        if channel.is_thread:
            return self.thread(channel)
        return {
            "id": str(channel.id),
            "type": int(channel.type),
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [
                {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
                for o in channel.overwrites
            ],
            "parent_id": None,
            "topic": channel.topic,
            "nsfw": False,
            "last_message_id": _opt_id(channel.last_message_id),
            "rate_limit_per_user": channel.rate_limit_per_user,
            "default_auto_archive_duration": 1440,
            "default_thread_rate_limit_per_user": 0,
            "flags": 0,
        }

    def thread(self, thread: Channel, *, with_member: bool = True) -> dict[str, Any]:
        """A thread channel with its metadata and, if the bot joined, its thread member."""
        payload: dict[str, Any] = {
            "id": str(thread.id),
            "type": int(thread.type),
            "guild_id": str(thread.guild_id),
            "parent_id": str(thread.parent_id),
            "owner_id": str(thread.owner_id),
            "name": thread.name,
            "last_message_id": _opt_id(thread.last_message_id),
            "rate_limit_per_user": thread.rate_limit_per_user,
            "message_count": thread.message_count,
            "member_count": min(len(thread.member_ids), 50),
            "total_message_sent": thread.message_count,
            "flags": 0,
            "thread_metadata": {
                "archived": thread.archived,
                "auto_archive_duration": thread.auto_archive_duration,
                "archive_timestamp": iso(thread.created_at),
                "locked": thread.locked,
                "create_timestamp": iso(thread.created_at),
                "invitable": True,
            },
        }
        if with_member and self.state.bot.id in thread.member_ids:
            payload["member"] = self.thread_member(thread, self.state.bot)
        return payload

    def thread_member(self, thread: Channel, user: User) -> dict[str, Any]:
        """A thread member object."""
        return {
            "id": str(thread.id),
            "user_id": str(user.id),
            "join_timestamp": iso(thread.created_at),
            "flags": 0,
        }

    def guild(self, guild: Guild, *, all_members: bool) -> dict[str, Any]:
        """The full GUILD_CREATE payload; without GUILD_MEMBERS only the bot's member."""
        members = (
            list(guild.members.values()) if all_members else [guild.members[self.state.bot.id]]
        )
        payload = self.guild_object(guild)
        payload.update(
            {
                "joined_at": iso(guild.joined_at),
                "large": False,
                "unavailable": False,
                "member_count": len(guild.members),
                "voice_states": [],
                "members": [member_payload(m) for m in members],
                "channels": [self.channel(c) for c in guild.text_channels()],
                "threads": [self.thread(t) for t in guild.threads() if not t.archived],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }
        )
        return payload

    def guild_object(self, guild: Guild) -> dict[str, Any]:
        """The guild object REST returns."""
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [role_payload(r) for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": guild.locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }

    def attachment(self, attachment: Attachment) -> dict[str, Any]:
        """An attachment object with freshly signed URLs."""
        payload: dict[str, Any] = {
            "id": str(attachment.id),
            "filename": attachment.filename,
            "size": attachment.size,
            "url": self.cdn.url(attachment),
            "proxy_url": self.cdn.url(attachment, proxy=True),
        }
        if attachment.content_type:
            payload["content_type"] = attachment.content_type
        if attachment.description:
            payload["description"] = attachment.description
        if attachment.ephemeral:
            payload["ephemeral"] = True
        return payload

    def content_visible(self, message: Message, *, has_intent: bool) -> bool:
        """Whether the app may see this message's content (Message Content Intent rules)."""
        bot = self.state.bot
        return (
            has_intent
            or message.author.id == bot.id
            or message.guild_id is None
            or bot.id in message.mention_ids
        )

    def message(
        self,
        message: Message,
        *,
        content_visible: bool = True,
        gateway: bool = False,
        with_nonce: bool = False,
    ) -> dict[str, Any]:
        """A message object; ``gateway`` adds ``guild_id`` and ``member`` as events do.

        Discord echoes a ``nonce`` only to its sender, in the Create Message answer and the
        MESSAGE_CREATE event (``with_nonce``, or ``gateway``); fetched messages never carry it.
        """
        payload: dict[str, Any] = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "author": user_payload(message.author),
            "content": message.content if content_visible else "",
            "timestamp": iso(message.created_at),
            "edited_timestamp": iso(message.edited_at),
            "tts": message.tts,
            "mention_everyone": False,
            "mentions": [user_payload(self.state.users[u]) for u in message.mention_ids],
            "mention_roles": [],
            "attachments": (
                [self.attachment(a) for a in message.attachments] if content_visible else []
            ),
            "embeds": list(message.embeds) if content_visible else [],
            "components": list(message.components) if content_visible else [],
            "pinned": False,
            "type": int(message.type),
            "flags": message.flags,
        }
        if message.reactions:
            payload["reactions"] = [
                {
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "me": self.state.bot.id in users,
                    "me_burst": False,
                    "emoji": {"id": None, "name": emoji},
                    "burst_colors": [],
                }
                for emoji, users in message.reactions.items()
                if users
            ]
        if message.nonce is not None and (with_nonce or gateway):
            payload["nonce"] = message.nonce
        if message.webhook_id is not None:
            payload["webhook_id"] = str(message.webhook_id)
            payload["application_id"] = str(self.state.application_id)
        if message.interaction_metadata is not None:
            payload["interaction_metadata"] = message.interaction_metadata
        if message.message_reference is not None:
            payload["message_reference"] = message.message_reference
        if message.thread_id is not None and message.thread_id in self.state.channels:
            payload["thread"] = self.thread(self.state.channels[message.thread_id])
        if gateway and message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
            guild = self.state.guilds[message.guild_id]
            member = guild.members.get(message.author.id)
            if member is not None and message.webhook_id is None:
                payload["member"] = member_payload(member, with_user=False)
        return payload

    def command(self, command: ApplicationCommand) -> dict[str, Any]:
        """An application command object as Discord stores it."""
        payload = dict(command.raw)
        payload.update(
            {
                "id": str(command.id),
                "application_id": str(command.application_id),
                "version": str(command.version),
                "type": command.type,
                "name": command.name,
                "description": command.raw.get("description", ""),
                "default_member_permissions": command.raw.get("default_member_permissions"),
                "nsfw": command.raw.get("nsfw", False),
            }
        )
        if command.guild_id is not None:
            payload["guild_id"] = str(command.guild_id)
        return payload

    def application(self) -> dict[str, Any]:
        """The application object of ``GET /oauth2/applications/@me``."""
        config = self.state.config
        return {
            "id": str(self.state.application_id),
            "name": config.application_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "team": None,
            "owner": user_payload(self.state.owner),
            "flags": config.app_flags(),
            "bot": user_payload(self.state.bot),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.state.guilds),
        }


def _opt_id(value: int | None) -> str | None:
    return str(value) if value is not None else None
