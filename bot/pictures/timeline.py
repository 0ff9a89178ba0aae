"""The timeline picture: a draft's tracks as lanes on a time axis, with the beat grid, as a PNG.

One lane per track, in draft order: video segments as blocks labelled by their source
(alternating shades, so every cut shows), the music as a band whose height is its volume (the
loudness curve inside it when the analysis gives one), titles as bars with their text. Below the
lanes a beat lane (beats and downbeats, thinned by :mod:`.axis` when they are too dense) when
beats are known, then the time axis; the beat grid also runs faintly behind the lanes.

Size: 1100 px wide, twice Discord's ~550 px inline preview, so the 22-24 px labels here are still
11-12 px tall there, and sharp on a phone's 2x screen. The height grows with the tracks (60 px a
lane) up to :data:`MAX_LANES` rows, at most ~1,100 px; with more tracks the last row says "+N
more tracks". Flat colours compress well: the PNG is tens of KB, far below Discord's limits.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageDraw

from bot.core.texts import base_language
from bot.core.timeline.model import Segment, Timeline, Track, TrackKind
from bot.core.timeline.summary import format_volume, kind_name
from bot.pictures import axis
from bot.pictures.lettering import HEADING_PX, LABEL_PX, MISSING, SMALL_PX, drawable, fit, font

RGB = tuple[int, int, int]

WIDTH: Final = 1100
PAD: Final = 24
#: The lane names' column, left of the time area.
GUTTER: Final = 168
PLOT_LEFT: Final = PAD + GUTTER + 8
PLOT_RIGHT: Final = WIDTH - PAD
PLOT_WIDTH: Final = PLOT_RIGHT - PLOT_LEFT
HEADER_H: Final = 64
LANE_H: Final = 60
#: Space above and below a segment's block inside its lane.
BAR_INSET: Final = 8
BEAT_LANE_H: Final = 36
AXIS_H: Final = 48
EMPTY_H: Final = 120
MAX_LANES: Final = 16
#: A label is drawn only where this many pixels are free for it (on or beside its block).
MIN_LABEL_PX: Final = 2 * LABEL_PX
LABEL_MARGIN: Final = 10
#: A draft without any time in it is drawn as this long; longer ones are cut at the cap.
DEFAULT_SPAN_MS: Final = 10_000
MAX_SPAN_MS: Final = 24 * axis.HOUR_MS

BACKGROUND: Final[RGB] = (23, 24, 28)
LANE_BACKGROUNDS: Final[tuple[RGB, RGB]] = ((33, 35, 41), (29, 31, 36))
HEADING: Final[RGB] = (255, 255, 255)
MUTED: Final[RGB] = (160, 165, 173)
GRID_BEAT: Final[RGB] = (44, 47, 55)
GRID_BAR: Final[RGB] = (64, 68, 78)
BEAT_TICK: Final[RGB] = (130, 136, 148)
BAR_TICK: Final[RGB] = (236, 238, 241)
AXIS: Final[RGB] = (120, 126, 136)
VIDEO_COLOURS: Final[tuple[RGB, RGB]] = ((79, 124, 255), (56, 96, 212))
MUSIC_COLOUR: Final[RGB] = (43, 182, 115)
#: The music lane's full-volume box, behind the band.
MUSIC_BOX: Final[RGB] = (27, 58, 43)
TITLE_COLOUR: Final[RGB] = (255, 176, 32)
OTHER_COLOURS: Final[tuple[RGB, RGB]] = ((138, 143, 152), (112, 117, 126))
LIGHT_TEXT: Final[RGB] = (255, 255, 255)
DARK_TEXT: Final[RGB] = (26, 20, 8)


@dataclass(frozen=True, slots=True)
class _Style:
    """How a kind is drawn.

    Block colours alternate so adjacent cuts show; ``ink`` is a label's on a block, ``beside``
    a label's next to a block too narrow for it; ``outline`` keeps a label readable over a
    busy band (the music's loudness curve).
    """

    fills: tuple[RGB, RGB]
    ink: RGB
    beside: RGB
    outline: RGB | None = None


_STYLES: Final = {
    TrackKind.VIDEO: _Style(VIDEO_COLOURS, LIGHT_TEXT, (160, 184, 255)),
    TrackKind.BGM: _Style((MUSIC_COLOUR, MUSIC_COLOUR), LIGHT_TEXT, LIGHT_TEXT, MUSIC_BOX),
    TrackKind.TITLE: _Style((TITLE_COLOUR, TITLE_COLOUR), DARK_TEXT, (255, 210, 140)),
    TrackKind.OTHER: _Style(OTHER_COLOURS, DARK_TEXT, (200, 204, 210)),
}

_TEXTS: Final = {
    "en": {
        "heading": "Timeline",
        "empty": "Nothing on the timeline yet.",
        "tracks_one": "1 track",
        "tracks_many": "{count} tracks",
        "more": "+{count} more tracks",
        "beats": "Beats",
    },
    "zh": {
        "heading": "时间线",
        "empty": "时间线上还没有内容。",
        "tracks_one": "1 条轨道",
        "tracks_many": "{count} 条轨道",
        "more": "另有 {count} 条轨道",
        "beats": "节拍",
    },
}


@dataclass(frozen=True, slots=True)
class Picture:
    """A drawn timeline: the PNG and where things are on it.

    Time ``ms`` is at ``x = plot[0] + ms * (plot[1] - plot[0]) / span_ms``; ``lanes`` are the
    (top, bottom) rows of the drawn tracks in draft order, ``beat_lane`` the beat lane's.
    """

    png: bytes
    width: int
    height: int
    plot: tuple[int, int]
    span_ms: int
    lanes: tuple[tuple[int, int], ...]
    beat_lane: tuple[int, int] | None
    hidden_tracks: int


def draw_timeline(
    timeline: Timeline,
    *,
    lang: str | None = None,
    beats_s: Iterable[float] | None = None,
    downbeats_s: Iterable[float] | None = None,
    length_ms: int | None = None,
    energy: Sequence[float] | None = None,
    energy_hop_s: float = 0.1,
) -> Picture:
    """Draw ``timeline`` as a PNG, labels in ``lang``.

    ``beats_s``/``downbeats_s`` (seconds on the timeline's clock) draw the beat grid; without
    them there is none. ``length_ms`` (the music's length) widens the time axis when the draft
    says less; ``energy`` (0..1, one value every ``energy_hop_s`` s) shapes the music band.
    """
    span, known = _span(timeline, length_ms)
    tracks = timeline.tracks
    shown = tracks if len(tracks) <= MAX_LANES else tracks[: MAX_LANES - 1]
    hidden = len(tracks) - len(shown)
    beats = axis.beats_shown(axis.grid_ms(beats_s, span), PLOT_WIDTH)
    bars = axis.bars_shown(axis.grid_ms(downbeats_s, span), PLOT_WIDTH)

    lanes = tuple((HEADER_H + i * LANE_H, HEADER_H + (i + 1) * LANE_H) for i in range(len(shown)))
    bottom = HEADER_H + (len(shown) + (1 if hidden else 0)) * LANE_H
    beat_lane = (bottom, bottom + BEAT_LANE_H) if beats or bars else None
    bottom = beat_lane[1] if beat_lane else bottom
    height = HEADER_H + EMPTY_H if not tracks else bottom + AXIS_H

    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    scale = _Scale(span)
    _draw_heading(draw, timeline, span if known else None, lang)
    if not tracks:
        message = _text("empty", lang)
        draw.text((WIDTH // 2, HEADER_H + EMPTY_H // 2), message, MUTED, font(LABEL_PX), "mm")
    for index, (top, end) in enumerate(lanes):
        draw.rectangle((0, top, WIDTH - 1, end - 1), LANE_BACKGROUNDS[index % 2])
    if lanes:
        _draw_grid(draw, scale, beats, bars, lanes[0][0], lanes[-1][1])
    for (top, _), track in zip(lanes, shown, strict=True):
        _draw_track(draw, scale, track, top, energy, energy_hop_s)
    _draw_lane_names(draw, shown, lanes, lang)
    if hidden:
        more = _text("more", lang, count=hidden)
        draw.text((PAD, lanes[-1][1] + LANE_H // 2), more, MUTED, font(LABEL_PX), "lm")
    if beat_lane:
        _draw_beat_lane(draw, scale, beats, bars, beat_lane, lang)
    if tracks:
        _draw_axis(draw, scale, bottom, lang)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return Picture(
        png=buffer.getvalue(),
        width=WIDTH,
        height=height,
        plot=(PLOT_LEFT, PLOT_RIGHT),
        span_ms=span,
        lanes=lanes,
        beat_lane=beat_lane,
        hidden_tracks=hidden,
    )


class _Scale:
    """Milliseconds to x on the time area."""

    def __init__(self, span_ms: int) -> None:
        self.span_ms = span_ms

    def x(self, ms: int) -> int:
        return PLOT_LEFT + round(min(max(ms, 0), self.span_ms) * PLOT_WIDTH / self.span_ms)


def _span(timeline: Timeline, length_ms: int | None) -> tuple[int, bool]:
    """The time the axis covers, and whether the draft (or the music) said it at all."""
    times = [length_ms or 0, timeline.duration_ms or 0]
    for track in timeline.tracks:
        times.append(track.end_ms or 0)
        times.extend(segment.start_ms for segment in track.segments)
    longest = min(max(times), MAX_SPAN_MS)
    return (longest, True) if longest > 0 else (DEFAULT_SPAN_MS, False)


def _blocks(track: Track, span_ms: int) -> list[tuple[int, int, Segment | None]]:
    """A track's segments as (start, end) in draw order; an unknown end is the next start.

    A track with no segments but its own duration is one block without a label.
    """
    ordered = sorted(track.segments, key=lambda segment: segment.start_ms)
    blocks: list[tuple[int, int, Segment | None]] = []
    for index, segment in enumerate(ordered):
        end = segment.end_ms
        if end is None:
            later = (s.start_ms for s in ordered[index + 1 :] if s.start_ms > segment.start_ms)
            end = next(later, span_ms)
        blocks.append((segment.start_ms, end, segment))
    if not ordered and track.start_ms is not None and track.end_ms is not None:
        blocks.append((track.start_ms, track.end_ms, None))
    return [block for block in blocks if block[0] <= span_ms]  # past the cap: not drawn


def _draw_track(
    draw: ImageDraw.ImageDraw,
    scale: _Scale,
    track: Track,
    top: int,
    energy: Sequence[float] | None,
    energy_hop_s: float,
) -> None:
    """A track's blocks, then its labels: one per run of adjacent blocks with the same label."""
    y0, y1 = top + BAR_INSET, top + LANE_H - BAR_INSET - 1
    style = _STYLES[track.kind]
    runs: list[tuple[int, int, str]] = []
    for index, (start, end, segment) in enumerate(_blocks(track, scale.span_ms)):
        x0 = scale.x(start)
        x1 = max(scale.x(end) - 1, x0)
        if x1 - x0 >= 4:  # a one-pixel gap after each block: cuts show even in one colour
            x1 -= 1
        label = (segment.label if segment else None) or ""
        if track.kind is TrackKind.BGM:
            volume = segment.volume if segment and segment.volume is not None else track.volume
            _draw_music(draw, scale, (x0, y0, x1, y1), volume, energy, energy_hop_s)
            volume_text = [format_volume(volume)] if volume is not None else []
            label = " · ".join([label, *volume_text] if label else volume_text)
        else:
            draw.rectangle((x0, y0, x1, y1), style.fills[index % 2])
        if runs and label == runs[-1][2] and x0 - runs[-1][1] <= 2:
            runs[-1] = (runs[-1][0], x1, label)
        else:
            runs.append((x0, x1, label))
    middle, face = (y0 + y1) // 2, font(LABEL_PX)
    for index, (x0, x1, label) in enumerate(runs):
        # On the block when it fits there; else beside it, up to the next block, if it fits
        # there; else wherever there is more room.
        inside = x1 - x0 - 2 * LABEL_MARGIN
        free = runs[index + 1][0] if index + 1 < len(runs) else PLOT_RIGHT
        beside = free - x1 - 2 * LABEL_MARGIN
        if not label or max(inside, beside) < MIN_LABEL_PX:  # most cuts: no room for a word
            continue
        shown = drawable(label)
        width = face.getlength(shown)
        if inside >= width or (beside < width and inside >= beside):
            where = (x0 + LABEL_MARGIN, inside, middle)
            _draw_label(draw, shown, where, style.ink, style.outline)
        else:
            _draw_label(draw, shown, (x1 + LABEL_MARGIN, beside, middle), style.beside, None)


def _draw_music(
    draw: ImageDraw.ImageDraw,
    scale: _Scale,
    box: tuple[int, int, int, int],
    volume: float | None,
    energy: Sequence[float] | None,
    hop_s: float,
) -> None:
    """The full-volume box, and inside it a band as high as the volume (shaped by loudness)."""
    x0, y0, x1, y1 = box
    draw.rectangle(box, MUSIC_BOX)
    middle, half = (y0 + y1) / 2, (y1 - y0) / 2
    level = 1.0 if volume is None else min(max(volume, 0.0), 1.0)
    if not energy or not (math.isfinite(hop_s) and hop_s > 0):
        reach = max(1, round(half * level))
        draw.rectangle((x0, round(middle - reach), x1, round(middle + reach)), MUSIC_COLOUR)
        return
    for x in range(x0, x1 + 1):
        ms = (x - PLOT_LEFT + 0.5) * scale.span_ms / PLOT_WIDTH
        index = int(ms / 1000 / hop_s)
        loud = float(energy[index]) if 0 <= index < len(energy) else 0.0
        loud = min(max(loud, 0.0), 1.0) if math.isfinite(loud) else 0.0
        reach = max(1, round(half * level * loud))
        draw.line(((x, round(middle - reach)), (x, round(middle + reach))), MUSIC_COLOUR)


def _draw_label(
    draw: ImageDraw.ImageDraw,
    label: str,
    where: tuple[int, int, int],
    ink: RGB,
    outline: RGB | None,
) -> None:
    """``label`` from ``x`` in ``room`` pixels, cut to fit; nothing when the room is too small."""
    x, room, middle = where
    if room < MIN_LABEL_PX or not label:
        return
    face = font(LABEL_PX)
    shown = fit(label, face, room)
    if not shown:
        return
    if outline is None:
        draw.text((x, middle), shown, ink, face, "lm")
    else:
        draw.text((x, middle), shown, ink, face, "lm", stroke_width=2, stroke_fill=outline)


def _draw_heading(
    draw: ImageDraw.ImageDraw, timeline: Timeline, span_ms: int | None, lang: str | None
) -> None:
    count = len(timeline.tracks)
    tracks = _text("tracks_one", lang) if count == 1 else _text("tracks_many", lang, count=count)
    facts = " · ".join([axis.duration_label(span_ms, lang), tracks] if span_ms else [tracks])
    small = font(SMALL_PX)
    draw.text((WIDTH - PAD, HEADER_H // 2), facts, MUTED, small, "rm")
    room = WIDTH - 3 * PAD - small.getlength(facts)
    title = drawable(timeline.title or "")
    if not title.replace(MISSING, "").strip():  # nothing the font can draw: the plain heading
        title = _text("heading", lang)
    heading = fit(title, font(HEADING_PX), room)
    draw.text((PAD, HEADER_H // 2), heading, HEADING, font(HEADING_PX), "lm")


def _draw_lane_names(
    draw: ImageDraw.ImageDraw,
    tracks: Sequence[Track],
    lanes: Sequence[tuple[int, int]],
    lang: str | None,
) -> None:
    """Each lane's kind, numbered when the draft has several of that kind (``Video 2``)."""
    totals: dict[TrackKind, int] = {}
    for track in tracks:
        totals[track.kind] = totals.get(track.kind, 0) + 1
    seen: dict[TrackKind, int] = {}
    face = font(LABEL_PX)
    for track, (top, end) in zip(tracks, lanes, strict=True):
        seen[track.kind] = seen.get(track.kind, 0) + 1
        name = kind_name(track.kind, lang)
        if totals[track.kind] > 1:
            name = f"{name} {seen[track.kind]}"
        draw.text((PAD, (top + end) // 2), fit(name, face, GUTTER), HEADING, face, "lm")


def _draw_grid(
    draw: ImageDraw.ImageDraw, scale: _Scale, beats: list[int], bars: list[int], top: int, end: int
) -> None:
    """Faint beat and bar lines behind the lanes: a cut on the beat sits on a line."""
    for times, colour in ((beats, GRID_BEAT), (bars, GRID_BAR)):
        for ms in times:
            x = scale.x(ms)
            draw.line(((x, top), (x, end - 1)), colour)


def _draw_beat_lane(
    draw: ImageDraw.ImageDraw,
    scale: _Scale,
    beats: list[int],
    bars: list[int],
    lane: tuple[int, int],
    lang: str | None,
) -> None:
    """Short ticks on the beats, full-height ones on the downbeats."""
    top, end = lane
    face = font(SMALL_PX)
    draw.text((PAD, (top + end) // 2), fit(_text("beats", lang), face, GUTTER), MUTED, face, "lm")
    quarter = (end - top) // 4
    for ms in beats:
        x = scale.x(ms)
        draw.line(((x, top + quarter), (x, end - quarter)), BEAT_TICK)
    for ms in bars:
        x = scale.x(ms)
        draw.line(((x, top + 2), (x, end - 3)), BAR_TICK)


def _draw_axis(draw: ImageDraw.ImageDraw, scale: _Scale, top: int, lang: str | None) -> None:
    """The baseline, a tick at every round step, and the tick labels kept inside the picture."""
    draw.line(((PLOT_LEFT, top), (PLOT_RIGHT, top)), AXIS)
    step = axis.tick_step_ms(scale.span_ms, PLOT_WIDTH)
    face = font(SMALL_PX)
    for ms in range(0, scale.span_ms + 1, step):
        x = scale.x(ms)
        draw.line(((x, top), (x, top + 8)), AXIS)
        label = axis.tick_label(ms, scale.span_ms, lang)
        width = face.getlength(label)
        left = min(x - width / 2, WIDTH - PAD / 2 - width)
        draw.text((left, top + 12), label, MUTED, face, "lt")


def _text(key: str, lang: str | None, **values: object) -> str:
    return _TEXTS[base_language(lang)][key].format(**values)
