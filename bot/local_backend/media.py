"""Accepted media types and the streaming file sink for uploads (§3.5).

Accepted extensions are the contract's list (video ``mp4 mov avi webm mkv``, image ``jpg png
gif webp``, audio ``mp3 wav m4a aac``) plus ``jpeg``, which the NemoVideo CLI also accepts.
Anything else is app code 4001. URL uploads without a usable extension fall back to the
response's ``Content-Type`` (the CLI's MIME map).

The size cap (``max_upload_bytes``, 500 MB by default after the editing variants) applies per
file and is enforced by :class:`FileSink` while the bytes arrive: the chunk that would cross it
is refused before it is written (app code 4002), so an over-size upload never sits in memory
or on disk in full.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import quote

from bot.local_backend.state import FileType

#: Buffer size for uploads (request payload buffer, URL fetch reads): big enough that
#: per-chunk overhead is negligible next to the copy itself, small enough to keep memory flat.
CHUNK_SIZE = 1 << 20

EXTENSIONS: dict[str, FileType] = {
    **dict.fromkeys(("mp4", "mov", "avi", "webm", "mkv"), "video"),
    **dict.fromkeys(("jpg", "jpeg", "png", "gif", "webp"), "image"),
    **dict.fromkeys(("mp3", "wav", "m4a", "aac"), "audio"),
}

CONTENT_TYPE_EXTENSIONS: dict[str, str] = {
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/x-msvideo": "avi",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
}

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class TooLargeError(Exception):
    """The file grew past ``max_upload_bytes`` (→ 4002)."""


class UnsupportedTypeError(Exception):
    """The file type is not in the accepted list (→ 4001)."""


def file_type_for(filename: str) -> FileType | None:
    """The media kind for a file name's extension, or ``None`` if not accepted."""
    suffix = PurePosixPath(filename).suffix.lower().lstrip(".")
    return EXTENSIONS.get(suffix)


def extension_for_content_type(content_type: str) -> str | None:
    """The accepted extension for a MIME type, or ``None``."""
    return CONTENT_TYPE_EXTENSIONS.get(content_type.split(";")[0].strip().lower())


def safe_filename(filename: str) -> str:
    """A file-system and URL safe version of an uploaded name (keeps the extension)."""
    base = PurePosixPath(filename.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "upload"
    suffix = PurePosixPath(cleaned).suffix
    stem = cleaned[: len(cleaned) - len(suffix)][:100] or "upload"
    return stem + suffix.lower()


def new_upload_location(media_dir: Path, filename: str) -> tuple[Path, str]:
    """A fresh file path for an upload and the ``/media/...`` path it is served under."""
    folder = secrets.token_hex(8)
    name = safe_filename(filename)
    return media_dir / "uploads" / folder / name, f"/media/uploads/{folder}/{quote(name)}"


class FileSink:
    """Writes one upload to disk, refusing to grow past ``limit`` bytes.

    Writes are plain blocking writes of whole network pieces (up to 256 KiB): a write into the
    page cache takes well under a millisecond. Handing each to a worker thread was measured to
    be slower (the thread hop costs more than it overlaps on a small machine).
    """

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.size = 0
        self._limit = limit
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO = path.open("wb")

    def write(self, chunk: bytes | memoryview) -> None:
        """Append ``chunk``; raise :class:`TooLargeError` instead if it would cross the cap."""
        if self.size + len(chunk) > self._limit:
            raise TooLargeError
        self._file.write(chunk)
        self.size += len(chunk)

    def close(self) -> None:
        """Flush and close the file (idempotent)."""
        self._file.close()

    def discard(self) -> None:
        """Close and delete the file and its folder (a failed or refused upload)."""
        self.close()
        self.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # not empty or already gone: nothing to tidy
            self.path.parent.rmdir()
