"""``Transport``: one logical call to NemoVideo, with the contract's retry rules (§2, §6).

Every request carries the three ``X-Skill-*`` attribution headers (§2.1; without them export
is refused with 402) and ``Authorization: Bearer`` unless the call is unauthenticated (the
anonymous-token call). Replies are checked with :func:`bot.backend.errors.error_for`, which
accepts application codes with HTTP 200 or 4xx alike.

Retry rules, all in :meth:`Transport.send` (and :meth:`Transport.stream` before it starts):

* 1001 → renew the token once and repeat the call once;
* 429 → wait ``Retry-After`` or 30 s and repeat once, unless the caller asks for no wait
  (``rate_limit_retry=False``: the render poll, whose caller reschedules instead). Every
  :class:`RateLimitedError` carries ``retry_after``, the wait to honour;
* 5xx and network faults → bounded, jittered retries through stamina, **only** for
  idempotent calls. A chat message is never re-sent: once its stream has started, a failure
  surfaces as :class:`StreamInterruptedError`.

Event streams are opened with ``httpx-sse`` (:func:`httpx_sse.aconnect_sse`) and handed on
unread. The ``httpx.AsyncClient`` is injected: whoever opened it closes it. An optional
``on_error`` callback hears of every failed exchange (retried ones too) with a short code for
metrics: the contract code from the body, else the HTTP status, else ``"network"``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import AsyncExitStack, aclosing, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import stamina
from httpx_sse import EventSource, ServerSentEvent, SSEError, aconnect_sse

from bot.backend.auth import Authenticator
from bot.backend.errors import (
    AuthError,
    BackendUnavailableError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    StreamInterruptedError,
    error_for,
)
from bot.backend.uploads import MultipartStream
from bot.core.errors import RATE_LIMIT_WAIT_SECONDS

log = logging.getLogger(__name__)

#: Told of every failed exchange: ``"1001"`` (contract code), ``"503"`` (HTTP) or ``"network"``.
ErrorObserver = Callable[[str], None]

#: Contract §3.4: clients give a chat turn at most 15 minutes.
CHAT_CEILING_SECONDS = 900.0
#: Connecting, sending a request and waiting for a pool slot, on the slow calls below (plain
#: JSON calls keep httpx's default of 5 s).
SLOW_CALL_CONNECT_SECONDS = 30.0
#: An upload may take this long to send, and the backend as long to answer it (it probes files).
UPLOAD_SECONDS = 600.0
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
class Reply:
    """A successful reply: its HTTP status and its decoded JSON body (``None`` if not JSON)."""

    status: int
    body: Any


class Transport:
    """Sends NemoVideo requests and maps every failure onto the adapter's error tree."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_url: str,
        attribution: Attribution,
        auth: Authenticator,
        retry: RetryPolicy,
        on_error: ErrorObserver | None = None,
    ) -> None:
        self._http = http
        self._api = api_url.rstrip("/")
        self._attribution = attribution
        self._auth = auth
        self._retry = retry
        self._on_error = on_error

    async def send(
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
    ) -> Reply:
        """One logical call, applying the 1001 / 429 / transient rules of the module docstring.

        ``body`` makes a fresh streamed body per attempt (a stream is read only once).
        """

        async def attempt(token: str | None) -> Reply:
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

    @asynccontextmanager
    async def stream(self, path: str, json: Any) -> AsyncIterator[AsyncIterator[ServerSentEvent]]:
        """``POST`` ``json`` and yield the reply's SSE events until the server closes.

        Errors before the stream starts are mapped like any call (1001 renews and repeats: the
        backend never saw the request). After it starts, a broken connection, a silence longer
        than ``chat_read_timeout`` or the ``chat_ceiling`` raise :class:`StreamInterruptedError`
        and the request is **not** re-sent.
        """
        async with (
            self._open_events(path, json) as source,
            aclosing(self._events(source)) as events,
        ):
            yield events

    async def _events(self, source: EventSource) -> AsyncGenerator[ServerSentEvent, None]:
        """The stream's events, with its faults mapped.

        The ceiling bounds each wait for the next SSE event (never the consumer's time between
        events), so it holds even while only comment keep-alives arrive.
        """
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
                yield message

    def _headers(self, token: str | None) -> dict[str, str]:
        headers = self._attribution.headers()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def _with_auth_and_rate_limit(
        self,
        call: Callable[[str | None], Awaitable[Reply]],
        *,
        authenticated: bool,
        rate_limit_retry: bool = True,
    ) -> Reply:
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
        self, call: Callable[[str | None], Awaitable[Reply]]
    ) -> Callable[[str | None], Awaitable[Reply]]:
        policy = self._retry

        async def retrying(token: str | None) -> Reply:
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
    ) -> Reply:
        request_headers = self._headers(token)
        request_headers.update(headers or {})
        content: MultipartStream | None = None
        if body is not None:
            content = body()
            request_headers.update(content.headers())
        request = self._http.build_request(
            method,
            self._api + path,
            json=json,
            content=content,
            headers=request_headers,
            timeout=http_timeout if http_timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        with self._network_faults():
            response = await self._http.send(request)
        decoded = _decode(response)
        self._raise_for(method, path, response, decoded)
        return Reply(response.status_code, decoded)

    @asynccontextmanager
    async def _open_events(self, path: str, json: Any) -> AsyncIterator[EventSource]:
        """Open an event stream, applying the auth/rate-limit rules before it starts.

        A JSON answer is an error envelope, whatever its status line, and is mapped like any
        reply. A real stream is handed on unread: nothing is buffered.
        """
        http_timeout = httpx.Timeout(SLOW_CALL_CONNECT_SECONDS, read=self._retry.chat_read_timeout)
        async with AsyncExitStack() as kept:
            opened: list[EventSource] = []

            async def start(token: str | None) -> Reply:
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
                    return Reply(response.status_code, None)

            await self._with_auth_and_rate_limit(start, authenticated=True)
            yield opened[-1]

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
