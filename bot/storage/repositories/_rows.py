"""The tables as Core ``Table`` objects, and how their rows become core dataclasses.

Rows are unpacked by position: a row becomes a dataclass several times faster that way than
through ``row.<name>`` (the thread lookup and the export claim read rows on every message and
poll). Every query that builds a dataclass selects exactly the columns its reader names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from sqlalchemy import Column, Table

from bot.core.models import (
    ChatTurn,
    ChatTurnStatus,
    ExportJob,
    ExportOptions,
    ExportStatus,
    ThreadStatus,
    TrackThread,
    Upload,
    UploadStatus,
)
from bot.storage.tables import (
    BackendIdentityRow,
    BotSettingRow,
    ChatTurnRow,
    ExportJobRow,
    TrackThreadRow,
    UploadRow,
    UserSettingsRow,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

IDENTITY = cast(Table, BackendIdentityRow.__table__)
THREAD = cast(Table, TrackThreadRow.__table__)
UPLOAD = cast(Table, UploadRow.__table__)
TURN = cast(Table, ChatTurnRow.__table__)
JOB = cast(Table, ExportJobRow.__table__)
SETTING = cast(Table, BotSettingRow.__table__)
USER_SETTINGS = cast(Table, UserSettingsRow.__table__)

_ModelT = TypeVar("_ModelT", bound="DataclassInstance")


class RowReader(Generic[_ModelT]):
    """Reads a table's rows into a dataclass whose fields are its columns, with a ``status``.

    :attr:`columns` are the table's columns in the dataclass's field order; the status text
    becomes its enum by a dict look-up (calling an Enum class per row is measurably slow on
    10,000 rows).
    """

    def __init__(self, model: type[_ModelT], table: Table, statuses: Iterable[StrEnum]) -> None:
        names = [field.name for field in fields(model)]
        self.columns: tuple[Column[Any], ...] = tuple(table.c[name] for name in names)
        self._model = model
        self._status_at = names.index("status")
        self._statuses = {status.value: status for status in statuses}

    def __call__(self, row: Sequence[Any]) -> _ModelT:
        values = list(row)
        values[self._status_at] = self._statuses[values[self._status_at]]
        return self._model(*values)


read_thread = RowReader(TrackThread, THREAD, ThreadStatus)
read_upload = RowReader(Upload, UPLOAD, UploadStatus)
read_turn = RowReader(ChatTurn, TURN, ChatTurnStatus)

#: The export-job columns, in the order :func:`read_job` unpacks them (an export job's
#: options are two columns, so it has a reader of its own).
JOB_COLUMNS = (
    JOB.c.render_id,
    JOB.c.thread_id,
    JOB.c.requester_id,
    JOB.c.status,
    JOB.c.next_poll_at,
    JOB.c.created_at,
    JOB.c.updated_at,
    JOB.c.progress,
    JOB.c.attempts,
    JOB.c.output_url,
    JOB.c.error,
    JOB.c.lease_owner,
    JOB.c.lease_expires_at,
    JOB.c.status_message_id,
    JOB.c.posted_message_id,
    JOB.c.posted_at,
    JOB.c.output_format,
    JOB.c.output_resolution,
    JOB.c.length_ms,
)
_EXPORT_STATUS = {status.value: status for status in ExportStatus}


def read_job(row: Sequence[Any]) -> ExportJob:
    """The job in a row of :data:`JOB_COLUMNS`."""
    (
        render_id,
        thread_id,
        requester_id,
        status,
        next_poll_at,
        created_at,
        updated_at,
        progress,
        attempts,
        output_url,
        error,
        lease_owner,
        lease_expires_at,
        status_message_id,
        posted_message_id,
        posted_at,
        output_format,
        output_resolution,
        length_ms,
    ) = row
    return ExportJob(
        render_id=render_id,
        thread_id=thread_id,
        requester_id=requester_id,
        status=_EXPORT_STATUS[status],
        next_poll_at=next_poll_at,
        created_at=created_at,
        updated_at=updated_at,
        progress=progress,
        attempts=attempts,
        output_url=output_url,
        error=error,
        lease_owner=lease_owner,
        lease_expires_at=lease_expires_at,
        status_message_id=status_message_id,
        posted_message_id=posted_message_id,
        posted_at=posted_at,
        options=_options(output_format, output_resolution),
        length_ms=length_ms,
    )


def _options(output_format: str | None, resolution: str | None) -> ExportOptions | None:
    if output_format is None or resolution is None:
        return None
    return ExportOptions(output_format, resolution)
