"""Protocols the use cases need; adapters implement them, the composition root wires them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol, Unpack

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
    ChatTurn,
    ChatTurnStatus,
    ExportJob,
    ExportJobChanges,
    ExportStatus,
    Recorded,
    ThreadStatus,
    TrackThread,
    Upload,
    UploadStatus,
)


class IdentityStore(Protocol):
    """Persists the backend identity so a restart reuses the client id and token."""

    async def load_identity(self) -> BackendIdentity | None:
        """Return the stored identity, or ``None`` before the first start."""
        ...

    async def save_identity(self, identity: BackendIdentity) -> None:
        """Store ``identity``, replacing any earlier one."""
        ...


class ThreadStore(Protocol):
    """Track threads: which Discord thread belongs to which backend session."""

    async def add(
        self,
        *,
        thread_id: int,
        guild_id: int,
        parent_channel_id: int,
        owner_user_id: int,
        now: datetime,
        task_id: str | None = None,
        session_id: str | None = None,
        title: str | None = None,
        language: str | None = None,
    ) -> Recorded[TrackThread]:
        """Record a new thread (status ``active``), or return the existing one unchanged."""
        ...

    async def get(self, thread_id: int) -> TrackThread | None:
        """Return the thread, or ``None`` when Beatthread does not own it."""
        ...

    async def set_session(
        self, thread_id: int, *, task_id: str, session_id: str, now: datetime
    ) -> bool:
        """Attach a (new) backend session and mark the thread ``active``; ``False`` if unknown."""
        ...

    async def set_status(self, thread_id: int, status: ThreadStatus, *, now: datetime) -> bool:
        """Change the thread's status; ``False`` if the thread is unknown."""
        ...

    async def save_timeline(self, thread_id: int, snapshot: str, *, now: datetime) -> bool:
        """Remember the last timeline seen (for "what changed" diffs); ``False`` if unknown."""
        ...


class UploadStore(Protocol):
    """Uploads, keyed by the Discord attachment id so each is handled once."""

    async def record(
        self,
        *,
        attachment_id: int,
        thread_id: int,
        filename: str,
        content_type: str | None,
        size_bytes: int,
        now: datetime,
    ) -> Recorded[Upload]:
        """Record the attachment as ``pending``, or return the existing record unchanged."""
        ...

    async def get(self, attachment_id: int) -> Upload | None:
        """Return the upload, or ``None`` if the attachment was never recorded."""
        ...

    async def set_status(
        self,
        attachment_id: int,
        status: UploadStatus,
        *,
        now: datetime,
        error_code: str | None = None,
    ) -> bool:
        """Set the upload's status (and error code); ``False`` if unknown."""
        ...

    async def list_for_thread(self, thread_id: int) -> list[Upload]:
        """Return the thread's uploads, oldest first."""
        ...


class ChatTurnStore(Protocol):
    """Chat turns, keyed by the Discord message id: a message reaches the backend at most once."""

    async def record(
        self,
        *,
        message_id: int,
        thread_id: int,
        author_id: int,
        now: datetime,
        status: ChatTurnStatus = ChatTurnStatus.QUEUED,
    ) -> Recorded[ChatTurn]:
        """Record the message as a turn; ``created`` is ``False`` if it was already seen."""
        ...

    async def get(self, message_id: int) -> ChatTurn | None:
        """Return the turn, or ``None`` if the message was never recorded."""
        ...

    async def transition(
        self,
        message_id: int,
        from_status: ChatTurnStatus | Collection[ChatTurnStatus],
        to_status: ChatTurnStatus,
        *,
        now: datetime,
    ) -> bool:
        """Move the turn to ``to_status`` only if it is in ``from_status``; report success."""
        ...

    async def interrupt_in_flight(
        self, *, now: datetime, guild_ids: Collection[int] | None = None
    ) -> list[ChatTurn]:
        """Mark queued and streaming turns ``interrupted`` (at start-up) and return them.

        ``guild_ids`` limits this to threads in those guilds, for a process that owns only
        some shards while others keep running.
        """
        ...


class ExportJobStore(Protocol):
    """Export jobs: durable, leased, and transitioned with compare-and-set updates."""

    async def create(
        self,
        *,
        render_id: str,
        thread_id: int,
        requester_id: int,
        now: datetime,
        status: ExportStatus = ExportStatus.SUBMITTED,
        next_poll_at: datetime | None = None,
        status_message_id: int | None = None,
    ) -> Recorded[ExportJob]:
        """Store a new job (first poll at ``next_poll_at``, default ``now``), or return it."""
        ...

    async def get(self, render_id: str) -> ExportJob | None:
        """Return the job, or ``None`` if the render id is unknown."""
        ...

    async def load_unfinished(self, *, limit: int | None = None) -> list[ExportJob]:
        """Return jobs not yet posted, failed or cancelled, by next poll time (start-up)."""
        ...

    async def claim_due(
        self, *, owner: str, now: datetime, lease_for: timedelta, limit: int = 10
    ) -> list[ExportJob]:
        """Lease up to ``limit`` unfinished jobs due by ``now`` whose lease is free or expired.

        No two callers (in any process) hold the same job's lease at the same time.
        """
        ...

    async def renew_lease(
        self, render_id: str, *, owner: str, now: datetime, lease_for: timedelta
    ) -> bool:
        """Extend ``owner``'s lease; ``False`` if someone else has taken the job over."""
        ...

    async def release(
        self,
        render_id: str,
        *,
        owner: str,
        now: datetime,
        next_poll_at: datetime | None = None,
    ) -> bool:
        """Give the lease back (optionally rescheduling the next poll); ``False`` if not held."""
        ...

    async def release_all(self, *, owner: str, now: datetime) -> int:
        """Give back every lease ``owner`` holds (at shutdown); return how many."""
        ...

    async def transition(
        self,
        render_id: str,
        from_status: ExportStatus | Collection[ExportStatus],
        to_status: ExportStatus,
        *,
        now: datetime,
        held_by: str | None = None,
        **fields: Unpack[ExportJobChanges],
    ) -> bool:
        """Compare-and-set: move to ``to_status`` only if in ``from_status``; report the win.

        With ``held_by``, the update also requires that caller to hold the lease. ``fields``
        are set in the same statement.
        """
        ...

    async def update(
        self,
        render_id: str,
        *,
        now: datetime,
        held_by: str | None = None,
        **fields: Unpack[ExportJobChanges],
    ) -> bool:
        """Set ``fields`` without a status change (progress, next poll…); ``False`` if not."""
        ...


class StoreTransaction(Protocol):
    """The stores of one unit of work; everything in it commits or rolls back together."""

    @property
    def threads(self) -> ThreadStore:
        """Track threads."""
        ...

    @property
    def uploads(self) -> UploadStore:
        """Uploads."""
        ...

    @property
    def turns(self) -> ChatTurnStore:
        """Chat turns."""
        ...

    @property
    def exports(self) -> ExportJobStore:
        """Export jobs."""
        ...


class Store(Protocol):
    """Opens units of work: ``async with store.transaction() as tx: ...`` commits on success."""

    def transaction(self) -> AbstractAsyncContextManager[StoreTransaction]:
        """Begin a unit of work; it commits when the block exits normally, else rolls back."""
        ...


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


class Clock(Protocol):
    """Time for the use cases: tests swap it to control waits without real sleeping."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC (stored in the database)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for intervals)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (the recovery and export-poll waits go through here)."""
        ...
