"""Pydantic wire models of the NemoVideo replies; they never leave ``bot/backend``.

Validation is lenient on purpose (contract §12 lists many open shape questions): unknown
fields are ignored, and optional fields the docs only show sometimes default to ``None``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AnonymousTokenData(_Wire):
    """``data`` of ``POST /api/auth/anonymous-token`` (§3.1)."""

    token: str = Field(repr=False)
    user_id: str | None = None
    expires_at: datetime | None = None
    credits: int | None = None


class SessionData(_Wire):
    """``data`` of ``POST /api/tasks/me/with-session/nemo_agent`` (§3.2)."""

    task_id: str
    session_id: str
    user_id: str | None = None

    @field_validator("task_id", "session_id", mode="before")
    @classmethod
    def _ids_as_text(cls, value: Any) -> Any:
        # The example session id is a 19-digit number; a JSON number would lose precision.
        return str(value) if isinstance(value, int) else value


class ClaimTokenData(_Wire):
    """``data`` of ``POST /api/auth/claim-token`` (§3.3)."""

    claim_token: str = Field(repr=False)
    expires_in: int | None = None


class CreditsData(_Wire):
    """``data`` of ``GET /api/credits/balance/simple`` (§3.6)."""

    available: int = 0
    frozen: int = 0
    total: int | None = None


class UploadedFileData(_Wire):
    """One entry of ``data.files`` of an upload (§3.5)."""

    filename: str = ""
    file_type: str = ""
    cdn_url: str | None = None
    duration: float | None = None


class UploadData(_Wire):
    """``data`` of ``POST /api/upload-video/nemo_agent/me/{session_id}`` (§3.5)."""

    files: list[UploadedFileData] = Field(default_factory=list)
    session_state_applied: bool | None = None


class MusicAnalysisData(_Wire):
    """``state.video_analyses.music`` of §3.7 as the local studio sends it (NemoVideo: absent)."""

    tempo_bpm: float = Field(gt=0)
    duration_s: float = Field(gt=0)
    beats_s: tuple[float, ...]
    downbeats_s: tuple[float, ...] = ()
    energy: tuple[float, ...] = ()
    energy_hop_s: float = Field(default=0.1, gt=0)
