"""Protocols the use cases need; adapters implement them, the composition root wires them.

* :class:`Store` (its transaction's ``threads``, ``uploads``, ``turns``, ``exports``,
  ``settings``) and :class:`IdentityStore` — :mod:`bot.storage`;
* :class:`Backend` — :mod:`bot.backend` (NemoVideo, or the local backend over the same wire);
* :class:`Notifier` — where export news is shown (:mod:`bot.discord_app`, :mod:`bot.console`);
* :class:`ExportFollower` — the durable export poller (:mod:`bot.jobs.poller`);
* :class:`Telemetry` — counts (:mod:`bot.ops`, the ops adapter; :class:`Tally` in memory);
* :class:`Clock` — time, real or driven by tests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, Unpack

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
    ExportOptions,
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
    ) -> Recorded[ExportJob]:
        """Store a new job (first poll at ``next_poll_at``, default ``now``), or return it."""
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
        self,
        *,
        owner: str,
        now: datetime,
        lease_for: timedelta,
        limit: int = 10,
        shard_ids: Collection[int] | None = None,
        shard_count: int = 1,
        takeover_after: timedelta | None = None,
    ) -> list[ExportJob]:
        """Lease up to ``limit`` unfinished jobs due by ``now`` whose lease is free or expired.

        No two callers (in any process) hold the same job's lease at the same time. With
        ``shard_ids``, only jobs of guilds on those shards, plus (with ``takeover_after``) any
        job left unpolled that long past its due time, whatever its shard.
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

    @property
    def settings(self) -> BotSettingStore:
        """Facts of this deployment, by key."""
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


class Notifier(Protocol):
    """Where the export poller (:mod:`bot.jobs.poller`) tells users about their renders.

    Front ends implement it and only present: they post and edit messages and return the ids
    of the messages showing a render; :class:`~bot.core.usecases.exports.ExportJobs` records
    them. For one job the poller makes at most one call at a time, and only if
    :meth:`handles` said yes for that claim. An exception raised here is logged and the call
    is tried again at a later poll (``export_finished`` only after :meth:`find_posted` found
    nothing), so an implementation needs no retries of its own.

    Exactly once: the poller claims a finished job (``completed → posting``) before calling
    :meth:`export_finished`, and records the returned message id afterwards. A crash in
    between leaves the job ``posting``; whoever picks it up next asks :meth:`find_posted`
    first, so the post must carry something findable derived from ``job.render_id`` (a
    Discord ``nonce`` with ``enforce_nonce``, plus a marker that stays findable for good).
    """

    def handles(self, job: ExportJob) -> bool:
        """Whether this process may post into the job's thread now (else: hand it back)."""
        ...

    async def export_progress(self, job: ExportJob, status: RenderStatus) -> int | None:
        """Show progress; return the id of the message showing it (``None``: none).

        Called at most every ~10 s per job and only when something visible changed. A job
        without ``status_message_id`` (a process died before it was recorded) re-attaches to
        its status message, or posts one; the returned id is then recorded.
        """
        ...

    async def export_finished(
        self, job: ExportJob, output_url: str, project_url: str | None
    ) -> int:
        """Post the video link (and the project link) once; return the posted message id."""
        ...

    async def find_posted(self, job: ExportJob) -> int | None:
        """The id of this render's earlier post in the thread, or ``None`` if there is none."""
        ...

    async def export_failed(self, job: ExportJob, error: str) -> int | None:
        """Say the export failed for good; return the status message's id (``None``: none).

        ``error`` is for logs only. Reported at least once: a crash right after this call may
        repeat it after the restart.
        """
        ...

    async def export_stalled(self, job: ExportJob) -> int | None:
        """Say the render has not moved for a while (once per stall; polling goes on).

        Returns the status message's id (``None``: none).
        """
        ...


class ExportFollower(Protocol):
    """Follows recorded export jobs to their video (the durable poller, :mod:`bot.jobs`).

    Front ends hand it a job right after it was submitted, with the status message they
    posted for it (the poller would find the job at its next scan anyway; this saves the wait),
    and ask it to cancel one.
    """

    async def track(self, job: ExportJob, status_message_id: int | None = None) -> None:
        """Start following ``job`` now; record the message that shows its status."""
        ...

    async def cancel(self, render_id: str) -> bool:
        """Cancel a render for good; ``False`` if it is already posting or finished."""
        ...


UploadOutcome = Literal["ok", "failed", "rejected"]
"""How an upload ended: sent, failed at the backend or on the way, or refused by our checks."""

PollerEvent = Literal[
    "claimed",
    "polled",
    "progress_shown",
    "stalled",
    "found_posted",
    "submitted_again",
    "rate_limited",
    "error",
    "lost",
]
"""What the export poller counts: a job leased, a render-status call, progress shown, a stall
told, a post found after a crash, a job the backend never got submitted again, a 429, a failed
poll or unexpected error, a job due here but held or finished elsewhere."""


class Telemetry(Protocol):
    """Where the use cases and the poller count what they do (metrics; the ops adapter)."""

    def count_turn(self, kind: str) -> None:
        """One conversation item handled; ``kind`` is an ``IntentKind`` value."""
        ...

    def count_upload(self, outcome: UploadOutcome) -> None:
        """One upload finished."""
        ...

    def count_export_status(self, status: str) -> None:
        """An export job entered ``status`` (an ``ExportStatus`` value)."""
        ...

    def observe_export_poll(self, seconds: float) -> None:
        """One render-status call took ``seconds``."""
        ...

    def count_poller_event(self, event: PollerEvent) -> None:
        """The export poller did ``event`` once (a claim, a poll, a 429 ...)."""
        ...


class Tally:
    """Counts in memory (the default; tests read it): implements :class:`Telemetry`."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count_turn(self, kind: str) -> None:
        """One turn of ``kind``."""
        self.counts[f"turn:{kind}"] += 1

    def count_upload(self, outcome: UploadOutcome) -> None:
        """One upload ended in ``outcome``."""
        self.counts[f"upload:{outcome}"] += 1

    def count_export_status(self, status: str) -> None:
        """One job entered ``status``."""
        self.counts[f"export:{status}"] += 1

    def observe_export_poll(self, seconds: float) -> None:
        """Latencies are not kept."""

    def count_poller_event(self, event: PollerEvent) -> None:
        """The poller did ``event``."""
        self.counts[event] += 1
