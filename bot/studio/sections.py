"""Sections of a track: the bar lines where harmony, timbre and loudness change most."""

from __future__ import annotations

from typing import Final

import librosa
import numpy as np
import numpy.typing as npt

from bot.studio.features import TINY, Features, Floats, attack_times

#: About one section per this many seconds, at most this many; section changes are sought by
#: comparing this many bars before and after each bar line (a phrase), and are as far apart.
SECTION_S: Final = 30.0
MAX_SECTIONS: Final = 8
NOVELTY_BARS: Final = 4


def section_starts(
    features: Features, bar_frames: npt.NDArray[np.int_], duration_s: float
) -> Floats:
    """Section starts (s, 0.0 first): the bars where harmony, timbre and loudness change most.

    Each bar is described by its mean chroma, MFCCs and loudness; the novelty of a bar line
    is how much the NOVELTY_BARS before it resemble each other and the NOVELTY_BARS after it,
    more than each other (Foote novelty: a checkerboard kernel along the bar self-similarity
    matrix).
    """
    count = min(MAX_SECTIONS, 1 + int(duration_s // SECTION_S))
    if count == 1 or len(bar_frames) < 2 * NOVELTY_BARS:
        return np.zeros(1, dtype=np.float32)
    coarse = features.columns(bar_frames)
    stacked = np.vstack([features.chroma, features.mfcc, features.rms_db[np.newaxis]])
    # Column j + 1 spans bar j to bar j + 1 (column 0 is before the first bar).
    bars = librosa.util.sync(stacked, coarse, aggregate=np.mean)[:, 1:]
    scaled = (bars - bars.mean(axis=1, keepdims=True)) / (bars.std(axis=1, keepdims=True) + TINY)
    unit = scaled / (np.linalg.norm(scaled, axis=0, keepdims=True) + TINY)
    novelty = _checkerboard_novelty(unit.T @ unit, NOVELTY_BARS)
    chosen = _strongest_peaks(novelty, count - 1, NOVELTY_BARS)
    starts = attack_times(bar_frames[chosen])
    return np.concatenate([np.zeros(1, dtype=np.float32), starts])


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
