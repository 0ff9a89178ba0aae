"""Streaming multipart bodies for uploads (contract §3.5), never holding a file in memory.

httpx builds multipart bodies only from synchronous file objects, so this module writes the
``multipart/form-data`` framing itself around an async byte stream, counting bytes as they
pass and stopping the request the moment the file exceeds the limit.
"""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import AsyncIterator
from urllib.parse import quote

from bot.backend.errors import FileTooLargeError
from bot.core.backend_results import UploadSource


class MultipartStream:
    """An async iterable ``multipart/form-data`` body with one file field."""

    def __init__(self, field: str, source: UploadSource, *, max_bytes: int) -> None:
        self._source = source
        self._max_bytes = max_bytes
        self._boundary = f"beatthread-{secrets.token_hex(16)}"
        content_type = source.content_type or _guess_type(source.filename)
        disposition = f'form-data; name="{field}"; {_filename_params(source.filename)}'
        self._head = (
            f"--{self._boundary}\r\n"
            f"Content-Disposition: {disposition}\r\n"
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{self._boundary}--\r\n".encode()

    def headers(self) -> dict[str, str]:
        """Request headers: the content type with its boundary, and the length when known."""
        headers = {"Content-Type": f"multipart/form-data; boundary={self._boundary}"}
        if self._source.size is not None:
            headers["Content-Length"] = str(len(self._head) + self._source.size + len(self._tail))
        return headers

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._head
        sent = 0
        async for chunk in self._source.open():
            sent += len(chunk)
            if sent > self._max_bytes:
                raise FileTooLargeError(f"{self._source.filename} is over the size limit")
            if self._source.size is not None and sent > self._source.size:
                raise FileTooLargeError(f"{self._source.filename} is larger than announced")
            yield chunk
        if self._source.size is not None and sent != self._source.size:
            # A short stream would leave Content-Length unsatisfied; fail loudly instead.
            raise FileTooLargeError(f"{self._source.filename} ended before its announced size")
        yield self._tail


def _guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _filename_params(filename: str) -> str:
    """``filename=`` with an ASCII fallback plus RFC 5987 ``filename*`` for anything else."""
    cleaned = filename.replace("\r", "").replace("\n", "").replace("\\", "_")
    ascii_name = cleaned.encode("ascii", "replace").decode().replace("?", "_").replace('"', "'")
    if ascii_name == cleaned:
        return f'filename="{ascii_name}"'
    return f"filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned)}"
