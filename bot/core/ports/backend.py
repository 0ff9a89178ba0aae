"""The backend port: NemoVideo, or the local backend over the same wire (contract)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from bot.core.backend_results import (
    AgentEvent,
    BackendSession,
    Credits,
    RenderStatus,
    SessionState,
    UploadedFile,
    UploadSource,
)
from bot.core.models import (
    BackendIdentity,
)


class Backend(Protocol):
    """The NemoVideo agent API as the use cases need it (``bot.backend.NemoClient`` fits).

    Every method raises :class:`bot.core.errors.DomainError` subclasses. Calls are made once:
    the adapter applies the contract's own retry rules (1001, 429, idempotent reads) inside.
    """

    async def create_session(
        self, language: str = "en", task_name: str = "project"
    ) -> BackendSession:
        """Create a project (task) and its chat session."""
        ...

    async def claim_token(self, task_id: str, session_id: str) -> str:
        """A browser-only token for the project link."""
        ...

    def project_link(self, claim_token: str) -> str:
        """The project's web link for ``claim_token``."""
        ...

    def register_link(self, anonymous_user_id: str) -> str:
        """The registration link that binds an anonymous account."""
        ...

    def chat(
        self, session_id: str, text: str
    ) -> AbstractAsyncContextManager[AsyncIterator[AgentEvent]]:
        """Send one message; the context yields the turn's events until the backend closes.

        Errors raised on entering happen before the backend saw the message; a failure while
        iterating is :class:`bot.core.errors.StreamDroppedError` (never re-send).
        """
        ...

    async def upload(self, session_id: str, source: UploadSource) -> list[UploadedFile]:
        """Upload a file as a stream (never held in memory)."""
        ...

    async def upload_urls(self, session_id: str, urls: list[str]) -> list[UploadedFile]:
        """Let the backend fetch files from URLs."""
        ...

    async def credits(self) -> Credits:
        """The credit balance."""
        ...

    async def state(self, session_id: str) -> SessionState:
        """The session's state, timeline draft included."""
        ...

    def new_render_id(self) -> str:
        """A fresh client-chosen render id."""
        ...

    async def submit_render(
        self,
        render_id: str,
        session_id: str,
        draft: Mapping[str, Any],
        output: Mapping[str, Any] | None = None,
    ) -> RenderStatus:
        """Submit an export with the client-chosen ``render_id`` (never repeated)."""
        ...

    async def render_status(self, render_id: str) -> RenderStatus:
        """Poll a render."""
        ...

    async def cancel_render(self, render_id: str) -> None:
        """Cancel an unfinished render."""
        ...

    async def identity(self) -> BackendIdentity | None:
        """Who we are to the backend; an ``anon_`` user id means an anonymous account."""
        ...
