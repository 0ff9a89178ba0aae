"""Draft + analysis -> the cuts of a beat sync, and the edit decision list (pure, table-tested).

:func:`lay_cuts` writes the draft's video track from the beat grid (the user's, or one that
follows the song's energy); :func:`plan` reads the draft, the single source of truth, and turns
it into an :class:`~bot.studio.edl.Edl` whose every time is a frame number. Cuts are placed at
absolute times, never summed lengths, so nothing drifts over a whole track. The draft comes from
JSON and may be shaped by the NemoVideo cloud: junk is skipped or defaulted, and only a draft
with nothing to render raises (:class:`PlanError`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final

from bot.studio.analysis import Analysis
from bot.studio.edl import (
    FPS,
    Canvas,
    Clip,
    Edl,
    Generated,
    Motion,
    Music,
    Shot,
    Source,
    Still,
    Title,
    frame_at,
)
from bot.studio.palettes import palette
from bot.studio.schema import CANVASES, MUSIC, TITLE, TITLE_MS, VIDEO, Asset, Grid

#: The grid laid over audio nobody analysed.
STEADY_BPM: Final = 120.0
#: Beats per bar when the analysis gives no downbeats.
BEATS_PER_BAR: Final = 4
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
#: The longest track planned: past any a musician posts, it bounds what a junk length costs.
MAX_LENGTH_MS: Final = 60 * 60 * 1000
#: The draft's size is the 1080p canvas; other render heights scale it.
REFERENCE_HEIGHT: Final = 1080
#: The longest side of a 1080p render (NemoVideo's bar: up to 1080x1920).
MAX_LONG_SIDE: Final = 1920
#: Draft sizes outside this range (px) are junk and get the default canvas.
MIN_SIDE: Final = 16
MAX_SIDE: Final = 4096
DEFAULT_CANVAS: Final = CANVASES["16:9"]
#: A still's slow move, alternating so consecutive photos do not move alike.
MOTIONS: Final[tuple[Motion, ...]] = ("zoom_in", "pan_left", "zoom_out", "pan_right")
#: Generated scenes per palette; consecutive generated shots take consecutive ones.
GENERATED_VARIANTS: Final = 4
#: Volumes above 1 are percent (35 -> 0.35), as :mod:`bot.core.timeline` reads them.
PERCENT: Final = 100.0


class PlanError(ValueError):
    """The draft has nothing to render (no length: no music, no clips, no ``d``)."""


def lay_cuts(draft: dict[str, Any], analysis: Analysis | None, assets: Sequence[Asset]) -> int:
    """(Re)write the draft's video track: cuts on the grid in ``draft.m``, across the visuals.

    The visuals are the image/video ``assets`` (in upload order); without any, generated
    visuals. Returns the number of segments laid (0 when the track has no length). Also sets
    ``m.bpm`` (the tempo used) and ``d`` (the video's length). Mutates ``draft``.
    """
    meta = draft["m"] if isinstance(draft.get("m"), dict) else {}
    tracks = draft["t"] if isinstance(draft.get("t"), list) else []
    draft["m"], draft["t"] = meta, tracks
    span = _span(draft, analysis)
    beats = _beats(meta, analysis, span)
    bounds = _cuts(meta, analysis, span, beats) if span.length > 0 else []
    visuals = [asset for asset in assets if asset.kind in ("image", "video")]
    segments = [
        _segment(index, start, end - start, beat, visuals)
        for index, (start, end, beat) in enumerate(_with_ends(bounds, span.length))
    ]
    _video_track(tracks)["sg"] = segments
    meta["bpm"] = round(beats.bpm)
    draft["d"] = span.length
    return len(segments)


def plan(
    draft: Mapping[str, Any],
    analysis: Analysis | None,
    assets: Mapping[str, Asset],
    *,
    height: int = 1080,
) -> Edl:
    """The EDL for rendering ``draft`` at ``height`` (1080 or 720); ``assets`` by ``cdn_url``."""
    root = _mapping(draft)
    meta = _mapping(root.get("m"))
    span = _span(root, analysis)
    frames = frame_at(span.length)
    if frames <= 0:
        raise PlanError("nothing to render: the draft has no music, no clips and no length")
    beats = _beats(meta, analysis, span)
    cuts = [frame_at(start) for start, _ in _cuts(meta, analysis, span, beats)]
    accents = _frames_in(beats.downbeats, frames)
    style = meta.get("style")
    return Edl(
        canvas=_canvas(meta, height),
        frames=frames,
        shots=_shots(root, assets, frames, cuts),
        titles=_titles(root, frames),
        pulses=tuple(sorted({*_frames_in(beats.beats, frames), *accents})),
        accents=accents,
        music=_music(root, assets, span),
        palette=palette(style if isinstance(style, str) else None),
        fade_in=_fade(meta.get("fade_in_ms"), frames),
        fade_out=_fade(meta.get("fade_out_ms"), frames),
    )


# -- reading the draft ------------------------------------------------------------------------


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _number(value: Any) -> float | None:
    """A finite number from JSON (numeric strings too); None for anything else, bools included."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _nonnegative(value: Any) -> float | None:
    number = _number(value)
    return number if number is not None and number >= 0 else None


def _positive(value: Any) -> float | None:
    number = _number(value)
    return number if number is not None and number > 0 else None


def _tracks(draft: Mapping[str, Any], tt: int) -> list[Mapping[str, Any]]:
    tracks = draft.get("t")
    if not isinstance(tracks, list):
        return []
    return [t for t in tracks if isinstance(t, Mapping) and _number(t.get("tt")) == tt]


def _segments(draft: Mapping[str, Any], tt: int) -> list[list[Mapping[str, Any]]]:
    """The segments of each track of type ``tt``, one list per track."""
    lists = [track.get("sg") for track in _tracks(draft, tt)]
    return [
        [s for s in sg if isinstance(s, Mapping)] if isinstance(sg, list) else [] for sg in lists
    ]


def _timed(
    segments: list[Mapping[str, Any]], default_ms: float | None
) -> list[tuple[float, float, Mapping[str, Any]]]:
    """``(start, end, m)`` in ms of each segment: ``s``, else where the previous one ended."""
    timed = []
    cursor = 0.0
    for segment in segments:
        start = _nonnegative(segment.get("s"))
        start = cursor if start is None else start
        length = _positive(segment.get("d")) or default_ms
        if length is None:  # a clip of unknown length cannot be placed
            continue
        cursor = start + length
        timed.append((start, cursor, _mapping(segment.get("m"))))
    return timed


# -- the span and its beats -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    """The part of the track used, in track ms; the video's frame 0 is at ``start``."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class _Beats:
    """The span's beats and downbeats in output ms (tempo octave fixed), and the tempo used."""

    beats: tuple[float, ...]
    downbeats: tuple[float, ...]
    bpm: float


def _span(draft: Mapping[str, Any], analysis: Analysis | None) -> _Span:
    """``m.start_ms``..``m.end_ms`` of the music; without music, of the draft's own length."""
    meta = _mapping(draft.get("m"))
    music = _music_ms(draft, analysis)
    total = round(min(music or _video_ms(draft), MAX_LENGTH_MS))
    # Without music there is no track to start into: the draft's length is on the output clock.
    start = min(round(_nonnegative(meta.get("start_ms")) or 0), total) if music else 0
    end = _positive(meta.get("end_ms"))
    return _Span(start, total if end is None or end <= start else min(round(end), total))


def _music_ms(draft: Mapping[str, Any], analysis: Analysis | None) -> float:
    if analysis is not None and _positive(analysis.duration_s):
        return analysis.duration_s * 1000
    lengths = (_positive(s.get("d")) for sg in _segments(draft, MUSIC) for s in sg)
    return next((length for length in lengths if length), 0.0)


def _video_ms(draft: Mapping[str, Any]) -> float:
    ends = (end for sg in _segments(draft, VIDEO)[:1] for _, end, _ in _timed(sg, None))
    return _positive(draft.get("d")) or max(ends, default=0.0)


def _beats(meta: Mapping[str, Any], analysis: Analysis | None, span: _Span) -> _Beats:
    tempo, beats, downbeats = _track_grid(analysis, span.end)
    factor = _tempo_factor(meta)
    # Half time keeps the beats the bars start on.
    phase = _nearest(beats, downbeats[0]) % 2 if beats and downbeats else 0
    return _Beats(
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
    return _positive(analysis.tempo_bpm) or STEADY_BPM, beats, downbeats


def _times_ms(seconds: Sequence[float]) -> tuple[float, ...]:
    return tuple(sorted(t * 1000 for t in seconds if math.isfinite(t)))


def _tempo_factor(meta: Mapping[str, Any]) -> float:
    """The octave fix asked for: the nearest of :data:`TEMPO_FACTORS` (none: as tracked)."""
    value = _positive(meta.get("tempo_factor"))
    if value is None:
        return 1.0
    return min(TEMPO_FACTORS, key=lambda factor: abs(math.log(value / factor)))


def _octave(times: tuple[float, ...], factor: float, phase: int) -> tuple[float, ...]:
    """``times`` in half time (every other one from ``phase``), double time (midpoints), as is."""
    if factor < 1:
        return times[phase::2]
    if factor > 1:
        return (*(t for a, b in pairwise(times) for t in (a, (a + b) / 2)), *times[-1:])
    return times


def _on_output(times: tuple[float, ...], span: _Span) -> tuple[float, ...]:
    return tuple(t - span.start for t in times if span.start <= t < span.end)


def _nearest(times: Sequence[float], at: float) -> int:
    """The index of the time in ``times`` (sorted, not empty) nearest to ``at``."""
    index = bisect.bisect_left(times, at)
    candidates = [i for i in (index - 1, index) if 0 <= i < len(times)]
    return min(candidates, key=lambda i: abs(times[i] - at))


# -- where the cuts go ------------------------------------------------------------------------


def _cuts(
    meta: Mapping[str, Any], analysis: Analysis | None, span: _Span, beats: _Beats
) -> list[tuple[int, int | None]]:
    """Where shots start (output ms, 0 first), each with the index of the beat it lands on."""
    grid = _grid(meta.get("grid"))
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


def _grid(value: Any) -> Grid | None:
    """The grid ``m.grid`` asks for; None (the energy-following default) when absent or junk."""
    grid = _mapping(value)
    unit, every = grid.get("unit"), _number(grid.get("every"))
    if unit not in ("beat", "bar") or every is None or every < 1:
        return None
    return Grid("beat" if unit == "beat" else "bar", int(every))


def _marks(grid: Grid, beats: _Beats, start: float, end: float) -> list[tuple[float, int]]:
    """Every ``grid.every``-th beat or downbeat in ``[start, end)``, counted from the first."""
    times = beats.beats if grid.unit == "beat" else beats.downbeats
    inside = [t for t in times if start <= t < end][:: grid.every]
    return [(t, _nearest(beats.beats, t)) for t in inside] if beats.beats else []


def _sections(analysis: Analysis | None, span: _Span) -> list[tuple[float, float, Grid]]:
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
        ms = _frame_exact_ms(at)
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
    for start, end, beat in _with_ends(bounds, length):
        pieces = math.ceil((end - start) / longest_ms)
        capped.append((start, beat))
        capped += [
            (_frame_exact_ms(start + (end - start) * k / pieces), None) for k in range(1, pieces)
        ]
    return capped


def _with_ends(
    bounds: list[tuple[int, int | None]], length: int
) -> list[tuple[int, int, int | None]]:
    """Each shot as ``(start, end, beat)``: it ends where the next starts, the last at the end."""
    times = [start for start, _ in bounds] + [length]
    return [(a, b, beat) for (a, b), (_, beat) in zip(pairwise(times), bounds, strict=True)]


def _frame_exact_ms(ms: float) -> int:
    """Whole ms for a cut at ``ms`` that still lands on the frame ``ms`` falls on.

    The draft holds whole ms and the plan rounds them to frames: rounding twice could move a cut
    near a frame's midpoint by one frame, so the neighbouring ms is taken when it keeps the frame.
    """
    target = frame_at(ms)
    candidates = (round(ms), math.floor(ms), math.ceil(ms))
    return next((c for c in candidates if frame_at(c) == target), round(ms))


def _video_track(tracks: list[Any]) -> dict[str, Any]:
    """The draft's (first) video track, created first in ``t`` when missing."""
    for track in tracks:
        if isinstance(track, dict) and _number(track.get("tt")) == VIDEO:
            return track
    track = {"tt": VIDEO, "sg": []}
    tracks.insert(0, track)  # video first, like the contract's example
    return track


def _segment(
    index: int, start: int, length: int, beat: int | None, visuals: Sequence[Asset]
) -> dict[str, Any]:
    """Segment ``index`` of a beat sync: the next visual in upload order, or a generated one."""
    if visuals:
        visual = visuals[index % len(visuals)]
        meta: dict[str, Any] = {"name": visual.name, "url": visual.url}
    else:
        meta = {"name": f"visual {index + 1}", "generated": True}
    if beat is not None:
        meta["beat"] = beat
    return {"s": start, "d": length, "m": meta}


# -- the EDL ----------------------------------------------------------------------------------


def _canvas(meta: Mapping[str, Any], height: int) -> Canvas:
    """The draft's size at 1080p (long side at most :data:`MAX_LONG_SIDE`), scaled to ``height``."""
    width, tall = _number(meta.get("width")), _number(meta.get("height"))
    if (
        width is None
        or tall is None
        or not MIN_SIDE <= min(width, tall) <= max(width, tall) <= MAX_SIDE
    ):
        width, tall = DEFAULT_CANVAS
    scale = min(1.0, MAX_LONG_SIDE / max(width, tall)) * height / REFERENCE_HEIGHT
    return Canvas(_even(width * scale), _even(tall * scale))


def _even(pixels: float) -> int:
    """The nearest even size (H.264 in yuv420p needs even sides), at least 2."""
    return max(2, 2 * round(pixels / 2))


def _shots(
    draft: Mapping[str, Any], assets: Mapping[str, Asset], frames: int, cuts: list[int]
) -> tuple[Shot, ...]:
    """The video track as shots covering ``[0, frames)``, holes filled with generated shots."""
    segments = next(iter(_segments(draft, VIDEO)), [])
    covered = _cover(_placed(_timed(segments, None), frames), frames, cuts)
    picker = _Picker(assets)
    return tuple(
        Shot(start, end, picker.source(meta, (end - start) / FPS)) for start, end, meta in covered
    )


def _placed(
    timed: list[tuple[float, float, Mapping[str, Any]]], frames: int
) -> list[tuple[int, int, Mapping[str, Any]]]:
    """Segments in frames, sorted, clipped to the video; a later start wins over an overlap."""
    placed = []
    cursor = 0
    for start_ms, end_ms, meta in sorted(timed, key=lambda item: item[0]):
        start, end = max(frame_at(start_ms), cursor), min(frame_at(end_ms), frames)
        if end > start:
            placed.append((start, end, meta))
            cursor = end
    return placed


def _cover(
    placed: list[tuple[int, int, Mapping[str, Any]]], frames: int, cuts: list[int]
) -> list[tuple[int, int, Mapping[str, Any]]]:
    """``placed`` with every hole filled, so the shots are back to back over ``[0, frames)``."""
    covered: list[tuple[int, int, Mapping[str, Any]]] = []
    for start, end, meta in [*placed, (frames, frames, {})]:
        cursor = covered[-1][1] if covered else 0
        hole = start - cursor
        if 0 < hole < MIN_SHOT_FRAMES and covered:  # a sliver: the shot before takes it
            covered[-1] = (covered[-1][0], start, covered[-1][2])
        elif 0 < hole < MIN_SHOT_FRAMES and end > start:  # a sliver at the start: the next takes it
            start = 0
        elif hole > 0:
            covered += _fill(cursor, start, cuts)
        if end > start:
            covered.append((start, end, meta))
    return covered


def _fill(start: int, end: int, cuts: list[int]) -> list[tuple[int, int, Mapping[str, Any]]]:
    """Generated shots over ``[start, end)``, cut on the beat grid, none a sliver."""
    inner = [c for c in cuts if start + MIN_SHOT_FRAMES <= c <= end - MIN_SHOT_FRAMES]
    return [(a, b, {}) for a, b in pairwise([start, *inner, end])]


class _Picker:
    """Each shot's source, in order: still motions, generated variants and clip sections cycle."""

    def __init__(self, assets: Mapping[str, Asset]) -> None:
        self._assets = assets
        self._stills = 0
        self._generated = 0
        self._clip_ends: dict[str, float] = {}

    def source(self, meta: Mapping[str, Any], seconds: float) -> Source:
        """The source of a shot of ``seconds`` whose segment metadata is ``meta``."""
        url = meta.get("url")
        asset = self._assets.get(url) if isinstance(url, str) else None
        if asset is None or asset.kind == "audio":  # unknown, generated, or not a picture
            self._generated += 1
            return Generated((self._generated - 1) % GENERATED_VARIANTS)
        if asset.kind == "image":
            self._stills += 1
            return Still(asset.path, MOTIONS[(self._stills - 1) % len(MOTIONS)])
        in_s = _clip_in(asset, seconds, self._clip_ends.get(asset.url))
        self._clip_ends[asset.url] = in_s + seconds
        return Clip(asset.path, in_s)


def _clip_in(asset: Asset, seconds: float, after: float | None) -> float:
    """Where a clip plays from: the liveliest ``seconds`` window (whole seconds), after ``after``.

    A clip used again continues past its last section (once it runs out, the choice starts over).
    A clip shorter than the shot plays from 0; the renderer fills the rest of the shot.
    """
    length = asset.duration_s if asset.duration_s > 0 else float(len(asset.motion))
    starts = range(math.floor(length - seconds) + 1) if length > seconds else range(1)
    later = [s for s in starts if after is None or s >= after]
    window = max(1, math.ceil(seconds))
    return float(max(later or starts, key=lambda s: sum(asset.motion[s : s + window])))


def _frames_in(times: tuple[float, ...], frames: int) -> tuple[int, ...]:
    return tuple(sorted({f for f in map(frame_at, times) if 0 <= f < frames}))


def _titles(draft: Mapping[str, Any], frames: int) -> tuple[Title, ...]:
    """The title track's texts at their frames, clipped to the video; empty texts dropped."""
    titles = []
    for segments in _segments(draft, TITLE):
        for start_ms, end_ms, meta in _timed(segments, TITLE_MS):
            text, start, end = meta.get("text"), frame_at(start_ms), min(frame_at(end_ms), frames)
            if isinstance(text, str) and text.strip() and end > start:
                titles.append(Title(text.strip(), start, end))
    return tuple(titles)


def _music(draft: Mapping[str, Any], assets: Mapping[str, Asset], span: _Span) -> Music | None:
    """The soundtrack: the music track's file from the span's start, at its volume."""
    for segments in _segments(draft, MUSIC):
        for segment in segments:
            meta = _mapping(segment.get("m"))
            url = meta.get("url")
            asset = assets.get(url) if isinstance(url, str) else None
            if asset is not None:
                return Music(asset.path, span.start / 1000, _gain(meta.get("volume")))
    return None


def _gain(volume: Any) -> float:
    """``m.volume`` as a gain in 0..1 (1 when missing or junk; above 1 it is percent)."""
    value = _nonnegative(volume)
    if value is None:
        return 1.0
    return min(value / PERCENT if value > 1 else value, 1.0)


def _fade(value: Any, frames: int) -> int:
    """A fade in frames, at most half the video so a fade in and out never overlap."""
    return min(frame_at(_nonnegative(value) or 0), frames // 2)
