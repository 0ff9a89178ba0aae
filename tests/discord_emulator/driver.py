"""The test driver: users who post, open threads, run commands and click buttons.

What a user does becomes the gateway events Discord would send the bot:

- posting: MESSAGE_CREATE (``docs/topics/Gateway_Events.md``, "Message Create"), with
  attachments stored on the CDN (``docs/resources/Message.md``, "Attachment Object");
- opening a thread: THREAD_CREATE ("Thread Create"), for public threads in channels the bot
  can see, with the THREAD_CREATED notice in the parent as Discord posts it;
- ``slash``: INTERACTION_CREATE of type 2 for a *registered* CHAT_INPUT command, options
  typed from the registered schema, attachment options uploaded as ephemeral attachments
  and listed in ``data.resolved.attachments``, the user's ``locale`` and the guild's
  ``guild_locale`` (``docs/interactions/Receiving_and_Responding.md``, "Interaction Object",
  "Resolved Data Structure"; ``Application_Commands.md``, "Slash Commands");
- ``stale_command``: the same for a command the bot has not registered (removed by an
  upgrade, still in a client's cache);
- ``context_menu``: a message command (type 3) with ``target_id`` and
  ``resolved.messages`` ("Message Commands");
- ``click``: a MESSAGE_COMPONENT interaction (type 3) carrying ``custom_id``,
  ``component_type`` and the message (``docs/interactions/Message_Components.md``).

Each interaction returns an ``InteractionHandle`` to await the bot's answer.
"""

# ruff: noqa: ASYNC109 - waits take a timeout by design, as the driver API in issue 5 asks

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Intent
from .models import (
    ApplicationCommand,
    Attachment,
    Channel,
    ChannelType,
    Interaction,
    InteractionType,
    Message,
    MessageFlag,
    MessageType,
    Role,
    User,
)
from .payloads import member_payload, role_payload, user_payload

if TYPE_CHECKING:
    from .server import DiscordEmulator

FileSpec = tuple[str, bytes | Path | str]
"""``(filename, content)``: ``bytes`` are stored by the emulator, a path is streamed as is."""


@dataclass(frozen=True)
class DeclaredFile:
    """A file whose metadata is what a client claims rather than what it holds (fuzzing).

    Used wherever a :data:`FileSpec` is. ``size`` is the declared size in the attachment
    object (``None``: the real one; the CDN always serves the real bytes); ``content_type``
    the declared type (``None``: guessed from the name, as for a :data:`FileSpec`).
    """

    filename: str
    content: bytes | Path | str
    size: int | None = None
    content_type: str | None = None


_MENTION = re.compile(r"<@!?(\d+)>")
_OPTION_TYPES = {
    "SUB_COMMAND": 1,
    "SUB_COMMAND_GROUP": 2,
    "STRING": 3,
    "INTEGER": 4,
    "BOOLEAN": 5,
    "USER": 6,
    "CHANNEL": 7,
    "ROLE": 8,
    "MENTIONABLE": 9,
    "NUMBER": 10,
    "ATTACHMENT": 11,
}


def write_sized_file(path: Path, size: int, *, header: bytes = b"", chunk: int = 1 << 20) -> Path:
    """Write exactly ``size`` bytes (``header``, then zeros) without holding them in memory."""
    with path.open("wb") as handle:
        handle.write(header[:size])
        remaining = size - min(len(header), size)
        block = bytes(chunk)
        while remaining > 0:
            handle.write(block[: min(chunk, remaining)])
            remaining -= chunk
    return path


class InteractionHandle:
    """An interaction sent to the bot; await what the bot answered."""

    def __init__(self, emulator: DiscordEmulator, interaction: Interaction) -> None:
        self._emulator = emulator
        self.interaction = interaction

    @property
    def id(self) -> int:
        """The interaction id."""
        return self.interaction.id

    @property
    def original(self) -> Message | None:
        """The initial response message, if the bot created one."""
        message_id = self.interaction.original_message_id
        return self._emulator.state.messages.get(message_id) if message_id else None

    @property
    def followups(self) -> list[Message]:
        """Follow-up messages, in order."""
        messages = self._emulator.state.messages
        return [messages[i] for i in self.interaction.followup_ids]

    async def wait_for_response(self, timeout: float = 5.0) -> Interaction:
        """Wait for the initial callback (any type) and return the interaction."""
        await self._emulator.wait_until(
            lambda: self.interaction.acknowledged,
            timeout=timeout,
            what=f"a callback to interaction {self.id}",
        )
        return self.interaction

    async def wait_for_original(
        self, predicate: Callable[[Message], bool] | None = None, timeout: float = 5.0
    ) -> Message:
        """Wait until the original response exists, is no longer loading, and matches."""

        def check() -> Message | None:
            message = self.original
            if message is None or message.flags & MessageFlag.LOADING:
                return None
            return message if predicate is None or predicate(message) else None

        return await self._emulator.wait_until(
            check, timeout=timeout, what=f"the response to interaction {self.id}"
        )

    async def wait_for_followup(
        self, predicate: Callable[[Message], bool] | None = None, timeout: float = 5.0
    ) -> Message:
        """Wait for a follow-up message matching ``predicate``."""

        def check() -> Message | None:
            for message in self.followups:
                if predicate is None or predicate(message):
                    return message
            return None

        return await self._emulator.wait_until(
            check, timeout=timeout, what=f"a follow-up to interaction {self.id}"
        )


class UserDriver:
    """A user of the emulated Discord, acting through the public API of a client."""

    def __init__(self, emulator: DiscordEmulator, user: User) -> None:
        self._emulator = emulator
        self.user = user

    @property
    def id(self) -> int:
        """The user's id."""
        return self.user.id

    @property
    def mention(self) -> str:
        """``<@id>``."""
        return self.user.mention

    # Messages -------------------------------------------------------------------------

    def _channel(self, where: Channel | int) -> Channel:
        return self._emulator.state.channel(where.id if isinstance(where, Channel) else where)

    def _attachments(
        self,
        channel: Channel,
        files: Iterable[FileSpec | DeclaredFile],
        *,
        ephemeral: bool = False,
    ) -> list[Attachment]:
        state = self._emulator.state
        result = []
        for spec in files:
            declared = spec if isinstance(spec, DeclaredFile) else DeclaredFile(*spec)
            filename, content = declared.filename, declared.content
            if isinstance(content, bytes):
                path = self._emulator.store.save_bytes(filename, content)
            else:
                path = Path(content)
            attachment = Attachment(
                id=state.ids.next(),
                channel_id=channel.id,
                filename=filename,
                size=path.stat().st_size if declared.size is None else declared.size,
                path=path,
                content_type=declared.content_type or mimetypes.guess_type(filename)[0],
                ephemeral=ephemeral,
            )
            state.attachments[attachment.id] = attachment
            result.append(attachment)
        return result

    async def typing(self, where: Channel | int) -> None:
        """Start typing in a channel or thread: TYPING_START, as Discord's clients send it."""
        channel = self._channel(where)
        state = self._emulator.state
        data: dict[str, Any] = {
            "channel_id": str(channel.id),
            "user_id": str(self.user.id),
            "timestamp": int(state.clock.now()),
        }
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        intent = (
            Intent.GUILD_MESSAGE_TYPING
            if channel.guild_id is not None
            else Intent.DIRECT_MESSAGE_TYPING
        )
        await self._emulator.gateway.dispatch(
            "TYPING_START", data, intent=intent, guild_id=channel.guild_id
        )

    async def post(
        self,
        where: Channel | int,
        content: str = "",
        *,
        files: Iterable[FileSpec | DeclaredFile] = (),
        reply_to: Message | None = None,
    ) -> Message:
        """Post a message in a channel or thread, as this user."""
        channel = self._channel(where)
        state = self._emulator.state
        mentions: list[int] = []
        for raw in _MENTION.findall(content):
            if int(raw) in state.users and int(raw) not in mentions:
                mentions.append(int(raw))
        message = Message(
            id=state.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=self.user,
            content=content,
            created_at=state.clock.now(),
            type=MessageType.REPLY if reply_to else MessageType.DEFAULT,
            attachments=self._attachments(channel, files),
            mention_ids=mentions,
            message_reference=(
                {"type": 0, "message_id": str(reply_to.id), "channel_id": str(reply_to.channel_id)}
                if reply_to
                else None
            ),
        )
        if channel.is_thread:
            channel.member_ids.add(self.user.id)
        state.store_message(message)
        await self._emulator.gateway.dispatch_message("MESSAGE_CREATE", message)
        return message

    async def dm(
        self, content: str = "", *, files: Iterable[FileSpec | DeclaredFile] = ()
    ) -> Message:
        """Send the bot a direct message."""
        channel = self._emulator.state.dm_channel(self.user)
        return await self.post(channel, content, files=files)

    async def create_thread(
        self, where: Channel | int, name: str, *, message: Message | None = None
    ) -> Channel:
        """Open a public thread, from ``message`` or standalone."""
        parent = self._channel(where)
        state = self._emulator.state
        thread = state.add_thread(
            parent, name, owner=self.user, thread_id=message.id if message else None
        )
        if message is not None:
            message.thread_id = thread.id
            message.flags |= MessageFlag.HAS_THREAD
        state.signal.notify()
        payload = self._emulator.payloads.thread(thread)
        payload["newly_created"] = True
        if self._emulator.gateway.bot_can_view(thread.id):
            await self._emulator.gateway.dispatch(
                "THREAD_CREATE", payload, intent=Intent.GUILDS, guild_id=thread.guild_id
            )
        if message is None:
            notice = state.store_thread_created_notice(parent, thread, self.user)
            await self._emulator.gateway.dispatch_message("MESSAGE_CREATE", notice)
        return thread

    # Interactions ---------------------------------------------------------------------

    def _find_command(self, name: str, command_type: int, channel: Channel) -> ApplicationCommand:
        state = self._emulator.state
        scopes: list[int | None] = [channel.guild_id] if channel.guild_id else []
        scopes.append(None)
        for scope in scopes:
            for command in state.commands.get(scope, []):
                if command.name == name and command.type == command_type:
                    return command
        registered = sorted({c.name for cs in state.commands.values() for c in cs})
        raise LookupError(
            f"no registered command {name!r} of type {command_type}; have {registered}"
        )

    def _base_payload(self, channel: Channel, interaction_type: InteractionType) -> dict[str, Any]:
        emulator = self._emulator
        state = emulator.state
        guild = state.guild_of(channel)
        limit = (guild.upload_limit if guild else None) or state.config.upload_limit
        payload: dict[str, Any] = {
            "id": str(state.ids.next()),
            "application_id": str(state.application_id),
            "type": int(interaction_type),
            "channel_id": str(channel.id),
            "channel": emulator.payloads.channel(channel),
            "token": state.new_token(),
            "version": 1,
            "app_permissions": str(state.bot_permissions(channel)),
            "locale": self.user.locale,
            "entitlements": [],
            "attachment_size_limit": limit,
        }
        if guild is not None:
            member = guild.members.get(self.user.id) or state.add_member(guild, self.user)
            member_data = member_payload(member)
            member_data["permissions"] = str(state.permissions(self.user, channel))
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
                    "guild_locale": guild.locale,
                    "member": member_data,
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "user": user_payload(self.user),
                    "authorizing_integration_owners": {"0": str(self.user.id)},
                    "context": 1,
                }
            )
        return payload

    async def _send(
        self,
        channel: Channel,
        payload: dict[str, Any],
        *,
        name: str | None,
        component_message: Message | None = None,
    ) -> InteractionHandle:
        state = self._emulator.state
        interaction = Interaction(
            id=int(payload["id"]),
            token=payload["token"],
            type=InteractionType(payload["type"]),
            guild_id=channel.guild_id,
            channel_id=channel.id,
            user=self.user,
            created_at=state.clock.now(),
            payload=payload,
            name=name,
            component_message_id=component_message.id if component_message else None,
        )
        state.interactions[interaction.id] = interaction
        state.signal.notify()
        await self._emulator.gateway.dispatch(
            "INTERACTION_CREATE", payload, guild_id=channel.guild_id
        )
        return InteractionHandle(self._emulator, interaction)

    async def slash(
        self, name: str, where: Channel | int, options: dict[str, Any] | None = None
    ) -> InteractionHandle:
        """Run ``/name`` (``"group sub"`` for subcommands) in a channel or thread."""
        channel = self._channel(where)
        parts = name.split()
        command = self._find_command(parts[0], 1, channel)
        resolved: dict[str, Any] = {}
        schema = command.options
        nested: list[tuple[str, int]] = []
        for part in parts[1:]:
            option = next((o for o in schema if o["name"] == part), None)
            if option is None or option["type"] not in (1, 2):
                raise LookupError(f"{command.name} has no subcommand {part!r}")
            nested.append((part, option["type"]))
            schema = option.get("options") or []
        built = self._options(channel, schema, options or {}, resolved)
        for part, option_type in reversed(nested):
            built = [{"name": part, "type": option_type, "options": built}]
        data: dict[str, Any] = {"id": str(command.id), "name": command.name, "type": 1}
        if built:
            data["options"] = built
        if resolved:
            data["resolved"] = resolved
        if command.guild_id is not None:
            data["guild_id"] = str(command.guild_id)
        payload = self._base_payload(channel, InteractionType.APPLICATION_COMMAND)
        payload["data"] = data
        return await self._send(channel, payload, name=name)

    async def stale_command(
        self, name: str, where: Channel | int, *, command_type: int = 1
    ) -> InteractionHandle:
        """Run a command the bot has not registered, as a client's stale command cache does."""
        channel = self._channel(where)
        payload = self._base_payload(channel, InteractionType.APPLICATION_COMMAND)
        command_id = str(self._emulator.state.ids.next())
        payload["data"] = {"id": command_id, "name": name, "type": command_type}
        return await self._send(channel, payload, name=name)

    def _options(
        self,
        channel: Channel,
        schema: list[dict[str, Any]],
        values: dict[str, Any],
        resolved: dict[str, Any],
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in schema}
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
        if missing:
            raise ValueError(f"required options missing: {missing}")
        built = []
        for key, value in values.items():
            option = by_name.get(key)
            if option is None:
                raise LookupError(f"no option {key!r}; registered: {sorted(by_name)}")
            option_type = int(option["type"])
            built.append(
                {
                    "name": key,
                    "type": option_type,
                    "value": self._value(channel, option_type, value, resolved),
                }
            )
        return built

    def _value(
        self, channel: Channel, option_type: int, value: Any, resolved: dict[str, Any]
    ) -> Any:
        state = self._emulator.state
        payloads = self._emulator.payloads
        if option_type == _OPTION_TYPES["ATTACHMENT"]:
            (attachment,) = self._attachments(channel, [value], ephemeral=True)
            resolved.setdefault("attachments", {})[str(attachment.id)] = payloads.attachment(
                attachment
            )
            return str(attachment.id)
        if option_type == _OPTION_TYPES["USER"]:
            user = value.user if isinstance(value, UserDriver) else value
            resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
            guild = state.guild_of(channel)
            if guild is not None and user.id in guild.members:
                member = member_payload(guild.members[user.id], with_user=False)
                member["permissions"] = str(state.permissions(user, channel))
                resolved.setdefault("members", {})[str(user.id)] = member
            return str(user.id)
        if option_type == _OPTION_TYPES["CHANNEL"]:
            target = value if isinstance(value, Channel) else state.channel(value)
            partial = payloads.channel(target)
            partial["permissions"] = str(state.bot_permissions(target))
            resolved.setdefault("channels", {})[str(target.id)] = partial
            return str(target.id)
        if option_type == _OPTION_TYPES["ROLE"]:
            role: Role = value
            resolved.setdefault("roles", {})[str(role.id)] = role_payload(role)
            return str(role.id)
        if option_type == _OPTION_TYPES["INTEGER"]:
            return int(value)
        if option_type == _OPTION_TYPES["NUMBER"]:
            return float(value)
        if option_type == _OPTION_TYPES["BOOLEAN"]:
            return bool(value)
        return str(value)

    async def context_menu(self, name: str, message: Message) -> InteractionHandle:
        """Run the message command ``name`` on ``message`` (Apps menu of a message)."""
        channel = self._emulator.state.channel(message.channel_id)
        command = self._find_command(name, 3, channel)
        payload = self._base_payload(channel, InteractionType.APPLICATION_COMMAND)
        data: dict[str, Any] = {
            "id": str(command.id),
            "name": command.name,
            "type": 3,
            "target_id": str(message.id),
            "resolved": {"messages": {str(message.id): self._emulator.payloads.message(message)}},
        }
        if command.guild_id is not None:
            data["guild_id"] = str(command.guild_id)
        payload["data"] = data
        return await self._send(channel, payload, name=name)

    async def click(
        self, message: Message, custom_id: str, *, values: list[str] | None = None
    ) -> InteractionHandle:
        """Click the button (or choose ``values`` in the select) ``custom_id`` on ``message``."""
        component = _find_component(message.components, custom_id)
        if component is None:
            raise LookupError(
                f"message {message.id} has no component {custom_id!r}: {message.custom_ids()}"
            )
        if component.get("disabled"):
            raise PermissionError(f"component {custom_id!r} is disabled")
        channel = self._emulator.state.channel(message.channel_id)
        payload = self._base_payload(channel, InteractionType.MESSAGE_COMPONENT)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": int(component["type"])}
        if values is not None:
            data["values"] = values
        payload["data"] = data
        payload["message"] = self._emulator.payloads.message(message)
        return await self._send(channel, payload, name=None, component_message=message)

    async def submit_modal(
        self, handle: InteractionHandle, values: dict[str, str]
    ) -> InteractionHandle:
        """Submit the modal the bot opened in answer to ``handle`` with text-input ``values``."""
        modal = handle.interaction.modal
        if modal is None:
            raise LookupError(f"interaction {handle.id} opened no modal")
        channel = self._emulator.state.channel(handle.interaction.channel_id)
        payload = self._base_payload(channel, InteractionType.MODAL_SUBMIT)
        rows = []
        for custom_id in _custom_ids(modal.get("components") or []):
            rows.append(
                {
                    "type": 1,
                    "components": [
                        {"type": 4, "custom_id": custom_id, "value": values.get(custom_id, "")}
                    ],
                }
            )
        payload["data"] = {"custom_id": modal["custom_id"], "components": rows}
        return await self._send(channel, payload, name=None)


def _find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        found = _find_component(component.get("components") or [], custom_id)
        if found is not None:
            return found
    return None


def _custom_ids(components: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for component in components:
        if "custom_id" in component and component.get("type") == 4:
            found.append(component["custom_id"])
        found.extend(_custom_ids(component.get("components") or []))
        if "component" in component:
            found.extend(_custom_ids([component["component"]]))
    return found


__all__ = [
    "ChannelType",
    "DeclaredFile",
    "FileSpec",
    "InteractionHandle",
    "UserDriver",
    "write_sized_file",
]
