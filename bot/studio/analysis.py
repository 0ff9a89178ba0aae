"""Track analysis: tempo, beats, downbeats, onsets, energy and sections, once per upload.

The file is decoded by ffmpeg (every container and codec the bot accepts goes the same way) to
mono float PCM; librosa does the analysis: :mod:`bot.studio.features` (one STFT), then
:mod:`bot.studio.beats` (the tempo octave, beats, bar lines) and :mod:`bot.studio.sections`.

Errors, each with a short :attr:`~AnalysisError.user_message`::

    AnalysisError            base: the track cannot be analysed
    ├── UndecodableError     ffmpeg cannot read the file
    ├── NoAudioError         the file has no audio stream
    ├── TooShortError        shorter than MIN_TRACK_SECONDS (an empty file included)
    └── TooLongError         longer than MAX_TRACK_SECONDS (check_length says so before decoding)

Silence or a track without a pulse is not an error: it gets a steady 120 BPM grid
(``steady=True``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, Final

import imageio_ffmpeg
import librosa
import numpy as np
import numpy.typing as npt

from bot.studio import synth
from bot.studio.beats import (
    BEATS_PER_BAR,
    MIN_PULSE_CLARITY,
    STEADY_BPM,
    Tempogram,
    bar_phase,
    choose_tempo,
    tempo_of,
    track,
)
from bot.studio.features import FEATURE_HOP, HOP, TINY, Features, Floats, attack_times, times
from bot.studio.features import SAMPLE_RATE as SAMPLE_RATE  # decode's rate: part of this API
from bot.studio.kernels import CompileOnce
from bot.studio.sections import SECTION_S, section_starts

MAX_TRACK_SECONDS: Final = 15 * 60
MIN_TRACK_SECONDS: Final = 2.0
#: Below this level (dBFS, loudest frame) a track counts as silent.
SILENCE_DBFS: Final = -60.0
#: Energy: one value per this many seconds, dB-scaled over this range below the loudest.
ENERGY_HOP_S: Final = 0.1
ENERGY_RANGE_DB: Final = 40.0
#: Time precision kept (and cached): 1 ms; energy to 0.001.
TIME_DIGITS: Final = 3
#: Bumped when the analysis changes, so cached results are recomputed.
ANALYSIS_VERSION: Final = 1
#: Motion: frames per second sampled and the frame size compared (small and gray: cheap).
MOTION_FPS: Final = 10
MOTION_SIZE: Final = (64, 36)
FULL_SCALE_8BIT: Final = 255.0
#: Generous bound on one ffmpeg run (a 15-minute file decodes in a few seconds).
DECODE_TIMEOUT_S: Final = 300.0


class AnalysisError(Exception):
    """Base of every reason a track cannot be analysed; ``str()`` is for logs only."""

    user_message: ClassVar[str] = "I couldn't analyse that track."


class UndecodableError(AnalysisError):
    """ffmpeg could not read the file (not audio, truncated, or an unknown codec)."""

    user_message = "I couldn't read that file as audio. Try an MP3, WAV or M4A."


class NoAudioError(AnalysisError):
    """The file decodes but holds no audio stream (a silent video, an image)."""

    user_message = "That file has no sound in it, so there is nothing to cut to."


class TooShortError(AnalysisError):
    """The track is shorter than :data:`MIN_TRACK_SECONDS`."""

    user_message = f"That track is too short: I need at least {MIN_TRACK_SECONDS:g} seconds."


class TooLongError(AnalysisError):
    """The track is longer than :data:`MAX_TRACK_SECONDS`."""

    user_message = (
        f"That track is too long: I can cut to at most {MAX_TRACK_SECONDS // 60} minutes."
    )


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the studio knows about a track. Times in seconds from the track's start.

    ``steady`` is True when no beat could be found (silence, noise) and ``beats_s`` is a
    steady default grid at ``tempo_bpm``: the agent says so. ``energy`` is a loudness curve
    normalised to 0..1, one value every ``energy_hop_s`` seconds. ``sections_s`` are the
    starts of structural sections (verse, chorus, drop), 0.0 first.
    """

    duration_s: float
    tempo_bpm: float
    beats_s: tuple[float, ...]
    downbeats_s: tuple[float, ...]
    onsets_s: tuple[float, ...]
    energy: tuple[float, ...]
    energy_hop_s: float
    sections_s: tuple[float, ...]
    steady: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the backend caches it per upload)."""
        return {"version": ANALYSIS_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Analysis:
        """The analysis :meth:`to_json` wrote; ``ValueError`` if it is from another version."""
        if data.get("version") != ANALYSIS_VERSION:
            msg = f"analysis version {data.get('version')!r}, expected {ANALYSIS_VERSION}"
            raise ValueError(msg)
        return cls(
            duration_s=float(data["duration_s"]),
            tempo_bpm=float(data["tempo_bpm"]),
            beats_s=_floats(data["beats_s"]),
            downbeats_s=_floats(data["downbeats_s"]),
            onsets_s=_floats(data["onsets_s"]),
            energy=_floats(data["energy"]),
            energy_hop_s=float(data["energy_hop_s"]),
            sections_s=_floats(data["sections_s"]),
            steady=bool(data["steady"]),
        )


def check_length(duration_s: float) -> None:
    """Refuse a track by its length alone (cheap: call it before decoding when it is known)."""
    if duration_s > MAX_TRACK_SECONDS:
        msg = f"track is {duration_s:.0f} s, over the {MAX_TRACK_SECONDS} s limit"
        raise TooLongError(msg)
    if duration_s < MIN_TRACK_SECONDS:
        msg = f"track is {duration_s:.2f} s, under the {MIN_TRACK_SECONDS} s minimum"
        raise TooShortError(msg)


def analyse(path: Path) -> Analysis:
    """Analyse the audio file at ``path`` (blocking; run it in a worker thread)."""
    return analyse_samples(decode(path))


def _analyse_a_generated_track() -> None:
    """Every step of an analysis once: the track is long enough to have sections."""
    spec = synth.TrackSpec("warm-up", STEADY_BPM, 2 * SECTION_S, style="backbeat")
    _analyse(synth.render_track(spec, SAMPLE_RATE)[0])


_KERNELS: Final = CompileOnce(_analyse_a_generated_track)


def warm_up() -> None:
    """Compile librosa's kernels now (seconds), not on the first upload."""
    _KERNELS.ensure()


def decode(path: Path) -> Floats:
    """The file's first audio stream as mono float32 samples at :data:`SAMPLE_RATE` Hz."""
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        *("-nostdin", "-hide_banner", "-v", "error", "-i", str(path)),
        *("-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE)),
        # One second past the limit is enough to know the track is too long.
        *("-t", str(MAX_TRACK_SECONDS + 1), "-f", "f32le", "pipe:1"),
    ]
    done = subprocess.run(  # noqa: S603 - our own ffmpeg binary, arguments as a list
        command, capture_output=True, check=False, timeout=DECODE_TIMEOUT_S
    )
    errors = done.stderr.decode(errors="replace")
    if done.returncode != 0:
        if "matches no streams" in errors:
            raise NoAudioError(f"{path.name}: no audio stream")
        raise UndecodableError(f"{path.name}: {errors.strip()[-200:]}")
    return np.frombuffer(done.stdout, dtype=np.float32)


def analyse_samples(samples: Floats) -> Analysis:
    """Analyse mono samples at :data:`SAMPLE_RATE` Hz (the part of :func:`analyse` after ffmpeg)."""
    _KERNELS.ensure()
    return _analyse(samples)


def _analyse(samples: Floats) -> Analysis:
    duration_s = len(samples) / SAMPLE_RATE
    check_length(duration_s)
    features = Features.of(samples)
    energy = _energy(features.rms_db, duration_s)
    if float(features.rms_db.max(initial=-np.inf)) < SILENCE_DBFS:
        return _steady(duration_s, energy)
    tempogram = Tempogram.of(features.envelope)
    if tempogram.clarity() < MIN_PULSE_CLARITY:
        return _steady(duration_s, energy)
    bpm = choose_tempo(features, tempogram)
    beats = track(features.envelope, bpm)
    if len(beats) < 2 * BEATS_PER_BAR:
        return _steady(duration_s, energy)
    beat_s = attack_times(beats)
    phase = bar_phase(features, beats)
    return Analysis(
        duration_s=round(duration_s, TIME_DIGITS),
        tempo_bpm=round(tempo_of(beat_s), 2),
        beats_s=_rounded(beat_s),
        downbeats_s=_rounded(beat_s[phase::BEATS_PER_BAR]),
        onsets_s=_rounded(_onsets_s(features.envelope)),
        energy=energy,
        energy_hop_s=ENERGY_HOP_S,
        sections_s=_rounded(section_starts(features, beats[phase::BEATS_PER_BAR], duration_s)),
    )


def _onsets_s(envelope: Floats) -> Floats:
    """Onset times in seconds (librosa's peak picking on the band-summed envelope)."""
    frames = librosa.onset.onset_detect(onset_envelope=envelope, sr=SAMPLE_RATE, hop_length=HOP)
    return attack_times(np.asarray(frames, dtype=np.int_))


def _energy(rms_db: Floats, duration_s: float) -> tuple[float, ...]:
    """Loudness per ENERGY_HOP_S: 1.0 the loudest, 0.0 ENERGY_RANGE_DB below it or quieter."""
    frame_times = times(np.arange(len(rms_db)), FEATURE_HOP)
    bins = np.minimum((frame_times / ENERGY_HOP_S).astype(np.int_), int(duration_s / ENERGY_HOP_S))
    count = int(bins.max(initial=0)) + 1
    power = np.bincount(bins, weights=10 ** (rms_db / 10), minlength=count)
    frames = np.bincount(bins, minlength=count)
    db = 10 * np.log10(power / np.maximum(frames, 1) + TINY)
    if float(db.max(initial=-np.inf)) < SILENCE_DBFS:
        return tuple(0.0 for _ in range(count))
    scaled = np.clip((db - (db.max() - ENERGY_RANGE_DB)) / ENERGY_RANGE_DB, 0.0, 1.0)
    return _rounded(scaled)


def _steady(duration_s: float, energy: tuple[float, ...]) -> Analysis:
    """The default grid for a track without a beat: 120 BPM from 0, bars of four."""
    beat_s = 60.0 / STEADY_BPM
    beats = np.arange(0.0, duration_s, beat_s)
    return Analysis(
        duration_s=round(duration_s, TIME_DIGITS),
        tempo_bpm=STEADY_BPM,
        beats_s=_rounded(beats),
        downbeats_s=_rounded(beats[::BEATS_PER_BAR]),
        onsets_s=(),
        energy=energy,
        energy_hop_s=ENERGY_HOP_S,
        sections_s=(0.0,),
        steady=True,
    )


def clip_motion(path: Path, seconds_limit: float) -> tuple[float, ...]:
    """How much a video's picture changes in each second (0..1), over its first seconds.

    The value is the mean absolute brightness change of a pixel between frames sampled at
    MOTION_FPS, as a fraction of full scale, on a small gray copy. Empty if undecodable.
    """
    width, height = MOTION_SIZE
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        *("-nostdin", "-hide_banner", "-v", "error", "-i", str(path), "-t", f"{seconds_limit:g}"),
        *("-map", "0:v:0", "-an", "-sn", "-dn"),
        *("-vf", f"fps={MOTION_FPS},scale={width}:{height}:flags=area,format=gray"),
        *("-f", "rawvideo", "pipe:1"),
    ]
    done = subprocess.run(  # noqa: S603 - our own ffmpeg binary, arguments as a list
        command, capture_output=True, check=False, timeout=DECODE_TIMEOUT_S
    )
    size = width * height
    usable = len(done.stdout) // size
    if done.returncode != 0 or usable < 2:
        return ()
    frames = np.frombuffer(done.stdout[: usable * size], dtype=np.uint8).reshape(usable, size)
    change = np.abs(np.diff(frames.astype(np.int16), axis=0)).mean(axis=1) / FULL_SCALE_8BIT
    second = (np.arange(1, usable) // MOTION_FPS).astype(np.int_)
    totals = np.bincount(second, weights=change)
    counts = np.bincount(second)
    return _rounded(totals / np.maximum(counts, 1))


def _rounded(times: npt.NDArray[np.floating[Any]]) -> tuple[float, ...]:
    return tuple(round(float(t), TIME_DIGITS) for t in times)


def _floats(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)
