"""The draft (the backend's timeline JSON) as a :class:`Timeline`, its summary and its diff.

:mod:`.draft` reads the JSON leniently into the :mod:`.model`; :mod:`.summary` turns one
timeline into the text a user reads; :mod:`.changes` says what changed between two.
"""

from bot.core.timeline.changes import diff
from bot.core.timeline.draft import is_exportable, parse_draft
from bot.core.timeline.model import Segment, Timeline, Track, TrackKind
from bot.core.timeline.summary import (
    format_duration,
    format_seconds,
    format_span,
    summarize,
)

__all__ = [
    "Segment",
    "Timeline",
    "Track",
    "TrackKind",
    "diff",
    "format_duration",
    "format_seconds",
    "format_span",
    "is_exportable",
    "parse_draft",
    "summarize",
]
