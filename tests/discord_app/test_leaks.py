"""Nothing secret reaches Discord, and nobody is pinged but an export's requester."""

from __future__ import annotations

from tests.discord_app.stage import WAIT, leaks


async def test_no_token_in_any_request_and_only_the_requester_is_mentioned(stage):
    """A whole session (track, chat, mentions typed by users, export): the traffic is clean."""
    lena = stage.emulator.add_user("lena")
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    await lena.post(thread, f"{stage.mia.mention} add the title Urban Dreams @everyone")
    await stage.emulator.wait_for_message(
        thread, lambda m: m.content.startswith("Done!"), timeout=WAIT
    )
    await stage.mia.slash("export", thread)
    link = await stage.result_post(thread)
    assert link.mention_ids == [stage.mia.id]
    assert stage.backend.requests, "the backend was used"
    assert leaks(stage) == []
    bodies = [r.json for r in stage.emulator.recorder.requests if isinstance(r.json, dict)]
    mentioning = [b for b in bodies if "<@" in str(b.get("content", ""))]
    assert len(mentioning) == 1
    assert mentioning[0]["allowed_mentions"] == {"parse": [], "users": [stage.mia.id]}
