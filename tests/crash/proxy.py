"""A recording HTTP proxy in front of the local backend: one per bot process.

Several bot processes share one backend; the backend's own record cannot tell them apart.
Each process gets its own proxy as its ``NEMO_API_URL``, so every call it makes is recorded
with the proxy's name, its start and its end (:class:`ProxiedCall`), and the test can wait on
it (``signal``, the emulator's :class:`~tests.discord_emulator.changes.ChangeSignal`).
Bodies are passed through as they come, responses streamed (the SSE chat stays a stream).
"""

# ruff: noqa: ASYNC109 - waits take a timeout by design, like the emulator's driver API

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self, TypeVar

import aiohttp
from aiohttp import web

from tests.discord_emulator.changes import ChangeSignal

T = TypeVar("T")

#: Headers that belong to one hop (RFC 9110 §7.6.1), or that aiohttp sets itself.
_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "content-length",
}


@dataclass
class ProxiedCall:
    """One request through a proxy: who made it, what, when it started and ended."""

    via: str
    method: str
    path: str
    started: float  # time.monotonic()
    ended: float | None = None
    status: int | None = None


class RecordingProxy:
    """Forwards everything to ``upstream`` and records each call (module docstring)."""

    def __init__(self, name: str, upstream: str, calls: list[ProxiedCall], signal: ChangeSignal):
        self.name = name
        self._upstream = upstream.rstrip("/")
        self._calls = calls
        self._signal = signal
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        call = ProxiedCall(self.name, request.method, request.path, time.monotonic())
        self._calls.append(call)
        self._signal.notify()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        body = await request.read()
        try:
            async with self._session.request(
                request.method,
                self._upstream + request.path_qs,
                headers=headers,
                data=body,
                allow_redirects=False,
            ) as upstream:
                response = web.StreamResponse(
                    status=upstream.status,
                    reason=upstream.reason,
                    headers={k: v for k, v in upstream.headers.items() if k.lower() not in _HOP},
                )
                await response.prepare(request)
                async for chunk in upstream.content.iter_any():
                    await response.write(chunk)
                await response.write_eof()
                call.status = upstream.status
                return response
        finally:
            call.ended = time.monotonic()
            self._signal.notify()


def render_polls(calls: list[ProxiedCall]) -> list[ProxiedCall]:
    """Render-status polls (``GET /api/render/proxy/lambda/<render id>``), oldest first."""
    prefix = "/api/render/proxy/lambda/"
    return [c for c in calls if c.method == "GET" and c.path.startswith(prefix)]


def render_of(call: ProxiedCall) -> str:
    """The render id a poll asked about."""
    return call.path.rsplit("/", 1)[1]


async def wait_calls(
    signal: ChangeSignal, check: Callable[[], T | None], *, timeout: float, what: str
) -> T:
    """Wait, without polling, until ``check()`` is truthy (re-checked after every call)."""
    return await signal.wait_until(check, timeout=timeout, what=what)
