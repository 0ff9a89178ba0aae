"""Handlers for the NemoVideo endpoints of §3 (uploads live in :mod:`.uploads`).

Choices where the contract is open (§12), besides those in :mod:`.state` and :mod:`.render`:

* Auth (§2.1): ``Authorization: Bearer <token>`` on everything except the anonymous-token
  route; a missing, unknown or expired token is app code 1001. Tokens are never logged.
* ``/run_sse`` (§3.4, §4): ``session_id`` and ``new_message.parts[].text`` are required (HTTP
  400 otherwise); ``app_name`` may be omitted but must be ``nemo_agent`` when sent; ``user_id``
  is ignored, as the gateway rewrites ``me``. Errors found before streaming (1001, 1002, 2001)
  are ordinary JSON answers, never SSE. ``turns_received`` counts every request that reached an
  existing session (including ones refused with 2001), not those a gateway fault answered.
* Credits (§3.6, §12.9): the turn's cost is frozen when it starts and consumed when it ends —
  also when the client disconnected, because the work still happened server-side; an in-band
  error refunds it.
* Heartbeats are sent by the "gateway" part of the handler whenever no agent event arrived for
  ``heartbeat_interval`` seconds, whatever the agent is doing, like a proxy keeping a stream
  alive.
* Render submit (§3.8): checks run in this order: token (1001), attribution headers (HTTP 402
  for every token, since a client must send them on every call), body, id format (HTTP 400),
  duplicate id (HTTP 409), session (1002), exportable draft (HTTP 400). The render uses the
  draft from the request body, as the real proxy would.
* State (§3.7): ``video_analyses.music`` carries the music as the video plays it once the
  analysis is done (tempo, beats, downbeats, loudness on the video's clock); a state read
  never waits for it.
* Download (§3.11): the MP4 bytes (``Content-Disposition: attachment``); HTTP 409 while the job
  is not completed, 404 for an unknown id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import struct
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.local_backend import draft, music, render, sse, studio
from bot.local_backend.config import Fault
from bot.local_backend.render import RENDER_ID
from bot.local_backend.responses import AbortedError, AppError, HttpError, RenderError, ok
from bot.local_backend.runtime import RUNTIME, Runtime, TurnQueue
from bot.local_backend.state import (
    CLAIM_TOKEN_TTL_SECONDS,
    Account,
    RateLimitedError,
    RenderJob,
    Session,
)

log = logging.getLogger(__name__)

FAULT_KEY = web.RequestKey("fault", Fault)
ATTRIBUTION_HEADERS = ("X-Skill-Source", "X-Skill-Version", "X-Skill-Platform")
SSE_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
}


# -- helpers shared with .uploads ----------------------------------------------------------------


def runtime_of(request: web.Request) -> Runtime:
    """The runtime behind this request's application."""
    return request.app[RUNTIME]


def authenticate(request: web.Request) -> Account:
    """The caller's account, or :class:`AppError` 1001."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AppError(1001, "missing bearer token")
    account = runtime_of(request).store.authenticate(token, time.time())
    if account is None:
        raise AppError(1001, "token invalid or expired")
    return account


def session_of(request: web.Request, account: Account, session_id: Any) -> Session:
    """The caller's live session, or :class:`AppError` 1002."""
    session = None
    if isinstance(session_id, str):
        session = runtime_of(request).store.session_for(account.user_id, session_id)
    if session is None:
        raise AppError(1002, "session not found")
    return session


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or HTTP 400."""
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HttpError(400, "malformed JSON body") from exc
    if not isinstance(body, dict):
        raise HttpError(400, "the JSON body must be an object")
    return body


def fault_of(request: web.Request) -> Fault | None:
    """The fault the middleware took for this request, if any."""
    return request.get(FAULT_KEY)


async def abort_connection(request: web.Request) -> None:
    """Cut the TCP connection without a clean close (after what was written has left)."""
    transport = request.transport
    if transport is not None:
        # abort() drops unsent bytes; let the events already written reach the client first.
        # The transport has no "buffer empty" event, hence the short bounded poll.
        deadline = time.monotonic() + 1.0
        while transport.get_write_buffer_size() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0: the close sends a TCP RST, like a proxy dying mid-stream, not a FIN.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    raise AbortedError


# -- §3.1-3.3, 3.6, 3.7 ---------------------------------------------------------------------------


async def anonymous_token(request: web.Request) -> web.Response:
    """§3.1: a free anonymous token for an ``X-Client-Id``."""
    runtime = runtime_of(request)
    client_id = request.headers.get("X-Client-Id", "").strip()
    if not client_id:
        raise HttpError(400, "X-Client-Id header is required")
    if len(client_id) > 64:
        raise HttpError(400, "X-Client-Id must be at most 64 characters")
    now = time.time()
    try:
        token, grant, account = runtime.store.issue_anonymous(
            client_id, request.remote or "unknown", now
        )
    except RateLimitedError as exc:
        raise HttpError(429, str(exc)) from exc
    expires = datetime.fromtimestamp(grant.expires_at or now, tz=UTC)
    return ok(
        {
            "token": token,
            "user_id": grant.user_id,
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credits": account.available,
        }
    )


async def create_session(request: web.Request) -> web.Response:
    """§3.2: a task (project) with its session."""
    account = authenticate(request)
    body = await json_object(request)
    task_name = body.get("task_name")
    language = body.get("language")
    if not isinstance(task_name, str) or not task_name.strip():
        raise HttpError(400, "task_name is required")
    if language is not None and not isinstance(language, str):
        raise HttpError(400, "language must be a string")
    session = runtime_of(request).store.create_session(account.user_id, task_name, language)
    return ok(
        {"task_id": session.task_id, "session_id": session.session_id, "user_id": account.user_id}
    )


async def claim_token(request: web.Request) -> web.Response:
    """§3.3: a browser-link token for one of the caller's projects."""
    account = authenticate(request)
    body = await json_object(request)
    session = session_of(request, account, body.get("session_id"))
    if body.get("task_id") != session.task_id:
        raise AppError(1002, "task not found for this session")
    token = runtime_of(request).store.issue_claim_token(session, time.time())
    return ok({"claim_token": token, "expires_in": CLAIM_TOKEN_TTL_SECONDS})


async def credits(request: web.Request) -> web.Response:
    """§3.6: the caller's balance."""
    account = authenticate(request)
    return ok({"available": account.available, "frozen": account.frozen, "total": account.total})


async def state(request: web.Request) -> web.Response:
    """§3.7: the session's latest state, draft included."""
    account = authenticate(request)
    session = session_of(request, account, request.match_info["session_id"])
    data = session.state()
    runtime = runtime_of(request)
    analysis = runtime.desk.known(session)
    if runtime.config.video_analyses is not None:
        data["state"]["video_analyses"] = runtime.config.video_analyses
    elif analysis is not None:
        data["state"]["video_analyses"]["music"] = music.wire(
            music.video_music(analysis, session.draft)
        )
    return ok(data)


# -- §3.4 / §4 ------------------------------------------------------------------------------------


async def run_sse(request: web.Request) -> web.StreamResponse:
    """§3.4: one chat turn, answered as an SSE stream that ends when the turn ends."""
    runtime = runtime_of(request)
    account = authenticate(request)
    body = await json_object(request)
    if not isinstance(body.get("session_id"), str) or not body["session_id"]:
        raise HttpError(400, "session_id is required")
    if body.get("app_name", "nemo_agent") != "nemo_agent":
        raise HttpError(400, "unknown app_name (expected nemo_agent)")
    text = _message_text(body.get("new_message"))
    session = session_of(request, account, body["session_id"])
    session.turns_received += 1
    cost = runtime.config.turn_cost
    if account.available < cost:
        raise AppError(2001, "insufficient credits")
    account.freeze(cost)
    fault = fault_of(request)
    queue: TurnQueue = asyncio.Queue()
    runtime.start_turn(
        session, account, text, cost, queue, in_band_error=fault.in_band_error if fault else None
    )
    response = web.StreamResponse(headers=SSE_HEADERS)
    try:
        await response.prepare(request)
        await _pump(request, response, queue, fault)
        await response.write_eof()
    except AbortedError:
        pass  # an injected drop: the connection is gone, the turn carries on server-side
    except ConnectionError:
        # The client went away; the turn carries on server-side and its change lands in state.
        log.debug("run_sse client disconnected from session %s", session.session_id)
    return response


def _message_text(message: Any) -> str:
    parts = message.get("parts") if isinstance(message, dict) else None
    texts = [
        part["text"]
        for part in parts or []
        if isinstance(part, dict) and isinstance(part.get("text"), str)
    ]
    if not texts or not "".join(texts).strip():
        raise HttpError(400, "new_message.parts[].text is required")
    return "\n".join(texts)


async def _pump(
    request: web.Request, response: web.StreamResponse, queue: TurnQueue, fault: Fault | None
) -> None:
    """Forward agent events as SSE frames, with heartbeats whenever the agent is quiet."""
    runtime = runtime_of(request)
    invocation_id = sse.new_invocation_id()
    drop_after = fault.drop_after_events if fault else None
    sent = 0
    if drop_after == 0:
        await abort_connection(request)
    while True:
        try:
            async with asyncio.timeout(max(runtime.config.heartbeat_interval, 0.001)):
                event = await queue.get()
        except TimeoutError:
            await response.write(sse.heartbeat(runtime.config.heartbeat_form))
            continue
        if event is None:
            return
        data = sse.encode(event, runtime.config.sse_format, invocation_id)
        if data is None:
            continue
        await response.write(data)
        sent += 1
        if drop_after is not None and sent >= drop_after:
            await abort_connection(request)


# -- §3.8-3.11 ------------------------------------------------------------------------------------


async def render_submit(request: web.Request) -> web.Response:
    """§3.8: start an export with a client-chosen id."""
    runtime = runtime_of(request)
    account = authenticate(request)
    missing = [name for name in ATTRIBUTION_HEADERS if not request.headers.get(name, "").strip()]
    if missing:
        raise RenderError(
            402, f"export refused on the free plan: missing {', '.join(missing)} header(s)"
        )
    body = await json_object(request)
    render_id = body.get("id")
    if not isinstance(render_id, str) or not RENDER_ID.match(render_id):
        raise RenderError(400, "id is required (letters, digits, '_', '-', '.'; max 128)")
    if render_id in runtime.store.renders:
        raise RenderError(409, "duplicate id")
    session = session_of(request, account, body.get("sessionId"))
    draft_body = body.get("draft")
    if not draft.exportable(draft_body) or not isinstance(draft_body, dict):
        raise RenderError(400, "nothing to render")
    output = body.get("output")
    chosen = output if isinstance(output, dict) else None
    job = runtime.store.new_render(render_id, account.user_id, session.session_id, chosen)
    out = runtime.media_dir / "renders" / job.secret / f"{render_id}.mp4"
    fail = runtime.config.render_failures > 0
    if fail:
        runtime.config.render_failures -= 1
    if runtime.config.studio and runtime.config.render_media and not fail:
        work = studio.render_job(
            job,
            desk=runtime.desk,
            session=session,
            draft=draft_body,
            out=out,
            exe=runtime.ffmpeg_exe,
        )
    else:  # the double: a timed job with a short preview, a placeholder or an injected failure
        audio = next((m for m in session.media if m.file_type == "audio" and m.duration > 0), None)
        seconds = render.preview_seconds(
            draft.duration_ms(draft_body), audio.duration if audio else None
        )
        work = render.run_job(
            job,
            exe=runtime.ffmpeg_exe,
            out=out,
            audio=audio.path if audio else None,
            seconds=seconds,
            fail=fail,
            media=runtime.config.render_media,
        )
    runtime.render_tasks[render_id] = runtime.spawn(work, name=f"render-{render_id}")
    return web.json_response(render.submit_body(job, runtime.config.render_shape))


def _job(request: web.Request) -> RenderJob:
    account = authenticate(request)
    job = runtime_of(request).store.render_for(account.user_id, request.match_info["render_id"])
    if job is None:
        raise RenderError(404, "not found")
    return job


async def render_poll(request: web.Request) -> web.Response:
    """§3.9: the job's status in the configured shape."""
    runtime = runtime_of(request)
    job = _job(request)
    body = render.status_body(
        job, runtime.config.render_shape, _render_base(request), time.monotonic()
    )
    return web.json_response(body)


async def render_cancel(request: web.Request) -> web.Response:
    """§3.10: cancel an unfinished job (it ends ``failed`` with ``error: "cancelled"``)."""
    runtime = runtime_of(request)
    job = _job(request)
    if job.status in ("pending", "processing"):
        render.cancel(job)
        task = runtime.render_tasks.get(job.render_id)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    body = render.status_body(
        job, runtime.config.render_shape, _render_base(request), time.monotonic()
    )
    return web.json_response(body)


async def render_download(request: web.Request) -> web.StreamResponse:
    """§3.11: the finished MP4's bytes."""
    job = _job(request)
    if job.status != "completed" or job.path is None:
        raise RenderError(409, f"render is {job.status}, not completed")
    return web.FileResponse(
        job.path,
        headers={
            "Content-Type": "video/mp4",
            "Content-Disposition": f'attachment; filename="{job.render_id}.mp4"',
        },
    )


def _render_base(request: web.Request) -> str:
    return runtime_of(request).render_base(str(request.url.origin()))
