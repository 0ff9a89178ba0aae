"""The emulated Discord's data: who exists, where, what was said, and who may do what.

Lookups raise the ``ApiError`` Discord returns for an unknown id (``10003 Unknown Channel``,
``10008 Unknown Message`` ...; ``docs/topics/Opcodes_and_Status_Codes.md``, "JSON Error
Codes"). ``bot_permissions`` computes the bot's permissions in a channel the way
``docs/topics/Permissions.md`` describes, so REST checks and what discord.py computes from
GUILD_CREATE agree.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from . import errors
from .changes import ChangeSignal
from .clock import Clock
from .config import EmulatorConfig
from .models import (
    ApplicationCommand,
    Attachment,
    Channel,
    ChannelType,
    Guild,
    Interaction,
    Member,
    Message,
    MessageType,
    Role,
    User,
)
from .permissions import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    apply_implicit,
    compute_base_permissions,
    compute_overwrites,
)
from .snowflake import SnowflakeFactory


@dataclass
class NonceEntry:
    """A nonce seen with ``enforce_nonce``: who sent it, when, and the message it made."""

    author_id: int
    nonce: str
    at: float
    message_id: int


@dataclass
class EmulatorState:
    """All users, guilds, channels, messages, commands and interactions."""

    config: EmulatorConfig
    clock: Clock
    signal: ChangeSignal
    ids: SnowflakeFactory = field(init=False)
    application_id: int = field(init=False)
    owner: User = field(init=False)
    bot: User = field(init=False)
    users: dict[int, User] = field(default_factory=dict)
    guilds: dict[int, Guild] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    channel_messages: dict[int, list[Message]] = field(default_factory=dict)
    attachments: dict[int, Attachment] = field(default_factory=dict)
    commands: dict[int | None, list[ApplicationCommand]] = field(default_factory=dict)
    interactions: dict[int, Interaction] = field(default_factory=dict)
    nonces: list[NonceEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ids = SnowflakeFactory(self.clock)
        self.application_id = self.ids.next()
        self.owner = self.add_user("app-owner")
        self.bot = User(id=self.application_id, username=self.config.bot_name, bot=True)
        self.users[self.bot.id] = self.bot

    # Creation -------------------------------------------------------------------------

    def add_user(self, name: str, *, locale: str = "en-US", bot: bool = False) -> User:
        """Create a user."""
        user = User(id=self.ids.next(), username=name, locale=locale, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        locale: str,
        bot_permissions: int,
        everyone_permissions: int,
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """Create a guild the bot has joined, with @everyone and the bot's managed role.

        ``shard`` (shard id, shard count) picks an id on that gateway shard.
        """
        now = self.clock.now()
        guild_id = self.ids.next() if shard is None else self.ids.next_on_shard(*shard)
        guild = Guild(id=guild_id, name=name, owner_id=self.owner.id, locale=locale)
        guild.joined_at = now
        guild.roles[guild.id] = Role(
            id=guild.id, name="@everyone", permissions=int(everyone_permissions)
        )
        bot_role = Role(
            id=self.ids.next(),
            name=self.config.bot_name,
            permissions=int(bot_permissions),
            position=1,
            managed=True,
            bot_id=self.bot.id,
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[self.owner.id] = Member(self.owner, [], now)
        guild.members[self.bot.id] = Member(self.bot, [bot_role.id], now)
        self.guilds[guild.id] = guild
        return guild

    def add_text_channel(self, guild: Guild, name: str, *, topic: str | None = None) -> Channel:
        """Create a text channel in ``guild``."""
        channel = Channel(
            id=self.ids.next(),
            type=ChannelType.GUILD_TEXT,
            name=name,
            guild_id=guild.id,
            position=len(guild.text_channels()),
            topic=topic,
            created_at=self.clock.now(),
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []
        return channel

    def add_thread(
        self,
        parent: Channel,
        name: str,
        *,
        owner: User,
        thread_id: int | None = None,
        private: bool = False,
        auto_archive_duration: int = 1440,
    ) -> Channel:
        """Create a thread under ``parent``; a thread from a message reuses the message id."""
        if parent.guild_id is None:
            raise errors.unknown_channel()
        guild = self.guilds[parent.guild_id]
        thread = Channel(
            id=thread_id if thread_id is not None else self.ids.next(),
            type=ChannelType.PRIVATE_THREAD if private else ChannelType.PUBLIC_THREAD,
            name=name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=owner.id,
            auto_archive_duration=auto_archive_duration,
            created_at=self.clock.now(),
            member_ids={owner.id},
        )
        guild.channels[thread.id] = thread
        self.channels[thread.id] = thread
        self.channel_messages[thread.id] = []
        return thread

    def dm_channel(self, user: User) -> Channel:
        """Return the DM channel between ``user`` and the bot, creating it once."""
        for channel in self.channels.values():
            if channel.type == ChannelType.DM and user.id in channel.recipient_ids:
                return channel
        channel = Channel(
            id=self.ids.next(),
            type=ChannelType.DM,
            name="",
            guild_id=None,
            recipient_ids=[user.id, self.bot.id],
            created_at=self.clock.now(),
        )
        self.channels[channel.id] = channel
        self.channel_messages[channel.id] = []
        return channel

    def add_member(self, guild: Guild, user: User) -> Member:
        """Make ``user`` a member of ``guild``."""
        member = Member(user, [], self.clock.now())
        guild.members[user.id] = member
        return member

    def new_token(self) -> str:
        """An opaque interaction token."""
        return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)

    # Messages -------------------------------------------------------------------------

    def store_thread_created_notice(
        self, parent: Channel, thread: Channel, author: User
    ) -> Message:
        """Store the THREAD_CREATED system message a thread without a message leaves behind."""
        return self.store_message(
            Message(
                id=self.ids.next(),
                channel_id=parent.id,
                guild_id=parent.guild_id,
                author=author,
                content=thread.name,
                created_at=self.clock.now(),
                type=MessageType.THREAD_CREATED,
                message_reference={
                    "type": 0,
                    "channel_id": str(thread.id),
                    "guild_id": str(parent.guild_id),
                },
            )
        )

    def store_message(self, message: Message) -> Message:
        """Add ``message`` to its channel."""
        self.messages[message.id] = message
        self.channel_messages.setdefault(message.channel_id, []).append(message)
        channel = self.channels[message.channel_id]
        channel.last_message_id = message.id
        if channel.is_thread:
            channel.message_count += 1
        for attachment in message.attachments:
            self.attachments[attachment.id] = attachment
        self.signal.notify()
        return message

    def visible_messages(self, channel_id: int) -> list[Message]:
        """Messages a client could list: not deleted, not ephemeral; oldest first."""
        return [
            m
            for m in self.channel_messages.get(channel_id, [])
            if not m.deleted and not m.ephemeral
        ]

    def find_nonce(self, author_id: int, nonce: str) -> Message | None:
        """The message made with this nonce by this author within the dedupe window."""
        horizon = self.clock.now() - self.config.nonce_window
        self.nonces = [n for n in self.nonces if n.at >= horizon]
        for entry in self.nonces:
            if entry.author_id == author_id and entry.nonce == nonce:
                message = self.messages.get(entry.message_id)
                if message is not None and not message.deleted:
                    return message
        return None

    def remember_nonce(self, author_id: int, nonce: str, message: Message) -> None:
        """Record a nonce sent with ``enforce_nonce``."""
        self.nonces.append(NonceEntry(author_id, nonce, self.clock.now(), message.id))

    # Lookups --------------------------------------------------------------------------

    def channel(self, channel_id: int | str) -> Channel:
        """The channel with this id, or ``10003 Unknown Channel``."""
        try:
            return self.channels[int(channel_id)]
        except (KeyError, ValueError):
            raise errors.unknown_channel() from None

    def guild(self, guild_id: int | str) -> Guild:
        """The guild with this id, or ``10004 Unknown Guild``."""
        try:
            return self.guilds[int(guild_id)]
        except (KeyError, ValueError):
            raise errors.unknown_guild() from None

    def message(self, channel: Channel, message_id: int | str) -> Message:
        """The message with this id in ``channel``, or ``10008 Unknown Message``."""
        try:
            message = self.messages[int(message_id)]
        except (KeyError, ValueError):
            raise errors.unknown_message() from None
        if message.channel_id != channel.id or message.deleted:
            raise errors.unknown_message()
        return message

    def user(self, user_id: int | str) -> User:
        """The user with this id, or ``10013 Unknown User``."""
        try:
            return self.users[int(user_id)]
        except (KeyError, ValueError):
            raise errors.unknown_user() from None

    def guild_of(self, channel: Channel) -> Guild | None:
        """The guild a channel belongs to, ``None`` for DMs."""
        return self.guilds[channel.guild_id] if channel.guild_id is not None else None

    def commands_for(self, guild_id: int | None) -> list[ApplicationCommand]:
        """Registered commands: global (``None``) or of one guild."""
        return self.commands.setdefault(guild_id, [])

    # Permissions ----------------------------------------------------------------------

    def permissions(self, user: User, channel: Channel) -> int:
        """``user``'s permissions in ``channel`` after overwrites and implicit rules."""
        guild = self.guild_of(channel)
        if guild is None:
            return compute_base_permissions(everyone=int(DEFAULT_EVERYONE_PERMISSIONS), roles=[])
        member = guild.members.get(user.id)
        if member is None:
            return 0
        base = self.base_permissions(guild, member)
        source = (
            self.channels[channel.parent_id] if channel.is_thread and channel.parent_id else channel
        )
        permissions = compute_overwrites(
            base,
            guild_id=guild.id,
            member_id=user.id,
            member_role_ids=member.role_ids,
            overwrites=source.overwrites,
        )
        return apply_implicit(permissions, in_thread=channel.is_thread)

    def base_permissions(self, guild: Guild, member: Member) -> int:
        """Guild-level permissions of ``member``."""
        return compute_base_permissions(
            everyone=guild.everyone_role.permissions,
            roles=[guild.roles[r].permissions for r in member.role_ids if r in guild.roles],
            is_owner=guild.owner_id == member.user.id,
        )

    def bot_permissions(self, channel: Channel) -> int:
        """The bot's permissions in ``channel``."""
        return self.permissions(self.bot, channel)


__all__ = ["DEFAULT_BOT_PERMISSIONS", "EmulatorState", "NonceEntry"]
