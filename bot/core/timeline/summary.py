"""The human summary of a :class:`Timeline`, and the formats it shares with the diff.

:func:`summarize` renders one line per track under the header, because a list is easier to
read in Discord than one long line::

    Timeline (3 tracks):
    1. Video: city timelapse (0-10s)
    2. BGM: Lo-fi (0-10s, 35%)
    3. Title: "Urban Dreams" (0-3s)

Times are seconds with at most one decimal and no trailing ``.0`` (``0-2.5s``); from one minute
on they are ``m:ss`` (``0:00-3:05``), which is how musicians read song positions. Volume is
shown for audio tracks only (a video clip's own volume is rarely what the user cares about),
but the diff reports volume changes on any track.
"""

from __future__ import annotations

from typing import Final

from bot.core.texts import text
from bot.core.timeline.model import Timeline, Track, TrackKind

# Labels longer than this are cut in the summary so one track stays one readable line.
MAX_LABEL_CHARS: Final = 60
# Segment labels listed per track before "+N more".
MAX_LABELS_PER_TRACK: Final = 2


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
    labels = format_labels(track, lang)
    head = text("track_labelled", lang, kind=kind, label=labels) if labels else kind
    details = format_details(track, lang)
    if not details:
        return head
    separator = text("details_separator", lang)
    return text("with_details", lang, head=head, details=separator.join(details))


def format_details(track: Track, lang: str | None) -> list[str]:
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


def format_labels(track: Track, lang: str | None) -> str:
    """The track's labels on one line: shortened, quoted for titles, then "+N more"."""
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
