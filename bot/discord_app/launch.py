"""``beatthread run``: migrate, connect, serve until stopped; clear one-line errors.

:func:`prepared_bot` is the one way a bot is built, for ``run`` and for the end-to-end tests
alike: Discord endpoints from the settings, the application's privileged intents read (a
refused token fails here, before the database is touched), services opened (the database
migrated first), the bot created over them, and (``ops=True``) the side server with ``/healthz`` and
``/metrics`` on ``OPS_HOST``:``OPS_PORT``. Shutdown order on the way out: the bot
(conversations, export poller, gateway, Discord HTTP), the side server, then the services
(HTTP client, database engine).

SIGTERM and SIGINT start :meth:`~bot.discord_app.bot.BeatthreadBot.shutdown`: no new turns,
running ones get ``SHUTDOWN_GRACE`` seconds to finish, export jobs stay in the database for
the next start. A second signal does not hurry it: the grace period is the operator's choice.

:func:`serve` keeps the bot connected: when the connection ends with an error discord.py does
not handle itself, the bot is closed and a new one prepared (a closed discord.py client cannot
start again) after a bounded, jittered exponential backoff (:class:`ReconnectPolicy`). All
state is in the database, so nothing is lost; only the fatal errors below end the process.

:func:`run_bot` turns the common failures into one line on stderr and an exit code:

* ``2``: ``DISCORD_TOKEN`` is not set;
* ``3``: Discord refused the token (at login or gateway close 4004) or the privileged intents;
* ``4``: the database could not be reached or migrated (``DATABASE_URL``), also on a reconnect;
* ``1``: an error outside the reconnect loop (logged with its traceback); ``0`` after a clean
  stop (SIGINT/SIGTERM). Any other error ends one connection only (see :func:`serve`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

import discord

from bot.config import Settings
from bot.core.ports import Clock
from bot.core.usecases import Timings
from bot.discord_app.bot import BeatthreadBot, create_bot, probe_application
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

#: Close code 4004 "Authentication failed": the token is refused, reconnecting cannot help.
_TOKEN_REFUSED_CLOSE: Final = 4004


@dataclass(frozen=True)
class ReconnectPolicy:
    """How ``run`` waits before reconnecting: exponential, jittered, bounded.

    The n-th consecutive reconnect waits ``first_delay x 2**n`` scaled by a random factor in
    ``1 ± jitter``, never more than ``max_delay``; a connection that lasted ``stable_after``
    seconds starts the count again.
    """

    first_delay: float = 1.0
    max_delay: float = 60.0
    jitter: float = 0.25
    stable_after: float = 300.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before reconnect number ``attempt`` (0-based)."""
        base = self.first_delay * 2.0 ** min(attempt, 32)
        return min(base * rng.uniform(1.0 - self.jitter, 1.0 + self.jitter), self.max_delay)


#: The one reconnect policy of ``beatthread run``.
RECONNECT: Final = ReconnectPolicy()

#: Errors that reconnecting cannot fix: ``run_bot`` turns them into exit codes.
FATAL_ERRORS: Final = (
    discord.LoginFailure,
    discord.PrivilegedIntentsRequired,
    DatabaseUnreachableError,
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
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    with discord_endpoints(settings):
        application = await probe_application(token)
        async with open_services(settings) as services:
            bot = create_bot(
                settings,
                services,
                timings=timings,
                polling=polling,
                clock=clock,
                message_content=application.message_content,
                application_id=application.application_id,
                **client_options,
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
    metrics.register_gateway_drops(bot.gateway_guard.dropped)
    server = OpsServer(metrics, checks)
    try:
        port = await server.start(settings.ops_host, settings.ops_port)
        bot.ops_url = f"http://{settings.ops_host}:{port}"
        yield server
    finally:
        await server.close()


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
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def stop() -> None:
        if stopping.is_set():
            log.info("already stopping (grace period %.0f s)", settings.shutdown_grace)
            return
        log.info("stopping: no new turns; running ones get %.0f s", settings.shutdown_grace)
        stopping.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop)
    await serve(settings, token, stopping=stopping)


async def serve(
    settings: Settings,
    token: str,
    *,
    stopping: asyncio.Event,
    policy: ReconnectPolicy = RECONNECT,
    rng: random.Random | None = None,
    **bot_options: Any,
) -> None:
    """Serve until ``stopping`` is set, reconnecting a lost connection (module docstring).

    ``bot_options`` go to :func:`prepared_bot`; the errors in ``FATAL_ERRORS`` propagate.
    """
    loop = asyncio.get_running_loop()
    rng = rng or random.Random()  # noqa: S311 - jitter, not security
    attempt = 0
    while not stopping.is_set():
        started = loop.time()
        try:
            await _serve_once(settings, token, stopping, **bot_options)
        except FATAL_ERRORS:
            raise
        except discord.ConnectionClosed as error:
            if error.code == _TOKEN_REFUSED_CLOSE:
                raise discord.LoginFailure("the gateway refused the token") from error
            reason: BaseException | None = error
        except Exception as error:
            reason = error
        else:
            reason = None
        if stopping.is_set():
            return
        if loop.time() - started >= policy.stable_after:
            attempt = 0
        delay = policy.delay(attempt, rng)
        attempt += 1
        log.error(
            "the Discord connection ended (%s); reconnecting in %.1f s (attempt %d)",
            type(reason).__name__ if reason is not None else "closed",
            delay,
            attempt,
            exc_info=reason,
        )
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await stopping.wait()


async def _serve_once(
    settings: Settings, token: str, stopping: asyncio.Event, **bot_options: Any
) -> None:
    """One bot, from preparation to close: until ``stopping`` or the connection ends.

    What is built by the end of the start-up (modules, services, the bot after its
    ``setup_hook``) lives as long as the bot: it is moved out of the garbage collector's view
    (``gc.freeze``) before the gateway connects, so a full collection in the first burst of
    interactions does not scan it all; back in view once the bot is closed, for its garbage
    to go. (``discord.Client.start`` is ``login``, which runs ``setup_hook``, then
    ``connect``.)
    """
    async with prepared_bot(settings, ops=True, **bot_options) as bot:

        async def stop_when_asked() -> None:
            await stopping.wait()
            await bot.shutdown(settings.shutdown_grace)

        stopper = asyncio.create_task(stop_when_asked(), name="bot-shutdown")
        try:
            await bot.login(token)
            async with _frozen_start_up():
                await bot.connect()
        finally:
            if stopping.is_set():
                await stopper  # a shutdown under way finishes (its grace period)
            else:
                stopper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await stopper


@asynccontextmanager
async def _frozen_start_up() -> AsyncIterator[None]:
    """Everything alive now is left out of garbage collections until the block ends."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
