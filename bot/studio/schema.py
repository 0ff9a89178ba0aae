"""The studio's keys in the draft: the one source of truth for what a render shows.

The draft keeps the contract's compact shape (``t`` tracks, ``tt`` type, ``sg`` segments,
``d`` ms, ``m`` metadata; nemo-api.md §3.7). Times are milliseconds on the **output** clock
(0 = the first frame of the video). What the studio adds, all optional:

Draft ``m``:
  ``width``/``height`` (canvas, px), ``title`` (the main title's text), ``bpm`` (the tempo used),
  ``grid`` ``{"unit": "beat"|"bar", "every": n}`` (how often to cut; absent = energy-following
  default), ``tempo_factor`` (0.5 half time, 2 double time: the user's fix of the tracker's
  tempo octave), ``style`` (a palette name, :data:`STYLES`), ``fade_in_ms``/``fade_out_ms``,
  ``start_ms``/``end_ms`` (the span of the track used: "start at 0:30", "trim to 60 s").

Track ``tt`` 0 (video) segments: ``s`` start, ``d`` length, ``m.name`` label, ``m.url`` the
``cdn_url`` of a user's photo or clip (absent: a generated visual, ``m.generated: true``),
``m.beat`` the index of the beat the cut lands on.
Track ``tt`` 1 (music): one segment, ``m.url`` the track's ``cdn_url``, ``m.volume`` 0..1.
Track ``tt`` 7 (titles): segments with ``s``, ``d`` and ``m.text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

VIDEO: Final = 0
MUSIC: Final = 1
TITLE: Final = 7

#: Palette names a user can ask for (the words that pick them live in :mod:`bot.studio.phrases`).
STYLES: Final = ("neon", "warm", "ocean", "mono", "glitch", "sunset")
DEFAULT_STYLE: Final = "neon"

#: Canvas sizes by aspect, at 1080p; 720p scales each side by 2/3.
CANVASES: Final = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}

#: How long a title shows when the user gives no time.
TITLE_MS: Final = 4000


@dataclass(frozen=True, slots=True)
class Asset:
    """An uploaded file the studio can use, found in the draft by its ``cdn_url``.

    ``motion`` is, for a video clip, how much the picture changes in each second (0..1, one
    value per second), so a plan can pick the liveliest section; empty when unknown.
    """

    url: str
    path: Path
    kind: Literal["audio", "image", "video"]
    name: str
    duration_s: float = 0.0
    motion: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class Grid:
    """How often to cut: every ``every`` beats or bars."""

    unit: Literal["beat", "bar"]
    every: int
