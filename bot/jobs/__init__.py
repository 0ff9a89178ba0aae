"""Background work: supervised tasks and the durable export poller.

* :mod:`.supervisor` - :class:`Supervisor`: named tasks, failures logged, optional restart,
  stopped last-started-first at shutdown.
* :mod:`.poller` - :class:`ExportPoller` (a package: loop and leases, per-job handling, posting).
* :mod:`.schedule` - when to poll a render next (pure): every ~10 s or aimed at the completion
  estimate until 2 min, then every 30 s; jitter; 429 and error back-off.
* :mod:`.tracking` - per-job memory between polls: progress throttle, stall clock, estimate.

Like the use cases, this package depends on :mod:`bot.core` only; the composition root
(:mod:`bot.services`) hands the poller the export owner, a notifier and its settings.
"""

from bot.jobs.poller import LEASE_SECONDS, ExportPoller, PollerFactory, PollerSettings
from bot.jobs.schedule import AdaptiveSchedule, FixedSchedule, Observation, PollSchedule
from bot.jobs.supervisor import Supervisor, TaskState
from bot.jobs.tracking import JobTrack

__all__ = [
    "LEASE_SECONDS",
    "AdaptiveSchedule",
    "ExportPoller",
    "FixedSchedule",
    "JobTrack",
    "Observation",
    "PollSchedule",
    "PollerFactory",
    "PollerSettings",
    "Supervisor",
    "TaskState",
]
