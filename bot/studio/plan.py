"""Draft + analysis -> the cuts of a beat sync, and the edit decision list (pure, table-tested).

:func:`lay_cuts` writes the draft's video track from the beat grid (the user's, or one that
follows the song's energy: :mod:`bot.studio.cuts`); :func:`plan` reads the draft, the single
source of truth, and turns it into an :class:`~bot.studio.edl.Edl` whose every time is a frame
number. Cuts are placed at absolute times, never summed lengths, so nothing drifts over a whole
track. The draft comes from JSON and may be shaped by the NemoVideo cloud: junk is skipped or
defaulted, and only a draft with nothing to render raises (:class:`PlanError`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any, Final

from bot.studio.analysis import Analysis
from bot.studio.cuts import (
    MIN_SHOT_FRAMES,
    TEMPO_FACTORS,
    Beats,
    Span,
    beat_grid,
    shot_starts,
    with_ends,
)
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
    even,
    frame_at,
)
from bot.studio.palettes import palette
from bot.studio.schema import CANVASES, MUSIC, TITLE, TITLE_MS, VIDEO, Asset, Grid

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
    beats, bounds = _beats_and_cuts(meta, analysis, span)
    visuals = [asset for asset in assets if asset.kind in ("image", "video")]
    segments = [
        _segment(index, start, end - start, beat, visuals)
        for index, (start, end, beat) in enumerate(with_ends(bounds, span.length))
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
    beats, bounds = _beats_and_cuts(meta, analysis, span)
    cuts = [frame_at(start) for start, _ in bounds]
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


def video_grid(draft: Mapping[str, Any], analysis: Analysis) -> tuple[Beats, Span]:
    """The beats a render of ``draft`` is cut on (output ms), and the span of the track it uses."""
    root = _mapping(draft)
    span = _span(root, analysis)
    return beat_grid(analysis, span, _tempo_factor(_mapping(root.get("m")))), span


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


# -- the span and its cuts --------------------------------------------------------------------


def _span(draft: Mapping[str, Any], analysis: Analysis | None) -> Span:
    """``m.start_ms``..``m.end_ms`` of the music; without music, of the draft's own length."""
    meta = _mapping(draft.get("m"))
    music = _music_ms(draft, analysis)
    total = round(min(music or _video_ms(draft), MAX_LENGTH_MS))
    # Without music there is no track to start into: the draft's length is on the output clock.
    start = min(round(_nonnegative(meta.get("start_ms")) or 0), total) if music else 0
    end = _positive(meta.get("end_ms"))
    return Span(start, total if end is None or end <= start else min(round(end), total))


def _music_ms(draft: Mapping[str, Any], analysis: Analysis | None) -> float:
    if analysis is not None and _positive(analysis.duration_s):
        return analysis.duration_s * 1000
    lengths = (_positive(s.get("d")) for sg in _segments(draft, MUSIC) for s in sg)
    return next((length for length in lengths if length), 0.0)


def _video_ms(draft: Mapping[str, Any]) -> float:
    ends = (end for sg in _segments(draft, VIDEO)[:1] for _, end, _ in _timed(sg, None))
    return _positive(draft.get("d")) or max(ends, default=0.0)


def _beats_and_cuts(
    meta: Mapping[str, Any], analysis: Analysis | None, span: Span
) -> tuple[Beats, list[tuple[int, int | None]]]:
    """The span's beats (in the octave ``m`` asks for), and where shots start on its grid."""
    beats = beat_grid(analysis, span, _tempo_factor(meta))
    if span.length <= 0:
        return beats, []
    return beats, shot_starts(_grid(meta.get("grid")), analysis, span, beats)


def _tempo_factor(meta: Mapping[str, Any]) -> float:
    """The octave fix asked for: the nearest of the tempo factors (none: as tracked)."""
    value = _positive(meta.get("tempo_factor"))
    if value is None:
        return 1.0
    return min(TEMPO_FACTORS, key=lambda factor: abs(math.log(value / factor)))


def _grid(value: Any) -> Grid | None:
    """The grid ``m.grid`` asks for; None (the energy-following default) when absent or junk."""
    grid = _mapping(value)
    unit, every = grid.get("unit"), _number(grid.get("every"))
    if unit not in ("beat", "bar") or every is None or every < 1:
        return None
    return Grid("beat" if unit == "beat" else "bar", int(every))


# -- the video track --------------------------------------------------------------------------


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
    return Canvas(even(width * scale), even(tall * scale))


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


def _music(draft: Mapping[str, Any], assets: Mapping[str, Asset], span: Span) -> Music | None:
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
