"""Response bodies and the errors handlers raise to produce them (§2.3, §6).

Handlers raise; the error middleware in :mod:`bot.local_backend.app` turns the exception into a
body, so every route answers errors the same way::

    Exception
    ├── AppError      application code (1001, 1002, 2001, 4001, 4002, 4003) in the envelope;
    │                 HTTP 200, or a 4xx when ``error_http_status == "4xx"``
    ├── HttpError     a plain HTTP failure (400, 429, 500, …) with an envelope body
    ├── RenderError   a render-proxy failure, ``{"success": false, "error": "…"}``
    │                 (HTTP 400, 402, 404, 409)
    └── AbortedError  the connection was cut on purpose (fault injection); nothing to send

Bodies:

* Success: ``{"code": 0, "message": "success", "data": …}``.
* ``AppError``/``HttpError``: ``{"code": <app code or HTTP status>, "message": "…", "data": null}``.
  On render routes (whose own envelope is ``{success, data}``) the same fields are sent plus
  ``"success": false`` and ``"error"``, a superset a client can read either way.
* App code 4003 is this server's own (undocumented) code for "the URL upload could not be
  fetched"; with ``"4xx"`` it travels as HTTP 400.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.local_backend.config import BackendConfig

#: HTTP status for each application code when ``error_http_status == "4xx"``.
APP_CODE_HTTP: dict[int, int] = {1001: 401, 1002: 404, 2001: 402, 4001: 415, 4002: 413, 4003: 400}

APP_MESSAGES: dict[int, str] = {
    1001: "token invalid or expired",
    1002: "session not found",
    2001: "insufficient credits",
    4001: "unsupported file type",
    4002: "file too large",
    4003: "the URL could not be fetched",
}


class AppError(Exception):
    """An application error code for the envelope."""

    def __init__(self, code: int, message: str | None = None) -> None:
        self.code = code
        self.message = message or APP_MESSAGES.get(code, "error")
        super().__init__(f"{code}: {self.message}")


class HttpError(Exception):
    """A plain HTTP error with an envelope body."""

    def __init__(self, status: int, message: str, *, code: int | None = None) -> None:
        self.status = status
        self.message = message
        self.code = code if code is not None else status
        super().__init__(f"HTTP {status}: {message}")


class RenderError(Exception):
    """A render-proxy error with the ``{"success": false, "error"}`` body."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(f"HTTP {status}: {message}")


class AbortedError(Exception):
    """The handler aborted the TCP connection on purpose; no response can be sent."""


def ok(data: Any) -> web.Response:
    """A success envelope."""
    return web.json_response({"code": 0, "message": "success", "data": data})


def app_error(error: AppError, config: BackendConfig, *, render_route: bool) -> web.Response:
    """The response for an application error code."""
    status = APP_CODE_HTTP.get(error.code, 400) if config.error_http_status == "4xx" else 200
    return envelope_error(status, error.code, error.message, render_route=render_route)


def envelope_error(status: int, code: int, message: str, *, render_route: bool) -> web.Response:
    """An error envelope with HTTP ``status``."""
    body: dict[str, Any] = {"code": code, "message": message, "data": None}
    if render_route:
        body = {"success": False, "error": message, **body}
    return web.json_response(body, status=status)


def render_error(error: RenderError) -> web.Response:
    """The render-proxy style error body."""
    return web.json_response({"success": False, "error": error.message}, status=error.status)
