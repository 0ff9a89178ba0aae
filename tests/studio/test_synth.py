"""Generated tracks: their known beats are the ground truth, so they must be exactly right."""

import wave
from pathlib import Path

import numpy as np
import pytest

from bot.studio.synth import (
    DEMO,
    SUITE,
    TrackSpec,
    f_measure,
    known_beats,
    render_track,
    write_track,
)


def test_f_measure_scores_matches_within_the_window() -> None:
    """The bench and the tests agree on what counts as a hit: ±70 ms, one match per beat."""
    reference = [1.0, 2.0, 3.0, 4.0]
    assert f_measure([1.05, 2.0, 2.96, 4.0], reference) == 1.0
    assert f_measure([1.1, 2.1, 3.1, 4.1], reference) == 0.0
    assert f_measure([1.0, 1.01, 2.0, 3.0, 4.0], reference) == pytest.approx(8 / 9)
    assert f_measure([], []) == 1.0
    assert f_measure([], reference) == 0.0


def test_beats_follow_the_tempo_change() -> None:
    """A tempo change moves the grid from the first bar after it, and bars keep four beats."""
    spec = TrackSpec("change", 120, 8.0, style="backbeat", bpm_after=60, change_s=2.0)
    beats = known_beats(spec)
    assert beats.beats_s[:6] == (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
    assert beats.downbeats_s == (0.0, 2.0, 6.0)


def test_quiet_intro_delays_the_first_beat() -> None:
    """The intro has no beat, so the reference starts after it."""
    beats = known_beats(TrackSpec("intro", 120, 6.0, intro_s=2.0))
    assert beats.beats_s[0] == 2.0
    assert beats.downbeats_s == (2.0, 4.0)


def test_rendering_is_deterministic() -> None:
    """Benchmarks compare runs, so the same spec must give the same samples."""
    first, _ = render_track(DEMO)
    second, _ = render_track(DEMO)
    assert np.array_equal(first, second)


def test_a_ballad_is_softer_than_house() -> None:
    """The suite has the quiet tracks where trackers fail, not only loud loops."""
    ballad, _ = render_track(TrackSpec("soft", 70, 5.0, style="ballad"))
    house, _ = render_track(TrackSpec("loud", 124, 5.0))
    assert np.abs(ballad).max() < 0.5 * np.abs(house).max()


def test_write_track_is_16_bit_mono_pcm(tmp_path: Path) -> None:
    """Every decoder reads plain PCM WAV, and its length is the spec's."""
    path = tmp_path / "demo.wav"
    write_track(path, DEMO, rate=44100)
    with wave.open(str(path)) as handle:
        assert (handle.getnchannels(), handle.getsampwidth()) == (1, 2)
        assert handle.getnframes() == round(DEMO.seconds * 44100)


def test_suite_spans_the_field() -> None:
    """The benchmark covers 60-180 BPM with the styles that trip trackers."""
    tempos = [spec.bpm for spec in SUITE]
    assert len(SUITE) >= 20
    assert (min(tempos), max(tempos)) == (60, 180)
    assert {spec.style for spec in SUITE} >= {"ballad", "dnb", "hiphop", "four_on_floor"}
    assert any(spec.bpm_after for spec in SUITE)
    assert any(spec.intro_s for spec in SUITE)
    assert any(spec.swing for spec in SUITE)
    assert any(spec.syncopation for spec in SUITE)
    assert len({spec.name for spec in SUITE}) == len(SUITE)
