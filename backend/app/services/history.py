"""Record history: every version of a record or singular resource, newest first, and restoring
one (which undeletes a deleted record, with its id and contents, and is itself a new version).
The versions are written by PostgreSQL's triggers (migration 0007), never here."""

from typing import Any

from app.errors import NotFound
from app.identity import IDENTITY_SETTINGS, RequestIdentity
from app.json_codec import parse_json, queryable_text
from app.services import records
from app.store import Connection, Kind, Store

_SELECT_VERSIONS = (
    "SELECT count(*) OVER (), version, operation, changed_at, record_id, request_id, actor, "
    "client_addr, origin, db_user, restored_from, record_seq, document::text "
    "FROM record_versions WHERE collection = %(c)s "
)
_PAGE = " LIMIT %(limit)s OFFSET %(offset)s"
# Newest first; each form is an index scan (`IS NOT DISTINCT FROM` would not be).
_COLLECTION_VERSIONS = _SELECT_VERSIONS + "ORDER BY entry DESC" + _PAGE
_RECORD_VERSIONS = _SELECT_VERSIONS + "AND record_id = %(id)s ORDER BY version DESC" + _PAGE
_COLUMNS = (
    "version", "operation", "at", "id", "request_id", "actor", "client_addr", "origin",
    "db_user", "restored_from",
)  # fmt: skip
_RECORD_VERSION = (
    "SELECT document::text FROM record_versions "
    "WHERE collection = %s AND record_id = %s AND version = %s"
)
_SINGULAR_VERSION = (
    "SELECT document::text FROM record_versions "
    "WHERE collection = %s AND record_id IS NULL AND version = %s"
)
_RESTORED_FROM = "SELECT set_config('app.restored_from', %s, true)"
_LOCK_RECORD = "SELECT seq FROM records WHERE collection = %s AND id_key = %s FOR UPDATE"
_UPDATE_RECORD = "UPDATE records SET document = %s::json WHERE seq = %s RETURNING seq"
_UNDELETE = (
    "INSERT INTO records (collection, id_key, id_num, document) VALUES (%s, %s, %s, %s::json) "
    "RETURNING seq"
)
_UPDATE_SINGULAR = (
    "UPDATE collections SET document = %s::json WHERE name = %s AND kind = 'singular' "
    "RETURNING name"
)
_SEQS_OF_RECORD = (
    "SELECT coalesce(array_agg(DISTINCT record_seq), '{}') FROM record_versions "
    "WHERE collection = %s AND record_id = %s AND record_seq IS NOT NULL"
)


async def versions(
    store: Store, collection: str, record_id: str | None, offset: int, limit: int
) -> tuple[int, list[dict[str, Any]], list[int]]:
    """(how many versions, the page newest first, the seqs they name). `record_id` None: every
    version in the collection (a singular resource's own)."""
    params = {
        "c": collection,
        "id": None if record_id is None else queryable_text(record_id),
        "limit": limit,
        "offset": offset,
    }
    sql = _COLLECTION_VERSIONS if record_id is None else _RECORD_VERSIONS
    async with store.pool.connection() as conn:
        cursor = await conn.execute(sql, params)
        rows = await cursor.fetchall()
    total = int(rows[0][0]) if rows else 0
    page = []
    for row in rows:
        entry = dict(zip(_COLUMNS, row[1:11], strict=True))
        entry["at"] = entry["at"].isoformat()
        entry["document"] = None if row[12] is None else parse_json(row[12])
        page.append(entry)
    return total, page, sorted({int(row[11]) for row in rows if row[11] is not None})


async def record_seqs(store: Store, collection: str, record_id: str) -> tuple[int, ...]:
    """Every internal seq the record with this id has had (the audit log names records so)."""
    async with store.pool.connection() as conn:
        cursor = await conn.execute(_SEQS_OF_RECORD, (collection, queryable_text(record_id)))
        (seqs,) = await cursor.fetchone() or ([],)
    return tuple(int(seq) for seq in seqs)


async def restore(
    store: Store,
    kind: Kind,
    collection: str,
    record_id: str | None,
    version: int,
    identity: RequestIdentity,
) -> tuple[str, int | None]:
    """Make version `version` the current one: (its text, the record's seq). A deleted record
    comes back with its id; NotFound when there is no such version."""
    key = None if record_id is None else queryable_text(record_id)
    async with store.pool.connection() as conn, conn.transaction():
        await conn.execute(IDENTITY_SETTINGS, identity.settings())
        await conn.execute(_RESTORED_FROM, (str(version),))
        if key is None:
            cursor = await conn.execute(_SINGULAR_VERSION, (collection, version))
        else:
            cursor = await conn.execute(_RECORD_VERSION, (collection, key, version))
        row = await cursor.fetchone()
        if row is None or row[0] is None:
            raise NotFound()
        document = str(row[0])
        if kind is Kind.SINGULAR:
            if await _fetch(conn, _UPDATE_SINGULAR, (document, collection)) is None:
                raise NotFound()
            return document, None
        if key is None:
            raise NotFound()  # a record stored without an id cannot be named
        locked = await _fetch(conn, _LOCK_RECORD, (collection, key))
        if locked is not None:
            seq = await _fetch(conn, _UPDATE_RECORD, (document, locked))
        else:
            stored_id = parse_json(document)["id"]
            seq = await _fetch(
                conn, _UNDELETE, (collection, key, records.id_number(stored_id), document)
            )
    return document, None if seq is None else int(seq)


async def _fetch(conn: Connection, sql: str, params: Any) -> Any:
    cursor = await conn.execute(sql, params)
    row = await cursor.fetchone()
    return None if row is None else row[0]
