"""Storage adapter: SQLAlchemy 2 (async) over SQLite by default, PostgreSQL to scale out.

The composition root opens an engine and a sessionmaker, migrates, and wires the stores::

    engine = create_engine(settings.resolved_database_url())
    await upgrade(settings.resolved_database_url())
    store = SqlStore(create_sessionmaker(engine))
    ...
    await engine.dispose()

Tables (:mod:`bot.storage.tables`) never leave this package; everything it returns is a frozen
dataclass from :mod:`bot.core.models`.
"""

from bot.storage.db import create_engine, create_sessionmaker, normalize_url, unit_of_work
from bot.storage.migrate import current_revision, downgrade, head_revision, upgrade
from bot.storage.repositories import (
    ChatTurnRepository,
    ExportJobRepository,
    IdentityRepository,
    ThreadRepository,
    UploadRepository,
)
from bot.storage.store import SqlIdentityStore, SqlStore, SqlTransaction, utc_now

__all__ = [
    "ChatTurnRepository",
    "ExportJobRepository",
    "IdentityRepository",
    "SqlIdentityStore",
    "SqlStore",
    "SqlTransaction",
    "ThreadRepository",
    "UploadRepository",
    "create_engine",
    "create_sessionmaker",
    "current_revision",
    "downgrade",
    "head_revision",
    "normalize_url",
    "unit_of_work",
    "upgrade",
    "utc_now",
]
