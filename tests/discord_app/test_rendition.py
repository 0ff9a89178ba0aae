"""A copy of a video sized to an upload limit: judged by decoding the copy ffmpeg wrote."""

from __future__ import annotations

import pytest

from bot.discord_app.rendition import make_rendition
from tests.discord_app.media_support import make_video
from tests.studio.media import probe_video

SECONDS = 2.0


@pytest.mark.parametrize(
    ("size", "limit", "width", "height"),
    [
        # 600 kB over 2 s leave the picture ~1.35 Mbps: 720p, the width following 16:9.
        pytest.param("1920x1080", 600_000, 1280, 720, id="1080p-to-720p"),
        # 200 kB leave ~415 kbps: 480p; 853.3 px wide rounds to an even 854.
        pytest.param("1280x720", 200_000, 854, 480, id="720p-to-480p"),
        # A portrait video: its width is the short side that the height ladder sets.
        pytest.param("720x1280", 200_000, 480, 854, id="portrait-to-480"),
        # Never scaled up: a 360p source stays 360p however much room there is.
        pytest.param("640x360", 600_000, 640, 360, id="small-source"),
    ],
)
async def test_a_copy_fits_the_limit_at_the_planned_size(tmp_path, size, limit, width, height):
    """Same length, H.264 yuv420p + AAC, within the limit, the aspect ratio kept."""
    source = await make_video(tmp_path / "source.mp4", size=size, seconds=SECONDS, bitrate="8M")
    assert source.stat().st_size > limit
    copy = await make_rendition(source, tmp_path / "copy.mp4", limit)
    assert copy == tmp_path / "copy.mp4"
    assert 0 < copy.stat().st_size <= limit
    decoded = probe_video(copy)
    assert decoded.duration == pytest.approx(SECONDS, abs=0.1)
    assert (decoded.video_codec, decoded.pixel_format, decoded.audio_codec) == (
        "h264",
        "yuv420p",
        "aac",
    )
    assert (decoded.width, decoded.height) == (width, height)


async def test_no_copy_when_the_picture_would_fall_below_the_floor(tmp_path):
    """Too little room for the length: no file, and the caller posts without one."""
    source = await make_video(
        tmp_path / "source.mp4", size="640x360", seconds=SECONDS, bitrate="2M"
    )
    assert await make_rendition(source, tmp_path / "copy.mp4", 60_000) is None
    assert not (tmp_path / "copy.mp4").exists()


async def test_a_source_ffmpeg_cannot_read_gives_no_copy(tmp_path):
    """A broken download is not an error for the post: there is just no copy."""
    source = tmp_path / "source.mp4"
    source.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(1000))
    assert await make_rendition(source, tmp_path / "copy.mp4", 1_000_000) is None


async def test_a_copy_out_of_time_is_abandoned(tmp_path):
    """The time limit bounds the work: past it, there is no copy (and no ffmpeg left over)."""
    source = await make_video(
        tmp_path / "source.mp4", size="640x360", seconds=SECONDS, bitrate="2M"
    )
    assert await make_rendition(source, tmp_path / "copy.mp4", 300_000, time_limit=0) is None
    assert not (tmp_path / "copy.mp4").exists()
