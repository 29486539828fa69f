"""The records of a plural collection: every statement behind `/<collection>`, on a psycopg
connection, with json-server's id rule decided in PostgreSQL so that it holds across worker
processes and instances.

Request-path functions take the worker's `Store`: reads are one round trip on an autocommit
connection (or none, when an answer can be reused), and each write opens and commits its own
transaction here, before the response is sent. The db.json importer calls the bulk functions
at the end, on a connection inside its own transaction.
"""

import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg

from app.answers import Answer
from app.errors import (
    DuplicateId,
    InvalidBody,
    InvalidQuery,
    NotRecords,
    PreconditionFailed,
    UnassignableId,
)
from app.etag import weak_etag
from app.identity import IDENTITY_SETTINGS, RequestIdentity
from app.javascript.sort import order_by
from app.javascript.values import JavaScriptTypeError
from app.json_codec import JsonObject, dumps, js_string, parse_json, queryable_text
from app.query import (
    ListQuery,
    Relations,
    build_list_statement,
    build_matched_statement,
    build_ordered_statement,
    build_presence_statement,
)
from app.query.sql import AUDIT_LIST_SEQS
from app.services import id_rule
from app.store import VERSIONS, Catalog, Connection, Store, versions_of

# The advisory lock that serialises id assignment in one collection (records_create, migration
# 0005, takes the same): "max + 1" is computed over committed rows only.
ID_LOCK_KEY = "hashtext('records:' || %s)"
_LOCK = f"SELECT pg_advisory_xact_lock({ID_LOCK_KEY})"
# List answers are computed in one snapshot, so the versions read with them are theirs.
_SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
# A cancelled list query answers 400; JIT compiling costs list queries more than it saves.
_LIST_SETTINGS = "SELECT set_config('statement_timeout', %s, true), set_config('jit', 'off', true)"
# A list statement (app.query.sql: one row) with the versions of `versions_of` read with it.
_VERSIONS_BESIDE = f"SELECT ({versions_of('%(versions_of)s')}), listed.* FROM "  # noqa: S608
# One statement, so the version is the one the record was read at.
_GET_ONE = (
    "SELECT (SELECT coalesce(sum(version), 0) FROM collection_versions WHERE name = %(c)s), "
    "r.seq, r.document::text FROM (SELECT) AS one "
    "LEFT JOIN records AS r ON r.collection = %(c)s AND r.id_key = %(id)s"
)
_CREATE = "SELECT outcome, id_key, document, seq FROM records_create(%s, %s, %s, %s, %s, %s::json)"
_INSERT = (
    "INSERT INTO records (collection, id_key, id_num, document) VALUES (%s, %s, %s, %s::json) "
    "ON CONFLICT (collection, id_key) DO NOTHING RETURNING seq"
)
_ID_SUMMARY = (
    "SELECT "
    " (SELECT id_num FROM records WHERE collection = %(c)s AND id_num IS NOT NULL "
    "  ORDER BY id_num DESC LIMIT 1),"
    " EXISTS (SELECT 1 FROM records WHERE collection = %(c)s AND id_num IS NOT NULL),"
    " EXISTS (SELECT 1 FROM records WHERE collection = %(c)s AND id_num IS NULL)"
)
_IDS_IN_ORDER = "SELECT body -> 'id' FROM records WHERE collection = %s ORDER BY seq"
_LOCK_ONE = (
    "SELECT seq, document::text FROM records WHERE collection = %s AND id_key = %s FOR UPDATE"
)
_UPDATE_DOCUMENT = "UPDATE records SET document = %s::json WHERE seq = %s"
_DELETE_ONE = "DELETE FROM records WHERE collection = %s AND id_key = %s RETURNING seq"
_DELETE_SEQ = "DELETE FROM records WHERE seq = %s"
_COUNT = "SELECT count(*) FROM records WHERE collection = %s"
_DELETE_ALL = (
    "WITH deleted AS (DELETE FROM records WHERE collection = %s RETURNING 1) "
    "SELECT count(*) FROM deleted"
)
_COPY_IN = "COPY records (collection, id_key, id_num, document) FROM STDIN"
_GET_MANY = (
    "SELECT id_key, seq, document::text FROM records WHERE collection = %s AND id_key = ANY(%s)"
)
_PAGE = (
    "SELECT seq, document::text FROM records WHERE collection = %s AND seq > %s "
    "ORDER BY seq LIMIT %s"
)


@dataclass(frozen=True, slots=True)
class StoredRecord:
    id_key: str  # String(id), as JavaScript has it (for the Location header)
    document: str
    seq: int


def matches(if_match: str | None, document: str | None) -> bool:
    """If-Match against the record's current text (None: no record): `*` matches any record,
    otherwise one of the listed ETags must be the record's, compared weakly as Express's are."""
    if if_match is None:
        return True
    if document is None:
        return False
    if if_match.strip() == "*":
        return True
    current = weak_etag(document.encode()).removeprefix("W/")
    return current in {tag.strip().removeprefix("W/") for tag in if_match.split(",")}


def id_number(value: Any) -> Decimal | None:
    """The numeric value of a JSON-number id, for `max + 1`; None for string ids."""
    return Decimal(repr(value)) if id_rule.is_number(value) else None


async def _one(conn: Connection, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
    cursor = await conn.execute(sql, params)
    return await cursor.fetchone()


def answer_version(catalog: Catalog, collection: str, relations: Relations) -> tuple[int, ...]:
    """The versions an answer over `collection` (and the collections its relations read)
    depends on, as of `catalog`."""
    return catalog.versions((collection, *relations.collections))


async def list_records(
    store: Store,
    catalog: Catalog,
    collection: str,
    query: ListQuery,
    relations: Relations,
    *,
    timeout_ms: int | None = None,
) -> Answer:
    """The records json-server's query selects, filtered, sorted and sliced in PostgreSQL;
    reused while the versions of the collections it reads are unchanged, and computed once for
    all the requests that ask for it at the same time."""
    return await store.reuse(
        ("list", collection, query, relations),
        answer_version(catalog, collection, relations),
        lambda: _select(store, catalog, collection, query, relations, timeout_ms),
    )


def present_in_catalog(catalog: Catalog, collection: str, query: ListQuery) -> list[bool] | None:
    """For each plain filter, whether some record of `collection` has its path, from the fields
    the catalog was read with; None when the catalog cannot tell (a deeper path, a key lodash
    may read as a path, or a collection with too many fields)."""
    stored = catalog.get(collection)
    fields = None if stored is None else stored.fields
    if fields is None:
        return None
    paths = [item.path for item in query.prunable_filters]
    if any(len(path.segments) > 1 or path.literal_key_first for path in paths):
        return None
    return [path.key in fields for path in paths]


async def _select(
    store: Store,
    catalog: Catalog,
    collection: str,
    query: ListQuery,
    relations: Relations,
    timeout_ms: int | None,
) -> tuple[tuple[int, ...], Answer]:
    """The answer and the versions it was computed at. When the catalog says which plain
    filters apply, one statement in one round trip; otherwise (or when a write came between
    the catalog's read and the statement, or a sort field mixes types) a snapshot that reads
    the fields, the list and the versions together."""
    present = present_in_catalog(catalog, collection, query)
    if present is not None:
        answered = await _select_at_once(
            store, catalog, collection, query.keeping_present(present), relations, timeout_ms
        )
        if answered is not None:
            return answered
    return await _select_in_snapshot(store, collection, query, relations, timeout_ms)


def _answer(total: Any, body: Any, returned: Any, seqs: Any) -> Answer:
    return Answer(
        str(body).encode(),
        None if total is None else int(total),
        count=int(returned),
        seqs=() if seqs is None else tuple(int(seq) for seq in seqs),
    )


async def _select_at_once(
    store: Store,
    catalog: Catalog,
    collection: str,
    selected: ListQuery,
    relations: Relations,
    timeout_ms: int | None,
) -> tuple[tuple[int, ...], Answer] | None:
    """The list and the versions it was read at, in one statement (its settings pipelined
    before it: one round trip); None when those versions are not the catalog's, whose fields
    chose the filters, or when a sort field mixes types."""
    names = [collection, *relations.collections]
    statement = build_list_statement(collection, selected, relations)
    params = {**statement.params, "versions_of": names}
    try:
        async with store.pool.connection() as conn:
            async with conn.pipeline():
                await conn.execute(_LIST_SETTINGS, (f"{timeout_ms or 0}ms",))
                listed = f"{_VERSIONS_BESIDE}({statement.text}) AS listed"
                cursor = await conn.execute(listed, params)
            row = await cursor.fetchone()
        assert row is not None  # an aggregate: one row
        versions, total, body, missing_reference, mixed, returned, seqs = row
    except psycopg.errors.InvalidRegularExpression:
        raise InvalidQuery("A `_like` pattern is too complex to run.") from None
    versions = tuple(int(version) for version in versions)
    if versions != catalog.versions(names) or mixed:
        return None
    if missing_reference:
        raise InvalidQuery(
            "`_expand` needs every listed record to have the referenced id (e.g. doctorId)."
        )
    return versions, _answer(total, body, returned, seqs)


async def _select_in_snapshot(
    store: Store,
    collection: str,
    query: ListQuery,
    relations: Relations,
    timeout_ms: int | None,
) -> tuple[tuple[int, ...], Answer]:
    """The answer and the versions it was computed at, from one snapshot. Pipelined: the
    statements before the first answer needed go in one round trip."""
    async with store.pool.connection() as conn, conn.pipeline(), conn.transaction():
        await conn.execute(_SNAPSHOT)
        await conn.execute(_LIST_SETTINGS, (f"{timeout_ms or 0}ms",))
        (versions,) = await _one(conn, VERSIONS, ([collection, *relations.collections],))
        presence = build_presence_statement(collection, query)
        selected = query
        if presence is not None:
            present = await _one(conn, presence.text, presence.params)
            selected = query.keeping_present(tuple(present))
        statement = build_list_statement(collection, selected, relations)
        try:
            total, body, missing_reference, mixed, returned, seqs = await _one(
                conn, statement.text, statement.params
            )
            if mixed:
                total, body, missing_reference, returned, seqs = await _sorted_by_lodash(
                    conn, collection, selected, relations
                )
        except psycopg.errors.InvalidRegularExpression:
            raise InvalidQuery("A `_like` pattern is too complex to run.") from None
    if missing_reference:
        raise InvalidQuery(
            "`_expand` needs every listed record to have the referenced id (e.g. doctorId)."
        )
    return tuple(int(version) for version in versions), _answer(total, body, returned, seqs)


async def _sorted_by_lodash(
    conn: Connection, collection: str, query: ListQuery, relations: Relations
) -> tuple[int | None, str, bool, int, list[int] | None]:
    """(total, body, missing_reference, returned, seqs) of a list whose sort field mixes
    numbers and strings:
    the matches sorted as lodash's orderBy sorts them under V8, then sliced, then shaped."""
    matched = build_matched_statement(collection, query)
    cursor = await conn.execute(matched.text, matched.params)
    rows = await cursor.fetchall()
    try:
        order = order_by(
            [parse_json(document) for _seq, document in rows],
            [key.path.key for key in query.sort],
            [key.descending for key in query.sort],
        )
    except JavaScriptTypeError:
        raise InvalidQuery("A sorted field holds a value JavaScript cannot compare.") from None
    seqs = [int(rows[position][0]) for position in order]
    if query.window is not None:
        seqs = seqs[query.window.start : query.window.end]
    ordered = build_ordered_statement(seqs, relations)
    body, missing_reference = await _one(conn, ordered.text, ordered.params)
    total = None if query.window is None else len(rows)
    audited = seqs if len(seqs) <= AUDIT_LIST_SEQS else None
    return total, str(body), bool(missing_reference), len(seqs), audited


async def get(store: Store, catalog: Catalog, collection: str, record_id: str) -> Answer | None:
    """The record whose id, in its string form, equals `record_id`."""
    key = ("item", collection, record_id)
    reused = store.answers.get(key, catalog.versions((collection,)))
    if reused is not None:
        return reused
    async with store.pool.connection() as conn:
        version, seq, document = await _one(
            conn, _GET_ONE, {"c": collection, "id": queryable_text(record_id)}
        )
    if document is None:
        return None
    answer = Answer(str(document).encode(), seqs=(int(seq),))
    store.answers.put(key, (int(version),), answer)
    return answer


async def get_shaped(
    store: Store,
    catalog: Catalog,
    collection: str,
    query: ListQuery,
    relations: Relations,
    *,
    timeout_ms: int | None = None,
) -> Answer | None:
    """One record with `_embed`/`_expand` applied: the single element `query` selects."""
    selected = await list_records(
        store, catalog, collection, query, relations, timeout_ms=timeout_ms
    )
    # Ids are unique, so the array holds at most one record's text: `[<record>]`.
    if selected.body == b"[]":
        return None
    return Answer(selected.body[1:-1], count=1, seqs=selected.seqs)


async def _next_id(conn: Connection, collection: str) -> Any:
    max_number, has_numeric, has_non_numeric = await _one(conn, _ID_SUMMARY, {"c": collection})
    if not has_numeric and not has_non_numeric:
        return 1
    if not has_non_numeric:
        return id_rule.increment(max_number)
    if not has_numeric:
        return id_rule.nanoid()
    # Mixed number and string ids: the answer depends on stored order, as in lodash maxBy.
    cursor = await conn.execute(_IDS_IN_ORDER, (collection,))
    return id_rule.next_id_from_max(id_rule.js_max_id(row[0] for row in await cursor.fetchall()))


async def _insert(conn: Connection, collection: str, record: JsonObject) -> StoredRecord | None:
    document = dumps(record)
    key = id_key(record["id"])
    row = await _one(conn, _INSERT, (collection, key, id_number(record["id"]), document))
    return None if row is None else StoredRecord(key, document, int(row[0]))


async def create(
    store: Store, collection: str, record: JsonObject, identity: RequestIdentity
) -> StoredRecord:
    """Store a new record with json-server's id rule; a taken id raises DuplicateId.

    One statement (`records_create`, migration 0005) assigns the id and inserts, so the id
    lock is never held across a round trip; float and string ids take the general rule."""
    try:
        chosen = id_rule.given_id(record)
    except id_rule.InvalidId as exc:
        raise InvalidBody(str(exc), code="invalid_id") from None
    placeholder = secrets.token_hex(16)  # where PostgreSQL writes the id it assigns
    params: tuple[str, str, str | None, Decimal | None, str, str]
    request = identity.as_json()  # for the history trigger: the same single statement
    if chosen is None:
        document = dumps(id_rule.with_id(record, placeholder))
        params = (collection, document, None, None, placeholder, request)
    else:
        params = (
            collection,
            dumps(record),
            id_key(chosen),
            id_number(chosen),
            placeholder,
            request,
        )
    async with store.pool.connection() as conn:
        outcome, created_key, document, seq = await _one(conn, _CREATE, params)
        if outcome == "created":
            key = created_key if chosen is None else js_string(chosen)
            return StoredRecord(key, document, int(seq))
        if outcome == "duplicate":
            raise DuplicateId()
        if outcome == "unassignable":
            raise UnassignableId()
        if outcome == "not_records":
            raise NotRecords()
        async with conn.transaction():
            await conn.execute(IDENTITY_SETTINGS, identity.settings())
            await conn.execute(_LOCK, (collection,))
            return await _create_by_general_rule(conn, collection, record)


async def _create_by_general_rule(
    conn: Connection, collection: str, record: JsonObject
) -> StoredRecord:
    """json-server's rule for mixed, float and string ids, under the collection's id lock. A
    generated nanoid may, very rarely, be taken already: another one is drawn. A numeric max + 1
    that is taken (beyond 2^53, max + 1 rounds back to max) has no other candidate."""
    while True:
        new_id = await _next_id(conn, collection)
        if new_id is None:
            raise UnassignableId()
        stored = await _insert(conn, collection, id_rule.with_id(record, new_id))
        if stored is not None:
            return stored
        if not isinstance(new_id, str):
            raise UnassignableId()


async def _locked(
    conn: Connection, collection: str, record_id: str, if_match: str | None
) -> tuple[int, str] | None:
    """(seq, text) of the record with this id, locked until the transaction ends, or None;
    PreconditionFailed when If-Match does not name its current version."""
    row = await _one(conn, _LOCK_ONE, (collection, queryable_text(record_id)))
    if not matches(if_match, None if row is None else str(row[1])):
        raise PreconditionFailed()
    return None if row is None else (int(row[0]), str(row[1]))


async def _rewrite(
    store: Store,
    collection: str,
    record_id: str,
    rewritten: Callable[[JsonObject], JsonObject],
    identity: RequestIdentity,
    if_match: str | None,
) -> StoredRecord | None:
    """Replace the stored record with `rewritten(stored)`, under a row lock; None when no
    record has this id. Pipelined: the identity goes with the lock, the update with the commit."""
    async with store.pool.connection() as conn, conn.pipeline(), conn.transaction():
        await conn.execute(IDENTITY_SETTINGS, identity.settings())
        found = await _locked(conn, collection, record_id, if_match)
        if found is None:
            return None
        seq, stored = found
        document = dumps(rewritten(parse_json(stored)))
        await conn.execute(_UPDATE_DOCUMENT, (document, seq))
        return StoredRecord(record_id, document, seq)


async def replace(
    store: Store,
    collection: str,
    record_id: str,
    record: JsonObject,
    identity: RequestIdentity,
    *,
    if_match: str | None = None,
) -> StoredRecord | None:
    """PUT: the body replaces every field; the stored id (value and type) is kept, at the
    body's `id` position or last. None when no record has this id."""
    return await _rewrite(
        store,
        collection,
        record_id,
        lambda stored: id_rule.with_id(record, stored["id"]),
        identity,
        if_match,
    )


async def update(
    store: Store,
    collection: str,
    record_id: str,
    changes: JsonObject,
    identity: RequestIdentity,
    *,
    if_match: str | None = None,
) -> StoredRecord | None:
    """PATCH: a shallow merge (nested objects are replaced whole, new keys go last, null is
    stored); the id never changes. None when no record has this id."""

    def merged(stored: JsonObject) -> JsonObject:
        original_id = stored["id"]
        stored.update(changes)
        stored["id"] = original_id
        return stored

    return await _rewrite(store, collection, record_id, merged, identity, if_match)


async def delete(
    store: Store,
    collection: str,
    record_id: str,
    identity: RequestIdentity,
    *,
    if_match: str | None = None,
    then: Callable[[Connection], Awaitable[object]] | None = None,
) -> int | None:
    """DELETE: the deleted record's seq, None when no record had this id. `then` runs in the
    same transaction (the cascade, when it is on), whether or not a record was found, as in
    json-server. With If-Match, the record is locked and compared first."""
    async with store.pool.connection() as conn, conn.pipeline(), conn.transaction():
        await conn.execute(IDENTITY_SETTINGS, identity.settings())
        if if_match is None:
            row = await _one(conn, _DELETE_ONE, (collection, queryable_text(record_id)))
            deleted = None if row is None else int(row[0])
        else:
            found = await _locked(conn, collection, record_id, if_match)
            deleted = None if found is None else found[0]
            if deleted is not None:
                await conn.execute(_DELETE_SEQ, (deleted,))
        if then is not None:
            await then(conn)
    return deleted


async def count(conn: Connection, collection: str) -> int:
    return int((await _one(conn, _COUNT, (collection,)))[0])


async def lock_for_import(conn: Connection, collection: str) -> None:
    """Make every other id-assigning writer of `collection` wait until this transaction ends;
    readers still see the committed records."""
    await conn.execute(_LOCK, (collection,))


async def delete_all(conn: Connection, collection: str) -> int:
    """Delete every record of `collection`; returns how many there were."""
    return int((await _one(conn, _DELETE_ALL, (collection,)))[0])


def id_key(value: Any) -> str:
    """How a record's id is looked up: JavaScript's `String(id)`, as PostgreSQL can hold it."""
    return queryable_text(js_string(value))


def _id_columns(record: Any) -> tuple[str | None, Decimal | None]:
    """(String(id), the numeric id) of a record; (None, None) for a record without an id,
    which json-server keeps and lists (or a value that is not an object)."""
    if not isinstance(record, dict) or record.get("id") is None:
        return None, None
    return id_key(record["id"]), id_number(record["id"])


async def import_records(conn: Connection, collection: str, records: Iterable[Any]) -> int:
    """Insert records as they are (ids included), in order, in the caller's transaction, with
    COPY."""
    return await import_texts(conn, collection, ((record, dumps(record)) for record in records))


async def import_texts(
    conn: Connection, collection: str, records: Iterable[tuple[Any, str]]
) -> int:
    """Insert records given as (parsed record, its JSON text), in order, in the caller's
    transaction, with COPY; the text is stored as it is (a db.json's records keep the text
    they were written with). The db.json importer writes every collection through here."""
    await lock_for_import(conn, collection)
    written = 0
    async with conn.cursor() as cursor, cursor.copy(_COPY_IN) as copy:
        for record, text in records:
            await copy.write_row((collection, *_id_columns(record), text))
            written += 1
    return written


async def get_many(
    conn: Connection, collection: str, id_keys: Sequence[str]
) -> dict[str, tuple[int, str]]:
    """By id (string form): the list position (`seq`) and the text `get` answers with."""
    cursor = await conn.execute(_GET_MANY, (collection, [queryable_text(k) for k in id_keys]))
    return {str(key): (int(seq), str(document)) for key, seq, document in await cursor.fetchall()}


async def list_page(
    conn: Connection, collection: str, after_seq: int, limit: int
) -> list[tuple[int, str]]:
    """The next `limit` records of `collection` in list order after `after_seq`, as stored."""
    cursor = await conn.execute(_PAGE, (collection, after_seq, limit))
    return [(int(seq), str(document)) for seq, document in await cursor.fetchall()]
