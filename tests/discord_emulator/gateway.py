"""The gateway WebSocket: sessions, dispatch, heartbeats, resume and replay.

Follows discord-api-docs ``docs/topics/Gateway.md`` and ``docs/topics/Gateway_Events.md``:

- "Connecting": the URL carries ``v``, ``encoding=json`` and optionally
  ``compress=zlib-stream`` ("Transport Compression": one zlib context per connection, every
  payload ends with the ``Z_SYNC_FLUSH`` suffix ``00 00 ff ff``); ``zstd-stream`` is served
  when the ``zstandard`` package is importable, as discord.py only asks for it then.
- "Hello Event" (op 10) with ``heartbeat_interval``; "Sending Heartbeats": op 1 is answered
  with op 11 "Heartbeat ACK".
- "Identifying" (op 2): a wrong token closes with 4004, invalid intents with 4013, privileged
  intents the app may not use with 4014 ("Privileged Intents"); then "Ready" with
  ``session_id`` and ``resume_gateway_url``, then one GUILD_CREATE per guild ("Guild Create",
  members limited to the bot itself without GUILD_MEMBERS). Sharding ("Sharding") splits
  guilds by ``(guild_id >> 22) % num_shards``.
- "Resuming" (op 6): the missed events are replayed in order, then RESUMED; an unknown or
  invalidated session gets op 9 "Invalid Session" with ``d: false``. A client closing with
  1000 or 1001 invalidates its session ("Disconnecting").
- "Gateway Intents": events are sent only to sessions whose intents cover them, and message
  content is emptied per "Message Content Intent"; message and thread events of channels
  the bot cannot view (no VIEW_CHANNEL, or a private thread it is not in) are not sent.
- "Request Guild Members" (op 8) is answered with one GUILD_MEMBERS_CHUNK.
- "Gateway Close Event Codes" in ``docs/topics/Opcodes_and_Status_Codes.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from . import errors
from .changes import ChangeSignal
from .config import PRIVILEGED_INTENTS, VALID_INTENTS, Intent
from .models import ChannelType, Message
from .payloads import Payloads, member_payload, user_payload
from .permissions import Permission
from .record import ConnectionRecord, GatewayRecord, Recorder
from .state import EmulatorState

try:  # discord.py asks for zstd-stream only when zstandard is installed.
    import zstandard
except ImportError:  # pragma: no cover - depends on the environment
    zstandard = None

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    6,
    7,
    8,
    9,
    10,
    11,
)
_ALWAYS = 0
"""Intent value of events every session gets (READY, INTERACTION_CREATE ...)."""

PayloadSource = dict[str, Any] | Callable[["Session"], dict[str, Any]]


def _redacted(data: Any) -> Any:
    """The payload without its token, so records never hold credentials."""
    if isinstance(data, dict) and "token" in data:
        return {**data, "token": "<redacted>"}
    return data


class _Encoder:
    """Encodes payloads for one connection, with its transport compression context."""

    def __init__(self, compress: str | None) -> None:
        self.mode = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd = (
            zstandard.ZstdCompressor().compressobj()
            if compress == "zstd-stream" and zstandard is not None
            else None
        )

    def encode(self, payload: dict[str, Any]) -> str | bytes:
        text = json.dumps(payload, separators=(",", ":"))
        if self._zlib is not None:
            return self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        if self._zstd is not None:  # pragma: no cover - needs zstandard
            flush_block = zstandard.COMPRESSOBJ_FLUSH_BLOCK
            frame: bytes = self._zstd.compress(text.encode()) + self._zstd.flush(flush_block)
            return frame
        return text


@dataclass(eq=False)
class Connection:
    """One WebSocket connection and the session it carries, if any."""

    record: ConnectionRecord
    ws: web.WebSocketResponse
    request: web.Request
    encoder: _Encoder
    session: Session | None = None
    replay_until: int = 0

    async def send(self, payload: dict[str, Any]) -> None:
        data = self.encoder.encode(payload)
        if isinstance(data, bytes):
            await self.ws.send_bytes(data)
        else:
            await self.ws.send_str(data)


@dataclass(eq=False)
class _Event:
    seq: int
    type: str
    data: dict[str, Any]


@dataclass(eq=False)
class Session:
    """A gateway session: its intents, shard, numbered events, and current connection."""

    id: str
    intents: int
    shard: tuple[int, int] | None
    events: list[_Event] = field(default_factory=list)
    sent_seq: int = 0
    connection: Connection | None = None
    invalid: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def seq(self) -> int:
        """The last sequence number assigned in this session."""
        return len(self.events)

    def wants(self, intent: int, guild_id: int | None) -> bool:
        """Whether this session receives an event under ``intent`` from ``guild_id``."""
        if intent and not self.intents & intent:
            return False
        if self.shard is not None and guild_id is not None:
            shard_id, shard_count = self.shard
            return (guild_id >> 22) % shard_count == shard_id
        return True

    @property
    def has_message_content(self) -> bool:
        return bool(self.intents & Intent.MESSAGE_CONTENT)


class Gateway:
    """The gateway endpoint and the dispatcher every part of the emulator sends through."""

    def __init__(
        self,
        state: EmulatorState,
        payloads: Payloads,
        recorder: Recorder,
        signal: ChangeSignal,
        resume_url: Callable[[], str],
    ) -> None:
        self.state = state
        self.payloads = payloads
        self.recorder = recorder
        self.signal = signal
        self._resume_url = resume_url
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self._ids = itertools.count(1)
        #: One-shot changes to the next READY payloads (``DiscordEmulator.tamper_next_ready``).
        self.ready_changes: list[Callable[[dict[str, Any]], dict[str, Any]]] = []

    # aiohttp handler ------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one gateway WebSocket connection."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        record = ConnectionRecord(id=next(self._ids), path=request.path, query=dict(request.query))
        self.recorder.connections.append(record)
        compress = request.query.get("compress")
        connection = Connection(record, ws, request, _Encoder(compress))
        self.connections.append(connection)
        self.signal.notify()
        try:
            if request.query.get("v", "10") not in ("9", "10"):
                await self._close(connection, errors.CLOSE_INVALID_API_VERSION)
            elif request.query.get("encoding", "json") != "json" or (
                compress not in (None, "zlib-stream")
                and not (compress == "zstd-stream" and zstandard is not None)
            ):
                await self._close(connection, errors.CLOSE_DECODE_ERROR)
            else:
                interval = round(self.state.config.heartbeat_interval * 1000)
                await self._send(connection, {"op": HELLO, "d": {"heartbeat_interval": interval}})
                await self._serve(connection)
        finally:
            self._detach(connection)
        return ws

    async def _serve(self, connection: Connection) -> None:
        async for msg in connection.ws:
            if msg.type is not WSMsgType.TEXT:
                await self._close(connection, errors.CLOSE_DECODE_ERROR)
                return
            try:
                payload = json.loads(msg.data)
                op = payload["op"]
            except (ValueError, KeyError, TypeError):
                await self._close(connection, errors.CLOSE_DECODE_ERROR)
                return
            self._record(connection, "received", op, None, None, _redacted(payload.get("d")))
            await self._handle_op(connection, op, payload.get("d"))

    async def _handle_op(self, connection: Connection, op: int, data: Any) -> None:
        if op == HEARTBEAT:
            await self._send(connection, {"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(connection, data)
        elif op == RESUME:
            await self._resume(connection, data)
        elif connection.session is None:
            await self._close(connection, errors.CLOSE_NOT_AUTHENTICATED)
        elif op == REQUEST_GUILD_MEMBERS:
            await self._members_chunk(connection.session, data)
        elif op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE):
            return
        else:
            await self._close(connection, errors.CLOSE_UNKNOWN_OPCODE)

    def _token_ok(self, token: Any) -> bool:
        if not isinstance(token, str):
            return False
        return token.removeprefix("Bot ").strip() == self.state.config.token

    async def _identify(self, connection: Connection, data: Any) -> None:
        if connection.session is not None:
            await self._close(connection, errors.CLOSE_ALREADY_AUTHENTICATED)
            return
        if not isinstance(data, dict) or not self._token_ok(data.get("token")):
            await self._close(connection, errors.CLOSE_AUTHENTICATION_FAILED)
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents & ~VALID_INTENTS:
            await self._close(connection, errors.CLOSE_INVALID_INTENTS)
            return
        privileged = intents & PRIVILEGED_INTENTS
        if privileged & ~self.state.config.allowed_privileged():
            await self._close(connection, errors.CLOSE_DISALLOWED_INTENTS)
            return
        shard = data.get("shard")
        session = Session(
            id=secrets.token_hex(16),
            intents=intents,
            shard=(int(shard[0]), int(shard[1])) if shard else None,
        )
        self.sessions[session.id] = session
        session.connection = connection
        connection.session = session
        connection.record.session_id = session.id
        guilds = [g for g in self.state.guilds.values() if session.wants(_ALWAYS, g.id)]
        ready = self._ready_payload(session, guilds)
        if self.ready_changes:
            ready = self.ready_changes.pop(0)(ready)
        self._append(session, "READY", ready)
        members = bool(intents & Intent.GUILD_MEMBERS)
        for guild in guilds:
            if session.wants(Intent.GUILDS, guild.id):
                self._append(
                    session, "GUILD_CREATE", self.payloads.guild(guild, all_members=members)
                )
        await self._flush(session)

    def _ready_payload(self, session: Session, guilds: list[Any]) -> dict[str, Any]:
        bot = user_payload(self.state.bot)
        bot.update({"verified": True, "mfa_enabled": False, "email": None})
        ready: dict[str, Any] = {
            "v": 10,
            "user": bot,
            "user_settings": {},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self._resume_url(),
            "application": {
                "id": str(self.state.application_id),
                "flags": self.state.config.app_flags(),
            },
            "auth": {},
            "_trace": ['["discord-emulator",{"micros":0}]'],
        }
        if session.shard is not None:
            ready["shard"] = list(session.shard)
        return ready

    async def _resume(self, connection: Connection, data: Any) -> None:
        if connection.session is not None:
            await self._close(connection, errors.CLOSE_ALREADY_AUTHENTICATED)
            return
        if not isinstance(data, dict) or not self._token_ok(data.get("token")):
            await self._close(connection, errors.CLOSE_AUTHENTICATION_FAILED)
            return
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        if session is None or session.invalid:
            await self._send(connection, {"op": INVALID_SESSION, "d": False})
            return
        if not isinstance(seq, int) or seq > session.seq or seq < 0:
            await self._close(connection, errors.CLOSE_INVALID_SEQ)
            return
        previous = session.connection
        if previous is not None and previous is not connection:
            self._detach(previous)
            await self._close(previous, errors.CLOSE_UNKNOWN_ERROR)
        async with session.lock:
            session.connection = connection
            session.sent_seq = seq
        connection.session = session
        connection.record.session_id = session.id
        connection.record.resumed = True
        connection.replay_until = session.seq
        self._append(session, "RESUMED", {"_trace": ['["discord-emulator",{"micros":0}]']})
        await self._flush(session)

    async def _members_chunk(self, session: Session, data: Any) -> None:
        if not isinstance(data, dict):
            return
        guild = self.state.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        query = str(data.get("query") or "")
        limit = int(data.get("limit") or 0)
        wanted = {int(u) for u in data.get("user_ids") or []}
        members = [
            m
            for m in guild.members.values()
            if (not wanted or m.user.id in wanted) and m.user.username.startswith(query)
        ]
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [member_payload(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        self._append(session, "GUILD_MEMBERS_CHUNK", chunk)
        await self._flush(session)

    # Dispatch -------------------------------------------------------------------------

    def live_sessions(self) -> list[Session]:
        """Sessions that still receive events (connected or resumable)."""
        return [s for s in self.sessions.values() if not s.invalid]

    async def dispatch(
        self,
        event_type: str,
        data: PayloadSource,
        *,
        intent: int = _ALWAYS,
        guild_id: int | None = None,
    ) -> None:
        """Send an event to every live session that should receive it."""
        targets = [s for s in self.live_sessions() if s.wants(intent, guild_id)]
        for session in targets:
            payload = data(session) if callable(data) else data
            self._append(session, event_type, payload)
        for session in targets:
            await self._flush(session)

    async def dispatch_message(self, event_type: str, message: Message) -> None:
        """Dispatch MESSAGE_CREATE/UPDATE, emptying content per session intents."""
        if message.ephemeral or not self.bot_can_view(message.channel_id):
            return
        intent = Intent.GUILD_MESSAGES if message.guild_id is not None else Intent.DIRECT_MESSAGES

        def build(session: Session) -> dict[str, Any]:
            visible = self.payloads.content_visible(message, has_intent=session.has_message_content)
            return self.payloads.message(message, content_visible=visible, gateway=True)

        await self.dispatch(event_type, build, intent=intent, guild_id=message.guild_id)

    def bot_can_view(self, channel_id: int) -> bool:
        """Whether the bot gets a channel's events: VIEW_CHANNEL; private threads it is in."""
        channel = self.state.channels[channel_id]
        if channel.guild_id is None:
            return True
        if (
            channel.type == ChannelType.PRIVATE_THREAD
            and self.state.bot.id not in channel.member_ids
        ):
            return False
        return bool(self.state.bot_permissions(channel) & Permission.VIEW_CHANNEL)

    def _append(self, session: Session, event_type: str, data: dict[str, Any]) -> None:
        session.events.append(_Event(session.seq + 1, event_type, data))

    async def _flush(self, session: Session) -> None:
        async with session.lock:
            while (connection := session.connection) is not None and session.sent_seq < session.seq:
                event = session.events[session.sent_seq]
                payload = {"op": DISPATCH, "d": event.data, "s": event.seq, "t": event.type}
                try:
                    await connection.send(payload)
                except (ConnectionError, RuntimeError):
                    self._detach(connection)
                    return
                replay = event.seq <= connection.replay_until
                session.sent_seq = event.seq
                self._record(
                    connection, "sent", DISPATCH, event.type, event.seq, event.data, replay
                )

    # Control --------------------------------------------------------------------------

    async def drop(self, code: int | None = None) -> int:
        """Cut every connection: abort the TCP stream, or close with ``code``.

        Sessions stay resumable; events dispatched meanwhile are replayed on RESUME.
        Returns how many connections were cut.
        """
        connections = [c for c in self.connections if not c.ws.closed]
        for connection in connections:
            connection.record.dropped = True
            self._detach(connection)
            if code is None:
                transport = connection.request.transport
                if transport is not None:
                    transport.abort()
            else:
                await self._close(connection, code)
        self.signal.notify()
        return len(connections)

    async def send_op(self, op: int, data: Any = None) -> None:
        """Send a raw opcode (e.g. 7 RECONNECT, 9 INVALID_SESSION) to every connection."""
        for connection in [c for c in self.connections if c.session is not None]:
            if op == INVALID_SESSION and not data and connection.session is not None:
                connection.session.invalid = True
            await self._send(connection, {"op": op, "d": data})

    async def close_all(self) -> None:
        """Close every connection as the server shuts down."""
        for connection in list(self.connections):
            self._detach(connection)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await connection.ws.close(code=WSCloseCode.GOING_AWAY)

    # Helpers --------------------------------------------------------------------------

    async def _send(self, connection: Connection, payload: dict[str, Any]) -> None:
        try:
            await connection.send(payload)
        except (ConnectionError, RuntimeError):
            self._detach(connection)
            return
        self._record(connection, "sent", payload["op"], payload.get("t"), None, payload.get("d"))

    async def _close(self, connection: Connection, code: int) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await connection.ws.close(code=code)
        connection.record.close_code = code
        self.signal.notify()

    def _detach(self, connection: Connection) -> None:
        if connection in self.connections:
            self.connections.remove(connection)
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            client_code = connection.ws.close_code
            if (
                not connection.record.dropped
                and connection.record.close_code is None
                and client_code in (1000, 1001)
            ):
                session.invalid = True
        if connection.record.close_code is None and connection.ws.close_code is not None:
            connection.record.close_code = connection.ws.close_code
        self.signal.notify()

    def _record(
        self,
        connection: Connection,
        direction: str,
        op: int,
        event_type: str | None,
        seq: int | None,
        data: Any,
        replay: bool = False,
    ) -> None:
        session_id = connection.session.id if connection.session is not None else None
        self.recorder.gateway.append(
            GatewayRecord(
                session_id, connection.record.id, direction, op, event_type, seq, data, replay
            )
        )
        self.signal.notify()
