"""The project page ``/projects/<task id>`` and its picture ``/projects/<task id>/timeline.png``.

The task id (``task_`` + 16 random hex digits) is the page's key: as hard to guess as a render
link, and the claim link (:mod:`.pages`) leads here. The page, in the project's language:

* the title (the draft's, else a default);
* the track's tempo and length from the studio's analysis. A page never waits long for it:
  a running analysis gets :data:`ANALYSIS_WAIT_SECONDS`, then the page says it is analysing.
  The scripted test double (``studio=False``) analyses nothing, so its pages show neither;
* the timeline picture (:func:`bot.pictures.draw_session`: the draft with the music's beats,
  bar starts and loudness when known), drawn in a worker thread for each request, so it always
  shows the draft as it is now;
* every finished render, newest first: a player and a download link, with its length and size;
  a line while another one is rendering.

An unknown or dropped project is a friendly 404 page.
"""

from __future__ import annotations

import asyncio
from typing import Final
from urllib.parse import quote

from aiohttp import web
from yarl import URL

from bot.core.timeline import format_duration, parse_draft
from bot.local_backend.markup import browser_language, esc, page
from bot.local_backend.music import video_music
from bot.local_backend.page_texts import say
from bot.local_backend.runtime import RUNTIME, Runtime
from bot.local_backend.state import RenderJob, Session, Store
from bot.local_backend.studio import TrackInfo, music_of
from bot.pictures import draw_session

#: How long a page waits for a running analysis before it says "analysing".
ANALYSIS_WAIT_SECONDS: Final = 1.5


def session_by_task(store: Store, task_id: str) -> Session | None:
    """The live session of the task ``task_id``, or ``None``."""
    found = (s for s in store.sessions.values() if s.task_id == task_id and not s.dropped)
    return next(found, None)


def project_url(request: web.Request, session: Session) -> str:
    """The absolute address of ``session``'s project page (on the public URL when set)."""
    return f"{_base(request)}/projects/{quote(session.task_id, safe='')}"


def not_found(lang: str | None) -> web.Response:
    """The friendly 404 of an unknown or expired project link."""
    body = f"<p>{esc(say('not_found_body', lang))}</p>"
    return page(say("not_found_title", lang), body, lang=lang, status=404)


async def project(request: web.Request) -> web.Response:
    """``/projects/<task id>``: title, tempo and length, the timeline, the finished videos."""
    runtime = request.app[RUNTIME]
    session = session_by_task(runtime.store, request.match_info["task_id"])
    if session is None:
        return not_found(browser_language(request))
    lang = session.language
    info = await _track(runtime, session)
    title = parse_draft(session.draft).title or say("default_title", lang)
    base = _base(request)
    jobs = [job for job in runtime.store.renders.values() if job.session_id == session.session_id]
    picture = esc(f"{project_url(request, session)}/timeline.png")
    body = (
        _track_html(session, info, lang)
        + f"<h2>{esc(say('timeline', lang))}</h2>"
        + f'<img id="timeline" src="{picture}" alt="{esc(say("timeline_alt", lang))}">'
        + f"<h2>{esc(say('videos', lang))}</h2>"
        + _videos_html(jobs, base, lang)
    )
    return page(title, body, lang=lang, media_from=str(URL(base).origin()))


async def timeline_png(request: web.Request) -> web.Response:
    """``/projects/<task id>/timeline.png``: the draft as it is now, with the beat grid."""
    runtime = request.app[RUNTIME]
    session = session_by_task(runtime.store, request.match_info["task_id"])
    if session is None:
        return not_found(browser_language(request))
    info = await _track(runtime, session)
    analysis = info.analysis if info is not None else None
    music = None if analysis is None else video_music(analysis, session.draft)
    timeline = parse_draft(session.draft)
    picture = await asyncio.to_thread(draw_session, timeline, music, lang=session.language)
    return web.Response(
        body=picture.png, content_type="image/png", headers={"Cache-Control": "no-cache"}
    )


async def _track(runtime: Runtime, session: Session) -> TrackInfo | None:
    """The music's analysis, waiting a little for a running one; ``None`` while it runs."""
    if not runtime.config.studio:
        return TrackInfo(None)
    try:
        return await asyncio.wait_for(runtime.desk.track(session), ANALYSIS_WAIT_SECONDS)
    except TimeoutError:  # the analysis goes on (Desk.track shields it)
        return None


def _track_html(session: Session, info: TrackInfo | None, lang: str | None) -> str:
    if music_of(session) is None:
        return _note(say("no_track", lang))
    if info is None:
        return _note(say("analysing", lang))
    analysis = info.analysis
    if analysis is None:
        return _note(info.problem) if info.problem else ""
    bpm = f"{analysis.tempo_bpm:.0f}"
    tempo = say("steady", lang, bpm=bpm) if analysis.steady else say("bpm", lang, bpm=bpm)
    length = format_duration(round(analysis.duration_s * 1000), lang)
    return (
        '<ul class="facts">'
        f'<li id="tempo">{esc(say("tempo", lang))}<b>{esc(tempo)}</b></li>'
        f'<li id="length">{esc(say("length", lang))}<b>{esc(length)}</b></li></ul>'
    )


def _videos_html(jobs: list[RenderJob], base: str, lang: str | None) -> str:
    done = sorted(
        (job for job in jobs if job.status == "completed"),
        key=lambda job: (job.created_at_ms, job.render_id),
        reverse=True,
    )
    running = any(job.status in ("pending", "processing") for job in jobs)
    parts = [_note(say("rendering", lang))] if running else []
    if not done and not running:
        parts.append(_note(say("no_video", lang)))
    items = []
    for job in done:
        url = esc(base + job.url_path)
        facts = say(
            "video_facts",
            lang,
            length=format_duration(round(job.duration * 1000), lang),
            size=_size(job.size, lang),
        )
        items.append(
            f'<li><video controls preload="metadata" playsinline src="{url}"></video>'
            f'<p class="meta"><span>{esc(facts)}</span>'
            f'<a class="button" href="{url}" download="{esc(job.render_id)}.mp4">'
            f"{esc(say('download', lang))}</a></p></li>"
        )
    if items:
        parts.append('<ul class="renders">' + "".join(items) + "</ul>")
    return "".join(parts)


def _size(size: int, lang: str | None) -> str:
    if size >= 1_000_000:
        return say("megabytes", lang, size=f"{size / 1_000_000:.1f}")
    return say("kilobytes", lang, size=max(1, round(size / 1000)))


def _note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def _base(request: web.Request) -> str:
    return request.app[RUNTIME].render_base(str(request.url.origin()))
