"""The local studio inside the backend: one analysis per upload, studio turns, real renders.

* **Analysis** (:func:`bot.studio.analysis.analyse`) runs once per uploaded track, in a worker
  thread, started as soon as the upload is stored; chat turns and renders await the same
  result, so nothing is analysed twice. A track longer than the studio's limit is refused
  before any decoding, with the limit in the message. Video clips get their motion curve the
  same way (the plan picks their liveliest section).
* **Turns** (:func:`studio_turn`) hand the words to :func:`bot.studio.edits.apply_request`; the
  reply says what changed, or honestly what the studio can do. Never a claim of work not done.
* **Renders** (:func:`render_job`) plan the draft the client sent and render it in one ffmpeg
  process whose own progress is the job's percentage; cancelling the task kills ffmpeg.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from bot.local_backend.state import MediaFile, RenderJob, Session
from bot.studio import analysis as track_analysis
from bot.studio import edits, plan, schema
from bot.studio import render as studio_render
from bot.studio.analysis import Analysis, AnalysisError

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, None], str], "asyncio.Task[None]"]

#: Seconds of a clip read for its motion curve (a longer clip's later parts are not searched).
MOTION_SECONDS_LIMIT = 600.0
#: How long each photo shows in a video made of photos alone (two bars at 120 BPM).
STILL_MS = 4000


@dataclass(frozen=True)
class TrackInfo:
    """The analysis of one upload, or why there is none (a safe, user-facing sentence)."""

    analysis: Analysis | None
    problem: str | None = None


class Desk:
    """The studio's per-server memory: analyses and motion curves by upload path."""

    def __init__(self, spawn: Spawn) -> None:
        self._spawn = spawn
        self._tracks: dict[Path, asyncio.Future[TrackInfo]] = {}
        self._motion: dict[Path, asyncio.Future[tuple[float, ...]]] = {}

    def uploaded(self, media: MediaFile) -> None:
        """Start the analysis of a new track, or the motion curve of a new clip."""
        loop = asyncio.get_running_loop()
        if media.file_type == "audio" and media.path not in self._tracks:
            track: asyncio.Future[TrackInfo] = loop.create_future()
            self._tracks[media.path] = track
            self._spawn(_analyse(media, track), f"analyse-{media.path.name}")
        elif media.file_type == "video" and media.path not in self._motion:
            motion: asyncio.Future[tuple[float, ...]] = loop.create_future()
            self._motion[media.path] = motion
            self._spawn(_measure_motion(media.path, motion), f"motion-{media.path.name}")

    async def track(self, session: Session) -> TrackInfo:
        """The analysis of the session's music (the draft's music track, else its first audio)."""
        music = music_of(session)
        if music is None:
            return TrackInfo(None)
        future = self._tracks.get(music.path)
        if future is None:
            self.uploaded(music)
            future = self._tracks[music.path]
        return await asyncio.shield(future)

    def known(self, session: Session) -> Analysis | None:
        """The music's analysis if it is done now (a state read never waits for one)."""
        music = music_of(session)
        future = None if music is None else self._tracks.get(music.path)
        if future is None or not future.done():
            return None
        return future.result().analysis

    async def assets(self, session: Session) -> list[schema.Asset]:
        """Every upload of the session as the studio sees it, in upload order."""
        found = []
        for media in session.media:
            motion: tuple[float, ...] = ()
            future = self._motion.get(media.path)
            if future is not None:
                motion = await asyncio.shield(future)
            found.append(
                schema.Asset(
                    url=media.cdn_url,
                    path=media.path,
                    kind=media.file_type,
                    name=PurePosixPath(media.filename).stem or media.filename,
                    duration_s=media.duration,
                    motion=motion,
                )
            )
        return found


def music_of(session: Session) -> MediaFile | None:
    """The upload the draft's music track plays (by ``cdn_url``), else the first audio file."""
    wanted = {
        segment.get("m", {}).get("url")
        for track in session.draft.get("t", [])
        if isinstance(track, dict) and track.get("tt") == schema.MUSIC
        for segment in track.get("sg", [])
        if isinstance(segment, dict) and isinstance(segment.get("m"), dict)
    }
    audio = [m for m in session.media if m.file_type == "audio"]
    return next((m for m in audio if m.cdn_url in wanted), audio[0] if audio else None)


def language_of(session: Session) -> str:
    """The reply language: the session's, else English."""
    return session.language or "en"


async def _analyse(media: MediaFile, result: asyncio.Future[TrackInfo]) -> None:
    try:
        if media.duration > 0:  # say the limit before decoding a track that is too long
            track_analysis.check_length(media.duration)
        found = await asyncio.to_thread(track_analysis.analyse, media.path)
    except AnalysisError as exc:
        log.info("analysis of %s: %s", media.filename, exc)
        result.set_result(TrackInfo(None, exc.user_message))
    except BaseException:
        result.set_result(TrackInfo(None, "the track could not be analysed"))
        raise
    else:
        result.set_result(TrackInfo(found))


async def _measure_motion(path: Path, result: asyncio.Future[tuple[float, ...]]) -> None:
    try:
        motion = await asyncio.to_thread(track_analysis.clip_motion, path, MOTION_SECONDS_LIMIT)
    except BaseException:
        result.set_result(())
        raise
    result.set_result(motion)


# -- turns ----------------------------------------------------------------------------------


async def studio_reply(desk: Desk, session: Session, text: str) -> tuple[list[str], str]:
    """Apply the message to the session's draft; return (change lines, the reply text)."""
    language = language_of(session)
    info = await desk.track(session)
    result = edits.apply_request(
        session.draft,
        text,
        analysis=info.analysis,
        assets=await desk.assets(session),
        language=language,
    )
    reply = edits.reply_text(result)
    if info.problem is not None:  # the track itself is the problem: say that first
        reply = f"{info.problem} {reply}"
    return list(result.changes), reply


async def place_visuals(desk: Desk, session: Session) -> None:
    """Cut the session's photos and clips to the beat (after an upload of a new visual).

    Without a track, the video is as long as the visuals: each clip's length, and
    :data:`STILL_MS` per photo (a slideshow on a steady grid).
    """
    info = await desk.track(session)
    assets = await desk.assets(session)
    if music_of(session) is None:
        session.draft["d"] = sum(
            round(a.duration_s * 1000) if a.kind == "video" else STILL_MS for a in assets
        )
    plan.lay_cuts(session.draft, info.analysis, assets)


# -- renders --------------------------------------------------------------------------------


async def render_job(
    job: RenderJob,
    *,
    desk: Desk,
    session: Session,
    draft: dict[str, Any],
    out: Path,
    exe: str,
) -> None:
    """Plan and render ``draft`` for ``job``; the job ends completed or failed with a reason."""
    job.measured = True
    info = await desk.track(session)
    if info.problem is not None and info.analysis is None and music_of(session) is not None:
        job.fail(info.problem)
        return
    assets = {asset.url: asset for asset in await desk.assets(session)}
    try:
        edl = plan.plan(draft, info.analysis, assets, height=_height(job.output))
    except plan.PlanError as exc:
        job.fail(str(exc))
        return
    job.status = "processing"

    def progress(fraction: float) -> None:
        job.progress = max(job.progress, min(99, int(fraction * 100)))

    try:
        await studio_render.render(edl, out, exe=exe, on_progress=progress)
    except studio_render.RenderError as exc:
        log.warning("render %s failed: %s", job.render_id, exc)
        job.fail(f"render failed: {exc}")
        return
    job.path = out
    job.size = (await asyncio.to_thread(out.stat)).st_size
    job.duration = round(edl.seconds, 3)
    job.finish()


def _height(output: dict[str, Any] | None) -> int:
    """1080 unless the export asked for 720p (``output.resolution``)."""
    resolution = str((output or {}).get("resolution", "")).lower()
    return 720 if resolution.startswith("720") else 1080
