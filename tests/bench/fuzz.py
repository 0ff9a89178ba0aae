"""A seeded fuzz of the real bot: attachments, message texts, SSE streams, render statuses.

The bot runs in this process (``prepared_bot``, as ``beatthread run`` builds it) against the
Discord emulator and the local backend, real servers on loopback sockets, so its log records
and its event loop's unretrieved exceptions are watched directly. The cases
(:mod:`tests.fuzzing.cases`) are played by many lanes at once, one track thread each
(:mod:`tests.fuzzing.campaign`). It prints the cases tried and the counters that must all be
zero: unhandled exceptions, pings sent, tokens leaked, messages lost (and turns stuck); the
exit status is 1 when one is not.

    .venv/bin/python tests/bench/fuzz.py [--seed N] [--cases N] [--lanes N]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import warnings
from pathlib import Path

# Run as a script from anywhere: the stage lives in the test tree.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401 - imported once, under the filter

from bot.observability import install_redaction
from tests.discord_app.stage import open_stage
from tests.fuzzing.campaign import run_campaign
from tests.fuzzing.cases import generate
from tests.plugins.local_backend import fast_backend_config


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=13, help="the cases' seed (default 13)")
    parser.add_argument("--cases", type=int, default=1000, help="how many (default 1,000)")
    parser.add_argument("--lanes", type=int, default=24, help="threads at once (default 24)")
    return parser.parse_args()


async def main(options: argparse.Namespace) -> int:
    """Run the campaign and print its report; 1 if a counter is not zero."""
    cases = generate(options.seed, options.cases)
    with tempfile.TemporaryDirectory(prefix="bench-fuzz-") as scratch:
        async with open_stage(Path(scratch), fast_backend_config()) as stage:
            report = await run_campaign(stage, cases, lanes=options.lanes)
    print(f"seed: {options.seed}")
    for line in report.lines():
        print(line)
    return 1 if report.problems() else 0


if __name__ == "__main__":
    install_redaction()  # the bot's log records are redacted as under ``beatthread run``
    sys.exit(asyncio.run(main(arguments())))
