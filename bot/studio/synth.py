"""Generated tracks with known beats: the demo's music and the ground truth for tests and benches.

A :class:`TrackSpec` names a style (drum pattern, bass and chords), a tempo (optionally one
change), swing, syncopation and a quiet intro; :func:`render_track` plays it with plain numpy
and returns the samples with the beats and bar starts it placed. The same spec always gives the
same samples (noise is seeded from the name). :func:`f_measure` scores beats the standard way
(one-to-one matches within a window), so tests and benches agree on what "right" means.
"""

from __future__ import annotations

import wave
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]
Style = Literal["four_on_floor", "backbeat", "ballad", "dnb", "hiphop", "silence"]

RATE: Final = 22050
BEATS_PER_BAR: Final = 4
STEPS_PER_BEAT: Final = 4
#: Verse and chorus alternate every this many bars, so longer tracks have sections to find.
SECTION_BARS: Final = 8
#: Length of each track of the benchmark suite.
SUITE_SECONDS: Final = 25.0
#: Peak level of the written track (full scale 1.0); a ballad is mixed softer.
PEAK: Final = 0.89
SOFT_PEAK: Final = 0.3
#: Level of the chorus's pad, relative to a kick.
CHORUS_PAD_GAIN: Final = 0.3
#: The quiet intro plays a pad this far below the track's level.
INTRO_GAIN: Final = 0.12
#: Hits vary in loudness by up to this fraction, as a drummer's do.
VELOCITY_SPREAD: Final = 0.1
#: The room: reverb decay time, wet level (relative to the dry peak) and the noise floor.
ROOM_DECAY_S: Final = 0.08
ROOM_MIX: Final = 0.2
NOISE_FLOOR: Final = 10 ** (-60 / 20)
#: Every sound ends with a fade this long.
RELEASE_S: Final = 0.01
#: The default window of :func:`f_measure` (the field's ±70 ms).
F_WINDOW_S: Final = 0.07
A2_HZ: Final = 110.0
SEMITONES: Final = 12

MINOR: Final = (0, 3, 7)
MAJOR: Final = (0, 4, 7)
#: (root offset from the key, triad) per bar: verse i-VI-III-VII, chorus VI-VII-i-v.
VERSE: Final = ((0, MINOR), (8, MAJOR), (3, MAJOR), (10, MAJOR))
CHORUS: Final = ((8, MAJOR), (10, MAJOR), (0, MINOR), (7, MINOR))


@dataclass(frozen=True, slots=True)
class TrackSpec:
    """A generated track: style, tempo and feel.

    ``swing`` delays the off-beat eighths (0 straight .. 1 triplet feel); ``syncopation`` adds
    anticipations (bass and chords on the "and" of 4, an extra kick on the "and" of 3).
    ``bpm_after`` takes over from the first bar starting at or after ``change_s``. The first
    ``intro_s`` seconds are a soft pad with no beat; the beats start after it.
    """

    name: str
    bpm: float
    seconds: float = SUITE_SECONDS
    style: Style = "four_on_floor"
    swing: float = 0.0
    syncopation: bool = False
    bpm_after: float | None = None
    change_s: float = 0.0
    intro_s: float = 0.0


@dataclass(frozen=True, slots=True)
class KnownBeats:
    """Where the generated track's beats and bar starts (4/4 downbeats) are, in seconds."""

    beats_s: tuple[float, ...]
    downbeats_s: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class _Pattern:
    """One bar of a style, as 16th-note steps (0..15) per instrument."""

    kick: tuple[int, ...]
    snare: tuple[int, ...]
    hat: tuple[int, ...]
    bass: tuple[int, ...]
    chord: tuple[int, ...]
    clap: bool = False
    open_hat: bool = False
    soft: bool = False


_PATTERNS: Final[dict[str, _Pattern]] = {
    "four_on_floor": _Pattern(
        kick=(0, 4, 8, 12),
        snare=(4, 12),
        hat=(2, 6, 10, 14),
        bass=(2, 6, 10, 14),
        chord=(0, 6),
        clap=True,
        open_hat=True,
    ),
    "backbeat": _Pattern(
        kick=(0, 8), snare=(4, 12), hat=tuple(range(0, 16, 2)), bass=(0, 6, 8), chord=(0, 8)
    ),
    "ballad": _Pattern(
        kick=(0,),
        snare=(8,),
        hat=tuple(range(0, 16, 2)),
        bass=(0, 8),
        chord=(0, 4, 8, 12),
        soft=True,
    ),
    "dnb": _Pattern(
        kick=(0, 6), snare=(4, 12), hat=tuple(range(0, 16, 2)), bass=(0, 6), chord=(0,)
    ),
    "hiphop": _Pattern(
        kick=(0, 3, 10), snare=(4, 12), hat=tuple(range(0, 16, 2)), bass=(0, 10), chord=(0,)
    ),
}
#: What syncopation adds (16th steps): a kick on the "and" of 3, bass and chord on the "and" of 4.
SYNCOPATED_KICK: Final = 10
ANTICIPATION: Final = 14


def _bar_starts(spec: TrackSpec) -> list[tuple[float, float]]:
    """Each bar's start time and beat length in seconds, until the track ends."""
    bars: list[tuple[float, float]] = []
    start = spec.intro_s
    while start < spec.seconds:
        changed = spec.bpm_after is not None and start >= spec.change_s
        beat_s = 60.0 / (spec.bpm_after if changed and spec.bpm_after else spec.bpm)
        bars.append((start, beat_s))
        start += BEATS_PER_BAR * beat_s
    return bars


def known_beats(spec: TrackSpec) -> KnownBeats:
    """The beats and downbeats a spec places (none for silence)."""
    if spec.style == "silence":
        return KnownBeats((), ())
    bars = _bar_starts(spec)
    beats = [start + i * beat_s for start, beat_s in bars for i in range(BEATS_PER_BAR)]
    return KnownBeats(
        beats_s=tuple(round(t, 6) for t in beats if t < spec.seconds),
        downbeats_s=tuple(round(start, 6) for start, _ in bars),
    )


def render_track(spec: TrackSpec, rate: int = RATE) -> tuple[Samples, KnownBeats]:
    """The track's mono samples (float32, -1..1) at ``rate`` Hz, and its known beats."""
    out = np.zeros(round(spec.seconds * rate), dtype=np.float64)
    if spec.style != "silence":
        rng = np.random.default_rng(zlib.crc32(spec.name.encode()))
        _Player(spec, rate, out, rng).play()
        out = _room(out, rate, rng)
        loudest = float(np.max(np.abs(out), initial=0.0)) or 1.0
        out *= (SOFT_PEAK if _PATTERNS[spec.style].soft else PEAK) / loudest
    return out.astype(np.float32), known_beats(spec)


def write_track(path: Path, spec: TrackSpec, rate: int = RATE) -> KnownBeats:
    """Write the track as a 16-bit mono PCM WAV file and return its known beats."""
    samples, beats = render_track(spec, rate)
    pcm = np.round(samples * np.iinfo(np.int16).max).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(pcm.tobytes())
    return beats


def f_measure(
    estimated: Sequence[float], reference: Sequence[float], window_s: float = F_WINDOW_S
) -> float:
    """Beat F-measure: each reference beat matches at most one estimate within ``window_s``."""
    if not estimated or not reference:
        return float(not estimated and not reference)
    est, ref = sorted(estimated), sorted(reference)
    i = j = hits = 0
    while i < len(est) and j < len(ref):
        if abs(est[i] - ref[j]) <= window_s:
            hits, i, j = hits + 1, i + 1, j + 1
        elif est[i] < ref[j]:
            i += 1
        else:
            j += 1
    precision, recall = hits / len(est), hits / len(ref)
    return 0.0 if hits == 0 else 2 * precision * recall / (precision + recall)


class _Player:
    """Places every hit and note of a spec into a sample buffer."""

    def __init__(
        self, spec: TrackSpec, rate: int, out: npt.NDArray[np.float64], rng: np.random.Generator
    ) -> None:
        self.spec = spec
        self.rate = rate
        self.out = out
        self.pattern = _PATTERNS[spec.style]
        self.rng = rng
        self.key_hz = A2_HZ * 2 ** (int(self.rng.integers(0, 7)) / SEMITONES)
        self.drums = {
            "kick": _kick(rate),
            "snare": _snare(rate, self.rng),
            "clap": _clap(rate, self.rng),
            "hat": _hat(rate, self.rng, 0.012),
            "open_hat": _hat(rate, self.rng, 0.08),
        }

    def play(self) -> None:
        """Play the intro pad, then every bar."""
        if self.spec.intro_s > 0:
            self._intro()
        for index, (start, beat_s) in enumerate(_bar_starts(self.spec)):
            self._bar(index, start, beat_s)

    def _intro(self) -> None:
        offset, triad = VERSE[0]
        tone = _pad(self._triad_hz(offset, triad), self.spec.intro_s, self.rate)
        self._add(0.0, tone * INTRO_GAIN)

    def _bar(self, index: int, start: float, beat_s: float) -> None:
        chorus = (index // SECTION_BARS) % 2 == 1
        progression = CHORUS if chorus else VERSE
        offset, triad = progression[index % len(progression)]
        pattern = self.pattern
        syncopated = self.spec.syncopation
        at = self._step_time_fn(start, beat_s)
        for step in sorted({*pattern.kick, *((SYNCOPATED_KICK,) if syncopated else ())}):
            self._hit("kick", at(step), 1.0)
        for step in pattern.snare:
            self._hit("clap" if pattern.clap else "snare", at(step), 0.8)
        for step in pattern.hat:
            self._hit("open_hat" if pattern.open_hat else "hat", at(step), 0.25)
        if pattern.open_hat:  # house: closed 16ths under the open off-beats
            for step in range(1, 16, 2):
                self._hit("hat", at(step), 0.12)
        self._harmony(at, beat_s, offset, triad, (ANTICIPATION,) if syncopated else (), chorus)
        if chorus:  # a held pad an octave up: the chorus sounds fuller, as choruses do
            pad_hz = [2 * hz for hz in self._triad_hz(offset, triad)]
            self._add(start, _pad(pad_hz, BEATS_PER_BAR * beat_s, self.rate) * CHORUS_PAD_GAIN)

    def _harmony(
        self,
        at: Callable[[int], float],
        beat_s: float,
        offset: int,
        triad: tuple[int, int, int],
        anticipations: tuple[int, ...],
        chorus: bool,
    ) -> None:
        pattern = self.pattern
        root_hz = self.key_hz * 2 ** (offset / SEMITONES)
        for step in sorted({*pattern.bass, *anticipations}):
            note = _bass(root_hz, beat_s * 0.9, self.rate)
            self._add(at(step), note * 0.7 * self._velocity())
        level = (0.5 if chorus else 0.35) * (0.6 if pattern.soft else 1.0)
        length = beat_s * (1.0 if pattern.soft else 0.5)
        for step in sorted({*pattern.chord, *anticipations}):
            tone = _chord(self._triad_hz(offset, triad), length, self.rate, soft=pattern.soft)
            self._add(at(step), tone * level * self._velocity())

    def _triad_hz(self, offset: int, triad: tuple[int, int, int]) -> list[float]:
        # Chords sit two octaves above the bass's key.
        return [self.key_hz * 4 * 2 ** ((offset + note) / SEMITONES) for note in triad]

    def _step_time_fn(self, start: float, beat_s: float) -> Callable[[int], float]:
        swing = self.spec.swing

        def at(step: int) -> float:
            beat, sub = divmod(step, STEPS_PER_BEAT)
            # Swing pushes the off-beat eighth towards the triplet (2/3) and the 16ths with it.
            position = sub / STEPS_PER_BEAT + (swing / 6 if sub == 2 else swing / 12 * (sub % 2))
            return start + (beat + position) * beat_s

        return at

    def _velocity(self) -> float:
        return 1.0 - VELOCITY_SPREAD * float(self.rng.random())

    def _hit(self, drum: str, time_s: float, gain: float) -> None:
        self._add(time_s, self.drums[drum] * gain * self._velocity())

    def _add(self, time_s: float, sound: npt.NDArray[np.float64]) -> None:
        start = round(time_s * self.rate)
        if start >= len(self.out):
            return
        piece = _released(sound, self.rate)[: len(self.out) - start]
        self.out[start : start + len(piece)] += piece


def _released(sound: npt.NDArray[np.float64], rate: int) -> npt.NDArray[np.float64]:
    """Fade the last RELEASE_S out: a sound cut off mid-wave clicks, and a click is an onset."""
    fade = min(len(sound), round(RELEASE_S * rate))
    ramp = np.ones(len(sound))
    ramp[len(sound) - fade :] = np.linspace(1.0, 0.0, fade)
    return sound * ramp


def _room(
    dry: npt.NDArray[np.float64], rate: int, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Add a short room reverb and a noise floor: real recordings never fall to digital silence."""
    t = _time(ROOM_DECAY_S * 5, rate)
    impulse = rng.standard_normal(len(t)) * np.exp(-t / ROOM_DECAY_S)
    size = len(dry) + len(impulse)
    wet = np.fft.irfft(np.fft.rfft(dry, size) * np.fft.rfft(impulse, size), size)[: len(dry)]
    mixed = dry + ROOM_MIX * wet / float(np.max(np.abs(wet)) or 1.0) * float(np.max(np.abs(dry)))
    floor = rng.standard_normal(len(dry)) * NOISE_FLOOR * float(np.max(np.abs(mixed)))
    return mixed + floor


def _time(seconds: float, rate: int) -> npt.NDArray[np.float64]:
    return np.arange(round(seconds * rate)) / rate


def _kick(rate: int) -> npt.NDArray[np.float64]:
    t = _time(0.35, rate)
    # A falling pitch (120 Hz down to 45 Hz) is what makes a sine sound like a kick drum.
    freq = 45.0 + 90.0 * np.exp(-t / 0.03)
    phase = 2 * np.pi * np.cumsum(freq) / rate
    return np.sin(phase) * np.exp(-t / 0.12)


def _noise(rate: int, seconds: float, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    return rng.standard_normal(round(seconds * rate))


def _snare(rate: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    t = _time(0.2, rate)
    rattle = np.diff(_noise(rate, 0.2, rng), prepend=0.0) * 0.35 * np.exp(-t / 0.05)
    body = np.sin(2 * np.pi * 190.0 * t) * np.exp(-t / 0.03)
    return np.asarray(rattle + body, dtype=np.float64)


def _clap(rate: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    t = _time(0.2, rate)
    # Three quick bursts then a tail: the smear of several hands.
    bursts = sum(np.exp(-np.maximum(t - d, 0) / 0.004) * (t >= d) for d in (0.0, 0.01, 0.02))
    tail = np.exp(-np.maximum(t - 0.02, 0) / 0.06)
    return np.diff(_noise(rate, 0.2, rng), prepend=0.0) * 0.3 * np.maximum(bursts, tail)


def _hat(rate: int, rng: np.random.Generator, decay_s: float) -> npt.NDArray[np.float64]:
    t = _time(decay_s * 5, rate)
    # Differencing twice tilts white noise towards the top octaves, where cymbals live.
    bright = np.diff(_noise(rate, decay_s * 5, rng), n=2, prepend=(0.0, 0.0))
    return np.asarray(bright * 0.2 * np.exp(-t / decay_s), dtype=np.float64)


def _bass(root_hz: float, seconds: float, rate: int) -> npt.NDArray[np.float64]:
    t = _time(seconds, rate)
    tone = np.sin(2 * np.pi * root_hz * t) + 0.3 * np.sin(4 * np.pi * root_hz * t)
    return tone * np.minimum(t / 0.005, 1.0) * np.exp(-t / (seconds * 0.6))


def _chord(
    freqs: Sequence[float], seconds: float, rate: int, *, soft: bool
) -> npt.NDArray[np.float64]:
    t = _time(seconds, rate)
    attack_s = 0.03 if soft else 0.008
    tone = sum(np.sin(2 * np.pi * f * t) + 0.25 * np.sin(4 * np.pi * f * t) for f in freqs)
    return np.asarray(tone) * np.minimum(t / attack_s, 1.0) * np.exp(-t / (seconds * 0.6)) / 3


def _pad(freqs: Sequence[float], seconds: float, rate: int) -> npt.NDArray[np.float64]:
    t = _time(seconds, rate)
    tone = sum(np.sin(2 * np.pi * f * t) for f in freqs)
    # Slow swell and fade: a pad has no attack a tracker could mistake for a beat.
    envelope = np.minimum(t / (seconds / 2), 1.0) * np.minimum((seconds - t) / 0.5, 1.0)
    return np.asarray(np.asarray(tone) * envelope / 3, dtype=np.float64)


SUITE: Final[tuple[TrackSpec, ...]] = (
    TrackSpec("ballad-60", 60, style="ballad"),
    TrackSpec("ballad-66", 66, style="ballad"),
    TrackSpec("ballad-70", 70, style="ballad"),
    TrackSpec("ballad-75-swing", 75, style="ballad", swing=0.5),
    TrackSpec("hiphop-85-swing", 85, style="hiphop", swing=0.6),
    TrackSpec("hiphop-90", 90, style="hiphop"),
    TrackSpec("hiphop-95-sync", 95, style="hiphop", syncopation=True),
    TrackSpec("pop-100", 100, style="backbeat"),
    TrackSpec("funk-105-swing-sync", 105, style="backbeat", swing=0.5, syncopation=True),
    TrackSpec("pop-110-sync", 110, style="backbeat", syncopation=True),
    TrackSpec("house-120", 120, style="four_on_floor"),
    TrackSpec("house-124", 124, style="four_on_floor"),
    TrackSpec("house-128-sync", 128, style="four_on_floor", syncopation=True),
    TrackSpec("pop-132", 132, style="backbeat"),
    TrackSpec("rock-140", 140, style="backbeat"),
    TrackSpec("rock-150-swing", 150, style="backbeat", swing=0.4),
    TrackSpec("rock-160", 160, style="backbeat"),
    TrackSpec("dnb-170", 170, style="dnb"),
    TrackSpec("dnb-174", 174, style="dnb"),
    TrackSpec("dnb-176-sync", 176, style="dnb", syncopation=True),
    TrackSpec("rock-180", 180, style="backbeat"),
    TrackSpec("pop-100-to-120", 100, style="backbeat", bpm_after=120, change_s=12.0),
    TrackSpec("house-118-intro", 118, style="four_on_floor", intro_s=6.0),
)
#: The demo's track: 16 s of house at 120 BPM (8 bars).
DEMO: Final = TrackSpec(name="demo", bpm=120, seconds=16.0, style="four_on_floor")
SILENCE: Final = TrackSpec(name="silence", bpm=120, seconds=20.0, style="silence")
