"""The timeline picture of a session: the draft with its music's beat grid laid where it plays.

The analysis counts seconds from the music's first sample; on the timeline the music starts
where its track does, so every beat is moved by that start. Without an analysis (NemoVideo),
the picture has no grid.
"""

from __future__ import annotations

from bot.core.backend_results import MusicAnalysis
from bot.core.timeline.model import Timeline, TrackKind
from bot.pictures.timeline import Picture, draw_timeline


def draw_session(timeline: Timeline, music: MusicAnalysis | None, *, lang: str | None) -> Picture:
    """``timeline`` drawn in ``lang``, with ``music``'s beats, downbeats and loudness if known."""
    if music is None:
        return draw_timeline(timeline, lang=lang)
    start_s = music_start_ms(timeline) / 1000
    return draw_timeline(
        timeline,
        lang=lang,
        beats_s=[start_s + beat for beat in music.beats_s],
        downbeats_s=[start_s + beat for beat in music.downbeats_s],
        length_ms=round((start_s + music.duration_s) * 1000),
        energy=music.energy,
        energy_hop_s=music.energy_hop_s,
    )


def music_start_ms(timeline: Timeline) -> int:
    """Where the first music (BGM) track starts on the timeline; 0 without one."""
    starts = (track.start_ms for track in timeline.tracks if track.kind is TrackKind.BGM)
    return next((start for start in starts if start is not None), 0)


def warm_up() -> None:
    """Open the font at every size and draw once, so the first picture asked for is quick.

    Opening the CJK font is most of a first drawing (~250 ms, holding the GIL): paid at start,
    not inside the first burst of interactions.
    """
    draw_timeline(Timeline(title="Beatthread 节拍"), lang="en")
