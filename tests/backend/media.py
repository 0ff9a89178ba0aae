"""Small real media files for upload tests (generated, never checked in)."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path


def write_tone(path: Path, seconds: float = 1.0, rate: int = 8000) -> Path:
    """A mono 16-bit sine tone as a playable WAV file."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        frames += struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return path


def is_mp4(head: bytes) -> bool:
    """An ISO media file starts with a box whose type is ``ftyp``."""
    return len(head) >= 12 and head[4:8] == b"ftyp"
