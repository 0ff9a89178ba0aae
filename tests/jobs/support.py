"""Helpers for the poller tests: a stepped clock, a recording notifier, jobs on a real backend.

The notifier stands in for Discord, which is outside the project. It behaves like the front
end must: posts go into a shared record of thread messages (all "processes" see the same
threads, as they would see the same Discord), each post carries the render's nonce and a
findable marker, and :meth:`RecordingNotifier.find_posted` searches what was really posted.
It does **not** drop same-nonce repeats, so a double post would show as two messages.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.backend import NemoClient
from bot.core.backend_results import BackendSession, RenderStage, RenderStatus, file_source
from bot.core.models import ExportJob, ExportStatus, NewThread
from bot.core.ports import Backend, Clock, Store, Telemetry
from bot.core.usecases import Deps, Timings
from bot.core.usecases.context import FIRST_POLL_SECONDS
from bot.core.usecases.exports import ExportJobs
from bot.discord_app.render import render_nonce
from bot.jobs import AdaptiveSchedule
from bot.local_backend import LocalBackend
from bot.storage import SqlStore
from tests.backend.media import write_tone

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
_thread_ids = itertools.count(10_000)


def export_jobs(
    store: Store,
    backend: Backend,
    clock: Clock,
    *,
    first_poll: float = FIRST_POLL_SECONDS,
    telemetry: Telemetry | None = None,
) -> ExportJobs:
    """The export owner over the test's store, backend and clock."""
    deps = Deps(backend, store, clock, Timings(first_poll=first_poll))
    if telemetry is not None:
        deps = Deps(backend, store, clock, deps.timings, telemetry)
    return ExportJobs(deps)


def at(seconds: float) -> datetime:
    """``T0`` plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


class ProcessCrash(BaseException):
    """Raised inside a poll to play ``kill -9``: nothing in the poller catches it."""


class StepClock:
    """A clock the test sets; the poller is driven with ``run_once(now)`` alongside it."""

    def __init__(self, now: datetime = T0) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.current.timestamp()

    async def sleep(self, seconds: float) -> None:
        raise AssertionError("stepped tests drive the poller with run_once, never sleep")


class RealClock:
    """Wall-clock time, for the one test of the real loop."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


@dataclass(frozen=True)
class Message:
    message_id: int
    thread_id: int
    content: str
    nonce: str


@dataclass
class Threads:
    """The messages of every thread, shared by all notifiers (they all see one Discord)."""

    messages: dict[int, list[Message]] = field(default_factory=lambda: defaultdict(list))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(900_000))

    def post(self, thread_id: int, content: str, nonce: str) -> Message:
        message = Message(next(self._ids), thread_id, content, nonce)
        self.messages[thread_id].append(message)
        return message

    def posts_of(self, render_id: str) -> list[Message]:
        marker = marker_of(render_id)
        return [m for ms in self.messages.values() for m in ms if marker in m.content]


def marker_of(render_id: str) -> str:
    return f"[render:{render_id}]"


@dataclass
class Call:
    kind: str
    render_id: str
    detail: object = None


class RecordingNotifier:
    """Implements :class:`bot.core.ports.Notifier`; records every call."""

    def __init__(self, threads: Threads, *, handles: bool = True) -> None:
        self.threads = threads
        self.handles_all = handles
        self.calls: list[Call] = []
        self.crash_before_post = False
        self.crash_after_post = False
        self.crash_on_progress = False
        self.finished: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def handles(self, job: ExportJob) -> bool:
        return self.handles_all

    async def export_progress(self, job: ExportJob, status: RenderStatus) -> int | None:
        self.calls.append(Call("progress", job.render_id, (status.stage, status.progress)))
        if self.crash_on_progress:
            raise ProcessCrash
        return self._status_message(job)

    async def export_finished(
        self, job: ExportJob, output_url: str, project_url: str | None
    ) -> int:
        assert job.status is ExportStatus.POSTING  # claimed before posting
        self.calls.append(Call("finished", job.render_id, output_url))
        if self.crash_before_post:
            raise ProcessCrash
        content = f"Your video: {output_url} | project: {project_url} {marker_of(job.render_id)}"
        message = self.threads.post(job.thread_id, content, render_nonce(job.render_id))
        if self.crash_after_post:
            raise ProcessCrash
        self.finished[job.render_id].set()
        return message.message_id

    async def find_posted(self, job: ExportJob) -> int | None:
        self.calls.append(Call("find", job.render_id))
        marker = marker_of(job.render_id)
        for message in self.threads.messages[job.thread_id]:
            if marker in message.content:
                return message.message_id
        return None

    async def export_failed(self, job: ExportJob, error: str) -> int | None:
        self.calls.append(Call("failed", job.render_id, error))
        self.finished[job.render_id].set()
        return self._status_message(job)

    async def export_stalled(self, job: ExportJob) -> int | None:
        self.calls.append(Call("stalled", job.render_id))
        return self._status_message(job)

    def _status_message(self, job: ExportJob) -> int:
        """The job's status message, posted now if it has none (as the Discord one does)."""
        if job.status_message_id is not None:
            return job.status_message_id
        return self.threads.post(job.thread_id, f"status of {job.render_id}", "").message_id

    def of(self, kind: str, render_id: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.kind == kind and render_id in (None, c.render_id)]


async def exportable_session(nemo: NemoClient, tmp_path: Path) -> BackendSession:
    """A backend session whose timeline holds a short track (so it can be rendered)."""
    session = await nemo.create_session()
    tone = write_tone(tmp_path / f"beat-{session.session_id}.wav", seconds=1.0)
    await nemo.upload(session.session_id, file_source(tone))
    return session


async def new_job(
    store: SqlStore,
    nemo: NemoClient,
    session: BackendSession,
    *,
    now: datetime = T0,
    guild_id: int = 1 << 22,
    submit: bool = True,
    status_message_id: int | None = 555,
    first_poll: float = 15.0,
) -> ExportJob:
    """Record an export in a new thread (as ``start_export`` does, unjittered) and submit it."""
    thread_id = next(_thread_ids)
    render_id = nemo.new_render_id()
    async with store.transaction() as tx:
        await tx.threads.add(
            NewThread(
                thread_id=thread_id,
                guild_id=guild_id,
                parent_channel_id=77,
                owner_user_id=88,
                task_id=session.task_id,
                session_id=session.session_id,
            ),
            now=now,
        )
        recorded = await tx.exports.create(
            render_id=render_id,
            thread_id=thread_id,
            requester_id=88,
            now=now,
            next_poll_at=now + timedelta(seconds=first_poll),
            status_message_id=status_message_id,
        )
    if submit:
        draft = (await nemo.state(session.session_id)).draft
        await nemo.submit_render(render_id, session.session_id, draft)
    return recorded.item


async def rendered(backend: LocalBackend, render_id: str) -> None:
    """Wait until the backend finished rendering ``render_id`` (its task, not a sleep)."""
    task = backend._runtime.render_tasks[render_id]
    await asyncio.wait_for(asyncio.shield(task), timeout=10)


async def job_of(store: SqlStore, render_id: str) -> ExportJob:
    async with store.transaction() as tx:
        job = await tx.exports.get(render_id)
    assert job is not None
    return job


async def jobs_of_thread(store: SqlStore, thread_id: int) -> list[ExportJob]:
    async with store.transaction() as tx:
        unfinished = await tx.exports.load_unfinished()
    return [job for job in unfinished if job.thread_id == thread_id]


def stage_of(call: Call) -> RenderStage:
    assert isinstance(call.detail, tuple)
    return call.detail[0]


#: The production shape at 1/300 of the time: every 10-30 ms (with first polls after 50 ms).
TINY = AdaptiveSchedule(
    busy_until=0.4,
    busy_every=0.03,
    late_every=0.1,
    min_every=0.01,
    eta_margin=0.005,
    eta_cap=0.05,
    error_backoff=0.02,
)
