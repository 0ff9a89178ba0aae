"""Talking in a track thread: streamed replies, silent edits, queues and bursts, 1002, 2001."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from bot.core.gui import strip_trailing_noise, translate_gui
from bot.local_backend.agent import classify
from tests.discord_app.stage import FAST_TIMINGS, WAIT

# The local backend's first chat reply of a session (bot/local_backend/agent.py).
FIRST_CHAT_REPLY = (
    "Happy to help with your music video! I can sync the visuals to the beat, add a title, "
    "change the music volume, trim the length or add colour effects. "
    "Tell me what you would like, or open the Effects panel and drag a style onto your clips."
)


async def test_chat_reply_streams_with_paced_edits_and_complete_final_text(stage):
    """A reply grows in one message, about one edit a second, no 429, and ends complete."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    stage.backend.config.event_delay = 0.25  # eight chunks over two seconds
    await stage.mia.post(thread, "hi, what can you do for me?")
    expected = strip_trailing_noise(translate_gui(FIRST_CHAT_REPLY)).strip()
    reply = await stage.emulator.wait_for_message(
        thread, lambda m: m.content.startswith("Happy to help"), timeout=WAIT
    )
    await stage.emulator.wait_until(lambda: reply.content == expected, timeout=WAIT)
    assert "Effects panel" not in reply.content  # GUI talk was translated
    assert len(reply.edits) >= 2  # it grew in place
    gaps = [
        later.at - earlier.at for earlier, later in zip(reply.edits, reply.edits[1:], strict=False)
    ]
    assert all(gap >= 0.9 for gap in gaps), gaps
    assert stage.emulator.recorder.rate_limit_hits == []
    replies = [m for m in stage.bot_messages(thread) if "Happy to help" in m.content]
    assert replies == [reply]


async def test_silent_edit_turn_says_what_changed(stage):
    """An edit the agent makes without a word is reported from the timeline diff."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    stage.backend.config.silent_turns = "always"
    await stage.mia.post(thread, "add the title Urban Dreams")
    changed = await stage.emulator.wait_for_message(
        thread, lambda m: m.content.startswith("What changed:"), timeout=WAIT
    )
    assert "Urban Dreams" in changed.content
    assert "•" in changed.content


async def test_messages_during_a_turn_are_queued_visibly_then_merged_into_one_turn(stage):
    """Two lines sent while the agent works are shown as queued, then sent as one turn."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    assert classify("generate a neon city clip") == "generate"
    work = stage.backend.hold_work(stage.session_of(thread))
    try:
        await stage.mia.post(thread, "generate a neon city clip")
        started = await stage.emulator.wait_for_message(
            thread, lambda m: m.content.startswith("Generating"), timeout=WAIT
        )
        await stage.mia.post(thread, "then make the title bigger")
        await stage.mia.post(thread, "and add a fade at the end")
        queued = await stage.emulator.wait_for_message(
            thread, lambda m: m.id > started.id and "(2 waiting)" in m.content, timeout=WAIT
        )
        assert queued.content.startswith("🕒")
    finally:
        work.set()
    await stage.emulator.wait_for_message(
        thread, lambda m: m.content.startswith("Done!"), timeout=WAIT
    )
    session = stage.session_of(thread)
    assert stage.backend.turns_received(session) == 2  # the generate turn, then one merged turn


async def test_a_line_typed_on_joins_the_turn_a_lone_line_starts_at_once(make_stage):
    """Typing after a line holds its turn for the next line; without typing it starts at once.

    "show tracks" is queued behind the chat (in order, never merged into it): its timeline
    reply says the lines before it were handled.
    """
    stage = await make_stage()
    await stage.start_bot(timings=dataclasses.replace(FAST_TIMINGS, burst_window=30.0))
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    session = stage.session_of(thread)

    async def handled_up_to_here() -> None:
        barrier = await stage.mia.post(thread, "show tracks")
        await stage.emulator.wait_for_message(
            thread, lambda m: m.id > barrier.id and "Timeline" in m.content, timeout=WAIT
        )

    await stage.mia.post(thread, "make it darker")
    await stage.mia.typing(thread)
    await asyncio.sleep(0.5)  # the musician types a long line: well past the burst grace
    await stage.mia.post(thread, "and add a title")
    await handled_up_to_here()
    assert stage.backend.turns_received(session) == 1  # one turn of both lines
    await stage.mia.post(thread, "make it brighter")  # nobody types on: no 30-s wait
    await handled_up_to_here()
    assert stage.backend.turns_received(session) == 2


async def test_queued_turn_cap_refuses_politely_and_never_sends_later(make_stage):
    """Over MAX_QUEUED_TURNS_PER_USER, a message gets a reply and is not processed."""
    stage = await make_stage()
    await stage.start_bot(max_queued_turns_per_user=1)
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    work = stage.backend.hold_work(stage.session_of(thread))
    try:
        await stage.mia.post(thread, "generate a neon city clip")
        await stage.emulator.wait_for_message(
            thread, lambda m: m.content.startswith("Generating"), timeout=WAIT
        )
        second = await stage.mia.post(thread, "make it brighter")
        await stage.emulator.wait_for_message(
            thread, lambda m: m.id > second.id and "(1 waiting)" in m.content, timeout=WAIT
        )
        over = await stage.mia.post(thread, "and add a title")
        refusal = await stage.emulator.wait_for_message(
            thread, lambda m: "messages waiting already" in m.content, timeout=WAIT
        )
        assert int(refusal.message_reference["message_id"]) == over.id
    finally:
        work.set()
    await stage.emulator.wait_for_message(
        thread, lambda m: m.content.startswith("Happy to help"), timeout=WAIT
    )
    assert stage.backend.turns_received(stage.session_of(thread)) == 2


async def test_lost_session_1002_restarts_and_reuploads_the_track(stage):
    """When NemoVideo forgets the session, the user is told and the track comes back."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    old = stage.session_of(thread)
    stage.backend.drop_session(old)
    await stage.mia.post(thread, "sync visuals to the beat")
    notice = await stage.emulator.wait_for_message(
        thread, lambda m: "session expired" in m.content, timeout=WAIT
    )
    assert "re-uploaded your track" in notice.content
    await stage.emulator.wait_for_message(
        thread, lambda m: m.content.startswith("Done!"), timeout=WAIT
    )
    new = stage.session_of(thread)
    assert new != old
    assert [m.filename for m in stage.backend.sessions[new].media] == ["Urban Dreams.mp3"]


async def test_out_of_credits_2001_points_to_registration(stage):
    """With no credits left the reply says how to get more (anonymous: the register link)."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    stage.backend.set_credits(0)
    await stage.mia.post(thread, "sync visuals to the beat")
    reply = await stage.emulator.wait_for_message(
        thread, lambda m: "out of credits" in m.content, timeout=WAIT
    )
    assert "Register" in reply.content
    assert stage.backend.url in reply.content  # the register link (web URL = local backend)


async def test_a_turn_cut_off_by_a_restart_is_reported_and_never_sent_again(stage):
    """Stopping mid-turn: the new process says so, and what the backend did; nothing re-sent."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    stage.backend.config.work_seconds = 5.0
    await stage.mia.post(thread, "generate a neon city clip")
    await stage.emulator.wait_for_message(
        thread, lambda m: m.content.startswith("Generating"), timeout=WAIT
    )
    await stage.stop_bot()
    await stage.backend.settle()  # whatever the backend does with the cut-off turn is done
    applied = "generated clip" in json.dumps(stage.backend.draft(stage.session_of(thread)))
    await stage.start_bot()
    notice = await stage.emulator.wait_for_message(
        thread, lambda m: m.content.startswith("⚠️ I restarted"), timeout=WAIT
    )
    assert "didn't send it again" in notice.content
    report = await stage.emulator.wait_for_message(thread, lambda m: m.id > notice.id, timeout=WAIT)
    if applied:
        assert report.content.startswith("What changed:") and "generated clip" in report.content
    else:
        assert report.content == "The timeline shows no change from that message."
    assert stage.backend.turns_received(stage.session_of(thread)) == 1
