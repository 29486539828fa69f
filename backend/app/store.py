"""What a worker's requests share: the psycopg 3 connection pool, the catalog of collections
with their versions, and the answers that may be reused while those versions hold.

A round trip through psycopg's pool costs a fraction of one through SQLAlchemy's asyncio layer,
and the request path is all round trips. SQLAlchemy (`app.sessions`) serves the schema, the
migrations and the db.json importer, and is not imported by the workers.
"""

from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from app.answers import Answer, AnswerCache, CoalescedRead, SingleFlight
from app.config import Settings

Connection = psycopg.AsyncConnection[Any]
APPLICATION_NAME = "patients-backend"

# Every collection in db.json order, with its version: the sum of its counters, which a trigger
# bumps in the same transaction as every write (migrations 0003 and 0005).
# With each collection, the top-level fields some record of it has (migration 0008's counts),
# or NULL when there are more than CATALOG_FIELDS of them: read in the same snapshot as the
# versions, they answer json-server's "does any record have this field" for the version read.
CATALOG_FIELDS = 256
CATALOG = (
    "SELECT c.name, c.kind, coalesce((SELECT sum(v.version) FROM collection_versions AS v "
    "WHERE v.name = c.name), 0), "
    "(SELECT CASE WHEN count(*) <= %s THEN coalesce(array_agg(present.field), '{}') END "
    " FROM (SELECT f.field FROM collection_fields AS f WHERE f.collection = c.name "
    "       GROUP BY f.field HAVING sum(f.records) > 0) AS present) "
    "FROM collections AS c ORDER BY c.position"
)


def versions_of(names: str) -> str:
    """A query of one value: the versions of the collections the `text[]` placeholder `names`
    lists, in that order, read in the caller's snapshot. `names` is a placeholder: the names
    are bound, never written into the SQL."""
    return (
        "SELECT coalesce(array_agg((SELECT coalesce(sum(v.version), 0) "  # noqa: S608
        "FROM collection_versions AS v WHERE v.name = wanted.name) ORDER BY wanted.position), "
        f"'{{}}') FROM unnest({names}::text[]) WITH ORDINALITY AS wanted(name, position)"
    )


VERSIONS = versions_of("%s")


class Kind(StrEnum):
    PLURAL = "plural"  # a top-level array: a collection of records
    SINGULAR = "singular"  # a top-level object: one resource
    SCHEMA = "schema"  # `$schema`: kept for GET /db, never routed


@dataclass(frozen=True, slots=True)
class Collection:
    name: str  # the db.json key, as written
    kind: Kind
    version: int
    # The top-level fields some record has at `version`; None when not known (too many).
    fields: frozenset[str] | None = None


class Catalog:
    """The collections as of one read. Routes find a collection by the name typed in the URL,
    case-insensitively as Express does; of two names equal but for case, the later one."""

    def __init__(self, collections: Iterable[Collection]) -> None:
        self._by_name = {collection.name: collection for collection in collections}
        self._by_route = {
            name.lower(): collection
            for name, collection in self._by_name.items()
            if collection.kind is not Kind.SCHEMA
        }

    def __iter__(self) -> Iterator[Collection]:
        return iter(self._by_name.values())

    def route(self, typed: str) -> Collection | None:
        """The collection a URL segment names, whatever its case."""
        return self._by_route.get(typed.lower())

    def get(self, name: str) -> Collection | None:
        """The collection whose db.json key is exactly `name` (relations look names up so)."""
        return self._by_name.get(name)

    def versions(self, names: Iterable[str]) -> tuple[int, ...]:
        return tuple(
            collection.version if (collection := self._by_name.get(name)) else 0 for name in names
        )


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


class Store:
    """The worker's way to PostgreSQL: its pool, the catalog (read once for all the requests
    waiting at that moment) and the answers it may reuse."""

    def __init__(self, settings: Settings) -> None:
        self._url = libpq_url(settings.sqlalchemy_url())
        self.pool = create_pool(settings)
        self.answers = AnswerCache(settings.list_cache_bytes, settings.list_cache_entries)
        self.catalog = CoalescedRead(self._read_catalog)
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

    async def reuse(
        self,
        key: Hashable,
        version: Hashable,
        compute: Callable[[], Awaitable[tuple[Hashable, Answer]]],
    ) -> Answer:
        """The answer stored under `key` if it was computed at `version` (the current one, read
        after the request arrived); otherwise `compute()`'s, computed once for every request
        asking meanwhile and stored with the version it was computed at."""
        reused = self.answers.get(key, version)
        if reused is not None:
            return reused

        async def computed() -> tuple[Hashable, Answer]:
            computed_version, answer = await compute()
            self.answers.put(key, computed_version, answer)
            return computed_version, answer

        return await self.flights.run(key, computed, version)

    async def _read_catalog(self) -> Catalog:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(CATALOG, (CATALOG_FIELDS,))
            rows = await cursor.fetchall()
        return Catalog(
            Collection(
                str(name), Kind(kind), int(version), None if fields is None else frozenset(fields)
            )
            for name, kind, version, fields in rows
        )
