"""Uploads, keyed by (thread, Discord attachment id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, update

from bot.core.models import Recorded, Upload, UploadStatus
from bot.storage.repositories._common import Repository, changed_one, first, insert_once, stored
from bot.storage.repositories._rows import UPLOAD, read_upload


class UploadRepository(Repository):
    """Uploads, once per (thread, attachment) (implements :class:`bot.core.ports.UploadStore`)."""

    async def record(
        self,
        *,
        thread_id: int,
        attachment_id: int,
        filename: str,
        content_type: str | None,
        size_bytes: int,
        now: datetime,
    ) -> Recorded[Upload]:
        """``INSERT … ON CONFLICT DO NOTHING`` on (thread, attachment), then a read-back."""
        created = await insert_once(
            self._session,
            UPLOAD.c.thread_id,
            UPLOAD.c.attachment_id,
            thread_id=thread_id,
            attachment_id=attachment_id,
            filename=filename,
            content_type=content_type,
            size_bytes=size_bytes,
            status=UploadStatus.PENDING.value,
            created_at=now,
            updated_at=now,
        )
        key = (thread_id, attachment_id)
        return Recorded(stored(await self.get(thread_id, attachment_id), key), created)

    async def get(self, thread_id: int, attachment_id: int) -> Upload | None:
        """A primary-key read."""
        query = select(*read_upload.columns).where(_key(thread_id, attachment_id))
        return await first(self._session, query, read_upload)

    async def set_status(
        self,
        thread_id: int,
        attachment_id: int,
        status: UploadStatus,
        *,
        now: datetime,
        error_code: str | None = None,
    ) -> bool:
        """One ``UPDATE`` by primary key (the error code is replaced, ``None`` clears it)."""
        statement = (
            update(UPLOAD)
            .where(_key(thread_id, attachment_id))
            .values(status=status.value, error_code=error_code, updated_at=now)
        )
        return await changed_one(self._session, statement)

    async def list_for_thread(self, thread_id: int) -> list[Upload]:
        """One query, by creation time then attachment id."""
        result = await self._session.execute(
            select(*read_upload.columns)
            .where(UPLOAD.c.thread_id == thread_id)
            .order_by(UPLOAD.c.created_at, UPLOAD.c.attachment_id)
        )
        return [read_upload(row) for row in result]


def _key(thread_id: int, attachment_id: int) -> ColumnElement[bool]:
    return and_(UPLOAD.c.thread_id == thread_id, UPLOAD.c.attachment_id == attachment_id)
