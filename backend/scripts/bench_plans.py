"""PostgreSQL's plan for what the service runs to answer a request: `make bench` asks the
service, in this process, each of the mix's example requests, keeps the statements it sends
that read records, and runs `EXPLAIN (ANALYZE, BUFFERS)` of each on the same database.

The statements are the service's own (recorded as psycopg executes them), not rewritten ones,
so a plan here is the plan a request gets.
"""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.config import Settings
from app.main import create_app
from app.store import libpq_url

_READS_RECORDS = re.compile(r"\b(?:FROM|JOIN) records\b")
_EXECUTION_TIME = re.compile(r"Execution Time: ([0-9.]+) ms")
_INDEX = re.compile(
    r"(?:Index Scan|Index Only Scan)(?: Backward)? using (\w+)|Bitmap Index Scan on (\w+)"
)
_QUERIES = ("SELECT", "WITH")
# A sequential scan of records, with the rows it returned and its detail lines (those below it
# that are no node of their own), where a filter says how many rows it removed.
_SEQUENTIAL = re.compile(
    r"Seq Scan on records\b.*?actual time=\S+ rows=(\d+) loops=(\d+)\)((?:\n +(?!->)[^\n]*)*)"
)
_REMOVED = re.compile(r"Rows Removed by Filter: (\d+)")


@dataclass
class StatementPlan:
    plan: str
    execution_ms: float

    @property
    def indexes(self) -> list[str]:
        return sorted({using or bitmap for using, bitmap in _INDEX.findall(self.plan)})

    @property
    def rows_scanned(self) -> int:
        """How many rows its sequential scans of records read (0: it reads none so)."""
        return sum(
            (int(returned) + sum(int(n) for n in _REMOVED.findall(details))) * int(loops)
            for returned, loops, details in _SEQUENTIAL.findall(self.plan)
        )


@dataclass
class RequestPlan:
    kind: str
    path: str
    status: int = 0
    statements: list[StatementPlan] = field(default_factory=list)

    @property
    def slowest(self) -> StatementPlan | None:
        return max(self.statements, key=lambda s: s.execution_ms, default=None)

    @property
    def execution_ms(self) -> float:
        return sum(statement.execution_ms for statement in self.statements)

    @property
    def indexes(self) -> list[str]:
        return sorted({name for statement in self.statements for name in statement.indexes})

    @property
    def rows_scanned(self) -> int:
        return sum(statement.rows_scanned for statement in self.statements)


@contextmanager
def recorded_statements() -> Iterator[list[tuple[Any, Any]]]:
    """Every (query, params) psycopg's async cursors execute meanwhile, in order."""
    seen: list[tuple[Any, Any]] = []
    original = psycopg.AsyncCursor.execute

    async def execute(
        self: psycopg.AsyncCursor[Any], query: Any, params: Any = None, **kwargs: Any
    ) -> psycopg.AsyncCursor[Any]:
        seen.append((query, params))
        return await original(self, query, params, **kwargs)

    psycopg.AsyncCursor.execute = execute  # type: ignore[method-assign,assignment]
    try:
        yield seen
    finally:
        psycopg.AsyncCursor.execute = original  # type: ignore[method-assign]


def _explain(connection: psycopg.Connection[Any], query: Any, params: Any) -> StatementPlan:
    rows = connection.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params).fetchall()
    plan = "\n".join(str(row[0]) for row in rows)
    found = _EXECUTION_TIME.search(plan)
    return StatementPlan(plan, float(found.group(1)) if found else 0.0)


def explain_requests(database_url: str, examples: Sequence[tuple[str, str]]) -> list[RequestPlan]:
    """For each (kind, path): GET it from a service on `database_url` (a fresh one: no answer
    is reused), then EXPLAIN ANALYZE each statement it sent that reads records, JIT off as the
    service has it."""
    settings = Settings(
        database_url=SecretStr(database_url),
        audit_log=False,
        operator_routes=False,  # only the API's own routes are asked
        _env_file=None,
    )
    plans: list[RequestPlan] = []
    with (
        TestClient(create_app(settings)) as client,
        psycopg.connect(libpq_url(database_url), autocommit=True) as connection,
    ):
        connection.execute("SET jit = off")
        for kind, path in examples:
            with recorded_statements() as seen:
                response = client.get(path)
            request = RequestPlan(kind, path, response.status_code)
            for query, params in seen:
                text = query if isinstance(query, str) else str(query)
                if _READS_RECORDS.search(text) and text.lstrip().upper().startswith(_QUERIES):
                    request.statements.append(_explain(connection, text, params))
            plans.append(request)
    return plans
