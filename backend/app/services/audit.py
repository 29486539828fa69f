"""The audit log: one entry per request that reads or writes records, with its shape and never
its values (no contents, no query values, no ids: records are named by their internal `seq`).

Entries are buffered per worker and written in batches, every AUDIT_FLUSH_SECONDS and when the
worker stops: a request never waits for its entry. A write's history version, written in the
write's own transaction (migration 0007), carries the same request id, so who changed a record
is never lost even if a crash loses the last second of entries.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import psycopg

from app.answers import Answer
from app.config import Settings
from app.identity import RequestIdentity
from app.json_codec import queryable_text
from app.store import Store

logger = logging.getLogger(__name__)

OPERATOR_PREFIXES = ("_history", "_audit")
_PARTITION_MONTHS_AHEAD = 2
_MAINTENANCE_SECONDS = 3600
_MAX_BUFFERED = 100_000  # when the database is away; older entries are dropped, and said so
_COPY = (
    "COPY audit_log (at, request_id, method, path_shape, resource, status, record_seqs, "
    "record_count, query_shape, client_addr, origin, actor) FROM STDIN"
)
_COPY_TYPES = (
    "timestamptz", "text", "text", "text", "text", "int2", "int8[]", "int4", "text[]",
    "text", "text", "text",
)  # fmt: skip


@dataclass(slots=True)
class AuditNote:
    """What a request touched, filled in by its route; nothing is logged while `resource` is
    None (a request that reached no collection's records)."""

    resource: str | None = None
    seqs: list[int] = field(default_factory=list)
    count: int | None = None

    def touched(
        self,
        resource: str,
        seqs: Sequence[int] = (),
        *,
        answer: Answer | None = None,
        count: int | None = None,
    ) -> None:
        """`answer`: a list's, which knows how many records it holds and (up to
        AUDIT_LIST_SEQS) their seqs."""
        if answer is not None:
            seqs, count = answer.seqs, answer.count
        self.resource = resource
        self.seqs = list(seqs)
        self.count = count if count is not None else len(seqs)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    identity: RequestIdentity
    method: str
    path_shape: str
    status: int
    query_shape: tuple[str, ...]
    note: AuditNote

    def row(self) -> tuple[Any, ...]:
        """The entry as COPY writes it; text PostgreSQL cannot hold (U+0000) is replaced, so
        one odd request cannot hold back a batch."""
        note = self.note
        return (
            self.at,
            self.identity.request_id,
            self.method,
            _storable(self.path_shape),
            note.resource,
            self.status,
            note.seqs or None,
            note.count,
            [_storable(key) for key in self.query_shape] or None,
            _storable(self.identity.client_addr),
            _storable(self.identity.origin),
            _storable(self.identity.actor),
        )


def _storable(text: str | None) -> Any:
    return None if text is None else queryable_text(text)


def query_shape(query_string: bytes) -> tuple[str, ...]:
    """The query's keys in order, once each, without their values: `name=Ana&age_gte=3` is
    ("name", "age_gte")."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return tuple(dict.fromkeys(key for key, _value in pairs))


def path_shape(path: str) -> str:
    """The path with every segment that may be an id replaced: `/patients/7` is
    `/patients/:id`, `/doctors/7/patients` is `/doctors/:id/:nested`, and
    `/_history/patients/7/restore` is `/_history/patients/:id/restore`."""
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        return "/"
    kept = segments[:2] if segments[0] in OPERATOR_PREFIXES else segments[:1]
    rest = segments[len(kept) :]
    shaped = [
        "restore"
        if segment == "restore" and index == len(rest) - 1 and kept[0] == "_history"
        else (":id" if index == 0 else ":nested" if index == 1 else ":more")
        for index, segment in enumerate(rest)
    ]
    return "/" + "/".join([*kept, *shaped])


class AuditLog:
    """The worker's buffer of entries and the task that writes them."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.enabled = settings.audit_log
        self.flush_seconds = settings.audit_flush_seconds
        self.retention = timedelta(days=settings.audit_retention_days)
        self._pending: list[AuditEntry] = []
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def append(self, entry: AuditEntry) -> None:
        if not self.enabled:
            return
        if len(self._pending) >= _MAX_BUFFERED:
            logger.error("audit log: %d entries waiting; dropping the oldest", len(self._pending))
            del self._pending[: len(self._pending) // 10]
        self._pending.append(entry)

    async def start(self) -> None:
        if self.enabled:
            self._task = asyncio.create_task(self._run(), name="audit-log-writer")

    async def close(self) -> None:
        """Stop the writer after the flush it may be in (cancelling it mid-COPY could write
        entries twice), then write what is left."""
        if self._task is not None:
            self._stopping.set()
            await self._task
        if self._pending:
            await self.flush()

    async def _run(self) -> None:
        last_maintenance = None
        while not self._stopping.is_set():
            now = asyncio.get_running_loop().time()
            try:
                if last_maintenance is None or now - last_maintenance > _MAINTENANCE_SECONDS:
                    await self.maintain()
                    last_maintenance = now
                await self.flush()
            except Exception as exc:  # the database is away: keep the entries, try again
                logger.error("audit log not written yet: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.flush_seconds)

    async def maintain(self) -> list[str]:
        """Create the coming months' partitions; drop the months older than the retention."""
        cutoff = datetime.now(UTC) - self.retention
        async with self.store.pool.connection() as conn:
            await conn.execute("SELECT audit_log_prepare(%s)", (_PARTITION_MONTHS_AHEAD,))
            cursor = await conn.execute("SELECT audit_log_drop_before(%s)", (cutoff,))
            dropped = [str(name) for (name,) in await cursor.fetchall()]
        if dropped:
            logger.info("audit log: dropped %s (older than the retention)", ", ".join(dropped))
        return dropped

    async def flush(self) -> int:
        """Write every waiting entry in one COPY; returns how many."""
        entries, self._pending = self._pending, []
        if not entries:
            return 0
        try:
            await self._copy(entries)
        except psycopg.DataError:
            # Never expected (rows are made storable); one entry must not hold back the rest.
            written = 0
            for entry in entries:
                try:
                    await self._copy([entry])
                    written += 1
                except psycopg.DataError:
                    logger.error("audit log: an entry could not be stored (%s)", entry.method)
            return written
        except BaseException:
            self._pending[:0] = entries
            raise
        return len(entries)

    async def _copy(self, entries: Sequence[AuditEntry]) -> None:
        async with (
            self.store.pool.connection() as conn,
            conn.cursor() as cursor,
            cursor.copy(_COPY) as copy,
        ):
            copy.set_types(list(_COPY_TYPES))
            for entry in entries:
                await copy.write_row(entry.row())


@dataclass(frozen=True, slots=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    resource: str | None = None
    record_seqs: tuple[int, ...] | None = None  # the seqs a record has had
    request_id: str | None = None
    client_addr: str | None = None
    actor: str | None = None


_SEARCH = (
    "SELECT count(*) OVER (), at, request_id, method, path_shape, resource, status, "
    "record_seqs, record_count, query_shape, client_addr, origin, actor FROM audit_log "
    "WHERE (%(since)s::timestamptz IS NULL OR at >= %(since)s) "
    "AND (%(until)s::timestamptz IS NULL OR at < %(until)s) "
    "AND (%(resource)s::text IS NULL OR resource = %(resource)s) "
    "AND (%(seqs)s::bigint[] IS NULL OR record_seqs && %(seqs)s::bigint[]) "
    "AND (%(request_id)s::text IS NULL OR request_id = %(request_id)s) "
    "AND (%(client)s::text IS NULL OR client_addr = %(client)s) "
    "AND (%(actor)s::text IS NULL OR actor = %(actor)s) "
    "ORDER BY at DESC LIMIT %(limit)s OFFSET %(offset)s"
)
_COLUMNS = (
    "at", "request_id", "method", "path_shape", "resource", "status", "record_seqs",
    "record_count", "query_shape", "client_addr", "origin", "actor",
)  # fmt: skip


async def search(
    store: Store, wanted: AuditFilter, offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    """(how many match, the page of entries newest first) for an operator."""
    params = {
        "since": wanted.since,
        "until": wanted.until,
        "resource": wanted.resource,
        "seqs": None if wanted.record_seqs is None else list(wanted.record_seqs),
        "request_id": wanted.request_id,
        "client": wanted.client_addr,
        "actor": wanted.actor,
        "limit": limit,
        "offset": offset,
    }
    async with store.pool.connection() as conn:
        cursor = await conn.execute(_SEARCH, params)
        rows = await cursor.fetchall()
    total = int(rows[0][0]) if rows else 0
    entries = [dict(zip(_COLUMNS, row[1:], strict=True)) for row in rows]
    for entry in entries:
        entry["at"] = entry["at"].isoformat()
    return total, entries


def to_json_lines(entries: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(entry, default=str) + "\n" for entry in entries)
