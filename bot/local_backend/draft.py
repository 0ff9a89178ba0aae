"""The compact timeline draft (§3.7) and the edits the fake agent applies to it.

Only the documented keys are used: ``t`` (tracks), ``tt`` (0 video, 1 audio/BGM, 7 title),
``sg`` (segments), ``d`` (milliseconds) and ``m`` (metadata). Where the contract is open:

* Segments carry no start field. Segments of a track are laid out back to back from 0 ms, so a
  client can derive each start as the sum of the earlier ``d`` values (the documented summary
  "Video: city timelapse (0-10s)" needs nothing more).
* ``d`` is set on every segment and on the draft (the longest track); tracks carry none.
* ``m`` of a segment holds ``name`` (video/audio), ``url`` (the media's ``cdn_url``),
  ``volume`` (audio, 0.0-1.0, 0.35 = 35%) and ``text`` (titles); look tweaks add ``filter``,
  ``effect`` and ``transition``. The draft's ``m`` holds ``title``, ``width``, ``height`` and,
  after a beat sync, ``bpm``.
* An empty session has the empty draft ``{}``; the first upload creates ``t``.

Edits are chosen from keywords in the message, so the same words always make the same change
(see :func:`apply_edit`). The text parsing is deliberately simple: this is a test double, not
a language model.
"""

from __future__ import annotations

import math
import re
from pathlib import PurePosixPath
from typing import Any

from bot.local_backend.state import MediaFile

VIDEO, AUDIO, TITLE = 0, 1, 7
DEFAULT_VIDEO_MS = 5000
DEFAULT_IMAGE_MS = 3000
DEFAULT_AUDIO_MS = 10000
TITLE_MS = 3000
DEFAULT_BPM = 120
BEATS_PER_CUT = 4

_QUOTED = re.compile(r"[\"“„«「]([^\"”»」]+)[\"”»」]")
_TITLE_TAIL = re.compile(
    r"(?:title|标题)\s*(?:to|as|of|called|saying|reading|:|=|为|是)?\s*(.*)$", re.IGNORECASE
)
_PERCENT = re.compile(r"(\d{1,3})\s*%")
_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:s|sec|secs|second|seconds|秒)\b", re.IGNORECASE)
_TRIM = re.compile(r"\b(?:trim|shorten|cut)\b")  # not "cuts": "sync the cuts" is no trim
_BPM = re.compile(r"(\d{2,3})\s*bpm", re.IGNORECASE)


def add_media(draft: dict[str, Any], media: MediaFile) -> None:
    """Put an upload on the timeline: audio as a new BGM track, pictures on the video track."""
    _ensure(draft)
    name = PurePosixPath(media.filename).stem or media.filename
    if media.file_type == "audio":
        ms = _ms(media.duration) or DEFAULT_AUDIO_MS
        meta = {"name": name, "volume": 1.0, "url": media.cdn_url}
        draft["t"].append({"tt": AUDIO, "sg": [{"d": ms, "m": meta}]})
    else:
        if media.file_type == "video":
            ms = _ms(media.duration) or DEFAULT_VIDEO_MS
        else:  # photos become slideshow stills (§8: "photos → slideshow only")
            ms = DEFAULT_IMAGE_MS
        _video_track(draft)["sg"].append({"d": ms, "m": {"name": name, "url": media.cdn_url}})
    _recompute(draft)


def add_generated_clip(draft: dict[str, Any], name: str, url: str | None, ms: int) -> None:
    """Append a generated clip to the video track (the Seedance tool's effect)."""
    _ensure(draft)
    meta: dict[str, Any] = {"name": name, "generated": True}
    if url:
        meta["url"] = url
    _video_track(draft)["sg"].append({"d": ms, "m": meta})
    _recompute(draft)


def exportable(draft: Any) -> bool:
    """§3.7: a draft can be rendered when ``t`` exists and some track has a non-empty ``sg``."""
    if not isinstance(draft, dict) or not isinstance(draft.get("t"), list):
        return False
    return any(isinstance(track, dict) and track.get("sg") for track in draft["t"])


def duration_ms(draft: Any) -> int:
    """The draft's length in ms (``d``, else the longest track), 0 when unknown."""
    if not isinstance(draft, dict):
        return 0
    value = draft.get("d")
    if isinstance(value, int | float) and value > 0:
        return int(value)
    tracks = draft.get("t")
    if not isinstance(tracks, list):
        return 0
    return max((_track_ms(track) for track in tracks if isinstance(track, dict)), default=0)


def apply_edit(draft: dict[str, Any], text: str, media: list[MediaFile]) -> list[str]:
    """Apply every edit the message asks for; return one human line per change made.

    Keywords, checked in this order (several may apply to one message): title (with "remove":
    drop it), sync/beat (cut the video track on a 4-beat grid over the music, 120 BPM unless
    "<n> bpm" is given), volume words (louder/quieter/mute/"35%"), trim/cut/shorten ("to 15s",
    else 80% of the length), colour/filter, effect, transition/fade. A message with none of
    these but "add"/"remove" adds a b-roll clip or removes the last clip.
    """
    _ensure(draft)
    lowered = text.lower()
    changes: list[str] = []
    removing = any(
        w in lowered for w in ("remove", "delete", "get rid of", "no title", "删除", "去掉")
    )
    if "title" in lowered or "标题" in lowered:
        changes.append(_remove_title(draft) if removing else _set_title(draft, text))
    if any(word in lowered for word in ("sync", "beat", "节拍", "同步")):
        bpm_match = _BPM.search(text)
        bpm = int(bpm_match.group(1)) if bpm_match else DEFAULT_BPM
        changes.append(_beat_sync(draft, max(40, min(bpm, 240)), media))
    volume_change = _volume(draft, lowered)
    if volume_change:
        changes.append(volume_change)
    if _TRIM.search(lowered) or "剪" in lowered:
        changes.append(_trim(draft, text))
    if any(word in lowered for word in ("color", "colour", "filter", "调色")):
        changes.append(_look(draft, "filter", lowered, _FILTERS, "cinematic", "colour filter"))
    if "effect" in lowered or "特效" in lowered:
        changes.append(_look(draft, "effect", lowered, _EFFECTS, "glow", "effect"))
    if any(word in lowered for word in ("transition", "fade", "转场")):
        changes.append(_look(draft, "transition", lowered, _TRANSITIONS, "crossfade", "transition"))
    if not changes:
        changes.append(_remove_last_clip(draft) if removing else _add_broll(draft))
    _recompute(draft)
    return changes


# -- edits ------------------------------------------------------------------------------------

_FILTERS = {"warm": "warm", "cool": "cool", "vintage": "vintage", "vivid": "vivid", "mono": "bw"}
_EFFECTS = {"glow": "glow", "shake": "shake", "zoom": "zoom", "glitch": "glitch"}
_TRANSITIONS = {"crossfade": "crossfade", "wipe": "wipe", "zoom": "zoom", "fade": "fade"}


def _set_title(draft: dict[str, Any], text: str) -> str:
    title = _title_text(text)
    draft["t"] = [track for track in draft["t"] if track.get("tt") != TITLE]
    draft["t"].append({"tt": TITLE, "sg": [{"d": TITLE_MS, "m": {"text": title}}]})
    draft["m"]["title"] = title
    return f'added the title "{title}" (0-{TITLE_MS // 1000}s)'


def _title_text(text: str) -> str:
    quoted = _QUOTED.search(text)
    if quoted:
        return quoted.group(1).strip()[:80]
    tail = _TITLE_TAIL.search(text)
    candidate = tail.group(1) if tail else ""
    candidate = re.sub(r"\s+please$", "", candidate.strip(), flags=re.IGNORECASE)
    candidate = candidate.strip(" \t.!?'\"\u3002\uff01\uff1f")  # also CJK full stops and marks
    return candidate[:80] or "Untitled"


def _remove_title(draft: dict[str, Any]) -> str:
    before = len(draft["t"])
    draft["t"] = [track for track in draft["t"] if track.get("tt") != TITLE]
    draft["m"].pop("title", None)
    return "removed the title" if len(draft["t"]) < before else "there was no title to remove"


def _beat_sync(draft: dict[str, Any], bpm: int, media: list[MediaFile]) -> str:
    music = next((t for t in draft["t"] if t.get("tt") == AUDIO and t.get("sg")), None)
    total = _track_ms(music) if music else (duration_ms(draft) or DEFAULT_AUDIO_MS)
    cut_ms = round(BEATS_PER_CUT * 60000 / bpm)
    visuals = [m for m in media if m.file_type in ("video", "image")]
    segments = []
    for index in range(math.ceil(total / cut_ms)):
        meta: dict[str, Any] = {"beat": index * BEATS_PER_CUT}
        if visuals:
            source = visuals[index % len(visuals)]
            meta["name"] = PurePosixPath(source.filename).stem
            meta["url"] = source.cdn_url
        else:
            meta["name"] = f"visual {index % 4 + 1}"
        segments.append({"d": min(cut_ms, total - index * cut_ms), "m": meta})
    track = _video_track(draft)
    track["sg"] = segments
    draft["m"]["bpm"] = bpm
    return (
        f"synced {len(segments)} visual cuts to the beat ({bpm} BPM, every {BEATS_PER_CUT} beats)"
    )


def _volume(draft: dict[str, Any], lowered: str) -> str | None:
    percent = _PERCENT.search(lowered)
    if "mute" in lowered or "静音" in lowered:
        target: float | None = 0.0
        step = 0.0
    elif percent and ("volume" in lowered or "音量" in lowered or "music" in lowered):
        target, step = min(int(percent.group(1)), 100) / 100, 0.0
    elif any(
        w in lowered for w in ("louder", "volume up", "turn up", "increase the volume", "大声")
    ):
        target, step = None, 0.2
    elif any(w in lowered for w in ("quieter", "softer", "volume down", "turn down", "lower the")):
        target, step = None, -0.2
    elif "volume" in lowered or "音量" in lowered:
        target, step = None, -0.2  # "fix the volume" usually means the music is too loud
    else:
        return None
    tracks = [t for t in draft["t"] if t.get("tt") == AUDIO]
    if not tracks:
        return "there is no music track to change the volume of"
    level = 0.0
    for track in tracks:
        for segment in track["sg"]:
            meta = segment.setdefault("m", {})
            current = float(meta.get("volume", 1.0))
            level = target if target is not None else current + step
            level = round(max(0.0, min(level, 1.0)), 2)
            meta["volume"] = level
    return f"set the music volume to {round(level * 100)}%"


def _trim(draft: dict[str, Any], text: str) -> str:
    seconds = _SECONDS.search(text)
    current = duration_ms(draft)
    limit = int(float(seconds.group(1)) * 1000) if seconds else round(current * 0.8 / 100) * 100
    if limit <= 0 or not current:
        return "there was nothing to trim"
    for track in draft["t"]:
        kept, start = [], 0
        for segment in track.get("sg", []):
            if start >= limit:
                break
            segment["d"] = min(int(segment.get("d", 0)), limit - start)
            start += segment["d"]
            kept.append(segment)
        track["sg"] = kept
    return f"trimmed the video to {limit / 1000:g}s"


def _look(
    draft: dict[str, Any],
    key: str,
    lowered: str,
    choices: dict[str, str],
    default: str,
    label: str,
) -> str:
    value = next((v for word, v in choices.items() if word in lowered), default)
    if key == "filter" and ("black and white" in lowered or "b&w" in lowered):
        value = "bw"
    segments = [s for t in draft["t"] if t.get("tt") == VIDEO for s in t.get("sg", [])]
    for segment in segments:
        segment.setdefault("m", {})[key] = value
    if not segments:  # nothing to attach it to yet: it becomes the project's default look
        draft["m"][key] = value
    return f"applied a {value} {label}"


def _add_broll(draft: dict[str, Any]) -> str:
    track = _video_track(draft)
    number = len(track["sg"]) + 1
    track["sg"].append({"d": 2000, "m": {"name": f"b-roll {number}"}})
    return f"added a 2s b-roll clip (clip {number})"


def _remove_last_clip(draft: dict[str, Any]) -> str:
    for track in draft["t"]:
        if track.get("tt") == VIDEO and track.get("sg"):
            removed = track["sg"].pop()
            name = removed.get("m", {}).get("name", "clip")
            return f'removed the last clip ("{name}")'
    return "there was no clip to remove"


# -- helpers ----------------------------------------------------------------------------------


def _ensure(draft: dict[str, Any]) -> None:
    draft.setdefault("t", [])
    draft.setdefault("d", 0)
    draft.setdefault("m", {"width": 1920, "height": 1080})


def _video_track(draft: dict[str, Any]) -> dict[str, Any]:
    for track in draft["t"]:
        if track.get("tt") == VIDEO:
            return track  # type: ignore[no-any-return]
    track = {"tt": VIDEO, "sg": []}
    draft["t"].insert(0, track)  # video first, like the documented example
    return track


def _track_ms(track: Any) -> int:
    if not isinstance(track, dict) or not isinstance(track.get("sg"), list):
        return 0
    return sum(
        int(s["d"]) for s in track["sg"] if isinstance(s, dict) and isinstance(s.get("d"), int)
    )


def _recompute(draft: dict[str, Any]) -> None:
    draft["d"] = max((_track_ms(track) for track in draft["t"]), default=0)


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))
