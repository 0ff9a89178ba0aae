"""The timeline picture of a session: the draft with its music's beat grid, when known.

The backend gives the beats on the video's clock, which is the timeline's; without an analysis
(NemoVideo), the picture has no grid.
"""

from __future__ import annotations

from bot.core.backend_results import MusicAnalysis
from bot.core.timeline.model import Timeline
from bot.pictures.timeline import Picture, draw_timeline


def draw_session(timeline: Timeline, music: MusicAnalysis | None, *, lang: str | None) -> Picture:
    """``timeline`` drawn in ``lang``, with ``music``'s beats, downbeats and loudness if known."""
    if music is None:
        return draw_timeline(timeline, lang=lang)
    return draw_timeline(
        timeline,
        lang=lang,
        beats_s=music.beats_s,
        downbeats_s=music.downbeats_s,
        length_ms=round(music.duration_s * 1000),
        energy=music.energy,
        energy_hop_s=music.energy_hop_s,
    )


def warm_up() -> None:
    """Open the font at every size and draw once, so the first picture asked for is quick.

    Opening the CJK font is most of a first drawing (~250 ms, holding the GIL): paid at start,
    not inside the first burst of interactions.
    """
    draw_timeline(Timeline(title="Beatthread 节拍"), lang="en")
