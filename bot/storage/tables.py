"""The tables: SQLAlchemy ``Mapped[]`` classes that never leave ``bot.storage``.

Conventions (the same on SQLite and PostgreSQL):

* Discord ids are 64-bit integers (``BigInteger``) and are the primary keys where they exist
  (thread, attachment, message): the thread → session lookup is a primary-key read.
* Every time is a timezone-aware UTC ``datetime`` (:class:`UTCDateTime`); SQLite stores naive
  UTC text, PostgreSQL ``timestamptz``.
* Statuses are short strings checked by a named ``CHECK`` constraint; the values are the
  ``StrEnum`` values in :mod:`bot.core.models`.
* Every constraint and index has a name from :data:`NAMING_CONVENTION`, because SQLite's batch
  migrations can only drop what has a name.
* A column with ``info={"secret": True}`` never appears in a ``repr``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.core.models import ChatTurnStatus, ExportStatus, ThreadStatus, UploadStatus

__all__ = [
    "NAMING_CONVENTION",
    "BackendIdentityRow",
    "Base",
    "BotSettingRow",
    "ChatTurnRow",
    "ExportJobRow",
    "TrackThreadRow",
    "UTCDateTime",
    "UploadRow",
    "UserSettingsRow",
]

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

IDENTITY_SLOT = 1  # the single backend-identity row


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, always UTC on the way in and on the way out.

    Naive datetimes are refused rather than guessed at; SQLite hands back naive text, which is
    UTC by construction and gets its ``tzinfo`` back here.

    On SQLite each direction is one function instead of this type's step plus the dialect's
    (which formats through a dict): every poll of the export poller binds and reads several
    timestamps, and the two-step version was a tenth of its CPU. The text is the dialect's own
    storage format (``2026-11-24 12:00:00.000000``), so old and new rows compare alike.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive times; store UTC (naive on SQLite, where text compares as time)."""
        if value is None:
            return None
        value = _utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime whatever the database handed back."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], Any] | None:
        """On SQLite, aware time → the dialect's UTC text in one step; elsewhere the default."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_text

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        """On SQLite, UTC text → aware time in one step; elsewhere the default."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_time


def _utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive time is refused."""
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware time (UTC)")
    return value.astimezone(UTC)


def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    # SQLite DATETIME's storage format is isoformat's with microseconds, less the "+00:00".
    return _utc(value).isoformat(" ", "microseconds")[:-6]


def _sqlite_time(value: str | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:  # parsing with the offset is several times faster than .replace(tzinfo=UTC)
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:  # text that names its own offset
            value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _status_check(values: Iterable[str]) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"status IN ({allowed})", name="status")


class Base(DeclarativeBase):
    """Declarative base: named constraints, UTC timestamps, secret-free ``repr``."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}

    def __repr__(self) -> str:
        mapper = inspect(type(self))
        shown = ", ".join(
            f"{column.key}={getattr(self, column.key, None)!r}"
            for column in mapper.columns
            if not column.info.get("secret", False)
        )
        return f"{type(self).__name__}({shown})"


class BackendIdentityRow(Base):
    """The backend identity (one row): client id, token, and the anonymous user it maps to."""

    __tablename__ = "backend_identity"
    __table_args__ = (CheckConstraint(f"id = {IDENTITY_SLOT}", name="single_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    client_id: Mapped[str] = mapped_column(String)
    token: Mapped[str | None] = mapped_column(Text, info={"secret": True})
    token_expires_at: Mapped[datetime | None]
    user_id: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TrackThreadRow(Base):
    """A Discord thread Beatthread owns and the backend task/session behind it."""

    __tablename__ = "track_thread"
    __table_args__ = (
        _status_check(ThreadStatus),
        Index("ix_track_thread_guild_id", "guild_id"),
        # A user's reply language, changed in /settings, reaches all of their threads.
        Index("ix_track_thread_owner_user_id", "owner_user_id"),
    )

    thread_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    parent_channel_id: Mapped[int] = mapped_column(BigInteger)
    owner_user_id: Mapped[int] = mapped_column(BigInteger)
    task_id: Mapped[str | None] = mapped_column(String)
    session_id: Mapped[str | None] = mapped_column(String)
    title: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    timeline_snapshot: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class UploadRow(Base):
    """A Discord attachment on its way to a thread's backend session (once per thread)."""

    __tablename__ = "upload"
    __table_args__ = (_status_check(UploadStatus),)

    thread_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("track_thread.thread_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    attachment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ChatTurnRow(Base):
    """A Discord message sent to the backend; the primary key makes "at most once" hold."""

    __tablename__ = "chat_turn"
    __table_args__ = (
        _status_check(ChatTurnStatus),
        Index("ix_chat_turn_thread_id", "thread_id"),
        Index("ix_chat_turn_status", "status"),
    )

    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    thread_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("track_thread.thread_id", ondelete="CASCADE")
    )
    author_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ExportJobRow(Base):
    """A render job: polled on a schedule under a lease, posted exactly once."""

    __tablename__ = "export_job"
    __table_args__ = (
        _status_check(ExportStatus),
        # Start-up load and claiming: unfinished statuses, ordered by next poll time.
        Index("ix_export_job_status_next_poll_at", "status", "next_poll_at"),
        Index("ix_export_job_lease_owner", "lease_owner"),
        Index("ix_export_job_thread_id", "thread_id"),
        # /history: a requester's jobs, newest first.
        Index("ix_export_job_requester_id_created_at", "requester_id", "created_at"),
    )

    render_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("track_thread.thread_id", ondelete="CASCADE")
    )
    requester_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer)
    output_url: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    next_poll_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None]
    status_message_id: Mapped[int | None] = mapped_column(BigInteger)
    posted_message_id: Mapped[int | None] = mapped_column(BigInteger)
    posted_at: Mapped[datetime | None]
    # What the user chose (contract §3.8 ``output``); NULL: the backend's default.
    output_format: Mapped[str | None] = mapped_column(String(16))
    output_resolution: Mapped[str | None] = mapped_column(String(16))
    # How long the video is (the timeline's length when submitted); NULL: not known.
    length_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BotSettingRow(Base):
    """A fact of this deployment, by key (e.g. the fingerprint of the synced command tree)."""

    __tablename__ = "bot_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class UserSettingsRow(Base):
    """One user's own settings (``/settings``); no row: the defaults."""

    __tablename__ = "user_settings"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    resolution: Mapped[str] = mapped_column(String(16))
    dm_video: Mapped[bool] = mapped_column(Boolean)
    # NULL: automatic (the client's locale, the server's, the first message's script).
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
