"""Repositories: the queries, over a session someone else opened and will commit.

Each repository implements one store Protocol from :mod:`bot.core.ports` (where the contract
is written) and returns the frozen dataclasses of :mod:`bot.core.models`; table rows never
leave this package. Every write that can race with another task or process is one atomic
statement whose ``WHERE`` clause re-checks the condition (idempotent ``INSERT … ON CONFLICT DO
NOTHING``, compare-and-set ``UPDATE``), and its row count says who won.

The statements are SQLAlchemy Core over the mapped tables: rows are read straight into the
dataclasses, so there is no identity map to go stale after a bulk ``UPDATE`` and no ORM
bookkeeping on the hot paths (the thread lookup, the start-up load of export jobs).

One module per repository; ``_rows`` turns rows into dataclasses, ``_common`` holds the base
class and the statement helpers they share.
"""

from bot.storage.repositories.exports import UNFINISHED_EXPORT_STATUSES, ExportJobRepository
from bot.storage.repositories.history import ExportHistoryRepository
from bot.storage.repositories.identity import IdentityRepository
from bot.storage.repositories.settings import BotSettingRepository
from bot.storage.repositories.threads import ThreadRepository
from bot.storage.repositories.turns import ChatTurnRepository
from bot.storage.repositories.uploads import UploadRepository
from bot.storage.repositories.user_settings import UserSettingsRepository

__all__ = [
    "UNFINISHED_EXPORT_STATUSES",
    "BotSettingRepository",
    "ChatTurnRepository",
    "ExportHistoryRepository",
    "ExportJobRepository",
    "IdentityRepository",
    "ThreadRepository",
    "UploadRepository",
    "UserSettingsRepository",
]
