"""The edit decision list: what the renderer draws, frame by frame, and nothing else.

Every time is an integer frame number on the output clock (frame 0 is the first frame of the
video), so cuts land exactly on frame boundaries and nothing drifts over a whole track. Ranges
are half-open: a shot ``[start, end)`` shows on frames ``start .. end - 1``. The plan
(:mod:`bot.studio.plan`) guarantees: shots are sorted, back to back, cover ``[0, frames)``;
titles and beat pulses lie inside ``[0, frames)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Motion = Literal["zoom_in", "zoom_out", "pan_left", "pan_right"]
FPS = 30


@dataclass(frozen=True, slots=True)
class Canvas:
    """Output picture size and rate (1920x1080, 1080x1920, 1080x1080, or the 720p sizes)."""

    width: int
    height: int
    fps: int = FPS


@dataclass(frozen=True, slots=True)
class Palette:
    """A named look for generated visuals and titles: colours as ``0xRRGGBB`` strings."""

    name: str
    background: str
    primary: str
    accent: str
    text: str
    #: 0 = normal saturation; 1 = black and white.
    mono: bool = False
    #: Glitch look: colour channels offset on beats.
    glitch: bool = False


@dataclass(frozen=True, slots=True)
class Still:
    """A user's photo, shown with a slow pan or zoom across its shot."""

    path: Path
    motion: Motion


@dataclass(frozen=True, slots=True)
class Clip:
    """A user's video clip, played from ``in_s`` seconds (the section with the most motion)."""

    path: Path
    in_s: float


@dataclass(frozen=True, slots=True)
class Generated:
    """An audio-reactive visual drawn by ffmpeg; ``variant`` picks one of a palette's scenes."""

    variant: int


Source = Still | Clip | Generated


@dataclass(frozen=True, slots=True)
class Shot:
    """One source on screen for frames ``[start, end)``."""

    start: int
    end: int
    source: Source


@dataclass(frozen=True, slots=True)
class Title:
    """Text drawn over frames ``[start, end)``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Music:
    """The soundtrack: ``path`` from ``offset_s`` seconds, at ``gain`` (1.0 = unchanged)."""

    path: Path
    offset_s: float
    gain: float


@dataclass(frozen=True, slots=True)
class Edl:
    """Everything one render draws and plays.

    ``pulses`` are the frames where a beat is made visible (a flash or pulse on the generated
    visuals, a brief brightness kick on user visuals); ``accents`` is the subset on downbeats,
    drawn stronger. ``fade_in``/``fade_out`` are frame counts for picture and sound together.
    """

    canvas: Canvas
    frames: int
    shots: tuple[Shot, ...]
    titles: tuple[Title, ...]
    pulses: tuple[int, ...]
    accents: tuple[int, ...]
    music: Music | None
    palette: Palette
    fade_in: int = 0
    fade_out: int = 0

    @property
    def seconds(self) -> float:
        """The video's length in seconds."""
        return self.frames / self.canvas.fps


def frame_at(ms: float, fps: int = FPS) -> int:
    """The output frame a time in milliseconds falls on (nearest frame boundary)."""
    return round(ms * fps / 1000)


def even(pixels: float) -> int:
    """The nearest even size, at least 2 (H.264 in yuv420p needs even sides)."""
    return max(2, 2 * round(pixels / 2))
