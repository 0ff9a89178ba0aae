"""A seeded fuzz subset in the normal suite: hostile inputs, and the bot stays well-behaved.

The same cases and checks as ``tests/bench/fuzz.py`` (:mod:`tests.fuzzing`), fewer of them.
"""

from __future__ import annotations

import logging

from tests.discord_app.conftest import MakeStage
from tests.discord_app.stage import WAIT
from tests.discord_emulator.record import RequestRecord
from tests.fuzzing.campaign import run_campaign
from tests.fuzzing.cases import KINDS, generate
from tests.fuzzing.monitor import Monitor, leaks, pings

SEED = 2024
CASES = 80


async def test_a_seeded_fuzz_of_files_texts_streams_and_renders_finds_nothing(
    make_stage: MakeStage,
) -> None:
    """No unhandled exception, ping, leaked token, unanswered message or stuck turn."""
    cases = generate(SEED, CASES)
    assert {case.kind for case in cases} == {kind for kind, _ in KINDS}
    stage = await make_stage()
    report = await run_campaign(stage, cases, lanes=12, channels=4, patience=3 * WAIT)
    assert report.cases == CASES
    assert report.problems() == {}, "\n".join(report.lines())


def test_the_same_seed_gives_the_same_cases() -> None:
    """A failing seed can be replayed: generation depends on the seed alone."""
    assert generate(SEED, CASES) == generate(SEED, CASES)
    assert generate(SEED, CASES) != generate(SEED + 1, CASES)


async def test_the_checks_count_what_they_are_meant_to(make_stage: MakeStage) -> None:
    """A ping, a token in a message and in a log line, and an error with a traceback count."""
    stage = await make_stage()
    async with Monitor() as monitor:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logging.getLogger("bot.fuzz-check").exception("failed %s", stage.emulator.token)
    stage.emulator.recorder.requests.append(
        RequestRecord(
            method="POST",
            route="/channels/{channel_id}/messages",
            path=f"/api/v10/channels/{stage.tracks.id}/messages",
            query={},
            headers={},
            json={"content": "@everyone", "allowed_mentions": {"parse": ["everyone"]}},
        )
    )
    assert len(monitor.unhandled) == 1
    assert len(pings(stage, {})) == 1
    assert len(leaks(stage, monitor)) == 1  # the log line (the request carries no token)
    stage.emulator.recorder.requests.clear()  # the fixture checks the traffic too
