"""Background work: supervised tasks and the durable export poller.

* :mod:`.supervisor` - :class:`Supervisor`: named tasks, failures logged, optional restart,
  stopped last-started-first at shutdown.
* :mod:`.schedule` - when to poll a render next (pure): first poll at ~15 s, every ~10 s (or
  aimed at the completion estimate) until 2 min, then every 30 s; jitter; 429 and error
  back-off.
* :mod:`.tracking` - per-job memory between polls: progress throttle, stall clock, estimate.
* :mod:`.export_poller` - :class:`ExportPoller`: rehydrates unfinished jobs at start, claims
  due jobs under leases, polls, posts exactly once through :class:`bot.core.ports.Notifier`.

Like the use cases, this package depends on :mod:`bot.core` only (ports, models, errors); the
composition root hands it a store, a backend, a notifier and a clock.

Wiring (composition root)::

    poller = ExportPoller(store=store, backend=nemo, notifier=discord_notifier,
                          clock=SystemClock(), owner_id=process_owner_id(),
                          settings=PollerSettings(shard_ids=frozenset(bot.shard_ids),
                                                  shard_count=bot.shard_count))
    async with Supervisor() as tasks:
        tasks.spawn("export-poller", poller.run, stop=poller.stop, restart=True)
        ...                                       # run the bot; exports call poller.track(job)

Several processes on one PostgreSQL (the scale-out design)
-----------------------------------------------------------

*Leases keep polls apart.* A job is polled only by the process holding its lease
(``claim_due``: ``SELECT … FOR UPDATE SKIP LOCKED`` and a compare-and-set ``UPDATE``), renewed
while a poll or post runs and released with the next poll time. A process that dies stops
renewing; its leases expire after ``lease_for`` (60 s) and other processes claim the jobs.

*Shards split the jobs.* A process given its Discord shards (``PollerSettings.shard_ids`` and
``shard_count``) claims only exports of guilds on those shards: the claim joins the job's
thread and applies Discord's formula ``(guild_id >> 22) % shard_count``. So the process that
receives a guild's gateway events also edits its status messages and posts its videos, and
no coordination is needed to split the work.

*Takeover moves a dead shard's jobs.* A job left unpolled ``takeover_after`` (one lease
period) past its due time is claimed by any process, whatever its shard: its owner is gone
or stuck. The taker posts it itself; a Discord message is a REST call to a channel id, which
needs no gateway shard. When the owner comes back it simply claims its guilds' jobs again.

*Exactly once across processes.* Posting is claimed with ``completed → posting`` under the
lease, the post carries :func:`export_nonce` (same in every process), and a job found in
``posting`` is first looked up with ``Notifier.find_posted``. ``Notifier.handles(job)`` is
the front end's veto (e.g. its gateway is not ready yet): the job is handed back for
``handoff_after`` seconds and left for the next claim.
"""

from bot.jobs.export_poller import (
    ExportPoller,
    PollerFactory,
    PollerSettings,
    PollerStats,
    export_nonce,
    process_owner_id,
)
from bot.jobs.schedule import AdaptiveSchedule, FixedSchedule, Observation, PollSchedule
from bot.jobs.supervisor import Supervisor, TaskState
from bot.jobs.tracking import JobTrack

__all__ = [
    "AdaptiveSchedule",
    "ExportPoller",
    "FixedSchedule",
    "JobTrack",
    "Observation",
    "PollSchedule",
    "PollerFactory",
    "PollerSettings",
    "PollerStats",
    "Supervisor",
    "TaskState",
    "export_nonce",
    "process_owner_id",
]
