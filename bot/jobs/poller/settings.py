"""The poller's knobs; the defaults are the production values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["LEASE_SECONDS", "PollerSettings"]

#: How long an export lease lasts unrenewed: a dead process's jobs move to others after it.
LEASE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class PollerSettings:
    """Knobs of :class:`~bot.jobs.poller.ExportPoller`.

    ``shard_ids``/``shard_count``: this process polls the jobs of guilds on its Discord
    shards, plus any job left unpolled ``takeover_after`` past its due time (its owner is
    gone); ``None`` polls every job (one process, or no sharding).
    """

    #: Most jobs claimed by one statement, and held by this process at once.
    batch_size: int = 200
    #: Look in the database for new jobs and jobs left by others at least this often.
    scan_every: float = 5.0
    #: Wait at least this long between claims, so due jobs are claimed in batches.
    coalesce: float = 0.2
    progress_every: float = 10.0
    progress_step: int = 5
    stall_after: float = 600.0
    abandon_after: float = 6 * 3600.0
    #: Renders per export: the first, plus one after a failure (contract §6).
    max_renders: int = 2
    #: Failed posts of one video (this process's life) before it is reported failed.
    max_post_failures: int = 5
    #: When the notifier cannot post for a job, look at it again after this long.
    handoff_after: float = 5.0
    stop_timeout: float = 10.0
    shard_ids: frozenset[int] | None = None
    shard_count: int = 1
    #: One lease period by default.
    takeover_after: timedelta | None = timedelta(seconds=LEASE_SECONDS)
