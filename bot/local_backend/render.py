"""Render jobs: their life cycle and the status bodies of §3.8-3.10.

Life cycle: ``pending`` (the first 10 % of ``render_seconds``) → ``processing`` (progress
rising with elapsed time, at most 99) → ``completed`` once **both** the time has passed and the
MP4 is on disk, or ``failed``. The MP4 is encoded by :func:`bot.local_backend.ffmpeg.encode_preview`
from the start; it uses the session's first decodable uploaded audio (at most 10 s of it), and a
tone when there is none. ``render_failures`` makes the next N submitted jobs end ``failed``
(with ``error``) after their full time, without encoding. With ``render_media`` off nothing is
encoded: the job keeps its timing and its file is :data:`PLACEHOLDER_MP4` (an ``ftyp`` box only,
not playable), so load tests can run thousands of renders.

Decisions on open points (§12.1, §12.13):

* Cancel: the contract's statuses have no "cancelled", so a cancelled job becomes ``failed``
  with ``error: "cancelled"``; cancelling a finished job changes nothing. The answer is the
  job's status body, in the configured shape.
* Submit answers ``{"success": true, "data": {"id", "status": "pending", "progress": 0}}``
  (the v4.4 capture) in every shape; in ``"both"`` it also carries Shape A's top-level
  ``taskId``, ``status`` and ``progress``.
* Poll bodies: Shape A ``{taskId, status, progress, output: {url, duration, size}, error?}``,
  Shape B ``{success, data: {id, status, progress, outputUrl?, createdAt, completedAt?,
  error?}}`` (ms epoch times), ``"both"`` merges the two (their keys do not collide).
  ``output``/``outputUrl`` appear only when completed; ``completedAt`` on any final status.
* The output URL is ``<base>/media/renders/<random>/<id>.mp4``: public like a CDN URL, served
  with Range support; ``<base>`` is ``public_url`` when set, else the host the client used, and
  ``<random>`` makes it unguessable (a render id is often a timestamp).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from pathlib import Path
from typing import Any

from bot.local_backend import ffmpeg
from bot.local_backend.config import RenderShape
from bot.local_backend.state import RenderJob

log = logging.getLogger(__name__)

MAX_PREVIEW_SECONDS = 10.0
DEFAULT_PREVIEW_SECONDS = 5.0
PENDING_SHARE = 0.1  # share of render_seconds spent "pending" before "processing"
RENDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
#: The file of a render when ``render_media`` is off: a bare MP4 ``ftyp`` box (24 bytes).
PLACEHOLDER_MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def preview_seconds(draft_ms: int, audio_seconds: float | None) -> float:
    """How long the preview MP4 is: the draft, capped by the music and by 10 s."""
    seconds = draft_ms / 1000 if draft_ms > 0 else DEFAULT_PREVIEW_SECONDS
    if audio_seconds:
        seconds = min(seconds, audio_seconds)
    return max(0.5, min(seconds, MAX_PREVIEW_SECONDS))


async def run_job(
    job: RenderJob,
    *,
    exe: str,
    out: Path,
    audio: Path | None,
    seconds: float,
    fail: bool,
    media: bool = True,
) -> None:
    """Drive ``job`` to a final status; on cancellation it ends ``failed``/``cancelled``.

    ``media=False`` writes :data:`PLACEHOLDER_MP4` instead of encoding (``render_media``).
    """
    try:
        encode_error: Exception | None = None
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(_clock(job))
                if not fail:
                    produce = _encode(exe, out, audio, seconds) if media else _placeholder(out)
                    group.create_task(produce)
        except* ffmpeg.EncodeError as errors:
            encode_error = errors.exceptions[0]
        if encode_error is not None:
            _finish(job, error=f"render failed: {encode_error}")
            log.warning("render %s failed: %s", job.render_id, encode_error)
            return
        if fail:
            _finish(job, error="render failed: the renderer reported an error (injected)")
            return
        job.path = out
        job.size = (await asyncio.to_thread(out.stat)).st_size
        job.duration = round(seconds, 3)
        _finish(job)
    except asyncio.CancelledError:
        _finish(job, error="cancelled")
        raise


def cancel(job: RenderJob) -> None:
    """Mark an unfinished job as cancelled (the caller also cancels its task)."""
    _finish(job, error="cancelled")


def progress(job: RenderJob, now: float) -> int:
    """Percent done: fixed once final, 0 while pending, elapsed share while processing."""
    if job.status != "processing" or job.measured:
        return job.progress
    share = (now - job.started) / job.planned_seconds if job.planned_seconds > 0 else 1.0
    return max(1, min(99, int(share * 100)))


def submit_body(job: RenderJob, shape: RenderShape) -> dict[str, Any]:
    """The answer to a successful submit."""
    body: dict[str, Any] = {
        "success": True,
        "data": {"id": job.render_id, "status": job.status, "progress": job.progress},
    }
    if shape == "both":
        body.update(taskId=job.render_id, status=job.status, progress=job.progress)
    return body


def status_body(job: RenderJob, shape: RenderShape, base_url: str, now: float) -> dict[str, Any]:
    """The poll (and cancel) answer in the configured shape."""
    percent = progress(job, now)
    url = base_url + job.url_path if job.status == "completed" else None
    shape_a: dict[str, Any] = {"taskId": job.render_id, "status": job.status, "progress": percent}
    data: dict[str, Any] = {
        "id": job.render_id,
        "status": job.status,
        "progress": percent,
        "createdAt": job.created_at_ms,
    }
    if url is not None:
        shape_a["output"] = {"url": url, "duration": job.duration, "size": job.size}
        data["outputUrl"] = url
    if job.completed_at_ms is not None:
        data["completedAt"] = job.completed_at_ms
    if job.error is not None:
        shape_a["error"] = job.error
        data["error"] = job.error
    shape_b = {"success": True, "data": data}
    if shape == "A":
        return shape_a
    if shape == "B":
        return shape_b
    return {**shape_a, **shape_b}


async def _clock(job: RenderJob) -> None:
    await asyncio.sleep(job.planned_seconds * PENDING_SHARE)
    if job.status == "pending":
        job.status = "processing"
    await asyncio.sleep(job.planned_seconds * (1 - PENDING_SHARE))


async def _placeholder(out: Path) -> None:
    await asyncio.to_thread(_write_placeholder, out)


def _write_placeholder(out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(PLACEHOLDER_MP4)


async def _encode(exe: str, out: Path, audio: Path | None, seconds: float) -> None:
    if audio is not None:
        try:
            await ffmpeg.encode_preview(exe, out, audio, seconds)
        except ffmpeg.EncodeError as exc:
            # A file that probed fine can still fail to decode in full; a tone-only preview is
            # better than a failed export for a test double.
            log.info("preview from uploaded audio failed (%s); using a tone", exc)
        else:
            return
    await ffmpeg.encode_preview(exe, out, None, seconds)


def _finish(job: RenderJob, *, error: str | None = None) -> None:
    job.finish(error, progress=progress(job, time.monotonic()))
