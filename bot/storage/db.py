"""Engines, sessions and the unit of work.

The composition root opens one engine with :func:`create_engine`, makes one sessionmaker with
:func:`create_sessionmaker`, and disposes the engine at shutdown. Use cases and jobs open one
session per task with :func:`unit_of_work`; repositories only ever receive that session.

SQLite transactions: the driver's default ("legacy") transaction control is kept on purpose.
It starts a transaction only at the first write, so readers never hold a snapshot that a
concurrent writer would make stale (the source of immediate "database is locked" errors in WAL
mode); writers wait for each other through ``busy_timeout``. The writes that must be race-free
(claims, compare-and-set transitions, idempotent inserts) are single atomic statements, so they
are correct under this mode. Migrations, which want transactional DDL, use
:func:`create_engine` with ``transactional_ddl=True`` (an explicit ``BEGIN IMMEDIATE``).

Units of work wait for a connection first come, first served, for as long as it takes: under
load a turn may be slow, never lost. SQLite gets one connection per process (it has one writer;
several connections of one process would only busy-wait on each other, and give up after
:data:`SQLITE_BUSY_TIMEOUT_MS`), PostgreSQL the pool's size.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, PoolResetState

__all__ = [
    "SQLITE_BUSY_TIMEOUT_MS",
    "QueuedSessionmaker",
    "create_engine",
    "create_sessionmaker",
    "normalize_url",
    "unit_of_work",
]

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5_000
#: Units of work open at once on one engine (see the module docstring).
SQLITE_CONNECTIONS = 1
POSTGRES_POOL_SIZE = 5
POSTGRES_POOL_OVERFLOW = 10

_SQLITE_DRIVER = "sqlite+aiosqlite"
_POSTGRES_DRIVER = "postgresql+asyncpg"
_POSTGRES_NAMES = frozenset({"postgres", "postgresql"})


def normalize_url(url: str | URL) -> URL:
    """Return ``url`` with an asyncio driver: aiosqlite for SQLite, asyncpg for PostgreSQL.

    ``sqlite:///x.db``, ``postgres://…`` and ``postgresql+psycopg2://…`` are all accepted, so
    an operator can paste the URL their hosting provider gives them.

    Raises:
        ValueError: the URL names a database other than SQLite or PostgreSQL.

    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername=_SQLITE_DRIVER)
    if backend in _POSTGRES_NAMES:
        return parsed.set(drivername=_POSTGRES_DRIVER)
    raise ValueError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


def _sqlite_file(url: URL) -> Path | None:
    """Return the file a SQLite URL points at, or ``None`` for in-memory and URI databases."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:") or url.query.get("uri") == "true":
        return None
    return Path(database)


def create_engine(
    url: str | URL, *, echo: bool = False, transactional_ddl: bool = False
) -> AsyncEngine:
    """Open an engine for ``url`` (see :func:`normalize_url`); the caller disposes it.

    SQLite gets WAL, ``foreign_keys=ON``, ``synchronous=NORMAL`` and a busy timeout on every
    connection, and the directory of its file is created. Statement parameters are never
    logged or put into error messages, because one of them is the backend token.

    Args:
        url: SQLAlchemy URL of a SQLite file or a PostgreSQL database.
        echo: log every statement (parameters stay hidden).
        transactional_ddl: for migrations: on SQLite, issue an explicit ``BEGIN IMMEDIATE`` so
            DDL is transactional and migrators queue up, turn foreign keys off (batch
            migrations copy tables), and do not pool connections.

    """
    parsed = normalize_url(url)
    path = _sqlite_file(parsed)
    if path is not None:
        path.expanduser().parent.mkdir(parents=True, exist_ok=True)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if transactional_ddl:
        options["poolclass"] = NullPool
    elif is_sqlite:
        # A returned connection is rolled back only if it is really inside a transaction
        # (see _reset_if_needed): one thread hop less per unit of work on the hot path.
        options["pool_reset_on_return"] = None
    else:
        options.update(
            pool_pre_ping=True, pool_size=POSTGRES_POOL_SIZE, max_overflow=POSTGRES_POOL_OVERFLOW
        )
    engine = create_async_engine(parsed, **options)
    if is_sqlite:
        _configure_sqlite(engine, migrations=transactional_ddl)
        # aiosqlite logs every statement *with its parameters* at DEBUG; one is the token.
        _quiet(logging.getLogger("aiosqlite"))
    log.debug("opened %s engine", parsed.get_backend_name())
    return engine


def _quiet(logger: logging.Logger) -> None:
    if logger.level < logging.INFO:
        logger.setLevel(logging.INFO)


def _configure_sqlite(engine: AsyncEngine, *, migrations: bool) -> None:
    foreign_keys = "OFF" if migrations else "ON"

    @event.listens_for(engine.sync_engine, "connect")
    def _set_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA foreign_keys = {foreign_keys}")
        finally:
            cursor.close()
        if migrations:
            # Take BEGIN away from the driver; the "begin" hook below issues it instead.
            dbapi_connection.isolation_level = None

    if migrations:

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(connection: Connection) -> None:
            # IMMEDIATE: take the write lock first, so a concurrent migrator waits (busy
            # timeout) instead of failing on a stale read snapshot.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    else:

        @event.listens_for(engine.sync_engine, "reset")
        def _reset_if_needed(
            dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, state: PoolResetState
        ) -> None:
            # The pool's own reset would always call ROLLBACK, a round trip to aiosqlite's
            # thread even right after a COMMIT; SQLite knows whether a transaction is open.
            if state.terminate_only or not state.asyncio_safe:
                return
            driver = record.driver_connection
            if driver is None or getattr(driver, "in_transaction", True):
                dbapi_connection.rollback()


class QueuedSessionmaker(async_sessionmaker[AsyncSession]):
    """A sessionmaker whose units of work queue, in order and without a deadline, for a slot.

    There are no more slots than the engine has connections, so the pool itself never makes a
    unit of work wait (its wait would give up after 30 s).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, expire_on_commit=False)
        is_sqlite = engine.dialect.name == "sqlite"
        capacity = SQLITE_CONNECTIONS if is_sqlite else POSTGRES_POOL_SIZE + POSTGRES_POOL_OVERFLOW
        self.slots = asyncio.Semaphore(capacity)


def create_sessionmaker(engine: AsyncEngine) -> QueuedSessionmaker:
    """Return the sessionmaker: objects stay readable after commit (no implicit I/O)."""
    return QueuedSessionmaker(engine)


@asynccontextmanager
async def unit_of_work(sessionmaker: QueuedSessionmaker) -> AsyncIterator[AsyncSession]:
    """Open a session in a transaction: commit if the block succeeds, roll back if it raises.

    This is the only place that commits. Use one per task; never share the session between
    concurrently running tasks, and never open one inside another (with one SQLite connection,
    the inner one would wait for the outer forever).
    """
    async with sessionmaker.slots, sessionmaker() as session, session.begin():
        yield session
