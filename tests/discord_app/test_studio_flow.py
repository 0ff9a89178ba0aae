"""A musician's whole session in a Discord thread, on the local studio (no NemoVideo account)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.local_backend import BackendConfig, LocalBackend
from bot.studio import analysis, synth
from tests.studio.media import probe_video

pytestmark = pytest.mark.timeout(240)

#: A studio render of a whole track at 1080p takes a while on two busy cores.
RENDER_WAIT = 180.0
REPLY_WAIT = 60.0


@pytest.fixture
async def local_backend(tmp_path: Path) -> AsyncIterator[LocalBackend]:
    """The local studio as it ships (not the scripted double), without stream delays.

    numba's JIT is paid here, as ``beatthread local-backend`` pays it at start, not inside
    the first reply's wait.
    """
    await asyncio.to_thread(analysis.warm_up)
    config = BackendConfig(event_delay=0.0, heartbeat_interval=0.5)
    async with LocalBackend(config, media_dir=tmp_path / "studio") as backend:
        yield backend


async def test_a_track_becomes_a_vertical_video_with_its_title_in_the_thread(stage, tmp_path):
    """Drop a WAV, ask in words, /export: the thread gets the video itself (9:16, whole track)."""
    track = tmp_path / "Urban Dreams.wav"
    synth.write_track(track, synth.DEMO)
    _, thread = await stage.drop_track(name=track.name, data=track.read_bytes())
    await stage.ready_in(thread)
    asks = {
        "sync visuals to the beat": "cuts",
        "add the title Urban Dreams": "Urban Dreams",
        "make it vertical": "1080x1920",
    }
    for ask, said in asks.items():
        seen = {m.id for m in stage.bot_messages(thread)}
        await stage.mia.post(thread, ask)
        # The reply's whole text, so the turn is over before the next message or the export.
        await stage.emulator.wait_for_message(
            thread,
            lambda m, seen=seen, said=said: (
                m.id not in seen and "Done" in m.content and said in m.content
            ),
            timeout=REPLY_WAIT,
        )
    await stage.mia.slash("export", thread)
    post = await stage.result_post(thread, within=RENDER_WAIT)
    (attachment,) = [a for a in post.attachments if a.content_type == "video/mp4"]  # + the card
    video = tmp_path / "posted.mp4"
    video.write_bytes(attachment.read_bytes())
    info = probe_video(video)
    assert info.height * 9 == info.width * 16  # 9:16, at 1080x1920 or a smaller copy
    assert info.duration == pytest.approx(synth.DEMO.seconds, abs=0.1)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert post.mention_ids == [stage.mia.id]
    assert "127.0.0.1" not in post.content  # a loopback link would be dead for everyone else
