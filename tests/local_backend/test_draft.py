"""The fake agent's timeline edits: the same words always make the same change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.local_backend import draft
from bot.local_backend.agent import classify
from bot.local_backend.state import MediaFile


def _song(seconds: float = 10.0) -> MediaFile:
    return MediaFile(
        filename="Lo-fi.mp3",
        file_type="audio",
        path=Path("/nonexistent"),
        url_path="/media/x",
        cdn_url="http://h/media/x",
        size=1,
        duration=seconds,
    )


def _fresh(seconds: float = 10.0) -> dict[str, Any]:
    timeline: dict[str, Any] = {}
    draft.add_media(timeline, _song(seconds))
    return timeline


def _tracks(timeline: dict[str, Any], tt: int) -> list[dict[str, Any]]:
    return [t for t in timeline["t"] if t["tt"] == tt]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("sync visuals to the beat", "edit"),
        ("add the title Urban Dreams", "edit"),
        ("make the music quieter", "edit"),
        ("generate a sunset clip", "generate"),
        ("hello, what can you do?", "chat"),
        ("把标题改成夜色", "edit"),
    ],
)
def test_classify(text: str, kind: str) -> None:
    """Turn kinds are chosen from keywords only."""
    assert classify(text) == kind


def test_audio_upload_becomes_bgm_track() -> None:
    """An uploaded song is an audio track with name, volume and the media URL."""
    timeline = _fresh(12.5)
    (track,) = _tracks(timeline, 1)
    assert track["sg"] == [
        {"d": 12500, "m": {"name": "Lo-fi", "volume": 1.0, "url": "http://h/media/x"}}
    ]
    assert timeline["d"] == 12500
    assert draft.exportable(timeline)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("add the title Urban Dreams", "Urban Dreams"),
        ('put "Night Drive" as the title', "Night Drive"),
        ("change the title to Neon Rain please", "Neon Rain"),
        ("add a title", "Untitled"),
    ],
)
def test_title(text: str, title: str) -> None:
    """Titles land on one tt 7 track (replacing an old one) and in the draft's m.title."""
    timeline = _fresh()
    draft.apply_edit(timeline, "add the title Old", [])
    draft.apply_edit(timeline, text, [])
    (track,) = _tracks(timeline, 7)
    assert track["sg"] == [{"d": 3000, "m": {"text": title}}]
    assert timeline["m"]["title"] == title


def test_remove_title() -> None:
    timeline = _fresh()
    draft.apply_edit(timeline, "add the title X", [])
    assert draft.apply_edit(timeline, "remove the title", []) == ["removed the title"]
    assert _tracks(timeline, 7) == []


@pytest.mark.parametrize(("bpm_text", "cut_ms"), [("", 2000), (" at 90 bpm", 2667)])
def test_beat_sync_cuts_video_on_a_grid(bpm_text: str, cut_ms: int) -> None:
    """Video segments follow 4-beat cuts and together last exactly as long as the music."""
    timeline = _fresh(9.0)
    draft.apply_edit(timeline, "sync visuals to the beat" + bpm_text, [])
    (video,) = _tracks(timeline, 0)
    durations = [segment["d"] for segment in video["sg"]]
    assert durations[:-1] == [cut_ms] * (len(durations) - 1)
    assert sum(durations) == 9000
    assert timeline["t"][0] is video  # the video track comes first


@pytest.mark.parametrize(
    ("text", "volume"),
    [("make it louder", 1.0), ("make the music quieter", 0.8), ("set the volume to 35%", 0.35)],
)
def test_volume(text: str, volume: float) -> None:
    timeline = _fresh()
    draft.apply_edit(timeline, text, [])
    assert _tracks(timeline, 1)[0]["sg"][0]["m"]["volume"] == volume


def test_trim_to_seconds() -> None:
    timeline = _fresh(10.0)
    draft.apply_edit(timeline, "sync to the beat", [])
    assert draft.apply_edit(timeline, "trim it to 5s", []) == ["trimmed the video to 5s"]
    assert timeline["d"] == 5000
    assert all(sum(s["d"] for s in t["sg"]) <= 5000 for t in timeline["t"])


def test_look_changes_and_fallbacks() -> None:
    """Colour, effect and transition words tag the clips; bare add/remove change clips."""
    timeline = _fresh()
    draft.apply_edit(timeline, "sync the cuts to the beat", [])
    assert timeline["d"] == 10000  # "cuts" is no trim
    draft.apply_edit(timeline, "warm colour grade with a glitch effect and wipe transitions", [])
    segment = _tracks(timeline, 0)[0]["sg"][0]["m"]
    assert (segment["filter"], segment["effect"], segment["transition"]) == (
        "warm",
        "glitch",
        "wipe",
    )
    count = len(_tracks(timeline, 0)[0]["sg"])
    draft.apply_edit(timeline, "add something cool", [])
    assert len(_tracks(timeline, 0)[0]["sg"]) == count + 1
    draft.apply_edit(timeline, "remove that", [])
    assert len(_tracks(timeline, 0)[0]["sg"]) == count


@pytest.mark.parametrize(
    ("value", "expected"),
    [({}, False), ({"t": []}, False), ({"t": [{"tt": 0, "sg": []}]}, False), (None, False)],
)
def test_exportable(value: Any, expected: bool) -> None:
    """§3.7: exportable only with a track that has segments."""
    assert draft.exportable(value) is expected
