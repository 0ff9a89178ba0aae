"""Opening the resources in one place, and closing them in order (architecture: ownership).

:func:`open_services` migrates the database, opens the engine, the sessionmaker, one shared
``httpx.AsyncClient`` and the :class:`~bot.backend.NemoClient` over it, and on exit closes
them in reverse: HTTP first, then the engine. Nothing else creates or closes these.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.backend import Attribution, Authenticator, NemoClient, RetryPolicy
from bot.config import Settings
from bot.core.usecases import Timings, UseCases
from bot.storage import SqlIdentityStore, SqlStore, create_engine, create_sessionmaker, upgrade


@dataclass(frozen=True, slots=True)
class Services:
    """The opened resources; valid only inside :func:`open_services`."""

    settings: Settings
    engine: AsyncEngine
    store: SqlStore
    identities: SqlIdentityStore
    http: httpx.AsyncClient
    nemo: NemoClient

    def use_cases(self, timings: Timings | None = None) -> UseCases:
        """The use cases over these resources (top-up links point at the configured web app)."""
        billing = f"{self.settings.nemo_web_url.rstrip('/')}/dashboard/billing"
        chosen = dataclasses.replace(timings or Timings(), billing_url=billing)
        return UseCases(self.nemo, self.store, timings=chosen)


@asynccontextmanager
async def open_services(
    settings: Settings, *, platform: str | None = None, retry: RetryPolicy | None = None
) -> AsyncIterator[Services]:
    """Open everything the bot needs; ``platform`` overrides the ``X-Skill-Platform`` value."""
    database_url = settings.resolved_database_url()
    await upgrade(database_url)
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
        async with httpx.AsyncClient() as http:
            nemo = NemoClient(
                http,
                api_url=settings.nemo_api_url,
                web_url=settings.nemo_web_url,
                attribution=attribution,
                auth=auth,
                retry=retry,
            )
            yield Services(settings, engine, SqlStore(sessionmaker), identities, http, nemo)
    finally:
        await engine.dispose()
