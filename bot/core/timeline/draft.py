"""Reading the draft (the backend's compact timeline JSON) into a :class:`Timeline`.

The draft keys are documented (nemo-api.md §3.7): ``t`` tracks, ``tt`` track type (0 video,
1 audio/BGM, 7 text/title; any other value is shown as a plain "Track"), ``sg`` segments,
``d`` duration in ms (at draft, track or segment level), ``m`` metadata. The field names for a
segment's start, label and volume are **not** documented, so the parser tries the plausible
ones:

* start (ms): ``s``, ``st``, ``start``, ``offset``, ``o``; without one, a segment starts where
  the previous one in its track ended. An end (``e``, ``end``) gives the duration when ``d`` is
  missing.
* duration (ms): the segment's ``d``; for a track with a single segment and no segment ``d``,
  the track's ``d``, then the draft's ``d``.
* label: ``name``, ``title``, ``text``, ``label`` in ``m`` (then on the segment itself), else
  the file name at the end of ``src`` / ``url`` / ``path``.
* volume: ``volume``, ``v``, ``vol`` in ``m`` (then on the segment, then in the track's ``m``);
  values above 1 are read as percent (35 → 0.35), values up to 1 as a fraction.

Parsing is lenient: :func:`parse_draft` never raises. Wrong types, missing keys, ``None``,
negative or non-finite numbers and nested junk are skipped or defaulted; numbers given as
strings (``"10000"``) are accepted; a JSON string or a whole ``state`` object is unwrapped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Final
from urllib.parse import unquote, urlsplit

from bot.core.timeline.model import Segment, Timeline, Track, TrackKind

_START_KEYS: Final = ("s", "st", "start", "offset", "o")
_END_KEYS: Final = ("e", "end")
_LABEL_KEYS: Final = ("name", "title", "text", "label")
# A title segment may carry both a name and its text; the text is what the user sees.
_TITLE_LABEL_KEYS: Final = ("text", "title", "name", "label")
_SOURCE_KEYS: Final = ("src", "url", "path")
_VOLUME_KEYS: Final = ("volume", "v", "vol")


def parse_draft(draft: object) -> Timeline:
    """Read a draft leniently into a :class:`Timeline`; never raises."""
    root = _unwrap(draft)
    if root is None:
        return Timeline()
    meta = _mapping(root.get("m")) or {}
    duration = _milliseconds(root.get("d"))
    tracks = tuple(
        _parse_track(raw, duration) for raw in _sequence(root.get("t")) if isinstance(raw, Mapping)
    )
    return Timeline(
        tracks=tracks,
        duration_ms=duration,
        title=_label_from(meta),
        width=_whole(meta.get("width")),
        height=_whole(meta.get("height")),
    )


def is_exportable(draft: object) -> bool:
    """The contract's rule on the raw draft: ``t`` exists and a track has a non-empty ``sg``."""
    root = _unwrap(draft)
    if root is None:
        return False
    return any(
        isinstance(track, Mapping) and bool(_sequence(track.get("sg")))
        for track in _sequence(root.get("t"))
    )


def _unwrap(draft: object) -> Mapping[str, object] | None:
    """The draft mapping inside a JSON string, a ``state`` object or an API ``data`` object."""
    if isinstance(draft, str | bytes):
        try:
            draft = json.loads(draft)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            return None
    for _ in range(4):  # data → state → draft, at most; junk cannot make this loop forever
        mapping = _mapping(draft)
        if mapping is None:
            return None
        if "t" in mapping:
            return mapping
        inner = next((mapping[key] for key in ("draft", "state", "data") if key in mapping), None)
        if inner is None:
            return mapping
        draft = inner
    return None


def _parse_track(raw: Mapping[str, object], draft_duration: int | None) -> Track:
    code = _whole(raw.get("tt"))
    kind = TrackKind.from_code(code)
    track_duration = _milliseconds(raw.get("d"))
    raw_segments = [s for s in _sequence(raw.get("sg")) if isinstance(s, Mapping)]
    # A lone segment without its own duration lasts as long as its track (or the draft).
    fallback = (track_duration or draft_duration) if len(raw_segments) == 1 else None
    segments: list[Segment] = []
    cursor = 0
    for raw_segment in raw_segments:
        segment = _parse_segment(raw_segment, cursor, fallback, kind)
        segments.append(segment)
        cursor = segment.end_ms if segment.end_ms is not None else segment.start_ms
    return Track(
        kind=kind,
        type_code=code,
        segments=tuple(segments),
        duration_ms=track_duration,
        volume_default=_volume_from(_mapping(raw.get("m")) or {}),
    )


def _parse_segment(
    raw: Mapping[str, object], cursor: int, fallback: int | None, kind: TrackKind
) -> Segment:
    meta = _mapping(raw.get("m")) or {}
    keys = _TITLE_LABEL_KEYS if kind is TrackKind.TITLE else _LABEL_KEYS
    start = _first_milliseconds(raw, _START_KEYS)
    if start is None:
        start = _first_milliseconds(meta, _START_KEYS)
    start = cursor if start is None else start
    duration = _milliseconds(raw.get("d"))
    if duration is None:
        end = _first_milliseconds(raw, _END_KEYS)
        duration = end - start if end is not None and end >= start else fallback
    return Segment(
        start_ms=start,
        duration_ms=duration,
        label=_label_from(meta, keys) or _label_from(raw, keys),
        volume=_first_not_none(_volume_from(meta), _volume_from(raw)),
    )


def _label_from(source: Mapping[str, object], keys: Sequence[str] = _LABEL_KEYS) -> str | None:
    for key in keys:
        value = source.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            label = " ".join(str(value).split())
            if label:
                return label
    for key in _SOURCE_KEYS:
        value = source.get(key)
        if isinstance(value, str) and value.strip():
            name = unquote(urlsplit(value.strip()).path.rstrip("/").rsplit("/", 1)[-1])
            if name.strip():
                return name.strip()
    return None


def _volume_from(source: Mapping[str, object]) -> float | None:
    for key in _VOLUME_KEYS:
        value = _number(source.get(key))
        if value is not None and value >= 0:
            return value / 100 if value > 1 else value
    return None


def _first_not_none(*values: float | None) -> float | None:
    return next((value for value in values if value is not None), None)


def _first_milliseconds(source: Mapping[str, object], keys: Sequence[str]) -> int | None:
    for key in keys:
        value = _milliseconds(source.get(key))
        if value is not None:
            return value
    return None


def _mapping(value: object) -> Mapping[str, object] | None:
    return value if isinstance(value, Mapping) else None


def _sequence(value: object) -> Sequence[object]:
    return value if isinstance(value, list | tuple) else ()


def _number(value: object) -> float | None:
    """A finite number from an int, float or numeric string; ``None`` for anything else."""
    if isinstance(value, bool):  # bool is an int subclass, but True is no duration
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _milliseconds(value: object) -> int | None:
    number = _number(value)
    return None if number is None or number < 0 else round(number)


def _whole(value: object) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None
