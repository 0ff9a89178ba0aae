"""The start-up self-check tells the admin, in plain words, what is missing."""

from __future__ import annotations

from tests.discord_app.stage import WAIT
from tests.discord_emulator import Permission


async def test_missing_permissions_in_a_watched_channel_are_logged_and_said_there(
    make_stage, caplog
):
    """Without Create Public Threads in #tracks, the log and the channel say so."""
    stage = await make_stage()
    await stage.emulator.set_overwrite(stage.tracks, deny=Permission.CREATE_PUBLIC_THREADS)
    with caplog.at_level("WARNING", logger="bot.discord_app.selfcheck"):
        await stage.start_bot()
        notice = await stage.emulator.wait_for_message(stage.tracks, timeout=WAIT)
    assert "missing permissions in this channel: Create Public Threads" in notice.content
    assert "I am missing: Create Public Threads" in caplog.text


async def test_an_unknown_watched_channel_is_reported(make_stage, caplog):
    """A WATCH_CHANNEL_IDS entry the bot cannot see is named in the log."""
    stage = await make_stage()
    with caplog.at_level("WARNING", logger="bot.discord_app.selfcheck"):
        await stage.start_bot(watch_channel_ids=(stage.tracks.id, 4242))
    assert "WATCH_CHANNEL_IDS lists 4242, which I can't see" in caplog.text
