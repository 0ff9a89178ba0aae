"""A fresh local backend on a free loopback port for every test, with fast timings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.local_backend import BackendConfig, LocalBackend
from tests.local_backend.support import Api


@pytest.fixture
def backend_config() -> BackendConfig:
    return BackendConfig(
        studio=False,
        silent_turns="auto",
        turn_cost=10,
        render_seconds=0.2,
        event_delay=0.0,
        work_seconds=0.05,
    )


@pytest.fixture
async def backend(backend_config: BackendConfig) -> AsyncIterator[LocalBackend]:
    async with LocalBackend(backend_config) as server:
        yield server


@pytest.fixture
async def client(backend: LocalBackend) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=backend.url, timeout=30) as http:
        yield http


@pytest.fixture
def api(client: httpx.AsyncClient, backend: LocalBackend) -> Api:
    return Api(client, backend)
