"""Protocols the use cases need; adapters implement them, the composition root wires them.

* :class:`Store` (its transaction's ``threads``, ``uploads``, ``turns``, ``exports``,
  ``settings``, ``user_settings``, ``history``) and :class:`IdentityStore` —
  :mod:`bot.storage` (:mod:`.storage`);
* :class:`Backend` — :mod:`bot.backend`, NemoVideo or the local backend (:mod:`.backend`);
* :class:`Notifier` — where export news is shown, :mod:`bot.discord_app` and :mod:`bot.console`;
  :class:`ExportFollower` — the durable export poller, :mod:`bot.jobs.poller` (:mod:`.exports`);
* :class:`Telemetry` — counts, :mod:`bot.ops` (the ops adapter); :class:`Tally` in memory
  (:mod:`.telemetry`);
* :class:`Clock` — time, real or driven by tests (:mod:`.clock`).
"""

from bot.core.ports.backend import Backend
from bot.core.ports.clock import Clock
from bot.core.ports.exports import ExportFollower, Notifier
from bot.core.ports.storage import (
    BotSettingStore,
    ChatTurnStore,
    ExportHistoryStore,
    ExportJobStore,
    FinishedRender,
    IdentityStore,
    LeaseTerms,
    PolledJob,
    Store,
    StoreTransaction,
    ThreadStore,
    UploadStore,
    UserSettingsStore,
)
from bot.core.ports.telemetry import PollerEvent, Tally, Telemetry, UploadOutcome

__all__ = [
    "Backend",
    "BotSettingStore",
    "ChatTurnStore",
    "Clock",
    "ExportFollower",
    "ExportHistoryStore",
    "ExportJobStore",
    "FinishedRender",
    "IdentityStore",
    "LeaseTerms",
    "Notifier",
    "PolledJob",
    "PollerEvent",
    "Store",
    "StoreTransaction",
    "Tally",
    "Telemetry",
    "ThreadStore",
    "UploadOutcome",
    "UploadStore",
    "UserSettingsStore",
]
