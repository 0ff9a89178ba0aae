"""``DiscordEmulator``: the emulated Discord on a loopback port, and its test-facing API.

One aiohttp application serves three hosts' worth of Discord on ``127.0.0.1:<port 0>``:

- ``/api/v10`` (and ``/api/v9``): the REST API (``rest``), i.e. ``discord.http.Route.BASE``;
- ``/gateway``: the gateway WebSocket (``gateway``), i.e. ``DiscordWebSocket.DEFAULT_GATEWAY``;
  READY's ``resume_gateway_url`` points at ``/gateway-resume`` so tests can see that a client
  resumes where Discord tells it to (``docs/topics/Gateway.md``, "Resuming");
- ``/attachments/...`` and ``/media/attachments/...``: the CDN (``cdn``).

Use it as ``async with DiscordEmulator(...) as emu:``; set up guilds, channels and users,
point a client at ``emu.api_base`` and ``emu.gateway_url``, act through ``emu.add_user``'s
drivers and assert on ``emu.recorder`` and the waits below.
"""

# ruff: noqa: ASYNC109 - waits take a timeout by design, as the driver API in issue 5 asks

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from .cdn import Cdn, CdnSigner, FileStore
from .changes import ChangeSignal
from .clock import Clock, ShiftableClock
from .config import EmulatorConfig, Intent
from .driver import UserDriver, write_sized_file
from .faults import RouteFaults
from .gateway import Gateway
from .holds import MessageHolds
from .models import ApplicationCommand, Channel, Guild, Message, MessageFlag
from .payloads import Payloads, role_payload
from .permissions import DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, Overwrite
from .ratelimit import RateLimiter
from .record import GatewayRecord, Recorder
from .rest import RestContext, build_api
from .state import EmulatorState

T = TypeVar("T")


class DiscordEmulator:
    """A Discord API emulator (REST + gateway + CDN) for the real discord.py client.

    Keyword arguments override fields of ``EmulatorConfig`` (e.g.
    ``message_content_intent=False``, ``interaction_deadline=1.0``).
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        **overrides: Any,
    ) -> None:
        base = config or EmulatorConfig()
        self.config = dataclasses.replace(base, **overrides) if overrides else base
        self.clock: Clock = clock or ShiftableClock()
        self.host = host
        self.signal = ChangeSignal()
        self.recorder = Recorder()
        self.state = EmulatorState(self.config, self.clock, self.signal)
        self.store = FileStore()
        self.cdn = Cdn(
            CdnSigner(self.clock, lambda: self.config.cdn_url_ttl),
            self.state.attachments.get,
            lambda: self.base_url,
        )
        self.payloads = Payloads(self.state, self.cdn)
        self.gateway = Gateway(
            self.state,
            self.payloads,
            self.recorder,
            self.signal,
            lambda: self.resume_gateway_url,
        )
        self.limiter = RateLimiter(self.config.rate_limits)
        #: Holds on the bot's message creates, to crash a client at an exact moment.
        self.holds = MessageHolds(self.signal)
        #: Routes made to answer a chosen status (or a malformed body) instead.
        self.faults = RouteFaults()
        #: Holds on the bot's "Start Thread from Message" requests (a held one's ``message`` is
        #: the message the thread starts from), to race another thread creation against it.
        self.thread_holds = MessageHolds(self.signal)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # Lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Listen on a free loopback port."""
        ctx = RestContext(
            state=self.state,
            gateway=self.gateway,
            payloads=self.payloads,
            recorder=self.recorder,
            limiter=self.limiter,
            store=self.store,
            signal=self.signal,
            holds=self.holds,
            thread_holds=self.thread_holds,
            faults=self.faults,
        )
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.add_routes(
            [
                web.get("/gateway", self.gateway.handle),
                web.get("/gateway-resume", self.gateway.handle),
            ]
        )
        app.add_routes(self.cdn.routes())
        for version in ("v10", "v9"):
            app.add_subapp(f"/api/{version}", build_api(ctx, lambda: self.gateway_url))
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def close(self) -> None:
        """Close every connection, stop listening and delete stored files."""
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.store.close()

    # Addresses ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port the emulator listens on."""
        if self._port is None:
            raise RuntimeError("the emulator is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """The REST base, for ``discord.http.Route.BASE`` / ``DISCORD_API_BASE``."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The gateway URL, for ``DiscordWebSocket.DEFAULT_GATEWAY`` / ``DISCORD_GATEWAY_URL``."""
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """The URL READY tells clients to resume on."""
        return f"ws://{self.host}:{self.port}/gateway-resume"

    @property
    def token(self) -> str:
        """The bot token the emulator accepts."""
        return self.config.token

    @property
    def application_id(self) -> int:
        """The application id (also the bot user's id)."""
        return self.state.application_id

    @property
    def bot(self) -> Any:
        """The bot's ``User``."""
        return self.state.bot

    # World setup ----------------------------------------------------------------------

    def add_guild(
        self,
        name: str = "Beat Lab",
        *,
        locale: str = "en-US",
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        upload_limit: int | None = None,
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """Create a guild the bot is in; join before a client connects to see it in READY.

        ``shard=(shard_id, shard_count)`` gives the guild an id on that gateway shard.

        The bot's guild permissions are its managed role's (``bot_permissions``) OR the
        @everyone role's (``everyone_permissions``), as on Discord; to take a permission away
        from the bot only, deny it with ``set_overwrite`` on the channel (threads follow their
        parent's overwrites).
        """
        guild = self.state.add_guild(
            name,
            locale=locale,
            bot_permissions=bot_permissions,
            everyone_permissions=everyone_permissions,
            shard=shard,
        )
        guild.upload_limit = upload_limit
        for user in self.state.users.values():
            if not user.bot and user is not self.state.owner:
                self.state.add_member(guild, user)
        return guild

    def add_text_channel(self, guild: Guild, name: str, *, topic: str | None = None) -> Channel:
        """Create a text channel."""
        return self.state.add_text_channel(guild, name, topic=topic)

    def add_user(self, name: str, *, locale: str = "en-US") -> UserDriver:
        """Create a user who is a member of every guild, and return their driver."""
        user = self.state.add_user(name, locale=locale)
        for guild in self.state.guilds.values():
            self.state.add_member(guild, user)
        return UserDriver(self, user)

    def make_file(self, filename: str, size: int, *, header: bytes = b"") -> Path:
        """A file of ``size`` bytes in the emulator's store, written in chunks."""
        return write_sized_file(self.store.new_path(filename), size, header=header)

    async def set_bot_permissions(self, guild: Guild, permissions: int) -> None:
        """Change the bot role's permissions and tell clients (GUILD_ROLE_UPDATE)."""
        role = guild.bot_role(self.state.bot.id)
        role.permissions = int(permissions)
        self.signal.notify()
        await self.gateway.dispatch(
            "GUILD_ROLE_UPDATE",
            {"guild_id": str(guild.id), "role": role_payload(role)},
            intent=Intent.GUILDS,
            guild_id=guild.id,
        )

    async def set_overwrite(
        self, channel: Channel, *, target_id: int | None = None, allow: int = 0, deny: int = 0
    ) -> None:
        """Set a member (default: the bot) permission overwrite on a channel (CHANNEL_UPDATE)."""
        target = target_id if target_id is not None else self.state.bot.id
        channel.overwrites = [o for o in channel.overwrites if o.id != target]
        channel.overwrites.append(Overwrite(id=target, type=1, allow=int(allow), deny=int(deny)))
        self.signal.notify()
        await self.gateway.dispatch(
            "CHANNEL_UPDATE",
            self.payloads.channel(channel),
            intent=Intent.GUILDS,
            guild_id=channel.guild_id,
        )

    # Gateway control ------------------------------------------------------------------

    async def drop_gateway(self, *, code: int | None = None) -> int:
        """Cut gateway connections uncleanly (or with a close ``code``); sessions stay resumable."""
        return await self.gateway.drop(code)

    async def invalidate_sessions(self) -> None:
        """Send op 9 INVALID_SESSION (``d: false``): clients must identify anew."""
        await self.gateway.send_op(9, False)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: clients reconnect and resume."""
        await self.gateway.send_op(7)

    async def dispatch_raw(self, event_type: str, data: dict[str, Any]) -> None:
        """Dispatch ``data`` as is, as event ``event_type``, to every live session.

        Nothing is checked or stored: this is how a test sends what a non-compliant server
        (or a future Discord) would send.
        """
        await self.gateway.dispatch(event_type, data)

    def tamper_next_ready(self, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Pass the next READY payload through ``change`` (once), e.g. to drop a field."""
        self.gateway.ready_changes.append(change)

    # Queries and waits ----------------------------------------------------------------

    def messages_in(self, channel: Channel | int) -> list[Message]:
        """Messages in a channel or thread, oldest first (deleted and ephemeral included)."""
        channel_id = channel.id if isinstance(channel, Channel) else channel
        return list(self.state.channel_messages.get(channel_id, []))

    def commands(self, guild: Guild | None = None) -> list[ApplicationCommand]:
        """Commands the bot registered, global or for ``guild``."""
        return list(self.state.commands.get(guild.id if guild else None, []))

    async def wait_until(
        self, check: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Wait, without polling, until ``check()`` returns something truthy."""
        return await self.signal.wait_until(check, timeout=timeout, what=what)

    async def wait_for_message(
        self,
        channel: Channel | int,
        predicate: Callable[[Message], bool] | None = None,
        *,
        author: Any = None,
        timeout: float = 5.0,
    ) -> Message:
        """The first (oldest) message in ``channel`` by ``author`` that matches ``predicate``.

        ``author`` defaults to the bot; loading (deferred) and deleted messages do not count.
        """
        author_id = (author or self.state.bot).id

        def check() -> Message | None:
            for message in self.messages_in(channel):
                if (
                    message.author.id == author_id
                    and not message.deleted
                    and not message.flags & MessageFlag.LOADING
                    and (predicate is None or predicate(message))
                ):
                    return message
            return None

        return await self.wait_until(check, timeout=timeout, what=f"a message in {channel}")

    async def wait_for_thread(
        self,
        parent: Channel,
        predicate: Callable[[Channel], bool] | None = None,
        *,
        timeout: float = 5.0,
    ) -> Channel:
        """The first thread under ``parent`` that matches ``predicate``."""

        def check() -> Channel | None:
            for channel in self.state.channels.values():
                if channel.parent_id == parent.id and (predicate is None or predicate(channel)):
                    return channel
            return None

        return await self.wait_until(check, timeout=timeout, what=f"a thread in {parent.name}")

    async def wait_for_event(
        self,
        event_type: str,
        predicate: Callable[[GatewayRecord], bool] | None = None,
        *,
        timeout: float = 5.0,
    ) -> GatewayRecord:
        """The first dispatch of ``event_type`` sent to a client that matches ``predicate``."""

        def check() -> GatewayRecord | None:
            for record in self.recorder.dispatched(event_type):
                if predicate is None or predicate(record):
                    return record
            return None

        return await self.wait_until(check, timeout=timeout, what=f"a {event_type} dispatch")

    async def wait_for_commands(
        self, guild: Guild | None = None, *, timeout: float = 5.0
    ) -> list[ApplicationCommand]:
        """Wait until the bot has registered at least one command in this scope."""
        return await self.wait_until(
            lambda: self.commands(guild), timeout=timeout, what="registered commands"
        )
