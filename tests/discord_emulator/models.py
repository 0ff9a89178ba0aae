"""The emulator's world: users, guilds, channels, threads, messages and interactions.

Plain mutable dataclasses; ``payloads`` turns them into the JSON objects of
``docs/resources/User.md``, ``Guild.md``, ``Channel.md`` and ``Message.md``. Tests read these
objects directly (``message.content``, ``message.edits``) to assert what the bot did.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .permissions import Overwrite


class ChannelType(enum.IntEnum):
    """Channel types used here ("Channel Types" in ``docs/resources/Channel.md``)."""

    GUILD_TEXT = 0
    DM = 1
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12


class MessageType(enum.IntEnum):
    """Message types used here ("Message Types" in ``docs/resources/Message.md``)."""

    DEFAULT = 0
    THREAD_CREATED = 18
    REPLY = 19
    CHAT_INPUT_COMMAND = 20
    THREAD_STARTER_MESSAGE = 21
    CONTEXT_MENU_COMMAND = 23


class MessageFlag(enum.IntFlag):
    """Message flags used here ("Message Flags")."""

    HAS_THREAD = 1 << 5
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7


class InteractionType(enum.IntEnum):
    """Interaction types ("Interaction Type" in ``Receiving_and_Responding.md``)."""

    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    APPLICATION_COMMAND_AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType(enum.IntEnum):
    """Interaction callback types ("Interaction Callback Type")."""

    PONG = 1
    CHANNEL_MESSAGE_WITH_SOURCE = 4
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
    MODAL = 9


@dataclass(eq=False)
class User:
    """A Discord user; ``locale`` is what their client sends in interactions.

    ``accepts_dms``: ``False`` for a user who turned off direct messages from server members
    (a bot's DM to them is refused with 50007).
    """

    id: int
    username: str
    locale: str = "en-US"
    bot: bool = False
    global_name: str | None = None
    accepts_dms: bool = True

    @property
    def mention(self) -> str:
        """The ``<@id>`` form that mentions this user in message content."""
        return f"<@{self.id}>"


@dataclass(eq=False)
class Role:
    """A guild role; the bot's managed role carries ``bot_id``."""

    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None


@dataclass(eq=False)
class Member:
    """A user's membership in a guild."""

    user: User
    role_ids: list[int]
    joined_at: float
    nick: str | None = None


@dataclass(eq=False)
class Channel:
    """A guild text channel, a thread (``parent_id`` set) or a DM."""

    id: int
    type: ChannelType
    name: str
    guild_id: int | None
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    last_message_id: int | None = None
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    created_at: float = 0.0
    message_count: int = 0
    member_ids: set[int] = field(default_factory=set)
    recipient_ids: list[int] = field(default_factory=list)
    rate_limit_per_user: int = 0

    @property
    def is_thread(self) -> bool:
        """Whether this channel is a public or private thread."""
        return self.type in (ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD)

    @property
    def mention(self) -> str:
        """The ``<#id>`` form of this channel."""
        return f"<#{self.id}>"


@dataclass(eq=False)
class Attachment:
    """A stored file; the CDN streams ``path`` from disk under a signed URL."""

    id: int
    channel_id: int
    filename: str
    size: int
    path: Path
    content_type: str | None = None
    description: str | None = None
    ephemeral: bool = False

    def read_bytes(self) -> bytes:
        """Return the file's content (for small files in assertions)."""
        return self.path.read_bytes()


@dataclass(frozen=True)
class MessageEdit:
    """One edit of a message: when, and the content it had afterwards."""

    at: float
    content: str


@dataclass(eq=False)
class Message:
    """A message in a channel or thread, with its edit history."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str
    created_at: float
    type: MessageType = MessageType.DEFAULT
    attachments: list[Attachment] = field(default_factory=list)
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    mention_ids: list[int] = field(default_factory=list)
    nonce: str | None = None
    flags: int = 0
    tts: bool = False
    message_reference: dict[str, Any] | None = None
    webhook_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    thread_id: int | None = None
    edited_at: float | None = None
    edits: list[MessageEdit] = field(default_factory=list)
    reactions: dict[str, list[int]] = field(default_factory=dict)
    deleted: bool = False

    @property
    def ephemeral(self) -> bool:
        """Whether only the interaction's user can see this message."""
        return bool(self.flags & MessageFlag.EPHEMERAL)

    def custom_ids(self) -> list[str]:
        """Return every ``custom_id`` in this message's components, depth first."""
        found: list[str] = []

        def walk(components: list[dict[str, Any]]) -> None:
            for component in components:
                if "custom_id" in component:
                    found.append(component["custom_id"])
                walk(component.get("components", []))

        walk(self.components)
        return found


@dataclass(eq=False)
class Guild:
    """A guild with its roles, channels, threads and members."""

    id: int
    name: str
    owner_id: int
    locale: str = "en-US"
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    joined_at: float = 0.0
    upload_limit: int | None = None

    @property
    def everyone_role(self) -> Role:
        """The @everyone role, whose id is the guild's id."""
        return self.roles[self.id]

    def bot_role(self, bot_id: int) -> Role:
        """The managed role Discord gives a bot when it joins."""
        return next(r for r in self.roles.values() if r.bot_id == bot_id)

    def text_channels(self) -> list[Channel]:
        """The guild's text channels (not threads)."""
        return [c for c in self.channels.values() if c.type == ChannelType.GUILD_TEXT]

    def threads(self) -> list[Channel]:
        """The guild's threads."""
        return [c for c in self.channels.values() if c.is_thread]


@dataclass(eq=False)
class ApplicationCommand:
    """A registered application command (``docs/interactions/Application_Commands.md``)."""

    id: int
    application_id: int
    guild_id: int | None
    name: str
    type: int
    version: int
    raw: dict[str, Any]

    @property
    def options(self) -> list[dict[str, Any]]:
        """The command's option schema as registered."""
        options: list[dict[str, Any]] = self.raw.get("options") or []
        return options


@dataclass(eq=False)
class Interaction:
    """An interaction the emulator sent and everything the bot answered to it."""

    id: int
    token: str
    type: InteractionType
    guild_id: int | None
    channel_id: int
    user: User
    created_at: float
    payload: dict[str, Any]
    name: str | None = None
    component_message_id: int | None = None
    callback_type: CallbackType | None = None
    callback_data: dict[str, Any] | None = None
    callback_at: float | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    modal: dict[str, Any] | None = None

    @property
    def acknowledged(self) -> bool:
        """Whether the bot has sent the initial callback."""
        return self.callback_type is not None
