"""The durable export poller: follows every unfinished render to its one post.

Durable state is the ``export_job`` table, changed only through
:class:`~bot.core.usecases.exports.ExportJobs`; this process keeps a due-queue and per-job
memory, rebuilt from the table at start. Files by job:

* :mod:`.loop` - :class:`ExportPoller`: claims under leases, batches, write-back, shutdown;
* :mod:`.handling` - one claimed job: poll, progress, stall, failure, the one re-render;
* :mod:`.posting` - finished videos claimed and posted exactly once;
* :mod:`.queue`, :mod:`.outcomes`, :mod:`.settings` - the parts they share.

Several processes on one PostgreSQL: leases keep polls apart (``FOR UPDATE SKIP LOCKED``, a
lease renewed while a poll runs, expired after ``lease_for`` when its process dies); a process
given its Discord shards claims only its guilds' jobs, plus any job left unpolled
``takeover_after`` past due; posting is claimed ``completed → posting`` under the lease and the
notifier's post is findable by its render id, so a video is posted once across processes.
"""

from bot.jobs.poller.loop import ExportPoller, PollerFactory
from bot.jobs.poller.settings import LEASE_SECONDS, PollerSettings

__all__ = ["LEASE_SECONDS", "ExportPoller", "PollerFactory", "PollerSettings"]
