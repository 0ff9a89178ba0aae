"""Settings: one pydantic-settings object, built once at start-up (never at import time)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot import __version__
from bot.core.usecases.context import FIRST_POLL_SECONDS
from bot.jobs.poller.settings import LEASE_SECONDS

PRODUCTION_API_URL = "https://mega-api-prod.nemovideo.ai"
PRODUCTION_WEB_URL = "https://nemovideo.com"
#: discord.py's own defaults (``discord.http.Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``).
DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"


class Settings(BaseSettings):
    """Everything an operator can configure, read from the environment and ``.env``."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # `VAR=` (.env.example, compose's `${VAR:-}`) means the default
        extra="ignore",
        frozen=True,
    )

    nemo_api_url: str = Field(default=PRODUCTION_API_URL, description="NemoVideo API base URL.")
    nemo_token: SecretStr | None = Field(
        default=None, description="NemoVideo Bearer token; unset means an anonymous token."
    )
    nemo_client_id: str | None = Field(
        default=None, description="X-Client-Id for anonymous tokens; unset means generated+stored."
    )
    nemo_web_url: str = Field(
        default=PRODUCTION_WEB_URL, description="NemoVideo web app (project and register links)."
    )
    local_backend_public_url: str | None = Field(
        default=None,
        description="`beatthread local-backend`: base URL people can open for render links.",
    )
    nemo_skill_name: str = Field(default="beatthread", description="X-Skill-Source header value.")
    nemo_skill_version: str = Field(
        default=__version__, description="X-Skill-Version header value."
    )
    skill_source: str = Field(default="discord", description="X-Skill-Platform header value.")
    data_dir: Path = Field(default=Path("data"), description="Where the SQLite file lives.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset means SQLite in DATA_DIR."
    )
    log_level: str = Field(default="INFO", description="Root log level.")
    log_format: Literal["text", "json"] = Field(
        default="text", description="`text`: one readable line per event; `json`: one JSON object."
    )

    discord_token: SecretStr | None = Field(
        default=None, description="Discord bot token; required by `beatthread run`."
    )
    discord_api_base: str = Field(
        default=DISCORD_API_BASE, description="Discord REST API base (a compatible server's)."
    )
    discord_gateway_url: str = Field(
        default=DISCORD_GATEWAY_URL, description="Discord gateway WebSocket URL."
    )
    watch_channel_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated channel ids where a posted track opens a thread; empty: none.",
    )
    max_exports_per_user: int = Field(
        default=2, ge=1, description="Exports one user may have rendering at the same time."
    )
    max_queued_turns_per_user: int = Field(
        default=10, ge=1, description="Messages one user may have waiting in the queues at once."
    )

    shard_count: int | None = Field(
        default=None,
        ge=1,
        description="Total Discord shards across all processes; unset: automatic.",
    )
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = Field(
        default=None,
        description="Comma-separated shard ids this process runs (needs SHARD_COUNT); unset: all.",
    )
    instance_id: str | None = Field(
        default=None,
        description="Stable name of this process for export leases; unset: host name + shard ids.",
    )
    ops_host: str = Field(
        default="127.0.0.1", description="Address of the /healthz and /metrics side server."
    )
    ops_port: int = Field(
        default=8080, ge=0, le=65535, description="Port of the side server; 0: any free port."
    )
    export_first_poll: float = Field(
        default=FIRST_POLL_SECONDS,
        gt=0,
        description="Seconds before a new render is first polled (renders take 30-90 s).",
    )
    export_lease_seconds: float = Field(
        default=LEASE_SECONDS,
        gt=0,
        description="Seconds an export lease lasts unrenewed: a dead process's jobs move then.",
    )
    export_takeover_seconds: float = Field(
        default=LEASE_SECONDS,
        ge=0,
        description="Seconds a job may sit unpolled past due before a process of another "
        "shard takes it over.",
    )
    shutdown_grace: float = Field(
        default=20.0, ge=0, description="Seconds running turns may take to finish on SIGTERM."
    )

    @field_validator("watch_channel_ids", "shard_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any, info: ValidationInfo) -> Any:
        """``"1, 2,3"`` → ``(1, 2, 3)``; an empty string is no channel, or unset shard ids."""
        if isinstance(value, str):
            ids = tuple(int(part) for part in value.replace(" ", "").split(",") if part)
            return None if not ids and info.field_name == "shard_ids" else ids
        return value

    @model_validator(mode="after")
    def _check_shards(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT (the total across all processes)")
            wrong = [shard for shard in self.shard_ids if not 0 <= shard < self.shard_count]
            if wrong or not self.shard_ids:
                raise ValueError(f"SHARD_IDS must be between 0 and {self.shard_count - 1}")
        return self

    def resolved_database_url(self) -> str:
        """The database URL to use: ``DATABASE_URL`` or a SQLite file under ``DATA_DIR``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'beatthread.db').resolve()}"

    def lease_owner(self, host: str) -> str:
        """The export-lease owner id of this process: the same after a restart (rules above)."""
        if self.instance_id:
            return self.instance_id
        shards = "all" if self.shard_ids is None else "-".join(map(str, self.shard_ids))
        return f"beatthread:{host}:shards-{shards}"
