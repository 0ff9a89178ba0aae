"""The finished export: the MP4 attached (a smaller copy when it is over the upload limit).

The local backend's links are loopback ones, which people on Discord cannot open: the posts
here carry no link, and with nothing attached they say the video is on the bot's host.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.discord_app.render import render_nonce
from bot.local_backend import Fault
from tests.discord_app.stage import WAIT
from tests.studio.media import probe_video

MESSAGES = "/channels/{channel_id}/messages"
READY = "✅ Your video is ready"
ON_HOST = f"{READY}, but only on the bot's host"
SMALLER = f"{READY}. The attached video is a smaller copy sized for Discord."
#: An upload limit the backend's preview render (10 s, ~0.95 MB) is over, and a copy fits:
#: ``rendition_plan`` leaves its picture ~300 kbps, above the floor.
COPY_FITS = 600_000
#: An upload limit that would leave a copy of the preview below the video-bitrate floor.
NO_COPY_FITS = 50_000


async def exported_post(stage):
    """Drop a track, export it, and return the result post (its button names the render)."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    await stage.mia.slash("export", thread)
    marker = f"beatthread:export:{thread.id}:"
    return await stage.emulator.wait_for_message(
        thread, lambda m: any(i.startswith(marker) for i in m.custom_ids()), timeout=WAIT
    )


def rendered_file(stage) -> Path:
    """The one MP4 the backend rendered."""
    (video,) = (stage.backend.media_dir / "renders").rglob("*.mp4")
    return video


def uploads(stage) -> list:
    """Message creates that carried a video, with the emulator's answer to each."""
    requests = stage.emulator.recorder.requests_to("POST", MESSAGES)
    return [r for r in requests if any(f.filename.endswith(".mp4") for f in r.files)]


def videos(post) -> list:
    """The post's attached videos (the card's thumbnail is attached beside them)."""
    return [a for a in post.attachments if a.content_type == "video/mp4"]


def limit_uploads(stage, limit: int) -> None:
    """The guild takes files up to ``limit`` bytes, and the bot knows it."""
    stage.guild.upload_limit = limit
    stage.bot.app.notifier.video.upload_limit = limit


def assert_posted_once_pinging_mia(stage, post) -> None:
    """The render's one post (its nonce and marker), the one message that pings anyone."""
    assert post.content.startswith(f"<@{stage.mia.id}> {READY}")
    assert "http" not in post.content  # the backend's links are loopback: never shown
    (marker,) = [
        i for i in post.custom_ids() if i.startswith(f"beatthread:export:{post.channel_id}:")
    ]
    assert post.nonce == render_nonce(marker.rsplit(":", 1)[1])
    assert [m for m in stage.bot_messages(post.channel_id) if m.nonce == post.nonce] == [post]
    assert post.mention_ids == [stage.mia.id]
    pinged = [m for m in stage.emulator.state.messages.values() if m.mention_ids]
    assert pinged == [post]


async def test_a_video_that_fits_is_attached_as_it_is_pinging_once(stage):
    """Under the upload limit the MP4 itself is in the post, so it plays in the thread."""
    post = await exported_post(stage)
    video = rendered_file(stage)
    (attachment,) = videos(post)
    assert attachment.content_type == "video/mp4"
    assert attachment.filename == "Urban_Dreams.mp4"
    assert attachment.size == video.stat().st_size > 0
    assert attachment.read_bytes() == video.read_bytes()
    (upload,) = uploads(stage)
    assert upload.status == 200
    video_file, thumbnail = upload.files  # the MP4, then the card's thumbnail
    assert (video_file.filename, video_file.size) == ("Urban_Dreams.mp4", attachment.size)
    assert thumbnail.filename == "thumb.jpg"
    assert post.content == f"<@{stage.mia.id}> {READY} (attached)."
    assert_posted_once_pinging_mia(stage, post)


async def test_a_video_over_the_limit_is_attached_as_a_smaller_copy_that_fits(stage):
    """Over the upload limit, a copy sized for it is attached: same length, H.264 and AAC."""
    limit_uploads(stage, COPY_FITS)
    post = await exported_post(stage)
    original = rendered_file(stage)
    assert original.stat().st_size > COPY_FITS
    (attachment,) = videos(post)
    assert (attachment.filename, attachment.content_type) == ("Urban_Dreams.mp4", "video/mp4")
    assert 0 < attachment.size <= COPY_FITS
    copy, source = probe_video(attachment.path), probe_video(original)
    assert copy.duration == pytest.approx(source.duration, abs=0.1)
    assert (copy.video_codec, copy.pixel_format, copy.audio_codec) == ("h264", "yuv420p", "aac")
    (upload,) = uploads(stage)
    assert upload.status == 200
    assert post.content == f"<@{stage.mia.id}> {SMALLER}"
    assert_posted_once_pinging_mia(stage, post)


async def test_a_video_no_copy_of_which_fits_says_it_is_on_the_bots_host(stage):
    """Too long for the limit even as a copy: no upload, and a post that says where it is."""
    limit_uploads(stage, NO_COPY_FITS)
    post = await exported_post(stage)
    assert rendered_file(stage).stat().st_size > NO_COPY_FITS
    assert videos(post) == []
    assert uploads(stage) == []
    assert post.content.startswith(f"<@{stage.mia.id}> {ON_HOST}")
    assert "`LOCAL_BACKEND_PUBLIC_URL`" in post.content
    assert_posted_once_pinging_mia(stage, post)


async def test_a_video_discord_refuses_is_posted_without_it(stage):
    """Discord refuses the file (413) against the bot's belief: the same post goes out once."""
    stage.guild.upload_limit = 1024  # the bot still thinks 10 MiB: the upload is tried
    post = await exported_post(stage)
    assert rendered_file(stage).stat().st_size > stage.guild.upload_limit
    assert videos(post) == []
    (refused,) = uploads(stage)  # then the card's thumbnail alone, refused too at 1 KiB
    assert (refused.status, refused.error_code) == (413, 40005)
    assert post.content.startswith(f"<@{stage.mia.id}> {ON_HOST}")
    assert_posted_once_pinging_mia(stage, post)


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault(route="media", http_status=500), id="server-error"),
        pytest.param(Fault(route="media", http_status=404), id="not-found"),
        pytest.param(Fault(route="media", drop_after_events=0), id="connection-dropped"),
    ],
)
async def test_a_video_that_cannot_be_fetched_is_posted_without_it(stage, fault):
    """The download fails: nothing is uploaded, and the post still goes out, once."""
    stage.backend.inject(fault)
    post = await exported_post(stage)
    fetches = [r for r in stage.backend.requests if r.path.startswith("/media/renders/")]
    assert [r.method for r in fetches] == ["GET"]  # the one fetch, the one the fault hit
    assert videos(post) == []
    assert uploads(stage) == []
    assert post.content.startswith(f"<@{stage.mia.id}> {ON_HOST}")
    assert_posted_once_pinging_mia(stage, post)
