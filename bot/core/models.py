"""Frozen value objects that cross layer boundaries (backend ↔ storage ↔ front ends)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypedDict, TypeVar

_ItemT = TypeVar("_ItemT")


@dataclass(frozen=True, slots=True)
class BackendIdentity:
    """Who Beatthread is to NemoVideo: a stable client id and the token obtained with it.

    The token is a secret: it is excluded from ``repr`` so it never leaks into logs.
    """

    client_id: str
    token: str | None = field(default=None, repr=False)
    token_expires_at: datetime | None = None
    user_id: str | None = None


# --- What storage remembers -------------------------------------------------------------------
# Statuses are ``StrEnum``s so their values are the strings stored in the database and shown in
# logs; storage converts at its edge and never hands table rows to the other layers.


class ThreadStatus(StrEnum):
    """Where a track thread stands with its backend session."""

    ACTIVE = "active"
    SESSION_LOST = "session_lost"  # the backend forgot the session (1002); a new one is needed
    ARCHIVED = "archived"


class UploadStatus(StrEnum):
    """What became of one Discord attachment on its way to the backend."""

    PENDING = "pending"
    UPLOADED = "uploaded"
    REJECTED = "rejected"  # refused by our own checks (format, size, magic bytes)
    FAILED = "failed"  # the backend or the transfer failed


class ChatTurnStatus(StrEnum):
    """The life of one Discord message sent (at most once) to the backend."""

    QUEUED = "queued"
    STREAMING = "streaming"
    DONE = "done"
    INTERRUPTED = "interrupted"  # the process stopped before the turn finished

    @property
    def is_in_flight(self) -> bool:
        """Whether the turn was still waiting or running (lost if the process stops)."""
        return self in (ChatTurnStatus.QUEUED, ChatTurnStatus.STREAMING)


class ExportStatus(StrEnum):
    """An export (render) job, from submission to the posted video.

    ``completed`` means the backend has the video and nobody has posted it yet; ``posting`` is
    claimed by one poster (``completed → posting`` is the exactly-once claim); ``posted``,
    ``failed`` and ``cancelled`` are final.
    """

    SUBMITTED = "submitted"
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    POSTING = "posting"
    POSTED = "posted"
    CANCELLED = "cancelled"

    @property
    def is_finished(self) -> bool:
        """Whether the job needs no more polling or posting."""
        return self in _FINISHED_EXPORT_STATUSES


_FINISHED_EXPORT_STATUSES = frozenset(
    {ExportStatus.POSTED, ExportStatus.FAILED, ExportStatus.CANCELLED}
)


@dataclass(frozen=True, slots=True)
class Recorded(Generic[_ItemT]):
    """The result of an idempotent insert: the stored item and whether this call created it.

    ``created`` is ``False`` when the key was already known (for a chat turn: the message was
    already seen and must not be sent to the backend again).
    """

    item: _ItemT
    created: bool


@dataclass(frozen=True, slots=True)
class NewThread:
    """What is known of a thread when Beatthread first records it (``ThreadStore.add``).

    ``guild_id`` and ``parent_channel_id`` are 0 outside Discord (the console); the guild
    decides the thread's shard. A conversation needs ``language``; the store does not.
    """

    thread_id: int
    guild_id: int
    parent_channel_id: int
    owner_user_id: int
    task_id: str | None = None
    session_id: str | None = None
    title: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class TrackThread:
    """A Discord thread that Beatthread owns, and the backend session behind it."""

    thread_id: int
    guild_id: int
    parent_channel_id: int
    owner_user_id: int
    status: ThreadStatus
    created_at: datetime
    updated_at: datetime
    task_id: str | None = None
    session_id: str | None = None
    title: str | None = None
    language: str | None = None
    timeline_snapshot: str | None = field(default=None, repr=False)  # opaque, can be large


@dataclass(frozen=True, slots=True)
class Upload:
    """One Discord attachment and what happened to it."""

    attachment_id: int
    thread_id: int
    filename: str
    content_type: str | None
    size_bytes: int
    status: UploadStatus
    created_at: datetime
    updated_at: datetime
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class ChatTurn:
    """One Discord message forwarded to the backend (keyed by the message id)."""

    message_id: int
    thread_id: int
    author_id: int
    status: ChatTurnStatus
    created_at: datetime
    updated_at: datetime


#: The resolution a render is made at unless someone chose another (contract §3.8 ``output``).
DEFAULT_RESOLUTION = "1080p"
#: The resolutions an export may ask for, the default first; MP4 is the one format.
EXPORT_RESOLUTIONS = (DEFAULT_RESOLUTION, "720p")


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What to render: the container format and the resolution (contract §3.8 ``output``).

    Stored with the job, so a render made again after a failure keeps what the user chose.
    """

    format: str = "mp4"
    resolution: str = DEFAULT_RESOLUTION

    def output(self) -> dict[str, str]:
        """The render request's ``output`` object."""
        return {"format": self.format, "quality": "high", "resolution": self.resolution}


@dataclass(frozen=True, slots=True)
class ExportJob:
    """A render job with a client-chosen id, polled until its video is posted once."""

    render_id: str
    thread_id: int
    requester_id: int
    status: ExportStatus
    next_poll_at: datetime
    created_at: datetime
    updated_at: datetime
    progress: int = 0
    attempts: int = 0
    output_url: str | None = None
    error: str | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    status_message_id: int | None = None
    posted_message_id: int | None = None
    posted_at: datetime | None = None
    #: ``None``: the backend's default output (jobs recorded before options were stored).
    options: ExportOptions | None = None
    #: How long the video is (the timeline's length when submitted); ``None``: not known.
    length_ms: int | None = None


class ExportJobChanges(TypedDict, total=False):
    """Fields an export-job update may set alongside (or instead of) a status change."""

    progress: int
    attempts: int
    output_url: str | None
    error: str | None
    next_poll_at: datetime
    lease_owner: str | None
    lease_expires_at: datetime | None
    status_message_id: int | None
    posted_message_id: int | None
    posted_at: datetime | None


# --- A musician's own settings and past exports ---------------------------------------------


@dataclass(frozen=True, slots=True)
class UserSettings:
    """One user's ``/settings``; a user who never changed one has these defaults.

    ``resolution`` applies to an export that names none; ``dm_video``: also send the finished
    video by direct message; ``language``: the reply language they chose (a code of
    :data:`bot.core.language.REPLY_LANGUAGES`), ``None`` for automatic.
    """

    resolution: str = DEFAULT_RESOLUTION
    dm_video: bool = False
    language: str | None = None


class UserSettingsChanges(TypedDict, total=False):
    """The settings one change sets (the others keep their stored or default values)."""

    resolution: str
    dm_video: bool
    language: str | None


@dataclass(frozen=True, slots=True)
class PastExport:
    """A video a user exported, as ``/history`` lists it (newest first).

    ``length_ms`` is the timeline's length when it was rendered (``None``: not recorded, or
    unknown); ``posted_message_id`` the post of the video in its thread, once posted.
    """

    render_id: str
    thread_id: int
    guild_id: int
    created_at: datetime
    output_url: str
    length_ms: int | None = None
    posted_message_id: int | None = None
    resolution: str | None = None
