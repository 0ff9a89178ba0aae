"""The beat: its metrical level (the tempo octave), the beat frames, and where bars start.

Plain ``beat_track`` picks the wrong metrical level on slow ballads (tracked at double speed)
and drum & bass (half speed), so the tempo is chosen in two steps: the metrical *family* whose
levels (T/2, T, 2T) together have the strongest periodicity, then the *level* by what the drums
do on the candidate beats (see :func:`_octave_verdict`). Bars are assumed to be 4/4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import librosa
import numpy as np
import numpy.typing as npt

from bot.studio.features import HOP, SAMPLE_RATE, TINY, Features, Floats

#: Autocorrelation window for the tempogram, in seconds (librosa's default), and its step.
TEMPO_WINDOW_S: Final = 8.0
TEMPO_STEP: Final = 16

#: Beat levels outside this range are not offered as "the tempo".
MIN_BPM: Final = 50.0
MAX_BPM: Final = 200.0
#: The grid used when there is no beat to find.
STEADY_BPM: Final = 120.0
BEATS_PER_BAR: Final = 4
#: A pulse needs a tempogram peak this many times the median periodicity in the tempo range
#: (noise and held tones stay under 2; the softest generated ballad is over 3).
MIN_PULSE_CLARITY: Final = 2.5
#: Octave partners of a tempo count as the same periodicity within this ratio.
TEMPO_TOLERANCE: Final = 0.03
#: Octave evidence (see _octave_verdict): alternate beats with less "body" onset than this
#: fraction of the others are off-beats; a backbeat recurs two beats on at least this
#: fraction of its strength; high-band accents alike on every beat within this fraction mean
#: no backbeat; midpoints at least this strong (relative to the beats) mean skipped beats.
SUBDIVISION_RATIO: Final = 0.22
BACKBEAT_REPEAT: Final = 0.7
BACKBEAT_RATIO: Final = 0.85
MIDPOINT_RATIO: Final = 0.5
#: Beat intervals within this fraction of the median count towards the tempo (rounding to
#: frames moves one by at most 2 % at 180 BPM; a dropped beat or a tempo change moves it more).
INTERVAL_TOLERANCE: Final = 0.05
#: Leading and trailing beats with an onset under this fraction of the median beat's are dropped.
EDGE_ONSET_RATIO: Final = 0.3
#: A file that stops abruptly "onsets" in its last moments; no beat is heard that late.
END_GUARD_S: Final = 0.25
#: Silence appended to the onset envelope before tracking: the tracker's path has to end on
#: a strong onset, so without room past the end it squeezed the last beats of a syncopated
#: track up to 10 frames early (measured on the suite's hip-hop tracks); beats in it are cut.
TAIL_PAD_S: Final = 2.0
#: Frames either side of a beat searched for its onset peak (±2 frames = ±23 ms).
PEAK_SEARCH_FRAMES: Final = 2


@dataclass(frozen=True, slots=True)
class Tempogram:
    """Periodicity strength (the tempogram averaged over time) by tempo in BPM."""

    bpm: Floats
    strength: Floats

    @classmethod
    def of(cls, envelope: Floats) -> Tempogram:
        """The tempogram of an onset envelope (frames of :data:`HOP` samples)."""
        # librosa's tempogram, but with windows TEMPO_STEP frames apart instead of every
        # frame: the average over a whole track needs no more, and it is 16 times cheaper.
        window = round(TEMPO_WINDOW_S * SAMPLE_RATE / HOP)
        padded = np.pad(envelope, window // 2, mode="linear_ramp")
        frames = librosa.util.frame(padded, frame_length=window, hop_length=TEMPO_STEP)
        taper = librosa.filters.get_window("hann", window, fftbins=True)[:, np.newaxis]
        lags = librosa.autocorrelate(frames * taper, axis=0)
        grams = librosa.util.normalize(lags, norm=np.inf, axis=0)
        bpm = librosa.tempo_frequencies(window, sr=SAMPLE_RATE, hop_length=HOP)
        # Lag 0 is "infinitely fast" and perfectly correlated; it is not a tempo.
        strength = np.nan_to_num(grams.mean(axis=1))[1:]
        return cls(bpm=bpm[1:].astype(np.float32), strength=strength.astype(np.float32))

    def at(self, bpm: float) -> float:
        """The strongest periodicity within :data:`TEMPO_TOLERANCE` of ``bpm``."""
        near = np.abs(self.bpm / bpm - 1.0) <= TEMPO_TOLERANCE
        return float(self.strength[near].max(initial=0.0))

    def clarity(self) -> float:
        """The strongest periodicity in the tempo range over the median one."""
        inside = self.strength[(self.bpm >= MIN_BPM) & (self.bpm <= MAX_BPM)]
        return float(inside.max(initial=0.0)) / max(float(np.median(inside)), TINY)

    def peaks(self) -> list[float]:
        """Tempi (BPM) of the local maxima inside the plausible range."""
        s = self.strength
        inner = (s[1:-1] > s[:-2]) & (s[1:-1] >= s[2:])
        bpm = self.bpm[1:-1][inner]
        return [float(b) for b in bpm if MIN_BPM <= b <= MAX_BPM]

    def family(self, bpm: float) -> float:
        """Periodicity of a tempo together with its half and double (the metrical family)."""
        return sum(self.at(bpm * factor) for factor in (0.5, 1.0, 2.0))


def choose_tempo(features: Features, tempogram: Tempogram) -> float:
    """The beat level in BPM: the strongest family, then the octave the drums point to."""
    peaks = tempogram.peaks() or [STEADY_BPM]
    root = max(peaks, key=tempogram.family)
    levels = [root * f for f in (0.5, 1.0, 2.0) if MIN_BPM <= root * f <= MAX_BPM]
    bpm = max(levels, key=tempogram.at)
    direction = _octave_verdict(features, bpm)
    # Walk one way only, while the evidence keeps pointing that way and the range allows.
    while direction and MIN_BPM <= bpm * 2.0**direction <= MAX_BPM:
        bpm *= 2.0**direction
        if _octave_verdict(features, bpm) != direction:
            break
    return bpm


def _octave_verdict(features: Features, bpm: float) -> int:
    """+1 if the beat is twice ``bpm``, -1 if half, 0 if ``bpm`` is the beat.

    Two facts of popular music decide it, read from the onsets on the beats tracked at
    ``bpm``. Hi-hats subdivide the beat: if every other beat carries almost no kick, bass,
    snare or chord ("body") onset, those are off-beats. The backbeat (snare or clap on 2 and
    4) recurs every two beats: if the strongest cymbal-band accent comes back only every four,
    the beats are eighths. Either way the beat is half as fast. And when cymbal-band accents
    fall alike on every beat (no backbeat at all) while the points between the beats carry
    strong onsets too, the beats are every other real beat: it is twice as fast.
    """
    beats = track(features.envelope, bpm)
    if len(beats) < 2 * BEATS_PER_BAR:
        return 0
    low, body, high = features.bands
    cymbals = _peaks_at(high, beats)
    if (
        _alternation(_peaks_at(low + body, beats)) < SUBDIVISION_RATIO
        or _recurrence(cymbals) < BACKBEAT_REPEAT
    ):
        return -1
    midpoints = (beats[:-1] + beats[1:]) // 2
    between = max(
        float(_peaks_at(band, midpoints).mean()) / (float(_peaks_at(band, beats).mean()) + TINY)
        for band in features.bands
    )
    if _alternation(cymbals) >= BACKBEAT_RATIO and between >= MIDPOINT_RATIO:
        return 1
    return 0


def _recurrence(values: Floats) -> float:
    """How strongly the strongest of four beat phases comes back two beats later (0..1)."""
    phases = [float(values[p::BEATS_PER_BAR].mean()) for p in range(BEATS_PER_BAR)]
    strongest = int(np.argmax(phases))
    return phases[(strongest + 2) % BEATS_PER_BAR] / max(phases[strongest], TINY)


def _peaks_at(envelope: Floats, frames: npt.NDArray[np.int_]) -> Floats:
    """The envelope's peak within ±PEAK_SEARCH_FRAMES of each frame."""
    padded = np.pad(envelope, PEAK_SEARCH_FRAMES)
    spread = 2 * PEAK_SEARCH_FRAMES + 1
    windows = np.lib.stride_tricks.sliding_window_view(padded, spread)
    return np.asarray(windows[frames].max(axis=1), dtype=np.float32)


def _alternation(values: Floats) -> float:
    """Weaker over stronger mean of the even and odd entries (1.0: alike; 0.0: one is empty)."""
    even, odd = float(values[0::2].mean()), float(values[1::2].mean())
    return min(even, odd) / max(even, odd, TINY)


def track(envelope: Floats, bpm: float) -> npt.NDArray[np.int_]:
    """Beat frames by librosa's dynamic-programming tracker at a given tempo, edges trimmed.

    librosa's own trim drops the whole first bar of a track that starts on the beat; here only
    the leading and trailing beats with next to no onset (a quiet intro, a fade) go.
    """
    padded = np.pad(envelope, (0, round(TAIL_PAD_S * SAMPLE_RATE / HOP)))
    _, found = librosa.beat.beat_track(
        onset_envelope=padded, sr=SAMPLE_RATE, hop_length=HOP, bpm=bpm, trim=False
    )
    beats = np.asarray(found, dtype=np.int_)
    beats = beats[beats < len(envelope)]
    if len(beats) == 0:
        return beats
    strength = _peaks_at(envelope, beats)
    real = np.flatnonzero(strength >= EDGE_ONSET_RATIO * float(np.median(strength)))
    kept = beats[real[0] : real[-1] + 1] if len(real) else beats[:0]
    return kept[kept < len(envelope) - round(END_GUARD_S * SAMPLE_RATE / HOP)]


def tempo_of(beat_times: Floats) -> float:
    """The main tempo: the mean of the beat intervals near the median one.

    The mean undoes the rounding of each interval to whole frames; intervals far from the
    median (a dropped beat, the shorter part of a track that changes tempo) do not count.
    """
    intervals = np.diff(beat_times)
    median = float(np.median(intervals))
    usual = intervals[np.abs(intervals / median - 1.0) <= INTERVAL_TOLERANCE]
    return 60.0 / float(usual.mean())


def bar_phase(features: Features, beats: npt.NDArray[np.int_]) -> int:
    """Which beat (0..3) starts the bars: where kicks and chord changes land, snares do not."""
    high = features.bands[2]
    coarse = features.columns(beats)
    # Column j + 1 of the synced chroma spans beat j to beat j + 1 (column 0 is before beat 0).
    chroma = librosa.util.sync(features.chroma, coarse, aggregate=np.median)[:, 1 : len(beats) + 1]
    change = np.r_[0.0, np.linalg.norm(np.diff(chroma, axis=1), axis=0)]
    kick = _relative(_peaks_at(features.low_power, beats))
    evidence = kick + _relative(change) - _relative(_peaks_at(high, beats))
    phase_scores = [float(evidence[p::BEATS_PER_BAR].mean()) for p in range(BEATS_PER_BAR)]
    return int(np.argmax(phase_scores))


def _relative(values: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.floating[Any]]:
    return values / (float(values.mean()) + TINY)
