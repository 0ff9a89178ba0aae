"""``NemoClient``: one method per endpoint of the NemoVideo contract (``nemo-api.md`` §3).

Each method names its endpoint, its body and whether a repeat is safe, then turns the reply's
``data`` object into a core result; the wire models stay here. How a call is sent, retried
(1001, 429, transient faults) and mapped onto errors is :mod:`bot.backend.transport`'s job.
A chat message is never re-sent; a render poll's 429 raises at once, because the export
poller reschedules the job itself rather than hold a slot.

The chat stream's events are interpreted by :class:`bot.backend.sse.AgentEventParser`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from httpx_sse import ServerSentEvent
from pydantic import BaseModel, ValidationError

from bot.backend.auth import Authenticator
from bot.backend.errors import (
    BackendError,
    ClientIdRejectedError,
    FileTooLargeError,
    ProtocolError,
)
from bot.backend.models import (
    AnonymousTokenData,
    ClaimTokenData,
    CreditsData,
    MusicAnalysisData,
    SessionData,
    UploadData,
)
from bot.backend.render_status import parse_render_status
from bot.backend.sse import AgentEventParser
from bot.backend.transport import (
    SLOW_CALL_CONNECT_SECONDS,
    UPLOAD_SECONDS,
    Attribution,
    ErrorObserver,
    Reply,
    RetryPolicy,
    Transport,
)
from bot.backend.uploads import MultipartStream
from bot.core.backend_results import (
    AgentEvent,
    BackendSession,
    Credits,
    MusicAnalysis,
    RenderStatus,
    SessionState,
    UploadedFile,
    UploadSource,
)
from bot.core.media import DEFAULT_MAX_BYTES
from bot.core.models import BackendIdentity

log = logging.getLogger(__name__)

_Model = TypeVar("_Model", bound=BaseModel)


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
        self._transport = Transport(
            http,
            api_url=api_url,
            attribution=attribution,
            auth=auth,
            retry=retry or RetryPolicy(),
            on_error=on_error,
        )
        self._web = web_url.rstrip("/")
        self._auth = auth
        self._max_upload_bytes = max_upload_bytes
        auth.bind(self.anonymous_token)

    # -- auth ---------------------------------------------------------------------------

    async def anonymous_token(self, client_id: str) -> BackendIdentity:
        """``POST /api/auth/anonymous-token`` with ``X-Client-Id`` (§3.1)."""
        try:
            reply = await self._transport.send(
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
        reply = await self._transport.send(
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
        reply = await self._transport.send(
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
        async with self._transport.stream("/run_sse", body) as messages:
            yield _agent_events(messages)

    # -- uploads ------------------------------------------------------------------------

    async def upload(self, session_id: str, source: UploadSource) -> list[UploadedFile]:
        """Multipart upload (§3.5), streamed from ``source`` with the size checked en route."""
        if source.size is not None and source.size > self._max_upload_bytes:
            raise FileTooLargeError(f"{source.filename} is over the size limit")

        def body() -> MultipartStream:
            return MultipartStream("files", source, max_bytes=self._max_upload_bytes)

        reply = await self._transport.send(
            "POST",
            f"/api/upload-video/nemo_agent/me/{session_id}",
            body=body,
            http_timeout=httpx.Timeout(
                SLOW_CALL_CONNECT_SECONDS, read=UPLOAD_SECONDS, write=UPLOAD_SECONDS
            ),
        )
        return _uploaded(reply)

    async def upload_urls(self, session_id: str, urls: list[str]) -> list[UploadedFile]:
        """URL upload (§3.5): the backend fetches the files itself."""
        reply = await self._transport.send(
            "POST",
            f"/api/upload-video/nemo_agent/me/{session_id}",
            json={"urls": urls, "source_type": "url"},
            http_timeout=httpx.Timeout(SLOW_CALL_CONNECT_SECONDS, read=UPLOAD_SECONDS),
        )
        return _uploaded(reply)

    # -- credits and state --------------------------------------------------------------

    async def credits(self) -> Credits:
        """``GET /api/credits/balance/simple`` (§3.6)."""
        data = _data(
            await self._transport.send("GET", "/api/credits/balance/simple", idempotent=True),
            CreditsData,
        )
        total = data.total if data.total is not None else data.available + data.frozen
        return Credits(available=data.available, frozen=data.frozen, total=total)

    async def state(self, session_id: str) -> SessionState:
        """``GET /api/state/nemo_agent/me/{session_id}/latest`` (§3.7)."""
        reply = await self._transport.send(
            "GET", f"/api/state/nemo_agent/me/{session_id}/latest", idempotent=True
        )
        data = reply.body.get("data") if isinstance(reply.body, dict) else None
        state = data.get("state") if isinstance(data, dict) else None
        if not isinstance(state, dict):
            state = {}
        draft = state.get("draft")
        return SessionState(draft=draft if isinstance(draft, dict) else {}, music=_music(state))

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
        reply = await self._transport.send("POST", "/api/render/proxy/lambda", json=body)
        return parse_render_status(reply.body, render_id, default_stage="pending")

    async def render_status(self, render_id: str) -> RenderStatus:
        """``GET /api/render/proxy/lambda/{id}`` (§3.9), either documented shape.

        A 429 raises :class:`RateLimitedError` at once (no wait, no retry): the caller, the
        export poller, reschedules the job after ``retry_after`` instead.
        """
        reply = await self._transport.send(
            "GET",
            f"/api/render/proxy/lambda/{render_id}",
            idempotent=True,
            rate_limit_retry=False,
        )
        return parse_render_status(reply.body, render_id)

    async def cancel_render(self, render_id: str) -> None:
        """``POST /api/render/proxy/lambda/{id}/cancel`` (§3.10)."""
        await self._transport.send(
            "POST", f"/api/render/proxy/lambda/{render_id}/cancel", idempotent=True
        )


def _data(reply: Reply, model: type[_Model]) -> _Model:
    body = reply.body
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise ProtocolError("NemoVideo reply had no data object")
    try:
        return model.model_validate(data)
    except ValidationError:
        raise ProtocolError(f"NemoVideo reply did not match {model.__name__}") from None


def _uploaded(reply: Reply) -> list[UploadedFile]:
    data = _data(reply, UploadData)
    return [
        UploadedFile(
            filename=f.filename, file_type=f.file_type, cdn_url=f.cdn_url, duration=f.duration
        )
        for f in data.files
    ]


async def _agent_events(messages: AsyncIterator[ServerSentEvent]) -> AsyncIterator[AgentEvent]:
    """The turn's agent events, read from its SSE events by one parser."""
    parser = AgentEventParser()
    async for message in messages:
        for event in parser.parse(message):
            yield event


def _music(state: dict[str, Any]) -> MusicAnalysis | None:
    """The music's beat analysis from ``state.video_analyses.music``, if any.

    ``None`` when absent or of a shape we do not know: the contract leaves it open.
    """
    analyses = state.get("video_analyses")
    raw = analyses.get("music") if isinstance(analyses, dict) else None
    if not isinstance(raw, dict):
        return None
    try:
        data = MusicAnalysisData.model_validate(raw)
    except ValidationError:
        log.info("state: ignoring a video_analyses.music of an unknown shape")
        return None
    return MusicAnalysis(**data.model_dump())
