"""What changed between two timelines, as short human lines for the reply after a chat turn."""

from __future__ import annotations

from bot.core.texts import text
from bot.core.timeline.model import Timeline, Track, TrackKind
from bot.core.timeline.summary import (
    format_details,
    format_duration,
    format_labels,
    format_span,
    format_volume,
    kind_name,
)


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
    labels = format_labels(track, lang)
    details = text("details_separator", lang).join(format_details(track, lang))
    if labels and details:
        return text("with_details", lang, head=labels, details=details)
    return labels or details or text("diff_none", lang)


def _track_changes(old: Track, new: Track, name: str, lang: str | None) -> list[str]:
    lines: list[str] = []
    none = text("diff_none", lang)
    old_labels, new_labels = format_labels(old, lang), format_labels(new, lang)
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
