"""A local Discord API emulator for end-to-end tests with the real discord.py client.

REST, gateway WebSocket and attachment CDN on one loopback port, faithful to the behaviour
described in Discord's developer documentation (each module cites the sections it follows),
plus a driver for acting as users. Typical use::

    async with DiscordEmulator(message_content_intent=True) as emu:
        guild = emu.add_guild("Beat Lab")                 # before the bot connects
        tracks = emu.add_text_channel(guild, "tracks")
        mia = emu.add_user("mia", locale="en-US")
        # point the bot at emu.api_base / emu.gateway_url (DISCORD_API_BASE /
        # DISCORD_GATEWAY_URL, or ``discordpy.pointed_at(emu)``), token emu.token
        msg = await mia.post(tracks, "new track", files=[("track.mp3", path_or_bytes)])
        thread = await emu.wait_for_thread(tracks)
        reply = await emu.wait_for_message(thread, lambda m: "Ready" in m.content)
        handle = await mia.slash("export", thread)
        done = await handle.wait_for_original(lambda m: "video" in m.content)
        assert emu.recorder.rate_limit_hits == []

Entry points: ``server.DiscordEmulator``, ``driver.UserDriver`` / ``InteractionHandle``,
``discordpy`` (point discord.py at an emulator, run a client), ``plugin`` (pytest fixtures).
"""

from .clock import ShiftableClock
from .config import EmulatorConfig, Intent
from .driver import DeclaredFile, FileSpec, InteractionHandle, UserDriver, write_sized_file
from .errors import ApiError
from .models import (
    ApplicationCommand,
    Attachment,
    CallbackType,
    Channel,
    ChannelType,
    Guild,
    Interaction,
    InteractionType,
    Message,
    MessageFlag,
    MessageType,
    User,
)
from .permissions import DEFAULT_BOT_PERMISSIONS, Permission
from .ratelimit import BucketLimit, RateLimitPolicy
from .record import ConnectionRecord, GatewayRecord, RateLimitHit, Recorder, RequestRecord
from .server import DiscordEmulator

__all__ = [
    "DEFAULT_BOT_PERMISSIONS",
    "ApiError",
    "ApplicationCommand",
    "Attachment",
    "BucketLimit",
    "CallbackType",
    "Channel",
    "ChannelType",
    "ConnectionRecord",
    "DeclaredFile",
    "DiscordEmulator",
    "EmulatorConfig",
    "FileSpec",
    "GatewayRecord",
    "Guild",
    "Intent",
    "Interaction",
    "InteractionHandle",
    "InteractionType",
    "Message",
    "MessageFlag",
    "MessageType",
    "Permission",
    "RateLimitHit",
    "RateLimitPolicy",
    "Recorder",
    "RequestRecord",
    "ShiftableClock",
    "User",
    "UserDriver",
    "write_sized_file",
]
