"""Track analysis: tempo, beats, downbeats, onsets, energy and sections, once per upload.

(Stub: the helper that owns this module replaces the body; the dataclass shape is the seam.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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


def analyse(path: Path) -> Analysis:
    """Analyse the audio file at ``path`` (blocking; run it in a worker thread)."""
    raise NotImplementedError
