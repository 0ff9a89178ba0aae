"""A user's finished videos, newest first (``/history``): a read of the export jobs.

A video is an export job with an output URL (``completed``, ``posting`` or ``posted``): a
render that failed and was made again under a new id left no video, so it is not listed twice.
Both queries walk the (requester, created) index; the thread's guild comes along by its key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, bindparam, func, select

from bot.core.models import PastExport
from bot.storage.repositories._common import Repository
from bot.storage.repositories._rows import JOB, THREAD

_VIDEOS = (JOB.c.requester_id == bindparam("b_requester_id"), JOB.c.output_url.is_not(None))

# Built once; parameters are named b_*.
_COUNT = select(func.count()).select_from(JOB).where(*_VIDEOS)
_PAGE = (
    select(
        JOB.c.render_id,
        JOB.c.thread_id,
        THREAD.c.guild_id,
        JOB.c.created_at,
        JOB.c.output_url,
        JOB.c.length_ms,
        JOB.c.posted_message_id,
        JOB.c.output_resolution,
    )
    .join(THREAD, THREAD.c.thread_id == JOB.c.thread_id)
    .where(*_VIDEOS)
    .order_by(JOB.c.created_at.desc(), JOB.c.render_id.desc())
    .limit(bindparam("b_limit", type_=Integer))
    .offset(bindparam("b_offset", type_=Integer))
)


def _read(row: Sequence[Any]) -> PastExport:
    return PastExport(*row)


class ExportHistoryRepository(Repository):
    """Users' finished videos (implements :class:`bot.core.ports.ExportHistoryStore`)."""

    async def count(self, requester_id: int) -> int:
        """One ``COUNT`` on the requester's index range."""
        result = await self._session.execute(_COUNT, {"b_requester_id": requester_id})
        return int(result.scalar_one())

    async def page(self, requester_id: int, *, offset: int, limit: int) -> list[PastExport]:
        """One ordered query, ``LIMIT``/``OFFSET`` (a history is a few pages, not thousands)."""
        if offset < 0 or limit < 1:
            raise ValueError("offset must be at least 0 and limit at least 1")
        params = {"b_requester_id": requester_id, "b_offset": offset, "b_limit": limit}
        result = await self._session.execute(_PAGE, params)
        return [_read(row) for row in result]
