"""Patients: reading, creating and importing records, with json-server's id rule decided in
PostgreSQL so that it holds across worker processes and instances."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import DuplicateId, InvalidBody, InvalidQuery
from app.json_codec import JsonObject, dumps, js_string, parse_json
from app.query import ListQuery, build_list_statement, build_presence_statement
from app.services import id_rule

# Serialises id assignment on /patients: every writer that may create an id takes it, so
# "max + 1" is computed over committed rows only and two writers never pick the same id.
ID_ASSIGNMENT_LOCK = 0x7061_7469  # "pati"
INVALID_REGULAR_EXPRESSION = "2201B"  # SQLSTATE of a regex PostgreSQL cannot compile

_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_LIST_ALL = text(
    "SELECT coalesce('[' || string_agg(document::text, ',' ORDER BY seq) || ']', '[]') "
    "FROM patients"
)
# A cancelled list query answers 400; JIT compiling costs list queries more than it saves.
_LIST_SETTINGS = text(
    "SELECT set_config('statement_timeout', :timeout, true), set_config('jit', 'off', true)"
)
_GET_ONE = text("SELECT document::text FROM patients WHERE id_key = :id_key")
_INSERT = text(
    "INSERT INTO patients (id_key, id_num, document) "
    "VALUES (:id_key, :id_num, CAST(:document AS json)) "
    "ON CONFLICT (id_key) DO NOTHING RETURNING seq"
)
_ID_SUMMARY = text(
    "SELECT "
    " (SELECT id_num FROM patients WHERE id_num IS NOT NULL ORDER BY id_num DESC LIMIT 1),"
    " EXISTS (SELECT 1 FROM patients WHERE id_num IS NOT NULL),"
    " EXISTS (SELECT 1 FROM patients WHERE id_num IS NULL)"
)
_IDS_IN_ORDER = text("SELECT body -> 'id' FROM patients ORDER BY seq")
_LOCK_ONE = text("SELECT seq, document::text FROM patients WHERE id_key = :id_key FOR UPDATE")
_UPDATE_DOCUMENT = text("UPDATE patients SET document = CAST(:document AS json) WHERE seq = :seq")
_DELETE_ONE = text("DELETE FROM patients WHERE id_key = :id_key RETURNING seq")
_LOCK_TABLE = text("LOCK TABLE patients IN SHARE ROW EXCLUSIVE MODE")
_DELETE_ALL = text(
    "WITH deleted AS (DELETE FROM patients RETURNING 1) SELECT count(*) FROM deleted"
)
_COPY_IN = "COPY patients (id_key, id_num, document) FROM STDIN"
_GET_MANY = text("SELECT id_key, seq, document::text FROM patients WHERE id_key = ANY(:id_keys)")
_PAGE = text(
    "SELECT seq, document::text FROM patients WHERE seq > :after_seq ORDER BY seq LIMIT :limit"
)
_DATABASE = text(
    "SELECT '{\"patients\":' || "
    "coalesce('[' || string_agg(document::text, ',' ORDER BY seq) || ']', '[]') || '}' "
    "FROM patients"
)


@dataclass(frozen=True, slots=True)
class StoredPatient:
    id_key: str
    document: str


def id_number(value: Any) -> Decimal | None:
    """The numeric value of a JSON-number id, for `max + 1`; None for string ids."""
    return Decimal(repr(value)) if id_rule.is_number(value) else None


async def list_all(session: AsyncSession) -> str:
    """The whole collection as a JSON array, in insertion order, built by PostgreSQL."""
    result = await session.execute(_LIST_ALL)
    return str(result.scalar_one())


@dataclass(frozen=True, slots=True)
class ListResult:
    json: str  # the selected records as one JSON array, each record's stored text
    total: int | None  # the filtered count before slicing, when the query asks for it


async def list_patients(
    session: AsyncSession, query: ListQuery, *, timeout_ms: int | None = None
) -> ListResult:
    """The records json-server's query selects, filtered, sorted and sliced in PostgreSQL."""
    await session.execute(_LIST_SETTINGS, {"timeout": f"{timeout_ms or 0}ms"})
    presence = build_presence_statement(query)
    if presence is not None:
        query = query.keeping_present(tuple((await session.execute(presence)).one()))
    try:
        row = (await session.execute(build_list_statement(query))).one()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == INVALID_REGULAR_EXPRESSION:
            raise InvalidQuery("A `_like` pattern is too complex to run.") from None
        raise
    if row.missing_reference:
        raise InvalidQuery(
            "`_expand` needs every listed patient to have the referenced id (e.g. patientId)."
        )
    return ListResult(str(row.body), None if row.total is None else int(row.total))


async def get_shaped(
    session: AsyncSession, query: ListQuery, *, timeout_ms: int | None = None
) -> str | None:
    """One record with `_embed`/`_expand` applied: the single element `query` selects."""
    selected = (await list_patients(session, query, timeout_ms=timeout_ms)).json
    # Ids are unique, so the array holds at most one record's text: `[<record>]`.
    return None if selected == "[]" else selected[1:-1]


async def get(session: AsyncSession, record_id: str) -> str | None:
    """The record whose id, in its string form, equals `record_id`."""
    result = await session.execute(_GET_ONE, {"id_key": record_id})
    document = result.scalar_one_or_none()
    return None if document is None else str(document)


async def _next_id(session: AsyncSession) -> Any:
    summary = (await session.execute(_ID_SUMMARY)).one()
    max_number, has_numeric, has_non_numeric = summary
    if not has_numeric and not has_non_numeric:
        return 1
    if not has_non_numeric:
        return id_rule.increment(max_number)
    if not has_numeric:
        return id_rule.nanoid()
    # Mixed number and string ids: the answer depends on stored order, as in lodash maxBy.
    ids = (await session.execute(_IDS_IN_ORDER)).scalars().all()
    return id_rule.next_id_from_max(id_rule.js_max_id(ids))


async def _insert(session: AsyncSession, record: JsonObject) -> StoredPatient | None:
    document = dumps(record)
    id_key = js_string(record["id"])
    result = await session.execute(
        _INSERT, {"id_key": id_key, "id_num": id_number(record["id"]), "document": document}
    )
    return StoredPatient(id_key, document) if result.first() is not None else None


async def create(session: AsyncSession, record: JsonObject) -> StoredPatient:
    """Store a new record with json-server's id rule; a taken id raises DuplicateId."""
    try:
        chosen = id_rule.given_id(record)
    except id_rule.InvalidId as exc:
        raise InvalidBody(str(exc), code="invalid_id") from None
    await session.execute(_LOCK, {"key": ID_ASSIGNMENT_LOCK})
    if chosen is not None:
        stored = await _insert(session, record)
        if stored is None:
            raise DuplicateId()
        return stored
    while True:  # a generated nanoid may, very rarely, be taken already
        stored = await _insert(session, id_rule.with_id(record, await _next_id(session)))
        if stored is not None:
            return stored


async def _locked(session: AsyncSession, record_id: str) -> tuple[int, JsonObject] | None:
    """The record with this id, locked until the transaction ends, or None."""
    row = (await session.execute(_LOCK_ONE, {"id_key": record_id})).first()
    if row is None:
        return None
    seq, document = row
    stored: JsonObject = parse_json(document)
    return int(seq), stored


async def _store(session: AsyncSession, seq: int, record: JsonObject) -> str:
    document = dumps(record)
    await session.execute(_UPDATE_DOCUMENT, {"document": document, "seq": seq})
    return document


async def replace(session: AsyncSession, record_id: str, record: JsonObject) -> str | None:
    """PUT: the body replaces every field; the stored id (value and type) is kept, at the
    body's `id` position or last. None when no record has this id."""
    found = await _locked(session, record_id)
    if found is None:
        return None
    seq, stored = found
    return await _store(session, seq, id_rule.with_id(record, stored["id"]))


async def update(session: AsyncSession, record_id: str, changes: JsonObject) -> str | None:
    """PATCH: a shallow merge (nested objects are replaced whole, new keys go last, null is
    stored); the id never changes. None when no record has this id."""
    found = await _locked(session, record_id)
    if found is None:
        return None
    seq, stored = found
    original_id = stored["id"]
    stored.update(changes)
    stored["id"] = original_id
    return await _store(session, seq, stored)


async def delete(session: AsyncSession, record_id: str) -> bool:
    """DELETE: True when a record had this id."""
    return (await session.execute(_DELETE_ONE, {"id_key": record_id})).first() is not None


async def database(session: AsyncSession) -> str:
    """`GET /db`: every collection of the database as one JSON object."""
    return str((await session.execute(_DATABASE)).scalar_one())


async def count(session: AsyncSession) -> int:
    result = await session.execute(text("SELECT count(*) FROM patients"))
    return int(result.scalar_one())


async def lock_for_import(session: AsyncSession) -> None:
    """Make every other writer wait until this transaction ends; readers still see the
    committed records. The id lock comes first, in the order every writer takes them."""
    await session.execute(_LOCK, {"key": ID_ASSIGNMENT_LOCK})
    await session.execute(_LOCK_TABLE)


async def delete_all(session: AsyncSession) -> int:
    """Delete every record; returns how many there were."""
    return int((await session.execute(_DELETE_ALL)).scalar_one())


async def import_records(session: AsyncSession, records: Iterable[JsonObject]) -> int:
    """Insert records that already carry their ids, in order, in the caller's transaction.

    COPY, through the session's own connection: a whole db.json goes through here.
    """
    await session.execute(_LOCK, {"key": ID_ASSIGNMENT_LOCK})
    connection = await (await session.connection()).get_raw_connection()
    driver = connection.driver_connection
    assert isinstance(driver, psycopg.AsyncConnection)
    written = 0
    async with driver.cursor() as cursor, cursor.copy(_COPY_IN) as copy:
        for record in records:
            await copy.write_row((js_string(record["id"]), id_number(record["id"]), dumps(record)))
            written += 1
    return written


async def get_many(session: AsyncSession, id_keys: Sequence[str]) -> dict[str, tuple[int, str]]:
    """By id (string form): the list position (`seq`) and the text `get` answers with."""
    rows = await session.execute(_GET_MANY, {"id_keys": list(id_keys)})
    return {str(id_key): (int(seq), str(document)) for id_key, seq, document in rows}


async def list_page(session: AsyncSession, after_seq: int, limit: int) -> list[tuple[int, str]]:
    """The next `limit` records in list order after `after_seq`: the texts `list_all` joins."""
    rows = await session.execute(_PAGE, {"after_seq": after_seq, "limit": limit})
    return [(int(seq), str(document)) for seq, document in rows]


def parse_collection(raw: bytes | str) -> list[JsonObject]:
    """The `patients` array of a db.json document."""
    data = parse_json(raw)
    patients = data.get("patients") if isinstance(data, dict) else None
    if not isinstance(patients, list) or not all(isinstance(p, dict) for p in patients):
        raise ValueError("db.json must be an object whose `patients` is an array of objects.")
    return list(patients)
