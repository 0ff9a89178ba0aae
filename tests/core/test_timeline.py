# ruff: noqa: RUF001 - Chinese and full-width text is the point of these cases.
"""Timeline: lenient draft parsing, the human summary and the "what changed" diff."""

import copy
import json
import random
from collections.abc import Callable

import pytest

from bot.core.timeline import (
    Segment,
    Timeline,
    Track,
    TrackKind,
    diff,
    format_duration,
    format_seconds,
    format_span,
    is_exportable,
    parse_draft,
    summarize,
)

EXAMPLE = {
    "t": [
        {"tt": 0, "sg": [{"d": 10000, "m": {"name": "city timelapse"}}]},
        {"tt": 1, "sg": [{"d": 10000, "m": {"name": "Lo-fi", "volume": 0.35}}]},
        {"tt": 7, "sg": [{"d": 3000, "m": {"text": "Urban Dreams"}}]},
    ],
    "d": 10000,
    "m": {"title": "Urban Dreams", "width": 1920, "height": 1080},
}


def track(tt: object, *segments: object, **extra: object) -> dict[str, object]:
    return {"tt": tt, "sg": list(segments), **extra}


def summary_of(draft: object, lang: str = "en") -> str:
    return summarize(parse_draft(draft), lang)


def test_example_summary_english() -> None:
    """The contract's example renders in exactly the documented style."""
    assert summary_of(EXAMPLE) == (
        "Timeline (3 tracks):\n"
        "1. Video: city timelapse (0-10s)\n"
        "2. BGM: Lo-fi (0-10s, 35%)\n"
        '3. Title: "Urban Dreams" (0-3s)'
    )


def test_example_summary_chinese() -> None:
    """Chinese conversations get the same summary in Chinese."""
    assert summary_of(EXAMPLE, "zh-CN") == (
        "时间线（3 条轨道）：\n"
        "1. 视频：city timelapse（0-10秒）\n"
        "2. 背景音乐：Lo-fi（0-10秒，35%）\n"
        "3. 标题：“Urban Dreams”（0-3秒）"
    )


def test_example_model() -> None:
    """The parsed model carries kinds, times, labels, volume and draft metadata."""
    timeline = parse_draft(EXAMPLE)
    assert timeline == Timeline(
        tracks=(
            Track(TrackKind.VIDEO, 0, (Segment(0, 10000, "city timelapse", None),)),
            Track(TrackKind.BGM, 1, (Segment(0, 10000, "Lo-fi", 0.35),)),
            Track(TrackKind.TITLE, 7, (Segment(0, 3000, "Urban Dreams", None),)),
        ),
        duration_ms=10000,
        title="Urban Dreams",
        width=1920,
        height=1080,
    )
    assert timeline.is_exportable


@pytest.mark.parametrize(
    ("draft", "line"),
    [
        # segment starts under each undocumented name, in ms
        ({"t": [track(7, {"s": 2000, "d": 1500, "m": {"text": "Hi"}})]}, '1. Title: "Hi" (2-3.5s)'),
        ({"t": [track(7, {"st": 2000, "d": 1000, "m": {"text": "Hi"}})]}, '1. Title: "Hi" (2-3s)'),
        (
            {"t": [track(7, {"start": "2000", "d": 1000, "m": {"text": "Hi"}})]},
            '1. Title: "Hi" (2-3s)',
        ),
        (
            {"t": [track(7, {"offset": 500, "d": 2000, "m": {"text": "Hi"}})]},
            '1. Title: "Hi" (0.5-2.5s)',
        ),
        ({"t": [track(7, {"o": 4000, "d": 1000, "m": {"text": "Hi"}})]}, '1. Title: "Hi" (4-5s)'),
        (
            {"t": [track(7, {"d": 1000, "m": {"text": "Hi", "start": 3000}})]},
            '1. Title: "Hi" (3-4s)',
        ),
        # sequential segments when no start is given
        (
            {"t": [track(0, {"d": 4000, "m": {"name": "a"}}, {"d": 6000, "m": {"name": "b"}})]},
            "1. Video: a, b (0-10s)",
        ),
        # an end instead of a duration
        ({"t": [track(0, {"s": 1000, "e": 4000, "m": {"name": "a"}})]}, "1. Video: a (1-4s)"),
        # the lone segment without d lasts as long as its track, then the draft
        ({"t": [track(0, {"m": {"name": "a"}}, d=8000)]}, "1. Video: a (0-8s)"),
        ({"t": [track(0, {"m": {"name": "a"}})], "d": 12000}, "1. Video: a (0-12s)"),
        # labels from every documented-looking key
        ({"t": [track(0, {"d": 1000, "m": {"title": "t"}})]}, "1. Video: t (0-1s)"),
        (
            {"t": [track(7, {"d": 1000, "m": {"name": "t1", "text": "Hey"}})]},
            '1. Title: "Hey" (0-1s)',
        ),
        ({"t": [track(0, {"d": 1000, "m": {"label": "l"}})]}, "1. Video: l (0-1s)"),
        (
            {"t": [track(0, {"d": 1000, "m": {"src": "https://cdn.x/v/My%20Clip.mp4?sig=1"}})]},
            "1. Video: My Clip.mp4 (0-1s)",
        ),
        (
            {"t": [track(0, {"d": 1000, "url": "/mnt/userdata/abc/beach.mov"})]},
            "1. Video: beach.mov (0-1s)",
        ),
        (
            {"t": [track(0, {"d": 1000, "name": "on the segment"})]},
            "1. Video: on the segment (0-1s)",
        ),
        (
            {"t": [track(0, {"d": 1000, "m": {"name": "  lots \n of   space "}})]},
            "1. Video: lots of space (0-1s)",
        ),
        # volume as a fraction or percent, under each name, or on the track
        ({"t": [track(1, {"d": 1000, "m": {"name": "x", "v": 80}})]}, "1. BGM: x (0-1s, 80%)"),
        ({"t": [track(1, {"d": 1000, "m": {"name": "x", "vol": "0.5"}})]}, "1. BGM: x (0-1s, 50%)"),
        ({"t": [track(1, {"d": 1000, "vol": 1})]}, "1. BGM (0-1s, 100%)"),
        (
            {"t": [track(1, {"d": 1000, "m": {"name": "x"}}, m={"volume": 35})]},
            "1. BGM: x (0-1s, 35%)",
        ),
        ({"t": [track(0, {"d": 1000, "m": {"name": "x", "volume": 0.2}})]}, "1. Video: x (0-1s)"),
        # unknown and stringly track types
        ({"t": [track(3, {"d": 1000, "m": {"name": "fx"}})]}, "1. Track: fx (0-1s)"),
        ({"t": [track("7", {"d": 1000, "m": {"text": "Yo"}})]}, '1. Title: "Yo" (0-1s)'),
        # many labels are shortened
        (
            {"t": [track(7, *({"d": 1000, "m": {"text": f"L{i}"}} for i in range(5)))]},
            '1. Title: "L0", "L1", +3 more (0-5s)',
        ),
        # song-length times read as m:ss
        ({"t": [track(1, {"d": 185000, "m": {"name": "song"}})]}, "1. BGM: song (0:00-3:05)"),
        (
            {"t": [track(7, {"s": 62500, "d": 3000, "m": {"text": "end"}})]},
            '1. Title: "end" (1:02.5-1:05.5)',
        ),
    ],
)
def test_summary_lines(draft: object, line: str) -> None:
    """Undocumented field names and forms are read the way the backend plausibly sends them."""
    assert summary_of(draft).splitlines()[1] == line


def test_long_label_is_cut() -> None:
    """One very long label cannot blow a track line up."""
    draft = {"t": [track(7, {"d": 1000, "m": {"text": "x" * 200}})]}
    line = summary_of(draft).splitlines()[1]
    assert "x" * 59 + "…" in line
    assert "x" * 60 not in line


def test_single_track_header() -> None:
    """One track reads "1 track", not "1 tracks"."""
    assert summary_of({"t": [track(0, {"d": 1000})]}).splitlines()[0] == "Timeline (1 track):"


MALFORMED = [
    (None, "Timeline (0 tracks): nothing on it yet."),
    (42, "Timeline (0 tracks): nothing on it yet."),
    ("not json {", "Timeline (0 tracks): nothing on it yet."),
    pytest.param("[" * 100_000, "Timeline (0 tracks): nothing on it yet.", id="deep-nesting"),
    (b"\xff\xfe junk", "Timeline (0 tracks): nothing on it yet."),
    ("[]", "Timeline (0 tracks): nothing on it yet."),
    ([1, 2, 3], "Timeline (0 tracks): nothing on it yet."),
    ({}, "Timeline (0 tracks): nothing on it yet."),
    ({"t": None}, "Timeline (0 tracks): nothing on it yet."),
    ({"t": "tracks"}, "Timeline (0 tracks): nothing on it yet."),
    ({"t": [None, 1, "x", []]}, "Timeline (0 tracks): nothing on it yet."),
    ({"t": [{"tt": "video"}]}, "Timeline (1 track):\n1. Track"),
    ({"t": [{"tt": 0, "sg": "clips"}]}, "Timeline (1 track):\n1. Video"),
    ({"t": [{"tt": 0, "sg": [None, 3, {"d": "abc"}]}]}, "Timeline (1 track):\n1. Video"),
    ({"t": [{"tt": 0, "sg": [{"d": -5, "m": {"name": "n"}}]}]}, "Timeline (1 track):\n1. Video: n"),
    ({"t": [{"tt": 0, "sg": [{"d": True}]}]}, "Timeline (1 track):\n1. Video"),
    ({"t": [{"tt": 0, "sg": [{"d": float("nan")}]}]}, "Timeline (1 track):\n1. Video"),
    ({"t": [{"tt": 0, "sg": [{"d": "1e309"}]}]}, "Timeline (1 track):\n1. Video"),
    ({"t": [{"tt": 0, "sg": [{"d": 1000, "m": "junk"}]}]}, "Timeline (1 track):\n1. Video (0-1s)"),
    (
        {"t": [{"tt": 0, "sg": [{"d": 1000, "m": {"name": {"nested": [1, {"x": None}]}}}]}]},
        "Timeline (1 track):\n1. Video (0-1s)",
    ),
    ({"t": [{"tt": 1.5, "sg": [{"d": 1000}]}]}, "Timeline (1 track):\n1. Track (0-1s)"),
    (
        {"t": [{"tt": 1, "sg": [{"d": 1000, "m": {"volume": -3}}]}]},
        "Timeline (1 track):\n1. BGM (0-1s)",
    ),
    (
        {"t": [{"tt": 1, "sg": [{"d": 1000, "m": {"volume": "loud"}}]}]},
        "Timeline (1 track):\n1. BGM (0-1s)",
    ),
    (
        {"t": [{"tt": 0, "sg": [{"d": 1000, "s": None, "m": {"name": ""}}]}]},
        "Timeline (1 track):\n1. Video (0-1s)",
    ),
    ({"t": [{"tt": 0, "sg": [{"s": 5000, "e": 1000}]}]}, "Timeline (1 track):\n1. Video"),
    (
        {"t": [{"tt": 0, "sg": [{"d": 1000, "m": {"src": "https://x.y/"}}]}]},
        "Timeline (1 track):\n1. Video (0-1s)",
    ),
    ({"t": [], "d": "ten", "m": ["title"]}, "Timeline (0 tracks): nothing on it yet."),
]


@pytest.mark.parametrize(("draft", "expected"), MALFORMED)
def test_malformed_drafts_never_raise(draft: object, expected: str) -> None:
    """Whatever the backend sends, the bot shows what it can instead of crashing."""
    assert summary_of(draft) == expected


def test_random_junk_never_raises() -> None:
    """Nested junk of every JSON type, shaken at random, parses without an exception."""
    rng = random.Random(4)
    atoms: list[object] = [None, True, -1, 0, 1.5, float("inf"), "", "x", "100", [], {}]
    keys = ["t", "tt", "sg", "d", "m", "s", "name", "volume", "src", "e"]

    def junk(depth: int) -> object:
        if depth == 0 or rng.random() < 0.3:
            return rng.choice(atoms)
        if rng.random() < 0.5:
            return [junk(depth - 1) for _ in range(rng.randint(0, 3))]
        return {rng.choice(keys): junk(depth - 1) for _ in range(rng.randint(0, 4))}

    for _ in range(500):
        timeline = parse_draft(junk(5))
        summarize(timeline, "en")
        diff(timeline, parse_draft(junk(5)), "zh")


@pytest.mark.parametrize(
    "wrapped",
    [
        json.dumps(EXAMPLE),
        json.dumps(EXAMPLE).encode(),
        {"draft": EXAMPLE},
        {"state": {"draft": EXAMPLE, "video_infos": []}},
        {"data": {"state": {"draft": EXAMPLE}}},
    ],
)
def test_draft_is_unwrapped(wrapped: object) -> None:
    """A JSON string, a state object or a whole API data object all work."""
    assert parse_draft(wrapped) == parse_draft(EXAMPLE)


@pytest.mark.parametrize(
    ("draft", "exportable"),
    [
        (EXAMPLE, True),
        ({"t": [{"tt": 0, "sg": []}, {"tt": 1, "sg": [{}]}]}, True),
        ({"t": [{"tt": 0, "sg": [1]}]}, True),  # the contract's rule only asks for a non-empty sg
        ({"t": [{"tt": 0, "sg": []}]}, False),
        ({"t": []}, False),
        ({"t": None}, False),
        ({}, False),
        (None, False),
        ("garbage", False),
        ({"state": {"draft": {"t": [{"sg": [{}]}]}}}, True),
    ],
)
def test_is_exportable(draft: object, exportable: bool) -> None:
    """Export is refused politely unless a track has a segment (§3.7)."""
    assert is_exportable(draft) is exportable


@pytest.mark.parametrize(
    ("ms", "seconds"),
    [
        (0, "0"),
        (2500, "2.5"),
        (10000, "10"),
        (999, "1"),
        (1240, "1.2"),
        (59900, "59.9"),
        (60000, "1:00"),
        (185000, "3:05"),
        (3725500, "62:05.5"),
    ],
)
def test_format_seconds(ms: int, seconds: str) -> None:
    """Seconds have no trailing .0; a minute or more reads m:ss."""
    assert format_seconds(ms) == seconds


@pytest.mark.parametrize(
    ("start", "end", "lang", "span"),
    [
        (0, 10000, "en", "0-10s"),
        (0, 2500, "zh", "0-2.5秒"),
        (0, 60000, "en", "0:00-1:00"),
        (30000, 95000, "zh", "0:30-1:35"),
    ],
)
def test_format_span(start: int, end: int, lang: str, span: str) -> None:
    """Spans use one unit for both ends."""
    assert format_span(start, end, lang) == span


@pytest.mark.parametrize(
    ("ms", "lang", "text"), [(10000, "en", "10s"), (10000, "zh", "10秒"), (185000, "en", "3:05")]
)
def test_format_duration(ms: int, lang: str, text: str) -> None:
    """Lengths in diffs read like the summary's times."""
    assert format_duration(ms, lang) == text


def edited(change: Callable[[dict], None]) -> dict:
    draft = copy.deepcopy(EXAMPLE)
    change(draft)
    return draft


def set_title(draft: dict) -> None:
    draft["t"][2]["sg"][0]["m"]["text"] = "City Nights"


def set_volume(draft: dict) -> None:
    draft["t"][1]["sg"][0]["m"]["volume"] = 50


def lengthen_video(draft: dict) -> None:
    draft["t"][0]["sg"][0]["d"] = 12000


def move_title(draft: dict) -> None:
    draft["t"][2]["sg"][0]["s"] = 5000


def drop_bgm(draft: dict) -> None:
    del draft["t"][1]


def add_title(draft: dict) -> None:
    draft["t"].append(track(7, {"s": 8000, "d": 2000, "m": {"text": "The End"}}))


def split_video(draft: dict) -> None:
    draft["t"][0]["sg"] = [
        {"d": 5000, "m": {"name": "city timelapse"}},
        {"d": 5000, "m": {"name": "city timelapse"}},
    ]


def swap_clip(draft: dict) -> None:
    draft["t"][0]["sg"][0]["m"]["name"] = "beach"


def total_length(draft: dict) -> None:
    draft["d"] = 12000


def reorder_only(draft: dict) -> None:
    draft["t"].insert(0, draft["t"].pop(2))


def volume_rounding(draft: dict) -> None:
    draft["t"][1]["sg"][0]["m"]["volume"] = 0.351


@pytest.mark.parametrize(
    ("change", "lang", "lines"),
    [
        (set_title, "en", ['Title track text: "Urban Dreams" → "City Nights"']),
        (set_title, "zh", ["标题轨道的文字：“Urban Dreams” → “City Nights”"]),
        (set_volume, "en", ["BGM track volume: 35% → 50%"]),
        (set_volume, "zh", ["背景音乐轨道的音量：35% → 50%"]),
        (lengthen_video, "en", ["Video track length: 10s → 12s"]),
        (move_title, "en", ["Title track moved: 0-3s → 5-8s"]),
        (drop_bgm, "en", ["Removed BGM track: Lo-fi (0-10s, 35%)"]),
        (drop_bgm, "zh", ["移除背景音乐轨道：Lo-fi（0-10秒，35%）"]),
        (add_title, "en", ['Added Title track 2: "The End" (8-10s)']),
        (add_title, "zh", ["新增第 2 条标题轨道：“The End”（8-10秒）"]),
        (split_video, "en", ["Video track clips: 1 → 2"]),
        (swap_clip, "en", ["Video track: city timelapse → beach"]),
        (total_length, "en", ["Total length: 10s → 12s"]),
        (reorder_only, "en", []),
        (volume_rounding, "en", []),
        (lambda draft: None, "en", []),
    ],
)
def test_diff(change: Callable[[dict], None], lang: str, lines: list[str]) -> None:
    """A silent edit turn is reported as a short list of what changed."""
    assert diff(parse_draft(EXAMPLE), parse_draft(edited(change)), lang) == lines


def test_diff_from_empty_lists_every_track() -> None:
    """The first generation reports each new track."""
    assert diff(parse_draft(None), parse_draft(EXAMPLE), "en") == [
        "Added Video track: city timelapse (0-10s)",
        "Added BGM track: Lo-fi (0-10s, 35%)",
        'Added Title track: "Urban Dreams" (0-3s)',
    ]


def test_diff_of_unlabelled_tracks() -> None:
    """A track with no label still gets a readable line."""
    old = parse_draft({"t": []})
    new = parse_draft({"t": [track(3), track(0, {"d": 2000})]})
    assert diff(old, new, "en") == ["Added Track: (none)", "Added Video track: 0-2s"]
    assert diff(new, old, "zh") == ["移除轨道：（无）", "移除视频轨道：0-2秒"]
