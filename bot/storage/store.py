"""The store ports of :mod:`bot.core.ports`, implemented over one sessionmaker.

:class:`SqlStore` hands the use cases a unit of work with every repository bound to its
session; :class:`SqlIdentityStore` keeps the backend identity so a restart reuses the client
id and token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import BackendIdentity
from bot.core.ports import (
    BotSettingStore,
    ChatTurnStore,
    ExportHistoryStore,
    ExportJobStore,
    IdentityStore,
    Store,
    StoreTransaction,
    ThreadStore,
    UploadStore,
    UserSettingsStore,
)
from bot.storage.db import QueuedSessionmaker, unit_of_work
from bot.storage.repositories import (
    BotSettingRepository,
    ChatTurnRepository,
    ExportHistoryRepository,
    ExportJobRepository,
    IdentityRepository,
    ThreadRepository,
    UploadRepository,
    UserSettingsRepository,
)

__all__ = ["SqlIdentityStore", "SqlStore", "SqlTransaction", "utc_now"]


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


class SqlTransaction:
    """One unit of work: the repositories, all bound to the same session.

    Implements :class:`bot.core.ports.StoreTransaction`.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.threads: ThreadStore = ThreadRepository(session)
        self.uploads: UploadStore = UploadRepository(session)
        self.turns: ChatTurnStore = ChatTurnRepository(session)
        self.exports: ExportJobStore = ExportJobRepository(session)
        self.settings: BotSettingStore = BotSettingRepository(session)
        self.user_settings: UserSettingsStore = UserSettingsRepository(session)
        self.history: ExportHistoryStore = ExportHistoryRepository(session)


class SqlStore:
    """Opens units of work on the database (implements :class:`bot.core.ports.Store`)."""

    def __init__(self, sessionmaker: QueuedSessionmaker) -> None:
        self._sessionmaker = sessionmaker

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlTransaction]:
        """Begin a unit of work; it commits when the block exits normally, else rolls back."""
        async with unit_of_work(self._sessionmaker) as session:
            yield SqlTransaction(session)


class SqlIdentityStore:
    """The backend identity in the database (implements :class:`bot.core.ports.IdentityStore`).

    The token is a secret: it is never logged, and neither this object nor the table row shows
    it in a ``repr``.
    """

    def __init__(
        self,
        sessionmaker: QueuedSessionmaker,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock

    async def load_identity(self) -> BackendIdentity | None:
        """Return the stored identity, or ``None`` before the first start."""
        async with unit_of_work(self._sessionmaker) as session:
            return await IdentityRepository(session).load()

    async def save_identity(self, identity: BackendIdentity) -> None:
        """Store ``identity``, replacing any earlier one."""
        async with unit_of_work(self._sessionmaker) as session:
            await IdentityRepository(session).save(identity, now=self._clock())


if TYPE_CHECKING:  # mypy proves the adapters fit the ports; nothing runs

    def _fits_the_ports(sessionmaker: QueuedSessionmaker, session: AsyncSession) -> None:
        store: Store = SqlStore(sessionmaker)
        identities: IdentityStore = SqlIdentityStore(sessionmaker)
        transaction: StoreTransaction = SqlTransaction(session)
        del store, identities, transaction
