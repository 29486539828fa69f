"""Patients: every statement behind /patients, on a psycopg connection, with json-server's id
rule decided in PostgreSQL so that it holds across worker processes and instances.

Request-path functions take the worker's `Database`: reads are one round trip on an
autocommit connection (or none, when an answer can be reused), and each write opens and
commits its own transaction here, before the response is sent. The db.json importer calls the
bulk functions at the end, on a connection inside its own transaction.
"""

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg

from app.database import COLLECTION_VERSION, Connection, Database
from app.errors import DuplicateId, InvalidBody, InvalidQuery
from app.json_codec import JsonObject, dumps, js_string, parse_json
from app.query import ListQuery, build_list_statement, build_presence_statement
from app.services import id_rule
from app.services.answers import Answer

# Serialises id assignment on /patients: every writer that may create an id takes it, so
# "max + 1" is computed over committed rows only and two writers never pick the same id.
ID_ASSIGNMENT_LOCK = 0x7061_7469  # "pati"
INVALID_REGULAR_EXPRESSION = "2201B"  # SQLSTATE of a regex PostgreSQL cannot compile

_LOCK = "SELECT pg_advisory_xact_lock(%s)"
# List answers are computed in one snapshot, so the version read with them is theirs.
_SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
# A cancelled list query answers 400; JIT compiling costs list queries more than it saves.
_LIST_SETTINGS = "SELECT set_config('statement_timeout', %s, true), set_config('jit', 'off', true)"
# One statement, so the version is the one the record was read at.
_GET_ONE = (
    "SELECT (SELECT sum(version) FROM collection_versions WHERE name = 'patients'), "
    "(SELECT document::text FROM patients WHERE id_key = %s)"
)
_CREATE = "SELECT outcome, id_key, document FROM patients_create(%s, %s, %s, %s)"
_INSERT = (
    "INSERT INTO patients (id_key, id_num, document) VALUES (%s, %s, %s::json) "
    "ON CONFLICT (id_key) DO NOTHING RETURNING seq"
)
_ID_SUMMARY = (
    "SELECT "
    " (SELECT id_num FROM patients WHERE id_num IS NOT NULL ORDER BY id_num DESC LIMIT 1),"
    " EXISTS (SELECT 1 FROM patients WHERE id_num IS NOT NULL),"
    " EXISTS (SELECT 1 FROM patients WHERE id_num IS NULL)"
)
_IDS_IN_ORDER = "SELECT body -> 'id' FROM patients ORDER BY seq"
_LOCK_ONE = "SELECT seq, document::text FROM patients WHERE id_key = %s FOR UPDATE"
_UPDATE_DOCUMENT = "UPDATE patients SET document = %s::json WHERE seq = %s"
_DELETE_ONE = "DELETE FROM patients WHERE id_key = %s RETURNING seq"
_DATABASE = (
    "SELECT '{\"patients\":' || "
    "coalesce('[' || string_agg(document::text, ',' ORDER BY seq) || ']', '[]') || '}' "
    "FROM patients"
)
_COUNT = "SELECT count(*) FROM patients"
_LOCK_TABLE = "LOCK TABLE patients IN SHARE ROW EXCLUSIVE MODE"
_DELETE_ALL = "WITH deleted AS (DELETE FROM patients RETURNING 1) SELECT count(*) FROM deleted"
_COPY_IN = "COPY patients (id_key, id_num, document) FROM STDIN"
_GET_MANY = "SELECT id_key, seq, document::text FROM patients WHERE id_key = ANY(%s)"
_PAGE = "SELECT seq, document::text FROM patients WHERE seq > %s ORDER BY seq LIMIT %s"


@dataclass(frozen=True, slots=True)
class StoredPatient:
    id_key: str
    document: str


def id_number(value: Any) -> Decimal | None:
    """The numeric value of a JSON-number id, for `max + 1`; None for string ids."""
    return Decimal(repr(value)) if id_rule.is_number(value) else None


async def _one(conn: Connection, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
    cursor = await conn.execute(sql, params)
    return await cursor.fetchone()


async def list_patients(db: Database, query: ListQuery, *, timeout_ms: int | None = None) -> Answer:
    """The records json-server's query selects, filtered, sorted and sliced in PostgreSQL;
    reused while the collection's version is unchanged, and computed once for all the
    requests that ask for it at the same time."""
    key = ("list", query)
    if key in db.answers:
        reused = db.answers.get(key, await db.version())
        if reused is not None:
            return reused

    async def compute() -> tuple[int, Answer]:
        version, answer = await _select(db, query, timeout_ms)
        db.answers.put(key, version, answer)
        return version, answer

    return await db.flights.run(key, compute, db.version)


async def _select(db: Database, query: ListQuery, timeout_ms: int | None) -> tuple[int, Answer]:
    """The answer and the collection version it was computed at, from one snapshot."""
    async with db.pool.connection() as conn, conn.transaction():
        await conn.execute(_SNAPSHOT)
        await conn.execute(_LIST_SETTINGS, (f"{timeout_ms or 0}ms",))
        (version,) = await _one(conn, COLLECTION_VERSION)
        presence = build_presence_statement(query)
        selected = query
        if presence is not None:
            present = await _one(conn, presence.text, presence.params)
            selected = query.keeping_present(tuple(present))
        statement = build_list_statement(selected)
        try:
            total, body, missing_reference = await _one(conn, statement.text, statement.params)
        except psycopg.errors.InvalidRegularExpression:
            raise InvalidQuery("A `_like` pattern is too complex to run.") from None
    if missing_reference:
        raise InvalidQuery(
            "`_expand` needs every listed patient to have the referenced id (e.g. patientId)."
        )
    return int(version), Answer(str(body).encode(), None if total is None else int(total))


async def get(db: Database, record_id: str) -> Answer | None:
    """The record whose id, in its string form, equals `record_id`."""
    key = ("item", record_id)
    if key in db.answers:
        reused = db.answers.get(key, await db.version())
        if reused is not None:
            return reused
    async with db.pool.connection() as conn:
        version, document = await _one(conn, _GET_ONE, (record_id,))
    if document is None:
        return None
    answer = Answer(str(document).encode())
    db.answers.put(key, int(version), answer)
    return answer


async def get_shaped(
    db: Database, query: ListQuery, *, timeout_ms: int | None = None
) -> Answer | None:
    """One record with `_embed`/`_expand` applied: the single element `query` selects."""
    selected = (await list_patients(db, query, timeout_ms=timeout_ms)).body
    # Ids are unique, so the array holds at most one record's text: `[<record>]`.
    return None if selected == b"[]" else Answer(selected[1:-1])


async def _next_id(conn: Connection) -> Any:
    max_number, has_numeric, has_non_numeric = await _one(conn, _ID_SUMMARY)
    if not has_numeric and not has_non_numeric:
        return 1
    if not has_non_numeric:
        return id_rule.increment(max_number)
    if not has_numeric:
        return id_rule.nanoid()
    # Mixed number and string ids: the answer depends on stored order, as in lodash maxBy.
    cursor = await conn.execute(_IDS_IN_ORDER)
    return id_rule.next_id_from_max(id_rule.js_max_id(row[0] for row in await cursor.fetchall()))


async def _insert(conn: Connection, record: JsonObject) -> StoredPatient | None:
    document = dumps(record)
    id_key = js_string(record["id"])
    row = await _one(conn, _INSERT, (id_key, id_number(record["id"]), document))
    return None if row is None else StoredPatient(id_key, document)


async def create(db: Database, record: JsonObject) -> StoredPatient:
    """Store a new record with json-server's id rule; a taken id raises DuplicateId.

    One statement (`patients_create`, migration 0004) assigns the id and inserts, so the id
    lock is never held across a round trip; float and string ids take the general rule."""
    try:
        chosen = id_rule.given_id(record)
    except id_rule.InvalidId as exc:
        raise InvalidBody(str(exc), code="invalid_id") from None
    placeholder = secrets.token_hex(16)  # where PostgreSQL writes the id it assigns
    params: tuple[str, str | None, Decimal | None, str]
    if chosen is None:
        params = (dumps(id_rule.with_id(record, placeholder)), None, None, placeholder)
    else:
        params = (dumps(record), js_string(chosen), id_number(chosen), placeholder)
    async with db.pool.connection() as conn:
        outcome, id_key, document = await _one(conn, _CREATE, params)
        if outcome == "created":
            return StoredPatient(id_key, document)
        if outcome == "duplicate":
            raise DuplicateId()
        async with conn.transaction():
            await conn.execute(_LOCK, (ID_ASSIGNMENT_LOCK,))
            while True:  # a generated nanoid may, very rarely, be taken already
                stored = await _insert(conn, id_rule.with_id(record, await _next_id(conn)))
                if stored is not None:
                    return stored


async def _locked(conn: Connection, record_id: str) -> tuple[int, JsonObject] | None:
    """The record with this id, locked until the transaction ends, or None."""
    row = await _one(conn, _LOCK_ONE, (record_id,))
    if row is None:
        return None
    seq, document = row
    stored: JsonObject = parse_json(document)
    return int(seq), stored


async def _rewrite(
    db: Database, record_id: str, rewritten: Callable[[JsonObject], JsonObject]
) -> str | None:
    """Replace the stored record with `rewritten(stored)`, under a row lock; None when no
    record has this id. Pipelined: the update and the commit go in one round trip."""
    async with db.pool.connection() as conn, conn.pipeline(), conn.transaction():
        found = await _locked(conn, record_id)
        if found is None:
            return None
        seq, stored = found
        document = dumps(rewritten(stored))
        await conn.execute(_UPDATE_DOCUMENT, (document, seq))
        return document


async def replace(db: Database, record_id: str, record: JsonObject) -> str | None:
    """PUT: the body replaces every field; the stored id (value and type) is kept, at the
    body's `id` position or last. None when no record has this id."""
    return await _rewrite(db, record_id, lambda stored: id_rule.with_id(record, stored["id"]))


async def update(db: Database, record_id: str, changes: JsonObject) -> str | None:
    """PATCH: a shallow merge (nested objects are replaced whole, new keys go last, null is
    stored); the id never changes. None when no record has this id."""

    def merged(stored: JsonObject) -> JsonObject:
        original_id = stored["id"]
        stored.update(changes)
        stored["id"] = original_id
        return stored

    return await _rewrite(db, record_id, merged)


async def delete(db: Database, record_id: str) -> bool:
    """DELETE: True when a record had this id."""
    async with db.pool.connection() as conn:
        return await _one(conn, _DELETE_ONE, (record_id,)) is not None


async def database(db: Database) -> str:
    """`GET /db`: every collection of the database as one JSON object."""
    async with db.pool.connection() as conn:
        return str((await _one(conn, _DATABASE))[0])


async def count(conn: Connection) -> int:
    return int((await _one(conn, _COUNT))[0])


async def lock_for_import(conn: Connection) -> None:
    """Make every other writer wait until this transaction ends; readers still see the
    committed records. The id lock comes first, in the order every writer takes them."""
    await conn.execute(_LOCK, (ID_ASSIGNMENT_LOCK,))
    await conn.execute(_LOCK_TABLE)


async def delete_all(conn: Connection) -> int:
    """Delete every record; returns how many there were."""
    return int((await _one(conn, _DELETE_ALL))[0])


async def import_records(conn: Connection, records: Iterable[JsonObject]) -> int:
    """Insert records that already carry their ids, in order, in the caller's transaction,
    with COPY: a whole db.json goes through here."""
    await conn.execute(_LOCK, (ID_ASSIGNMENT_LOCK,))
    written = 0
    async with conn.cursor() as cursor, cursor.copy(_COPY_IN) as copy:
        for record in records:
            await copy.write_row((js_string(record["id"]), id_number(record["id"]), dumps(record)))
            written += 1
    return written


async def get_many(conn: Connection, id_keys: Sequence[str]) -> dict[str, tuple[int, str]]:
    """By id (string form): the list position (`seq`) and the text `get` answers with."""
    cursor = await conn.execute(_GET_MANY, (list(id_keys),))
    return {str(key): (int(seq), str(document)) for key, seq, document in await cursor.fetchall()}


async def list_page(conn: Connection, after_seq: int, limit: int) -> list[tuple[int, str]]:
    """The next `limit` records in list order after `after_seq`, as stored."""
    cursor = await conn.execute(_PAGE, (after_seq, limit))
    return [(int(seq), str(document)) for seq, document in await cursor.fetchall()]


def parse_collection(raw: bytes | str) -> list[JsonObject]:
    """The `patients` array of a db.json document."""
    data = parse_json(raw)
    patients = data.get("patients") if isinstance(data, dict) else None
    if not isinstance(patients, list) or not all(isinstance(p, dict) for p in patients):
        raise ValueError("db.json must be an object whose `patients` is an array of objects.")
    return list(patients)
