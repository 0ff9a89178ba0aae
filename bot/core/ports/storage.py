"""The storage ports: one transaction's repositories, and what the poller writes back."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, Unpack

from bot.core.models import (
    BackendIdentity,
    ChatTurn,
    ChatTurnStatus,
    ExportJob,
    ExportJobChanges,
    ExportOptions,
    ExportStatus,
    NewThread,
    PastExport,
    Recorded,
    ThreadStatus,
    TrackThread,
    Upload,
    UploadStatus,
    UserSettings,
    UserSettingsChanges,
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

    async def add(self, thread: NewThread, *, now: datetime) -> Recorded[TrackThread]:
        """Record a new thread (status ``active``), or return the existing one unchanged."""
        ...

    async def get(self, thread_id: int) -> TrackThread | None:
        """Return the thread, or ``None`` when Beatthread does not own it."""
        ...

    async def get_many(self, thread_ids: Collection[int]) -> dict[int, TrackThread]:
        """Return the known threads among ``thread_ids``, by id (one query)."""
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

    async def set_owner_language(self, owner_user_id: int, language: str, *, now: datetime) -> int:
        """Make every thread of ``owner_user_id`` speak ``language``; return how many changed."""
        ...


class UploadStore(Protocol):
    """Uploads, keyed by (thread, Discord attachment id): each is handled once per thread.

    The same attachment may be the track of two threads (the message menu on a message in
    another thread), and each thread's backend session needs its own copy.
    """

    async def record(
        self,
        *,
        thread_id: int,
        attachment_id: int,
        filename: str,
        content_type: str | None,
        size_bytes: int,
        now: datetime,
    ) -> Recorded[Upload]:
        """Record the thread's attachment as ``pending``, or return its record unchanged."""
        ...

    async def get(self, thread_id: int, attachment_id: int) -> Upload | None:
        """Return the thread's upload of the attachment, or ``None`` if never recorded."""
        ...

    async def set_status(
        self,
        thread_id: int,
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
        self,
        *,
        now: datetime,
        shard_ids: Collection[int] | None = None,
        shard_count: int = 1,
    ) -> list[ChatTurn]:
        """Mark queued and streaming turns ``interrupted`` (at start-up) and return them.

        ``shard_ids`` limits this to threads of guilds on those Discord shards, for a process
        that owns only some shards while others keep running.
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
        options: ExportOptions | None = None,
        attempts: int = 0,
        length_ms: int | None = None,
    ) -> Recorded[ExportJob]:
        """Store a new job (first poll at ``next_poll_at``, default ``now``), or return it.

        ``length_ms``: how long the video will be (the timeline's length), for the history.
        """
        ...

    async def get(self, render_id: str) -> ExportJob | None:
        """Return the job, or ``None`` if the render id is unknown."""
        ...

    async def count_unfinished(self, *, requester_id: int) -> int:
        """How many of ``requester_id``'s jobs are not yet posted, failed or cancelled."""
        ...

    async def load_unfinished(
        self,
        *,
        limit: int | None = None,
        shard_ids: Collection[int] | None = None,
        shard_count: int = 1,
    ) -> list[ExportJob]:
        """Return jobs not yet posted, failed or cancelled, by next poll time (start-up).

        With ``shard_ids``, only jobs whose thread's guild is on one of those Discord shards
        (``(guild_id >> 22) % shard_count``).
        """
        ...

    async def claim_due(
        self, terms: LeaseTerms, *, now: datetime, limit: int = 10
    ) -> list[ExportJob]:
        """Lease up to ``limit`` unfinished jobs due by ``now`` whose lease is free or expired.

        No two callers (in any process) hold the same job's lease at the same time. See
        :class:`LeaseTerms` for which jobs the terms reach.
        """
        ...

    async def renew_lease(
        self, render_id: str, *, owner: str, now: datetime, lease_for: timedelta
    ) -> bool:
        """Extend ``owner``'s lease; ``False`` if someone else has taken the job over."""
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

    async def release_polled(
        self, polls: Sequence[PolledJob], *, owner: str, now: datetime
    ) -> None:
        """Give back ``owner``'s leases after polls, recording what each found (one statement).

        Each job moves from the status it was claimed in to its new one, with its progress and
        next poll time, only while ``owner`` holds it and its status is still the claimed one;
        a job cancelled or taken over meanwhile is left alone. Outcomes are not reported per
        job (a batched statement cannot tell them apart everywhere): a claimer notices a lost
        job at its next claim.
        """
        ...

    async def claim_posting(
        self, renders: Sequence[FinishedRender], *, owner: str, now: datetime
    ) -> set[str]:
        """The exactly-once claim of finished videos: move them to ``posting``; return winners.

        A job moves (storing its video URL, progress 100) only from the status it was claimed
        in and only while ``owner`` holds its lease, which it keeps for the post. The returned
        render ids are the ones this call moved: only those may be posted.
        """
        ...

    async def record_posted(self, posts: Mapping[str, int], *, now: datetime) -> None:
        """Record ``posting → posted`` with each render's message id (render id → message id).

        Leases are released. A job no longer ``posting`` (recorded by someone else) is left as
        it is.
        """
        ...


class BotSettingStore(Protocol):
    """Facts of this deployment, by key (e.g. the fingerprint of the synced command tree)."""

    async def get(self, key: str) -> str | None:
        """Return the value stored under ``key``, or ``None``."""
        ...

    async def put(self, key: str, value: str, *, now: datetime) -> None:
        """Store ``value`` under ``key``, replacing any earlier one."""
        ...


class ExportHistoryStore(Protocol):
    """A user's finished videos (export jobs that have one), newest first."""

    async def count(self, requester_id: int) -> int:
        """How many videos ``requester_id`` exported."""
        ...

    async def page(self, requester_id: int, *, offset: int, limit: int) -> list[PastExport]:
        """Up to ``limit`` of their videos, newest first, after skipping ``offset``."""
        ...


class UserSettingsStore(Protocol):
    """Each user's own settings (``/settings``), by Discord user id."""

    async def get(self, user_id: int) -> UserSettings | None:
        """The user's stored settings, or ``None`` if they never changed one."""
        ...

    async def change(
        self, user_id: int, *, now: datetime, **changes: Unpack[UserSettingsChanges]
    ) -> UserSettings:
        """Store ``changes`` at once (one atomic upsert; the other settings stay); return all."""
        ...


class StoreTransaction(Protocol):
    """The stores of one unit of work; everything in it commits or rolls back together."""

    threads: ThreadStore
    uploads: UploadStore
    turns: ChatTurnStore
    exports: ExportJobStore
    #: Facts of this deployment, by key.
    settings: BotSettingStore
    #: Each user's own settings.
    user_settings: UserSettingsStore
    #: Users' finished videos.
    history: ExportHistoryStore


class Store(Protocol):
    """Opens units of work: ``async with store.transaction() as tx: ...`` commits on success."""

    def transaction(self) -> AbstractAsyncContextManager[StoreTransaction]:
        """Begin a unit of work; it commits when the block exits normally, else rolls back."""
        ...


@dataclass(frozen=True, slots=True)
class LeaseTerms:
    """How one poller leases jobs (:meth:`ExportJobStore.claim_due`): the same every claim.

    ``owner`` holds each lease for ``lease_for``. With ``shard_ids``, only jobs of guilds on
    those Discord shards (``(guild_id >> 22) % shard_count``), plus (with ``takeover_after``)
    any job left unpolled that long past its due time, whatever its shard.
    """

    owner: str
    lease_for: timedelta
    shard_ids: Collection[int] | None = None
    shard_count: int = 1
    takeover_after: timedelta | None = None


@dataclass(frozen=True, slots=True)
class PolledJob:
    """One poll's outcome, written back by :meth:`ExportJobStore.release_polled`.

    ``claimed_status`` is the status the job was claimed in (the compare-and-set guard),
    ``status`` the one the poll found (often the same).
    """

    render_id: str
    claimed_status: ExportStatus
    status: ExportStatus
    progress: int
    next_poll_at: datetime


@dataclass(frozen=True, slots=True)
class FinishedRender:
    """A render the backend finished, to claim for posting (``ExportJobStore.claim_posting``)."""

    render_id: str
    claimed_status: ExportStatus
    output_url: str
