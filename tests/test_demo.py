"""``beatthread demo``: the README's first command makes a real music video with no accounts."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from bot.demo import write_demo_track
from bot.studio import schema, synth
from tests.console_support import ConsoleProcess, console_env
from tests.studio.media import cut_frames, gray_frames, probe_video

pytestmark = pytest.mark.timeout(300)

#: Analysis (numba's first JIT) and a whole 1080x1920 render take a while on two busy cores.
RENDER_WAIT = 240.0
FPS = 30
#: Decoded frames are compared small: a cut changes the whole picture, not a few pixels.
THUMB = (54, 96)


async def test_demo_makes_a_vertical_beat_synced_video_with_the_title(tmp_path):
    """Sync, title, vertical, export: a saved 1080x1920 MP4 of the whole track, cut on beats."""
    demo = await ConsoleProcess.start("demo", env=console_env(tmp_path), cwd=tmp_path)
    try:
        await demo.expect(r"Got your track \*\*demo-beat\.wav\*\*")
        for ask in ("sync visuals to the beat", "add the title Urban Dreams", "make it vertical"):
            await demo.send(ask)
            await demo.expect(r"^Done", within=RENDER_WAIT)
        await demo.send("/credits")
        await demo.expect(r"No registration needed")
        await demo.send("export")
        await demo.close_input()
        saved = await demo.expect(r"Saved the video to (\S+\.mp4)", within=RENDER_WAIT)
        assert await demo.exit_code() == 0
    finally:
        await demo.stop()
    path = Path(saved.group(1))
    assert path.parent == tmp_path
    assert not any("register?bind" in line for line in demo.transcript)
    info = probe_video(path)
    assert (info.width, info.height, info.fps) == (1080, 1920, FPS)
    assert info.duration == pytest.approx(synth.DEMO.seconds, abs=0.1)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    frames = gray_frames(path, *THUMB)
    assert_cuts_on_the_beat(frames, synth.known_beats(synth.DEMO))
    assert_title_only_while_it_shows(path)


def assert_cuts_on_the_beat(frames: np.ndarray, known: synth.KnownBeats) -> None:
    """Every picture change lands within one frame of a known beat; there are many."""
    beat_frames = np.array([round(beat * FPS) for beat in known.beats_s])
    cuts = cut_frames(frames, threshold=CUT_THRESHOLD)
    assert len(cuts) >= len(known.downbeats_s) // 2, cuts
    off = [cut for cut in cuts if np.min(np.abs(beat_frames - cut)) > 1]
    assert off == [], (off, cuts)


#: Mean absolute change (0..255) of a whole small frame that only a cut or beat flash makes.
CUT_THRESHOLD = 25.0


def assert_title_only_while_it_shows(path: Path) -> None:
    """The title's band differs from the same band's look without it: text only at its time."""
    frames = gray_frames(path, 270, 480)
    band = frames[:, 200:280, 20:250].astype(np.int16)
    title_end = schema.TITLE_MS * FPS // 1000
    inside = _text_pixels(band[5 : title_end - 5])
    outside = _text_pixels(band[title_end + 5 :])
    assert inside > 5 * max(outside, 1.0), (inside, outside)


def _text_pixels(frames: np.ndarray) -> float:
    """Mean count of sharp bright-dark edges per frame (drawn text has many, visuals few)."""
    edges = np.abs(np.diff(frames, axis=2)) > 120
    return float(edges.sum(axis=(1, 2)).mean())


async def test_demo_with_a_missing_track_says_so(tmp_path):
    """A wrong path is a usage error, reported before anything starts."""
    demo = await ConsoleProcess.start("demo", str(tmp_path / "nope.mp3"), env=console_env(tmp_path))
    try:
        assert await demo.exit_code() == 2
    finally:
        await demo.stop()


def test_generated_track_is_a_playable_wav(tmp_path):
    """The demo's own track is a real WAV of the advertised length."""
    with wave.open(str(write_demo_track(tmp_path / "beat.wav")), "rb") as track:
        assert track.getnframes() / track.getframerate() == pytest.approx(synth.DEMO.seconds)
