"""Settings from the environment (and an optional backend/.env), checked once at start-up."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

BACKEND_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BACKEND_DIR.parent

_DRIVER_PREFIXES = ("postgresql+psycopg://", "postgresql://", "postgres://")
ANY_ORIGIN = "*"


class ConfigError(Exception):
    """A setting is wrong; the message is one sentence a person can act on."""


def normalize_database_url(url: str) -> str:
    """Accept the three spellings of a PostgreSQL URL and return the psycopg 3 one."""
    for prefix in _DRIVER_PREFIXES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(
        "DATABASE_URL must start with postgres://, postgresql:// or postgresql+psycopg://"
    )


class Settings(BaseSettings):
    """Every setting the service reads, with its default."""

    model_config = SettingsConfigDict(
        env_file=BACKEND_DIR / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=1, le=65535)
    cors_origins: Annotated[tuple[str, ...], NoDecode] = (ANY_ORIGIN,)
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    environment: Literal["development", "production"] = "development"
    web_concurrency: int = Field(default=1, ge=1, le=64)
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_statement_timeout_ms: int = Field(default=5000, ge=100, le=600_000)
    data_dir: Path = BACKEND_DIR / ".data"
    seed_file: Path = PROJECT_DIR / "db.json"
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    @field_validator("database_url", mode="before")
    @classmethod
    def _normalize_url(cls, value: object) -> object:
        if isinstance(value, str):
            return normalize_database_url(value.strip()) if value.strip() else None
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            origins = tuple(part.strip().rstrip("/") for part in value.split(",") if part.strip())
            return origins or (ANY_ORIGIN,)
        return value

    @field_validator("log_level", "environment", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def allows_any_origin(self) -> bool:
        return ANY_ORIGIN in self.cors_origins

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def sqlalchemy_url(self) -> str:
        if self.database_url is None:
            raise ConfigError("DATABASE_URL is not set.")
        return self.database_url.get_secret_value()


def describe_validation_error(error: ValidationError) -> str:
    """One sentence naming the first bad setting and why, without echoing secret values."""
    first = error.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "a setting"
    reason = str(first["msg"]).removeprefix("Value error, ")
    return f"Configuration error: {name} is invalid ({reason})."


def load_settings() -> Settings:
    """Read the settings, turning a validation failure into a ConfigError with one sentence."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
