"""The music as the video plays it: the studio's analysis on the video's clock.

The analysis counts from the track's first sample; a render of a draft uses a span of the
track, cut on the beat grid of its tempo octave (:func:`bot.studio.plan.video_grid`). State
reads (§3.7 ``video_analyses.music``) and the project page's picture both show this one view,
so no client needs to know the studio's draft keys.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.core.backend_results import MusicAnalysis
from bot.studio import plan
from bot.studio.analysis import Analysis


def video_music(analysis: Analysis, draft: dict[str, Any]) -> MusicAnalysis:
    """Tempo, beats, downbeats and loudness of the span of the track ``draft`` uses, in s."""
    beats, span = plan.video_grid(draft, analysis)
    hop = analysis.energy_hop_s
    return MusicAnalysis(
        tempo_bpm=beats.bpm,
        duration_s=span.length / 1000,
        beats_s=tuple(round(t / 1000, 4) for t in beats.beats),
        downbeats_s=tuple(round(t / 1000, 4) for t in beats.downbeats),
        energy=analysis.energy[round(span.start / 1000 / hop) : round(span.end / 1000 / hop)],
        energy_hop_s=hop,
    )


def wire(music: MusicAnalysis) -> dict[str, Any]:
    """``music`` as JSON for ``video_analyses.music``."""
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in asdict(music).items()
    }
