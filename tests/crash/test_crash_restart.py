"""`beatthread run` killed with SIGKILL again and again: every export is posted exactly once.

The full-size run (100+ kills) is ``tests/bench/crash_exports.py``; this is its small CI round.
"""

from __future__ import annotations

import pytest

from tests.crash.harness import POSTS_ONE, CrashRound, RoundConfig, Window, open_world

pytestmark = [
    pytest.mark.timeout(120),
    # One process at a time: the embedded SQLite file is what a single bot runs on.
    pytest.mark.parametrize("database_backend", ["sqlite"]),
]


async def test_every_export_is_posted_exactly_once_whatever_the_kills(
    migrated_database_url, tmp_path
):
    """Kills at start-up, mid-render, between claim and post and between post and record."""
    # Each window around a post once (a restart waits ~5 s for the poller's hand-off there);
    # the other kills land at start-up and while rendering.
    config = RoundConfig(exports=4, kills=12, seed=20240611, around_share=0.0)
    async with open_world(tmp_path, migrated_database_url) as world:
        result = await CrashRound(world, config, say=print).run()

    windows = result.windows()
    assert sum(windows.values()) >= config.kills
    assert set(windows) == set(Window), "every window was hit at least once"
    assert result.posts == dict.fromkeys(result.posts, 1)
    assert len(result.posts) == config.exports
    assert result.videos == result.posts
    assert result.statuses == {"posted": config.exports}
    assert result.unrecorded == []
    assert result.open_statuses == 0, "every status message was finished, also after a kill"
    # Who stopped the repeats: every post that landed unrecorded was found by the bot
    # (find_posted); Discord's nonce answered only the retries racing a late post.
    assert result.found_posted >= windows[Window.POST_RECORD]
    assert result.nonce_replays == windows[Window.LATE_POST]
    assert sum(windows[w] for w in POSTS_ONE) <= config.exports
