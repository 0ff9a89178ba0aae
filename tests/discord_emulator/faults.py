"""Making one route answer what a test chooses, instead of handling the request.

``DiscordEmulator.faults.fail(method, route, ...)`` answers the next ``times`` requests to
``METHOD /route/{template}`` (the ``RequestRecord.route`` form), whose JSON body satisfies
``match`` if one is given, with ``status`` and Discord's error body ``{"code", "message"}``
(``errors.ApiError``); ``body=`` sends that raw text instead (e.g. a ``200`` whose body no
client can parse). Faults are checked after authentication and the rate limiter, where a
handler's own error would be raised; the request is recorded with the faulty answer, and its
JSON body when there is one. A multipart body is drained unread (``match`` sees ``{}``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import ApiError
from .rest.bodies import RECORD_KEY, drain
from .rest.responses import json_response

BodyMatch = Callable[[dict[str, Any]], bool]


@dataclass(eq=False)
class _Fault:
    method: str
    route: str
    status: int
    code: int
    message: str
    body: str | None
    match: BodyMatch | None
    remaining: int


class RouteFaults:
    """The armed faults (rules in the module docstring)."""

    def __init__(self) -> None:
        self._faults: list[_Fault] = []

    def fail(
        self,
        method: str,
        route: str,
        *,
        status: int = 400,
        code: int = 50035,
        message: str = "Invalid Form Body",
        body: str | None = None,
        match: BodyMatch | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (and ``body``)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        self._faults.append(_Fault(method, route, status, code, message, body, match, times))

    def clear(self) -> None:
        """Answer every request normally again."""
        self._faults.clear()

    async def answer(self, request: web.Request, route: str) -> web.Response | None:
        """The faulty answer to ``request``, or ``None`` to handle it normally."""
        candidates = [f for f in self._faults if (f.method, f.route) == (request.method, route)]
        if not candidates:
            return None
        data = await _json_object(request)
        for fault in candidates:
            if fault.match is None or fault.match(data):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                await drain(request)
                if fault.body is not None:
                    return web.Response(text=fault.body, status=fault.status)
                error = ApiError(fault.status, fault.code, fault.message)
                return json_response(error.body(), status=fault.status)
        return None


async def _json_object(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json" or not request.can_read_body:
        return {}
    raw = await request.read()  # aiohttp keeps it: a handler can still read the body
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        return {}
    request[RECORD_KEY].json = data
    return data if isinstance(data, dict) else {}
