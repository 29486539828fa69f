"""What spans collections: `GET /db`, singular resources (a top-level object of db.json), and
json-server's delete cascade, which is off unless `CASCADE_DELETES` turns it on."""

from dataclasses import dataclass
from typing import Any

from app.errors import PreconditionFailed
from app.identity import IDENTITY_SETTINGS, RequestIdentity
from app.javascript.pluralize import plural
from app.json_codec import JsonObject, dumps, js_property_order, json_type_name, parse_json
from app.services import records
from app.services.relations import FOREIGN_KEY_SUFFIX
from app.store import Catalog, Connection, Kind, Store

# Every key in db.json order; a plural collection's records in insertion order.
_DATABASE = (
    "SELECT '{' || coalesce(string_agg(to_json(c.name)::text || ':' || CASE c.kind "
    "WHEN 'plural' THEN coalesce((SELECT '[' || string_agg(r.document::text, ',' ORDER BY r.seq)"
    " || ']' FROM records AS r WHERE r.collection = c.name), '[]') "
    "ELSE c.document::text END, ',' ORDER BY c.position), '') || '}' FROM collections AS c"
)
_GET_SINGULAR = "SELECT document::text FROM collections WHERE name = %s AND kind = 'singular'"
_LOCK_SINGULAR = (
    "SELECT document::text FROM collections WHERE name = %s AND kind = 'singular' FOR UPDATE"
)
_SET_SINGULAR = (
    "UPDATE collections SET document = %s::json WHERE name = %s AND kind = 'singular' "
    "RETURNING document::text"
)
# The top-level fields named like foreign keys (`<x>Id`), per collection.
_FOREIGN_KEY_FIELDS = (
    "SELECT DISTINCT r.collection, field FROM records AS r, jsonb_object_keys("
    "CASE WHEN jsonb_typeof(r.body) = 'object' THEN r.body ELSE '{}' END) AS field "
    "WHERE field LIKE '_%%' || %s"
)
_ORPHANS = (
    "SELECT r.seq FROM records AS r WHERE r.collection = %(child)s AND r.body ? %(field)s "
    "AND NOT EXISTS (SELECT 1 FROM records AS parent WHERE parent.collection = %(parent)s "
    "AND parent.id_key = js_string(r.body -> %(field)s))"
)
_DELETE_SEQS = "DELETE FROM records WHERE seq = ANY(%s)"


async def _one(conn: Connection, sql: str, params: Any = ()) -> Any:
    cursor = await conn.execute(sql, params)
    return await cursor.fetchone()


async def database(store: Store) -> str:
    """`GET /db`: every collection, singular resource and `$schema`, as one JSON object."""
    async with store.pool.connection() as conn:
        return str((await _one(conn, _DATABASE))[0])


async def get_singular(store: Store, name: str) -> str | None:
    async with store.pool.connection() as conn:
        row = await _one(conn, _GET_SINGULAR, (name,))
    return None if row is None else str(row[0])


async def _locked_singular(conn: Connection, name: str, if_match: str | None) -> str | None:
    row = await _one(conn, _LOCK_SINGULAR, (name,))
    stored = None if row is None else str(row[0])
    if not records.matches(if_match, stored):
        raise PreconditionFailed()
    return stored


async def replace_singular(
    store: Store,
    name: str,
    document: JsonObject,
    identity: RequestIdentity,
    *,
    if_match: str | None = None,
) -> str | None:
    """PUT and POST on a singular resource: the body replaces it whole. Without If-Match,
    the identity, the update and the commit go in one round trip."""
    async with store.pool.connection() as conn:
        async with conn.pipeline(), conn.transaction():
            await conn.execute(IDENTITY_SETTINGS, identity.settings())
            if if_match is not None and await _locked_singular(conn, name, if_match) is None:
                return None
            written = await conn.execute(_SET_SINGULAR, (dumps(document), name))
        row = await written.fetchone()
    return None if row is None else str(row[0])


async def update_singular(
    store: Store,
    name: str,
    changes: JsonObject,
    identity: RequestIdentity,
    *,
    if_match: str | None = None,
) -> str | None:
    """PATCH on a singular resource: a shallow merge (lodash `assign`), new keys last."""
    async with store.pool.connection() as conn, conn.pipeline(), conn.transaction():
        await conn.execute(IDENTITY_SETTINGS, identity.settings())
        text = await _locked_singular(conn, name, if_match)
        if text is None:
            return None
        stored = parse_json(text)
        merged = {**stored, **changes} if isinstance(stored, dict) else changes
        written = await _one(conn, _SET_SINGULAR, (dumps(merged), name))
    return str(written[0])


async def sweep_orphans(conn: Connection, catalog: Catalog) -> int:
    """json-server's cascade, in the caller's transaction: remove every record with a
    top-level `<x>Id` field when the collection keyed `plural(x)` exists and holds no record
    with that id (compared as strings). Orphans are collected in one pass, then removed, so a
    record orphaned by this sweep stays until the next one, as in json-server."""
    cursor = await conn.execute(_FOREIGN_KEY_FIELDS, (FOREIGN_KEY_SUFFIX,))
    orphans: list[int] = []
    for child, field in await cursor.fetchall():
        parent = catalog.get(plural(str(field).removesuffix(FOREIGN_KEY_SUFFIX)))
        if parent is None or parent.kind is not Kind.PLURAL:
            continue
        found = await conn.execute(
            _ORPHANS, {"child": child, "field": field, "parent": parent.name}
        )
        orphans += [int(seq) for (seq,) in await found.fetchall()]
    if orphans:
        await conn.execute(_DELETE_SEQS, (orphans,))
    return len(orphans)


_DELETE_EVERYTHING = "DELETE FROM collections"
_ADD_COLLECTION = "INSERT INTO collections (name, position, kind, document) VALUES (%s, %s, %s, %s)"
SCHEMA_KEY = "$schema"
# The service's own routes, which no collection can take (compared case-insensitively); `db`
# is not among them: json-server serves a collection named `db` except at `GET /db`.
RESERVED_NAMES = frozenset(("health", "docs", "redoc", "openapi.json"))


def kind_of(name: str, value: Any) -> Kind:
    """What a top-level key of db.json becomes: an array a collection, an object a singular
    resource, `$schema` neither (json-server routes it nowhere but shows it in GET /db)."""
    if name == SCHEMA_KEY:
        return Kind.SCHEMA
    if isinstance(value, list):
        return Kind.PLURAL
    if isinstance(value, dict):
        return Kind.SINGULAR
    raise ValueError(f"Type of {name!r} ({json_type_name(value)}) is not supported.")


async def add_collection(conn: Connection, name: str, position: int, value: Any) -> Kind:
    """Store one top-level key of db.json and its records, in the caller's transaction."""
    kind = kind_of(name, value)
    await create(conn, name, position, kind, None if kind is Kind.PLURAL else dumps(value))
    if kind is Kind.PLURAL:
        await records.import_records(conn, name, value)
    return kind


# --- The db.json importer's statements, in its transaction ---------------------------------

_LOCK_CATALOG = "LOCK TABLE collections IN SHARE ROW EXCLUSIVE MODE"
_STORED = (
    "SELECT c.name, c.position, c.kind, c.document::text, c.kind <> 'plural' OR EXISTS "
    "(SELECT 1 FROM records AS r WHERE r.collection = c.name) FROM collections AS c "
    "ORDER BY c.position"
)
_REMOVE = "DELETE FROM collections WHERE name = %s"


@dataclass(frozen=True, slots=True)
class StoredCollection:
    name: str
    position: int
    kind: Kind
    document: str | None  # the JSON text of a singular resource or `$schema`
    holds_data: bool  # a record, or a singular resource or `$schema` (which always do)


async def lock_catalog(conn: Connection) -> None:
    """Make other importers and every change to the list of collections wait until this
    transaction ends; readers, and writers of records, go on."""
    await conn.execute(_LOCK_CATALOG)


async def stored(conn: Connection) -> list[StoredCollection]:
    """Every collection, in `GET /db` order."""
    cursor = await conn.execute(_STORED)
    return [
        StoredCollection(str(name), int(position), Kind(kind), document, bool(holds_data))
        for name, position, kind, document, holds_data in await cursor.fetchall()
    ]


async def create(
    conn: Connection, name: str, position: int, kind: Kind, document: str | None
) -> None:
    """Store one top-level key of db.json, without records; `document` is the JSON text of a
    singular resource or `$schema`, stored as it is."""
    await conn.execute(_ADD_COLLECTION, (name, position, kind.value, document))


async def remove(conn: Connection, name: str) -> None:
    """Remove a collection and its records."""
    await conn.execute(_REMOVE, (name,))


async def remove_everything(conn: Connection) -> None:
    await conn.execute(_DELETE_EVERYTHING)


async def replace_everything(conn: Connection, document: JsonObject) -> None:
    """Make the database hold exactly `document` (a parsed db.json), in the caller's
    transaction: its keys in JavaScript's property order, each collection's records in order."""
    await remove_everything(conn)
    for position, name in enumerate(js_property_order(document)):
        await add_collection(conn, name, position, document[name])
