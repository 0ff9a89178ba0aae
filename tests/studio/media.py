"""Judging a rendered MP4 from the file itself: its streams, decoded frames and samples.

There is no ffprobe in imageio-ffmpeg's wheel, so stream facts come from ``ffmpeg -i`` and
pictures from raw frames decoded onto a pipe.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import numpy.typing as npt

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
_DURATION = re.compile(r"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+.*Video: (\w+).*?, (\w+)\(?.*?, (\d{2,5})x(\d{2,5})")
_FPS = re.compile(r"(\d+(?:\.\d+)?) fps")


@dataclass(frozen=True)
class VideoInfo:
    """What ``ffmpeg -i`` says of a file; the duration is the container's."""

    duration: float
    width: int
    height: int
    fps: float
    video_codec: str
    pixel_format: str
    has_audio: bool
    audio_codec: str | None


def probe_video(path: Path) -> VideoInfo:
    """The streams of ``path``; fails the test when there is no video stream."""
    stderr = subprocess.run(
        [FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True, check=False
    ).stderr
    duration = _DURATION.search(stderr)
    video = _VIDEO.search(stderr)
    assert duration is not None and video is not None, stderr
    hours, minutes, seconds = duration.groups()
    fps = _FPS.search(stderr)
    audio = re.search(r"Stream #\S+.*Audio: (\w+)", stderr)
    return VideoInfo(
        duration=int(hours) * 3600 + int(minutes) * 60 + float(seconds),
        width=int(video.group(3)),
        height=int(video.group(4)),
        fps=float(fps.group(1)) if fps else 0.0,
        video_codec=video.group(1),
        pixel_format=video.group(2),
        has_audio=audio is not None,
        audio_codec=audio.group(1) if audio else None,
    )


def gray_frames(path: Path, width: int, height: int) -> npt.NDArray[np.uint8]:
    """Every frame of ``path`` scaled to ``width`` x ``height`` gray, as (frames, h, w)."""
    raw = subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-i",
            str(path),
            "-vf",
            f"scale={width}:{height}:flags=area",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width)


def cut_frames(frames: npt.NDArray[np.uint8], threshold: float, settle: int = 6) -> list[int]:
    """Frames where the picture starts to change by more than ``threshold`` (mean abs, 0..255).

    A change and what follows it for ``settle`` frames (a beat flash decaying) count once, at
    its first frame.
    """
    change = np.abs(np.diff(frames.astype(np.int16), axis=0)).mean(axis=(1, 2))
    events: list[int] = []
    for index in np.flatnonzero(change > threshold):
        frame = int(index) + 1
        if not events or frame - events[-1] > settle:
            events.append(frame)
    return events


def mono_samples(path: Path, rate: int = 8000) -> npt.NDArray[np.float32]:
    """The audio of ``path`` as mono float samples at ``rate``."""
    raw = subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-i",
            str(path),
            "-vn",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-f",
            "f32le",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.float32)
