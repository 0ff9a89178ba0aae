"""``beatthread run``: migrate, connect, serve until stopped; clear one-line errors.

:func:`prepared_bot` is the one way a bot is built, for ``run`` and for the end-to-end tests
alike: Discord endpoints from the settings, services opened (the database migrated first),
the bot created over them. Shutdown order on the way out: the bot (conversations, gateway,
Discord HTTP), then the services (HTTP client, database engine).

:func:`run_bot` turns the common failures into one line on stderr and an exit code:

* ``2``: ``DISCORD_TOKEN`` is not set;
* ``3``: Discord refused the token (or the privileged intents it needs);
* ``1``: anything else (logged with its traceback); ``0`` after a clean stop (SIGINT/SIGTERM).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord

from bot.config import Settings
from bot.core.usecases import Timings
from bot.discord_app.bot import BeatthreadBot, create_bot
from bot.discord_app.endpoints import discord_endpoints
from bot.services import PollerOptions, open_services

log = logging.getLogger(__name__)

EXIT_NO_TOKEN = 2
EXIT_TOKEN_REFUSED = 3

UNCONFIGURED = (
    "beatthread run: DISCORD_TOKEN is not set. Create a bot in the Discord Developer Portal "
    "(Applications → your app → Bot → Reset Token) and put the token in DISCORD_TOKEN."
)
LOGIN_REFUSED = (
    "beatthread run: Discord refused DISCORD_TOKEN (401 Unauthorized). Copy the bot token "
    "again from the Developer Portal (Bot → Reset Token); it is not the client secret."
)
INTENTS_REFUSED = (
    "beatthread run: Discord refused the gateway intents. Enable the Message Content intent "
    "in the Developer Portal (Bot → Privileged Gateway Intents), or leave it off: /track "
    "still works."
)


@asynccontextmanager
async def prepared_bot(
    settings: Settings,
    *,
    timings: Timings | None = None,
    polling: PollerOptions | None = None,
    **client_options: Any,
) -> AsyncIterator[BeatthreadBot]:
    """A bot ready to log in, over freshly opened services; closed on exit."""
    with discord_endpoints(settings):
        async with open_services(settings) as services:
            bot = create_bot(settings, services, timings=timings, polling=polling, **client_options)
            try:
                yield bot
            finally:
                await bot.close()


def run_bot(settings: Settings) -> int:
    """Run the bot until SIGINT/SIGTERM; the exit code (see the module docstring)."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        sys.stderr.write(UNCONFIGURED + "\n")
        return EXIT_NO_TOKEN
    try:
        asyncio.run(_serve(settings, token))
    except discord.LoginFailure:
        sys.stderr.write(LOGIN_REFUSED + "\n")
        return EXIT_TOKEN_REFUSED
    except discord.PrivilegedIntentsRequired:
        sys.stderr.write(INTENTS_REFUSED + "\n")
        return EXIT_TOKEN_REFUSED
    except KeyboardInterrupt:
        return 0
    except Exception:
        log.exception("the bot stopped")
        return 1
    return 0


async def _serve(settings: Settings, token: str) -> None:
    async with prepared_bot(settings) as bot:
        loop = asyncio.get_running_loop()
        stopping: set[asyncio.Task[None]] = set()

        def stop() -> None:
            task = loop.create_task(bot.close(), name="bot-close")
            stopping.add(task)
            task.add_done_callback(stopping.discard)

        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop)
        await bot.start(token)
