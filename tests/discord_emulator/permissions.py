"""Permission bits and the channel permission computation of ``docs/topics/Permissions.md``.

``compute_base_permissions`` and ``compute_overwrites`` follow the pseudo-code under
"Permission Overwrites": the @everyone role and the member's roles are OR-ed; ADMINISTRATOR
(or owning the guild) grants everything; then the @everyone overwrite, the role overwrites
(denies before allows) and the member overwrite apply in that order. "Implicit Permissions"
then strips everything when VIEW_CHANNEL is missing and the send-dependent bits when
SEND_MESSAGES is missing. Threads use their parent channel's overwrites ("Permissions For
Threads" in ``docs/topics/Threads.md``), where SEND_MESSAGES_IN_THREADS replaces SEND_MESSAGES.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Permission(enum.IntFlag):
    """Bitwise permission flags ("Bitwise Permission Flags")."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    MOVE_MEMBERS = 1 << 24
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    REQUEST_TO_SPEAK = 1 << 32
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EMBEDDED_ACTIVITIES = 1 << 39
    MODERATE_MEMBERS = 1 << 40


ALL_PERMISSIONS = (1 << 41) - 1

DEFAULT_BOT_PERMISSIONS = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.SEND_MESSAGES_IN_THREADS
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.USE_APPLICATION_COMMANDS
)
"""What the bot's managed role grants unless a test says otherwise."""

DEFAULT_EVERYONE_PERMISSIONS = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.SEND_MESSAGES_IN_THREADS
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.USE_APPLICATION_COMMANDS
)
"""The @everyone role of a test guild: what an ordinary member may do."""

_SEND_DEPENDENT = (
    Permission.MENTION_EVERYONE
    | Permission.SEND_TTS_MESSAGES
    | Permission.ATTACH_FILES
    | Permission.EMBED_LINKS
)


@dataclass
class Overwrite:
    """A channel permission overwrite; ``type`` 0 targets a role, 1 a member."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0


def compute_base_permissions(*, everyone: int, roles: Iterable[int], is_owner: bool = False) -> int:
    """Return guild-level permissions from @everyone and the member's role permissions."""
    if is_owner:
        return ALL_PERMISSIONS
    permissions = everyone
    for role_permissions in roles:
        permissions |= role_permissions
    if permissions & Permission.ADMINISTRATOR:
        return ALL_PERMISSIONS
    return permissions


def compute_overwrites(
    base: int,
    *,
    guild_id: int,
    member_id: int,
    member_role_ids: Iterable[int],
    overwrites: Iterable[Overwrite],
) -> int:
    """Apply a channel's overwrites to ``base`` in Discord's documented order."""
    if base & Permission.ADMINISTRATOR:
        return ALL_PERMISSIONS
    by_id = {(o.type, o.id): o for o in overwrites}
    permissions = base
    everyone = by_id.get((0, guild_id))
    if everyone is not None:
        permissions &= ~everyone.deny
        permissions |= everyone.allow
    allow = deny = 0
    for role_id in member_role_ids:
        role_overwrite = by_id.get((0, role_id))
        if role_overwrite is not None:
            allow |= role_overwrite.allow
            deny |= role_overwrite.deny
    permissions &= ~deny
    permissions |= allow
    member = by_id.get((1, member_id))
    if member is not None:
        permissions &= ~member.deny
        permissions |= member.allow
    return permissions


def apply_implicit(permissions: int, *, in_thread: bool) -> int:
    """Strip what Discord implicitly denies ("Implicit Permissions")."""
    if permissions == ALL_PERMISSIONS:
        return permissions
    if not permissions & Permission.VIEW_CHANNEL:
        return 0
    send = Permission.SEND_MESSAGES_IN_THREADS if in_thread else Permission.SEND_MESSAGES
    if not permissions & send:
        permissions &= ~_SEND_DEPENDENT
    return permissions
