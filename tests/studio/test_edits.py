# ruff: noqa: RUF001 - Chinese messages use full-width punctuation on purpose.
"""The studio's edits: what a musician's words, in English and 中文, change in the draft."""

from __future__ import annotations

import copy
from pathlib import Path
from string import Formatter
from typing import Any

import pytest

from bot.studio.analysis import Analysis
from bot.studio.description import capabilities, describe
from bot.studio.edits import TITLE_MAX_CHARS, EditResult, apply_request, reply_text
from bot.studio.reader import parse_time_ms
from bot.studio.schema import STYLES, TITLE_MS, Asset
from bot.studio.texts import CATALOGUES

ABSENT = object()  # the key must not be in the draft's m
LENGTH_MS = 120_000
LOUD = (60.0, 90.0)  # the drop: the loudest section of the hand-built analysis
PHOTOS = (
    Asset("https://cdn/p1.jpg", Path("/up/p1.jpg"), "image", "p1"),
    Asset("https://cdn/p2.jpg", Path("/up/p2.jpg"), "image", "p2"),
    Asset("https://cdn/c1.mp4", Path("/up/c1.mp4"), "video", "c1", duration_s=8.0),
)


def _analysis(
    tempo: float = 120.0,
    *,
    duration: float = LENGTH_MS / 1000,
    sections: tuple[float, ...] = (0.0, 30.0, 60.0, 90.0),
    steady: bool = False,
) -> Analysis:
    step = 60 / tempo
    beats = tuple(i * step for i in range(int(duration / step)))
    hop = 0.5
    energy = tuple(0.9 if LOUD[0] <= i * hop < LOUD[1] else 0.3 for i in range(int(duration / hop)))
    return Analysis(duration, tempo, beats, beats[::4], beats, energy, hop, sections, steady)


def _draft(*, title: str | None = None, volume: float = 1.0, **meta: Any) -> dict[str, Any]:
    music = {"name": "song", "url": "https://cdn/song.mp3", "volume": volume}
    draft: dict[str, Any] = {"t": [{"tt": 1, "sg": [{"d": LENGTH_MS, "m": music}]}]}
    draft["d"], draft["m"] = LENGTH_MS, dict(meta)
    if title is not None:
        draft["t"].append({"tt": 7, "sg": [{"s": 0, "d": TITLE_MS, "m": {"text": title}}]})
        draft["m"]["title"] = title
    return draft


def _apply(
    text: str,
    draft: dict[str, Any] | None = None,
    *,
    analysis: Analysis | None = None,
    assets: tuple[Asset, ...] = (),
    language: str = "en",
) -> tuple[EditResult, dict[str, Any]]:
    draft = _draft() if draft is None else draft
    found = analysis if analysis is not None else _analysis()
    result = apply_request(draft, text, analysis=found, assets=assets, language=language)
    return result, draft


def _titles(draft: dict[str, Any]) -> list[tuple[int, int, str]]:
    return [(s["s"], s["d"], s["m"]["text"]) for t in draft["t"] if t["tt"] == 7 for s in t["sg"]]


def _video(draft: dict[str, Any]) -> list[dict[str, Any]]:
    return next((t["sg"] for t in draft["t"] if t["tt"] == 0), [])


def _music(draft: dict[str, Any]) -> dict[str, Any]:
    segment: dict[str, Any] = next(t for t in draft["t"] if t["tt"] == 1)["sg"][0]
    return segment


def _has(meta: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        if value is ABSENT:
            assert key not in meta, key
        else:
            assert meta.get(key) == value, key


BEAT_1 = {"unit": "beat", "every": 1}
BEAT_2 = {"unit": "beat", "every": 2}
BAR_1 = {"unit": "bar", "every": 1}
BAR_2 = {"unit": "bar", "every": 2}
BAR_4 = {"unit": "bar", "every": 4}
TALL = {"width": 1080, "height": 1920}
SQUARE = {"width": 1080, "height": 1080}
WIDE = {"width": 1920, "height": 1080}

M_KEYS = [
    # sync to the beat: the energy-following default (no grid) at the track's tempo
    ("sync the visuals to the beat", {"grid": ABSENT, "bpm": 120}),
    ("cut to the beat", {"grid": ABSENT, "bpm": 120, "end_ms": ABSENT}),
    ("make it beat-synced", {"grid": ABSENT, "bpm": 120}),
    ("sync visuals to the beat and generate a music video", {"grid": ABSENT, "bpm": 120}),
    ("卡点", {"grid": ABSENT, "bpm": 120}),
    ("踩点", {"grid": ABSENT, "bpm": 120}),
    ("同步节拍", {"grid": ABSENT, "bpm": 120}),
    ("跟着节拍剪", {"grid": ABSENT, "bpm": 120}),
    # grids
    ("cut on every beat", {"grid": BEAT_1}),
    ("cut every 2 beats", {"grid": BEAT_2}),
    ("cut every other beat", {"grid": BEAT_2}),
    ("every bar please", {"grid": BAR_1}),
    ("cut every measure", {"grid": BAR_1}),
    ("every 2 bars", {"grid": BAR_2}),
    ("switch every four bars", {"grid": BAR_4}),
    ("每拍切一次", {"grid": BEAT_1}),
    ("每两拍", {"grid": BEAT_2}),
    ("每小节", {"grid": BAR_1}),
    ("每四小节", {"grid": BAR_4}),
    # the tempo octave
    ("half time", {"tempo_factor": 0.5, "bpm": 60}),
    ("make it half-time", {"tempo_factor": 0.5, "bpm": 60}),
    ("半拍速", {"tempo_factor": 0.5, "bpm": 60}),
    ("double time", {"tempo_factor": 2.0, "bpm": 240}),
    ("it's 60 bpm", {"tempo_factor": 0.5, "bpm": 60}),
    ("the tempo is 240", {"tempo_factor": 2.0, "bpm": 240}),
    ("the tempo is 118", {"tempo_factor": ABSENT, "bpm": 120}),
    # faster / slower from the default (the bar rung)
    ("faster cuts", {"grid": BEAT_2, "end_ms": ABSENT}),
    ("more cuts", {"grid": BEAT_2}),
    ("cut faster", {"grid": BEAT_2}),
    ("快一点", {"grid": BEAT_2}),
    ("更快的剪辑", {"grid": BEAT_2}),
    ("slower cuts", {"grid": BAR_2}),
    ("fewer cuts", {"grid": BAR_2}),
    ("慢一点", {"grid": BAR_2}),
    # canvas
    ("make it vertical", TALL),
    ("portrait please", TALL),
    ("9:16", TALL),
    ("for TikTok", TALL),
    ("for Reels", TALL),
    ("YouTube Shorts", TALL),
    ("竖屏", TALL),
    ("square", SQUARE),
    ("1:1", SQUARE),
    ("for Instagram feed", SQUARE),
    ("方形", SQUARE),
    ("widescreen", WIDE),
    ("landscape", WIDE),
    ("horizontal video", WIDE),
    ("16:9", WIDE),
    ("for YouTube", WIDE),
    ("横屏", WIDE),
    # style
    ("neon", {"style": "neon"}),
    ("霓虹", {"style": "neon"}),
    ("warm colours", {"style": "warm"}),
    ("暖色", {"style": "warm"}),
    ("ocean vibes", {"style": "ocean"}),
    ("make it blue", {"style": "ocean"}),
    ("蓝色", {"style": "ocean"}),
    ("black and white", {"style": "mono"}),
    ("b&w", {"style": "mono"}),
    ("黑白", {"style": "mono"}),
    ("glitch", {"style": "glitch"}),
    ("故障风格", {"style": "glitch"}),
    ("sunset", {"style": "sunset"}),
    ("日落", {"style": "sunset"}),
    # fades
    ("fade in", {"fade_in_ms": 2000, "fade_out_ms": ABSENT}),
    ("fade out at the end", {"fade_in_ms": ABSENT, "fade_out_ms": 2000}),
    ("fade in and out", {"fade_in_ms": 2000, "fade_out_ms": 2000}),
    ("3 second fade", {"fade_in_ms": 3000, "fade_out_ms": 3000}),
    ("fade out over 5 seconds", {"fade_in_ms": ABSENT, "fade_out_ms": 5000}),
    ("20 second fade out", {"fade_out_ms": 10_000}),
    ("淡入", {"fade_in_ms": 2000, "fade_out_ms": ABSENT}),
    ("淡出3秒", {"fade_in_ms": ABSENT, "fade_out_ms": 3000}),
    ("淡入淡出", {"fade_in_ms": 2000, "fade_out_ms": 2000}),
    # the span of the track
    ("trim to 60 s", {"start_ms": ABSENT, "end_ms": 60_000}),
    ("make it 30 seconds", {"end_ms": 30_000}),
    ("only the first minute", {"end_ms": 60_000}),
    ("shorten to 1:30", {"end_ms": 90_000}),
    ("trim to 1 min 30", {"end_ms": 90_000}),
    ("cut it down to 45 seconds", {"end_ms": 45_000}),
    ("剪到30秒", {"end_ms": 30_000}),
    ("start at 0:30", {"start_ms": 30_000, "end_ms": ABSENT}),
    ("skip the intro", {"start_ms": 30_000}),
    ("drop the intro", {"start_ms": 30_000}),
    ("跳过前奏", {"start_ms": 30_000}),
    ("skip the first 20 seconds", {"start_ms": 20_000}),
    ("start from the drop", {"start_ms": 60_000}),
    ("从30秒开始", {"start_ms": 30_000}),
    ("从副歌开始", {"start_ms": 60_000}),
    ("use 0:30 to 1:30", {"start_ms": 30_000, "end_ms": 90_000}),
]


@pytest.mark.parametrize(("text", "expected"), M_KEYS)
def test_a_request_sets_the_draft_keys_it_names(text: str, expected: dict[str, Any]) -> None:
    """Each phrasing, in either language, lands on the documented draft keys and says so."""
    result, draft = _apply(text)
    _has(draft["m"], expected)
    assert result.changes


def test_the_table_is_large_enough() -> None:
    """The phrasing table covers at least sixty messages."""
    assert len(M_KEYS) >= 60


TITLES = [
    ("add the title Urban Dreams", [(0, TITLE_MS, "Urban Dreams")]),
    ('title "Urban Dreams"', [(0, TITLE_MS, "Urban Dreams")]),
    ("title 'Urban Dreams'", [(0, TITLE_MS, "Urban Dreams")]),
    ("call it Midnight Drive", [(0, TITLE_MS, "Midnight Drive")]),
    ("call it Rock and Roll", [(0, TITLE_MS, "Rock and Roll")]),
    ("add the title Urban Dreams at 0:10", [(10_000, TITLE_MS, "Urban Dreams")]),
    ("add the title Urban Dreams at ０：１０", [(10_000, TITLE_MS, "Urban Dreams")]),
    ("add the title Urban Dreams from 10s to 15s", [(10_000, 5000, "Urban Dreams")]),
    ("add the title Urban Dreams for 5 seconds", [(0, 5000, "Urban Dreams")]),
    ("add the title Urban Dreams at 1:30 for 3 seconds", [(90_000, 3000, "Urban Dreams")]),
    ('title "Urban Dreams" at the drop', [(60_000, TITLE_MS, "Urban Dreams")]),
    ('title "Urban Dreams" at the chorus', [(60_000, TITLE_MS, "Urban Dreams")]),
    ("add the title Outro at the end", [(LENGTH_MS - TITLE_MS, TITLE_MS, "Outro")]),
    ("title: Midnight Drive, at the end", [(LENGTH_MS - TITLE_MS, TITLE_MS, "Midnight Drive")]),
    ("add the title Intro at the start", [(0, TITLE_MS, "Intro")]),
    ('call it "urBAN dreams"', [(0, TITLE_MS, "urBAN dreams")]),
    ("Title: Ünïcode Straße", [(0, TITLE_MS, "Ünïcode Straße")]),
    ('add the title "2 Bars"', [(0, TITLE_MS, "2 Bars")]),
    ('标题"城市之梦"', [(0, TITLE_MS, "城市之梦")]),
    ("加标题“城市之梦”", [(0, TITLE_MS, "城市之梦")]),
    ("加标题城市之梦，在0:10", [(10_000, TITLE_MS, "城市之梦")]),
    ("把标题改成夜行", [(0, TITLE_MS, "夜行")]),
    ("在高潮处加标题「夜行」", [(60_000, TITLE_MS, "夜行")]),
    ("标题“城市之梦”持续5秒", [(0, 5000, "城市之梦")]),
]


@pytest.mark.parametrize(("text", "expected"), TITLES)
def test_a_title_lands_on_the_title_track(text: str, expected: list[Any]) -> None:
    """A title keeps the user's words, casing and script, at the time asked for (else 0)."""
    _, draft = _apply(text)
    assert _titles(draft) == expected
    assert draft["m"]["title"] == expected[0][2]


EXISTING_TITLE = [
    ("add the title New", [(0, TITLE_MS, "New")], "New"),
    (
        "add another title Second Act at 1:00",
        [(0, TITLE_MS, "Old"), (60_000, TITLE_MS, "Second Act")],
        "Old",
    ),
    ("再加一个标题“第二幕”在1:00", [(0, TITLE_MS, "Old"), (60_000, TITLE_MS, "第二幕")], "Old"),
    ("move the title to 1:00", [(60_000, TITLE_MS, "Old")], "Old"),
    ("the title should be at 0:10", [(10_000, TITLE_MS, "Old")], "Old"),
    ("put the title at the end", [(LENGTH_MS - TITLE_MS, TITLE_MS, "Old")], "Old"),
    ("remove the title", [], ABSENT),
    ("drop the title", [], ABSENT),
    ("no title", [], ABSENT),
    ("删除标题", [], ABSENT),
    ("去掉标题", [], ABSENT),
]


@pytest.mark.parametrize(("text", "expected", "main"), EXISTING_TITLE)
def test_titles_are_replaced_added_moved_or_removed(
    text: str, expected: list[Any], main: object
) -> None:
    """A new title replaces the main one, "another" appends, a time alone moves, remove clears."""
    result, draft = _apply(text, _draft(title="Old"))
    assert _titles(draft) == expected
    _has(draft["m"], {"title": main, "start_ms": ABSENT})
    assert len(result.changes) == 1


def test_a_long_title_is_shortened_and_the_reply_says_so() -> None:
    """A title past the cap is cut to it, with a note giving both lengths."""
    words = "x" * (TITLE_MAX_CHARS + 15)
    result, draft = _apply(f'add the title "{words}"')
    assert _titles(draft) == [(0, TITLE_MS, "x" * TITLE_MAX_CHARS)]
    assert result.notes == (f"a title of {len(words)} characters was shortened to 80",)


def test_a_title_at_the_drop_counts_from_the_start_of_the_span() -> None:
    """Title times are on the video's clock: the drop at 1:00 of the track is 0:30 of the video."""
    _, draft = _apply('title "Drop" at the drop', _draft(start_ms=30_000))
    assert _titles(draft) == [(30_000, TITLE_MS, "Drop")]


COMBINED = [
    (
        "Make it vertical, sync to the beat every bar and add the title Urban Dreams at the drop",
        {**TALL, "grid": BAR_1},
        [(60_000, TITLE_MS, "Urban Dreams")],
        3,
    ),
    (
        "竖屏，卡点，每两拍，标题“城市之梦”，淡入淡出",
        {**TALL, "grid": BEAT_2, "fade_in_ms": 2000, "fade_out_ms": 2000},
        [(0, TITLE_MS, "城市之梦")],
        4,
    ),
    ("trim to 60 s, start at 0:30 and fade out", {"start_ms": 30_000, "end_ms": 90_000}, [], 2),
    (
        'add the title "2 Bars" and make it square',
        {**SQUARE, "grid": ABSENT},
        [(0, TITLE_MS, "2 Bars")],
        2,
    ),
    ('add the title "2 Bars" every 4 bars', {"grid": BAR_4}, [(0, TITLE_MS, "2 Bars")], 2),
    ("add the title Neon Nights", {"style": ABSENT}, [(0, TITLE_MS, "Neon Nights")], 1),
    ("add the title Urban Dreams in neon", {"style": "neon"}, [(0, TITLE_MS, "Urban Dreams")], 2),
    # the tempo fix, the grid's cuts and the fade: three lines
    ("half time, cut every bar, 3 second fade in", {"tempo_factor": 0.5, "grid": BAR_1}, [], 3),
    ("make it 30 seconds and add the title X", {"end_ms": 30_000}, [(0, TITLE_MS, "X")], 2),
    (
        "Make a vertical video for TikTok in neon, cut on every beat, "
        'title "NIGHT RIDE" at the drop, fade out at the end',
        {**TALL, "style": "neon", "grid": BEAT_1, "fade_out_ms": 2000, "fade_in_ms": ABSENT},
        [(60_000, TITLE_MS, "NIGHT RIDE")],
        5,
    ),
]


@pytest.mark.parametrize(("text", "expected", "titles", "lines"), COMBINED)
def test_one_message_can_ask_for_several_changes(
    text: str, expected: dict[str, Any], titles: list[Any], lines: int
) -> None:
    """Every request in a message is applied, one line each; words in a title are no request."""
    result, draft = _apply(text)
    _has(draft["m"], expected)
    assert _titles(draft) == titles
    assert len(result.changes) == lines, result.changes


def test_several_changes_say_one_line_each() -> None:
    """Canvas, style, title and cuts: four changes, four lines, in the reply language."""
    result, _ = _apply("竖屏，霓虹，标题“夜”，每小节")
    assert result.language == "zh"
    assert len(result.changes) == 4
    assert any("每小节切一次" in line for line in result.changes)


NOT_UNDERSTOOD = [
    "hello",
    "what can you do?",
    "thanks!",
    "make the title bigger",
    "don't make it vertical",
    "I love this song",
    "faster",
    "你好",
    "这首歌怎么样",
]


@pytest.mark.parametrize("text", NOT_UNDERSTOOD)
def test_nothing_understood_changes_nothing(text: str) -> None:
    """A message with no request leaves the draft as it was and says no change."""
    before = _draft()
    result, draft = _apply(text, copy.deepcopy(before))
    assert (result.changes, result.notes) == ((), ())
    assert draft == before


IMPOSSIBLE = [
    ("generate a clip of a sunset", _draft(), (), "can't generate footage"),
    ("生成一段日落的视频片段", _draft(), (), "没法生成视频素材"),
    ("add stock footage of a city", _draft(), (), "stock footage"),
    ("transcribe the lyrics", _draft(), (), "lyrics"),
    ("add subtitles", _draft(), (), "subtitles"),
    ("use my photos", _draft(), (), "/upload PATH"),
    ("用我的照片", _draft(), (), "/upload PATH"),
    ("louder", _draft(), (), "already at 100%"),
    ("remove the title", _draft(), (), "no title"),
    ("move the title to 1:00", _draft(), (), "no title"),
    ("faster cuts", _draft(grid=BEAT_1), PHOTOS, "the fastest grid"),
    ("slower cuts", _draft(grid=BAR_4), PHOTOS, "the slowest grid"),
    ("start at 3:00", _draft(), (), "only 2:00 long, so I couldn't start at 3:00"),
    ("trim to 5 minutes", _draft(), (), "only 2:00 long, so the video runs to its end"),
    ("generate a video of a city at night", _draft(), (), "can't generate footage"),
]


@pytest.mark.parametrize(("text", "draft", "assets", "note"), IMPOSSIBLE)
def test_understood_but_impossible_changes_nothing_and_says_why(
    text: str, draft: dict[str, Any], assets: tuple[Asset, ...], note: str
) -> None:
    """The studio never claims work it did not do: no change line, an honest note instead."""
    before = copy.deepcopy(draft)
    result, after = _apply(text, draft, assets=assets)
    assert result.changes == ()
    assert any(note in line for line in result.notes), result.notes
    assert after == before


def test_a_footage_request_is_not_read_as_a_style() -> None:
    """A clip "of a sunset" asks for footage; its words do not pick the sunset palette."""
    _, draft = _apply("generate a clip of a sunset")
    assert "style" not in draft["m"]


TIMES = [
    ("1:30", 90_000),
    ("0:05", 5000),
    ("90s", 90_000),
    ("90 s", 90_000),
    ("90 seconds", 90_000),
    ("90 secs", 90_000),
    ("1 min 30", 90_000),
    ("1 min 30 s", 90_000),
    ("1m30s", 90_000),
    ("1.5 minutes", 90_000),
    ("2 mins", 120_000),
    ("one minute", 60_000),
    ("thirty seconds", 30_000),
    ("90", 90_000),
    ("90秒", 90_000),
    ("1分30秒", 90_000),
    ("1分钟", 60_000),
    ("２分半", 150_000),
    ("半分钟", 30_000),
    ("三十秒", 30_000),
    ("１分３０秒", 90_000),
    ("1:75", None),
    ("soon", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), TIMES)
def test_times_parse_in_either_language(text: str, expected: int | None) -> None:
    """Clock, unit and Chinese forms all give milliseconds; anything else is no time."""
    assert parse_time_ms(text) == expected


VOLUMES = [
    ("music at 80%", 1.0, 0.8),
    ("set the volume to 50%", 1.0, 0.5),
    ("volume 50", 1.0, 0.5),
    ("80% volume", 1.0, 0.8),
    ("music at 150%", 0.5, 1.0),
    ("quieter", 1.0, 0.8),
    ("turn the music down", 1.0, 0.8),
    ("louder", 0.5, 0.7),
    ("mute the music", 1.0, 0.0),
    ("音量50%", 1.0, 0.5),
    ("声音小一点", 1.0, 0.8),
    ("大声一点", 0.5, 0.7),
]


@pytest.mark.parametrize(("text", "start", "expected"), VOLUMES)
def test_the_music_volume_follows_the_words(text: str, start: float, expected: float) -> None:
    """The music segment's volume is set or stepped, and stays within 0..1."""
    _, draft = _apply(text, _draft(volume=start))
    assert _music(draft)["m"]["volume"] == expected


def test_a_volume_change_without_music_says_there_is_none() -> None:
    """No music track: nothing to change, and the note says so."""
    result, draft = _apply("louder", {"t": [], "d": 0, "m": {}})
    assert (result.changes, draft) == ((), {"t": [], "d": 0, "m": {}})
    assert result.notes == ("there is no music track yet, so there is no volume to change",)


def test_sync_lays_the_cuts_on_the_grid() -> None:
    """Cutting on every bar at 120 BPM puts a cut every 2 s and the line counts them."""
    result, draft = _apply("cut on every bar")
    starts = [segment["s"] for segment in _video(draft)]
    assert starts == list(range(0, LENGTH_MS, 2000))
    assert result.changes == (f"cut on every bar: {len(starts)} cuts at 120 BPM",)
    assert result.summary.startswith("A 1920x1080 widescreen 16:9 video, 2:00 long")


def test_faster_steps_along_the_ladder_to_its_end() -> None:
    """From the default, "faster" goes to every 2 beats, then every beat, then says it can't."""
    draft = _draft()
    grids = []
    for _ in range(3):
        result, _ = _apply("faster cuts", draft)
        grids.append(draft["m"].get("grid"))
    assert grids == [BEAT_2, BEAT_1, BEAT_1]
    assert result.changes == ()
    assert result.notes == ("cuts are already on every beat, the fastest grid I cut on",)


def test_slower_steps_along_the_ladder_to_its_end() -> None:
    """From the default, "slower" goes to every 2 bars, then every 4, then says it can't."""
    draft = _draft()
    grids = []
    for _ in range(3):
        result, _ = _apply("fewer cuts", draft)
        grids.append(draft["m"].get("grid"))
    assert grids == [BAR_2, BAR_4, BAR_4]
    assert result.notes == ("cuts are already every 4 bars, the slowest grid I cut on",)


def test_a_grid_past_the_cap_is_capped_with_a_note() -> None:
    """A grid of every 32 bars cuts every 16 and says so."""
    result, draft = _apply("cut every 32 bars")
    assert draft["m"]["grid"] == {"unit": "bar", "every": 16}
    assert result.notes == ("every 32 bars is more than I cut on, so I used every 16 bars",)


@pytest.mark.parametrize(
    ("heard", "text", "factor"),
    [
        (144.0, "it's 72 bpm", 0.5),
        (144.0, "it's 70 bpm", 0.5),
        (86.0, "the tempo is 172", 2.0),
        (120.0, "tempo: 120", ABSENT),
        (174.0, "速度是87", 0.5),
    ],
)
def test_a_stated_tempo_picks_the_nearest_octave(heard: float, text: str, factor: object) -> None:
    """A tempo the user states fixes the tracker's octave (half, as heard, or double)."""
    _, draft = _apply(text, analysis=_analysis(heard))
    _has(draft["m"], {"tempo_factor": factor})


def test_a_tempo_far_from_every_octave_is_said() -> None:
    """A stated tempo that no octave of the detected one matches gets an honest note."""
    result, _ = _apply("it's 100 bpm", analysis=_analysis(144.0))
    assert any("the beat I found is 144 BPM" in note for note in result.notes)


def test_a_steady_grid_is_noted() -> None:
    """A track without a beat is cut on a steady grid, and the reply says so."""
    result, _ = _apply("sync to the beat", analysis=_analysis(steady=True))
    assert result.notes == (
        "I couldn't find a beat in this track, so cuts follow a steady 120 BPM grid",
    )


def test_no_analysis_is_noted() -> None:
    """Unanalysed audio is cut on the plan's steady grid, and the reply says so."""
    draft = _draft()
    result = apply_request(draft, "sync to the beat", analysis=None, assets=(), language="en")
    assert result.changes
    assert result.notes == (
        "this track has no beat analysis (yet), so cuts follow a steady 120 BPM grid",
    )


def test_no_track_means_nothing_to_cut() -> None:
    """Before any upload a sync lays nothing and says how to add the song."""
    draft: dict[str, Any] = {}
    result = apply_request(draft, "sync to the beat", analysis=None, assets=(), language="en")
    assert (result.changes, draft) == ((), {})
    assert result.notes[0].startswith("there is no track to cut yet: attach your song")


def test_my_photos_become_the_shots() -> None:
    """Using my photos re-lays the cuts across the uploaded photos and clips."""
    result, draft = _apply("use the pictures I uploaded", assets=PHOTOS)
    urls = {segment["m"].get("url") for segment in _video(draft)}
    assert urls == {asset.url for asset in PHOTOS}
    assert result.changes == ("cutting across your 2 photos and 1 clip",)


def test_a_trim_re_lays_existing_cuts_and_keeps_lengths_consistent() -> None:
    """After a trim the cuts, the music segment and the draft all last the used span."""
    draft = _draft()
    _apply("sync to the beat", draft)
    _apply("start at 0:30 and trim to 60 s", draft)
    video = _video(draft)
    assert video[-1]["s"] + video[-1]["d"] == 60_000
    assert draft["d"] == _music(draft)["d"] == 60_000
    assert (draft["m"]["start_ms"], draft["m"]["end_ms"]) == (30_000, 90_000)


def test_a_trim_without_cuts_lays_none() -> None:
    """Trimming before any sync changes the span only: no cuts appear unasked."""
    _, draft = _apply("trim to 60 s")
    assert _video(draft) == []
    assert draft["d"] == _music(draft)["d"] == 60_000


def test_the_whole_track_resets_the_span() -> None:
    """Using the whole track removes the span and restores the track's length."""
    draft = _draft(start_ms=30_000, end_ms=90_000)
    _music(draft)["d"] = draft["d"] = 60_000
    result, _ = _apply("use the whole track", draft)
    _has(draft["m"], {"start_ms": ABSENT, "end_ms": ABSENT})
    assert draft["d"] == _music(draft)["d"] == LENGTH_MS
    assert result.changes == ("using the whole track (2:00)",)


def test_a_repeated_trim_still_says_the_span() -> None:
    """Asking again for the span the video already has is understood, not a blank reply."""
    draft = _draft(end_ms=60_000)
    _music(draft)["d"] = draft["d"] = 60_000
    result, _ = _apply("trim to 60 s", draft)
    assert result.changes == ("using 0:00–1:00 of the track (1:00)",)


def test_one_fade_can_be_removed() -> None:
    """Asking for no fade in keeps the fade out."""
    result, draft = _apply("no fade in", _draft(fade_in_ms=2000, fade_out_ms=2000))
    _has(draft["m"], {"fade_in_ms": ABSENT, "fade_out_ms": 2000})
    assert result.changes == ("no fade in",)


def test_fades_can_be_removed() -> None:
    """Asking for no fades removes both fades."""
    result, draft = _apply("no fades", _draft(fade_in_ms=2000, fade_out_ms=2000))
    _has(draft["m"], {"fade_in_ms": ABSENT, "fade_out_ms": ABSENT})
    assert result.changes == ("no fades",)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "sync to the beat", "en"),
        ("zh", "sync to the beat", "zh"),
        ("zh-CN", "make it vertical", "zh"),
        ("en", "卡点", "zh"),
        ("en", '标题 "Urban Dreams"', "zh"),
        ("en", "make it 竖屏", "en"),
    ],
)
def test_the_reply_language(language: str, text: str, expected: str) -> None:
    """The session's language, or 中文 when the message (its titles aside) is mainly CJK."""
    result, _ = _apply(text, language=language)
    assert result.language == expected
    cjk = any("\u4e00" <= char <= "\u9fff" for char in result.changes[0])
    assert cjk == (expected == "zh")


def test_describe_says_what_the_video_looks_like() -> None:
    """Canvas, length, style, grid, tempo, visuals and title in one or two sentences."""
    draft = _draft()
    _apply('vertical, neon, every bar, title "Night" at 0:10', draft)
    assert describe(draft, _analysis(), "en") == (
        "A 1080x1920 vertical 9:16 video, 2:00 long, in the neon style. 60 cuts on every bar "
        'at 120 BPM over generated visuals, with the title "Night" at 0:10.'
    )
    assert "竖屏 9:16" in describe(draft, _analysis(), "zh")


def test_describe_an_empty_draft() -> None:
    """Before any sync the description says nothing is cut yet."""
    assert describe({}, None, "en").endswith("Nothing is cut yet: ask me to sync it to the beat.")


def test_capabilities_are_honest() -> None:
    """The menu lists what the studio does and says what it cannot (footage, stock, lyrics)."""
    english, chinese = capabilities("en"), capabilities("zh-TW")
    assert "I can't generate footage, add stock footage or transcribe lyrics" in english
    assert "没法生成视频素材" in chinese
    for style in STYLES:
        assert CATALOGUES["en"][f"style_{style}"] in english


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (
            EditResult(("neon style", "no fades"), ("a note",)),
            "Done: neon style; no fades. A note.",
        ),
        (EditResult(("霓虹风格",), language="zh"), "好了：霓虹风格。"),
        (EditResult((), ("your project has no photos",)), "Your project has no photos."),
        (EditResult(()), capabilities("en")),
    ],
)
def test_reply_text(result: EditResult, expected: str) -> None:
    """The reply says what changed, else the notes, else what the studio can do."""
    assert reply_text(result) == expected


def test_catalogues_match() -> None:
    """Both languages have the same keys and the same placeholders in each text."""
    english, chinese = CATALOGUES["en"], CATALOGUES["zh"]
    assert english.keys() == chinese.keys()
    for key in english:
        names = [{f[1] for f in Formatter().parse(c[key]) if f[1]} for c in (english, chinese)]
        assert names[0] == names[1], key
