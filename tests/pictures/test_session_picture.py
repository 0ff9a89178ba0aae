"""A session's picture: the music's beat grid laid where the music plays on the timeline."""

import copy
import io

from PIL import Image

from bot.core.backend_results import MusicAnalysis
from bot.core.timeline import parse_draft
from bot.pictures import draw_session
from bot.pictures import timeline as picture
from tests.pictures.test_timeline_picture import DRAFT, x_of

MUSIC = MusicAnalysis(
    tempo_bpm=120.0,
    duration_s=8.0,
    beats_s=tuple(i * 0.5 for i in range(16)),
    downbeats_s=tuple(i * 2.0 for i in range(4)),
)
#: Off the half-second grid, so an unshifted tick is never where a shifted one should be.
START_MS = 1250


def beat_row(drawn: picture.Picture) -> tuple[Image.Image, int]:
    assert drawn.beat_lane is not None
    image = Image.open(io.BytesIO(drawn.png)).convert("RGB")
    top, end = drawn.beat_lane
    return image, (top + end) // 2


def test_the_grid_starts_where_the_music_does() -> None:
    """Music placed at 1.25 s: every beat is drawn 1.25 s later (off the unshifted grid)."""
    draft = copy.deepcopy(DRAFT)
    draft["t"][1]["sg"][0]["s"] = START_MS
    draft["t"][1]["sg"][0]["d"] = 8000
    drawn = draw_session(parse_draft(draft), MUSIC, lang="en")
    image, y = beat_row(drawn)

    def at(seconds: float) -> tuple[int, int, int]:
        return image.getpixel((x_of(drawn, START_MS + round(seconds * 1000)), y))

    assert [at(downbeat) for downbeat in MUSIC.downbeats_s] == [picture.BAR_TICK] * 4
    assert at(MUSIC.beats_s[1]) == picture.BEAT_TICK  # a beat that is not a downbeat


def test_music_at_the_start_keeps_its_own_times() -> None:
    drawn = draw_session(parse_draft(DRAFT), MUSIC, lang="en")
    image, y = beat_row(drawn)
    assert image.getpixel((x_of(drawn, 2000), y)) == picture.BAR_TICK


def test_without_an_analysis_there_is_no_grid() -> None:
    """NemoVideo sends no analysis: the same picture as the plain timeline's, no beat lane."""
    drawn = draw_session(parse_draft(DRAFT), None, lang="en")
    assert drawn.beat_lane is None
    assert drawn.png == picture.draw_timeline(parse_draft(DRAFT), lang="en").png
