r"""Application, user, gateway-discovery, guild-read and command endpoints.

- ``docs/resources/User.md``: "Get Current User", "Get User", "Create DM";
- ``docs/resources/Application.md``: "Get Current Application" (discord.py's login also calls
  ``GET /oauth2/applications/@me``, ``docs/topics/OAuth2.md``, "Get Current Bot Application
  Information");
- ``docs/topics/Gateway.md``: "Get Gateway", "Get Gateway Bot" (``session_start_limit``);
- ``docs/resources/Guild.md``: "Get Guild", "Get Guild Channels", "Get Guild Member",
  "Get Guild Roles", "List Active Guild Threads";
- ``docs/interactions/Application_Commands.md``: "Get/Bulk Overwrite Global Application
  Commands", the guild variants, "Create ... Command" (upsert by name) and "Delete ...".
  Names of CHAT_INPUT commands and options must match ``^[-_\p{L}\p{N}]{1,32}$`` in lower
  case, descriptions 1-100 characters; user and message commands have an empty description.
  A command keeps its id when a bulk overwrite keeps its name and type, as Discord does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .. import errors
from ..models import ApplicationCommand
from ..payloads import member_payload, role_payload, user_payload
from .bodies import read_body
from .context import RestContext
from .responses import json_response

_NAME = re.compile(r"^[-_\w]{1,32}$")
_CHAT_INPUT = 1


def _invalid(path: str, code: str, message: str) -> errors.ApiError:
    return errors.invalid_form_body(errors.field_errors(path, code, message))


def validate_command(raw: dict[str, Any], path: str) -> None:
    """Reject a command definition Discord would reject (50035)."""
    command_type = int(raw.get("type") or _CHAT_INPUT)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise errors.required(f"{path}.name")
    if command_type == _CHAT_INPUT and (not _NAME.match(name) or name != name.lower()):
        raise _invalid(
            f"{path}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
        )
    if len(name) > 32:
        raise errors.too_long(f"{path}.name", 32)
    description = raw.get("description") or ""
    if command_type == _CHAT_INPUT and not 1 <= len(description) <= 100:
        raise _invalid(
            f"{path}.description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
        )
    for index, option in enumerate(raw.get("options") or []):
        _validate_option(option, f"{path}.options.{index}")


def _validate_option(option: dict[str, Any], path: str) -> None:
    name = option.get("name")
    if not isinstance(name, str) or not _NAME.match(name) or name != name.lower():
        raise _invalid(
            f"{path}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
        )
    description = option.get("description") or ""
    if not 1 <= len(description) <= 100:
        raise _invalid(
            f"{path}.description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
        )
    for index, sub in enumerate(option.get("options") or []):
        _validate_option(sub, f"{path}.options.{index}")


class AppRoutes:
    """Handlers for users, the application, gateway discovery, guild reads and commands."""

    def __init__(self, ctx: RestContext, gateway_url: Callable[[], str]) -> None:
        self.ctx = ctx
        self._gateway_url = gateway_url

    def routes(self) -> list[web.RouteDef]:
        """The routes this module serves."""
        global_commands = "/applications/{application_id}/commands"
        guild_commands = "/applications/{application_id}/guilds/{guild_id}/commands"
        return [
            web.get("/users/@me", self.current_user),
            web.post("/users/@me/channels", self.create_dm),
            web.get("/users/{user_id}", self.get_user),
            web.get("/oauth2/applications/@me", self.application),
            web.get("/applications/@me", self.application),
            web.get("/gateway", self.gateway),
            web.get("/gateway/bot", self.gateway_bot),
            web.get("/guilds/{guild_id}", self.get_guild),
            web.get("/guilds/{guild_id}/channels", self.guild_channels),
            web.get("/guilds/{guild_id}/roles", self.guild_roles),
            web.get("/guilds/{guild_id}/members/{user_id}", self.guild_member),
            web.get("/guilds/{guild_id}/threads/active", self.active_threads),
            web.get(global_commands, self.list_commands),
            web.put(global_commands, self.overwrite_commands),
            web.post(global_commands, self.upsert_command),
            web.delete(global_commands + "/{command_id}", self.delete_command),
            web.get(guild_commands, self.list_commands),
            web.put(guild_commands, self.overwrite_commands),
            web.post(guild_commands, self.upsert_command),
            web.delete(guild_commands + "/{command_id}", self.delete_command),
        ]

    # Users and application ------------------------------------------------------------

    async def current_user(self, request: web.Request) -> web.Response:
        payload = user_payload(self.ctx.state.bot)
        payload.update({"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"})
        return json_response(payload)

    async def get_user(self, request: web.Request) -> web.Response:
        return json_response(user_payload(self.ctx.state.user(request.match_info["user_id"])))

    async def create_dm(self, request: web.Request) -> web.Response:
        data = (await read_body(request, self.ctx.store, file_limit=0)).object()
        user = self.ctx.state.user(data.get("recipient_id", ""))
        channel = self.ctx.state.dm_channel(user)
        return json_response(self.ctx.payloads.channel(channel))

    async def application(self, request: web.Request) -> web.Response:
        return json_response(self.ctx.payloads.application())

    async def gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self._gateway_url()})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self._gateway_url(),
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    # Guild reads ----------------------------------------------------------------------

    async def get_guild(self, request: web.Request) -> web.Response:
        guild = self.ctx.state.guild(request.match_info["guild_id"])
        return json_response(self.ctx.payloads.guild_object(guild))

    async def guild_channels(self, request: web.Request) -> web.Response:
        guild = self.ctx.state.guild(request.match_info["guild_id"])
        return json_response([self.ctx.payloads.channel(c) for c in guild.text_channels()])

    async def guild_roles(self, request: web.Request) -> web.Response:
        guild = self.ctx.state.guild(request.match_info["guild_id"])
        return json_response([role_payload(r) for r in guild.roles.values()])

    async def guild_member(self, request: web.Request) -> web.Response:
        guild = self.ctx.state.guild(request.match_info["guild_id"])
        try:
            member = guild.members[int(request.match_info["user_id"])]
        except (KeyError, ValueError):
            raise errors.unknown_member() from None
        return json_response(member_payload(member))

    async def active_threads(self, request: web.Request) -> web.Response:
        guild = self.ctx.state.guild(request.match_info["guild_id"])
        threads = [t for t in guild.threads() if not t.archived]
        bot_id = self.ctx.state.bot.id
        return json_response(
            {
                "threads": [self.ctx.payloads.thread(t, with_member=False) for t in threads],
                "members": [
                    self.ctx.payloads.thread_member(t, self.ctx.state.bot)
                    for t in threads
                    if bot_id in t.member_ids
                ],
            }
        )

    # Commands -------------------------------------------------------------------------

    def _scope(self, request: web.Request) -> int | None:
        if request.match_info["application_id"] != str(self.ctx.state.application_id):
            raise errors.missing_access()
        if "guild_id" in request.match_info:
            return self.ctx.state.guild(request.match_info["guild_id"]).id
        return None

    async def list_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        commands = self.ctx.state.commands_for(scope)
        return json_response([self.ctx.payloads.command(c) for c in commands])

    def _make(
        self, raw: dict[str, Any], scope: int | None, existing: list[ApplicationCommand]
    ) -> ApplicationCommand:
        command_type = int(raw.get("type") or _CHAT_INPUT)
        name = str(raw["name"])
        previous = next((c for c in existing if c.name == name and c.type == command_type), None)
        state = self.ctx.state
        if previous is not None and previous.raw == raw:
            return previous
        return ApplicationCommand(
            id=previous.id if previous is not None else state.ids.next(),
            application_id=state.application_id,
            guild_id=scope,
            name=name,
            type=command_type,
            version=state.ids.next(),
            raw=dict(raw),
        )

    async def overwrite_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        body = (await read_body(request, self.ctx.store, file_limit=0)).json
        if not isinstance(body, list):
            raise _invalid(
                "_root", "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType."
            )
        seen: set[tuple[str, int]] = set()
        for index, raw in enumerate(body):
            validate_command(raw, str(index))
            key = (str(raw["name"]), int(raw.get("type") or _CHAT_INPUT))
            if key in seen:
                raise _invalid(
                    f"{index}.name",
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {key[0]}",
                )
            seen.add(key)
        existing = self.ctx.state.commands_for(scope)
        commands = [self._make(raw, scope, existing) for raw in body]
        self.ctx.state.commands[scope] = commands
        self.ctx.signal.notify()
        return json_response([self.ctx.payloads.command(c) for c in commands])

    async def upsert_command(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        raw = (await read_body(request, self.ctx.store, file_limit=0)).object()
        validate_command(raw, "_root")
        existing = self.ctx.state.commands_for(scope)
        command = self._make(raw, scope, existing)
        created = all(c.id != command.id for c in existing)
        self.ctx.state.commands[scope] = [c for c in existing if c.id != command.id] + [command]
        self.ctx.signal.notify()
        return json_response(self.ctx.payloads.command(command), status=201 if created else 200)

    async def delete_command(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        existing = self.ctx.state.commands_for(scope)
        command_id = request.match_info["command_id"]
        if not any(str(c.id) == command_id for c in existing):
            raise errors.unknown_application_command()
        self.ctx.state.commands[scope] = [c for c in existing if str(c.id) != command_id]
        self.ctx.signal.notify()
        return web.Response(status=204)
