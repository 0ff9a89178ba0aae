"""Use cases against the real local backend and the real store (SQLite and PostgreSQL).

Nothing of ours is mocked: the backend is a server on a loopback port, the store a migrated
database. Only the waits are shortened (``FAST``).
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from bot.core.models import NewThread, ThreadStatus, UploadStatus
from bot.core.replies import (
    CreditsReply,
    ErrorReply,
    Notice,
    NoticeKind,
    ReplyText,
    StillWorking,
    TimelineSummary,
    WhatChanged,
)
from bot.core.usecases import Conversation, UseCases
from bot.local_backend import Fault
from tests.core.usecases_support import (
    FAST,
    collect,
    file_attachment,
    new_thread,
    of_type,
    reply_text,
    tone_attachment,
    total_turns,
)

pytestmark = pytest.mark.timeout(30)

_thread_ids = itertools.count(1)


async def thread_of(use_cases: UseCases, conversation: Conversation):
    async with use_cases.deps.store.transaction() as tx:
        return await tx.threads.get(conversation.thread_id)


async def upload_track(use_cases, conversation, tmp_path) -> list[object]:
    return await collect(use_cases.upload(conversation, tone_attachment(tmp_path)))


# -- conversations and uploads ------------------------------------------------------------


async def test_start_records_the_thread_with_a_session(use_cases, conversation, local_backend):
    """A new conversation is recorded with its backend session in the conversation's language."""
    thread = await thread_of(use_cases, conversation)
    assert thread.status is ThreadStatus.ACTIVE
    assert thread.session_id in local_backend.sessions
    assert local_backend.sessions[thread.session_id].language == "en"


async def test_start_survives_a_backend_outage(use_cases, local_backend):
    """The thread is kept when the backend is down; the session is created on first use."""
    local_backend.inject(Fault(route="create_session", http_status=503, times=10))
    conversation = await use_cases.start_conversation(
        new_thread(next(_thread_ids), owner_user_id=7, language="zh-CN")
    )
    assert (await thread_of(use_cases, conversation)).status is ThreadStatus.SESSION_LOST
    local_backend.clear_faults()
    events = await collect(use_cases.state(conversation))
    assert of_type(events, TimelineSummary)[0].text.startswith("时间线")
    assert (await thread_of(use_cases, conversation)).status is ThreadStatus.ACTIVE


async def test_a_conversation_needs_a_language(use_cases):
    """Replies are written in the conversation's language: a thread without one is refused."""
    thread = NewThread(
        thread_id=next(_thread_ids), guild_id=0, parent_channel_id=0, owner_user_id=7
    )
    with pytest.raises(ValueError, match="language"):
        await use_cases.start_conversation(thread)
    async with use_cases.deps.store.transaction() as tx:
        assert await tx.threads.get(thread.thread_id) is None


async def test_first_track_is_uploaded_once(use_cases, conversation, local_backend, tmp_path):
    """The first audio file gets the "tell me what you want" prompt; an id is handled once."""
    attachment = tone_attachment(tmp_path)
    events = await collect(use_cases.upload(conversation, attachment))
    assert [e.kind for e in of_type(events, Notice)] == [NoticeKind.READY]
    assert await collect(use_cases.upload(conversation, attachment)) == []
    uploads = [r for r in local_backend.requests if r.path.startswith("/api/upload-video")]
    assert len(uploads) == 1
    async with use_cases.deps.store.transaction() as tx:
        upload = await tx.uploads.get(conversation.thread_id, attachment.attachment_id)
        assert upload.status is UploadStatus.UPLOADED


async def test_same_attachment_in_a_second_thread_reaches_its_session_too(
    use_cases, conversation, local_backend, tmp_path
):
    """An attachment is handled once per thread: another thread's session gets it as well."""
    attachment = tone_attachment(tmp_path)
    await collect(use_cases.upload(conversation, attachment))
    other = await use_cases.start_conversation(
        new_thread(next(_thread_ids), owner_user_id=7, language="en")
    )
    events = await collect(use_cases.upload(other, attachment))
    assert [e.kind for e in of_type(events, Notice)] == [NoticeKind.READY]
    threads = [await thread_of(use_cases, c) for c in (conversation, other)]
    assert threads[0].session_id != threads[1].session_id
    for thread in threads:
        assert [m.filename for m in local_backend.sessions[thread.session_id].media] == ["beat.wav"]


async def test_starting_a_known_thread_again_keeps_its_session_and_tracks(
    use_cases, conversation, local_backend, tmp_path
):
    """A second start on a recorded thread returns it: same session, its timeline intact."""
    await upload_track(use_cases, conversation, tmp_path)
    before = await thread_of(use_cases, conversation)
    again = await use_cases.start_conversation(
        new_thread(conversation.thread_id, owner_user_id=8, language="zh-CN")
    )
    after = await thread_of(use_cases, again)
    assert (again.thread_id, again.owner_id, again.language) == (conversation.thread_id, 7, "en")
    assert after.session_id == before.session_id
    assert [m.filename for m in local_backend.sessions[after.session_id].media] == ["beat.wav"]
    events = await collect(use_cases.state(again))
    assert of_type(events, TimelineSummary)[0].text.startswith("Timeline (1 track")


async def test_spoofed_file_never_reaches_the_backend(
    use_cases, conversation, local_backend, tmp_path
):
    """Our own checks run first: a text file named .wav is refused with the accepted list."""
    fake = tmp_path / "song.wav"
    fake.write_text("definitely not audio " * 10)
    events = await collect(use_cases.upload(conversation, file_attachment(fake)))
    (error,) = of_type(events, ErrorReply)
    assert "song.wav" in error.text and "MP3" in error.text
    assert not any(r.path.startswith("/api/upload-video") for r in local_backend.requests)


async def test_upload_5xx_is_explained_and_recorded(
    use_cases, conversation, local_backend, tmp_path
):
    """A server error on upload is not retried blindly; the user is asked to try again."""
    local_backend.inject(Fault(route="upload", http_status=502))
    attachment = tone_attachment(tmp_path, "mix.wav")
    events = await collect(use_cases.upload(conversation, attachment))
    (error,) = of_type(events, ErrorReply)
    assert "mix.wav" in error.text and "try again" in error.text
    async with use_cases.deps.store.transaction() as tx:
        upload = await tx.uploads.get(conversation.thread_id, attachment.attachment_id)
        assert upload.status is UploadStatus.FAILED


# -- chat turns ---------------------------------------------------------------------------


async def test_text_turn_streams_translated_text(use_cases, conversation, local_backend, tmp_path):
    """Reply text streams in pieces, GUI phrases are rewritten, tool calls never show."""
    await upload_track(use_cases, conversation, tmp_path)
    events = await collect(use_cases.chat(conversation, "sync visuals to the beat"))
    pieces = of_type(events, ReplyText)
    assert len(pieces) >= 2 and pieces[-1].done
    shown = reply_text(events)
    assert shown == "".join(piece.delta for piece in pieces)
    assert "synced" in shown and "edit_multitrack" not in shown
    assert "click Export" not in shown and '"export"' in shown
    assert not of_type(events, WhatChanged)
    assert total_turns(local_backend) == 1


async def test_still_working_while_the_agent_is_busy(use_cases, conversation, local_backend):
    """Heartbeats without text for an interval give a "Still working" notice (not a sleep)."""
    local_backend.config.work_seconds = 0.4
    fast = UseCases(
        use_cases.deps.backend,
        use_cases.deps.store,
        timings=dataclasses.replace(FAST, still_working_every=0.1),
    )
    events = await collect(fast.chat(conversation, "generate a clip of a neon city"))
    kinds = [type(event) for event in events]
    assert StillWorking in kinds
    first_text = kinds.index(ReplyText)
    assert StillWorking in kinds[first_text:]  # it repeats while the tool runs after the text


async def test_silent_turn_reports_what_changed(use_cases, conversation, local_backend, tmp_path):
    """A turn that ends without text is answered with the timeline diff."""
    await upload_track(use_cases, conversation, tmp_path)
    local_backend.config.silent_turns = "always"
    events = await collect(use_cases.chat(conversation, 'add a title "Neon Nights"'))
    assert not of_type(events, ReplyText)
    (changed,) = of_type(events, WhatChanged)
    assert any("Neon Nights" in line for line in changed.changes)
    again = await collect(use_cases.chat(conversation, "make the music quieter"))
    (second,) = of_type(again, WhatChanged)
    assert second.changes and not any("Neon Nights" in line for line in second.changes)


async def test_silent_turn_without_change_says_so(use_cases, conversation, local_backend):
    """Nothing changed is said plainly rather than left unanswered."""
    local_backend.config.silent_turns = "always"
    events = await collect(use_cases.chat(conversation, "mute the music"))
    (changed,) = of_type(events, WhatChanged)
    assert changed.changes == () and "nothing visible changed" in changed.text


async def test_in_band_error_is_friendly(use_cases, conversation, local_backend):
    """An agent error inside the stream becomes a kind message; its text is never shown."""
    local_backend.inject(Fault(route="run_sse", in_band_error="Traceback: KeyError 'sg'"))
    events = await collect(use_cases.chat(conversation, "sync visuals to the beat"))
    (error,) = of_type(events, ErrorReply)
    assert error.error == "AgentFailedError"
    assert "KeyError" not in error.text and "try again" in error.text


async def test_dropped_stream_is_never_resent(use_cases, conversation, local_backend, tmp_path):
    """A cut stream is followed by state checks, the change is reported, nothing is re-sent."""
    await upload_track(use_cases, conversation, tmp_path)
    local_backend.inject(Fault(route="run_sse", drop_after_events=1))
    events = await collect(use_cases.chat(conversation, 'add a title "After the Drop"'))
    notices = [e.kind for e in of_type(events, Notice)]
    assert notices == [NoticeKind.STREAM_DROPPED, NoticeKind.STREAM_RECOVERED]
    (changed,) = of_type(events, WhatChanged)
    assert any("After the Drop" in line for line in changed.changes)
    assert total_turns(local_backend) == 1


async def test_dropped_stream_without_change_is_reported(use_cases, conversation, local_backend):
    """After five unchanged checks the user is told it could not be confirmed (and may retry)."""
    local_backend.inject(Fault(route="run_sse", drop_after_events=1))
    events = await collect(use_cases.chat(conversation, "what can you do?"))
    (error,) = of_type(events, ErrorReply)
    assert "couldn't confirm" in error.text
    state_checks = [r for r in local_backend.requests if "/api/state/" in r.path]
    assert len(state_checks) == len(FAST.recovery_waits)
    assert total_turns(local_backend) == 1


async def test_lost_session_is_replaced_and_track_reuploaded(
    use_cases, conversation, local_backend, tmp_path
):
    """1002: new session, the user is told, the track goes up again, the message is sent once."""
    await upload_track(use_cases, conversation, tmp_path)
    old = (await thread_of(use_cases, conversation)).session_id
    local_backend.drop_session(old)
    events = await collect(use_cases.chat(conversation, "sync visuals to the beat"))
    (restarted,) = of_type(events, Notice)
    assert restarted.kind is NoticeKind.SESSION_RESTARTED
    assert "timeline is gone" in restarted.text and "re-uploaded your track" in restarted.text
    assert reply_text(events)
    new = (await thread_of(use_cases, conversation)).session_id
    assert new != old
    assert local_backend.turns_received(new) == 1 and total_turns(local_backend) == 1
    assert any(track.get("tt") == 1 for track in local_backend.draft(new)["t"])


async def test_out_of_credits_links_registration(use_cases, conversation, local_backend):
    """2001 for an anonymous account: the register link that binds it."""
    local_backend.set_credits(0)
    events = await collect(use_cases.chat(conversation, "generate a clip"))
    (error,) = of_type(events, ErrorReply)
    assert "register?bind=anon_" in error.text


async def test_rate_limit_after_the_one_retry(use_cases, conversation, local_backend):
    """429 twice: one wait-and-retry, then a clear message; the message was never processed."""
    local_backend.inject(Fault(route="run_sse", http_status=429, times=2))
    events = await collect(use_cases.chat(conversation, "hello"))
    (error,) = of_type(events, ErrorReply)
    assert "rate limit" in error.text
    assert total_turns(local_backend) == 0


async def test_expired_token_mid_session(use_cases, conversation, local_backend):
    """1001 mid-session: a new token, the turn goes through once."""
    local_backend.expire_tokens()
    events = await collect(use_cases.chat(conversation, "hello"))
    assert reply_text(events) and not of_type(events, ErrorReply)
    assert total_turns(local_backend) == 1


# -- credits and state --------------------------------------------------------------------


async def test_credits_show_balance_and_register_link(use_cases, conversation):
    """The balance, with the register link because the account is anonymous."""
    (reply,) = await collect(use_cases.credits(conversation))
    assert isinstance(reply, CreditsReply)
    assert reply.available == 100 and "100 available" in reply.text
    assert reply.register_url and reply.register_url in reply.text


async def test_state_summarises_the_timeline(use_cases, conversation, tmp_path):
    """/status shows one line per track."""
    await upload_track(use_cases, conversation, tmp_path)
    (summary,) = await collect(use_cases.state(conversation))
    assert isinstance(summary, TimelineSummary)
    assert summary.text.startswith("Timeline (1 track):") and "BGM: beat" in summary.text
    assert summary.exportable
