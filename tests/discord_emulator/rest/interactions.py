"""Interaction callbacks and the interaction webhook (follow-ups, ``@original``).

Follows ``docs/interactions/Receiving_and_Responding.md``:

- "Interaction Callback": ``POST /interactions/{id}/{token}/callback``; the initial response
  must come within 3 seconds of the event or the interaction is gone (``10062 Unknown
  interaction``); a second callback is ``40060 Interaction has already been acknowledged.``.
  Types 4 (message), 5 (deferred message: a loading message the user sees), 6 (deferred
  update) and 7 (update the component's message; 6 and 7 only for components), 8
  (autocomplete) and 9 (modal). ``?with_response=true`` returns the "Interaction Callback
  Response Object" (200), otherwise 204.
- "Followup Messages": the token is valid for 15 minutes (``50027 Invalid Webhook Token``
  afterwards); ``POST /webhooks/{application_id}/{token}`` creates a follow-up, except
  directly after a type-5 deferral, where it edits the loading message instead ("Create
  Followup Message"); ``GET/PATCH/DELETE .../messages/@original`` and ``.../{message_id}``.
  Before any callback the webhook does not exist yet (``10015 Unknown Webhook``).
- Interaction responses are webhook messages: they need no channel permission of the bot,
  and ephemeral ones (flag 64) are never dispatched on the gateway.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .. import errors
from ..config import Intent
from ..models import CallbackType, Interaction, InteractionType, Message, MessageFlag, MessageType
from .bodies import Body, read_body
from .context import RestContext
from .messages import apply_edit, is_empty, new_message, validate_message_fields
from .responses import json_response

_WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
_COMPONENT_ONLY = {CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE}
_TRUE = {"1", "true", "True"}


class InteractionRoutes:
    """Handlers for interaction callbacks and the interaction webhook."""

    def __init__(self, ctx: RestContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[web.RouteDef]:
        """The routes this module serves."""
        message = _WEBHOOK + "/messages/{message_id}"
        return [
            web.post("/interactions/{webhook_id}/{webhook_token}/callback", self.callback),
            web.post(_WEBHOOK, self.followup),
            web.get(message, self.get_message),
            web.patch(message, self.edit_message),
            web.delete(message, self.delete_message),
        ]

    # Helpers --------------------------------------------------------------------------

    async def _body(self, request: web.Request, interaction: Interaction) -> Body:
        guild = self.ctx.state.guilds.get(interaction.guild_id or 0)
        limit = (guild.upload_limit if guild else None) or self.ctx.config.upload_limit
        return await read_body(request, self.ctx.store, file_limit=limit)

    def _by_token(self, request: web.Request) -> Interaction:
        state = self.ctx.state
        if request.match_info["webhook_id"] != str(state.application_id):
            raise errors.unknown_webhook()
        token = request.match_info["webhook_token"]
        interaction = next((i for i in state.interactions.values() if i.token == token), None)
        if interaction is None:
            raise errors.invalid_webhook_token()
        if state.clock.now() - interaction.created_at > self.ctx.config.interaction_token_ttl:
            raise errors.invalid_webhook_token()
        if not interaction.acknowledged:
            raise errors.unknown_webhook()
        return interaction

    def _target(self, interaction: Interaction, raw_id: str) -> Message:
        state = self.ctx.state
        if raw_id == "@original":
            message_id = interaction.original_message_id
        else:
            message_id = int(raw_id) if raw_id.isdigit() else None
            if message_id not in interaction.followup_ids and message_id != (
                interaction.original_message_id
            ):
                message_id = None
        message = state.messages.get(message_id) if message_id is not None else None
        if message is None or message.deleted:
            raise errors.unknown_message()
        return message

    def _response_message(
        self, interaction: Interaction, data: dict[str, Any], body: Body, *, loading: bool = False
    ) -> Message:
        state = self.ctx.state
        channel = state.channels[interaction.channel_id]
        flags = int(data.get("flags") or 0) & (MessageFlag.EPHEMERAL | 1 << 2 | 1 << 12 | 1 << 15)
        if loading:
            flags |= MessageFlag.LOADING
        if interaction.type == InteractionType.APPLICATION_COMMAND:
            command_type = int(interaction.payload["data"].get("type", 1))
            message_type = (
                MessageType.CHAT_INPUT_COMMAND
                if command_type == 1
                else MessageType.CONTEXT_MENU_COMMAND
            )
        else:
            message_type = MessageType.DEFAULT
        message = new_message(
            self.ctx,
            channel=channel,
            author=state.bot,
            data=data,
            files=body.files,
            message_type=message_type,
            flags=flags,
        )
        message.webhook_id = state.application_id
        message.interaction_metadata = {
            "id": str(interaction.id),
            "type": int(interaction.type),
            "user": interaction.payload["member"]["user"]
            if "member" in interaction.payload
            else interaction.payload["user"],
            "authorizing_integration_owners": interaction.payload["authorizing_integration_owners"],
        }
        if interaction.name is not None:
            message.interaction_metadata["name"] = interaction.name
        if message.ephemeral:
            for attachment in message.attachments:
                attachment.ephemeral = True
        return message

    async def _store_and_dispatch(self, message: Message) -> None:
        self.ctx.state.store_message(message)
        await self.ctx.gateway.dispatch_message("MESSAGE_CREATE", message)

    def _out(self, message: Message) -> dict[str, Any]:
        return self.ctx.payloads.message(message)

    # Callback -------------------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        state = self.ctx.state
        try:
            interaction = state.interactions[int(request.match_info["webhook_id"])]
        except (KeyError, ValueError):
            raise errors.unknown_interaction() from None
        if interaction.token != request.match_info["webhook_token"]:
            raise errors.unknown_interaction()
        body = await self._body(request, interaction)
        if interaction.acknowledged:
            raise errors.already_acknowledged()
        if state.clock.now() - interaction.created_at > self.ctx.config.interaction_deadline:
            raise errors.unknown_interaction()
        payload = body.object()
        try:
            callback_type = CallbackType(int(payload.get("type", 0)))
        except ValueError:
            raise errors.invalid_form_body(
                errors.field_errors(
                    "type", "BASE_TYPE_CHOICES", "Value must be one of {1, 4, 5, 6, 7, 8, 9}."
                )
            ) from None
        if (
            callback_type in _COMPONENT_ONLY
            and interaction.type
            not in (
                InteractionType.MESSAGE_COMPONENT,
                InteractionType.MODAL_SUBMIT,
            )
        ) or callback_type == CallbackType.PONG:
            raise errors.ApiError(
                400, 40043, "Interaction callback type is invalid for this interaction"
            )
        data: dict[str, Any] = payload.get("data") or {}
        resource = await self._apply_callback(interaction, callback_type, data, body)
        interaction.callback_type = callback_type
        interaction.callback_data = data
        interaction.callback_at = state.clock.now()
        self.ctx.signal.notify()
        if request.query.get("with_response") not in _TRUE:
            return web.Response(status=204)
        return json_response(self._callback_response(interaction, callback_type, resource))

    async def _apply_callback(
        self,
        interaction: Interaction,
        callback_type: CallbackType,
        data: dict[str, Any],
        body: Body,
    ) -> Message | None:
        if callback_type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE:
            validate_message_fields(self.ctx, data, prefix="data.")
            if is_empty(data, body.files):
                raise errors.empty_message()
            message = self._response_message(interaction, data, body)
            interaction.original_message_id = message.id
            await self._store_and_dispatch(message)
            return message
        if callback_type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            message = self._response_message(
                interaction, {"flags": data.get("flags", 0)}, Body(), loading=True
            )
            interaction.original_message_id = message.id
            await self._store_and_dispatch(message)
            return message
        if callback_type in _COMPONENT_ONLY:
            interaction.original_message_id = interaction.component_message_id
            if callback_type == CallbackType.UPDATE_MESSAGE and interaction.component_message_id:
                validate_message_fields(self.ctx, data, prefix="data.")
                message = self.ctx.state.messages[interaction.component_message_id]
                channel = self.ctx.state.channels[message.channel_id]
                apply_edit(self.ctx, message, channel, data, body.files)
                await self.ctx.gateway.dispatch_message("MESSAGE_UPDATE", message)
                return message
            return None
        if callback_type == CallbackType.MODAL:
            interaction.modal = data
        return None

    def _callback_response(
        self, interaction: Interaction, callback_type: CallbackType, resource: Message | None
    ) -> dict[str, Any]:
        inner: dict[str, Any] = {"id": str(interaction.id), "type": int(interaction.type)}
        if interaction.original_message_id is not None and callback_type in (
            CallbackType.CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.UPDATE_MESSAGE,
        ):
            message = self.ctx.state.messages[interaction.original_message_id]
            inner["response_message_id"] = str(message.id)
            inner["response_message_loading"] = bool(message.flags & MessageFlag.LOADING)
            inner["response_message_ephemeral"] = message.ephemeral
        response: dict[str, Any] = {"interaction": inner}
        if callback_type in (CallbackType.CHANNEL_MESSAGE_WITH_SOURCE, CallbackType.UPDATE_MESSAGE):
            response["resource"] = {"type": int(callback_type)}
            if resource is not None:
                response["resource"]["message"] = self._out(resource)
        elif callback_type != CallbackType.DEFERRED_UPDATE_MESSAGE:
            response["resource"] = {"type": int(callback_type)}
        return response

    # Webhook --------------------------------------------------------------------------

    async def followup(self, request: web.Request) -> web.Response:
        interaction = self._by_token(request)
        body = await self._body(request, interaction)
        data = body.object()
        validate_message_fields(self.ctx, data)
        if is_empty(data, body.files):
            raise errors.empty_message()
        original = (
            self.ctx.state.messages.get(interaction.original_message_id)
            if interaction.original_message_id is not None
            else None
        )
        if (
            interaction.callback_type == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
            and original is not None
            and original.flags & MessageFlag.LOADING
            and not interaction.followup_ids
        ):
            return json_response(self._out(await self._edit(original, data, body)))
        message = self._response_message(interaction, data, body)
        message.type = MessageType.DEFAULT
        interaction.followup_ids.append(message.id)
        await self._store_and_dispatch(message)
        return json_response(self._out(message))

    async def _edit(self, message: Message, data: dict[str, Any], body: Body) -> Message:
        channel = self.ctx.state.channels[message.channel_id]
        validate_message_fields(self.ctx, data)
        data = {k: v for k, v in data.items() if k != "flags"}
        if message.flags & MessageFlag.LOADING:
            if is_empty(data, body.files):
                raise errors.empty_message()
            message.flags &= ~MessageFlag.LOADING
        apply_edit(self.ctx, message, channel, data, body.files)
        await self.ctx.gateway.dispatch_message("MESSAGE_UPDATE", message)
        return message

    async def get_message(self, request: web.Request) -> web.Response:
        interaction = self._by_token(request)
        message = self._target(interaction, request.match_info["message_id"])
        return json_response(self._out(message))

    async def edit_message(self, request: web.Request) -> web.Response:
        interaction = self._by_token(request)
        message = self._target(interaction, request.match_info["message_id"])
        body = await self._body(request, interaction)
        return json_response(self._out(await self._edit(message, body.object(), body)))

    async def delete_message(self, request: web.Request) -> web.Response:
        interaction = self._by_token(request)
        message = self._target(interaction, request.match_info["message_id"])
        message.deleted = True
        self.ctx.signal.notify()
        if not message.ephemeral:
            payload: dict[str, Any] = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                payload["guild_id"] = str(message.guild_id)
            await self.ctx.gateway.dispatch(
                "MESSAGE_DELETE", payload, intent=Intent.GUILD_MESSAGES, guild_id=message.guild_id
            )
        return web.Response(status=204)
