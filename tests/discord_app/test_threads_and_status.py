"""One thread per message, one session per thread, one edit per change of a status message."""

from __future__ import annotations

import itertools

from bot.discord_app.limiter import MessageBudget
from tests.discord_app.stage import WAIT, Stage, mp3_bytes
from tests.discord_emulator import Channel

MENU = "Make music video"
STATUS_EDIT = "PATCH /channels/{channel_id}/messages/{message_id}"
STATUS_POST = "POST /channels/{channel_id}/messages"


def threads_under(stage: Stage, channel: Channel) -> list[int]:
    return [c.id for c in stage.emulator.state.channels.values() if c.parent_id == channel.id]


async def session_of(stage: Stage, thread: Channel) -> str | None:
    async with stage.bot.app.use_cases.deps.store.transaction() as tx:
        record = await tx.threads.get(thread.id)
    return None if record is None else record.session_id


def media_of(stage: Stage, session_id: str | None) -> list[str]:
    assert session_id is not None
    return [m.filename for m in stage.backend.sessions[session_id].media]


def points_to(thread: Channel):
    return lambda m: (
        m.content.startswith("🎵 This message already has a thread")
        and (f"<#{thread.id}>" in m.content)
    )


async def test_menu_on_a_message_with_a_beatthread_thread_points_to_it(stage):
    """The menu on a track post that has its thread opens nothing new: it links that thread."""
    posted, thread = await stage.drop_track()
    await stage.ready_in(thread)
    shown = len(stage.bot_messages(thread))
    menu = await stage.mia.context_menu(MENU, posted)
    reply = await menu.wait_for_original(timeout=WAIT)
    assert points_to(thread)(reply), reply.content
    assert reply.ephemeral and reply.mention_ids == []
    assert threads_under(stage, stage.tracks) == [thread.id]
    assert stage.emulator.recorder.requests_to("POST", "/channels/{channel_id}/threads") == []
    assert len(stage.backend.sessions) == 1
    assert media_of(stage, await session_of(stage, thread)) == ["Urban Dreams.mp3"]
    assert len(stage.bot_messages(thread)) == shown


async def test_thread_opened_meanwhile_160004_points_to_that_thread(stage):
    """Discord answers 160004 (someone opened a thread first): the track goes there, linked."""
    general = stage.emulator.add_text_channel(stage.guild, "general")
    lena = stage.emulator.add_user("lena")
    posted = await stage.mia.post(general, "", files=[("Night Drive.mp3", mp3_bytes())])
    stage.emulator.thread_holds.arm("before_store", lambda data: True)
    menu = await stage.mia.context_menu(MENU, posted)
    (held,) = await stage.emulator.wait_until(stage.emulator.thread_holds.waiting, timeout=WAIT)
    theirs = await lena.create_thread(general, "about this one", message=posted)
    held.release()
    reply = await menu.wait_for_original(timeout=WAIT)
    assert points_to(theirs)(reply), reply.content
    assert reply.ephemeral
    refused = [r for r in stage.emulator.recorder.requests if r.error_code == 160004]
    assert len(refused) == 1
    assert threads_under(stage, general) == [theirs.id]
    await stage.ready_in(theirs)
    assert media_of(stage, await session_of(stage, theirs)) == ["Night Drive.mp3"]


async def test_same_attachment_in_a_second_thread_reaches_both_sessions(stage):
    """A file posted in one thread, then given its own thread by the menu, is in both."""
    _, first = await stage.drop_track()
    await stage.ready_in(first)
    inside = await stage.mia.post(first, "", files=[("Second Song.mp3", mp3_bytes())])
    await stage.emulator.wait_for_message(
        first, lambda m: "Added **Second Song.mp3**" in m.content, timeout=WAIT
    )
    menu = await stage.mia.context_menu(MENU, inside)
    opened = await menu.wait_for_original(timeout=WAIT)
    assert opened.content.startswith("🎵 Opened <#"), opened.content
    second = await stage.emulator.wait_for_thread(
        stage.tracks, lambda t: t.name == "Second Song", timeout=WAIT
    )
    ready = await stage.ready_in(second)
    assert "Second Song.mp3" in ready.content
    assert media_of(stage, await session_of(stage, first)) == [
        "Urban Dreams.mp3",
        "Second Song.mp3",
    ]
    assert media_of(stage, await session_of(stage, second)) == ["Second Song.mp3"]


async def test_two_ways_in_racing_for_one_thread_keep_one_session_and_its_track(stage):
    """The second start on a thread keeps its session: the timeline still has the track."""
    general = stage.emulator.add_text_channel(stage.guild, "general")
    lena = stage.emulator.add_user("lena")
    posted = await stage.mia.post(general, "", files=[("Racing.mp3", mp3_bytes())])
    # Mia's thread is made, but the answer waits: Lena's menu finds it and starts it first.
    stage.emulator.thread_holds.arm("after_store", lambda data: True)
    mine = await stage.mia.context_menu(MENU, posted)
    (held,) = await stage.emulator.wait_until(stage.emulator.thread_holds.waiting, timeout=WAIT)
    thread = stage.emulator.state.channel(posted.id)
    theirs = await lena.context_menu(MENU, posted)
    assert points_to(thread)(await theirs.wait_for_original(timeout=WAIT))
    await stage.ready_in(thread)
    session = await session_of(stage, thread)
    held.release()
    opened = await mine.wait_for_original(timeout=WAIT)
    assert opened.content.startswith(f"🎵 Opened <#{thread.id}>"), opened.content
    status = await stage.mia.slash("status", thread)
    timeline = await status.wait_for_original(timeout=WAIT)
    assert timeline.content.startswith("Timeline (1 track)"), timeline.content
    assert await session_of(stage, thread) == session
    assert list(stage.backend.sessions) == [session]
    assert media_of(stage, session) == ["Racing.mp3"]


async def test_status_message_is_edited_only_when_what_it_shows_changes(stage):
    """While a render waits (no progress), its status message gets no identical edits."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    # Edits as fast as the polls come, so every unchanged poll could become an edit.
    stage.bot.app.limiter.budget = MessageBudget(per_message=0.01)
    stage.backend.config.render_seconds = 3.0  # pending (progress 0) for the first 0.3 s
    await stage.mia.slash("export", thread)
    result = await stage.result_post(thread, within=3 * WAIT)
    marker = f"beatthread:export:{thread.id}:"
    (render_id,) = [i.removeprefix(marker) for i in result.custom_ids() if i.startswith(marker)]
    async with stage.bot.app.use_cases.deps.store.transaction() as tx:
        status_id = (await tx.exports.get(render_id)).status_message_id
    status = stage.emulator.state.messages[status_id]
    await stage.emulator.wait_until(lambda: "Your video is ready" in status.content)
    recorder = stage.emulator.recorder
    (first,) = [
        r
        for r in recorder.requests
        if r.key == STATUS_POST
        and isinstance(r.response, dict)
        and r.response.get("id") == str(status_id)
    ]
    edits = [
        r
        for r in recorder.requests
        if r.key == STATUS_EDIT and r.path.endswith(f"/{status_id}") and r.status == 200
    ]
    shown = [(first.json["content"], first.json.get("components"))]
    shown += [(r.json.get("content"), r.json.get("components")) for r in edits]
    polls = [r for r in stage.backend.requests if r.path == f"/api/render/proxy/lambda/{render_id}"]
    assert len(polls) > 3 and len(edits) >= 2
    repeats = [a for a, b in itertools.pairwise(shown) if a == b]
    assert repeats == []
