# ruff: noqa: RUF001 - Chinese text is the point of some cases.
"""The timeline picture: lanes, beat grid and axis checked from the PNG's own pixels."""

import io
import itertools
from collections.abc import Iterable

import pytest
from PIL import Image

from bot.core.timeline import parse_draft
from bot.pictures import Picture, axis, draw_timeline, lettering
from bot.pictures import timeline as picture

DRAFT = {
    "t": [
        {
            "tt": 0,
            "sg": [
                {"d": 4000, "m": {"name": "city timelapse"}},
                {"d": 6000, "m": {"src": "b.mp4"}},
            ],
        },
        {"tt": 1, "sg": [{"d": 10000, "m": {"name": "Lo-fi", "volume": 0.35}}]},
        {"tt": 7, "sg": [{"s": 2000, "d": 3000, "m": {"text": "Urban Dreams"}}]},
    ],
    "d": 10000,
    "m": {"title": "Urban Dreams"},
}
BEATS = [i * 0.5 for i in range(20)]
DOWNBEATS = BEATS[::4]
GRID_COLOURS = {picture.GRID_BEAT, picture.GRID_BAR, picture.BEAT_TICK, picture.BAR_TICK}
MAX_HEIGHT = 1200
#: Far below Discord's 10 MiB attachment limit.
MAX_PNG_BYTES = 1 << 20


def draw(draft: object, **options: object) -> tuple[Picture, Image.Image]:
    drawn = draw_timeline(parse_draft(draft), **options)
    image = Image.open(io.BytesIO(drawn.png))
    assert image.format == "PNG"
    return drawn, image.convert("RGB")


def x_of(drawn: Picture, ms: int) -> int:
    """Where the draft's time ``ms`` falls, computed here from the plot's ends."""
    left, right = drawn.plot
    return left + round(ms * (right - left) / drawn.span_ms)


def row(image: Image.Image, y: int, xs: Iterable[int]) -> list[tuple[int, int, int]]:
    return [image.getpixel((x, y)) for x in xs]


def bar_row(drawn: Picture, lane: int) -> int:
    """A row inside a lane's blocks, above any label."""
    return drawn.lanes[lane][0] + picture.BAR_INSET + 2


def test_size_matches_the_picture() -> None:
    """Discord shows the PNG at the size the picture says: three lanes, a header and an axis."""
    drawn, image = draw(DRAFT)
    assert image.size == (drawn.width, drawn.height) == (picture.WIDTH, drawn.height)
    assert drawn.height == picture.HEADER_H + 3 * picture.LANE_H + picture.AXIS_H
    assert drawn.span_ms == 10000


def test_title_bar_is_where_the_title_is() -> None:
    """The title's colour covers exactly its 2-5 s span in its lane and nowhere else."""
    drawn, image = draw(DRAFT)
    y = bar_row(drawn, 2)
    start, end = x_of(drawn, 2000), x_of(drawn, 5000)
    inside = row(image, y, range(start + 1, end - 2))
    assert set(inside) == {picture.TITLE_COLOUR}
    outside = row(image, y, [*range(drawn.plot[0], start - 1), *range(end + 1, drawn.plot[1])])
    assert picture.TITLE_COLOUR not in outside
    for lane in (0, 1):
        assert picture.TITLE_COLOUR not in row(image, bar_row(drawn, lane), range(image.width))


def test_video_cut_is_where_the_draft_cuts() -> None:
    """The two video segments alternate colours at the 4 s cut, so the cut is visible."""
    drawn, image = draw(DRAFT)
    y = bar_row(drawn, 0)
    cut = x_of(drawn, 4000)
    first, second = picture.VIDEO_COLOURS
    assert set(row(image, y, range(drawn.plot[0], cut - 2))) == {first}
    assert set(row(image, y, range(cut + 1, drawn.plot[1] - 2))) == {second}


def music_band_height(volume: float) -> int:
    draft = {"t": [{"tt": 1, "sg": [{"d": 10000, "m": {"volume": volume}}]}], "d": 10000}
    drawn, image = draw(draft)
    top, end = drawn.lanes[0]
    x = x_of(drawn, 9000)  # right of the volume label
    return sum(image.getpixel((x, y)) == picture.MUSIC_COLOUR for y in range(top, end))


def test_music_band_follows_the_volume() -> None:
    """The BGM band is as high as its volume: 90% is more than twice as high as 35%."""
    quiet, loud = music_band_height(0.35), music_band_height(0.9)
    assert quiet > 0
    assert loud > 2 * quiet


def test_music_band_follows_the_loudness_curve() -> None:
    """With the analysis' energy the band is tall where the music is loud, thin where quiet."""
    draft = {"t": [{"tt": 1, "sg": [{"d": 10000, "m": {"volume": 1.0}}]}], "d": 10000}
    energy = [0.1] * 50 + [1.0] * 50  # quiet first half, loud second half
    drawn, image = draw(draft, energy=energy, energy_hop_s=0.1)
    top, end = drawn.lanes[0]

    def band(ms: int) -> int:
        x = x_of(drawn, ms)
        return sum(image.getpixel((x, y)) == picture.MUSIC_COLOUR for y in range(top, end))

    assert band(8000) > 4 * band(4000) > 0


def test_beat_grid_at_the_beats() -> None:
    """Beat ticks at every beat, taller bright ones at downbeats, nothing between beats."""
    drawn, image = draw(DRAFT, beats_s=BEATS, downbeats_s=DOWNBEATS)
    assert drawn.beat_lane is not None
    top, end = drawn.beat_lane
    middle = (top + end) // 2
    for beat in BEATS:
        colour = image.getpixel((x_of(drawn, round(beat * 1000)), middle))
        expected = picture.BAR_TICK if beat in DOWNBEATS else picture.BEAT_TICK
        assert colour == expected, beat
    for beat in BEATS:
        between = image.getpixel((x_of(drawn, round(beat * 1000 + 250)), middle))
        assert between not in GRID_COLOURS, beat
    # Behind the lanes too: in the title lane's empty part, after the title.
    y = bar_row(drawn, 2)
    assert image.getpixel((x_of(drawn, 7500), y)) == picture.GRID_BEAT
    assert image.getpixel((x_of(drawn, 8000), y)) == picture.GRID_BAR


def test_no_grid_without_beats() -> None:
    """Without an analysis (NemoVideo) there is no beat lane and no grid line anywhere."""
    drawn, image = draw(DRAFT)
    assert drawn.beat_lane is None
    assert drawn.height == picture.HEADER_H + 3 * picture.LANE_H + picture.AXIS_H
    for lane in range(3):
        top = drawn.lanes[lane][0]
        assert not GRID_COLOURS & set(row(image, top + 2, range(image.width)))


def test_dense_grid_is_thinned() -> None:
    """Two hours of beats: beats are left out, bar lines thinned to stay apart."""
    hours = 2 * 3600
    draft = {"t": [{"tt": 1, "sg": [{"d": hours * 1000}]}]}
    beats = [i * 0.5 for i in range(hours * 2)]
    drawn, image = draw(draft, beats_s=beats, downbeats_s=beats[::4])
    assert drawn.beat_lane is not None
    middle = sum(drawn.beat_lane) // 2
    colours = row(image, middle, range(image.width))
    assert picture.BEAT_TICK not in colours
    bars = [x for x, colour in enumerate(colours) if colour == picture.BAR_TICK]
    assert len(bars) > 10
    assert min(b - a for a, b in itertools.pairwise(bars)) >= axis.MIN_GRID_PX


@pytest.mark.parametrize(
    ("span_ms", "ticks"),
    [(10_000, [0, 2, 4, 6, 8, 10]), (180_000, [0, 30, 60, 90, 120, 150, 180])],
)
def test_axis_ticks_at_round_steps(span_ms: int, ticks: list[int]) -> None:
    """Axis ticks sit at round seconds for the draft's length, drawn where they belong."""
    draft = {"t": [{"tt": 0, "sg": [{"d": span_ms}]}]}
    drawn, image = draw(draft)
    y = drawn.height - picture.AXIS_H + 4
    found = [x for x in range(image.width) if image.getpixel((x, y)) == picture.AXIS]
    assert found == [x_of(drawn, tick * 1000) for tick in ticks]


@pytest.mark.parametrize(
    ("ms", "span_ms", "lang", "label"),
    [
        (5000, 10_000, "en", "5s"),
        (5000, 10_000, "zh-CN", "5秒"),
        (90_000, 600_000, "en", "1:30"),
        (5_400_000, 7_200_000, "en", "1:30:00"),
    ],
)
def test_tick_labels(ms: int, span_ms: int, lang: str, label: str) -> None:
    """Ticks read like song positions: seconds, m:ss, then h:mm:ss for long mixes."""
    assert axis.tick_label(ms, span_ms, lang) == label


@pytest.mark.parametrize(
    ("span_ms", "step_ms"),
    [(10_000, 2000), (180_000, 30_000), (2 * 3_600_000, 1_800_000), (24 * 3_600_000, 21_600_000)],
)
def test_tick_step_adapts(span_ms: int, step_ms: int) -> None:
    """From ten seconds to a day, a handful of ticks."""
    assert axis.tick_step_ms(span_ms, picture.PLOT_WIDTH) == step_ms


def fifty_tracks() -> dict[str, object]:
    tracks = [
        {"tt": (0, 1, 7)[i % 3], "sg": [{"s": i * 1000, "d": 5000, "m": {"text": f"t{i}"}}]}
        for i in range(50)
    ]
    return {"t": tracks}


def two_hours() -> dict[str, object]:
    clips = [{"d": 60_000, "m": {"name": f"clip {i}"}} for i in range(120)]
    return {"t": [{"tt": 1, "sg": [{"d": 7_200_000, "m": {"volume": 60}}]}, {"tt": 0, "sg": clips}]}


BAD_INPUTS = {
    "no tracks": {"t": []},
    "not a draft": "{not json",
    "fifty tracks": fifty_tracks(),
    "two hours": two_hours(),
    "500-character title": {
        "t": [{"tt": 7, "sg": [{"d": 10000, "m": {"text": "长" * 250 + "x" * 250}}]}],
        "m": {"title": "T" * 500},
    },
    "emoji and RTL": {
        "t": [{"tt": 7, "sg": [{"d": 5000, "m": {"text": "Party 🎉 \u200fשלום مرحبا 👩‍👩‍👧"}}]}],
        "m": {"title": "🔥🔥"},
    },
    "no times at all": {"t": [{"tt": 0, "sg": [{"m": {"name": "a"}}, {"m": {"name": "b"}}]}]},
    "junk times": {"t": [{"tt": 7, "sg": [{"s": 1e15, "d": -5}, {"s": "x", "d": 1e300}]}]},
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_still_renders(name: str) -> None:
    """Odd drafts draw a decodable picture of a sensible size, far below Discord's limits."""
    drawn, image = draw(BAD_INPUTS[name], beats_s=BEATS, downbeats_s=DOWNBEATS, lang="zh")
    assert image.width == picture.WIDTH
    assert 100 < image.height <= MAX_HEIGHT
    assert len(drawn.png) < MAX_PNG_BYTES


def test_empty_draft_says_so() -> None:
    """No tracks: a short picture with a message in the middle, no lanes."""
    drawn, image = draw({"t": []})
    assert drawn.lanes == ()
    assert drawn.height == picture.HEADER_H + picture.EMPTY_H
    middle = picture.HEADER_H + picture.EMPTY_H // 2
    assert set(row(image, middle, range(image.width))) != {picture.BACKGROUND}


def test_fifty_tracks_show_how_many_are_left_out() -> None:
    """Past the lane cap the last row says "+N more tracks" instead of growing the picture."""
    drawn, image = draw(fifty_tracks())
    assert len(drawn.lanes) == picture.MAX_LANES - 1
    assert drawn.hidden_tracks == 50 - len(drawn.lanes)
    more = drawn.lanes[-1][1] + picture.LANE_H // 2
    assert set(row(image, more, range(picture.PAD, picture.PLOT_LEFT))) != {picture.BACKGROUND}


def ink(image: Image.Image, box: tuple[int, int, int, int], paper: tuple[int, int, int]) -> int:
    """How many pixels in ``box`` differ from the block colour ``paper``."""
    region = image.crop(box)
    return sum(count for count, colour in region.getcolors(1 << 16) or [] if colour != paper)


def title_ink(text: str) -> int:
    draft = {"t": [{"tt": 7, "sg": [{"d": 10000, "m": {"text": text}}]}], "d": 10000}
    drawn, image = draw(draft, lang="zh")
    top, end = drawn.lanes[0]
    box = (drawn.plot[0] + 2, top + picture.BAR_INSET, drawn.plot[1] - 4, end - picture.BAR_INSET)
    return ink(image, box, picture.TITLE_COLOUR)


def test_cjk_title_is_drawn_not_tofu() -> None:
    """A Chinese title draws its glyphs (more ink than four boxes); an unknown script, one box."""
    cjk, tofu = title_ink("城市之梦"), title_ink("□□□□")
    assert cjk > 2 * tofu > 0
    assert title_ink("שלום") == title_ink("□")


def test_cjk_glyphs_are_not_the_missing_glyph() -> None:
    """Every character of the Chinese labels rasterises to its own glyph, not .notdef."""
    face = lettering.font(lettering.LABEL_PX)
    notdef = bytes(face.getmask("\U0010fffd"))
    for char in "城市之梦标题视频背景音乐节拍时间线":
        assert bytes(face.getmask(char)) != notdef, char


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("城市之梦 Urban", "城市之梦 Urban"),
        ("Party 🎉🎶 time", "Party □ time"),
        ("👩‍👩‍👧 family", "□ family"),
        ("a\u200fb", "ab"),
        ("שלום עולם", "□ □"),
        ("two\n lines", "two lines"),
        ("x" * 500, "x" * lettering.MAX_CHARS),
    ],
)
def test_drawable_replaces_what_the_font_lacks(text: str, shown: str) -> None:
    """Missing glyphs become one visible box per run; invisible marks are dropped."""
    assert lettering.drawable(text) == shown


def test_fit_cuts_with_an_ellipsis() -> None:
    """A label too long for its block is cut to fit, and says so with "…"."""
    face = lettering.font(lettering.LABEL_PX)
    cut = lettering.fit("x" * 200, face, 300)
    assert cut.endswith("…")
    assert face.getlength(cut) <= 300
    assert lettering.fit("short", face, 300) == "short"
    assert lettering.fit("wide", face, 5) == ""
