"""Opening the resources in one place, and closing them in order (architecture: ownership).

:func:`open_services` migrates the database, opens the engine, the sessionmaker, one shared
``httpx.AsyncClient`` and the :class:`~bot.backend.NemoClient` over it, and the process's
:class:`~bot.ops.Metrics`, and on exit closes them in reverse: HTTP first, then the engine.
Nothing else creates or closes these.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.backend import Attribution, Authenticator, NemoClient, RetryPolicy
from bot.config import Settings
from bot.core.ports import Clock, Notifier
from bot.core.usecases import Timings, UseCases
from bot.core.usecases.exports import ExportJobs
from bot.jobs import (
    LEASE_SECONDS,
    AdaptiveSchedule,
    ExportPoller,
    PollerFactory,
    PollerSettings,
    PollSchedule,
)
from bot.ops import Metrics
from bot.storage import SqlIdentityStore, SqlStore, create_engine, create_sessionmaker, upgrade


class DatabaseUnreachableError(RuntimeError):
    """The database could not be reached (or migrated) at start-up; says where, no password."""

    def __init__(self, database_url: str, error: BaseException) -> None:
        where = make_url(database_url).render_as_string(hide_password=True)
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        super().__init__(f"cannot open the database {where}: {reason}")


@dataclass(frozen=True, slots=True)
class PollerOptions:
    """How this process's export poller runs: its lease owner id, shards and schedule."""

    owner_id: str
    settings: PollerSettings = field(default_factory=PollerSettings)
    schedule: PollSchedule = field(default_factory=AdaptiveSchedule)
    lease_for: timedelta = timedelta(seconds=LEASE_SECONDS)

    @classmethod
    def from_settings(cls, settings: Settings) -> PollerOptions:
        """Production values; the shards and the stable owner id from the settings."""
        shards = None if settings.shard_ids is None else frozenset(settings.shard_ids)
        return cls(
            owner_id=settings.lease_owner(platform.node()),
            settings=PollerSettings(
                shard_ids=shards,
                shard_count=settings.shard_count or 1,
                takeover_after=timedelta(seconds=settings.export_takeover_seconds),
            ),
            schedule=schedule_for(settings.export_first_poll),
            lease_for=timedelta(seconds=settings.export_lease_seconds),
        )


@dataclass(frozen=True, slots=True)
class Services:
    """The opened resources; valid only inside :func:`open_services`."""

    settings: Settings
    engine: AsyncEngine
    store: SqlStore
    identities: SqlIdentityStore
    http: httpx.AsyncClient
    nemo: NemoClient
    metrics: Metrics

    def use_cases(self, timings: Timings | None = None, clock: Clock | None = None) -> UseCases:
        """The use cases over these resources (top-up links point at the configured web app)."""
        billing = f"{self.settings.nemo_web_url.rstrip('/')}/dashboard/billing"
        chosen = dataclasses.replace(
            timings or Timings(), billing_url=billing, first_poll=self.settings.export_first_poll
        )
        return UseCases(self.nemo, self.store, clock=clock, timings=chosen, telemetry=self.metrics)

    def poller_factory(self, use_cases: UseCases, options: PollerOptions) -> PollerFactory:
        """Builds the durable export poller over these resources for a front end's notifier."""

        def build(notifier: Notifier) -> ExportPoller:
            return ExportPoller(
                exports=ExportJobs(use_cases.deps),
                notifier=notifier,
                owner_id=options.owner_id,
                lease_for=options.lease_for,
                schedule=options.schedule,
                settings=options.settings,
            )

        return build


def schedule_for(first_poll: float) -> AdaptiveSchedule:
    """The production schedule for renders first polled ``first_poll`` after submitting.

    A backend that renders faster than the cloud (the local one: a few seconds) is polled
    at most that often in its busy window too.
    """
    return AdaptiveSchedule(busy_every=min(10.0, max(first_poll, 1.0)))


def console_polling(settings: Settings) -> PollerOptions:
    """A terminal session's poller: a lease owner id of its own (host, pid, random part)."""
    owner = f"console:{platform.node()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return PollerOptions(owner_id=owner, schedule=schedule_for(settings.export_first_poll))


#: httpx's default connection cap, every connection allowed to stay open: with fewer
#: keep-alive slots than requests in flight (the poller runs 32 at once), httpcore 1.0.9
#: closes connections it still needs (encode/httpcore#1000, #1110): a new TLS handshake each
#: in production, and a request whose connection is closed under it waits out its timeout.
BACKEND_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)


@asynccontextmanager
async def open_services(
    settings: Settings, *, platform: str | None = None, retry: RetryPolicy | None = None
) -> AsyncIterator[Services]:
    """Open everything the bot needs; ``platform`` overrides the ``X-Skill-Platform`` value."""
    database_url = settings.resolved_database_url()
    try:
        await upgrade(database_url)
    except (OSError, SQLAlchemyError) as error:
        raise DatabaseUnreachableError(database_url, error) from error
    engine = create_engine(database_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        identities = SqlIdentityStore(sessionmaker)
        token = settings.nemo_token.get_secret_value() if settings.nemo_token else None
        auth = Authenticator(
            identities, static_token=token, configured_client_id=settings.nemo_client_id
        )
        attribution = Attribution(
            source=settings.nemo_skill_name,
            version=settings.nemo_skill_version,
            platform=platform or settings.skill_source,
        )
        metrics = Metrics()
        async with httpx.AsyncClient(limits=BACKEND_LIMITS) as http:
            nemo = NemoClient(
                http,
                api_url=settings.nemo_api_url,
                web_url=settings.nemo_web_url,
                attribution=attribution,
                auth=auth,
                retry=retry,
                on_error=metrics.count_backend_error,
            )
            store = SqlStore(sessionmaker)
            yield Services(settings, engine, store, identities, http, nemo, metrics)
    finally:
        await engine.dispose()
