"""The aiohttp application: routes of §3, the public ``/media`` files, and three middlewares.

Middlewares, outermost first:

1. ``_errors`` turns the exceptions of :mod:`.responses` into bodies, aiohttp's own HTTP errors
   (unknown path, wrong method, body too big) into JSON envelopes, and anything unexpected into
   an HTTP 500 envelope, logged without request headers (tokens never reach the log).
2. ``_record`` appends a :class:`~bot.local_backend.config.RecordedRequest` for every request
   except the control routes, and a :class:`~bot.local_backend.config.HandledRequest` (when the
   server was busy with it) once its handler returns.
3. ``_faults`` applies an injected :class:`~bot.local_backend.config.Fault` for the matched
   route, like a gateway would: the delay, then an HTTP status or app code answer, or the raw
   body it carries; a drop on a route that has no streaming body of its own aborts the
   connection before any answer. Faults for ``run_sse``/``upload`` drops and in-band errors
   are handed to the handler.

Access logging is off (see :mod:`.server`), so request lines with tokens are never written.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from pathlib import Path

from aiohttp import web

from bot.local_backend import api, control, pages, project_page, uploads
from bot.local_backend.config import HandledRequest, RecordedRequest
from bot.local_backend.responses import (
    AbortedError,
    AppError,
    HttpError,
    RenderError,
    app_error,
    envelope_error,
    render_error,
)
from bot.local_backend.runtime import RUNTIME, Runtime

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CONTROL_PREFIX = "/_control"
#: JSON bodies (drafts included) may be larger than aiohttp's 1 MiB default; uploads stream.
MAX_JSON_BYTES = 32 * 1024 * 1024


def build_app(runtime: Runtime, media_dir: Path, *, control_api: bool) -> web.Application:
    """The application serving the NemoVideo contract (and the control API if asked)."""
    app = web.Application(middlewares=[_errors, _record, _faults], client_max_size=MAX_JSON_BYTES)
    app[RUNTIME] = runtime
    router = app.router
    router.add_post("/api/auth/anonymous-token", api.anonymous_token, name="anonymous_token")
    router.add_post(
        "/api/tasks/me/with-session/nemo_agent", api.create_session, name="create_session"
    )
    router.add_post("/api/auth/claim-token", api.claim_token, name="claim_token")
    router.add_post("/run_sse", api.run_sse, name="run_sse")
    router.add_post("/api/upload-video/nemo_agent/me/{session_id}", uploads.upload, name="upload")
    router.add_get("/api/credits/balance/simple", api.credits, name="credits")
    router.add_get("/api/state/nemo_agent/me/{session_id}/latest", api.state, name="state")
    router.add_post("/api/render/proxy/lambda", api.render_submit, name="render_submit")
    router.add_get("/api/render/proxy/lambda/{render_id}", api.render_poll, name="render_poll")
    router.add_post(
        "/api/render/proxy/lambda/{render_id}/cancel", api.render_cancel, name="render_cancel"
    )
    router.add_get(
        "/api/render/proxy/{render_id}/download", api.render_download, name="render_download"
    )
    router.add_get("/workspace/claim", pages.claim, name="claim_page")
    router.add_get("/projects/{task_id}", project_page.project, name="project_page")
    router.add_get(
        "/projects/{task_id}/timeline.png", project_page.timeline_png, name="timeline_picture"
    )
    router.add_get("/register", pages.register, name="register_page")
    router.add_get("/healthz", pages.health, name="healthz")
    router.add_static("/media", media_dir, name="media")
    if control_api:
        control.add_routes(app)
    return app


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _route_name(request: web.Request) -> str | None:
    return request.match_info.route.name


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    render_route = (_route_name(request) or "").startswith("render_")
    try:
        return await handler(request)
    except AppError as exc:
        return app_error(exc, request.app[RUNTIME].config, render_route=render_route)
    except HttpError as exc:
        return envelope_error(exc.status, exc.code, exc.message, render_route=render_route)
    except RenderError as exc:
        return render_error(exc)
    except AbortedError:
        return web.Response()  # the transport is gone; aiohttp discards this quietly
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return envelope_error(exc.status, exc.status, exc.reason, render_route=render_route)
    except ConnectionError:
        log.debug("client disconnected during %s %s", request.method, request.path)
        return web.Response()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return envelope_error(500, 500, "internal server error", render_route=render_route)


@web.middleware
async def _record(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    runtime = request.app[RUNTIME]
    received_at = time.time()
    runtime.requests.append(
        RecordedRequest(
            method=request.method,
            path=request.path,
            query=request.query_string,
            headers=dict(request.headers.items()),
            at=time.monotonic(),
        )
    )
    status: int | None = None
    try:
        response = await handler(request)
        status = response.status
        return response
    finally:
        runtime.handled.append(
            HandledRequest(
                route=_route_name(request),
                method=request.method,
                path=request.path,
                status=status,
                received_at=received_at,
                finished_at=time.time(),
            )
        )


@web.middleware
async def _faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    name = _route_name(request)
    runtime = request.app[RUNTIME]
    fault = runtime.faults.take(name) if name else None
    if fault is None:
        return await handler(request)
    request[api.FAULT_KEY] = fault
    if fault.delay:
        await asyncio.sleep(fault.delay)
    render_route = (name or "").startswith("render_")
    if fault.http_status is not None:
        code = fault.code if fault.code is not None else fault.http_status
        answer = envelope_error(
            fault.http_status, code, _phrase(fault.http_status), render_route=render_route
        )
        if fault.retry_after is not None:
            answer.headers["Retry-After"] = f"{fault.retry_after:g}"
        return answer
    if fault.code is not None:
        raise AppError(fault.code)
    if fault.raw_body is not None:
        return await _raw_answer(request, name == "run_sse", fault.raw_body)
    if fault.drop_after_events is not None and name not in ("run_sse", "upload"):
        await api.abort_connection(request)
    return await handler(request)


async def _raw_answer(
    request: web.Request, stream: bool, pieces: list[bytes]
) -> web.StreamResponse:
    """HTTP 200 with ``pieces`` as the body, each written (and flushed) on its own."""
    headers = api.SSE_HEADERS if stream else {"Content-Type": "application/json"}
    response = web.StreamResponse(headers=headers)
    await response.prepare(request)
    for piece in pieces:
        await response.write(piece)
    await response.write_eof()
    return response
