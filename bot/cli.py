"""The ``beatthread`` command: one subcommand per way of running the project."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence

from bot.config import Settings
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

    migrate = commands.add_parser("migrate", help="apply database migrations (DATABASE_URL)")
    migrate.add_argument("--downgrade", metavar="REVISION", help="downgrade to REVISION instead")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = _parser().parse_args(argv)
    settings = Settings()
    setup_logging(settings.log_level)
    if args.command == "local-backend":
        # Imported here: only this command needs the server side of aiohttp.
        from bot.local_backend import serve

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(args.host, args.port))
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
