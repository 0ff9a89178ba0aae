"""A user's export history (``/history``): their finished videos, a page at a time.

Pages are numbered from 1 and hold :data:`HISTORY_PAGE_SIZE` videos, newest first; a page
beyond the last (the history shrank, or an old button) shows the last one. A video's length
is the timeline's at submission (``Timeline.length_ms``, recorded by
:class:`~bot.core.usecases.exports.ExportJobs`): the render plays the timeline it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.models import PastExport
from bot.core.usecases.context import Deps

__all__ = ["HISTORY_PAGE_SIZE", "HistoryPage", "history_page"]

#: Videos per page of ``/history``.
HISTORY_PAGE_SIZE = 5


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of a user's videos: ``page`` of ``pages`` (1-based), ``total`` videos in all."""

    videos: tuple[PastExport, ...]
    page: int
    pages: int
    total: int

    @property
    def first_number(self) -> int:
        """The number of the page's first video in the whole history (the newest is 1)."""
        return (self.page - 1) * HISTORY_PAGE_SIZE + 1

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.page < self.pages


async def history_page(deps: Deps, requester_id: int, page: int = 1) -> HistoryPage:
    """Page ``page`` of ``requester_id``'s videos (clamped to the pages there are)."""
    async with deps.store.transaction() as tx:
        total = await tx.history.count(requester_id)
        pages = max(1, -(-total // HISTORY_PAGE_SIZE))
        page = min(max(page, 1), pages)
        offset = (page - 1) * HISTORY_PAGE_SIZE
        videos = await tx.history.page(requester_id, offset=offset, limit=HISTORY_PAGE_SIZE)
    return HistoryPage(tuple(videos), page, pages, total)
