"""Local NemoVideo-compatible backend fixtures: a real server on a loopback port per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from bot.backend import Attribution, Authenticator, NemoClient, RetryPolicy
from bot.core.ports import IdentityStore
from bot.local_backend import BackendConfig, LocalBackend

#: Test attribution values, asserted on every recorded request.
ATTRIBUTION = Attribution(source="beatthread-tests", version="0.0-test", platform="pytest")

#: The contract's waits, shortened so tests run fast; the rules themselves stay the same.
FAST_RETRY = RetryPolicy(rate_limit_wait=0.01, transient_wait_initial=0.01, transient_wait_max=0.02)


def fast_backend_config() -> BackendConfig:
    """Backend timings that keep a test under a second while exercising every phase."""
    return BackendConfig(
        studio=False,
        silent_turns="auto",
        turn_cost=10,
        render_seconds=0.3,
        heartbeat_interval=0.05,
        work_seconds=0.2,
        event_delay=0.0,
    )


@pytest.fixture
async def local_backend(tmp_path) -> AsyncIterator[LocalBackend]:
    """A running local backend with fast timings."""
    async with LocalBackend(fast_backend_config(), media_dir=tmp_path / "backend-media") as backend:
        yield backend


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    """One shared HTTP client, closed by the fixture that opened it."""
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def make_nemo_client(
    local_backend: LocalBackend, http_client: httpx.AsyncClient, identity_store: IdentityStore
) -> Callable[..., NemoClient]:
    """Build clients against the local backend, sharing the identity store (a 'restart')."""

    def make(
        *,
        store: IdentityStore | None = None,
        static_token: str | None = None,
        client_id: str | None = None,
        retry: RetryPolicy = FAST_RETRY,
        max_upload_bytes: int = 500 * 1024 * 1024,
    ) -> NemoClient:
        auth = Authenticator(
            store or identity_store, static_token=static_token, configured_client_id=client_id
        )
        return NemoClient(
            http_client,
            api_url=local_backend.url,
            web_url="https://nemovideo.example",
            attribution=ATTRIBUTION,
            auth=auth,
            retry=retry,
            max_upload_bytes=max_upload_bytes,
        )

    return make


@pytest.fixture
def nemo(make_nemo_client: Callable[..., NemoClient]) -> NemoClient:
    """A client against the local backend."""
    return make_nemo_client()
