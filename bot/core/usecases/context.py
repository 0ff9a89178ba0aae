"""What every use case works with: the ports, the timings, and the conversation at hand."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.core.backend_results import UploadSource
from bot.core.media import DEFAULT_MAX_BYTES
from bot.core.ports import Backend, Clock, Store, Tally, Telemetry
from bot.core.streaming import DISCORD_MESSAGE_LIMIT
from bot.core.usecases.remembered import RememberedSettings

#: Seconds from submitting a render to its first poll: renders take 30-90 s (§3.9), none sooner.
FIRST_POLL_SECONDS = 15.0
#: Contract §6 "Billing / top-up" link, for registered accounts that run out of credits.
DEFAULT_BILLING_URL = "https://nemovideo.com/dashboard/billing"


@dataclass(frozen=True, slots=True)
class Timings:
    """Every wait and limit of the use cases; the defaults are the contract's values.

    Tests shrink the waits; the rules stay the same.
    """

    #: "⏳ Still working…" after this many seconds without text (contract §4: every 2 min).
    still_working_every: float = 120.0
    #: After a dropped stream: wait, check state; repeat (§4: 30 s, then 60 s, 5 checks).
    recovery_waits: Sequence[float] = (30.0, 60.0, 60.0, 60.0, 60.0)
    #: A chat message waits this long for lines sent with it before its turn starts...
    burst_grace: float = 0.3
    #: ...and this long after its author begins typing again (lines meanwhile merge).
    burst_window: float = 2.0
    #: At most this many messages merge into one turn (a paste of many lines stays bounded).
    max_burst: int = 10
    #: The longest message a front end can show (Discord: 2,000 characters).
    message_limit: int = DISCORD_MESSAGE_LIMIT
    max_upload_bytes: int = DEFAULT_MAX_BYTES
    #: A new render is first polled this long after it was submitted (jittered).
    first_poll: float = FIRST_POLL_SECONDS
    billing_url: str = DEFAULT_BILLING_URL


class SystemClock:
    """The real clock (implements :class:`bot.core.ports.Clock`)."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep on the event loop."""
        await asyncio.sleep(max(0.0, seconds))


@dataclass(frozen=True, slots=True)
class Deps:
    """The ports and settings a use case needs; built once by the composition root."""

    backend: Backend
    store: Store
    clock: Clock
    timings: Timings
    telemetry: Telemetry = field(default_factory=Tally)
    #: Users' settings read or changed lately (owned by :mod:`.settings`).
    remembered_settings: RememberedSettings = field(default_factory=RememberedSettings)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the user attached: a re-openable byte stream, its size, and a URL if it has one.

    ``attachment_id`` (with the thread) keys the upload record, so each attachment is handled
    once per conversation. With a ``url`` (a Discord CDN link) the backend is asked to fetch
    the file itself first.
    """

    attachment_id: int
    source: UploadSource
    size: int
    url: str | None = None


class Conversation:
    """One conversation (a Discord thread or a terminal session) and what we keep in memory.

    The durable part (session ids, timeline snapshot) lives in the store under ``thread_id``;
    this object adds the files we could re-upload if the backend forgets the session (1002).
    """

    def __init__(self, thread_id: int, owner_id: int, language: str) -> None:
        self.thread_id = thread_id
        self.owner_id = owner_id
        self.language = language
        self._sources: list[UploadSource] = []

    @property
    def reupload_sources(self) -> tuple[UploadSource, ...]:
        """Uploaded files we can send again, oldest first."""
        return tuple(self._sources)

    def remember(self, source: UploadSource) -> None:
        """Keep ``source`` for re-uploading after a lost session."""
        self._sources.append(source)

    def __repr__(self) -> str:
        return f"Conversation(thread_id={self.thread_id}, language={self.language!r})"
