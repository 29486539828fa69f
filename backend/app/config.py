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
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    list_cache_bytes: int = Field(default=48 * 1024 * 1024, ge=0)
    list_cache_entries: int = Field(default=20_000, ge=0)
    db_statement_timeout_ms: int = Field(default=5000, ge=100, le=600_000)
    # List queries (filters, `_like` regexes, `q`) are cancelled after this and answered 400.
    db_list_timeout_ms: int = Field(default=3000, ge=1, le=600_000)
    data_dir: Path = BACKEND_DIR / ".data"
    seed_file: Path = PROJECT_DIR / "db.json"
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # json-server's delete cascade: after a DELETE, remove every record whose `<name>Id` points
    # to a record that no longer exists. Off: for medical records that is silent data loss.
    cascade_deletes: bool = False
    # Request bounds, checked before any work; beyond one, the answer is a JSON error.
    max_url_bytes: int = Field(default=8192, ge=256, le=65536)
    max_query_parameters: int = Field(default=100, ge=1, le=1000)
    max_sort_fields: int = Field(default=20, ge=1, le=200)
    max_embed_values: int = Field(default=20, ge=1, le=1000)
    max_path_depth: int = Field(default=16, ge=1, le=1000)
    # Python converts at most 4300 digits to an int (sys.get_int_max_str_digits()).
    max_number_digits: int = Field(default=1000, ge=20, le=4300)
    # Render Postgres allows 100 connections below 8 GB of RAM (legacy instance types: 97), and
    # PostgreSQL keeps 3 of them for superusers: 97 is what the service's own user can open.
    db_max_connections: int = Field(default=97, ge=1)
    docs_enabled: bool | None = None
    forwarded_allow_ips: str = "127.0.0.1,::1"
    graceful_shutdown_seconds: int = Field(default=25, ge=1, le=300)
    # The operator routes (/_history, /_audit) and their bearer token; open in development
    # when no token is set, refused at start-up in production.
    operator_routes: bool = True
    admin_token: SecretStr | None = None
    # The audit log: on unless turned off for a benchmark. Entries are buffered per worker and
    # written every AUDIT_FLUSH_SECONDS; whole months older than the retention are dropped.
    audit_log: bool = True
    audit_flush_seconds: float = Field(default=1.0, gt=0, le=60)
    audit_retention_days: int = Field(default=2190, ge=31)

    @field_validator("admin_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

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

    @property
    def serves_docs(self) -> bool:
        """/docs, /redoc and /openapi.json: on in development, in production only if asked."""
        return self.docs_enabled if self.docs_enabled is not None else not self.is_production

    def sqlalchemy_url(self) -> str:
        if self.database_url is None:
            raise ConfigError("DATABASE_URL is not set.")
        return self.database_url.get_secret_value()


def check_can_serve(settings: Settings) -> None:
    """Refuse to serve with settings that would fail later or expose the API; one sentence."""
    connections = settings.db_pool_size * settings.web_concurrency
    if connections > settings.db_max_connections:
        raise ConfigError(
            f"DB_POOL_SIZE ({settings.db_pool_size}) x WEB_CONCURRENCY "
            f"({settings.web_concurrency}) is {connections} database connections, more than "
            f"DB_MAX_CONNECTIONS ({settings.db_max_connections}) allows; lower DB_POOL_SIZE or "
            "WEB_CONCURRENCY."
        )
    if settings.is_production and settings.allows_any_origin:
        raise ConfigError(
            "CORS_ORIGINS must list the front end's origins (comma-separated) when "
            'ENVIRONMENT is production; "*" would let any website call the API.'
        )
    if settings.is_production and settings.operator_routes and settings.admin_token is None:
        raise ConfigError(
            "ADMIN_TOKEN must be set when ENVIRONMENT is production, because /_history and "
            "/_audit show and restore patient data (or set OPERATOR_ROUTES=false)."
        )


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
