"""`make run` and Render's start command: resolve the database (embedded when DATABASE_URL is
unset), migrate and load db.json into an empty database (development only), then serve with
uvicorn; `python -m app.runner migrate` only migrates (Render's pre-deploy command)."""

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

import uvicorn

from app.config import ConfigError, Settings, check_can_serve, load_settings
from app.embedded import embedded_data_dir, start_embedded_postgres
from app.logging_config import configure_logging, logging_settings

logger = logging.getLogger("app.runner")


def prepare_database(settings: Settings) -> tuple[Settings, Any]:
    """Settings with a DATABASE_URL that answers, and the embedded server's handle if any."""
    if settings.database_url is not None:
        return settings, None
    if settings.is_production:
        raise ConfigError("DATABASE_URL must be set when ENVIRONMENT is production.")
    logger.info(
        "DATABASE_URL is not set: using the embedded PostgreSQL in %s.",
        embedded_data_dir(settings.data_dir),
    )
    url, handle = start_embedded_postgres(settings.data_dir)
    os.environ["DATABASE_URL"] = url  # worker processes read their settings from here
    return settings.model_copy(update={"database_url": load_settings().database_url}), handle


def migrate_only() -> None:
    """`make migrate`: apply pending migrations to the configured (or embedded) database."""
    settings = load_settings()
    configure_logging(settings.log_level, json_lines=settings.is_production)
    settings, _embedded = prepare_database(settings)
    from app.migrate import upgrade_to_head  # Alembic loads only where it is used

    upgrade_to_head(settings.sqlalchemy_url())
    logger.info("The database schema is up to date.")


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    sys.exit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args not in ([], ["migrate"]):
        print("Usage: python -m app.runner [migrate]", file=sys.stderr)
        return 2
    try:
        if args:
            migrate_only()
            return 0
        settings = load_settings()
        configure_logging(settings.log_level, json_lines=settings.is_production)
        check_can_serve(settings)
        settings, _embedded = prepare_database(settings)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not settings.is_production:
        # In production the pre-deploy command migrates, and patients come from migrate-data;
        # Alembic and the importer are not even imported there, so the start is quicker.
        from app.migrate import upgrade_to_head
        from app.seed import seed_if_empty

        upgrade_to_head(settings.sqlalchemy_url())
        try:
            asyncio.run(seed_if_empty(settings))
        except ConfigError as exc:  # an invalid db.json stops the start, as in json-server
            print(exc, file=sys.stderr)
            return 2
    if _embedded is not None:
        # uvicorn re-raises SIGTERM once it has drained; exiting normally then lets the
        # embedded PostgreSQL stop with us instead of running on.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    logger.info("Serving on http://%s:%d", settings.host, settings.port)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.web_concurrency,
        log_config=logging_settings(settings.log_level, json_lines=settings.is_production),
        access_log=False,
        # X-Forwarded-* are applied in the application (app.middleware.RequestIdentityMiddleware),
        # which also needs to know whether the peer was a trusted proxy.
        proxy_headers=False,
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
