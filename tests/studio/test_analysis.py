"""Track analysis on generated tracks with known beats: tempo, beats, bars, errors, JSON, motion."""

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from bot.studio import analysis
from bot.studio.analysis import (
    Analysis,
    AnalysisError,
    NoAudioError,
    TooLongError,
    TooShortError,
    UndecodableError,
    analyse,
    check_length,
    clip_motion,
)
from bot.studio.synth import SILENCE, KnownBeats, TrackSpec, f_measure, write_track

SECONDS = 20.0
BALLAD = TrackSpec("test-ballad", 70, SECONDS, style="ballad")
DNB = TrackSpec("test-dnb", 174, SECONDS, style="dnb")
HOUSE = TrackSpec("test-house", 120, SECONDS, style="four_on_floor")
#: Long enough for verse and chorus to alternate (8 bars = 16 s at 120 BPM) and get sections.
SONG = TrackSpec("test-song", 120, 64.0, style="backbeat")
INTRO = TrackSpec("test-intro", 118, SECONDS, intro_s=6.0)
#: Syncopated hip-hop: its last beats were once tracked up to 10 frames early.
HIPHOP = TrackSpec("test-hiphop", 95, 25.0, style="hiphop", syncopation=True)
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture(scope="module", autouse=True)
def _jit_paid() -> None:
    analysis.warm_up()  # numba compiles once here, so no single test carries it


@pytest.fixture(scope="module")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, KnownBeats]]:
    folder = tmp_path_factory.mktemp("tracks")
    written = {}
    for spec in (BALLAD, DNB, HOUSE, SONG, INTRO, HIPHOP, SILENCE):
        path = folder / f"{spec.name}.wav"
        written[spec.name] = (path, write_track(path, spec))
    return written


@pytest.fixture(scope="module")
def analysed(tracks: dict[str, tuple[Path, KnownBeats]]) -> dict[str, Analysis]:
    return {name: analyse(path) for name, (path, _) in tracks.items()}


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.mark.parametrize("spec", [BALLAD, DNB, HOUSE], ids=lambda spec: spec.name)
def test_tempo_within_two_percent_without_octave_error(
    spec: TrackSpec, analysed: dict[str, Analysis]
) -> None:
    """A 70-BPM ballad is not 140 and drum & bass is not 87: the cut grid follows the real beat."""
    result = analysed[spec.name]
    assert result.tempo_bpm == pytest.approx(spec.bpm, rel=0.02)
    assert not result.steady


@pytest.mark.parametrize("spec", [BALLAD, DNB, HOUSE], ids=lambda spec: spec.name)
def test_beats_match_the_known_beats(
    spec: TrackSpec,
    tracks: dict[str, tuple[Path, KnownBeats]],
    analysed: dict[str, Analysis],
) -> None:
    """Cuts land on beats a listener hears: F-measure at ±70 ms of at least 0.9."""
    known = tracks[spec.name][1]
    assert f_measure(analysed[spec.name].beats_s, known.beats_s) >= 0.9


def test_every_beat_to_the_last_is_within_a_frame(
    tracks: dict[str, tuple[Path, KnownBeats]], analysed: dict[str, Analysis]
) -> None:
    """The track's end does not squeeze its last beats: the last cuts stay on the beat too."""
    known = np.asarray(tracks[HIPHOP.name][1].beats_s)
    found = analysed[HIPHOP.name].beats_s
    assert found[-1] >= known[-1] - 0.5  # tracked to the end, not trimmed
    assert max(float(np.min(np.abs(known - t))) for t in found) <= 1 / 30


@pytest.mark.parametrize("spec", [BALLAD, DNB, HOUSE], ids=lambda spec: spec.name)
def test_downbeats_land_on_bar_starts(
    spec: TrackSpec,
    tracks: dict[str, tuple[Path, KnownBeats]],
    analysed: dict[str, Analysis],
) -> None:
    """Bar-length cuts start on "one", not on the snare."""
    known = tracks[spec.name][1]
    found = analysed[spec.name].downbeats_s
    assert f_measure(found, known.downbeats_s) >= 0.9
    assert all(min(abs(t - bar) for bar in known.downbeats_s) <= 0.07 for t in found)


def test_sections_start_where_the_song_changes(
    tracks: dict[str, tuple[Path, KnownBeats]], analysed: dict[str, Analysis]
) -> None:
    """Cut density can follow verse and chorus only if their boundaries are found."""
    changes = [0.0, 16.0, 32.0, 48.0]  # verse and chorus alternate every 8 bars of 2 s
    sections = analysed[SONG.name].sections_s
    assert sections[0] == 0.0
    assert len(sections) == 3  # one per 30 s, plus the start
    assert all(min(abs(s - c) for c in changes) <= 2.0 for s in sections)


def test_quiet_intro_gets_no_invented_beats(
    tracks: dict[str, tuple[Path, KnownBeats]], analysed: dict[str, Analysis]
) -> None:
    """Cuts do not fire through a beat-less pad intro; they start with the drums."""
    known = tracks[INTRO.name][1]
    result = analysed[INTRO.name]
    assert result.beats_s[0] == pytest.approx(INTRO.intro_s, abs=0.07)
    assert f_measure(result.beats_s, known.beats_s) >= 0.9


def test_energy_is_a_normalised_curve_over_the_track(analysed: dict[str, Analysis]) -> None:
    """The plan reads loudness as 0..1 at a stated hop, covering the whole track."""
    result = analysed[HOUSE.name]
    assert max(result.energy) == 1.0
    assert min(result.energy) >= 0.0
    assert len(result.energy) == pytest.approx(SECONDS / result.energy_hop_s, abs=1)


def test_onsets_include_every_beat(
    tracks: dict[str, tuple[Path, KnownBeats]], analysed: dict[str, Analysis]
) -> None:
    """Onsets are the finer grid for accents: every drum hit on a beat is one of them."""
    onsets = analysed[HOUSE.name].onsets_s
    known = tracks[HOUSE.name][1].beats_s[1:]  # a hit at exactly 0 s has no "before" to rise from
    assert all(min(abs(o - b) for o in onsets) <= 0.07 for b in known)


def test_silence_gets_a_steady_grid(analysed: dict[str, Analysis]) -> None:
    """A silent upload still gets a video, cut on a 120-BPM grid the agent owns up to."""
    result = analysed[SILENCE.name]
    assert result.steady
    assert result.tempo_bpm == 120.0
    assert result.beats_s[:3] == (0.0, 0.5, 1.0)
    assert result.beats_s[-1] == pytest.approx(SILENCE.seconds - 0.5)
    assert result.downbeats_s[:2] == (0.0, 2.0)
    assert set(result.energy) == {0.0}


def test_noise_without_a_pulse_gets_a_steady_grid(tmp_path: Path) -> None:
    """Beat-less audio is not an error either: it gets the default grid, flagged."""
    noise = np.random.default_rng(3).standard_normal(int(analysis.SAMPLE_RATE * 10)) * 0.1
    result = analysis.analyse_samples(noise.astype(np.float32))
    assert result.steady
    assert result.tempo_bpm == 120.0


def test_mp3_analyses_like_the_wav(
    tmp_path: Path, tracks: dict[str, tuple[Path, KnownBeats]], analysed: dict[str, Analysis]
) -> None:
    """Most uploads are MP3: decoding them through ffmpeg must not shift or lose the beat."""
    wav, known = tracks[HOUSE.name]
    mp3 = tmp_path / "house.mp3"
    ffmpeg("-i", str(wav), "-c:a", "libmp3lame", "-b:a", "128k", str(mp3))
    result = analyse(mp3)
    assert result.tempo_bpm == pytest.approx(analysed[HOUSE.name].tempo_bpm, rel=0.01)
    assert f_measure(result.beats_s, known.beats_s) >= 0.9
    assert result.downbeats_s[:4] == pytest.approx(analysed[HOUSE.name].downbeats_s[:4], abs=0.03)


def test_random_bytes_are_undecodable(tmp_path: Path) -> None:
    """A broken upload gets a clear message, not a stack trace."""
    path = tmp_path / "song.mp3"
    path.write_bytes(np.random.default_rng(1).bytes(50_000))
    with pytest.raises(UndecodableError) as caught:
        analyse(path)
    assert isinstance(caught.value, AnalysisError)
    assert "couldn't read" in caught.value.user_message


def test_video_without_audio_has_no_audio(tmp_path: Path) -> None:
    """A silent screen recording is told apart from a broken file."""
    path = tmp_path / "silent.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=64x36:d=1", "-c:v", "libx264", str(path))
    with pytest.raises(NoAudioError):
        analyse(path)


def test_zero_second_wav_is_too_short(tmp_path: Path) -> None:
    """An empty recording is refused with the minimum length in the message."""
    path = tmp_path / "empty.wav"
    write_track(path, replace(SILENCE, seconds=0.0))
    with pytest.raises(TooShortError) as caught:
        analyse(path)
    assert f"{analysis.MIN_TRACK_SECONDS:g} seconds" in caught.value.user_message


def test_check_length_refuses_before_decoding() -> None:
    """The caller can say the limit before trying: over 15 minutes is refused by length alone."""
    check_length(analysis.MAX_TRACK_SECONDS)
    with pytest.raises(TooLongError) as caught:
        check_length(analysis.MAX_TRACK_SECONDS + 1)
    assert "15 minutes" in caught.value.user_message


def test_json_round_trip(analysed: dict[str, Analysis]) -> None:
    """The backend caches analysis per upload; what it reads back is what was analysed."""
    for result in analysed.values():
        data = json.loads(json.dumps(result.to_json()))
        assert Analysis.from_json(data) == result


def test_json_from_another_version_is_refused(analysed: dict[str, Analysis]) -> None:
    """A cached analysis from an older algorithm is recomputed, not trusted."""
    data = analysed[HOUSE.name].to_json() | {"version": analysis.ANALYSIS_VERSION - 1}
    with pytest.raises(ValueError, match="version"):
        Analysis.from_json(data)


def test_clip_motion_finds_the_moving_second(tmp_path: Path) -> None:
    """The plan plays a clip from its liveliest second: motion must point at it."""
    path = tmp_path / "clip.mp4"
    moving = "noise=alls=80:allf=t:enable='between(t,2,2.99)'"
    ffmpeg(
        *("-f", "lavfi", "-i", "color=c=gray:s=160x90:r=30:d=5"),
        *("-vf", moving, "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)),
    )
    motion = clip_motion(path, seconds_limit=5)
    assert len(motion) == 5
    assert int(np.argmax(motion)) == 2
    assert max(motion[:2]) < 0.01 < motion[2]


def test_clip_motion_stops_at_the_limit(tmp_path: Path) -> None:
    """A long clip is read only as far as the video needs it."""
    path = tmp_path / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=160x90:r=30:d=6", "-c:v", "libx264", str(path))
    assert len(clip_motion(path, seconds_limit=3)) == 3


def test_clip_motion_of_an_undecodable_file_is_empty(tmp_path: Path) -> None:
    """An unreadable clip is simply not motion-ranked; the render goes on."""
    path = tmp_path / "clip.mov"
    path.write_bytes(b"not a video" * 100)
    assert clip_motion(path, seconds_limit=5) == ()
