"""The time axis and the beat grid of the timeline picture: where ticks go and what they say.

Tick steps are the round lengths a musician reads (1 s … 30 s, 1 min … 30 min, hours), the
smallest that leaves :data:`MIN_TICK_PX` between labels, so a 10-second draft and a two-hour
one both get a handful of ticks. The beat grid is thinned the same way: beats only when they
are :data:`MIN_GRID_PX` apart, downbeats every 2nd, 4th … bar when bars are denser than that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Final

from bot.core.texts import text
from bot.core.timeline.summary import format_duration

#: Room for one tick label ("12:00:00" at the axis size is ~100 px).
MIN_TICK_PX: Final = 120
#: Closer grid lines than this blur into a band: that level of the grid is thinned or left out.
MIN_GRID_PX: Final = 4
#: Tick steps in seconds, shortest first.
STEPS_S: Final = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600)
MINUTE_MS: Final = 60_000
HOUR_MS: Final = 3_600_000


def tick_step_ms(span_ms: int, width_px: int) -> int:
    """The shortest round step that leaves at least :data:`MIN_TICK_PX` between ticks."""
    most = max(1, width_px // MIN_TICK_PX)
    for step_s in STEPS_S:
        if span_ms / (step_s * 1000) <= most:
            return step_s * 1000
    return math.ceil(span_ms / most / HOUR_MS) * HOUR_MS


def tick_label(ms: int, span_ms: int, lang: str | None) -> str:
    """``10s`` / ``10秒`` on a draft under a minute, ``1:30`` under an hour, else ``1:30:00``."""
    seconds = ms // 1000
    if span_ms < MINUTE_MS:
        return text("seconds", lang, value=seconds)
    minutes, second = divmod(seconds, 60)
    if span_ms < HOUR_MS:
        return f"{minutes}:{second:02d}"
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}"


def duration_label(ms: int, lang: str | None) -> str:
    """A length as the summary writes it (``10s``, ``3:05``), from an hour on ``2:00:00``."""
    if ms < HOUR_MS:
        return format_duration(ms, lang)
    return tick_label(ms, ms, lang)


def grid_ms(times_s: Iterable[float] | None, span_ms: int) -> list[int]:
    """Grid times in ms, sorted, without non-finite values or times outside ``[0, span]``."""
    if times_s is None:
        return []
    found = (round(float(t) * 1000) for t in times_s if math.isfinite(float(t)))
    return sorted(t for t in found if 0 <= t <= span_ms)


def beats_shown(beats: list[int], width_px: int) -> list[int]:
    """The beats, or none when they are closer than :data:`MIN_GRID_PX` on average."""
    return beats if len(beats) * MIN_GRID_PX <= width_px else []


def bars_shown(bars: list[int], width_px: int) -> list[int]:
    """Every bar, else every 2nd, 4th … bar, so that they stay :data:`MIN_GRID_PX` apart."""
    every = 1
    while len(bars) * MIN_GRID_PX > width_px * every:
        every *= 2
    return bars[::every]
