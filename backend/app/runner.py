"""`make run`: resolve the database (embedded when DATABASE_URL is unset), migrate, load
db.json into an empty database, then serve with uvicorn."""

import asyncio
import logging
import os
import sys
from typing import Any

import uvicorn

from app.config import ConfigError, Settings, load_settings
from app.embedded import start_embedded_postgres
from app.logging_config import configure_logging
from app.migrate import upgrade_to_head
from app.seed import seed_if_empty

logger = logging.getLogger("app.runner")


def prepare_database(settings: Settings) -> tuple[Settings, Any]:
    """Settings with a DATABASE_URL that answers, and the embedded server's handle if any."""
    if settings.database_url is not None:
        return settings, None
    if settings.is_production:
        raise ConfigError("DATABASE_URL must be set when ENVIRONMENT is production.")
    logger.info(
        "DATABASE_URL is not set: using the embedded PostgreSQL in %s.",
        settings.data_dir / "postgres",
    )
    url, handle = start_embedded_postgres(settings.data_dir)
    os.environ["DATABASE_URL"] = url  # worker processes read their settings from here
    return settings.model_copy(update={"database_url": load_settings().database_url}), handle


def migrate_only() -> None:
    """`make migrate`: apply pending migrations to the configured (or embedded) database."""
    settings = load_settings()
    configure_logging(settings.log_level, json_lines=settings.is_production)
    settings, _embedded = prepare_database(settings)
    upgrade_to_head(settings.sqlalchemy_url())
    logger.info("The database schema is up to date.")


def main() -> int:
    try:
        settings = load_settings()
        configure_logging(settings.log_level, json_lines=settings.is_production)
        settings, _embedded = prepare_database(settings)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    upgrade_to_head(settings.sqlalchemy_url())
    asyncio.run(seed_if_empty(settings))
    logger.info("Serving on http://%s:%d", settings.host, settings.port)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.web_concurrency,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
