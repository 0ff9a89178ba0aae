"""The attachment CDN: files streamed from disk under signed, expiring URLs.

Follows discord-api-docs ``docs/Reference.md``, "Signed Attachment CDN URLs": an attachment
URL carries ``ex`` (hex Unix time the URL expires), ``is`` (hex Unix time it was issued) and
``hm`` (a signature over the path and both times). Discord signs a fresh URL into every
payload that contains an attachment, so the URL a client receives is valid; once ``ex`` has
passed, or if the signature does not match, the CDN answers ``404`` with the text
"This content is no longer available.". The path is ``/attachments/{channel}/{attachment}/
{filename}`` as on ``cdn.discordapp.com``; ``proxy_url`` points at the same file under
``/media`` (Discord's ``media.discordapp.net``). Every request is kept in ``Cdn.requests``
(refused ones too), so a test can count how often a file was read.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from .clock import Clock
from .models import Attachment

EXPIRED_TEXT = "This content is no longer available."


class CdnSigner:
    """Signs and verifies attachment URLs with a per-emulator secret."""

    def __init__(self, clock: Clock, ttl: Callable[[], float]) -> None:
        self._clock = clock
        self._ttl = ttl
        self._secret = secrets.token_bytes(32)

    def _digest(self, path: str, expires: int, issued: int) -> str:
        message = f"{path}|{expires:x}|{issued:x}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def sign(self, path: str) -> str:
        """Return the query string (``ex``, ``is``, ``hm``) for ``path``, valid from now."""
        issued = int(self._clock.now())
        expires = int(issued + self._ttl())
        digest = self._digest(path, expires, issued)
        return f"ex={expires:x}&is={issued:x}&hm={digest}&"

    def verify(self, path: str, query: dict[str, str]) -> bool:
        """Whether ``query`` is a valid, unexpired signature for ``path``."""
        try:
            expires = int(query["ex"], 16)
            issued = int(query["is"], 16)
            digest = query["hm"]
        except (KeyError, ValueError):
            return False
        expected = self._digest(path, expires, issued)
        if not hmac.compare_digest(expected, digest):
            return False
        return self._clock.now() < expires


def attachment_path(attachment: Attachment) -> str:
    """The CDN path of an attachment, without host or query."""
    name = quote(attachment.filename, safe="")
    return f"/attachments/{attachment.channel_id}/{attachment.id}/{name}"


class FileStore:
    """A private temporary directory for uploaded files, removed when the emulator stops."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="discord-emulator-"))
        self._counter = 0

    def new_path(self, filename: str) -> Path:
        """Return a fresh path for a file about to be written."""
        self._counter += 1
        directory = self.root / str(self._counter)
        directory.mkdir()
        return directory / (Path(filename).name or "file")

    def save_bytes(self, filename: str, data: bytes) -> Path:
        """Write ``data`` to a fresh file and return its path."""
        path = self.new_path(filename)
        path.write_bytes(data)
        return path

    def close(self) -> None:
        """Delete every stored file."""
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass(frozen=True)
class CdnRequest:
    """One request the CDN received: its path and headers (``Range``, ``User-Agent``)."""

    path: str
    headers: dict[str, str]


class Cdn:
    """aiohttp handlers that serve stored attachments under signed URLs."""

    def __init__(
        self, signer: CdnSigner, lookup: Callable[[int], Attachment | None], base: Callable[[], str]
    ) -> None:
        self._signer = signer
        self._lookup = lookup
        self._base = base
        self.requests: list[CdnRequest] = []

    def url(self, attachment: Attachment, *, proxy: bool = False) -> str:
        """A freshly signed URL for ``attachment``."""
        path = attachment_path(attachment)
        prefix = "/media" if proxy else ""
        return f"{self._base()}{prefix}{path}?{self._signer.sign(path)}"

    def routes(self) -> list[web.RouteDef]:
        """Routes for the CDN and its media-proxy twin."""
        pattern = "/attachments/{channel_id}/{attachment_id}/{filename}"
        return [web.get(pattern, self._serve), web.get("/media" + pattern, self._serve)]

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(CdnRequest(request.path, dict(request.headers)))
        info = request.match_info
        try:
            attachment = self._lookup(int(info["attachment_id"]))
        except ValueError:
            attachment = None
        if attachment is None or str(attachment.channel_id) != info["channel_id"]:
            raise web.HTTPNotFound(text=EXPIRED_TEXT)
        path = attachment_path(attachment)
        if not self._signer.verify(path, dict(request.query)):
            raise web.HTTPNotFound(text=EXPIRED_TEXT)
        content_type = attachment.content_type or (
            mimetypes.guess_type(attachment.filename)[0] or "application/octet-stream"
        )
        return web.FileResponse(attachment.path, headers={"Content-Type": content_type})
