"""Accepted media formats, magic-byte sniffing and the upload check.

The backend accepts (nemo-api.md §3.5) video ``mp4 mov avi webm mkv``, image
``jpg jpeg png gif webp`` and audio ``mp3 wav m4a aac``; anything else is app code 4001.
The size limit is not stated by the official contract; variants say 500 MB, so that is the
default here (4002 above it).

Rules of :func:`check_media`, in this order (the first failing rule decides). The first three
need only the name and size, and :func:`check_metadata` applies them alone, so a file that
fails one is refused before a byte of it is read:

1. ``empty``: ``size`` is 0.
2. ``unsupported_type``: the file name has an extension that is not accepted. A name with no
   extension is not rejected here: the bytes decide (Discord users paste files named
   ``"voice message"``); the result then carries a file name with the sniffed extension
   added, because the backend goes by extension.
3. ``too_large``: ``size > max_bytes``.
4. ``empty``: no header bytes were read (the file turned out to be empty).
5. ``spoofed``: the bytes are not the format the extension claims (``song.mp3`` that is a
   PNG), or are no accepted format at all (a text file renamed ``.wav``). Formats that share a
   container are compatible: ``mp4``/``m4a``/``mov`` are all ISO-BMFF and the brand in the
   header does not reliably say whether a file holds audio only; ``webm``/``mkv`` are both
   Matroska; ``jpg``/``jpeg`` are one format; an ``.aac`` that starts with an ID3 tag is
   accepted because ADTS streams may carry ID3 too.

Callers pass the first :data:`HEADER_BYTES` bytes of the file; fewer is fine (a short file).

:func:`rendition_plan` is the arithmetic of a copy of a finished video that fits an upload
limit (Discord's, when the render is larger): bitrates and a height from the byte budget and
the length; the front end runs the encoder.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

HEADER_BYTES: Final = 64
"""How many leading bytes :func:`sniff` looks at (enough for EBML DocType and RIFF forms)."""

DEFAULT_MAX_BYTES: Final = 500 * 1024 * 1024
"""The upload cap: 500 MiB (the editing variants of the contract say 500 MB)."""


class MediaKind(StrEnum):
    """What the backend does with a file: its ``file_type`` in the upload response."""

    AUDIO = "audio"
    VIDEO = "video"
    IMAGE = "image"


@dataclass(frozen=True, slots=True)
class MediaFormat:
    """One accepted file format: canonical extension, kind and MIME type."""

    extension: str
    kind: MediaKind
    mime: str


_FORMATS: Final = (
    MediaFormat("mp3", MediaKind.AUDIO, "audio/mpeg"),
    MediaFormat("wav", MediaKind.AUDIO, "audio/wav"),
    MediaFormat("m4a", MediaKind.AUDIO, "audio/mp4"),
    MediaFormat("aac", MediaKind.AUDIO, "audio/aac"),
    MediaFormat("mp4", MediaKind.VIDEO, "video/mp4"),
    MediaFormat("mov", MediaKind.VIDEO, "video/quicktime"),
    MediaFormat("avi", MediaKind.VIDEO, "video/x-msvideo"),
    MediaFormat("webm", MediaKind.VIDEO, "video/webm"),
    MediaFormat("mkv", MediaKind.VIDEO, "video/x-matroska"),
    MediaFormat("jpg", MediaKind.IMAGE, "image/jpeg"),
    MediaFormat("jpeg", MediaKind.IMAGE, "image/jpeg"),
    MediaFormat("png", MediaKind.IMAGE, "image/png"),
    MediaFormat("gif", MediaKind.IMAGE, "image/gif"),
    MediaFormat("webp", MediaKind.IMAGE, "image/webp"),
)

ACCEPTED_FORMATS: Final[dict[str, MediaFormat]] = {f.extension: f for f in _FORMATS}
"""Accepted formats by lower-case extension (without the dot), in display order."""

# Extensions whose bytes may legitimately sniff as another format (see the module docstring).
_COMPATIBLE: Final[dict[str, frozenset[str]]] = {
    "mp4": frozenset({"mp4", "m4a", "mov"}),
    "m4a": frozenset({"mp4", "m4a", "mov"}),
    "mov": frozenset({"mp4", "m4a", "mov"}),
    "webm": frozenset({"webm", "mkv"}),
    "mkv": frozenset({"webm", "mkv"}),
    "jpg": frozenset({"jpg"}),
    "jpeg": frozenset({"jpg"}),
    "aac": frozenset({"aac", "mp3"}),
}

# A file name suffix counts as an extension only if it looks like one: "v2.1" or
# "Demo. Final" are names without an extension, not files of type "1" or " final".
_EXTENSION: Final = re.compile(r"\.([A-Za-z0-9]{1,5})$")


class Rejection(StrEnum):
    """Why a file cannot be uploaded; texts.py has a friendly message for each."""

    EMPTY = "empty"
    UNSUPPORTED_TYPE = "unsupported_type"
    TOO_LARGE = "too_large"
    SPOOFED = "spoofed"


@dataclass(frozen=True, slots=True)
class MediaCheck:
    """The verdict on one file.

    ``format`` is what the file will be uploaded as (``None`` when rejected before the bytes
    were judged); ``filename`` is the name to upload under (an extension is added to a name
    that had none); ``extension`` is what the name claimed and ``detected`` what the bytes are.
    """

    reason: Rejection | None
    filename: str
    extension: str | None
    detected: str | None
    format: MediaFormat | None
    size: int

    @property
    def ok(self) -> bool:
        """Whether the file may be uploaded."""
        return self.reason is None

    @property
    def kind(self) -> MediaKind | None:
        """Audio, video or image, when known."""
        return self.format.kind if self.format else None


def extension_of(filename: str) -> str | None:
    """The lower-case extension of ``filename`` without the dot, or ``None`` if it has none."""
    match = _EXTENSION.search(filename.strip())
    if match is None or match.group(1).isdigit():
        return None
    return match.group(1).lower()


def sniff(header: bytes) -> str | None:
    """Name the accepted format of a file from its first bytes, or ``None``.

    Returns a canonical extension: ``mp3 wav m4a aac mp4 mov avi webm mkv jpg png gif webp``.
    """
    for detector in _DETECTORS:
        found = detector(header)
        if found is not None:
            return found
    return None


def check_metadata(
    filename: str, size: int, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> MediaCheck | None:
    """The refusal rules 1-3 reach from the name and size alone, or ``None`` if the bytes decide."""
    extension = extension_of(filename)
    if size <= 0:
        return _verdict(filename, size, Rejection.EMPTY)
    if extension is not None and extension not in ACCEPTED_FORMATS:
        return _verdict(filename, size, Rejection.UNSUPPORTED_TYPE)
    if size > max_bytes:
        claimed = ACCEPTED_FORMATS.get(extension) if extension else None
        return _verdict(filename, size, Rejection.TOO_LARGE, fmt=claimed)
    return None


def check_media(
    filename: str, size: int, header: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> MediaCheck:
    """Decide whether a file may be uploaded (rules in the module docstring)."""
    refused = check_metadata(filename, size, max_bytes=max_bytes)
    if refused is not None:
        return refused
    if not header:
        return _verdict(filename, size, Rejection.EMPTY)
    extension = extension_of(filename)
    detected = sniff(header)
    if detected is None:
        return _verdict(filename, size, Rejection.SPOOFED)
    if extension is None:
        return _verdict(filename, size, None, detected, ACCEPTED_FORMATS[detected])
    if detected not in _COMPATIBLE.get(extension, frozenset({extension})):
        return _verdict(filename, size, Rejection.SPOOFED, detected)
    return _verdict(filename, size, None, detected, ACCEPTED_FORMATS[extension])


def _verdict(
    filename: str,
    size: int,
    reason: Rejection | None,
    detected: str | None = None,
    fmt: MediaFormat | None = None,
) -> MediaCheck:
    """The check's result; a name without extension gets the format's added."""
    extension = extension_of(filename)
    name = filename if extension is not None or fmt is None else f"{filename}.{fmt.extension}"
    return MediaCheck(reason, name, extension, detected, fmt, size)


# --- detectors: each looks at the header and names a format or returns None -------------


def _riff(header: bytes) -> str | None:
    if header[:4] != b"RIFF":
        return None
    form = header[8:12]
    return {b"WAVE": "wav", b"AVI ": "avi", b"WEBP": "webp"}.get(form)


# QuickTime files written before ISO-BMFF may start with one of these atoms instead of ftyp.
_QUICKTIME_LEADING_ATOMS: Final = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
_AUDIO_BRANDS: Final = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})


def _iso_bmff(header: bytes) -> str | None:
    box = header[4:8]
    if box == b"ftyp":
        brand = header[8:12]
        if brand in _AUDIO_BRANDS:
            return "m4a"
        if brand == b"qt  ":
            return "mov"
        return "mp4"
    if box in _QUICKTIME_LEADING_ATOMS and len(header) >= 8:
        return "mov"
    return None


_EBML_MAGIC: Final = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE_ID: Final = b"\x42\x82"


def _ebml(header: bytes) -> str | None:
    if not header.startswith(_EBML_MAGIC):
        return None
    # The DocType element (id 0x4282, one size byte, then the string) names the flavour.
    at = header.find(_EBML_DOCTYPE_ID)
    if at != -1 and header[at + 3 : at + 7] == b"webm":
        return "webm"
    return "mkv"


def _images(header: bytes) -> str | None:
    if header.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if header.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if header.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    return None


def _mpeg_audio(header: bytes) -> str | None:
    if header.startswith(b"ID3"):
        return "mp3"
    if len(header) < 2 or header[0] != 0xFF:
        return None
    second = header[1]
    # ADTS: 12 sync bits, then MPEG id (1 bit) and layer (2 bits) which is always 00.
    if second & 0xF6 == 0xF0:
        return "aac"
    # MPEG audio frame: 11 sync bits, a version that is not the reserved 01, a layer != 00.
    version = (second >> 3) & 0b11
    layer = (second >> 1) & 0b11
    if second & 0xE0 == 0xE0 and version != 0b01 and layer != 0b00:
        return "mp3"
    return None


_DETECTORS: Final = (_riff, _iso_bmff, _ebml, _images, _mpeg_audio)


# --- a copy that fits an upload limit ---------------------------------------------------

RENDITION_MARGIN: Final = 0.9
"""Share of the byte budget a copy aims at; the rest absorbs the MP4 container and encoder drift."""

RENDITION_RETRY_MARGIN: Final = 0.75
"""The share for the one second try, when the first copy still came out over the limit."""

RENDITION_AUDIO_BPS: Final = 128_000
"""AAC bitrate of a copy whose picture gets at least :data:`RENDITION_FULL_AUDIO_FROM_BPS`."""

RENDITION_LOW_AUDIO_BPS: Final = 96_000
"""AAC bitrate of a tighter copy: still clean for music, and 32 kbps more for the picture."""

RENDITION_FULL_AUDIO_FROM_BPS: Final = 1_000_000
"""The video bitrate from which the audio keeps :data:`RENDITION_AUDIO_BPS`."""

RENDITION_MIN_VIDEO_BPS: Final = 200_000
"""The video bitrate below which a copy is not worth posting (480p turns to mush)."""

RENDITION_BUFFER_SECONDS: Final = 1.0
"""Rate-control buffer, in seconds of the video bitrate; the file may carry one buffer more."""

RENDITION_HEIGHTS: Final = ((2_500_000, 1080), (1_000_000, 720), (0, 480))
"""(lowest video bitrate, height) from best to worst: the height a bitrate still looks good at."""


class Attached(StrEnum):
    """What the post of a finished video carries as a file."""

    NOTHING = "nothing"
    ORIGINAL = "original"
    SMALLER_COPY = "smaller_copy"
    """A copy made to fit the upload limit (:func:`rendition_plan`)."""


@dataclass(frozen=True, slots=True)
class RenditionPlan:
    """Encoder settings of a copy that fits an upload limit.

    ``video_bps`` is the average and the ceiling (``maxrate``) over a ``buffer_bits``
    rate-control buffer; ``height`` is the picture's shorter side, even, never above the
    source's.
    """

    video_bps: int
    audio_bps: int
    height: int

    @property
    def buffer_bits(self) -> int:
        """The encoder's ``bufsize``."""
        return int(self.video_bps * RENDITION_BUFFER_SECONDS)


def rendition_plan(
    max_bytes: int, seconds: float, source_height: int, *, margin: float = RENDITION_MARGIN
) -> RenditionPlan | None:
    """The copy of a ``seconds`` long video that fits ``max_bytes``, or ``None`` if none does.

    The budget is ``max_bytes * margin`` in bits; the audio takes its bitrate for the whole
    length, the picture the rest over the length plus one rate-control buffer (the most a
    capped encoder can run over). ``source_height`` is the source's shorter side (a portrait
    video's width): a copy is never scaled up. ``None``: no length, or the picture would get
    less than :data:`RENDITION_MIN_VIDEO_BPS`.
    """
    if seconds <= 0 or max_bytes <= 0 or source_height < 2:
        return None
    budget = max_bytes * 8 * margin

    def video_bps(audio_bps: int) -> int:
        return math.floor((budget - audio_bps * seconds) / (seconds + RENDITION_BUFFER_SECONDS))

    audio = RENDITION_AUDIO_BPS
    if video_bps(audio) < RENDITION_FULL_AUDIO_FROM_BPS:
        audio = RENDITION_LOW_AUDIO_BPS
    video = video_bps(audio)
    if video < RENDITION_MIN_VIDEO_BPS:
        return None
    ladder = next(height for floor, height in RENDITION_HEIGHTS if video >= floor)
    height = min(ladder, source_height) // 2 * 2
    return RenditionPlan(video, audio, height)
