"""Plan: beats in, cuts out; the draft read leniently into a frame-exact EDL."""

import copy
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from bot.studio.analysis import Analysis
from bot.studio.cuts import MIN_SHOT_MS
from bot.studio.edl import Canvas, Clip, Edl, Generated, Still, Title
from bot.studio.palettes import PALETTES, palette
from bot.studio.plan import PlanError, lay_cuts, plan
from bot.studio.schema import STYLES, TITLE_MS, Asset

SONG = Asset("https://cdn.test/song.mp3", Path("/media/song.mp3"), "audio", "song", 180.0)
PHOTO_A = Asset("https://cdn.test/a.jpg", Path("/media/a.jpg"), "image", "a")
PHOTO_B = Asset("https://cdn.test/b.jpg", Path("/media/b.jpg"), "image", "b")


def track(
    bpm: float,
    seconds: float,
    *,
    offset: float = 0.0,
    bar_offset: int = 0,
    energy: tuple[float, ...] = (),
    sections: tuple[float, ...] = (0.0,),
) -> Analysis:
    """A hand-made analysis: beats at ``offset + k * 60 / bpm`` (absolute, never summed)."""
    step = 60 / bpm
    beats = tuple(
        offset + k * step for k in range(int(seconds * bpm / 60) + 1) if offset + k * step < seconds
    )
    return Analysis(
        duration_s=seconds,
        tempo_bpm=bpm,
        beats_s=beats,
        downbeats_s=beats[bar_offset::4],
        onsets_s=beats,
        energy=energy,
        energy_hop_s=1.0,
        sections_s=sections,
    )


def song_draft(ms: float, *, volume: Any = 1.0, **meta: Any) -> dict[str, Any]:
    """A studio draft with only the music track (what an upload of a track gives)."""
    music = {"name": "song", "url": SONG.url, "volume": volume}
    return {"t": [{"tt": 1, "sg": [{"d": ms, "m": music}]}], "d": ms, "m": meta}


def assets_of(*assets: Asset) -> dict[str, Asset]:
    return {asset.url: asset for asset in (SONG, *assets)}


def synced(
    draft: dict[str, Any], analysis: Analysis | None, *visuals: Asset, height: int = 1080
) -> Edl:
    """Lay the cuts as a beat sync does, then plan the draft."""
    lay_cuts(draft, analysis, list(visuals))
    return plan(draft, analysis, assets_of(*visuals), height=height)


def starts(edl: Edl) -> list[int]:
    return [shot.start for shot in edl.shots]


def video_segments(draft: dict[str, Any]) -> list[dict[str, Any]]:
    return next(t for t in draft["t"] if t["tt"] == 0)["sg"]


def assert_well_formed(edl: Edl) -> None:
    """The EDL's promises: shots back to back over [0, frames), everything else inside."""
    assert edl.frames > 0
    assert edl.shots[0].start == 0
    assert edl.shots[-1].end == edl.frames
    assert all(a.end == b.start for a, b in pairwise(edl.shots))
    assert all(shot.end > shot.start for shot in edl.shots)
    assert all(0 <= t.start < t.end <= edl.frames for t in edl.titles)
    assert list(edl.pulses) == sorted(set(edl.pulses))
    assert all(0 <= p < edl.frames for p in edl.pulses)
    assert set(edl.accents) <= set(edl.pulses)
    assert edl.canvas.width % 2 == 0
    assert edl.canvas.height % 2 == 0
    assert 0 <= edl.fade_in <= edl.frames // 2
    assert 0 <= edl.fade_out <= edl.frames // 2


# -- grids ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bpm", "seconds", "grid", "expected"),
    [
        (120, 4, {"unit": "beat", "every": 1}, [0, 15, 30, 45, 60, 75, 90, 105]),
        (120, 4, {"unit": "beat", "every": 2}, [0, 30, 60, 90]),
        (120, 8, {"unit": "bar", "every": 1}, [0, 60, 120, 180]),
        (120, 8, {"unit": "bar", "every": 2}, [0, 120]),
        (100, 3, {"unit": "beat", "every": 1}, [0, 18, 36, 54, 72]),
        (120, 4, {"unit": "beat", "every": "2"}, [0, 30, 60, 90]),
    ],
)
def test_grid_cuts_land_on_beat_frames(
    bpm: float, seconds: float, grid: dict[str, Any], expected: list[int]
) -> None:
    """A grid in m.grid cuts on exactly those beats or bars, at their frames (0.5 s -> 15)."""
    edl = synced(song_draft(seconds * 1000, grid=grid), track(bpm, seconds))
    assert starts(edl) == expected
    assert edl.frames == seconds * 30


@pytest.mark.parametrize(
    ("bpm", "seconds", "factor", "bar_offset", "expected", "expected_bpm"),
    [
        (70, 2, 2, 0, [0, 13, 26, 39, 51], 140),  # a ballad tracked at half speed
        (174, 3, 0.5, 0, [0, 21, 41, 62], 87),  # drum and bass tracked at double speed
        (70, 2, "2", 0, [0, 13, 26, 39, 51], 140),
        (70, 2, 1.8, 0, [0, 13, 26, 39, 51], 140),
        (120, 2, 1, 0, [0, 15, 30, 45], 120),
        (120, 2, -1, 0, [0, 15, 30, 45], 120),
        (120, 4, 0.5, 1, [0, 15, 45, 75, 105], 60),  # half time keeps the beats bars start on
    ],
)
def test_tempo_factor_fixes_the_tracked_octave(
    bpm: float,
    seconds: float,
    factor: Any,
    bar_offset: int,
    expected: list[int],
    expected_bpm: int,
) -> None:
    """tempo_factor 2 inserts midpoints, 0.5 keeps every other beat; m.bpm is the tempo used."""
    draft = song_draft(seconds * 1000, grid={"unit": "beat", "every": 1}, tempo_factor=factor)
    edl = synced(draft, track(bpm, seconds, bar_offset=bar_offset))
    assert starts(edl) == expected
    assert draft["m"]["bpm"] == expected_bpm


@pytest.mark.parametrize("bpm", [123.0, 128.3, 97.7, 174.2])
def test_cuts_never_drift_over_three_minutes(bpm: float) -> None:
    """Cut k lands on round(beat_k * 30) for a whole 3-minute track, not on summed lengths."""
    analysis = track(bpm, 180, offset=0.37)
    edl = synced(song_draft(180_000, grid={"unit": "beat", "every": 1}), analysis)
    beats = [b for b in analysis.beats_s if b <= 180 - MIN_SHOT_MS / 1000]
    assert starts(edl) == [0] + [round(b * 30) for b in beats]
    assert edl.frames == 5400


# -- the energy-following default -------------------------------------------------------------


@pytest.mark.parametrize(
    ("energy", "sections", "expected"),
    [
        # calm verse: every 2 bars; loud chorus: every 2 beats
        ((0.1,) * 8 + (0.9,) * 8, (0.0, 8.0), [0, 120, 240, 270, 300, 330, 360, 390, 420, 450]),
        ((0.45,) * 16, (0.0, 8.0), [0, 60, 120, 180, 240, 300, 360, 420]),
        ((), (0.0, 8.0), [0, 60, 120, 180, 240, 300, 360, 420]),  # no curve: every bar
        ((0.8,) * 16, (0.0,), list(range(0, 480, 30))),
        ((0.1,) * 16, (0.0,), [0, 120, 240, 360]),
        # intro, drop, outro
        ((0.1,) * 4 + (0.9,) * 8 + (0.1,) * 4, (0.0, 4.0, 12.0), [0, *range(120, 360, 30), 360]),
    ],
)
def test_default_cuts_follow_the_energy(
    energy: tuple[float, ...], sections: tuple[float, ...], expected: list[int]
) -> None:
    """Without a grid: loud sections cut every 2 beats, mid ones every bar, calm every 2 bars."""
    edl = synced(song_draft(16_000), track(120, 16, energy=energy, sections=sections))
    assert starts(edl) == expected


def test_default_cuts_are_denser_where_the_song_is_loud() -> None:
    """A chorus gets more cuts than the verse of the same length."""
    energy = (0.2,) * 30 + (0.9,) * 30
    edl = synced(song_draft(60_000), track(128, 60, energy=energy, sections=(0.0, 30.0)))
    verse = [s for s in starts(edl) if s < 900]
    chorus = [s for s in starts(edl) if s >= 900]
    assert len(chorus) >= 3 * len(verse)


# -- shot lengths -----------------------------------------------------------------------------


def beatless_intro() -> Analysis:
    """20 s without beats, then 10 s at 120 BPM."""
    beats = tuple(20 + k * 0.5 for k in range(20))
    return Analysis(30.0, 120.0, beats, beats[::4], beats, (), 1.0, (0.0,))


@pytest.mark.parametrize(
    ("analysis", "meta", "expected_ms"),
    [
        # 480 cuts a minute would flicker: never closer than 250 ms
        (
            track(240, 2),
            {"grid": {"unit": "beat", "every": 1}, "tempo_factor": 2},
            [0, 250, 500, 750, 1000, 1250, 1500, 1750],
        ),
        # a first beat 100 ms in makes no 3-frame first shot
        (track(120, 2, offset=0.1), {"grid": {"unit": "beat", "every": 1}}, [0, 600, 1100, 1600]),
        # the default caps shots at 4 bars: a beatless intro is split evenly
        (beatless_intro(), {}, [0, 6667, 13333, 20000, 22000, 24000, 26000, 28000]),
        # a grid the user asked for is not capped
        (
            beatless_intro(),
            {"grid": {"unit": "bar", "every": 1}},
            [0, 20000, 22000, 24000, 26000, 28000],
        ),
        # no beats at all: one shot
        (Analysis(30.0, 0.0, (), (), (), (), 1.0, (0.0,), steady=True), {}, [0]),
        (
            Analysis(30.0, 0.0, (), (), (), (), 1.0, (0.0,)),
            {"grid": {"unit": "beat", "every": 1}},
            [0],
        ),
    ],
)
def test_shot_lengths_are_bounded(
    analysis: Analysis, meta: dict[str, Any], expected_ms: list[int]
) -> None:
    """No shot under MIN_SHOT_MS; default shots at most 4 bars unless the track has no beats."""
    draft = song_draft(analysis.duration_s * 1000, **meta)
    lay_cuts(draft, analysis, [])
    segments = video_segments(draft)
    assert [s["s"] for s in segments] == expected_ms
    assert min(s["d"] for s in segments) >= MIN_SHOT_MS
    assert sum(s["d"] for s in segments) == analysis.duration_s * 1000


# -- the span ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start_ms", "end_ms", "grid", "expected", "frames", "offset_s"),
    [
        (30_000, 36_000, {"unit": "bar", "every": 1}, [0, 60, 120], 180, 30.0),
        (30_100, 32_000, {"unit": "beat", "every": 1}, [0, 12, 27, 42], 57, 30.1),
        (55_000, 90_000, {"unit": "bar", "every": 1}, [0, 30, 90], 150, 55.0),  # end past the music
        (None, 4_000, {"unit": "bar", "every": 1}, [0, 60], 120, 0.0),
        (-5, "junk", {"unit": "bar", "every": 2}, list(range(0, 1800, 120)), 1800, 0.0),
    ],
)
def test_span_shifts_cuts_to_the_output_clock(
    start_ms: Any,
    end_ms: Any,
    grid: dict[str, Any],
    expected: list[int],
    frames: int,
    offset_s: float,
) -> None:
    """start_ms/end_ms pick the part of the track used; frame 0 is start_ms into the song."""
    draft = song_draft(60_000, grid=grid, start_ms=start_ms, end_ms=end_ms)
    edl = synced(draft, track(120, 60))
    assert starts(edl) == expected
    assert edl.frames == frames
    assert draft["d"] == round(frames * 1000 / 30)
    assert edl.music is not None
    assert edl.music.offset_s == offset_s


# -- visuals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visuals", "expected"),
    [
        (
            [PHOTO_A, SONG, PHOTO_B],
            [
                Still(PHOTO_A.path, "zoom_in"),
                Still(PHOTO_B.path, "pan_left"),
                Still(PHOTO_A.path, "zoom_out"),
                Still(PHOTO_B.path, "pan_right"),
                Still(PHOTO_A.path, "zoom_in"),
            ],
        ),
        ([], [Generated(0), Generated(1), Generated(2), Generated(3), Generated(0)]),
        ([SONG], [Generated(0), Generated(1), Generated(2), Generated(3), Generated(0)]),
    ],
)
def test_visuals_cycle_in_upload_order(visuals: list[Asset], expected: list[Any]) -> None:
    """Cuts cycle through the photos and clips; stills alternate moves, generated ones variants."""
    draft = song_draft(10_000, grid={"unit": "bar", "every": 1})
    edl = synced(draft, track(120, 10), *visuals)
    assert [shot.source for shot in edl.shots] == expected


@pytest.mark.parametrize(
    ("visuals", "expected_meta"),
    [
        (
            [PHOTO_A, PHOTO_B],
            [
                {"name": "a", "url": PHOTO_A.url, "beat": 0},
                {"name": "b", "url": PHOTO_B.url, "beat": 4},
                {"name": "a", "url": PHOTO_A.url, "beat": 8},
            ],
        ),
        (
            [],
            [
                {"name": "visual 1", "generated": True, "beat": 0},
                {"name": "visual 2", "generated": True, "beat": 4},
                {"name": "visual 3", "generated": True, "beat": 8},
            ],
        ),
    ],
)
def test_segments_name_their_visual_and_beat(
    visuals: list[Asset], expected_meta: list[dict[str, Any]]
) -> None:
    """Each laid segment says what it shows and which beat of the video it starts on."""
    draft = song_draft(66_000, grid={"unit": "bar", "every": 1}, start_ms=60_000)
    lay_cuts(draft, track(120, 66), visuals)
    assert [s["m"] for s in video_segments(draft)] == expected_meta
    assert [(s["s"], s["d"]) for s in video_segments(draft)] == [
        (0, 2000),
        (2000, 2000),
        (4000, 2000),
    ]


@pytest.mark.parametrize(
    ("motion", "duration", "shots_ms", "expected_in"),
    [
        ((0.1, 0.1, 0.1, 0.9, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1), 10.0, [2000, 2000], [3.0, 5.0]),
        ((0, 0, 0, 0, 0, 1), 6.0, [2000], [4.0]),  # the peak at the very end: clamped
        ((), 6.0, [2000, 2000, 2000, 2000], [0.0, 2.0, 4.0, 0.0]),  # no motion: plays on
        ((0.5, 0.5), 1.5, [2000], [0.0]),  # shorter than the shot: from 0
        ((0, 1, 1, 0, 0), 0.0, [1500], [1.0]),  # unknown duration: the motion's length
        # used up: the choice starts over
        ((0.2, 0.9, 0.1, 0.1, 0.9, 0.95, 0.1), 7.0, [1000, 1000, 1000], [5.0, 6.0, 5.0]),
    ],
)
def test_clip_plays_its_liveliest_section(
    motion: tuple[float, ...], duration: float, shots_ms: list[int], expected_in: list[float]
) -> None:
    """A clip starts at its most moving window, and moves on when it is used again."""
    clip = Asset("https://cdn.test/c.mp4", Path("/media/c.mp4"), "video", "c", duration, motion)
    segments = [{"d": ms, "m": {"name": "c", "url": clip.url}} for ms in shots_ms]
    draft = song_draft(sum(shots_ms))
    draft["t"].insert(0, {"tt": 0, "sg": segments})
    edl = plan(draft, None, assets_of(clip))
    assert [shot.source for shot in edl.shots] == [Clip(clip.path, s) for s in expected_in]


# -- a hand-edited video track ----------------------------------------------------------------


def url(asset: Asset) -> dict[str, str]:
    return {"url": asset.url}


@pytest.mark.parametrize(
    ("segments", "expected"),
    [
        ([{"s": 0, "d": 4000, "m": url(PHOTO_A)}], [(0, 120, "a")]),
        (
            [{"d": 1000, "m": url(PHOTO_A)}, {"d": 1000, "m": url(PHOTO_B)}],
            [
                (0, 30, "a"),
                (30, 60, "b"),
                (60, 75, "gen"),
                (75, 90, "gen"),
                (90, 105, "gen"),
                (105, 120, "gen"),
            ],
        ),
        (  # an overlap: the later segment starts where the earlier ends
            [{"s": 0, "d": 2000, "m": url(PHOTO_A)}, {"s": 1000, "d": 2000, "m": url(PHOTO_B)}],
            [(0, 60, "a"), (60, 90, "b"), (90, 105, "gen"), (105, 120, "gen")],
        ),
        (  # past the end: clipped; the hole before it is filled on the beats
            [{"s": 3000, "d": 5000, "m": url(PHOTO_A)}],
            [
                (0, 15, "gen"),
                (15, 30, "gen"),
                (30, 45, "gen"),
                (45, 60, "gen"),
                (60, 75, "gen"),
                (75, 90, "gen"),
                (90, 120, "a"),
            ],
        ),
        (  # a 3-frame hole is no shot: the shot before takes it
            [{"s": 0, "d": 1000, "m": url(PHOTO_A)}, {"s": 1100, "d": 2900, "m": url(PHOTO_B)}],
            [(0, 33, "a"), (33, 120, "b")],
        ),
        ([{"s": 100, "d": 3900, "m": url(PHOTO_A)}], [(0, 120, "a")]),  # at the start: the next
        (  # wholly past the end: dropped, the video generated on the beats
            [{"s": 5000, "d": 1000, "m": url(PHOTO_A)}],
            [(f, f + 15, "gen") for f in range(0, 120, 15)],
        ),
        (
            [None, "x", {"d": -5, "m": url(PHOTO_B)}, {"s": "junk", "d": 1000, "m": url(PHOTO_A)}],
            [
                (0, 30, "a"),
                (30, 45, "gen"),
                (45, 60, "gen"),
                (60, 75, "gen"),
                (75, 90, "gen"),
                (90, 105, "gen"),
                (105, 120, "gen"),
            ],
        ),
        ([{"d": 4000, "m": {"url": "https://elsewhere/x.mp4", "name": "x"}}], [(0, 120, "gen")]),
    ],
)
def test_video_track_becomes_gap_free_shots(
    segments: list[Any], expected: list[tuple[int, int, str]]
) -> None:
    """Segments become shots at their frames; overlaps and slivers are resolved, holes filled."""
    draft = song_draft(4000, grid={"unit": "beat", "every": 1})
    draft["t"].insert(0, {"tt": 0, "sg": segments})
    edl = plan(draft, track(120, 4), assets_of(PHOTO_A, PHOTO_B))
    labels = [
        (s.start, s.end, s.source.path.stem if isinstance(s.source, Still) else "gen")
        for s in edl.shots
    ]
    assert labels == expected
    assert_well_formed(edl)


@pytest.mark.parametrize(
    "analysis",
    [track(120, 60), track(93, 45, energy=(0.2,) * 20 + (0.9,) * 25, sections=(0.0, 20.0)), None],
)
def test_music_only_draft_gets_generated_shots_on_the_beats(analysis: Analysis | None) -> None:
    """A draft with only a track renders its whole length, generated visuals cut on the beats."""
    ms = analysis.duration_s * 1000 if analysis else 30_000
    draft = song_draft(ms)
    edl = plan(draft, analysis, assets_of())
    assert edl.frames == round(ms * 30 / 1000)
    assert all(isinstance(shot.source, Generated) for shot in edl.shots)
    assert all(a.source != b.source for a, b in pairwise(edl.shots))
    assert set(starts(edl)[1:]) <= set(edl.pulses)
    assert len(edl.shots) > 5
    laid = copy.deepcopy(draft)
    lay_cuts(laid, analysis, [])
    assert plan(laid, analysis, assets_of()).shots == edl.shots
    assert_well_formed(edl)


# -- titles, canvas, music, fades, pulses, palette --------------------------------------------


@pytest.mark.parametrize(
    ("segments", "expected"),
    [
        ([{"s": 1000, "d": 2000, "m": {"text": "Hello"}}], [Title("Hello", 30, 90)]),
        ([{"m": {"text": "Default"}}], [Title("Default", 0, TITLE_MS * 30 // 1000)]),
        ([{"s": 8000, "d": 4000, "m": {"text": "Late"}}], [Title("Late", 240, 300)]),
        ([{"m": {"text": "城市之光"}}], [Title("城市之光", 0, 120)]),
        (
            [{"d": 1000, "m": {"text": " A "}}, {"d": 1000, "m": {"text": "B"}}],
            [Title("A", 0, 30), Title("B", 30, 60)],
        ),
        ([{"s": 1000, "m": {"text": "  "}}, {"s": 12000, "m": {"text": "After the end"}}], []),
        ([{"m": {"text": 5}}, {"m": "junk"}, "junk", {"m": {"text": None}}], []),
        ([{"s": -1, "d": "x", "m": {"text": "Ok"}}], [Title("Ok", 0, 120)]),
    ],
)
def test_titles_show_at_their_frames(segments: list[Any], expected: list[Title]) -> None:
    """Title segments become titles at their frames, clipped to the video; empty ones dropped."""
    draft = song_draft(10_000)
    draft["t"].append({"tt": 7, "sg": segments})
    assert list(plan(draft, track(120, 10), assets_of()).titles) == expected


@pytest.mark.parametrize(
    ("width", "height", "render", "expected"),
    [
        (None, None, 1080, (1920, 1080)),
        (1920, 1080, 720, (1280, 720)),
        (1080, 1920, 1080, (1080, 1920)),
        (1080, 1920, 720, (720, 1280)),
        (1080, 1080, 1080, (1080, 1080)),
        (1080, 1080, 720, (720, 720)),
        (3840, 2160, 1080, (1920, 1080)),
        (2160, 3840, 720, (720, 1280)),
        ("1080", "1920", 1080, (1080, 1920)),
        (1279, 719, 1080, (1280, 720)),
        ("wide", 1080, 1080, (1920, 1080)),
        (True, 1080, 1080, (1920, 1080)),
        (-1080, 1920, 1080, (1920, 1080)),
        (0, 0, 720, (1280, 720)),
        (100_000, 1080, 1080, (1920, 1080)),
    ],
)
def test_canvas_follows_the_draft_size(
    width: Any, height: Any, render: int, expected: tuple[int, int]
) -> None:
    """16:9, 9:16 and 1:1 drafts render at their size at 1080p and at 2/3 of it at 720p."""
    draft = song_draft(4000, width=width, height=height)
    assert plan(draft, track(120, 4), assets_of(), height=render).canvas == Canvas(
        *expected, fps=30
    )


@pytest.mark.parametrize(
    ("volume", "gain"),
    [
        (1.0, 1.0),
        (0.35, 0.35),
        (35, 0.35),
        (150, 1.0),
        (0, 0.0),
        (-1, 1.0),
        ("0.5", 0.5),
        ("loud", 1.0),
        (None, 1.0),
        (True, 1.0),
    ],
)
def test_music_volume_is_the_gain(volume: Any, gain: float) -> None:
    """m.volume is the soundtrack's gain, 0..1 (above 1 read as percent, junk as unchanged)."""
    edl = plan(song_draft(4000, volume=volume), track(120, 4), assets_of())
    assert edl.music is not None
    assert edl.music.path == SONG.path
    assert edl.music.gain == pytest.approx(gain)


@pytest.mark.parametrize(
    "music",
    [
        None,
        {"name": "song"},
        {"url": "https://cdn.test/unknown.mp3"},
        {"url": ["not", "a", "url"]},
    ],
)
def test_no_known_music_file_means_no_soundtrack(music: Any) -> None:
    """Without a music track whose file the studio has, the video is silent."""
    draft = song_draft(4000)
    if music is None:
        draft["t"] = []
    else:
        draft["t"][0]["sg"][0]["m"] = music
    assert plan(draft, track(120, 4), assets_of()).music is None


@pytest.mark.parametrize(
    ("fade_in", "fade_out", "expected"),
    [
        (1000, 2000, (30, 60)),
        (None, None, (0, 0)),
        (-500, "x", (0, 0)),
        (60_000, 1e9, (150, 150)),
        ("500", 0, (15, 0)),
        (float("nan"), float("inf"), (0, 0)),
    ],
)
def test_fades_in_frames_at_most_half_the_video(
    fade_in: Any, fade_out: Any, expected: tuple[int, int]
) -> None:
    """Fades are frame counts, clamped so a fade in and a fade out never overlap."""
    draft = song_draft(10_000, fade_in_ms=fade_in, fade_out_ms=fade_out)
    edl = plan(draft, track(120, 10), assets_of())
    assert (edl.fade_in, edl.fade_out) == expected


def beats_only(beats: tuple[float, ...], downbeats: tuple[float, ...], seconds: float) -> Analysis:
    return Analysis(seconds, 120.0, beats, downbeats, beats, (), 1.0, (0.0,))


@pytest.mark.parametrize(
    ("analysis", "meta", "pulses", "accents"),
    [
        (track(120, 4), {}, (0, 15, 30, 45, 60, 75, 90, 105), (0, 60)),
        (None, {}, (0, 15, 30, 45, 60, 75, 90, 105), (0, 60)),  # unknown audio: steady 120 BPM
        (track(120, 4), {"tempo_factor": 0.5}, (0, 30, 60, 90), (0,)),
        (
            track(120, 60),
            {"start_ms": 30_100, "end_ms": 34_000},
            (12, 27, 42, 57, 72, 87, 102),
            (57,),
        ),
        # duplicates merge; a beat in the last half frame is outside the video
        (beats_only((0.0, 0.5, 0.51, 0.99), (0.0,), 1.0), {}, (0, 15), (0,)),
        # a downbeat off the beats still pulses
        (beats_only((0.0, 0.5), (0.25,), 1.0), {}, (0, 8, 15), (8,)),
    ],
)
def test_pulses_and_accents_are_beat_frames(
    analysis: Analysis | None,
    meta: dict[str, Any],
    pulses: tuple[int, ...],
    accents: tuple[int, ...],
) -> None:
    """Beats become pulse frames and downbeats accent frames, on the output clock."""
    ms = analysis.duration_s * 1000 if analysis else 4000
    edl = plan(song_draft(ms, **meta), analysis, assets_of())
    assert edl.pulses == pulses
    assert edl.accents == accents


@pytest.mark.parametrize(
    ("style", "expected"),
    [("sunset", "sunset"), ("MONO", "mono"), (None, "neon"), (7, "neon"), ("plaid", "neon")],
)
def test_plan_uses_the_style_palette(style: Any, expected: str) -> None:
    """m.style picks the palette; junk gets the default look."""
    edl = plan(song_draft(4000, style=style), track(120, 4), assets_of())
    assert edl.palette == PALETTES[expected]


@pytest.mark.parametrize("name", STYLES)
def test_every_style_has_a_palette(name: str) -> None:
    """Each name a user can ask for has colours ffmpeg reads (0xRRGGBB)."""
    look = palette(name)
    assert look.name == name
    colours = (look.background, look.primary, look.accent, look.text)
    assert all(re.fullmatch(r"0x[0-9A-F]{6}", colour) for colour in colours)
    assert len(set(colours)) >= 3


@pytest.mark.parametrize(
    ("name", "expected", "mono", "glitch"),
    [
        ("mono", "mono", True, False),
        ("glitch", "glitch", False, True),
        ("warm", "warm", False, False),
        (" Ocean ", "ocean", False, False),
        (None, "neon", False, False),
        ("", "neon", False, False),
        ("unknown", "neon", False, False),
    ],
)
def test_palette_lookup_defaults_to_neon(
    name: str | None, expected: str, mono: bool, glitch: bool
) -> None:
    """Names are matched loosely; a missing or unknown one gets the default style."""
    look = palette(name)
    assert (look.name, look.mono, look.glitch) == (expected, mono, glitch)


# -- lay_cuts on the draft --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "analysis", "expected_ms", "expected_d", "expected_bpm"),
    [
        # unknown audio: a steady 120-BPM grid over the music track's length, every bar
        (song_draft(10_000), None, [0, 2000, 4000, 6000, 8000], 10_000, 120),
        ({}, track(120, 6), [0, 2000, 4000], 6000, 120),
        ({"t": "junk", "m": "junk"}, track(120, 4), [0, 2000], 4000, 120),
        ({"d": 4000}, None, [0, 2000], 4000, 120),  # no music: the draft's own length
        ({"d": 4000, "m": {"start_ms": 2000}}, None, [0, 2000], 4000, 120),
        ({}, None, [], 0, 120),
    ],
)
def test_lay_cuts_writes_the_video_track(
    draft: dict[str, Any],
    analysis: Analysis | None,
    expected_ms: list[int],
    expected_d: int,
    expected_bpm: int,
) -> None:
    """The video track is laid first in t, back to back, with the draft's d and bpm set."""
    count = lay_cuts(draft, analysis, [])
    segments = draft["t"][0]["sg"]
    assert draft["t"][0]["tt"] == 0
    assert count == len(segments)
    assert [s["s"] for s in segments] == expected_ms
    assert all(a["s"] + a["d"] == b["s"] for a, b in pairwise(segments))
    assert sum(s["d"] for s in segments) == expected_d
    assert draft["d"] == expected_d
    assert draft["m"]["bpm"] == expected_bpm


def test_lay_cuts_replaces_the_video_track_in_place() -> None:
    """A second beat sync rewrites the existing video track where it is, not a new one."""
    draft = song_draft(4000, grid={"unit": "beat", "every": 2})
    draft["t"].append({"tt": 0, "sg": [{"d": 9000, "m": {"name": "old"}}]})
    lay_cuts(draft, track(120, 4), [PHOTO_A])
    assert [t["tt"] for t in draft["t"]] == [1, 0]
    assert [s["m"]["name"] for s in draft["t"][1]["sg"]] == ["a", "a", "a", "a"]


# -- junk -------------------------------------------------------------------------------------


CLOUD_DRAFT = {
    "t": [
        {"tt": 0, "sg": [{"d": 10000, "m": {"name": "city timelapse"}}]},
        {"tt": 1, "sg": [{"d": 10000, "m": {"name": "Lo-fi", "volume": 0.35}}]},
        {"tt": 7, "sg": [{"d": 3000, "m": {"text": "Urban Dreams"}}]},
    ],
    "d": 10000,
    "m": {"title": "Urban Dreams", "width": 1920, "height": 1080},
}


def test_cloud_shaped_draft_renders() -> None:
    """A NemoVideo-cloud draft (no files the studio has) still gives a 10 s video with its title."""
    edl = plan(CLOUD_DRAFT, None, assets_of())
    assert edl.frames == 300
    assert [(s.start, s.end, s.source) for s in edl.shots] == [(0, 300, Generated(0))]
    assert edl.titles == (Title("Urban Dreams", 0, 90),)
    assert edl.music is None


@pytest.mark.parametrize(
    "draft",
    [
        {"t": "tracks", "d": 5000},
        {"t": [None, 1, "x", {"tt": "1", "sg": [{"d": "5000", "m": []}]}]},
        {"t": [{"tt": 0, "sg": {"not": "a list"}}], "d": 5000},
        {"t": [{"tt": 0, "sg": [{"d": 5000, "m": {"url": {"a": 1}}}]}]},
        {"m": "junk", "d": 5000},
        {"d": 1e300},
        {
            "d": 5000,
            "m": {
                "width": "huge",
                "grid": "fast",
                "tempo_factor": "x",
                "style": 7,
                "start_ms": -1,
                "end_ms": None,
                "fade_in_ms": float("nan"),
            },
        },
        {"d": 5000, "m": {"grid": {"unit": "beat", "every": 0}, "tempo_factor": 10**400}},
        {"d": 5000, "m": {"grid": {"unit": "bars", "every": 1}, "start_ms": 10**400}},
        {"t": [{"tt": 7, "sg": [{"s": 1e300, "d": 1e300, "m": {"text": "x"}}]}], "d": 5000},
    ],
)
def test_junk_drafts_still_plan(draft: Any) -> None:
    """Wrong types, missing keys and absurd numbers are skipped or defaulted, never raised."""
    edl = plan(draft, None, assets_of())
    assert_well_formed(edl)


@pytest.mark.parametrize(
    "draft",
    [
        {},
        {"t": []},
        {"d": 0},
        {"d": -5},
        {"d": "junk"},
        {"d": 10**400},
        {"t": [{"tt": 1, "sg": [{"d": 0, "m": {"url": SONG.url}}]}]},
        song_draft(60_000, start_ms=60_000),
        song_draft(60_000, start_ms=90_000),
        {"t": [{"tt": 1, "sg": [{"d": 1e300}]}], "m": {"start_ms": 1e299}},
        "not a draft",
        None,
    ],
)
def test_nothing_to_render_is_a_plan_error(draft: Any) -> None:
    """A draft with no length is a clear PlanError, not an empty video."""
    with pytest.raises(PlanError, match="nothing to render"):
        plan(draft, None, assets_of())
