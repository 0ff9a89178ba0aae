"""The timeline model: tracks of segments, read from the draft by :mod:`.draft`.

Times are milliseconds and volumes fractions (0.35 = 35%) everywhere in the model; only the
summary and the diff turn them into seconds and percentages.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class TrackKind(StrEnum):
    """What a track holds, from its ``tt`` code."""

    VIDEO = "video"
    BGM = "bgm"
    TITLE = "title"
    OTHER = "other"

    @classmethod
    def from_code(cls, code: int | None) -> TrackKind:
        """The kind of a ``tt`` code (0 video, 1 audio/BGM, 7 text/title); any other is OTHER."""
        return _KIND_CODES.get(code, cls.OTHER) if code is not None else cls.OTHER


_KIND_CODES: Final = {0: TrackKind.VIDEO, 1: TrackKind.BGM, 7: TrackKind.TITLE}


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
    def length_ms(self) -> int | None:
        """How long a render of it plays: the draft's own duration, else its latest track end."""
        if self.duration_ms:
            return self.duration_ms
        ends = [track.end_ms for track in self.tracks if track.end_ms is not None]
        return max(ends) if ends else None

    @property
    def is_exportable(self) -> bool:
        """Whether at least one track has a segment (the §3.7 rule on the parsed model)."""
        return any(track.segments for track in self.tracks)
