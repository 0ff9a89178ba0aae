"""A session's picture: the music's beat grid from the backend, on the timeline's clock."""

import io

from PIL import Image

from bot.core.backend_results import MusicAnalysis
from bot.core.timeline import parse_draft
from bot.pictures import draw_session
from bot.pictures import timeline as picture
from tests.pictures.test_timeline_picture import DRAFT, x_of

#: Off the half-second grid the draft's own axis would suggest, so a misplaced tick shows.
OFFSET_S = 0.25
MUSIC = MusicAnalysis(
    tempo_bpm=120.0,
    duration_s=10.0,
    beats_s=tuple(OFFSET_S + i * 0.5 for i in range(19)),
    downbeats_s=tuple(OFFSET_S + i * 2.0 for i in range(5)),
)


def test_the_grid_is_drawn_at_the_beats_the_backend_gives() -> None:
    """Downbeats bright, other beats dim, at the times given (the video's clock)."""
    drawn = draw_session(parse_draft(DRAFT), MUSIC, lang="en")
    assert drawn.beat_lane is not None
    image = Image.open(io.BytesIO(drawn.png)).convert("RGB")
    top, end = drawn.beat_lane

    def at(seconds: float) -> tuple[int, int, int]:
        return image.getpixel((x_of(drawn, round(seconds * 1000)), (top + end) // 2))

    assert [at(t) for t in MUSIC.downbeats_s] == [picture.BAR_TICK] * len(MUSIC.downbeats_s)
    assert at(MUSIC.beats_s[1]) == picture.BEAT_TICK  # a beat that is not a downbeat
    assert at(1.0) not in {picture.BAR_TICK, picture.BEAT_TICK}  # between beats


def test_without_an_analysis_there_is_no_grid() -> None:
    """NemoVideo sends no analysis: the same picture as the plain timeline's, no beat lane."""
    drawn = draw_session(parse_draft(DRAFT), None, lang="en")
    assert drawn.beat_lane is None
    assert drawn.png == picture.draw_timeline(parse_draft(DRAFT), lang="en").png
