"""The finished export: the MP4 attached when it fits, the link post whenever it cannot be."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.local_backend import Fault
from tests.discord_app.stage import WAIT

MESSAGES = "/channels/{channel_id}/messages"
VIDEO_URL = re.compile(r"http://\S+/media/renders/([\w.-]+\.mp4)")


async def exported_post(stage):
    """Drop a track, export it, and return the result post (the one with the video link)."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    await stage.mia.slash("export", thread)
    return await stage.emulator.wait_for_message(
        thread, lambda m: "/media/renders/" in m.content, timeout=WAIT
    )


def rendered_file(stage, post) -> Path:
    """The MP4 the backend rendered, as the post's link names it."""
    match = VIDEO_URL.search(post.content)
    assert match is not None, post.content
    return stage.backend.media_dir / "renders" / match.group(1)


def uploads(stage) -> list:
    """Message creates that carried a file, with the emulator's answer to each."""
    return [r for r in stage.emulator.recorder.requests_to("POST", MESSAGES) if r.files]


def assert_one_ping_for_mia(stage, post) -> None:
    assert post.content.startswith(f"<@{stage.mia.id}> ✅ Your video is ready: http")
    assert "Open the project: http" in post.content
    assert post.mention_ids == [stage.mia.id]
    pinged = [m for m in stage.emulator.state.messages.values() if m.mention_ids]
    assert pinged == [post]


async def test_a_video_that_fits_is_attached_beside_the_links_pinging_once(stage):
    """Under the upload limit the MP4 itself is in the post, so it plays in the thread."""
    post = await exported_post(stage)
    video = rendered_file(stage, post)
    (attachment,) = post.attachments
    assert attachment.content_type == "video/mp4"
    assert attachment.filename == "Urban_Dreams.mp4"
    assert attachment.size == video.stat().st_size > 0
    assert attachment.read_bytes() == video.read_bytes()
    (upload,) = uploads(stage)
    assert upload.status == 200
    assert [(f.filename, f.size) for f in upload.files] == [("Urban_Dreams.mp4", attachment.size)]
    assert_one_ping_for_mia(stage, post)


async def test_a_video_over_the_guilds_upload_limit_is_posted_as_the_link(stage):
    """Discord refuses the file (413): the same post goes out with the link, once."""
    stage.guild.upload_limit = 1024  # far below any rendered MP4
    post = await exported_post(stage)
    assert rendered_file(stage, post).stat().st_size > stage.guild.upload_limit
    assert post.attachments == []
    (refused,) = uploads(stage)
    assert (refused.status, refused.error_code) == (413, 40005)
    same_render = [m for m in stage.bot_messages(post.channel_id) if m.nonce == post.nonce]
    assert same_render == [post]
    assert_one_ping_for_mia(stage, post)


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault(route="media", http_status=500), id="server-error"),
        pytest.param(Fault(route="media", http_status=404), id="not-found"),
        pytest.param(Fault(route="media", drop_after_events=0), id="connection-dropped"),
    ],
)
async def test_a_video_that_cannot_be_fetched_is_posted_as_the_link(stage, fault):
    """The download fails: nothing is uploaded, and the link post goes out as before."""
    stage.backend.inject(fault)
    post = await exported_post(stage)
    fetches = [r for r in stage.backend.requests if r.path.startswith("/media/renders/")]
    assert [r.method for r in fetches] == ["GET"]  # the one fetch, the one the fault hit
    assert post.attachments == []
    assert uploads(stage) == []
    assert_one_ping_for_mia(stage, post)
