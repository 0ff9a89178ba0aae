"""§3.5 ``POST /api/upload-video/nemo_agent/me/{session_id}``: files or URLs into a session.

Two request forms on one path, as documented:

* ``multipart/form-data`` with the repeatable field ``files``. Parts are read **streaming**
  (:class:`~bot.local_backend.multipart.MultipartStream`, pieces as the network delivers them)
  straight into a file, so memory stays flat whatever the size and the size cap is enforced as
  bytes arrive. Other fields are
  skipped. A part's type is judged by its file name's extension (4001 before any byte is
  stored); a file over ``max_upload_bytes`` is refused with 4002 as soon as it crosses the cap.
  The unread rest of the body is then drained by aiohttp's lingering close (read and thrown
  away, never stored) so the client, which is still sending, receives the answer instead of
  a connection reset.
* ``application/json`` ``{"urls": [...], "source_type": "url"}``: the server fetches each URL
  itself (http/https only), streaming to disk under the same cap and type rules (extension of
  the URL path, else the response ``Content-Type``). A fetch that fails (connection error,
  timeout, HTTP status ≥ 400) is app code 4003 with a message naming which URL (by position,
  never by value: signed URLs carry secrets) and why.

A request is all or nothing: if one file fails, the files already stored for it are deleted.
Each stored file is probed with ffmpeg (duration, size), served publicly under
``/media/uploads/...`` (the ``cdn_url``), added to ``state.video_infos`` and put on the
timeline (:func:`bot.local_backend.draft.add_media`: audio → a new ``tt`` 1 track, video and
images → the ``tt`` 0 track). In studio mode a track's analysis starts at once, and photos and
clips are cut to the beat across the video track
(:func:`bot.local_backend.studio.place_visuals`). The answer is §3.5's ``files[]`` with
``session_state_applied: true``.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from email.message import Message
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import aiohttp
from aiohttp import web
from yarl import URL

from bot.local_backend import draft, ffmpeg, media, studio
from bot.local_backend.api import (
    abort_connection,
    authenticate,
    fault_of,
    json_object,
    runtime_of,
    session_of,
)
from bot.local_backend.multipart import MalformedMultipartError, MultipartStream
from bot.local_backend.responses import AppError, HttpError, ok
from bot.local_backend.state import FileType, MediaFile

ACCEPTED = "mp4 mov avi webm mkv, jpg jpeg png gif webp, mp3 wav m4a aac"


@dataclass
class _Stored:
    filename: str
    file_type: FileType
    path: Path
    url_path: str
    size: int


async def upload(request: web.Request) -> web.Response:
    """Store the request's files (or fetched URLs) and add them to the session."""
    runtime = runtime_of(request)
    account = authenticate(request)
    session = session_of(request, account, request.match_info["session_id"])
    if request.content_type == "multipart/form-data":
        stored = await _receive_files(request)
    elif request.content_type == "application/json":
        stored = await _fetch_urls(request)
    else:
        raise HttpError(400, "send multipart/form-data (field 'files') or a JSON list of urls")
    probes = await asyncio.gather(*(ffmpeg.probe(runtime.ffmpeg_exe, s.path) for s in stored))
    origin = str(request.url.origin())
    files = []
    for item, probe in zip(stored, probes, strict=True):
        picture = item.file_type != "audio"
        file = MediaFile(
            filename=item.filename,
            file_type=item.file_type,
            path=item.path,
            url_path=item.url_path,
            cdn_url=origin + item.url_path,
            size=item.size,
            duration=probe.duration if item.file_type != "image" else 0.0,
            width=probe.width if picture else None,
            height=probe.height if picture else None,
            fps=probe.fps if item.file_type == "video" else None,
        )
        session.media.append(file)
        session.video_infos.append(file.info())
        files.append(file.info())
        if not runtime.config.studio:
            draft.add_media(session.draft, file)
            continue
        runtime.desk.uploaded(file)
        if file.file_type == "audio":
            draft.add_media(session.draft, file)
    if runtime.config.studio and any(item.file_type != "audio" for item in stored):
        await studio.place_visuals(runtime.desk, session)  # photos and clips cut to the beat
    return ok({"files": files, "session_state_applied": True})


async def _receive_files(request: web.Request) -> list[_Stored]:
    runtime = runtime_of(request)
    fault = fault_of(request)
    drop_after = fault.drop_after_events if fault else None
    stored: list[_Stored] = []
    pieces = 0
    try:
        # Let the payload buffer hold a couple of big chunks before pausing the socket.
        request.content.set_read_chunk_size(media.CHUNK_SIZE)
        stream = MultipartStream(request.content, _boundary(request))
        while (part := await stream.next_part()) is not None:
            if part.name != "files":
                continue  # other fields are skipped by the next next_part()
            if not part.filename:
                raise HttpError(400, "every 'files' part needs a filename")
            file_type = media.file_type_for(part.filename)
            if file_type is None:
                raise AppError(
                    4001, f"unsupported file type {_suffix(part.filename)}; accepted: {ACCEPTED}"
                )
            path, url_path = media.new_upload_location(runtime.media_dir, part.filename)
            sink = media.FileSink(path, runtime.config.max_upload_bytes)
            try:
                async for piece in stream.iter_body():
                    if drop_after is not None and pieces >= drop_after:
                        await abort_connection(request)
                    sink.write(piece)
                    pieces += 1
            except BaseException:
                sink.discard()
                raise
            sink.close()
            stored.append(_Stored(part.filename, file_type, path, url_path, sink.size))
    except media.TooLargeError as exc:
        _discard(stored)
        raise AppError(4002, _too_large(runtime.config.max_upload_bytes)) from exc
    except MalformedMultipartError as exc:
        _discard(stored)
        raise HttpError(400, f"malformed multipart body: {exc}") from exc
    except BaseException:
        _discard(stored)
        raise
    if not stored:
        raise HttpError(400, "no files: send them in the repeatable 'files' field")
    return stored


def _boundary(request: web.Request) -> str:
    header = Message()
    header["content-type"] = request.headers.get("Content-Type", "")
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str):
        raise MalformedMultipartError("missing multipart boundary")
    return boundary


async def _fetch_urls(request: web.Request) -> list[_Stored]:
    body = await json_object(request)
    urls = body.get("urls")
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        raise HttpError(400, "urls must be a non-empty list of URL strings")
    if body.get("source_type", "url") != "url":
        raise HttpError(400, "source_type must be 'url'")
    stored: list[_Stored] = []
    try:
        for index, url in enumerate(urls, start=1):
            stored.append(await _fetch(request, index, url))
    except BaseException:
        _discard(stored)
        raise
    return stored


async def _fetch(request: web.Request, index: int, raw_url: str) -> _Stored:
    runtime = runtime_of(request)
    url = URL(raw_url)
    if url.scheme not in ("http", "https") or not url.host:
        raise AppError(4003, f"URL {index} is not an http(s) URL")
    name = unquote(PurePosixPath(url.path).name) or "download"
    file_type = media.file_type_for(name)
    limit = runtime.config.max_upload_bytes
    try:
        async with runtime.http.get(url) as response:
            if response.status >= 400:
                raise AppError(4003, f"URL {index} could not be fetched: HTTP {response.status}")
            if file_type is None:
                extension = media.extension_for_content_type(response.content_type)
                if extension is None:
                    raise AppError(
                        4001, f"URL {index} is not a supported type; accepted: {ACCEPTED}"
                    )
                name = f"{PurePosixPath(name).stem or 'download'}.{extension}"
                file_type = media.file_type_for(name)
                assert file_type is not None  # noqa: S101 - the MIME map only yields accepted types
            if response.content_length is not None and response.content_length > limit:
                raise AppError(4002, _too_large(limit))
            path, url_path = media.new_upload_location(runtime.media_dir, name)
            sink = media.FileSink(path, limit)
            try:
                async for chunk in response.content.iter_chunked(media.CHUNK_SIZE):
                    sink.write(chunk)
            except BaseException:
                sink.discard()
                raise
            sink.close()
    except media.TooLargeError as exc:
        raise AppError(4002, _too_large(limit)) from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise AppError(4003, f"URL {index} could not be fetched: {type(exc).__name__}") from exc
    return _Stored(name, file_type, path, url_path, sink.size)


def _discard(stored: list[_Stored]) -> None:
    for item in stored:
        item.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            item.path.parent.rmdir()


def _suffix(filename: str) -> str:
    return PurePosixPath(filename).suffix.lower() or "(no extension)"


def _too_large(limit: int) -> str:
    return f"file too large: the limit is {limit} bytes ({limit / 1024 / 1024:g} MB)"
