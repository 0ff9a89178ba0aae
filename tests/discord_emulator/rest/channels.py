"""Channel, message, thread and reaction endpoints.

- ``docs/resources/Channel.md``: "Get Channel", "Start Thread from Message" (``160004`` if
  the message has a thread; a test may hold one before or after the thread is made, see
  ``thread_holds``), "Start Thread without Message" (a public thread without a message
  leaves a THREAD_CREATED system message in the parent), "Join Thread", "List Thread
  Members", "Trigger Typing Indicator";
- ``docs/resources/Message.md``: "Get Channel Messages" (``around``/``before``/``after``,
  ``limit`` 1-100, default 50, newest first; nothing without READ_MESSAGE_HISTORY), "Get
  Channel Message", "Create Message" (SEND_MESSAGES, or SEND_MESSAGES_IN_THREADS in threads;
  READ_MESSAGE_HISTORY for replies; ``nonce`` + ``enforce_nonce`` returns the earlier message
  of the same author instead of creating a new one, recorded in ``Recorder.nonce_replays``;
  a test may hold a create before or after storing it, see ``holds``), "Edit Message"
  (only the author edits content: ``50005``), "Delete Message" (MANAGE_MESSAGES for others'
  messages), "Create Reaction" / "Delete Own Reaction";
- ``docs/topics/Permissions.md``: without VIEW_CHANNEL every call is ``50001 Missing
  Access``; a missing permission is ``50013 Missing Permissions``. Files need ATTACH_FILES.
  Embeds without EMBED_LINKS are accepted but not shown, so the emulator drops them and the
  request record keeps what was sent.
- ``docs/topics/Gateway_Events.md``: MESSAGE_CREATE, MESSAGE_UPDATE, MESSAGE_DELETE,
  THREAD_CREATE (``newly_created``), MESSAGE_REACTION_ADD/REMOVE follow each change.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aiohttp import web

from .. import errors
from ..config import Intent
from ..models import Channel, ChannelType, Message, MessageFlag, MessageType
from ..permissions import Permission
from ..record import NonceReplay
from .bodies import Body, read_body
from .context import RestContext
from .messages import apply_edit, is_empty, new_message, validate_message_fields
from .responses import json_response

_MESSAGES = "/channels/{channel_id}/messages"
_MESSAGE = _MESSAGES + "/{message_id}"
_REACTION = _MESSAGE + "/reactions/{emoji}/@me"


class ChannelRoutes:
    """Handlers for ``/channels/...``."""

    def __init__(self, ctx: RestContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[web.RouteDef]:
        """The routes this module serves."""
        return [
            web.get("/channels/{channel_id}", self.get_channel),
            web.get(_MESSAGES, self.list_messages),
            web.post(_MESSAGES, self.create_message),
            web.get(_MESSAGE, self.get_message),
            web.patch(_MESSAGE, self.edit_message),
            web.delete(_MESSAGE, self.delete_message),
            web.put(_REACTION, self.add_reaction),
            web.delete(_REACTION, self.remove_reaction),
            web.post(_MESSAGE + "/threads", self.thread_from_message),
            web.post("/channels/{channel_id}/threads", self.thread_without_message),
            web.put("/channels/{channel_id}/thread-members/@me", self.join_thread),
            web.get("/channels/{channel_id}/thread-members", self.thread_members),
            web.post("/channels/{channel_id}/typing", self.typing),
        ]

    # Helpers --------------------------------------------------------------------------

    def _visible_channel(self, request: web.Request) -> tuple[Channel, int]:
        channel = self.ctx.state.channel(request.match_info["channel_id"])
        permissions = self.ctx.state.bot_permissions(channel)
        if not permissions & Permission.VIEW_CHANNEL:
            raise errors.missing_access()
        return channel, permissions

    async def _body(self, request: web.Request, channel: Channel) -> Body:
        guild = self.ctx.state.guild_of(channel)
        limit = (guild.upload_limit if guild else None) or self.ctx.config.upload_limit
        return await read_body(request, self.ctx.store, file_limit=limit)

    def _message_out(self, message: Message, *, created: bool = False) -> dict[str, Any]:
        return self.ctx.payloads.message(
            message,
            content_visible=self.ctx.payloads.content_visible(
                message, has_intent=self.ctx.config.message_content_intent
            ),
            with_nonce=created,
        )

    def _accepts_dms(self, channel: Channel) -> bool:
        """Whether the person at the other end of a DM channel takes messages from the bot."""
        state = self.ctx.state
        others = [state.users.get(i) for i in channel.recipient_ids if i != state.bot.id]
        return all(user is None or user.accepts_dms for user in others)

    @staticmethod
    def _require(permissions: int, needed: Permission) -> None:
        if not permissions & needed:
            raise errors.missing_permissions()

    # Channels -------------------------------------------------------------------------

    async def get_channel(self, request: web.Request) -> web.Response:
        channel, _ = self._visible_channel(request)
        return json_response(self.ctx.payloads.channel(channel))

    async def typing(self, request: web.Request) -> web.Response:
        channel, permissions = self._visible_channel(request)
        send = (
            Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES
        )
        self._require(permissions, send)
        return web.Response(status=204)

    # Messages -------------------------------------------------------------------------

    async def list_messages(self, request: web.Request) -> web.Response:
        channel, permissions = self._visible_channel(request)
        if not permissions & Permission.READ_MESSAGE_HISTORY:
            return json_response([])
        query = request.query
        try:
            limit = int(query.get("limit", "50"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            raise errors.invalid_form_body(
                errors.field_errors("limit", "NUMBER_TYPE_MAX", "int value should be <= 100.")
            )
        messages = self.ctx.state.visible_messages(channel.id)
        if "around" in query:
            around = int(query["around"])
            older = [m for m in messages if m.id < around][-(limit // 2) :] if limit > 1 else []
            newer = [m for m in messages if m.id >= around][: limit - len(older)]
            selected = older + newer
        elif "after" in query:
            after = int(query["after"])
            selected = [m for m in messages if m.id > after][:limit]
        else:
            before = int(query["before"]) if "before" in query else None
            candidates = [m for m in messages if before is None or m.id < before]
            selected = candidates[-limit:]
        selected.sort(key=lambda m: m.id, reverse=True)
        return json_response([self._message_out(m) for m in selected])

    async def get_message(self, request: web.Request) -> web.Response:
        channel, permissions = self._visible_channel(request)
        self._require(permissions, Permission.READ_MESSAGE_HISTORY)
        message = self.ctx.state.message(channel, request.match_info["message_id"])
        if message.ephemeral:
            raise errors.unknown_message()
        return json_response(self._message_out(message))

    async def create_message(self, request: web.Request) -> web.Response:
        channel, permissions = self._visible_channel(request)
        body = await self._body(request, channel)
        data = body.object()
        send = (
            Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES
        )
        self._require(permissions, send)
        if body.files:
            self._require(permissions, Permission.ATTACH_FILES)
        reference = data.get("message_reference")
        if reference:
            self._require(permissions, Permission.READ_MESSAGE_HISTORY)
            self._check_reference(channel, reference)
        validate_message_fields(self.ctx, data)
        if is_empty(data, body.files):
            raise errors.empty_message()
        if channel.type == ChannelType.DM and not self._accepts_dms(channel):
            raise errors.cannot_send_to_user()
        if not await self.ctx.holds.before_store(channel.id, data):
            # Dropped: the request died with its client and never reached Discord.
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=499)
        state = self.ctx.state
        nonce = data.get("nonce")
        if nonce is not None and data.get("enforce_nonce"):
            earlier = state.find_nonce(state.bot.id, str(nonce))
            if earlier is not None:
                self.ctx.recorder.nonce_replays.append(NonceReplay(str(nonce), earlier.id))
                self.ctx.signal.notify()
                return json_response(self._message_out(earlier, created=True))
        if data.get("embeds") and not permissions & Permission.EMBED_LINKS:
            data = {**data, "embeds": []}
        message_type = MessageType.REPLY if reference else MessageType.DEFAULT
        message = new_message(
            self.ctx,
            channel=channel,
            author=state.bot,
            data=data,
            files=body.files,
            message_type=message_type,
        )
        if nonce is not None and data.get("enforce_nonce"):
            state.remember_nonce(state.bot.id, str(nonce), message)
        if channel.is_thread:
            channel.member_ids.add(state.bot.id)
            channel.archived = False
        state.store_message(message)
        await self.ctx.gateway.dispatch_message("MESSAGE_CREATE", message)
        await self.ctx.holds.after_store(message, data)
        return json_response(self._message_out(message, created=True))

    def _check_reference(self, channel: Channel, reference: dict[str, Any]) -> None:
        target_channel = int(reference.get("channel_id") or channel.id)
        target = self.ctx.state.messages.get(int(reference.get("message_id") or 0))
        missing = target is None or target.channel_id != target_channel or target.deleted
        if missing and reference.get("fail_if_not_exists", True):
            raise errors.invalid_form_body(
                errors.field_errors(
                    "message_reference",
                    "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                    "Unknown message",
                )
            )

    async def edit_message(self, request: web.Request) -> web.Response:
        channel, permissions = self._visible_channel(request)
        message = self.ctx.state.message(channel, request.match_info["message_id"])
        body = await self._body(request, channel)
        data = body.object()
        if message.author.id != self.ctx.state.bot.id and (
            set(data) - {"flags"} or not permissions & Permission.MANAGE_MESSAGES
        ):
            raise errors.cannot_edit_other_user()
        if body.files:
            self._require(permissions, Permission.ATTACH_FILES)
        validate_message_fields(self.ctx, data)
        if data.get("embeds") and not permissions & Permission.EMBED_LINKS:
            data = {**data, "embeds": []}
        apply_edit(self.ctx, message, channel, data, body.files)
        await self.ctx.gateway.dispatch_message("MESSAGE_UPDATE", message)
        return json_response(self._message_out(message))

    async def delete_message(self, request: web.Request) -> web.Response:
        channel, permissions = self._visible_channel(request)
        message = self.ctx.state.message(channel, request.match_info["message_id"])
        if message.author.id != self.ctx.state.bot.id:
            self._require(permissions, Permission.MANAGE_MESSAGES)
        message.deleted = True
        self.ctx.signal.notify()
        await self._dispatch_delete(message)
        return web.Response(status=204)

    async def _dispatch_delete(self, message: Message) -> None:
        payload: dict[str, Any] = {"id": str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
        intent = Intent.GUILD_MESSAGES if message.guild_id else Intent.DIRECT_MESSAGES
        await self.ctx.gateway.dispatch(
            "MESSAGE_DELETE", payload, intent=intent, guild_id=message.guild_id
        )

    # Reactions ------------------------------------------------------------------------

    async def add_reaction(self, request: web.Request) -> web.Response:
        channel, permissions = self._visible_channel(request)
        self._require(permissions, Permission.READ_MESSAGE_HISTORY)
        message = self.ctx.state.message(channel, request.match_info["message_id"])
        emoji = unquote(request.match_info["emoji"])
        if not emoji:
            raise errors.unknown_emoji()
        users = message.reactions.setdefault(emoji, [])
        if not users:
            self._require(permissions, Permission.ADD_REACTIONS)
        bot_id = self.ctx.state.bot.id
        if bot_id not in users:
            users.append(bot_id)
            self.ctx.signal.notify()
            await self._dispatch_reaction("MESSAGE_REACTION_ADD", message, emoji)
        return web.Response(status=204)

    async def remove_reaction(self, request: web.Request) -> web.Response:
        channel, _ = self._visible_channel(request)
        message = self.ctx.state.message(channel, request.match_info["message_id"])
        emoji = unquote(request.match_info["emoji"])
        users = message.reactions.get(emoji, [])
        bot_id = self.ctx.state.bot.id
        if bot_id in users:
            users.remove(bot_id)
            self.ctx.signal.notify()
            await self._dispatch_reaction("MESSAGE_REACTION_REMOVE", message, emoji)
        return web.Response(status=204)

    async def _dispatch_reaction(self, event: str, message: Message, emoji: str) -> None:
        payload: dict[str, Any] = {
            "user_id": str(self.ctx.state.bot.id),
            "channel_id": str(message.channel_id),
            "message_id": str(message.id),
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        if event == "MESSAGE_REACTION_ADD":
            payload["message_author_id"] = str(message.author.id)
            payload["burst_colors"] = []
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
        intent = (
            Intent.GUILD_MESSAGE_REACTIONS if message.guild_id else Intent.DIRECT_MESSAGE_REACTIONS
        )
        await self.ctx.gateway.dispatch(event, payload, intent=intent, guild_id=message.guild_id)

    # Threads --------------------------------------------------------------------------

    def _thread_options(self, data: dict[str, Any]) -> tuple[str, int]:
        name = data.get("name")
        if not name:
            raise errors.required("name")
        if len(str(name)) > 100:
            raise errors.too_long("name", 100)
        duration = int(data.get("auto_archive_duration") or 1440)
        if duration not in (60, 1440, 4320, 10080):
            raise errors.invalid_form_body(
                errors.field_errors(
                    "auto_archive_duration",
                    "BASE_TYPE_CHOICES",
                    "Value must be one of {60, 1440, 4320, 10080}.",
                )
            )
        return str(name), duration

    def _thread_parent(self, channel: Channel) -> None:
        if channel.type != ChannelType.GUILD_TEXT:
            raise errors.ApiError(400, 50024, "Cannot execute action on this channel type")

    async def thread_from_message(self, request: web.Request) -> web.Response:
        channel, permissions = self._visible_channel(request)
        self._thread_parent(channel)
        data = (await self._body(request, channel)).object()
        self._require(permissions, Permission.CREATE_PUBLIC_THREADS)
        message = self.ctx.state.message(channel, request.match_info["message_id"])
        name, duration = self._thread_options(data)
        if not await self.ctx.thread_holds.before_store(channel.id, data):
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=499)
        if message.thread_id is not None:
            raise errors.thread_already_created()
        thread = self.ctx.state.add_thread(
            channel,
            name,
            owner=self.ctx.state.bot,
            thread_id=message.id,
            auto_archive_duration=duration,
        )
        message.thread_id = thread.id
        message.flags |= MessageFlag.HAS_THREAD
        self.ctx.signal.notify()
        await self._dispatch_thread_create(thread)
        await self.ctx.gateway.dispatch_message("MESSAGE_UPDATE", message)
        await self.ctx.thread_holds.after_store(message, data)
        return json_response(self.ctx.payloads.thread(thread), status=201)

    async def thread_without_message(self, request: web.Request) -> web.Response:
        channel, permissions = self._visible_channel(request)
        self._thread_parent(channel)
        data = (await self._body(request, channel)).object()
        private = int(data.get("type") or ChannelType.PRIVATE_THREAD) == ChannelType.PRIVATE_THREAD
        needed = Permission.CREATE_PRIVATE_THREADS if private else Permission.CREATE_PUBLIC_THREADS
        self._require(permissions, needed)
        name, duration = self._thread_options(data)
        state = self.ctx.state
        thread = state.add_thread(
            channel, name, owner=state.bot, private=private, auto_archive_duration=duration
        )
        self.ctx.signal.notify()
        await self._dispatch_thread_create(thread)
        if not private:
            notice = state.store_thread_created_notice(channel, thread, state.bot)
            await self.ctx.gateway.dispatch_message("MESSAGE_CREATE", notice)
        return json_response(self.ctx.payloads.thread(thread), status=201)

    async def _dispatch_thread_create(self, thread: Channel) -> None:
        payload = self.ctx.payloads.thread(thread)
        payload["newly_created"] = True
        await self.ctx.gateway.dispatch(
            "THREAD_CREATE", payload, intent=Intent.GUILDS, guild_id=thread.guild_id
        )

    async def join_thread(self, request: web.Request) -> web.Response:
        channel, _ = self._visible_channel(request)
        if not channel.is_thread:
            raise errors.ApiError(400, 50024, "Cannot execute action on this channel type")
        channel.member_ids.add(self.ctx.state.bot.id)
        self.ctx.signal.notify()
        return web.Response(status=204)

    async def thread_members(self, request: web.Request) -> web.Response:
        channel, _ = self._visible_channel(request)
        if not channel.is_thread:
            raise errors.ApiError(400, 50024, "Cannot execute action on this channel type")
        members = [
            self.ctx.payloads.thread_member(channel, self.ctx.state.users[u])
            for u in sorted(channel.member_ids)
        ]
        return json_response(members)
