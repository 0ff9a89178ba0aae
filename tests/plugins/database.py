"""Database fixtures: a SQLite file and a real PostgreSQL 15 that the tests start themselves.

Every test that asks for ``database_url``, ``migrated_database_url`` or anything built on them
(``engine``, ``sessionmaker``, ``store``, ``identity_store``) runs twice: ``[sqlite]`` and
``[postgresql]``. Each run gets its own fresh database. Use ``-k sqlite`` (or
``BEATTHREAD_TEST_DATABASES=sqlite``) to run one side locally; CI runs both.

PostgreSQL: one throwaway cluster per test session (so per pytest-xdist worker, each on its own
free loopback port and temp dir), created with ``initdb`` and ``pg_ctl`` from
``/usr/lib/postgresql/15/bin`` (override with ``BEATTHREAD_PG_BINDIR``), trust auth, fsync off,
in ``/dev/shm`` when there is one (override with ``BEATTHREAD_PG_TMPDIR``).
PostgreSQL refuses to run as root, so as root the tools run as the ``postgres`` user. Missing
binaries fail the tests (CI installs Debian's ``postgresql``); they are never skipped.

Migrated databases are copies of a template migrated once per session: a file copy on SQLite,
``CREATE DATABASE … TEMPLATE`` on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import SqlIdentityStore, SqlStore, create_engine, create_sessionmaker, upgrade
from bot.storage.db import QueuedSessionmaker

DEFAULT_PG_BINDIR = "/usr/lib/postgresql/15/bin"
_KNOWN_BACKENDS = ("sqlite", "postgresql")
# A quick local run may narrow this (BEATTHREAD_TEST_DATABASES=sqlite); CI runs both.
BACKENDS = tuple(
    name.strip()
    for name in os.environ.get("BEATTHREAD_TEST_DATABASES", ",".join(_KNOWN_BACKENDS)).split(",")
    if name.strip()
)
if not BACKENDS or set(BACKENDS) - set(_KNOWN_BACKENDS):
    raise ValueError(f"BEATTHREAD_TEST_DATABASES must name some of {_KNOWN_BACKENDS}")
_START_ATTEMPTS = 3


def run_in_thread(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coroutine`` to completion on a private event loop in a worker thread.

    Sync fixtures use this so they never touch (or are touched by) the test's event loop.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _scratch_dir() -> str | None:
    """Where the cluster lives: tmpfs when there is one (CREATE DATABASE is ~15x faster)."""
    chosen = os.environ.get("BEATTHREAD_PG_TMPDIR")
    if chosen:
        return chosen
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 1 << 30:
        return str(shm)
    return None  # the system temp dir


def _clean_env() -> dict[str, str]:
    # PGHOST, PGPORT, PGDATABASE… from the developer's shell must not redirect the tools.
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1; databases are created per test."""

    def __init__(self, bindir: Path, base_dir: Path) -> None:
        self.bindir = bindir
        self.base_dir = base_dir
        self.data_dir = base_dir / "data"
        self.socket_dir = base_dir / "sock"
        self.log_file = base_dir / "postgres.log"
        self.host = "127.0.0.1"
        self.port = 0
        self._as_postgres = os.geteuid() == 0

    def _tool(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / name), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command,
            cwd=self.base_dir,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def start(self) -> None:
        """Create the cluster and start it on a free port (retrying if the port was taken)."""
        self.socket_dir.mkdir()
        if self._as_postgres:
            shutil.chown(self.base_dir, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        result = self._tool(
            "initdb",
            "--pgdata",
            str(self.data_dir),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
            "--no-instructions",
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        for _ in range(_START_ATTEMPTS):
            self.port = _free_port()
            options = (
                f"-h {self.host} -p {self.port} -k {self.socket_dir} -c fsync=off"
                " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                " -c autovacuum=off"
            )
            result = self._tool(
                "pg_ctl",
                "--pgdata",
                str(self.data_dir),
                "--log",
                str(self.log_file),
                "--wait",
                "--timeout",
                "60",
                "-o",
                options,
                "start",
            )
            if result.returncode == 0:
                return
        log = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
        raise RuntimeError(f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n{log}")

    def stop(self) -> None:
        """Stop the server (fast shutdown); the caller removes the directory."""
        self._tool("pg_ctl", "--pgdata", str(self.data_dir), "--mode", "fast", "--wait", "stop")

    def url(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+asyncpg://postgres@{self.host}:{self.port}/{database}"

    def psql(self, *statements: str) -> None:
        """Run statements one by one (each outside a transaction block) as the superuser."""
        command = [
            str(self.bindir / "psql"),
            "--no-psqlrc",
            "--quiet",
            "--set",
            "ON_ERROR_STOP=1",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--username",
            "postgres",
            "--dbname",
            "postgres",
        ]
        for statement in statements:
            command += ["--command", statement]
        result = subprocess.run(
            command, env=_clean_env(), capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {statements!r}\n{result.stderr}")

    def create_database(self, *, template: str | None = None) -> str:
        """Create a uniquely named database (optionally a copy of ``template``)."""
        name = f"bt_{uuid.uuid4().hex[:16]}"
        clause = f" TEMPLATE {template}" if template else ""
        self.psql(f"CREATE DATABASE {name}{clause}")
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, disconnecting anything still attached."""
        self.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def throwaway_postgres(prefix: str, bindir: Path | None = None) -> Iterator[PostgresServer]:
    """A new PostgreSQL 15 cluster in a scratch directory, started; stopped and removed after.

    For the session's server, a test's private one, and the benchmarks.
    """
    chosen = bindir or Path(os.environ.get("BEATTHREAD_PG_BINDIR", DEFAULT_PG_BINDIR))
    base_dir = Path(tempfile.mkdtemp(prefix=prefix, dir=_scratch_dir()))
    server = PostgresServer(chosen, base_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(base_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL 15 server for this test session (this xdist worker), stopped at the end."""
    bindir = Path(os.environ.get("BEATTHREAD_PG_BINDIR", DEFAULT_PG_BINDIR))
    missing = [tool for tool in ("initdb", "pg_ctl", "psql") if not (bindir / tool).exists()]
    if missing:
        pytest.fail(
            f"PostgreSQL binaries not found in {bindir} (missing: {', '.join(missing)}). "
            "Install Debian's postgresql package (apt-get install postgresql), or point "
            "BEATTHREAD_PG_BINDIR at a PostgreSQL 15 bin directory.",
            pytrace=False,
        )
    with throwaway_postgres("bt-pg-", bindir) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    """A PostgreSQL database migrated to head once, copied by ``migrated_database_url``."""
    name = postgres_server.create_database()
    run_in_thread(upgrade(postgres_server.url(name)))
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once, copied by ``migrated_database_url``."""
    path = tmp_path_factory.mktemp("sqlite-template") / "beatthread.db"
    run_in_thread(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=BACKENDS)
def database_backend(request: pytest.FixtureRequest) -> str:
    """Which database this run of the test uses: ``sqlite`` or ``postgresql``."""
    return str(request.param)


@pytest.fixture
def database_url(
    database_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A fresh, empty database (no tables); dropped after the test."""
    if database_backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def migrated_database_url(
    database_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A fresh database at the newest schema revision; dropped after the test."""
    if database_backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "beatthread.db"
        shutil.copyfile(template, target)
        wal = template.with_name(template.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + "-wal"))
        yield f"sqlite+aiosqlite:///{target}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database(template=request.getfixturevalue("postgres_template"))
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def migrated_postgresql_url(
    postgres_server: PostgresServer, postgres_template: str
) -> Iterator[str]:
    """A fresh migrated PostgreSQL database, for tests of what only PostgreSQL does."""
    name = postgres_server.create_database(template=postgres_template)
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture
async def engine(migrated_database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a migrated database, disposed after the test."""
    engine = create_engine(migrated_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> QueuedSessionmaker:
    """The application's sessionmaker over ``engine``."""
    return create_sessionmaker(engine)


@pytest.fixture
def store(sessionmaker: QueuedSessionmaker) -> SqlStore:
    """The application's store (units of work over every repository)."""
    return SqlStore(sessionmaker)


@pytest.fixture
def identity_store(sessionmaker: QueuedSessionmaker) -> SqlIdentityStore:
    """The backend identity, persisted in the test's database."""
    return SqlIdentityStore(sessionmaker)


@pytest.fixture
def private_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster of this test's own, which the test may stop (about a second)."""
    if "postgresql" not in BACKENDS:
        pytest.skip("BEATTHREAD_TEST_DATABASES omits postgresql")
    with throwaway_postgres("bt-private-pg-") as server:
        yield server
