"""``beatthread demo``: the README's first command works with no accounts and no set-up."""

from __future__ import annotations

import wave

import pytest

from bot.demo import TONE_SECONDS, write_tone
from tests.console_support import ConsoleProcess, console_env

pytestmark = pytest.mark.timeout(60)


async def test_demo_runs_the_whole_flow_on_its_own(tmp_path):
    """Local backend, temporary database, a generated track uploaded, status, a video."""
    demo = await ConsoleProcess.start("demo", env=console_env(tmp_path))
    try:
        await demo.expect(r"Beatthread console")
        await demo.expect(r"Got your track \*\*demo-beat\.wav\*\*")
        await demo.send("/status")
        await demo.expect(r"BGM: demo-beat \(0-8s, 100%\)")
        await demo.send("export")
        await demo.close_input()
        await demo.expect(r"Your video is ready: http://127\.0\.0\.1:\d+/media/renders/\S+\.mp4")
        assert await demo.exit_code() == 0
    finally:
        await demo.stop()
    assert not (tmp_path / "data").exists()  # everything lived in the demo's own temp dir


async def test_demo_with_a_missing_track_says_so(tmp_path):
    """A wrong path is a usage error, reported before anything starts."""
    demo = await ConsoleProcess.start("demo", str(tmp_path / "nope.mp3"), env=console_env(tmp_path))
    try:
        assert await demo.exit_code() == 2
    finally:
        await demo.stop()


def test_generated_track_is_a_playable_wav(tmp_path):
    """The demo's own beat is a real WAV of the advertised length."""
    with wave.open(str(write_tone(tmp_path / "beat.wav")), "rb") as track:
        assert track.getnchannels() == 1
        assert track.getnframes() / track.getframerate() == pytest.approx(TONE_SECONDS)
