"""Schema migrations from code: ``await upgrade(url)`` at start-up, in tests and in the CLI.

The Alembic scripts live in ``migrations/`` at the repository root; the build maps that folder
to the package ``bot.storage.migrations`` (``pyproject.toml``), so every install ships them and
they are found by import, editable or not. Each call opens its own short-lived engine (no
pool), runs Alembic on that connection inside ``run_sync`` (so it works from a running event
loop), commits, and disposes the engine.
The whole migration is one transaction, and concurrent migrators queue up (an advisory lock on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so several processes may all migrate at start-up.
On SQLite foreign keys are off while migrating (batch migrations copy tables), and
``PRAGMA foreign_key_check`` must come back clean before the commit.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import logging
import weakref
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, text
from sqlalchemy.engine import Connection

from bot.storage.db import create_engine, normalize_url

__all__ = [
    "MIGRATIONS_DIR",
    "MigrationError",
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "upgrade",
]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(str(importlib.resources.files("bot.storage.migrations")))
# Dated, readable file names: 2026_11_24_0001_initial.py (pass --rev-id 0002 and so on).
FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"
_LOCK_KEY = int.from_bytes(b"btmigrat")  # PostgreSQL advisory lock held while migrating
_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


class MigrationError(RuntimeError):
    """A migration left the database inconsistent (it was rolled back)."""


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic ``Config`` for our scripts; ``url`` is handed to the env, not to an ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("file_template", FILE_TEMPLATE)
    if url is not None:
        config.attributes["url"] = normalize_url(url).render_as_string(hide_password=False)
    return config


def head_revision() -> str | None:
    """The newest revision among the scripts (what ``upgrade()`` reaches)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(url: str | URL, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (default: the newest)."""
    log.info("migrating database up to %s", revision)
    await _run(url, lambda config: command.upgrade(config, revision))


async def downgrade(url: str | URL, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``"base"`` empties it)."""
    log.info("migrating database down to %s", revision)
    await _run(url, lambda config: command.downgrade(config, revision))


async def current_revision(url: str | URL) -> str | None:
    """The revision the database at ``url`` is at, or ``None`` if it was never migrated."""
    engine = create_engine(url, transactional_ddl=True)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


def _loop_lock() -> asyncio.Lock:
    # Alembic keeps its running environment in module globals, so two migrations interleaved
    # on one event loop (even of different databases) would trample each other.
    loop = asyncio.get_running_loop()
    lock = _LOCKS.get(loop)
    if lock is None:
        lock = _LOCKS[loop] = asyncio.Lock()
    return lock


async def _run(url: str | URL, action: Callable[[Config], None]) -> None:
    config = alembic_config(url)
    async with _loop_lock():
        engine = create_engine(url, transactional_ddl=True)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(_migrate, config, action)
        finally:
            await engine.dispose()


def _migrate(connection: Connection, config: Config, action: Callable[[Config], None]) -> None:
    if connection.dialect.name == "postgresql":
        # Several bot processes may start at once: one migrates, the others wait and then
        # find nothing to do. The lock ends with the transaction.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    config.attributes["connection"] = connection
    action(config)
    if connection.dialect.name == "sqlite":
        problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise MigrationError(f"foreign keys broken by the migration: {problems[:5]!r}")
