"""The request path's database access: a psycopg 3 connection pool per worker process. A
round trip through it costs a fraction of one through SQLAlchemy's asyncio layer, and the
request path is all round trips. SQLAlchemy (`app.sessions`) serves the schema, the migrations
and the db.json importer, and is not imported by the workers.
"""

from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from app.config import Settings
from app.services.answers import AnswerCache, CoalescedRead, SingleFlight

Connection = psycopg.AsyncConnection[Any]
APPLICATION_NAME = "patients-backend"


def libpq_url(sqlalchemy_url: str) -> str:
    """`postgresql+psycopg://...` as the URL libpq (psycopg.connect) takes."""
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def create_pool(settings: Settings) -> AsyncConnectionPool[Connection]:
    """The request path's pool: autocommit connections (a read is one round trip; writes open
    their own transaction) that time out runaway statements instead of hanging a worker."""
    return AsyncConnectionPool(
        libpq_url(settings.sqlalchemy_url()),
        min_size=settings.db_pool_size,
        max_size=settings.db_pool_size,
        kwargs={
            "autocommit": True,
            "options": f"-c statement_timeout={settings.db_statement_timeout_ms}",
            "application_name": APPLICATION_NAME,
        },
        timeout=settings.db_pool_timeout_seconds,
        open=False,
    )


COLLECTION_VERSION = "SELECT sum(version) FROM collection_versions WHERE name = 'patients'"


class Database:
    """What a worker's requests share: the connection pool, the answers it may reuse, and
    the collection version that says whether it may."""

    def __init__(self, settings: Settings) -> None:
        self._url = libpq_url(settings.sqlalchemy_url())
        self.pool = create_pool(settings)
        self.answers = AnswerCache(settings.list_cache_bytes, settings.list_cache_entries)
        self.version = CoalescedRead(self._read_version)
        self.flights = SingleFlight()

    async def open(self) -> None:
        # Connections open in the background: the worker is up at once, and /health/ready
        # says when the database answers.
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close()

    async def ping(self, timeout_seconds: float) -> None:
        """Check that PostgreSQL answers, on a connection of its own: a pool whose connections
        are all busy serving requests must not make the service look down."""
        async with await psycopg.AsyncConnection.connect(
            self._url,
            autocommit=True,
            connect_timeout=max(1, round(timeout_seconds)),
            application_name=APPLICATION_NAME,
        ) as conn:
            await conn.execute("SELECT 1")

    async def _read_version(self) -> int:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(COLLECTION_VERSION)
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])
