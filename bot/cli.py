"""The ``beatthread`` command: one subcommand per way of running the project."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.config import Settings
from bot.core.language import REPLY_LANGUAGES
from bot.observability import setup_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="beatthread", description="Beatthread: beat-synced music videos from Discord."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    local = commands.add_parser(
        "local-backend", help="run the local NemoVideo-compatible backend (tests, demo, compose)"
    )
    local.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    local.add_argument("--port", type=int, default=0, help="port to bind (default: any free)")
    local.add_argument(
        "--public-url",
        help="base URL people can open for render links (default: LOCAL_BACKEND_PUBLIC_URL, "
        "else the address each client used)",
    )
    local.add_argument(
        "--control",
        action="store_true",
        help="serve the /_control API (switches and faults for tests); never on a public address",
    )

    commands.add_parser(
        "run", help="run the Discord bot (DISCORD_TOKEN), applying database migrations first"
    )

    commands.add_parser(
        "sync-commands",
        help="register the slash commands with Discord now (over HTTP, no gateway), even if "
        "unchanged",
    )

    migrate = commands.add_parser("migrate", help="apply database migrations (DATABASE_URL)")
    migrate.add_argument("--downgrade", metavar="REVISION", help="downgrade to REVISION instead")

    console = commands.add_parser(
        "console", help="one conversation with NemoVideo in the terminal (stdin/stdout)"
    )
    console.add_argument("--api-url", help="NemoVideo API base URL (default: NEMO_API_URL)")
    console.add_argument(
        "--database-url", help="SQLAlchemy database URL (default: DATABASE_URL, or SQLite)"
    )
    _language_option(console)
    console.add_argument(
        "--first-poll",
        type=float,
        metavar="SECONDS",
        help="first look at a render this long after submitting it (default: EXPORT_FIRST_POLL; "
        "renders take 30-90 s)",
    )
    console.add_argument(
        "--burst-window",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="lines typed this close together go to the agent as one message (default 2)",
    )

    demo = commands.add_parser(
        "demo", help="the whole flow against a local backend, no accounts needed"
    )
    demo.add_argument(
        "audio", nargs="?", type=Path, help="a track to start with (default: a generated beat)"
    )
    _language_option(demo)
    return parser


def _language_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--language",
        choices=REPLY_LANGUAGES,
        default=None,
        help="language of the conversation and of NemoVideo's replies "
        "(default: your first message's, else en)",
    )


def _console_logging(settings: Settings) -> None:
    """Terminal front ends keep stderr quiet unless LOG_LEVEL asks for more."""
    level = settings.log_level if "log_level" in settings.model_fields_set else "WARNING"
    setup_logging(level, settings.log_format)


def _run_console(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here: only the terminal commands need the console and its wiring.
    from bot.console import run_console, stdin_lines
    from bot.core.usecases import Timings
    from bot.services import console_polling, open_services

    overrides = {
        key: value
        for key, value in (
            ("nemo_api_url", args.api_url),
            ("database_url", args.database_url),
            ("export_first_poll", args.first_poll),
        )
        if value
    }
    chosen = settings.model_copy(update=overrides)

    async def console() -> int:
        async with open_services(chosen, platform="terminal") as services:
            use_cases = services.use_cases(Timings(burst_window=max(0.0, args.burst_window)))
            poller = services.poller_factory(use_cases, console_polling(chosen))
            return await run_console(
                use_cases, poller, stdin_lines(), sys.stdout, language=args.language
            )

    return _run_terminal(console())


def _run_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import stdin_lines
    from bot.demo import run_demo

    audio: Path | None = args.audio
    if audio is not None and not audio.is_file():
        sys.stderr.write(f"beatthread demo: no such file: {audio}\n")
        return 2
    return _run_terminal(
        run_demo(settings, stdin_lines(), sys.stdout, audio=audio, language=args.language)
    )


def _run_terminal(main: Coroutine[Any, Any, int]) -> int:
    # Emoji and Chinese must never crash a terminal that cannot show them.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="replace")
    try:
        return asyncio.run(main)
    except KeyboardInterrupt:
        return 130
    except Exception:
        logging.getLogger("bot.cli").exception("the terminal session failed")
        return 1


def _sync_commands(settings: Settings) -> int:
    """``beatthread sync-commands``: one line on stdout, exit code 0 (synced) or 1."""
    # Imported here: only the Discord commands need discord.py.
    import discord

    from bot.discord_app.bot import create_bot, probe_application
    from bot.discord_app.command_sync import sync_over_http
    from bot.discord_app.endpoints import discord_endpoints
    from bot.services import DatabaseUnreachableError, open_services

    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        sys.stdout.write("beatthread sync-commands: DISCORD_TOKEN is not set\n")
        return 1

    async def sync() -> tuple[bool, str]:
        with discord_endpoints(settings):
            application = await probe_application(token)
            async with open_services(settings) as services:
                bot = create_bot(settings, services, application_id=application.application_id)
                outcome = await sync_over_http(bot, token)
        return outcome.available, outcome.summary()

    try:
        synced, line = asyncio.run(sync())
    except discord.LoginFailure:
        synced, line = False, "Discord refused DISCORD_TOKEN (401 Unauthorized)"
    except (discord.HTTPException, DatabaseUnreachableError) as error:
        synced, line = False, " ".join(str(error).split())
    sys.stdout.write(f"beatthread sync-commands: {line}\n")
    return 0 if synced else 1


#: The settings (environment, ``.env``) do not validate; the same code as a missing token.
EXIT_BAD_SETTINGS = 2


def _explain(error: ValidationError) -> str:
    """Each problem as ``VARIABLE: what is wrong``, on one line; never the values themselves."""
    problems = []
    for problem in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in problem["loc"]).upper()
        message = problem["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        sys.stderr.write(f"beatthread: invalid configuration: {_explain(error)}\n")
        return EXIT_BAD_SETTINGS
    if args.command in ("console", "demo"):
        _console_logging(settings)
        return (
            _run_console(args, settings) if args.command == "console" else _run_demo(args, settings)
        )
    setup_logging(settings.log_level, settings.log_format)
    if args.command == "run":
        # Imported here: only this command needs discord.py.
        from bot.discord_app.launch import run_bot

        return run_bot(settings)
    if args.command == "sync-commands":
        return _sync_commands(settings)
    if args.command == "local-backend":
        # Imported here: only this command needs the server side of aiohttp.
        from bot.local_backend import BackendConfig, serve

        config = BackendConfig(public_url=args.public_url or settings.local_backend_public_url)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(args.host, args.port, config, control=args.control))
        return 0
    if args.command == "migrate":
        from bot.storage.migrate import downgrade, upgrade

        url = settings.resolved_database_url()
        if args.downgrade:
            asyncio.run(downgrade(url, args.downgrade))
        else:
            asyncio.run(upgrade(url))
        return 0
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse rejects the rest


if __name__ == "__main__":
    sys.exit(main())
