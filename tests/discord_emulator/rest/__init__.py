"""The REST API under ``/api/v{9,10}``: authentication, rate limits, records, error shape.

Every request is recorded, then checked in Discord's order: ``Authorization: Bot <token>``
(``docs/Reference.md``, "Authentication"; otherwise ``401``), except on the interaction
endpoints that authenticate by token; then the rate limiter (``ratelimit``); then the
handler. Errors are rendered as ``{"code", "message"}`` JSON (``errors``); unknown routes
answer ``404: Not Found`` like Discord.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from .. import errors
from ..record import RateLimitHit, RequestRecord
from .app import AppRoutes
from .bodies import RECORD_KEY, drain
from .channels import ChannelRoutes
from .context import RestContext
from .interactions import InteractionRoutes
from .responses import json_response

_VERSION_PREFIX = re.compile(r"^/api/v\d+")
_TOKEN_ROUTES = ("/interactions/", "/webhooks/")
_REDACTED = {"authorization"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _route_of(request: web.Request) -> str:
    resource = request.match_info.route.resource
    canonical = resource.canonical if resource is not None else request.path
    return _VERSION_PREFIX.sub("", canonical)


def _headers_for_record(request: web.Request) -> dict[str, str]:
    return {k: ("<redacted>" if k.lower() in _REDACTED else v) for k, v in request.headers.items()}


def build_api(ctx: RestContext, gateway_url: Callable[[], str]) -> web.Application:
    """The API sub-application, to be mounted at ``/api/v10`` (and ``/api/v9``)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = _route_of(request)
        record = RequestRecord(
            method=request.method,
            route=route,
            path=_VERSION_PREFIX.sub("", request.path),
            query=dict(request.query),
            headers=_headers_for_record(request),
        )
        ctx.recorder.requests.append(record)
        request[RECORD_KEY] = record
        extra_headers: dict[str, str] = {}
        try:
            if not route.startswith(_TOKEN_ROUTES):
                auth = request.headers.get("Authorization", "")
                if auth != f"Bot {ctx.config.token}":
                    raise errors.unauthorized()
            decision = ctx.limiter.check(request.method, route, dict(request.match_info))
            extra_headers = decision.headers
            if not decision.allowed:
                await drain(request)
                ctx.recorder.rate_limit_hits.append(
                    RateLimitHit(
                        request.method,
                        route,
                        decision.bucket,
                        decision.scope,
                        decision.retry_after,
                        decision.injected,
                    )
                )
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": decision.retry_after,
                    "global": decision.is_global,
                }
                response: web.StreamResponse = json_response(
                    body, status=429, headers=decision.headers
                )
            else:
                faulty = await ctx.faults.answer(request, route)
                response = faulty if faulty is not None else await handler(request)
        except errors.ApiError as error:
            await drain(request)
            response = json_response(error.body(), status=error.status)
        except web.HTTPNotFound:
            response = json_response(errors.not_found().body(), status=404)
        except web.HTTPMethodNotAllowed:
            response = json_response(errors.method_not_allowed().body(), status=405)
        for key, value in extra_headers.items():
            response.headers.setdefault(key, value)
        record.status = response.status
        if isinstance(response, web.Response) and response.content_type == "application/json":
            record.response = json.loads(response.text or "null")
            if response.status >= 400 and isinstance(record.response, dict):
                record.error_code = record.response.get("code")
        ctx.signal.notify()
        return response

    api = web.Application(middlewares=[middleware], client_max_size=64 * 1024 * 1024)
    api.add_routes(AppRoutes(ctx, gateway_url).routes())
    api.add_routes(ChannelRoutes(ctx).routes())
    api.add_routes(InteractionRoutes(ctx).routes())
    return api


__all__ = ["RestContext", "build_api"]
