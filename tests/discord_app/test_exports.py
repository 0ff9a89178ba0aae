"""/export: one status message edited in place, the video posted with one ping, Cancel, Retry."""

from __future__ import annotations

import asyncio

from bot.core.models import ExportStatus
from bot.discord_app.render import render_nonce
from tests.discord_app.stage import WAIT

RENDER_SUBMIT = "/api/render/proxy/lambda"


def submits(stage) -> int:
    return sum(1 for r in stage.backend.requests if r.method == "POST" and r.path == RENDER_SUBMIT)


async def status_message(stage, thread):
    return await stage.emulator.wait_for_message(
        thread,
        lambda m: any(i.startswith("beatthread:cancel:") for i in m.custom_ids()),
        timeout=WAIT,
    )


def is_result_post(thread):
    """A finished video's post: its Export button names the render (``export_marker``)."""
    return lambda m: any(i.startswith(f"beatthread:export:{thread.id}:") for i in m.custom_ids())


def render_id_of(post, thread) -> str:
    """The render a result post names (its marker, among the card's buttons)."""
    marker = f"beatthread:export:{thread.id}:"
    (render_id,) = [i.removeprefix(marker) for i in post.custom_ids() if i.startswith(marker)]
    return render_id


async def result_post(stage, thread):
    return await stage.emulator.wait_for_message(thread, is_result_post(thread), timeout=WAIT)


async def idle(stage, thread) -> None:
    """Wait until the thread's queue and the export poller are done (the bot's own signals)."""
    runner = await stage.bot.app.hub.get(thread.id)
    await asyncio.wait_for(runner.join(), WAIT)
    await asyncio.wait_for(stage.bot.exports.settle(), WAIT)


async def test_export_edits_one_status_message_then_posts_video_pinging_only_requester(stage):
    """/export: deferred and confirmed, a status edited in place, the MP4 with one ping."""
    lena = stage.emulator.add_user("lena")
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    await lena.post(thread, "love this track")
    stage.backend.config.render_seconds = 1.5  # long enough to report progress
    handle = await stage.mia.slash("export", thread, options={"resolution": "720p"})
    confirmation = await handle.wait_for_original(timeout=WAIT)
    assert confirmation.ephemeral
    assert confirmation.content.startswith("🎬 Export requested: MP4 · 720p")
    status = await status_message(stage, thread)
    assert "Rendering your video" in status.content and "<t:" in status.content
    link = await result_post(stage, thread)
    # The backend's links are loopback ones: the attached MP4 is the delivery.
    assert link.content == f"<@{stage.mia.id}> ✅ Your video is ready (attached)."
    assert [a.content_type for a in link.attachments] == ["video/mp4", "image/jpeg"]  # the card
    assert link.mention_ids == [stage.mia.id]
    job_id = render_id_of(link, thread)
    assert link.nonce == render_nonce(job_id)
    await stage.emulator.wait_until(lambda: "Your video is ready" in status.content)
    assert status.edits and status.components == []
    pinged = [m for m in stage.emulator.state.messages.values() if m.mention_ids]
    assert pinged == [link]
    assert stage.emulator.recorder.rate_limit_hits == []
    await idle(stage, thread)
    async with stage.bot.app.use_cases.deps.store.transaction() as tx:
        job = await tx.exports.get(job_id)
    assert job.status is ExportStatus.POSTED
    assert job.posted_message_id == link.id and job.status_message_id == status.id


async def test_cancel_stops_the_render_and_never_renders_again(stage):
    """Cancel: the status says who cancelled, the backend stops, no re-render, no link."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    stage.backend.config.render_seconds = 30.0
    await stage.mia.slash("export", thread)
    status = await status_message(stage, thread)
    (cancel,) = status.custom_ids()
    click = await stage.mia.click(status, cancel)
    await click.wait_for_response(timeout=WAIT)
    await stage.emulator.wait_until(lambda: "Export cancelled" in status.content, timeout=WAIT)
    assert "mia" in status.content
    assert status.custom_ids() == [f"beatthread:export:{thread.id}"]
    await idle(stage, thread)
    assert submits(stage) == 1
    assert not [m for m in stage.bot_messages(thread) if is_result_post(thread)(m)]


async def test_non_owner_pressing_cancel_is_refused_politely(stage):
    """Only the thread owner (or Manage Threads) may cancel; others get an ephemeral no."""
    lena = stage.emulator.add_user("lena")
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    stage.backend.config.render_seconds = 30.0
    await stage.mia.slash("export", thread)
    status = await status_message(stage, thread)
    (cancel,) = status.custom_ids()
    click = await lena.click(status, cancel)
    refusal = await click.wait_for_followup(timeout=WAIT)
    assert refusal.ephemeral
    assert refusal.content.startswith("Only the person who started this thread")
    assert "Export cancelled" not in status.content
    assert status.custom_ids() == [cancel]


async def test_failed_render_says_no_credits_spent_and_retry_exports_again(stage):
    """A render that fails twice is reported (free, nothing spent); Retry renders anew."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    stage.backend.config.render_failures = 2  # the first render and its one automatic retry
    await stage.mia.slash("export", thread)
    status = await status_message(stage, thread)
    await stage.emulator.wait_until(lambda: "The render failed" in status.content, timeout=WAIT)
    assert "no credits were spent" in status.content
    retry = f"beatthread:retry:{thread.id}"
    assert retry in status.custom_ids()
    assert submits(stage) == 2
    click = await stage.mia.click(status, retry)
    confirmation = await click.wait_for_original(timeout=WAIT)
    assert confirmation.content.startswith("🎬 Export requested")
    await result_post(stage, thread)
    assert submits(stage) == 3


async def test_export_cap_per_user(make_stage):
    """Over MAX_EXPORTS_PER_USER, /export explains instead of rendering."""
    stage = await make_stage()
    await stage.start_bot(max_exports_per_user=1)
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    stage.backend.config.render_seconds = 30.0
    await stage.mia.slash("export", thread)
    await status_message(stage, thread)
    second = await stage.mia.slash("export", thread)
    refusal = await second.wait_for_original(timeout=WAIT)
    assert refusal.content.startswith("⏳ You already have 1 exports rendering")
    assert submits(stage) == 1


async def test_buttons_work_after_the_bot_restarts(stage):
    """Persistent buttons: a new bot process on the same database handles old messages."""
    _, thread = await stage.drop_track()
    ready = await stage.ready_in(thread)
    stage.backend.config.render_seconds = 30.0
    await stage.mia.slash("export", thread)
    status = await status_message(stage, thread)
    await stage.stop_bot()
    await stage.start_bot()
    shown = await stage.mia.click(ready, f"beatthread:timeline:{thread.id}")
    timeline = await shown.wait_for_original(timeout=WAIT)
    assert timeline.ephemeral and "Timeline (1 track)" in timeline.content
    (cancel,) = status.custom_ids()
    click = await stage.mia.click(status, cancel)
    await click.wait_for_response(timeout=WAIT)
    await stage.emulator.wait_until(lambda: "Export cancelled" in status.content, timeout=WAIT)


async def test_track_to_posted_video_on_sqlite_and_postgresql(make_stage, migrated_database_url):
    """The whole path, post → thread → /export → video, on both supported databases."""
    stage = await make_stage(database_url=migrated_database_url)
    await stage.start_bot()
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    await stage.mia.slash("export", thread)
    link = await result_post(stage, thread)
    assert link.mention_ids == [stage.mia.id]
    await idle(stage, thread)
    async with stage.bot.app.use_cases.deps.store.transaction() as tx:
        job_id = render_id_of(link, thread)
        assert (await tx.exports.get(job_id)).status is ExportStatus.POSTED
