# ruff: noqa: RUF001 - Chinese replies use full-width punctuation on purpose.
"""Tracks in: a post in a watched channel, /track, the "Make music video" menu, refusals."""

from __future__ import annotations

from dataclasses import replace

from bot.local_backend import Fault
from tests.discord_app.stage import FAST_TIMINGS, WAIT, mp3_bytes


async def test_mp3_dropped_in_watched_channel_opens_thread_uploads_and_says_ready(stage):
    """A posted MP3 gets a thread named after it, lands in the backend, and "Ready" follows."""
    posted, thread = await stage.drop_track(name="Urban_Dreams.mp3")
    assert thread.name == "Urban Dreams"
    ready = await stage.ready_in(thread)
    assert "Urban_Dreams.mp3" in ready.content
    assert "/export" in ready.content
    assert ready.custom_ids() == [
        f"beatthread:timeline:{thread.id}",
        f"beatthread:export:{thread.id}",
    ]
    assert "🎬" in posted.reactions
    (session,) = stage.backend.sessions.values()
    assert [m.filename for m in session.media] == ["Urban_Dreams.mp3"]


async def test_track_command_and_message_menu_work_without_the_message_content_intent(
    make_stage, caplog
):
    """Without Message Content, posts are invisible, but /track and the menu still work."""
    stage = await make_stage(message_content_intent=False)
    with caplog.at_level("WARNING", logger="bot.discord_app.selfcheck"):
        await stage.start_bot()
    assert "/track and the" in caplog.text
    handle = await stage.mia.slash(
        "track", stage.tracks, options={"file": ("Beat.mp3", mp3_bytes())}
    )
    opened = await handle.wait_for_original(timeout=WAIT)
    assert opened.ephemeral and opened.content.startswith("🎵 Opened <#")
    thread = await stage.emulator.wait_for_thread(stage.tracks, lambda t: t.name == "Beat")
    await stage.ready_in(thread)

    posted = await stage.mia.post(stage.tracks, "", files=[("Second Song.mp3", mp3_bytes())])
    menu = await stage.mia.context_menu("Make music video", posted)
    await menu.wait_for_original(lambda m: m.content.startswith("🎵 Opened"), timeout=WAIT)
    under = await stage.emulator.wait_for_thread(stage.tracks, lambda t: t.id == posted.id)
    assert under.name == "Second Song"
    await stage.ready_in(under)


async def test_rejected_file_type_gets_the_accepted_formats_and_no_thread(stage):
    """A file that is not media is refused with the list of what is accepted."""
    posted = await stage.mia.post(stage.tracks, "lyrics", files=[("notes.txt", b"la la la")])
    reply = await stage.emulator.wait_for_message(
        stage.tracks, lambda m: m.message_reference is not None, timeout=WAIT
    )
    assert int(reply.message_reference["message_id"]) == posted.id
    assert "notes.txt" in reply.content and ".txt files aren't supported" in reply.content
    assert "audio MP3, WAV, M4A, AAC" in reply.content
    assert [c for c in stage.emulator.state.channels.values() if c.parent_id] == []
    assert stage.backend.sessions == {}


async def test_spoofed_file_is_refused_by_its_magic_bytes(stage):
    """A PNG renamed .mp3 is refused from its first bytes."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    await stage.mia.post(stage.tracks, "", files=[("song.mp3", png)])
    reply = await stage.emulator.wait_for_message(
        stage.tracks, lambda m: m.message_reference is not None, timeout=WAIT
    )
    assert "doesn't look like a real MP3 file" in reply.content
    assert stage.backend.sessions == {}


async def test_oversize_file_is_refused_from_its_size_alone(make_stage):
    """A file over the upload limit is refused by its size, with the limit in the reply."""
    stage = await make_stage(upload_limit=64 * 1024 * 1024)
    await stage.start_bot(timings=replace(FAST_TIMINGS, max_upload_bytes=1024 * 1024))
    big = stage.emulator.make_file("Long Mix.wav", 2 * 1024 * 1024, header=b"RIFF")
    await stage.mia.post(stage.tracks, "", files=[("Long Mix.wav", big)])
    reply = await stage.emulator.wait_for_message(
        stage.tracks, lambda m: m.message_reference is not None, timeout=WAIT
    )
    assert "too large (the limit is 1 MB)" in reply.content
    assert stage.backend.sessions == {}


async def test_chinese_locale_gets_chinese_replies_and_command_names(make_stage):
    """A zh-CN user's track thread speaks Chinese; the commands carry 中文 names."""
    stage = await make_stage()
    await stage.start_bot()
    li = stage.emulator.add_user("li", locale="zh-CN")
    handle = await li.slash("track", stage.tracks, options={"file": ("夜曲.mp3", mp3_bytes())})
    opened = await handle.wait_for_original(timeout=WAIT)
    assert opened.content.startswith("🎵 已为 **夜曲** 开启")
    thread = await stage.emulator.wait_for_thread(stage.tracks, lambda t: t.name == "夜曲")
    ready = await stage.ready_in(thread)
    assert ready.content.startswith("🎵 收到你的曲子 **夜曲.mp3**")
    assert "试试" in ready.content
    status = await li.slash("status", thread)
    timeline = await status.wait_for_original(timeout=WAIT)
    assert timeline.content.startswith("时间线（1 条轨道）")
    commands = {c.name: c.raw for c in stage.emulator.commands()}
    assert commands["export"]["name_localizations"]["zh-CN"] == "导出"
    assert commands["export"]["description_localizations"]["zh-CN"].startswith("把这个帖子")
    assert commands["Make music video"]["name_localizations"]["zh-CN"] == "制作音乐视频"


async def test_url_upload_first_then_streamed_when_the_backend_cannot_fetch_the_url(stage):
    """The backend is offered the CDN URL; if that fails, the file is streamed instead."""
    stage.backend.inject(Fault(route="upload", http_status=502))
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    uploads = [r for r in stage.backend.requests if r.path.startswith("/api/upload-video/")]
    kinds = [r.headers.get("Content-Type", "").split(";")[0] for r in uploads]
    assert kinds == ["application/json", "multipart/form-data"]
    (session,) = stage.backend.sessions.values()
    assert [m.filename for m in session.media] == ["Urban Dreams.mp3"]
