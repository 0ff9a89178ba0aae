"""The control API under ``/_control``: steer a backend running in another process.

For subprocess tests and docker-compose, the same levers as the Python API. No auth, not
recorded, not subject to faults, and plain JSON bodies (no envelope)::

    GET    /_control/config                 current config (static token values hidden)
    POST   /_control/config                 patch fields, e.g. {"render_shape": "B"}
    POST   /_control/faults                 inject a Fault, e.g. {"route": "state", "code": 1002}
    DELETE /_control/faults                 clear all faults
    GET    /_control/requests               recorded requests, oldest first
    GET    /_control/timings                when the server was busy: requests and renders
    POST   /_control/expire-tokens          every issued token answers 1001 from now on
    POST   /_control/sessions/{sid}/drop    that session answers 1002 from now on
    GET    /_control/sessions/{sid}         {"draft", "turns_received", "dropped"}
    POST   /_control/credits                {"available": n} for every account

``timings`` answers ``{"requests": [...], "renders": [...]}``: each handled request's route,
method, path, status, ``received_at`` and ``finished_at``, and each render's id, session,
status, ``submitted_at`` and ``finished_at`` (``null`` while it runs) and MP4 ``size`` (bytes),
the times in wall-clock epoch seconds, so a benchmark can tell the backend's own work from its
client's on its own clock.

Recorded ``Authorization`` headers are returned as ``Bearer sha256:<16 hex>`` (a fingerprint of
the token), so a test can tell tokens apart without the control API ever handing one out.
Errors are ``{"error": "..."}`` with HTTP 400 (bad input) or 404 (unknown session).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from aiohttp import web

from bot.local_backend.config import (
    ConfigError,
    config_to_json,
    fault_from_json,
    fault_to_json,
    patch_config,
)
from bot.local_backend.runtime import RUNTIME


def add_routes(app: web.Application) -> None:
    """Register the control routes on ``app``."""
    app.router.add_get("/_control/config", _get_config)
    app.router.add_post("/_control/config", _patch_config)
    app.router.add_post("/_control/faults", _inject)
    app.router.add_delete("/_control/faults", _clear_faults)
    app.router.add_get("/_control/requests", _requests)
    app.router.add_get("/_control/timings", _timings)
    app.router.add_post("/_control/expire-tokens", _expire_tokens)
    app.router.add_post("/_control/sessions/{session_id}/drop", _drop_session)
    app.router.add_get("/_control/sessions/{session_id}", _session)
    app.router.add_post("/_control/credits", _credits)


def fingerprint_authorization(value: str) -> str:
    """``Bearer <token>`` → ``Bearer sha256:<16 hex>``; other values are hashed whole."""
    scheme, _, token = value.partition(" ")
    secret = token.strip() if token else value
    digest = hashlib.sha256(secret.encode()).hexdigest()[:16]
    return f"{scheme} sha256:{digest}" if token else f"sha256:{digest}"


async def _body(request: web.Request) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad(f"malformed JSON: {exc}") from exc


def _bad(message: str) -> web.HTTPException:
    return _json_error(message, 400)


def _json_error(message: str, status: int) -> web.HTTPException:
    error = web.HTTPBadRequest if status == 400 else web.HTTPNotFound
    return error(text=json.dumps({"error": message}), content_type="application/json")


async def _get_config(request: web.Request) -> web.Response:
    return web.json_response(config_to_json(request.app[RUNTIME].config))


async def _patch_config(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    patch = await _body(request)
    if not isinstance(patch, dict):
        raise _bad("the body must be a JSON object of config fields")
    try:
        patch_config(runtime.config, patch)
    except ConfigError as exc:
        raise _bad(str(exc)) from exc
    return web.json_response(config_to_json(runtime.config))


async def _inject(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        fault = fault_from_json(await _body(request))
    except ConfigError as exc:
        raise _bad(str(exc)) from exc
    runtime.faults.inject(fault)
    return web.json_response({"pending": [fault_to_json(f) for f in runtime.faults.pending()]})


async def _clear_faults(request: web.Request) -> web.Response:
    request.app[RUNTIME].faults.clear()
    return web.json_response({"pending": []})


async def _requests(request: web.Request) -> web.Response:
    records = []
    for record in request.app[RUNTIME].requests:
        headers = {
            name: fingerprint_authorization(value) if name.lower() == "authorization" else value
            for name, value in record.headers.items()
        }
        records.append({**asdict(record), "headers": headers})
    return web.json_response(records)


async def _timings(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    renders = [
        {
            "id": job.render_id,
            "session_id": job.session_id,
            "status": job.status,
            "submitted_at": job.created_at_ms / 1000,
            "finished_at": None if job.completed_at_ms is None else job.completed_at_ms / 1000,
            "size": job.size,
        }
        for job in runtime.store.renders.values()
    ]
    handled = [asdict(record) for record in runtime.handled]
    return web.json_response({"requests": handled, "renders": renders})


async def _expire_tokens(request: web.Request) -> web.Response:
    request.app[RUNTIME].store.expire_tokens()
    return web.json_response({"ok": True})


async def _drop_session(request: web.Request) -> web.Response:
    try:
        request.app[RUNTIME].drop_session(request.match_info["session_id"])
    except KeyError as exc:
        raise _json_error("unknown session", 404) from exc
    return web.json_response({"ok": True})


async def _session(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        session = runtime.session(request.match_info["session_id"])
    except KeyError as exc:
        raise _json_error("unknown session", 404) from exc
    return web.json_response(
        {
            "draft": runtime.draft(session.session_id),
            "turns_received": session.turns_received,
            "dropped": session.dropped,
        }
    )


async def _credits(request: web.Request) -> web.Response:
    body = await _body(request)
    available = body.get("available") if isinstance(body, dict) else None
    if not isinstance(available, int) or isinstance(available, bool):
        raise _bad('the body must be {"available": <integer>}')
    request.app[RUNTIME].store.set_credits(available)
    return web.json_response({"ok": True})
