"""Values the NemoVideo backend port returns, in domain form (no wire shapes leak past here)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class BackendSession:
    """A backend project (task) and its chat session."""

    task_id: str
    session_id: str
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Credits:
    """Credit balance: ``available`` now, ``frozen`` by running work, ``total`` of both."""

    available: int
    frozen: int
    total: int


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """One file the backend accepted into a session."""

    filename: str
    file_type: str
    cdn_url: str | None = None
    duration: float | None = None


@dataclass(frozen=True, slots=True)
class MusicAnalysis:
    """The music as the video plays it, when the backend knows its beats (the local studio).

    Times are seconds on the video's clock (0 = its first frame; the backend has applied the
    part of the track used); ``duration_s`` is how long the music plays; ``energy`` a 0..1
    loudness curve, one value every ``energy_hop_s`` seconds.
    """

    tempo_bpm: float
    duration_s: float
    beats_s: tuple[float, ...]
    downbeats_s: tuple[float, ...]
    energy: tuple[float, ...] = ()
    energy_hop_s: float = 0.1


@dataclass(frozen=True, slots=True)
class SessionState:
    """The session's state; ``draft`` is the raw compact timeline for ``core.timeline``.

    ``music`` is the music's beat analysis when the backend sent one; NemoVideo sends none.
    """

    draft: Mapping[str, Any]
    music: MusicAnalysis | None = None


class RenderStage(StrEnum):
    """Render lifecycle as the contract names it, plus ``cancelled`` for our own cancels."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """Whether polling can stop."""
        return self in (RenderStage.COMPLETED, RenderStage.FAILED, RenderStage.CANCELLED)


@dataclass(frozen=True, slots=True)
class RenderStatus:
    """One poll result, whichever of the two documented shapes the backend used."""

    render_id: str
    stage: RenderStage
    progress: int = 0
    output_url: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class UploadSource:
    """A file to upload as a stream; ``open`` returns a fresh byte stream on every call.

    A fresh stream per call lets the client repeat an upload after re-authenticating without
    ever holding the file in memory.
    """

    filename: str
    open: Callable[[], AsyncIterator[bytes]]
    size: int | None = None
    content_type: str | None = None


#: How much of a local file is read at a time (off the event loop).
READ_CHUNK_BYTES = 1 << 20


def file_source(path: Path, *, content_type: str | None = None) -> UploadSource:
    """A local file as a re-openable stream, read in 1 MiB chunks on a worker thread."""

    async def open_stream() -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, READ_CHUNK_BYTES):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    return UploadSource(
        filename=path.name, open=open_stream, size=path.stat().st_size, content_type=content_type
    )


@dataclass(frozen=True, slots=True)
class AgentText:
    """Text the agent wrote (a delta to append)."""

    text: str


@dataclass(frozen=True, slots=True)
class AgentToolCall:
    """The agent started a tool; shown to nobody, useful for logs and 'still working'."""

    name: str


@dataclass(frozen=True, slots=True)
class AgentToolResult:
    """A tool finished."""

    name: str


@dataclass(frozen=True, slots=True)
class AgentHeartbeat:
    """Keep-alive during long work; not a disconnect."""


@dataclass(frozen=True, slots=True)
class AgentFailure:
    """The agent reported an error inside the stream (the turn failed)."""

    message: str


AgentEvent = AgentText | AgentToolCall | AgentToolResult | AgentHeartbeat | AgentFailure
