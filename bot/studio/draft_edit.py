"""One message's edit of the draft: what it reads and the lines it says; readers of the draft.

The draft comes from JSON and may be shaped by the NemoVideo cloud, so every reader here skips
or defaults junk; the :class:`DraftEdit` creates ``m`` and ``t`` on first write.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.studio import schema
from bot.studio.analysis import Analysis
from bot.studio.plan import DEFAULT_CANVAS
from bot.studio.schema import Asset, Grid
from bot.studio.texts import say


@dataclass(slots=True)
class DraftEdit:
    """One message's work on the draft: what it reads, and the lines it says."""

    draft: dict[str, Any]
    analysis: Analysis | None
    assets: Sequence[Asset]
    lang: str
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def meta(self) -> dict[str, Any]:
        """The draft's ``m`` (created on first write)."""
        if not isinstance(self.draft.get("m"), dict):
            self.draft["m"] = {}
        meta: dict[str, Any] = self.draft["m"]
        return meta

    @property
    def tracks(self) -> list[Any]:
        """The draft's ``t`` (created on first write)."""
        if not isinstance(self.draft.get("t"), list):
            self.draft["t"] = []
        tracks: list[Any] = self.draft["t"]
        return tracks

    def change(self, key: str, **values: object) -> None:
        """Say one change made."""
        self.changes.append(say(key, self.lang, **values))

    def note(self, key: str, **values: object) -> None:
        """Say one caveat."""
        self.notes.append(say(key, self.lang, **values))


def full_ms(edit: DraftEdit) -> int | None:
    """The whole track's length: the analysis's, the upload's, else the untrimmed music's."""
    if edit.analysis is not None and edit.analysis.duration_s > 0:
        return round(edit.analysis.duration_s * 1000)
    music = music_segments(edit.draft)
    url = meta_of(music[0]).get("url") if music else None
    asset = next((a for a in edit.assets if a.url == url and a.duration_s > 0), None)
    if asset is not None:
        return round(asset.duration_s * 1000)
    meta = meta_of(edit.draft)
    trimmed = "start_ms" in meta or "end_ms" in meta
    length = whole(music[0].get("d")) if music else 0
    return length if length > 0 and not trimmed else None


def grid_in(meta: dict[str, Any]) -> Grid | None:
    """The grid ``m.grid`` holds; None for the energy-following default."""
    value = meta.get("grid")
    if isinstance(value, dict) and value.get("unit") in ("beat", "bar"):
        every = value.get("every")
        if isinstance(every, int) and every >= 1:
            return Grid(value["unit"], every)
    return None


def tracks_of(draft: dict[str, Any]) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Each track's type and its segments (dicts only), skipping junk."""
    tracks = draft.get("t")
    if not isinstance(tracks, list):
        return []
    return [
        (t.get("tt"), [s for s in t["sg"] if isinstance(s, dict)])
        for t in tracks
        if isinstance(t, dict) and isinstance(t.get("sg"), list)
    ]


def meta_of(item: Any) -> dict[str, Any]:
    """The ``m`` of a draft or segment, for reading (an empty one when missing or junk)."""
    meta = item.get("m") if isinstance(item, dict) else None
    return meta if isinstance(meta, dict) else {}


def text_of(segment: Any) -> str:
    """A title segment's text (empty when missing or junk)."""
    text = meta_of(segment).get("text")
    return text if isinstance(text, str) else ""


def canvas_of(meta: dict[str, Any]) -> tuple[int, int]:
    """The canvas ``m`` holds, else the plan's default."""
    width, height = meta.get("width"), meta.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return width, height
    return DEFAULT_CANVAS


def music_segments(draft: dict[str, Any]) -> list[dict[str, Any]]:
    """The segments of the music tracks."""
    return [s for tt, sg in tracks_of(draft) if tt == schema.MUSIC for s in sg]


def whole(value: Any) -> int:
    """A whole number from JSON, 0 when missing or junk."""
    return round(value) if isinstance(value, int | float) and math.isfinite(value) else 0
