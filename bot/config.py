"""Settings: one pydantic-settings object, built once at start-up (never at import time)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import __version__

PRODUCTION_API_URL = "https://mega-api-prod.nemovideo.ai"
PRODUCTION_WEB_URL = "https://nemovideo.com"


class Settings(BaseSettings):
    """Everything an operator can configure, read from the environment and ``.env``."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
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

    def resolved_database_url(self) -> str:
        """The database URL to use: ``DATABASE_URL`` or a SQLite file under ``DATA_DIR``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'beatthread.db').resolve()}"
