"""Poller fixtures: a real local backend whose renders finish at once, a stepped clock."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from bot.backend import NemoClient
from bot.core.backend_results import BackendSession
from bot.jobs import ExportPoller, PollerSettings
from bot.local_backend import LocalBackend
from bot.storage import SqlStore
from tests.jobs.support import (
    LEASE,
    RecordingNotifier,
    StepClock,
    Threads,
    export_jobs,
    exportable_session,
)


@pytest.fixture
def backend(local_backend: LocalBackend) -> LocalBackend:
    """The local backend with instant renders and no ffmpeg (placeholder files)."""
    local_backend.config.render_seconds = 0.0
    local_backend.config.render_media = False
    return local_backend


@pytest.fixture
def threads() -> Threads:
    return Threads()


@pytest.fixture
def notifier(threads: Threads) -> RecordingNotifier:
    return RecordingNotifier(threads)


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
async def session(backend: LocalBackend, nemo: NemoClient, tmp_path) -> BackendSession:
    return await exportable_session(nemo, tmp_path)


@pytest.fixture
def make_poller(
    store: SqlStore, nemo: NemoClient, notifier: RecordingNotifier, clock: StepClock
) -> Callable[..., ExportPoller]:
    """Pollers over the test's store and backend; each call is another 'process'."""
    owners = iter(range(1, 100))

    def make(
        *,
        store: SqlStore = store,
        backend: NemoClient = nemo,
        notifier: RecordingNotifier = notifier,
        owner_id: str | None = None,
        concurrency: int = 8,
        **settings: Any,
    ) -> ExportPoller:
        return ExportPoller(
            exports=export_jobs(store, backend, clock),
            notifier=notifier,
            owner_id=owner_id or f"process-{next(owners)}",
            lease_for=LEASE,
            concurrency=concurrency,
            settings=PollerSettings(**settings),
            rng=random.Random(7),
        )

    return make
