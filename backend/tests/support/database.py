"""A throw-away PostgreSQL database for a test run: on TEST_DATABASE_URL's server when it is
set, otherwise on an embedded server under backend/.data/test."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from app.config import BACKEND_DIR, normalize_database_url
from app.embedded import start_embedded_postgres
from app.json_codec import parse_json
from app.migrate import upgrade_to_head
from app.services import collections


def libpq_url(sqlalchemy_url: str) -> str:
    """The same URL in the form psycopg.connect() takes."""
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def server_url() -> tuple[str, Any]:
    """The URL of a PostgreSQL server to create test databases on, and the embedded handle."""
    configured = os.environ.get("TEST_DATABASE_URL", "").strip()
    if configured:
        return normalize_database_url(configured), None
    return start_embedded_postgres(BACKEND_DIR / ".data" / "test")


@contextmanager
def temporary_database(base_url: str, prefix: str = "patients_test") -> Iterator[str]:
    """Create an empty database named `<prefix>_<random>`, migrated to head; drop it after."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    url = make_url(base_url)
    admin = libpq_url(url.render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    test_url = url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_to_head(test_url)
        yield test_url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


EMPTY_PATIENTS = b'{"patients": []}'


def load_document(sqlalchemy_url: str, document: bytes) -> None:
    """Replace every collection and singular resource of the database with those of the
    db.json `document` (its key order, records in order, exactly as the importer loads them):
    afterwards the service answers as json-server freshly started on that document."""

    async def run() -> None:
        connecting = psycopg.AsyncConnection.connect(libpq_url(sqlalchemy_url))
        async with await connecting as conn, conn.transaction():
            await collections.replace_everything(conn, parse_json(document))

    asyncio.run(run())


def empty_patients(sqlalchemy_url: str) -> None:
    """Only an empty `patients` collection: where most tests start."""
    load_document(sqlalchemy_url, EMPTY_PATIENTS)
