"""Where the cuts of a beat sync land (pure): the span's beats, then the grid over them.

The beats are the analysis's (or a steady grid for audio nobody analysed), the tempo octave
fixed, on the output clock. Cuts follow a user's grid, else the song's energy: more in the loud
sections, fewer in the calm ones (BeatSync Engine's "auto"). Every cut is whole ms that still
land on the frame the beat falls on, and no shot is shorter than :data:`MIN_SHOT_MS`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from bot.studio.analysis import Analysis
from bot.studio.beats import BEATS_PER_BAR, STEADY_BPM  # audio nobody analysed: as beatless audio
from bot.studio.edl import FPS, frame_at
from bot.studio.schema import Grid

#: The tempo octave fixes: half time, as tracked, double time.
TEMPO_FACTORS: Final = (0.5, 1.0, 2.0)
#: No shot is shorter: a shorter one reads as a flicker, not a cut.
MIN_SHOT_MS: Final = 250
MIN_SHOT_FRAMES: Final = MIN_SHOT_MS * FPS // 1000
#: The energy-following default holds no shot longer than this (when the track has beats).
MAX_SHOT_BARS: Final = 4
#: Section energy (0..1) from which the default cuts densely, and below which it cuts sparsely.
LOUD_ENERGY: Final = 0.6
CALM_ENERGY: Final = 0.3
LOUD_GRID: Final = Grid("beat", 2)
MID_GRID: Final = Grid("bar", 1)
CALM_GRID: Final = Grid("bar", 2)


@dataclass(frozen=True, slots=True)
class Span:
    """The part of the track used, in track ms; the video's frame 0 is at ``start``."""

    start: int
    end: int

    @property
    def length(self) -> int:
        """The span's length in ms."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Beats:
    """The span's beats and downbeats in output ms (tempo octave fixed), and the tempo used."""

    beats: tuple[float, ...]
    downbeats: tuple[float, ...]
    bpm: float


def beat_grid(analysis: Analysis | None, span: Span, factor: float) -> Beats:
    """The span's beats and downbeats on the output clock, in the tempo octave ``factor``."""
    tempo, beats, downbeats = _track_grid(analysis, span.end)
    # Half time keeps the beats the bars start on.
    phase = _nearest(beats, downbeats[0]) % 2 if beats and downbeats else 0
    return Beats(
        _on_output(_octave(beats, factor, phase), span),
        _on_output(_octave(downbeats, factor, 0), span),
        tempo * factor,
    )


def _track_grid(
    analysis: Analysis | None, end_ms: int
) -> tuple[float, tuple[float, ...], tuple[float, ...]]:
    """Tempo, beats and downbeats (track ms): the analysis's, or a steady grid for unknown audio."""
    if analysis is None:
        step = 60000 / STEADY_BPM
        beats = tuple(k * step for k in range(math.ceil(end_ms / step)))
        return STEADY_BPM, beats, beats[::BEATS_PER_BAR]
    beats = _times_ms(analysis.beats_s)
    downbeats = _times_ms(analysis.downbeats_s) or beats[::BEATS_PER_BAR]
    tempo = analysis.tempo_bpm
    return tempo if math.isfinite(tempo) and tempo > 0 else STEADY_BPM, beats, downbeats


def _times_ms(seconds: Sequence[float]) -> tuple[float, ...]:
    return tuple(sorted(t * 1000 for t in seconds if math.isfinite(t)))


def _octave(times: tuple[float, ...], factor: float, phase: int) -> tuple[float, ...]:
    """``times`` in half time (every other one from ``phase``), double time (midpoints), as is."""
    if factor < 1:
        return times[phase::2]
    if factor > 1:
        return (*(t for a, b in pairwise(times) for t in (a, (a + b) / 2)), *times[-1:])
    return times


def _on_output(times: tuple[float, ...], span: Span) -> tuple[float, ...]:
    return tuple(t - span.start for t in times if span.start <= t < span.end)


def _nearest(times: Sequence[float], at: float) -> int:
    """The index of the time in ``times`` (sorted, not empty) nearest to ``at``."""
    index = bisect.bisect_left(times, at)
    candidates = [i for i in (index - 1, index) if 0 <= i < len(times)]
    return min(candidates, key=lambda i: abs(times[i] - at))


def shot_starts(
    grid: Grid | None, analysis: Analysis | None, span: Span, beats: Beats
) -> list[tuple[int, int | None]]:
    """Where shots start (output ms, 0 first), each with the index of the beat it lands on.

    ``grid`` is the user's; None cuts by the energy of each section.
    """
    if grid is not None:
        return _spaced(_marks(grid, beats, 0, span.length), span.length)
    marks = [
        mark
        for start, end, density in _sections(analysis, span)
        for mark in _marks(density, beats, start, end)
    ]
    bounds = _spaced(marks, span.length)
    if not beats.beats:  # nothing to cut on: one shot
        return bounds
    return _capped(bounds, span.length, MAX_SHOT_BARS * BEATS_PER_BAR * 60000 / beats.bpm)


def _marks(grid: Grid, beats: Beats, start: float, end: float) -> list[tuple[float, int]]:
    """Every ``grid.every``-th beat or downbeat in ``[start, end)``, counted from the first."""
    times = beats.beats if grid.unit == "beat" else beats.downbeats
    inside = [t for t in times if start <= t < end][:: grid.every]
    return [(t, _nearest(beats.beats, t)) for t in inside] if beats.beats else []


def _sections(analysis: Analysis | None, span: Span) -> list[tuple[float, float, Grid]]:
    """The span's sections (output ms), each with the grid its loudness asks for."""
    if analysis is None:
        return [(0.0, float(span.length), MID_GRID)]
    inside = {max(t * 1000, span.start) for t in analysis.sections_s if math.isfinite(t)}
    starts = sorted({t for t in inside if t < span.end} | {span.start})
    return [
        (start - span.start, end - span.start, _density(_energy(analysis, start, end)))
        for start, end in pairwise([*starts, span.end])
    ]


def _energy(analysis: Analysis, start_ms: float, end_ms: float) -> float | None:
    """The mean of the energy curve over ``[start_ms, end_ms)`` (track clock); None if unknown."""
    hop = analysis.energy_hop_s * 1000
    if not hop > 0:
        return None
    window = analysis.energy[math.ceil(start_ms / hop) : math.ceil(end_ms / hop)]
    return sum(window) / len(window) if window else None


def _density(energy: float | None) -> Grid:
    """More cuts where the song is loud (BeatSync Engine's "auto"), fewer where it is calm."""
    if energy is None:
        return MID_GRID
    if energy >= LOUD_ENERGY:
        return LOUD_GRID
    return MID_GRID if energy >= CALM_ENERGY else CALM_GRID


def _spaced(marks: list[tuple[float, int]], length: int) -> list[tuple[int, int | None]]:
    """Shot starts from ``marks`` (sorted), none closer than :data:`MIN_SHOT_MS` to another."""
    bounds: list[tuple[int, int | None]] = [(0, None)]
    for at, beat in marks:
        ms = frame_exact_ms(at)
        if ms == 0:
            bounds[0] = (0, beat)
        elif ms - bounds[-1][0] >= MIN_SHOT_MS and length - ms >= MIN_SHOT_MS:
            bounds.append((ms, beat))
    return bounds


def _capped(
    bounds: list[tuple[int, int | None]], length: int, longest_ms: float
) -> list[tuple[int, int | None]]:
    """``bounds`` with each shot longer than ``longest_ms`` split evenly (a beatless stretch)."""
    capped: list[tuple[int, int | None]] = []
    for start, end, beat in with_ends(bounds, length):
        pieces = math.ceil((end - start) / longest_ms)
        capped.append((start, beat))
        capped += [
            (frame_exact_ms(start + (end - start) * k / pieces), None) for k in range(1, pieces)
        ]
    return capped


def with_ends(
    bounds: list[tuple[int, int | None]], length: int
) -> list[tuple[int, int, int | None]]:
    """Each shot as ``(start, end, beat)``: it ends where the next starts, the last at the end."""
    times = [start for start, _ in bounds] + [length]
    return [(a, b, beat) for (a, b), (_, beat) in zip(pairwise(times), bounds, strict=True)]


def frame_exact_ms(ms: float) -> int:
    """Whole ms for a cut at ``ms`` that still lands on the frame ``ms`` falls on.

    The draft holds whole ms and the plan rounds them to frames: rounding twice could move a cut
    near a frame's midpoint by one frame, so the neighbouring ms is taken when it keeps the frame.
    """
    target = frame_at(ms)
    candidates = (round(ms), math.floor(ms), math.ceil(ms))
    return next((c for c in candidates if frame_at(c) == target), round(ms))
