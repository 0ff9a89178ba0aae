"""``NemoClient``: one method per endpoint of the NemoVideo contract (``nemo-api.md`` §3).

Every request carries the three ``X-Skill-*`` attribution headers (§2.1; without them export
is refused with 402) and ``Authorization: Bearer`` (except the anonymous-token call, which
carries ``X-Client-Id``). Replies are checked with :func:`bot.backend.errors.error_for`, which
accepts application codes with HTTP 200 or 4xx alike.

Retry rules, all in :meth:`NemoClient._send`:

* 1001 → renew the token once and repeat the call once;
* 429 → wait ``Retry-After`` or 30 s and repeat once, except a render poll
  (:meth:`NemoClient.render_status`), which raises at once: the export poller reschedules the
  job itself rather than hold a slot. Every :class:`RateLimitedError` carries ``retry_after``,
  the wait to honour (``Retry-After``, else 30 s);
* 5xx and network faults → bounded, jittered retries through stamina, **only** for
  idempotent calls (GETs, cancel). A chat message is never re-sent: once its stream has
  started, a failure surfaces as :class:`StreamInterruptedError`.

The chat stream is read with ``httpx-sse`` (:func:`httpx_sse.aconnect_sse`) and interpreted by
:class:`bot.backend.sse.AgentEventParser`.

The ``httpx.AsyncClient`` is injected: whoever opened it closes it. An optional ``on_error``
callback hears of every failed exchange (retried ones too) with a short code for metrics:
the contract code from the body, else the HTTP status, else ``"network"``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import AsyncExitStack, aclosing, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import stamina
from httpx_sse import EventSource, SSEError, aconnect_sse
from pydantic import BaseModel, ValidationError

from bot.backend.auth import Authenticator
from bot.backend.errors import (
    AuthError,
    BackendError,
    BackendUnavailableError,
    ClientIdRejectedError,
    FileTooLargeError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    StreamInterruptedError,
    error_for,
)
from bot.backend.models import (
    AnonymousTokenData,
    ClaimTokenData,
    CreditsData,
    SessionData,
    UploadData,
)
from bot.backend.render_status import parse_render_status
from bot.backend.sse import AgentEventParser
from bot.backend.uploads import MultipartStream
from bot.core.backend_results import (
    AgentEvent,
    BackendSession,
    Credits,
    RenderStatus,
    SessionState,
    UploadedFile,
    UploadSource,
)
from bot.core.errors import RATE_LIMIT_WAIT_SECONDS
from bot.core.media import DEFAULT_MAX_BYTES
from bot.core.models import BackendIdentity

log = logging.getLogger(__name__)

_Model = TypeVar("_Model", bound=BaseModel)

#: Told of every failed exchange: ``"1001"`` (contract code), ``"503"`` (HTTP) or ``"network"``.
ErrorObserver = Callable[[str], None]

#: Contract §3.4: clients give a chat turn at most 15 minutes.
CHAT_CEILING_SECONDS = 900.0
#: Longest silence tolerated inside a chat stream. Heartbeats arrive far more often; this only
#: has to be longer than any plausible heartbeat gap so a slow agent is never cut off.
CHAT_READ_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Attribution:
    """The three attribution header values (§2.1)."""

    source: str
    version: str
    platform: str

    def headers(self) -> dict[str, str]:
        """The headers to send on every request."""
        return {
            "X-Skill-Source": self.source,
            "X-Skill-Version": self.version,
            "X-Skill-Platform": self.platform,
        }


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try; tests shorten the waits, production keeps the contract's values.

    ``rate_limit_wait`` is the client's own 429 wait when the server names none; the error it
    raises still tells the caller the contract's 30 s (``RateLimitError.retry_after``).
    """

    rate_limit_wait: float = RATE_LIMIT_WAIT_SECONDS
    transient_attempts: int = 3
    transient_wait_initial: float = 0.5
    transient_wait_max: float = 5.0
    chat_ceiling: float = CHAT_CEILING_SECONDS
    chat_read_timeout: float = CHAT_READ_TIMEOUT_SECONDS


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    body: Any


class NemoClient:
    """Async client of the NemoVideo agent API."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_url: str,
        web_url: str,
        attribution: Attribution,
        auth: Authenticator,
        retry: RetryPolicy | None = None,
        max_upload_bytes: int = DEFAULT_MAX_BYTES,
        on_error: ErrorObserver | None = None,
    ) -> None:
        self._http = http
        self._api = api_url.rstrip("/")
        self._web = web_url.rstrip("/")
        self._attribution = attribution
        self._auth = auth
        self._retry = retry or RetryPolicy()
        self._max_upload_bytes = max_upload_bytes
        self._on_error = on_error
        auth.bind(self.anonymous_token)

    # -- auth ---------------------------------------------------------------------------

    async def anonymous_token(self, client_id: str) -> BackendIdentity:
        """``POST /api/auth/anonymous-token`` with ``X-Client-Id`` (§3.1)."""
        try:
            reply = await self._send(
                "POST",
                "/api/auth/anonymous-token",
                authenticated=False,
                headers={"X-Client-Id": client_id},
            )
        except BackendError as error:
            # 400 here means the client id was missing or refused (§3.1), whatever the body says.
            if error.http_status == 400 and error.code in (None, 400):
                raise ClientIdRejectedError(http_status=400) from None
            raise
        data = _data(reply, AnonymousTokenData)
        expires = data.expires_at or datetime.now(UTC) + timedelta(days=7)
        return BackendIdentity(
            client_id=client_id, token=data.token, token_expires_at=expires, user_id=data.user_id
        )

    async def identity(self) -> BackendIdentity | None:
        """The stored backend identity (its ``user_id`` makes the register/bind link)."""
        return await self._auth.identity()

    # -- sessions -----------------------------------------------------------------------

    async def create_session(
        self, language: str = "en", task_name: str = "project"
    ) -> BackendSession:
        """``POST /api/tasks/me/with-session/nemo_agent`` (§3.2)."""
        reply = await self._send(
            "POST",
            "/api/tasks/me/with-session/nemo_agent",
            json={"task_name": task_name, "language": language},
        )
        data = _data(reply, SessionData)
        return BackendSession(
            task_id=data.task_id, session_id=data.session_id, user_id=data.user_id
        )

    async def claim_token(self, task_id: str, session_id: str) -> str:
        """``POST /api/auth/claim-token`` (§3.3): a browser-only token for the project link."""
        reply = await self._send(
            "POST", "/api/auth/claim-token", json={"task_id": task_id, "session_id": session_id}
        )
        return _data(reply, ClaimTokenData).claim_token

    def project_link(self, claim_token: str) -> str:
        """The v1.9 project link (§7); it carries only the claim token, never our token."""
        return str(httpx.URL(f"{self._web}/workspace/claim", params={"ct": claim_token}))

    def register_link(self, anonymous_user_id: str) -> str:
        """Registration link binding an anonymous account (§7)."""
        return str(httpx.URL(f"{self._web}/register", params={"bind": anonymous_user_id}))

    # -- chat ---------------------------------------------------------------------------

    @asynccontextmanager
    async def chat(self, session_id: str, text: str) -> AsyncIterator[AsyncIterator[AgentEvent]]:
        """``POST /run_sse`` (§3.4, §4): yields the turn's events until the server closes.

        Errors before the stream starts are mapped like any call (1001 renews and repeats:
        the backend never saw the message). After it starts, a broken connection raises
        :class:`StreamInterruptedError` and the message is **not** re-sent.
        """
        body = {
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": session_id,
            "new_message": {"parts": [{"text": text}]},
        }
        async with self._open_events("/run_sse", body) as source:
            yield self._agent_events(source)

    async def _agent_events(self, source: EventSource) -> AsyncIterator[AgentEvent]:
        """The turn's agent events, until the server closes or the 15-minute ceiling.

        The ceiling bounds each wait for the next SSE event (never the consumer's time between
        events), so it holds even while only comment keep-alives arrive.
        """
        parser = AgentEventParser()
        deadline = asyncio.get_running_loop().time() + self._retry.chat_ceiling
        async with aclosing(source.aiter_sse()) as messages:
            while True:
                try:
                    async with asyncio.timeout_at(deadline):
                        message = await anext(messages)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise StreamInterruptedError("The reply took longer than 15 minutes") from None
                except SSEError as error:  # 2xx, but not an event stream: the turn was sent
                    raise StreamInterruptedError(
                        f"The reply was not an event stream: {error}"
                    ) from None
                except httpx.TimeoutException:
                    self._report("network")
                    raise StreamInterruptedError("The reply stream went silent") from None
                except (httpx.TransportError, httpx.StreamError):
                    self._report("network")
                    raise StreamInterruptedError() from None
                for event in parser.parse(message):
                    yield event

    # -- uploads ------------------------------------------------------------------------

    async def upload(self, session_id: str, source: UploadSource) -> list[UploadedFile]:
        """Multipart upload (§3.5), streamed from ``source`` with the size checked en route."""
        if source.size is not None and source.size > self._max_upload_bytes:
            raise FileTooLargeError(f"{source.filename} is over the size limit")

        def body() -> MultipartStream:
            return MultipartStream("files", source, max_bytes=self._max_upload_bytes)

        reply = await self._send(
            "POST",
            f"/api/upload-video/nemo_agent/me/{session_id}",
            body=body,
            http_timeout=httpx.Timeout(30.0, read=600.0, write=600.0),
        )
        return _uploaded(reply)

    async def upload_urls(self, session_id: str, urls: list[str]) -> list[UploadedFile]:
        """URL upload (§3.5): the backend fetches the files itself."""
        reply = await self._send(
            "POST",
            f"/api/upload-video/nemo_agent/me/{session_id}",
            json={"urls": urls, "source_type": "url"},
            http_timeout=httpx.Timeout(30.0, read=600.0),
        )
        return _uploaded(reply)

    # -- credits and state --------------------------------------------------------------

    async def credits(self) -> Credits:
        """``GET /api/credits/balance/simple`` (§3.6)."""
        data = _data(
            await self._send("GET", "/api/credits/balance/simple", idempotent=True), CreditsData
        )
        total = data.total if data.total is not None else data.available + data.frozen
        return Credits(available=data.available, frozen=data.frozen, total=total)

    async def state(self, session_id: str) -> SessionState:
        """``GET /api/state/nemo_agent/me/{session_id}/latest`` (§3.7)."""
        reply = await self._send(
            "GET", f"/api/state/nemo_agent/me/{session_id}/latest", idempotent=True
        )
        data = reply.body.get("data") if isinstance(reply.body, dict) else None
        state = data.get("state") if isinstance(data, dict) else None
        if not isinstance(state, dict):
            state = {}
        draft = state.get("draft")
        return SessionState(draft=draft if isinstance(draft, dict) else {})

    # -- renders ------------------------------------------------------------------------

    @staticmethod
    def new_render_id() -> str:
        """A fresh client-chosen render id (§3.8: ``render_<uuid>``)."""
        return f"render_{uuid.uuid4().hex}"

    async def submit_render(
        self,
        render_id: str,
        session_id: str,
        draft: Mapping[str, Any],
        output: Mapping[str, Any] | None = None,
    ) -> RenderStatus:
        """``POST /api/render/proxy/lambda`` (§3.8). Not retried: a repeat would be a duplicate."""
        body = {
            "id": render_id,
            "sessionId": session_id,
            "draft": dict(draft),
            "output": dict(output or {"format": "mp4", "quality": "high"}),
        }
        reply = await self._send("POST", "/api/render/proxy/lambda", json=body)
        return parse_render_status(reply.body, render_id, default_stage="pending")

    async def render_status(self, render_id: str) -> RenderStatus:
        """``GET /api/render/proxy/lambda/{id}`` (§3.9), either documented shape.

        A 429 raises :class:`RateLimitedError` at once (no wait, no retry): the caller, the
        export poller, reschedules the job after ``retry_after`` instead.
        """
        reply = await self._send(
            "GET",
            f"/api/render/proxy/lambda/{render_id}",
            idempotent=True,
            rate_limit_retry=False,
        )
        return parse_render_status(reply.body, render_id)

    async def cancel_render(self, render_id: str) -> None:
        """``POST /api/render/proxy/lambda/{id}/cancel`` (§3.10)."""
        await self._send("POST", f"/api/render/proxy/lambda/{render_id}/cancel", idempotent=True)

    # -- plumbing -----------------------------------------------------------------------

    def _headers(self, token: str | None) -> dict[str, str]:
        headers = self._attribution.headers()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        body: Callable[[], MultipartStream] | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        idempotent: bool = False,
        rate_limit_retry: bool = True,
        http_timeout: httpx.Timeout | None = None,
    ) -> _Reply:
        """One logical call, applying the 1001 / 429 / transient rules of the module docstring."""

        async def attempt(token: str | None) -> _Reply:
            return await self._once(
                method,
                path,
                json=json,
                body=body,
                headers=headers,
                token=token,
                http_timeout=http_timeout,
            )

        call = self._transient_retrying(attempt) if idempotent else attempt
        return await self._with_auth_and_rate_limit(
            call, authenticated=authenticated, rate_limit_retry=rate_limit_retry
        )

    async def _with_auth_and_rate_limit(
        self,
        call: Callable[[str | None], Awaitable[_Reply]],
        *,
        authenticated: bool,
        rate_limit_retry: bool = True,
    ) -> _Reply:
        """Run ``call`` with the current token (``None`` when unauthenticated)."""
        renewed = False
        waited = not rate_limit_retry  # without the retry, the first 429 is final
        while True:
            token = await self._auth.token() if authenticated else None
            try:
                return await call(token)
            except AuthError:
                if renewed or token is None:
                    raise
                renewed = True
                log.info("NemoVideo token rejected; renewing once")
                await self._auth.renew(token)
            except RateLimitedError as error:
                if waited:
                    raise
                waited = True
                wait = error.server_wait
                if wait is None:
                    wait = self._retry.rate_limit_wait
                log.warning("NemoVideo rate limit; waiting %.0f s before one retry", wait)
                await asyncio.sleep(wait)

    def _transient_retrying(
        self, call: Callable[[str | None], Awaitable[_Reply]]
    ) -> Callable[[str | None], Awaitable[_Reply]]:
        policy = self._retry

        async def retrying(token: str | None) -> _Reply:
            async for attempt in stamina.retry_context(
                on=(ServerError, BackendUnavailableError),
                attempts=policy.transient_attempts,
                timeout=None,
                wait_initial=policy.transient_wait_initial,
                wait_max=policy.transient_wait_max,
            ):
                with attempt:
                    return await call(token)
            raise AssertionError("unreachable: stamina re-raises the last error")

        return retrying

    async def _once(
        self,
        method: str,
        path: str,
        *,
        json: Any,
        body: Callable[[], MultipartStream] | None,
        headers: Mapping[str, str] | None,
        token: str | None,
        http_timeout: httpx.Timeout | None,
    ) -> _Reply:
        extra = dict(headers or {})
        content: MultipartStream | None = None
        if body is not None:
            content = body()
            extra.update(content.headers())
        response = await self._transmit(
            method,
            path,
            json=json,
            content=content,
            headers=extra,
            token=token,
            http_timeout=http_timeout,
        )
        decoded = _decode(response)
        self._raise_for(method, path, response, decoded)
        return _Reply(response.status_code, decoded)

    @asynccontextmanager
    async def _open_events(self, path: str, json: Any) -> AsyncIterator[EventSource]:
        """Open an event stream, applying the auth/rate-limit rules before it starts.

        A JSON answer is an error envelope, whatever its status line, and is mapped like any
        reply. A real stream is handed on unread: nothing is buffered.
        """
        http_timeout = httpx.Timeout(30.0, read=self._retry.chat_read_timeout)
        async with AsyncExitStack() as kept:
            opened: list[EventSource] = []

            async def start(token: str | None) -> _Reply:
                async with AsyncExitStack() as attempt:
                    with self._network_faults():
                        source = await attempt.enter_async_context(
                            aconnect_sse(
                                self._http,
                                "POST",
                                self._api + path,
                                json=json,
                                headers=self._headers(token),
                                timeout=http_timeout,
                            )
                        )
                    response = source.response
                    if response.status_code >= 300 or "json" in response.headers.get(
                        "content-type", ""
                    ):
                        with self._network_faults("NemoVideo closed the connection"):
                            await response.aread()
                        decoded = _decode(response)
                        self._raise_for("POST", path, response, decoded)
                        raise ProtocolError("NemoVideo answered a stream request with JSON")
                    kept.push_async_callback(attempt.pop_all().aclose)
                    opened.append(source)
                    return _Reply(response.status_code, None)

            await self._with_auth_and_rate_limit(start, authenticated=True)
            yield opened[-1]

    async def _transmit(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: MultipartStream | None = None,
        headers: Mapping[str, str] | None,
        token: str | None,
        http_timeout: httpx.Timeout | None,
    ) -> httpx.Response:
        """Send one request; network faults become :class:`BackendUnavailableError`."""
        request_headers = self._headers(token)
        request_headers.update(headers or {})
        request = self._http.build_request(
            method,
            self._api + path,
            json=json,
            content=content,
            headers=request_headers,
            timeout=http_timeout if http_timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        with self._network_faults():
            return await self._http.send(request)

    @contextmanager
    def _network_faults(self, message: str | None = None) -> Iterator[None]:
        """Turn httpx timeouts and transport faults into :class:`BackendUnavailableError`."""
        try:
            yield
        except httpx.TimeoutException:
            self._report("network")
            raise BackendUnavailableError(message or "NemoVideo did not answer in time") from None
        except httpx.TransportError as fault:
            self._report("network")
            raise BackendUnavailableError(
                message or f"NemoVideo could not be reached ({type(fault).__name__})"
            ) from None

    def _raise_for(self, method: str, path: str, response: httpx.Response, decoded: Any) -> None:
        error = error_for(response.status_code, decoded, retry_after=_retry_after(response))
        if error is not None:
            log.warning("NemoVideo %s %s failed: %s", method, _route(path), error)
            self._report(str(error.code if error.code is not None else response.status_code))
            raise error

    def _report(self, code: str) -> None:
        """Tell ``on_error`` about a failed exchange; its own failure never hides ours."""
        if self._on_error is None:
            return
        try:
            self._on_error(code)
        except Exception:
            log.warning("the backend error observer failed", exc_info=True)


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        return None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, min(float(value), 300.0))
    except ValueError:
        return None


def _route(path: str) -> str:
    """The path for logs: session and render ids are not secrets, but keep lines short."""
    return path if len(path) <= 80 else path[:77] + "..."


def _data(reply: _Reply, model: type[_Model]) -> _Model:
    body = reply.body
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise ProtocolError("NemoVideo reply had no data object")
    try:
        return model.model_validate(data)
    except ValidationError:
        raise ProtocolError(f"NemoVideo reply did not match {model.__name__}") from None


def _uploaded(reply: _Reply) -> list[UploadedFile]:
    data = _data(reply, UploadData)
    return [
        UploadedFile(
            filename=f.filename, file_type=f.file_type, cdn_url=f.cdn_url, duration=f.duration
        )
        for f in data.files
    ]
