"""The draft (the backend's compact timeline JSON) as a model, a summary and a diff.

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

:func:`summarize` renders one line per track under the header, because a list is easier to
read in Discord than one long line::

    Timeline (3 tracks):
    1. Video: city timelapse (0-10s)
    2. BGM: Lo-fi (0-10s, 35%)
    3. Title: "Urban Dreams" (0-3s)

Times are seconds with at most one decimal and no trailing ``.0`` (``0-2.5s``); from one minute
on they are ``m:ss`` (``0:00-3:05``), which is how musicians read song positions. Volume is
shown for audio tracks only (a video clip's own volume is rarely what the user cares about),
but :func:`diff` reports volume changes on any track.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from urllib.parse import unquote, urlsplit

from bot.core.texts import text


class TrackKind(StrEnum):
    """What a track holds, from its ``tt`` code."""

    VIDEO = "video"
    BGM = "bgm"
    TITLE = "title"
    OTHER = "other"


_TRACK_KINDS: Final = {0: TrackKind.VIDEO, 1: TrackKind.BGM, 7: TrackKind.TITLE}

_START_KEYS: Final = ("s", "st", "start", "offset", "o")
_END_KEYS: Final = ("e", "end")
_LABEL_KEYS: Final = ("name", "title", "text", "label")
# A title segment may carry both a name and its text; the text is what the user sees.
_TITLE_LABEL_KEYS: Final = ("text", "title", "name", "label")
_SOURCE_KEYS: Final = ("src", "url", "path")
_VOLUME_KEYS: Final = ("volume", "v", "vol")

# Labels longer than this are cut in the summary so one track stays one readable line.
MAX_LABEL_CHARS: Final = 60
# Segment labels listed per track before "+N more".
MAX_LABELS_PER_TRACK: Final = 2


@dataclass(frozen=True, slots=True)
class Segment:
    """One clip on a track; times in milliseconds, volume as a fraction (0.35 = 35%)."""

    start_ms: int
    duration_ms: int | None
    label: str | None
    volume: float | None

    @property
    def end_ms(self) -> int | None:
        """Where the segment ends, if its duration is known."""
        return None if self.duration_ms is None else self.start_ms + self.duration_ms


@dataclass(frozen=True, slots=True)
class Track:
    """One track: its kind, the raw ``tt`` code and its segments in draft order."""

    kind: TrackKind
    type_code: int | None
    segments: tuple[Segment, ...]
    duration_ms: int | None = None
    volume_default: float | None = None

    @property
    def start_ms(self) -> int | None:
        """The earliest segment start, or 0 for a track with only a track-level duration."""
        if self.segments:
            return min(segment.start_ms for segment in self.segments)
        return 0 if self.duration_ms is not None else None

    @property
    def end_ms(self) -> int | None:
        """The latest known segment end, else the track's own duration from its start."""
        ends = [segment.end_ms for segment in self.segments if segment.end_ms is not None]
        if ends:
            return max(ends)
        start = self.start_ms
        if self.duration_ms is None or start is None:
            return None
        return start + self.duration_ms

    @property
    def length_ms(self) -> int | None:
        """How long the track spans, if known."""
        start, end = self.start_ms, self.end_ms
        return None if start is None or end is None else end - start

    @property
    def labels(self) -> tuple[str, ...]:
        """The distinct segment labels in order."""
        return tuple(dict.fromkeys(s.label for s in self.segments if s.label))

    @property
    def volume(self) -> float | None:
        """The first segment volume, else the track's own."""
        for segment in self.segments:
            if segment.volume is not None:
                return segment.volume
        return self.volume_default


@dataclass(frozen=True, slots=True)
class Timeline:
    """The whole draft: tracks in order plus the draft-level duration and metadata."""

    tracks: tuple[Track, ...] = ()
    duration_ms: int | None = None
    title: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def is_exportable(self) -> bool:
        """Whether at least one track has a segment (the §3.7 rule on the parsed model)."""
        return any(track.segments for track in self.tracks)


# --- parsing ----------------------------------------------------------------------------


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
    kind = _TRACK_KINDS.get(code, TrackKind.OTHER) if code is not None else TrackKind.OTHER
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


# --- rendering --------------------------------------------------------------------------


def summarize(timeline: Timeline, lang: str | None) -> str:
    """The human summary: a header line, then one numbered line per track."""
    count = len(timeline.tracks)
    if count == 0:
        return text("timeline_empty", lang)
    header = (
        text("timeline_header_one", lang)
        if count == 1
        else text("timeline_header_many", lang, count=count)
    )
    lines = [
        f"{number}. {describe_track(track, lang)}"
        for number, track in enumerate(timeline.tracks, start=1)
    ]
    return "\n".join([header, *lines])


def describe_track(track: Track, lang: str | None) -> str:
    """One track without its number: ``BGM: Lo-fi (0-10s, 35%)``."""
    kind = kind_name(track.kind, lang)
    labels = _track_labels(track, lang)
    head = text("track_labelled", lang, kind=kind, label=labels) if labels else kind
    details = _details(track, lang)
    if not details:
        return head
    separator = text("details_separator", lang)
    return text("with_details", lang, head=head, details=separator.join(details))


def _details(track: Track, lang: str | None) -> list[str]:
    """The parenthesised part of a track line: its span, and the volume of an audio track."""
    details = []
    if track.start_ms is not None and track.end_ms is not None:
        details.append(format_span(track.start_ms, track.end_ms, lang))
    if track.kind is TrackKind.BGM and track.volume is not None:
        details.append(format_volume(track.volume))
    return details


def kind_name(kind: TrackKind, lang: str | None) -> str:
    """``Video`` / ``视频`` and so on."""
    return text(f"track_{kind.value}", lang)


def format_seconds(ms: int) -> str:
    """Milliseconds as seconds with at most one decimal: ``2500`` → ``2.5``, ``10000`` → ``10``.

    From one minute on: ``m:ss`` (``185000`` → ``3:05``).
    """
    whole, decimals = _split_tenths(ms)
    return f"{whole}{decimals}" if whole < 60 else _as_clock(ms)


def format_span(start_ms: int, end_ms: int, lang: str | None) -> str:
    """``0-10s`` (``0-10秒``), or ``0:00-3:05`` once the end is a minute or more."""
    if _split_tenths(end_ms)[0] < 60:
        return text("seconds", lang, value=f"{format_seconds(start_ms)}-{format_seconds(end_ms)}")
    return f"{_as_clock(start_ms)}-{_as_clock(end_ms)}"


def format_duration(ms: int, lang: str | None) -> str:
    """A length: ``10s`` / ``10秒``, or ``3:05`` from a minute on."""
    value = format_seconds(ms)
    return value if ":" in value else text("seconds", lang, value=value)


def format_volume(volume: float) -> str:
    """A volume fraction as a percentage: ``0.35`` → ``35%``."""
    return f"{round(volume * 100)}%"


def _split_tenths(ms: int) -> tuple[int, str]:
    """Whole seconds and the ``.d`` suffix (empty for whole seconds), rounded to tenths."""
    whole, fraction = divmod(round(ms / 100), 10)
    return whole, f".{fraction}" if fraction else ""


def _as_clock(ms: int) -> str:
    whole, decimals = _split_tenths(ms)
    minutes, seconds = divmod(whole, 60)
    return f"{minutes}:{seconds:02d}{decimals}"


def _track_labels(track: Track, lang: str | None) -> str:
    labels = [_shorten(label) for label in track.labels]
    if track.kind is TrackKind.TITLE:
        labels = [text("quoted", lang, text=label) for label in labels]
    shown = labels[:MAX_LABELS_PER_TRACK]
    hidden = len(labels) - len(shown)
    if hidden:
        shown.append(text("track_more_labels", lang, count=hidden))
    return ", ".join(shown)


def _shorten(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


# --- diff -------------------------------------------------------------------------------


def diff(old: Timeline, new: Timeline, lang: str | None) -> list[str]:
    """Short human lines saying what changed from ``old`` to ``new``; empty if nothing did.

    Tracks are matched by kind and position among tracks of that kind (the second video track
    of the old timeline with the second of the new one), so inserting a title track does not
    make every later track look changed.
    """
    old_tracks, new_tracks = _keyed(old), _keyed(new)
    numbered = _kinds_needing_numbers(old, new)
    lines: list[str] = []
    for key, track in new_tracks.items():
        name = _track_name(key, numbered, lang)
        before = old_tracks.get(key)
        if before is None:
            lines.append(text("diff_added", lang, track=name, summary=_brief(track, lang)))
        else:
            lines.extend(_track_changes(before, track, name, lang))
    for key, track in old_tracks.items():
        if key not in new_tracks:
            name = _track_name(key, numbered, lang)
            lines.append(text("diff_removed", lang, track=name, summary=_brief(track, lang)))
    lines.extend(_total_change(old.duration_ms, new.duration_ms, lang))
    return lines


def _total_change(old_ms: int | None, new_ms: int | None, lang: str | None) -> list[str]:
    if old_ms is None or new_ms is None or old_ms == new_ms:
        return []
    old, new = format_duration(old_ms, lang), format_duration(new_ms, lang)
    return [text("diff_total_duration", lang, old=old, new=new)]


def _keyed(timeline: Timeline) -> dict[tuple[TrackKind, int], Track]:
    seen: dict[TrackKind, int] = {}
    keyed: dict[tuple[TrackKind, int], Track] = {}
    for track in timeline.tracks:
        seen[track.kind] = seen.get(track.kind, 0) + 1
        keyed[(track.kind, seen[track.kind])] = track
    return keyed


def _kinds_needing_numbers(old: Timeline, new: Timeline) -> set[TrackKind]:
    kinds: set[TrackKind] = set()
    for timeline in (old, new):
        counts: dict[TrackKind, int] = {}
        for track in timeline.tracks:
            counts[track.kind] = counts.get(track.kind, 0) + 1
        kinds |= {kind for kind, count in counts.items() if count > 1}
    return kinds


def _track_name(key: tuple[TrackKind, int], numbered: set[TrackKind], lang: str | None) -> str:
    kind, number = key
    if kind is TrackKind.OTHER:  # "Track", not "Track track"
        if kind in numbered:
            return text("diff_track_other_numbered", lang, number=number)
        return text("diff_track_other", lang)
    if kind in numbered:
        return text("diff_track_name_numbered", lang, kind=kind_name(kind, lang), number=number)
    return text("diff_track_name", lang, kind=kind_name(kind, lang))


def _brief(track: Track, lang: str | None) -> str:
    """A track's description without the kind, for "Added Title track: …" lines."""
    labels = _track_labels(track, lang)
    details = text("details_separator", lang).join(_details(track, lang))
    if labels and details:
        return text("with_details", lang, head=labels, details=details)
    return labels or details or text("diff_none", lang)


def _track_changes(old: Track, new: Track, name: str, lang: str | None) -> list[str]:
    lines: list[str] = []
    none = text("diff_none", lang)
    old_labels, new_labels = _track_labels(old, lang), _track_labels(new, lang)
    if old_labels != new_labels:
        key = "diff_title_text" if new.kind is TrackKind.TITLE else "diff_label"
        lines.append(text(key, lang, track=name, old=old_labels or none, new=new_labels or none))
    if old.volume != new.volume and not _close(old.volume, new.volume):
        lines.append(
            text(
                "diff_volume",
                lang,
                track=name,
                old=format_volume(old.volume) if old.volume is not None else none,
                new=format_volume(new.volume) if new.volume is not None else none,
            )
        )
    lines.extend(_timing_changes(old, new, name, lang))
    if len(old.segments) != len(new.segments):
        lines.append(
            text("diff_segments", lang, track=name, old=len(old.segments), new=len(new.segments))
        )
    return lines


def _timing_changes(old: Track, new: Track, name: str, lang: str | None) -> list[str]:
    if old.length_ms is not None and new.length_ms is not None and old.length_ms != new.length_ms:
        return [
            text(
                "diff_duration",
                lang,
                track=name,
                old=format_duration(old.length_ms, lang),
                new=format_duration(new.length_ms, lang),
            )
        ]
    if (
        old.start_ms is not None
        and new.start_ms is not None
        and old.end_ms is not None
        and new.end_ms is not None
        and old.start_ms != new.start_ms
    ):
        return [
            text(
                "diff_moved",
                lang,
                track=name,
                old=format_span(old.start_ms, old.end_ms, lang),
                new=format_span(new.start_ms, new.end_ms, lang),
            )
        ]
    return []


def _close(a: float | None, b: float | None) -> bool:
    """Volumes that print as the same percentage are not a change worth reporting."""
    return a is not None and b is not None and round(a * 100) == round(b * 100)
