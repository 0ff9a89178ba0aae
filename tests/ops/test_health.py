"""/healthz and /metrics over a real socket, with checks against real databases and servers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import sys
import threading

import discord
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.ops import (
    MAX_ERROR_CHARS,
    CheckFailedError,
    Metrics,
    OpsServer,
    backend_check,
    database_check,
    gateway_check,
)
from bot.storage import create_engine
from tests.plugins.database import BACKENDS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def serve():
    """Start OpsServers on free loopback ports; each is closed at teardown."""
    servers: list[OpsServer] = []

    async def start(checks=None, *, metrics=None, **options) -> str:
        server = OpsServer(metrics or Metrics(), checks, **options)
        servers.append(server)
        port = await server.start("127.0.0.1", 0)
        return f"http://127.0.0.1:{port}"

    yield start
    for server in servers:
        await server.close()


async def healthz(http: httpx.AsyncClient, base: str) -> tuple[int, dict]:
    response = await http.get(f"{base}/healthz")
    assert response.headers["content-type"].startswith("application/json")
    return response.status_code, response.json()


@contextlib.asynccontextmanager
async def silent_server():
    """A TCP server that accepts connections and never answers: a hung backend."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


async def test_all_checks_pass_gives_200(serve, http_client, engine, local_backend):
    """A healthy database and backend: 200 and every check ok."""
    base = await serve(
        {
            "database": database_check(engine),
            "backend": backend_check(http_client, local_backend.url),
        }
    )
    status, body = await healthz(http_client, base)
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": {"ok": True}, "backend": {"ok": True}}}


async def test_backend_check_sends_no_token(http_client, local_backend):
    """The probe costs nothing and leaks nothing: a bare GET of the base URL, no credentials."""
    await backend_check(http_client, local_backend.url + "/")()
    (probe,) = local_backend.requests
    assert (probe.method, probe.path) == ("GET", "/")
    assert "authorization" not in {name.lower() for name in probe.headers}


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="BEATTHREAD_TEST_DATABASES omits it")
async def test_stopped_postgresql_fails_only_the_database_check(
    serve, http_client, local_backend, private_postgres
):
    """PostgreSQL stops under a pooled connection: 503, the database check says why."""
    engine = create_engine(private_postgres.url("postgres"))
    try:
        base = await serve(
            {
                "database": database_check(engine),
                "backend": backend_check(http_client, local_backend.url),
            }
        )
        assert (await healthz(http_client, base))[0] == 200
        await asyncio.to_thread(private_postgres.stop)
        status, body = await healthz(http_client, base)
    finally:
        await engine.dispose()
    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["backend"] == {"ok": True}
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["error"].startswith("ConnectionRefusedError")


def aiosqlite_workers() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.endswith("(_connection_worker_thread)")}


async def test_sqlite_file_gone_fails_database_check(serve, http_client, tmp_path):
    """A SQLite file whose directory vanished cannot be opened: the check fails."""
    folder = tmp_path / "data"
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'beatthread.db'}")
    shutil.rmtree(folder)  # create_engine made it; nothing has connected yet
    workers = aiosqlite_workers()
    try:
        status, body = await healthz(http_client, await serve({"database": database_check(engine)}))
    finally:
        await engine.dispose()
        # aiosqlite stops the worker of a failed connect without waiting for it, and the
        # worker then calls back into this loop: let it finish while the loop is still open.
        for worker in aiosqlite_workers() - workers:
            await asyncio.to_thread(worker.join, 10)
    assert status == 503
    assert body["checks"]["database"]["ok"] is False
    assert "unable to open database file" in body["checks"]["database"]["error"]


async def test_stopped_backend_fails_backend_check(serve, http_client, local_backend):
    """Once the backend stops listening, the backend check fails with a connect error."""
    base = await serve({"backend": backend_check(http_client, local_backend.url)})
    assert (await healthz(http_client, base))[0] == 200
    await local_backend.stop()
    status, body = await healthz(http_client, base)
    assert status == 503
    assert body["checks"]["backend"] == {
        "ok": False,
        "error": "CheckFailedError: NemoVideo unreachable (ConnectError)",
    }


async def test_hung_backend_times_out(serve, http_client):
    """A backend that accepts but never answers fails after the check timeout, not later."""
    async with silent_server() as url:
        base = await serve({"backend": backend_check(http_client, url)}, check_timeout=0.2)
        status, body = await healthz(http_client, base)
    assert status == 503
    assert body["checks"]["backend"] == {"ok": False, "error": "no answer within 0.2 s"}


async def test_checks_run_concurrently(serve, http_client):
    """Each check waits for the other to start: run one after the other, both would time out."""
    started = {"a": asyncio.Event(), "b": asyncio.Event()}

    def waits_for(me: str, other: str):
        async def check() -> None:
            started[me].set()
            await started[other].wait()

        return check

    base = await serve({"a": waits_for("a", "b"), "b": waits_for("b", "a")}, check_timeout=1.0)
    status, body = await healthz(http_client, base)
    assert (status, body["status"]) == (200, "ok")


async def test_error_text_is_short_redacted_and_one_line(serve, http_client):
    """Whatever a check raises, /healthz shows a short line with no token in it."""

    async def leaky() -> None:
        raise RuntimeError("login with nmv_usr_abc123secret failed\n" + "details " * 200)

    response = await http_client.get(f"{await serve({'leaky': leaky})}/healthz")
    assert response.status_code == 503
    assert "abc123secret" not in response.text
    error = response.json()["checks"]["leaky"]["error"]
    assert error.startswith("RuntimeError: login with [redacted] failed details")
    assert len(error) <= MAX_ERROR_CHARS
    assert "\n" not in error


async def test_no_checks_is_healthy(serve, http_client):
    """A process with nothing to check is alive: 200."""
    assert await healthz(http_client, await serve()) == (200, {"status": "ok", "checks": {}})


async def test_metrics_endpoint_serves_the_registry(serve, http_client):
    """/metrics answers Prometheus text from this bot's Metrics."""
    metrics = Metrics()
    metrics.count_turn("export")
    response = await http_client.get(f"{await serve(metrics=metrics)}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    values = {
        (found.name, tuple(found.labels.items())): found.value
        for family in text_string_to_metric_families(response.text)
        for found in family.samples
    }
    assert values[("beatthread_turns_total", (("kind", "export"),))] == 1


async def test_close_stops_listening(http_client):
    """After close() the port is released; start() twice is a programming error."""
    server = OpsServer(Metrics())
    port = await server.start("127.0.0.1", 0)
    with pytest.raises(RuntimeError):
        await server.start("127.0.0.1", 0)
    assert port > 0
    await server.close()
    await server.close()  # idempotent
    with pytest.raises(httpx.ConnectError):
        await http_client.get(f"http://127.0.0.1:{port}/healthz")


async def test_gateway_check_follows_the_client(connect):
    """Ready and connected passes; closed fails; a client never started fails."""
    client = await connect()
    check = gateway_check(client)
    await check()
    await client.close()
    with pytest.raises(CheckFailedError, match="closed"):
        await check()
    idle = discord.Client(intents=discord.Intents.none())
    with pytest.raises(CheckFailedError, match="not ready"):
        await gateway_check(idle)()


def test_importing_ops_does_not_import_discord():
    """The ops server can run in processes without discord.py loaded (e.g. the console)."""
    code = "import sys, bot.ops; print(json.dumps('discord' in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", "import json; " + code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(result.stdout) is False
