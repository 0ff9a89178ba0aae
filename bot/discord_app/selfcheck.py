"""The start-up self-check: tell the admin, in plain words, what keeps the bot from working.

Checked once the gateway is ready:

* **Intents.** Without the Message Content intent (a privileged intent the application must
  enable in the Developer Portal) a bot sees neither the files posted in a watched channel nor
  what people write in its threads. ``/track`` and the "Make music video" menu still work,
  because interactions carry their files; the log says so.
* **Each watched channel** (``WATCH_CHANNEL_IDS``): that the bot can see it, and that it may
  send messages, create public threads, send in threads, attach files and read the history.
  What is missing is logged, and said in the channel too when the bot may post there.

* **Slash commands.** If the command sync failed at this start, slash commands are unavailable
  (Discord's reason is in the log line); messages in track threads still work.

Nothing here stops the bot: a partly working bot is better than none, and the admin is told.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import discord

from bot.core.texts import text

log = logging.getLogger(__name__)

#: Permission attribute → the name Discord's UI shows.
REQUIRED_PERMISSIONS = {
    "send_messages": "Send Messages",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "attach_files": "Attach Files",
    "read_message_history": "Read Message History",
}

NO_MESSAGE_CONTENT = (
    "The Message Content intent is not enabled for this application, so I can't see files "
    "posted in watched channels or what people write in track threads. /track and the "
    '"Make music video" message menu still work. To fix it: Discord Developer Portal → your '
    "application → Bot → Privileged Gateway Intents → Message Content Intent."
)


NO_SLASH_COMMANDS = (
    "Slash commands are unavailable: the command sync failed ({reason}). Messages in track "
    "threads and tracks posted in watched channels still work. Run `beatthread sync-commands` "
    "to try again."
)


def missing_permissions(permissions: discord.Permissions) -> list[str]:
    """The required permissions that ``permissions`` lacks, by their Discord names."""
    return [name for attr, name in REQUIRED_PERMISSIONS.items() if not getattr(permissions, attr)]


async def self_check(
    client: discord.Client,
    watched: Iterable[int],
    *,
    message_content: bool,
    slash_commands: str | None = None,
) -> list[str]:
    """Check intents, commands and channels; log (and post) advice; return the advice lines.

    ``slash_commands`` is why the command sync failed at this start (``None``: it did not).
    """
    advice: list[str] = []
    if not message_content:
        advice.append(NO_MESSAGE_CONTENT)
    if slash_commands is not None:
        advice.append(NO_SLASH_COMMANDS.format(reason=slash_commands))
    for channel_id in sorted(watched):
        advice.extend(await _check_channel(client, channel_id))
    for line in advice:
        log.warning("self-check: %s", line)
    if not advice:
        log.info("self-check: intents and permissions are fine")
    return advice


async def _check_channel(client: discord.Client, channel_id: int) -> list[str]:
    channel = client.get_channel(channel_id)
    if channel is None:
        return [
            f"WATCH_CHANNEL_IDS lists {channel_id}, which I can't see: check the id, and that "
            "the bot is in that server with View Channel there."
        ]
    if not isinstance(channel, discord.TextChannel):
        return [f"WATCH_CHANNEL_IDS lists #{channel}, which is not a text channel."]
    missing = missing_permissions(channel.permissions_for(channel.guild.me))
    if not missing:
        return []
    names = ", ".join(missing)
    if "Send Messages" not in missing:
        lang = str(channel.guild.preferred_locale.value)
        try:
            await channel.send(text("selfcheck_missing", lang, missing=names))
        except discord.HTTPException as error:
            log.info("could not post the self-check in #%s: %s", channel, error)
    return [
        f"In #{channel} ({channel.guild}) I am missing: {names}. Grant them to the bot's role "
        "(Server Settings → Roles, or the channel's permission overrides)."
    ]
