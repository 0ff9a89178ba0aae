"""Settings of one emulated Discord: the application, its intents, limits and deadlines.

Defaults are Discord's documented values:

- privileged intents GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT must be enabled for the
  app or IDENTIFY is closed with 4014 (``docs/topics/Gateway.md``, "Privileged Intents");
- the heartbeat interval is sent in HELLO (``Gateway.md``, "Sending Heartbeats");
- an interaction must be acknowledged within 3 s and its token lives 15 minutes
  (``docs/interactions/Receiving_and_Responding.md``, "Interaction Callback");
- uploads are limited to 10 MiB per file without boosts (``docs/Reference.md``,
  "Uploading Files"); a larger file gets ``413`` / ``40005``;
- ``enforce_nonce`` deduplicates "in the past few minutes" (``docs/resources/Message.md``,
  "Create Message"); the emulator reads that conservatively as 2 minutes;
- signed attachment URLs expire; 24 h is the commonly observed lifetime (``Reference.md``,
  "Signed Attachment CDN URLs").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .ratelimit import RateLimitPolicy


class Intent(enum.IntFlag):
    """Gateway intents ("List of Intents" in ``docs/topics/Gateway.md``)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_EXPRESSIONS = 1 << 3
    GUILD_INTEGRATIONS = 1 << 4
    GUILD_WEBHOOKS = 1 << 5
    GUILD_INVITES = 1 << 6
    GUILD_VOICE_STATES = 1 << 7
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15
    GUILD_SCHEDULED_EVENTS = 1 << 16
    AUTO_MODERATION_CONFIGURATION = 1 << 20
    AUTO_MODERATION_EXECUTION = 1 << 21
    GUILD_MESSAGE_POLLS = 1 << 24
    DIRECT_MESSAGE_POLLS = 1 << 25


VALID_INTENTS = sum(Intent)


class AppFlag(enum.IntFlag):
    """Application flags that tell a client which privileged intents are enabled."""

    GATEWAY_PRESENCE = 1 << 12
    GATEWAY_GUILD_MEMBERS = 1 << 14
    GATEWAY_MESSAGE_CONTENT = 1 << 18


@dataclass
class EmulatorConfig:
    """Everything a test may want to change about the emulated Discord."""

    token: str = "emulator.bot.token"
    bot_name: str = "Beatthread"
    application_name: str = "Beatthread"
    message_content_intent: bool = True
    members_intent: bool = False
    presences_intent: bool = False
    heartbeat_interval: float = 41.25
    interaction_deadline: float = 3.0
    interaction_token_ttl: float = 15 * 60.0
    upload_limit: int = 10 * 1024 * 1024
    nonce_window: float = 120.0
    cdn_url_ttl: float = 24 * 3600.0
    max_content_length: int = 2000
    rate_limits: RateLimitPolicy = field(default_factory=RateLimitPolicy)

    def allowed_privileged(self) -> int:
        """The privileged intents this app may request."""
        allowed = 0
        if self.message_content_intent:
            allowed |= Intent.MESSAGE_CONTENT
        if self.members_intent:
            allowed |= Intent.GUILD_MEMBERS
        if self.presences_intent:
            allowed |= Intent.GUILD_PRESENCES
        return allowed

    def app_flags(self) -> int:
        """Application flags advertising the enabled privileged intents."""
        flags = 0
        if self.message_content_intent:
            flags |= AppFlag.GATEWAY_MESSAGE_CONTENT
        if self.members_intent:
            flags |= AppFlag.GATEWAY_GUILD_MEMBERS
        if self.presences_intent:
            flags |= AppFlag.GATEWAY_PRESENCE
        return flags


PRIVILEGED_INTENTS = Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT
