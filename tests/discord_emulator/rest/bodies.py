"""Request bodies: JSON, or ``multipart/form-data`` with ``payload_json`` and ``files[n]``.

Follows ``docs/Reference.md``, "Uploading Files": file parts are named ``files[n]``, the JSON
body travels in the ``payload_json`` part, and ``attachments[].id`` refers to ``n``. Files are
streamed to disk, never held in memory; a file over the upload limit is answered with ``413``
``40005 Request entity too large`` after the rest of the body has been drained, so the
client sees the error rather than a reset connection. Invalid JSON is ``50109``.
"""

from __future__ import annotations

import json
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from aiohttp import BodyPartReader, web

from .. import errors
from ..cdn import FileStore
from ..record import FileMeta, RequestRecord

RECORD_KEY = web.RequestKey("record", RequestRecord)
"""Where the middleware keeps the request's record for the handlers."""

_FILE_FIELD = re.compile(r"^files\[(\d+)\]$")
_CHUNK = 256 * 1024


@dataclass(frozen=True)
class UploadedFile:
    """A file part written to disk."""

    index: int
    field: str
    filename: str
    path: Path
    size: int
    content_type: str | None


@dataclass
class Body:
    """A parsed request body."""

    json: Any = None
    files: list[UploadedFile] = field(default_factory=list)

    def object(self) -> dict[str, Any]:
        """The JSON body as an object, or 50035 if it is something else."""
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise errors.invalid_form_body(
                errors.field_errors("_root", "DICT_TYPE_CONVERT", "Only dictionaries may be used.")
            )
        return self.json


def invalid_json() -> errors.ApiError:
    return errors.ApiError(400, 50109, "The request body contains invalid JSON.")


class _Sink:
    """A file being written; plain blocking writes of small chunks to a local temp dir."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: BinaryIO = path.open("wb")

    def write(self, chunk: bytes) -> None:
        self._handle.write(chunk)

    def close(self) -> None:
        self._handle.close()


async def drain(request: web.Request) -> None:
    """Read and discard whatever is left of the request body."""
    while await request.content.readany():
        pass


async def read_body(request: web.Request, store: FileStore, *, file_limit: int) -> Body:
    """Parse the body of ``request`` and record it on the request's record."""
    record = request[RECORD_KEY]
    if request.content_type == "multipart/form-data":
        body = await _read_multipart(request, store, file_limit, record)
    elif request.can_read_body:
        raw = await request.read()
        try:
            body = Body(json=json.loads(raw) if raw else None)
        except ValueError:
            raise invalid_json() from None
    else:
        body = Body()
    record.json = body.json
    return body


async def _read_multipart(
    request: web.Request, store: FileStore, limit: int, record: RequestRecord
) -> Body:
    reader = await request.multipart()
    body = Body()
    too_large = False
    fields: dict[str, Any] = {}
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        name = part.name or ""
        match = _FILE_FIELD.match(name)
        if name == "payload_json":
            try:
                body.json = json.loads(await part.text())
            except ValueError:
                raise invalid_json() from None
        elif match is not None or part.filename:
            filename = part.filename or name
            if too_large:
                await part.release()
                continue
            uploaded = await _save_part(part, store, filename, limit)
            if uploaded is None:
                too_large = True
                record.files.append(
                    FileMeta(name, filename, limit + 1, part.headers.get("Content-Type"))
                )
                continue
            index = int(match.group(1)) if match is not None else len(body.files)
            saved = UploadedFile(
                index=index,
                field=name,
                filename=filename,
                path=uploaded[0],
                size=uploaded[1],
                content_type=part.headers.get("Content-Type"),
            )
            body.files.append(saved)
            record.files.append(FileMeta(name, filename, saved.size, saved.content_type))
        else:
            fields[name] = await part.text()
    if too_large:
        raise errors.entity_too_large()
    if body.json is None and fields:
        body.json = fields
    return body


async def _save_part(
    part: BodyPartReader, store: FileStore, filename: str, limit: int
) -> tuple[Path, int] | None:
    path = store.new_path(filename)
    sink = _Sink(path)
    size = 0
    try:
        while chunk := await part.read_chunk(_CHUNK):
            size += len(chunk)
            if size > limit:
                await part.release()
                return None
            sink.write(chunk)
    finally:
        sink.close()
    return path, size


def guess_content_type(filename: str) -> str | None:
    """The content type Discord would report for ``filename``."""
    return mimetypes.guess_type(filename)[0]
