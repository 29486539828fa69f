"""Fixtures shared by every suite: one migrated database for the run, emptied per test."""

import asyncio
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.services import records
from app.store import libpq_url
from tests.support.database import empty_patients, server_url, temporary_database
from tests.support.settings import make_settings


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    base, _embedded = server_url()
    with temporary_database(base) as url:
        yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url=database_url)


@pytest.fixture
def empty_db(database_url: str) -> str:
    empty_patients(database_url)
    return database_url


@pytest.fixture
def client(settings: Settings, empty_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver") as test_client:
        yield test_client


def insert_records(
    settings: Settings, stored: Sequence[dict[str, Any]], collection: str = "patients"
) -> None:
    """Store records that carry their ids, as the db.json import does."""

    async def run() -> None:
        url = libpq_url(settings.sqlalchemy_url())
        async with await psycopg.AsyncConnection.connect(url) as conn, conn.transaction():
            await records.import_records(conn, collection, stored)

    asyncio.run(run())


@pytest.fixture
def seed(settings: Settings, empty_db: str) -> Any:
    def _seed(records: Sequence[dict[str, Any]]) -> None:
        insert_records(settings, records)

    return _seed
