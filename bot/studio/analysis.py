"""Track analysis: tempo, beats, downbeats, onsets, energy and sections, once per upload.

The file is decoded by ffmpeg (every container and codec the bot accepts goes the same way) to
mono float PCM; librosa does the analysis. Plain ``beat_track`` picks the wrong metrical level on
slow ballads (tracked at double speed) and drum & bass (half speed), so the tempo is chosen in
two steps: the metrical *family* whose levels (T/2, T, 2T) together have the strongest
periodicity, then the *level* by what the drums do on the candidate beats (see
:func:`_octave_verdict`). Bars are assumed to be 4/4; sections are the bar lines where
harmony, timbre and loudness change most (:func:`_sections`).

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
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, Final

import imageio_ffmpeg
import librosa
import numpy as np
import numpy.typing as npt

from bot.studio import synth

Floats = npt.NDArray[np.float32]

SAMPLE_RATE: Final = 22050
N_FFT: Final = 2048
#: Onset and beat frames: 256 samples (11.6 ms) keeps tempo lags fine enough at 180 BPM.
HOP: Final = 256
#: Chroma and timbre for sections and downbeats need less time detail than beats.
FEATURE_HOP: Final = 2 * HOP
#: Spectrogram frames computed at a time (about 24 s; even, so FEATURE_HOP frames line up).
BLOCK_FRAMES: Final = 2048
N_MELS: Final = 128
N_MFCC: Final = 13
#: Onset bands (Hz): kick and bass; the body of snares, chords and voices; cymbals and crack.
LOW_BAND_HZ: Final = 150.0
HIGH_BAND_HZ: Final = 2000.0
#: Autocorrelation window for the tempogram, in seconds (librosa's default), and its step.
TEMPO_WINDOW_S: Final = 8.0
TEMPO_STEP: Final = 16

MAX_TRACK_SECONDS: Final = 15 * 60
MIN_TRACK_SECONDS: Final = 2.0
#: Beat levels outside this range are not offered as "the tempo".
MIN_BPM: Final = 50.0
MAX_BPM: Final = 200.0
#: The grid used when there is no beat to find.
STEADY_BPM: Final = 120.0
BEATS_PER_BAR: Final = 4
#: Below this level (dBFS, loudest frame) a track counts as silent.
SILENCE_DBFS: Final = -60.0
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
#: The band envelopes peak about a quarter of an FFT window after an attack (21-27 ms measured
#: on kicks, snares and chords alike); reported times are moved back by that.
ONSET_LAG_S: Final = N_FFT / 4 / SAMPLE_RATE
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
#: Energy: one value per this many seconds, dB-scaled over this range below the loudest.
ENERGY_HOP_S: Final = 0.1
ENERGY_RANGE_DB: Final = 40.0
#: About one section per this many seconds, at most this many; section changes are sought by
#: comparing this many bars before and after each bar line (a phrase), and are as far apart.
SECTION_S: Final = 30.0
MAX_SECTIONS: Final = 8
NOVELTY_BARS: Final = 4
#: Time precision kept (and cached): 1 ms; energy to 0.001.
TIME_DIGITS: Final = 3
#: Bumped when the analysis changes, so cached results are recomputed.
ANALYSIS_VERSION: Final = 1
#: Motion: frames per second sampled and the frame size compared (small and gray: cheap).
MOTION_FPS: Final = 10
MOTION_SIZE: Final = (64, 36)
FULL_SCALE_8BIT: Final = 255.0
#: Guards divisions by a sum or mean that can be zero (silence).
TINY: Final = 1e-9
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


def warm_up() -> None:
    """Analyse a short generated track so numba compiles now, not on the first upload.

    The track is long enough to have sections, so every step runs once.
    """
    spec = synth.TrackSpec("warm-up", STEADY_BPM, 2 * SECTION_S, style="backbeat")
    analyse_samples(synth.render_track(spec, SAMPLE_RATE)[0])


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
    duration_s = len(samples) / SAMPLE_RATE
    check_length(duration_s)
    features = _Features.of(samples)
    energy = _energy(features.rms_db, duration_s)
    if float(features.rms_db.max(initial=-np.inf)) < SILENCE_DBFS:
        return _steady(duration_s, energy)
    tempogram = _Tempogram.of(features.envelope)
    if tempogram.clarity() < MIN_PULSE_CLARITY:
        return _steady(duration_s, energy)
    bpm = _choose_tempo(features, tempogram)
    beats = _track(features.envelope, bpm)
    if len(beats) < 2 * BEATS_PER_BAR:
        return _steady(duration_s, energy)
    beat_s = _attack_times(beats)
    bar_phase = _bar_phase(features, beats)
    return Analysis(
        duration_s=round(duration_s, TIME_DIGITS),
        tempo_bpm=round(_tempo_of(beat_s), 2),
        beats_s=_rounded(beat_s),
        downbeats_s=_rounded(beat_s[bar_phase::BEATS_PER_BAR]),
        onsets_s=_rounded(_onsets_s(features.envelope)),
        energy=energy,
        energy_hop_s=ENERGY_HOP_S,
        sections_s=_sections(features, beats[bar_phase::BEATS_PER_BAR], duration_s),
    )


@dataclass(frozen=True, slots=True)
class _Features:
    """Everything later steps read, computed from one short-time Fourier transform.

    ``bands`` are onset envelopes (low, body, high), each scaled to unit standard deviation so
    the kick counts as much as the cymbals; ``envelope`` is their sum (what beats track).
    ``low_power`` is the low band's power: onsets say that a sound starts, power how loud it
    is (a kick on top of the bass). ``chroma``, ``mfcc`` and ``rms_db`` are at
    :data:`FEATURE_HOP`.
    """

    bands: Floats
    envelope: Floats
    low_power: Floats
    chroma: Floats
    mfcc: Floats
    rms_db: Floats

    @classmethod
    def of(cls, samples: Floats) -> _Features:
        mel_blocks, chroma_blocks, rms_blocks = [], [], []
        for power in _power_blocks(samples):
            coarse = power[:, :: FEATURE_HOP // HOP]
            mel_blocks.append(
                librosa.feature.melspectrogram(S=power, sr=SAMPLE_RATE, n_mels=N_MELS)
            )
            # Tuning 0: chroma only tells chords apart here, and estimating it costs the most.
            chroma_blocks.append(
                librosa.feature.chroma_stft(S=coarse, sr=SAMPLE_RATE, n_fft=N_FFT, tuning=0.0)
            )
            rms_blocks.append(librosa.feature.rms(S=np.sqrt(coarse), frame_length=N_FFT)[0])
        mel = np.hstack(mel_blocks)
        log_mel = librosa.power_to_db(mel, ref=np.max)
        channels = _band_channels()
        bands = librosa.onset.onset_strength_multi(
            S=log_mel, sr=SAMPLE_RATE, hop_length=HOP, channels=channels
        )
        bands = bands / (bands.std(axis=1, keepdims=True) + TINY)
        mfcc = librosa.feature.mfcc(
            S=log_mel[:, :: FEATURE_HOP // HOP], sr=SAMPLE_RATE, n_mfcc=N_MFCC
        )
        rms = np.concatenate(rms_blocks)
        return cls(
            bands=bands.astype(np.float32),
            envelope=bands.sum(axis=0).astype(np.float32),
            low_power=mel[: channels[1]].sum(axis=0).astype(np.float32),
            chroma=np.hstack(chroma_blocks).astype(np.float32),
            mfcc=mfcc.astype(np.float32),
            rms_db=librosa.amplitude_to_db(rms, ref=1.0, top_db=None).astype(np.float32),
        )


def _power_blocks(samples: Floats) -> Iterator[Floats]:
    """The power spectrogram (centred frames, as ``librosa.stft``) a block of frames at a time.

    A 15-minute track's whole spectrogram would take over a gigabyte; blocks keep it small.
    """
    padded = np.pad(samples, N_FFT // 2)
    total = 1 + len(samples) // HOP
    for start in range(0, total, BLOCK_FRAMES):
        stop = min(start + BLOCK_FRAMES, total)
        piece = padded[start * HOP : (stop - 1) * HOP + N_FFT]
        spectrum = librosa.stft(piece, n_fft=N_FFT, hop_length=HOP, center=False)
        yield (np.abs(spectrum) ** 2).astype(np.float32)


def _band_channels() -> list[int]:
    """Mel-bin edges of the onset bands."""
    centres = librosa.mel_frequencies(n_mels=N_MELS, fmax=SAMPLE_RATE / 2)
    edges = [int(np.searchsorted(centres, hz)) for hz in (LOW_BAND_HZ, HIGH_BAND_HZ)]
    return [0, *edges, N_MELS]


@dataclass(frozen=True, slots=True)
class _Tempogram:
    """Periodicity strength (the tempogram averaged over time) by tempo in BPM."""

    bpm: Floats
    strength: Floats

    @classmethod
    def of(cls, envelope: Floats) -> _Tempogram:
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


def _choose_tempo(features: _Features, tempogram: _Tempogram) -> float:
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


def _octave_verdict(features: _Features, bpm: float) -> int:
    """+1 if the beat is twice ``bpm``, -1 if half, 0 if ``bpm`` is the beat.

    Two facts of popular music decide it, read from the onsets on the beats tracked at
    ``bpm``. Hi-hats subdivide the beat: if every other beat carries almost no kick, bass,
    snare or chord ("body") onset, those are off-beats. The backbeat (snare or clap on 2 and
    4) recurs every two beats: if the strongest cymbal-band accent comes back only every four,
    the beats are eighths. Either way the beat is half as fast. And when cymbal-band accents
    fall alike on every beat (no backbeat at all) while the points between the beats carry
    strong onsets too, the beats are every other real beat: it is twice as fast.
    """
    beats = _track(features.envelope, bpm)
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


def _track(envelope: Floats, bpm: float) -> npt.NDArray[np.int_]:
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


def _tempo_of(beat_times: Floats) -> float:
    """The main tempo: the mean of the beat intervals near the median one.

    The mean undoes the rounding of each interval to whole frames; intervals far from the
    median (a dropped beat, the shorter part of a track that changes tempo) do not count.
    """
    intervals = np.diff(beat_times)
    median = float(np.median(intervals))
    usual = intervals[np.abs(intervals / median - 1.0) <= INTERVAL_TOLERANCE]
    return 60.0 / float(usual.mean())


def _bar_phase(features: _Features, beats: npt.NDArray[np.int_]) -> int:
    """Which beat (0..3) starts the bars: where kicks and chord changes land, snares do not."""
    high = features.bands[2]
    coarse = np.minimum(beats * HOP // FEATURE_HOP, features.chroma.shape[1] - 1)
    # Column j + 1 of the synced chroma spans beat j to beat j + 1 (column 0 is before beat 0).
    chroma = librosa.util.sync(features.chroma, coarse, aggregate=np.median)[:, 1 : len(beats) + 1]
    change = np.r_[0.0, np.linalg.norm(np.diff(chroma, axis=1), axis=0)]
    kick = _relative(_peaks_at(features.low_power, beats))
    evidence = kick + _relative(change) - _relative(_peaks_at(high, beats))
    phase_scores = [float(evidence[p::BEATS_PER_BAR].mean()) for p in range(BEATS_PER_BAR)]
    return int(np.argmax(phase_scores))


def _relative(values: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.floating[Any]]:
    return values / (float(values.mean()) + TINY)


def _onsets_s(envelope: Floats) -> Floats:
    """Onset times in seconds (librosa's peak picking on the band-summed envelope)."""
    frames = librosa.onset.onset_detect(onset_envelope=envelope, sr=SAMPLE_RATE, hop_length=HOP)
    return _attack_times(np.asarray(frames, dtype=np.int_))


def _sections(
    features: _Features, bar_frames: npt.NDArray[np.int_], duration_s: float
) -> tuple[float, ...]:
    """Section starts: the bars where harmony, timbre and loudness change most (Foote novelty).

    Each bar is described by its mean chroma, MFCCs and loudness; the novelty of a bar line
    is how much the NOVELTY_BARS before it resemble each other and the NOVELTY_BARS after it,
    more than each other (a checkerboard kernel along the bar self-similarity matrix).
    """
    count = min(MAX_SECTIONS, 1 + int(duration_s // SECTION_S))
    if count == 1 or len(bar_frames) < 2 * NOVELTY_BARS:
        return (0.0,)
    coarse = np.minimum(bar_frames * HOP // FEATURE_HOP, features.chroma.shape[1] - 1)
    stacked = np.vstack([features.chroma, features.mfcc, features.rms_db[np.newaxis]])
    # Column j + 1 spans bar j to bar j + 1 (column 0 is before the first bar).
    bars = librosa.util.sync(stacked, coarse, aggregate=np.mean)[:, 1:]
    scaled = (bars - bars.mean(axis=1, keepdims=True)) / (bars.std(axis=1, keepdims=True) + TINY)
    unit = scaled / (np.linalg.norm(scaled, axis=0, keepdims=True) + TINY)
    novelty = _checkerboard_novelty(unit.T @ unit, NOVELTY_BARS)
    chosen = _strongest_peaks(novelty, count - 1, NOVELTY_BARS)
    starts = _attack_times(bar_frames[chosen])
    return (0.0, *(round(float(t), TIME_DIGITS) for t in starts))


def _checkerboard_novelty(similarity: Floats, half: int) -> Floats:
    """Novelty of each boundary (before row ``b``) of a self-similarity matrix (Foote, 2000)."""
    # Untapered: a whole phrase either side counts, so chords changing inside a phrase do not.
    sides = np.r_[-np.ones(half), np.ones(half)]
    kernel = np.outer(sides, sides)
    padded = np.pad(similarity, half)
    index = np.arange(len(similarity))[:, np.newaxis] + np.arange(2 * half)[np.newaxis, :]
    blocks = padded[index[:, :, np.newaxis], index[:, np.newaxis, :]]
    return np.asarray(np.einsum("bij,ij->b", blocks, kernel), dtype=np.float32)


def _strongest_peaks(novelty: Floats, count: int, gap: int) -> npt.NDArray[np.int_]:
    """Up to ``count`` local maxima, strongest first, ``gap`` apart and from either end."""
    peaks = np.flatnonzero(librosa.util.localmax(novelty) & (novelty > 0))
    inside = peaks[(peaks >= gap) & (peaks <= len(novelty) - gap)]
    chosen: list[int] = []
    for b in inside[np.argsort(-novelty[inside])]:
        if len(chosen) < count and all(abs(int(b) - c) >= gap for c in chosen):
            chosen.append(int(b))
    return np.asarray(sorted(chosen), dtype=np.int_)


def _energy(rms_db: Floats, duration_s: float) -> tuple[float, ...]:
    """Loudness per ENERGY_HOP_S: 1.0 the loudest, 0.0 ENERGY_RANGE_DB below it or quieter."""
    frame_times = _times(np.arange(len(rms_db)), FEATURE_HOP)
    bins = np.minimum((frame_times / ENERGY_HOP_S).astype(np.int_), int(duration_s / ENERGY_HOP_S))
    count = int(bins.max(initial=0)) + 1
    power = np.bincount(bins, weights=10 ** (rms_db / 10), minlength=count)
    frames = np.bincount(bins, minlength=count)
    db = 10 * np.log10(power / np.maximum(frames, 1) + TINY)
    if float(db.max(initial=-np.inf)) < SILENCE_DBFS:
        return tuple(0.0 for _ in range(count))
    scaled = np.clip((db - (db.max() - ENERGY_RANGE_DB)) / ENERGY_RANGE_DB, 0.0, 1.0)
    return tuple(round(float(v), TIME_DIGITS) for v in scaled)


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
    return tuple(round(float(v), TIME_DIGITS) for v in totals / np.maximum(counts, 1))


def _attack_times(frames: npt.NDArray[np.int_]) -> Floats:
    """Onset-envelope frames as times of the attacks they come from (ONSET_LAG_S earlier)."""
    return np.asarray(np.maximum(_times(frames, HOP) - ONSET_LAG_S, 0.0), dtype=np.float32)


def _times(frames: npt.NDArray[np.int_], hop: int) -> Floats:
    return np.asarray(librosa.frames_to_time(frames, sr=SAMPLE_RATE, hop_length=hop), np.float32)


def _rounded(times: npt.NDArray[np.floating[Any]]) -> tuple[float, ...]:
    return tuple(round(float(t), TIME_DIGITS) for t in times)


def _floats(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)
