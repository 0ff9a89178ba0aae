"""``OpsServer``: the side server with ``GET /healthz`` and ``GET /metrics``.

It is a plain aiohttp application on its own port (``OPS_HOST``/``OPS_PORT``), separate from
anything users reach. ``/healthz`` runs every named check concurrently, each under a timeout,
and answers 200 when all pass or 503 otherwise, with a JSON body naming each check::

    {"status": "fail", "checks": {"gateway": {"ok": true},
                                  "database": {"ok": false, "error": "OSError: ..."}}}

A check passes by returning and fails by raising (or by outliving its timeout). Error texts
are short and go through the log redactor: the endpoint may be scraped by anything on the
network it listens on. Ownership: whoever calls :meth:`OpsServer.start` calls
:meth:`OpsServer.close`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from aiohttp import web

from bot.observability import redact
from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)

#: A health check: returns when healthy, raises (anything) when not.
Check = Callable[[], Awaitable[None]]

#: Seconds each check may take before it counts as failed.
CHECK_TIMEOUT: Final = 2.0
#: Longest error text in a /healthz answer; enough for the type and the gist of the message.
MAX_ERROR_CHARS: Final = 200
#: How long close() lets an in-flight request finish.
_SHUTDOWN_TIMEOUT: Final = 1.0


class OpsServer:
    """Serves ``/healthz`` (from ``checks``) and ``/metrics`` (from ``metrics``)."""

    def __init__(
        self,
        metrics: Metrics,
        checks: Mapping[str, Check] | None = None,
        *,
        check_timeout: float = CHECK_TIMEOUT,
    ) -> None:
        self._metrics = metrics
        self._checks = dict(checks or {})
        self._check_timeout = check_timeout
        self._runner: web.AppRunner | None = None
        # The last outcome per check, so a failure is logged when it starts, not every probe.
        self._last_ok: dict[str, bool] = {}

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host:port`` (0 = any free port) and return the bound port."""
        if self._runner is not None:
            raise RuntimeError("OpsServer is already started")
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._serve_metrics)
        # access_log=None: probes every few seconds would drown the bot's own log lines.
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=_SHUTDOWN_TIMEOUT
        )
        self._runner = runner
        try:
            await runner.setup()
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await self.close()
            raise
        bound_port = int(runner.addresses[0][1])
        log.info("ops server listening on %s:%d (/healthz, /metrics)", host, bound_port)
        return bound_port

    async def close(self) -> None:
        """Stop serving (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def health(self) -> dict[str, Any]:
        """Run every check concurrently and return the ``/healthz`` body."""
        names = list(self._checks)
        outcomes = await asyncio.gather(*(self._run(self._checks[name]) for name in names))
        results = dict(zip(names, outcomes, strict=True))
        for name, outcome in results.items():
            self._log_change(name, outcome)
        healthy = all(outcome["ok"] for outcome in outcomes)
        return {"status": "ok" if healthy else "fail", "checks": results}

    async def _run(self, check: Check) -> dict[str, Any]:
        deadline = asyncio.timeout(self._check_timeout)
        try:
            async with deadline:
                await check()
        except Exception as error:
            if deadline.expired():
                return {"ok": False, "error": f"no answer within {self._check_timeout:g} s"}
            return {"ok": False, "error": describe_error(error)}
        return {"ok": True}

    def _log_change(self, name: str, outcome: dict[str, Any]) -> None:
        ok = bool(outcome["ok"])
        if self._last_ok.get(name, True) and not ok:
            log.warning("health check %s failing: %s", name, outcome["error"])
        elif not self._last_ok.get(name, True) and ok:
            log.info("health check %s passing again", name)
        self._last_ok[name] = ok

    async def _healthz(self, _request: web.Request) -> web.Response:
        body = await self.health()
        status = 200 if body["status"] == "ok" else 503
        return web.json_response(body, status=status, headers={"Cache-Control": "no-store"})

    async def _serve_metrics(self, _request: web.Request) -> web.Response:
        body, content_type = self._metrics.render()
        # Passed as a header: aiohttp's content_type argument refuses a charset parameter.
        return web.Response(body=body, headers={"Content-Type": content_type})


def describe_error(error: BaseException) -> str:
    """A short, redacted, one-line description: type name and the start of the message."""
    text = " ".join(str(error).split())
    described = redact(f"{type(error).__name__}: {text}" if text else type(error).__name__)
    if len(described) > MAX_ERROR_CHARS:
        described = described[: MAX_ERROR_CHARS - 1] + "…"
    return described
