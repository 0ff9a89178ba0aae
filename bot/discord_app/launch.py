"""``beatthread run``: migrate, connect, serve until stopped; clear one-line errors.

:func:`prepared_bot` is the one way a bot is built, for ``run`` and for the end-to-end tests
alike: Discord endpoints from the settings, services opened (the database migrated first),
the bot created over them, and (``ops=True``) the side server with ``/healthz`` and
``/metrics`` on ``OPS_HOST``:``OPS_PORT``. Shutdown order on the way out: the bot
(conversations, export poller, gateway, Discord HTTP), the side server, then the services
(HTTP client, database engine).

SIGTERM and SIGINT start :meth:`~bot.discord_app.bot.BeatthreadBot.shutdown`: no new turns,
running ones get ``SHUTDOWN_GRACE`` seconds to finish, export jobs stay in the database for
the next start. A second signal does not hurry it: the grace period is the operator's choice.

:func:`run_bot` turns the common failures into one line on stderr and an exit code:

* ``2``: ``DISCORD_TOKEN`` is not set;
* ``3``: Discord refused the token (or the privileged intents it needs);
* ``4``: the database could not be reached or migrated (``DATABASE_URL``);
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
from bot.core.ports import Clock
from bot.core.usecases import Timings
from bot.discord_app.bot import BeatthreadBot, create_bot
from bot.discord_app.endpoints import discord_endpoints
from bot.ops import OpsServer, backend_check, database_check, gateway_check
from bot.services import DatabaseUnreachableError, PollerOptions, Services, open_services

log = logging.getLogger(__name__)

EXIT_NO_TOKEN = 2
EXIT_TOKEN_REFUSED = 3
EXIT_NO_DATABASE = 4

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
    ops: bool = False,
    clock: Clock | None = None,
    **client_options: Any,
) -> AsyncIterator[BeatthreadBot]:
    """A bot ready to log in, over freshly opened services; closed on exit."""
    with discord_endpoints(settings):
        async with open_services(settings) as services:
            bot = create_bot(
                settings, services, timings=timings, polling=polling, clock=clock, **client_options
            )
            async with contextlib.AsyncExitStack() as stack:
                if ops:
                    await stack.enter_async_context(_side_server(settings, services, bot))
                stack.push_async_callback(bot.close)  # first out: before the side server
                yield bot


@asynccontextmanager
async def _side_server(
    settings: Settings, services: Services, bot: BeatthreadBot
) -> AsyncIterator[OpsServer]:
    """``/healthz`` (gateway, database, backend) and ``/metrics``, for as long as the bot runs."""
    metrics = services.metrics
    checks = {
        "gateway": gateway_check(bot),
        "database": database_check(services.engine),
        "backend": backend_check(services.http, settings.nemo_api_url),
    }
    metrics.register_queue_depth("turns", bot.app.hub.queued)
    metrics.register_queue_depth("exports_followed", lambda: bot.exports.tracked)
    metrics.watch_discord_rate_limits()
    server = OpsServer(metrics, checks)
    try:
        port = await server.start(settings.ops_host, settings.ops_port)
        bot.ops_url = f"http://{settings.ops_host}:{port}"
        yield server
    finally:
        await server.close()
        metrics.unwatch_discord_rate_limits()


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
    except DatabaseUnreachableError as error:
        sys.stderr.write(f"beatthread run: {error}. Check DATABASE_URL and that it is up.\n")
        return EXIT_NO_DATABASE
    except KeyboardInterrupt:
        return 0
    except Exception:
        log.exception("the bot stopped")
        return 1
    return 0


async def _serve(settings: Settings, token: str) -> None:
    async with prepared_bot(settings, ops=True) as bot:
        loop = asyncio.get_running_loop()
        stopping: set[asyncio.Task[None]] = set()

        def stop() -> None:
            if stopping:
                log.info("already stopping (grace period %.0f s)", settings.shutdown_grace)
                return
            log.info("stopping: no new turns; running ones get %.0f s", settings.shutdown_grace)
            task = loop.create_task(bot.shutdown(settings.shutdown_grace), name="bot-shutdown")
            stopping.add(task)

        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop)
        await bot.start(token)
