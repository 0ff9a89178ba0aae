"""/credits, /status, /help, and commands used outside a track thread."""

from __future__ import annotations

from bot.core.streaming import DISCORD_MESSAGE_LIMIT
from bot.core.texts import text
from tests.discord_app.stage import WAIT


async def test_credits_is_an_ephemeral_embed_with_the_register_link_for_anonymous(stage):
    """/credits answers only the asker: available, reserved, total, and how to register."""
    handle = await stage.mia.slash("credits", stage.tracks)
    answer = await handle.wait_for_original(timeout=WAIT)
    assert answer.ephemeral
    (embed,) = answer.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields == {"Available": "100", "Reserved": "0", "Total": "100"}
    assert "Register (free)" in embed["description"]
    assert stage.backend.url in embed["description"]


async def test_credits_out_of_credit_guidance(stage):
    """With nothing left, /credits says how to get more."""
    stage.backend.set_credits(0)
    handle = await stage.mia.slash("credits", stage.tracks)
    (embed,) = (await handle.wait_for_original(timeout=WAIT)).embeds
    assert embed["description"].startswith("💳 You're out of credits. Register (free)")


async def test_status_shows_the_thread_timeline(stage):
    """/status in a track thread shows its timeline to the asker."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    handle = await stage.mia.slash("status", thread)
    answer = await handle.wait_for_original(timeout=WAIT)
    assert answer.ephemeral
    assert answer.content.startswith("Timeline (1 track):")
    assert "Urban Dreams" in answer.content


async def test_status_of_a_timeline_too_long_for_a_message_is_cut_and_says_so(stage):
    """Sixty tracks do not fit in 2,000 characters: the answer fits, and ends with the ⚠️ line."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    draft = stage.backend.sessions[stage.session_of(thread)].draft
    draft["t"] = [
        {"tt": 0, "sg": [{"d": 2000, "m": {"name": f"neon city timelapse, take {n}"}}]}
        for n in range(1, 61)
    ]
    handle = await stage.mia.slash("status", thread)
    answer = await handle.wait_for_original(timeout=WAIT)
    assert answer.content.startswith("Timeline (60 tracks):")
    assert len(answer.content) <= DISCORD_MESSAGE_LIMIT
    assert answer.content.endswith("\n" + text("reply_truncated", "en"))
    assert "take 1 " in answer.content and "take 60" not in answer.content


async def test_thread_commands_outside_a_track_thread_explain_where_they_work(stage):
    """/status and /export in a plain channel say they work in track threads."""
    for command in ("status", "export"):
        handle = await stage.mia.slash(command, stage.tracks)
        answer = await handle.wait_for_original(timeout=WAIT)
        assert answer.ephemeral
        assert answer.content.startswith("That works inside a Beatthread track thread")


async def test_help_explains_the_bot(stage):
    """/help is an ephemeral embed naming the ways in and the commands."""
    handle = await stage.mia.slash("help", stage.tracks)
    answer = await handle.wait_for_original(timeout=WAIT)
    assert answer.ephemeral
    (embed,) = answer.embeds
    assert "/track" in embed["description"] and "/export" in embed["description"]
