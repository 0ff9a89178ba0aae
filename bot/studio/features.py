"""The features of a track every later step reads, from one short-time Fourier transform.

Samples are mono at :data:`SAMPLE_RATE`; onset envelopes and beats are in frames of
:data:`HOP` samples, chroma, timbre and loudness in frames of :data:`FEATURE_HOP`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import librosa
import numpy as np
import numpy.typing as npt

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
#: The band envelopes peak about a quarter of an FFT window after an attack (21-27 ms measured
#: on kicks, snares and chords alike); reported times are moved back by that.
ONSET_LAG_S: Final = N_FFT / 4 / SAMPLE_RATE
#: Guards divisions by a sum or mean that can be zero (silence).
TINY: Final = 1e-9


@dataclass(frozen=True, slots=True)
class Features:
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
    def of(cls, samples: Floats) -> Features:
        """The features of mono samples at :data:`SAMPLE_RATE` Hz."""
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

    def columns(self, frames: npt.NDArray[np.int_]) -> list[int]:
        """The :data:`FEATURE_HOP` column each frame of :data:`HOP` samples falls in."""
        columns: list[int] = np.minimum(
            frames * HOP // FEATURE_HOP, self.chroma.shape[1] - 1
        ).tolist()
        return columns


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


def attack_times(frames: npt.NDArray[np.int_]) -> Floats:
    """Onset-envelope frames as times of the attacks they come from (ONSET_LAG_S earlier)."""
    return np.asarray(np.maximum(times(frames, HOP) - ONSET_LAG_S, 0.0), dtype=np.float32)


def times(frames: npt.NDArray[np.int_], hop: int) -> Floats:
    """Frames of ``hop`` samples as times in seconds."""
    return np.asarray(librosa.frames_to_time(frames, sr=SAMPLE_RATE, hop_length=hop), np.float32)
