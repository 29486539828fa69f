"""Every resource of the database, as json-server routes them: `/<name>` for a collection or a
singular resource, `/<name>/<id>` for one record, `/<name>/<id>/<nested>` for the records of
`<nested>` that refer to it. Parse the request, call one service, shape the response."""

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Request, Response

from app.api.deps import (
    SettingsDep,
    StoreDep,
    audit_note_of,
    identity_of,
    if_match,
    parse_record_body,
)
from app.api.responses import json_response
from app.config import Settings
from app.errors import InvalidQuery, NotFound
from app.json_codec import JsonObject
from app.middleware import ORIGINAL_PATH_KEY
from app.query import (
    ListQuery,
    QueryError,
    link_header,
    parse_item_query,
    parse_list_query,
    with_equality,
)
from app.schemas.patient import ErrorBody
from app.services import collections, records, relations
from app.services.collections import RESERVED_NAMES
from app.store import Catalog, Collection, Kind, Store

router = APIRouter(tags=["resources"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such resource or record; the body is `{}`, as in json-server."}
}
_BAD_BODY: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Malformed JSON, a body that is not an object, or an id that is not valid."),
        (409, "A record with this id (compared as a string) already exists."),
        (413, "The body is larger than the limit (1 MiB by default)."),
        (415, "The body is neither JSON nor a urlencoded form, or not UTF-8."),
    )
}
_INVALID_QUERY: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A query json-server would fail on (`invalid_query`)."}
}
_LIST_QUERY_DOC: dict[str, Any] = {
    "parameters": [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": description,
        }
        for name, description in (
            ("q", "Full-text search over every value (case-insensitive substring)."),
            ("_sort", "Comma-separated fields (dotted paths allowed) to sort by."),
            ("_order", "Comma-separated `asc`/`desc`, one per `_sort` field."),
            ("_page", "Page number; with `_limit` (default 10). Sends X-Total-Count and Link."),
            ("_limit", "Page size, or the slice length from `_start`."),
            ("_start", "Slice start (with `_end` or `_limit`)."),
            ("_end", "Slice end."),
            ("_embed", "Adds the records of this collection that refer to each record."),
            ("_expand", "Adds the record that `<name>Id` refers to, from `plural(name)`."),
        )
    ]
}


def original_url(request: Request) -> str:
    """The request's path and query exactly as sent (Express's `req.originalUrl`)."""
    path: bytes = request.scope.get(ORIGINAL_PATH_KEY, request.url.path.encode())
    query: bytes = request.scope.get("query_string", b"")
    return (path + b"?" + query if query else path).decode("latin-1")


def _typed_segments(request: Request) -> list[str]:
    """The path's segments as sent, still percent-encoded (Express matches resource names on
    the encoded path, in any case)."""
    path: bytes = request.scope.get(ORIGINAL_PATH_KEY, request.url.path.encode())
    return [segment for segment in path.decode("latin-1").split("/") if segment]


def location_of(request: Request, id_key: str | None = None) -> str:
    """json-server's Location: the request URL as sent, then `/<id>` for a new record
    (`json_response` encodes it as Express does)."""
    host = request.headers.get("host", request.url.netloc)
    url = f"{request.url.scheme}://{host}{original_url(request)}"
    return url if id_key is None else f"{url}/{id_key}"


def _list_query(request: Request) -> ListQuery:
    try:
        return parse_list_query(request.scope.get("query_string", b""))
    except QueryError as exc:
        raise InvalidQuery(exc.message) from None


async def _resource(store: Store, typed: str) -> tuple[Catalog, Collection]:
    """The collection or singular resource a URL segment names, with the catalog it was
    found in; 404 when there is none, for the service's own route names, and for a name
    starting with `_` (reserved for the operator routes; json-server resources never do)."""
    if typed.lower() in RESERVED_NAMES or unquote(typed).startswith("_"):
        raise NotFound()
    catalog = await store.catalog()
    found = catalog.route(typed)
    if found is None:
        raise NotFound()
    return catalog, found


async def _list_response(
    request: Request,
    store: Store,
    settings: Settings,
    catalog: Catalog,
    collection: Collection,
    query: ListQuery,
) -> Response:
    result = await records.list_records(
        store,
        catalog,
        collection.name,
        query,
        relations.resolve(catalog, collection.name, query),
        timeout_ms=settings.db_list_timeout_ms,
    )
    audit_note_of(request).touched(collection.name, answer=result)
    headers: dict[str, str] = {}
    if result.total is not None and query.reports_total:
        headers["X-Total-Count"] = str(result.total)
    if query.exposed_headers is not None:
        headers["Access-Control-Expose-Headers"] = query.exposed_headers
    if query.page is not None and result.total is not None:
        headers["Link"] = link_header(
            query.page, result.total, request.headers.get("host"), original_url(request)
        )
    return json_response(request, result.body, headers=headers, etag=result.etag)


async def _singular_response(store: Store, request: Request, name: str) -> Response:
    audit_note_of(request).touched(name, count=0)
    document = await collections.get_singular(store, name)
    if document is None:
        raise NotFound()
    return json_response(request, document)


async def _created(request: Request, store: Store, collection: str, record: JsonObject) -> Response:
    audit_note_of(request).touched(collection)
    stored = await records.create(store, collection, record, identity_of(request))
    audit_note_of(request).touched(collection, (stored.seq,))
    return json_response(
        request,
        stored.document,
        status_code=201,
        headers={
            "Access-Control-Expose-Headers": "Location",
            "Location": location_of(request, stored.id_key),
        },
    )


async def _singular_replaced(
    request: Request, store: Store, name: str, document: JsonObject, status_code: int
) -> Response:
    audit_note_of(request).touched(name, count=0)
    stored = await collections.replace_singular(
        store, name, document, identity_of(request), if_match=if_match(request)
    )
    if stored is None:
        raise NotFound()
    if status_code != 201:
        return json_response(request, stored)
    headers = {"Access-Control-Expose-Headers": "Location", "Location": location_of(request)}
    return json_response(request, stored, status_code=201, headers=headers)


@router.get(
    "/{name}",
    summary="List a collection's records, or read a singular resource",
    responses={**_NOT_FOUND, **_INVALID_QUERY},
    openapi_extra=_LIST_QUERY_DOC,
    description="A collection's records in insertion order, or as json-server's query language "
    "selects them: `?field=value` (dotted paths), `_gte`/`_lte`/`_ne`/`_like` suffixes, `q`, "
    "`_sort`, `_page`/`_limit`, `_start`/`_end`, `_embed`, `_expand`. A singular resource "
    "ignores every query parameter.",
)
async def read_resource(
    request: Request, name: str, store: StoreDep, settings: SettingsDep
) -> Response:
    catalog, resource = await _resource(store, _typed_segments(request)[0])
    if resource.kind is Kind.SINGULAR:
        return await _singular_response(store, request, resource.name)
    return await _list_response(request, store, settings, catalog, resource, _list_query(request))


@router.post(
    "/{name}",
    summary="Create a record, or replace a singular resource",
    status_code=201,
    responses={**_NOT_FOUND, **_BAD_BODY},
    description="A collection gets a new record (json-server's id rule: kept when given, "
    "otherwise the highest numeric id + 1, or a 7-character string when ids are strings). A "
    "singular resource is replaced by the body, as by PUT, and answers 201.",
)
async def create_record(
    request: Request, name: str, store: StoreDep, settings: SettingsDep
) -> Response:
    _catalog, resource = await _resource(store, _typed_segments(request)[0])
    body = await parse_record_body(request, settings)
    if resource.kind is Kind.SINGULAR:
        return await _singular_replaced(request, store, resource.name, body, 201)
    return await _created(request, store, resource.name, body)


@router.put(
    "/{name}",
    summary="Replace a singular resource",
    responses={**_NOT_FOUND, **_BAD_BODY},
    description="Only singular resources (top-level objects of db.json) answer; the body "
    "replaces the object whole. A collection answers 404, as in json-server.",
)
async def replace_singular(
    request: Request, name: str, store: StoreDep, settings: SettingsDep
) -> Response:
    _catalog, resource = await _resource(store, _typed_segments(request)[0])
    if resource.kind is not Kind.SINGULAR:
        raise NotFound()
    body = await parse_record_body(request, settings)
    return await _singular_replaced(request, store, resource.name, body, 200)


@router.patch(
    "/{name}",
    summary="Update some fields of a singular resource",
    responses={**_NOT_FOUND, **_BAD_BODY},
    description="A shallow merge into a singular resource; a collection answers 404.",
)
async def update_singular(
    request: Request, name: str, store: StoreDep, settings: SettingsDep
) -> Response:
    _catalog, resource = await _resource(store, _typed_segments(request)[0])
    if resource.kind is not Kind.SINGULAR:
        raise NotFound()
    changes = await parse_record_body(request, settings)
    audit_note_of(request).touched(resource.name, count=0)
    stored = await collections.update_singular(
        store, resource.name, changes, identity_of(request), if_match=if_match(request)
    )
    if stored is None:
        raise NotFound()
    return json_response(request, stored)


async def _plural(store: Store, request: Request) -> tuple[Catalog, Collection]:
    """The collection of a `/<name>/<id>` route; 404 for a singular resource, which has no
    item routes."""
    catalog, resource = await _resource(store, _typed_segments(request)[0])
    if resource.kind is not Kind.PLURAL:
        raise NotFound()
    return catalog, resource


@router.get(
    "/{name}/{record_id}",
    summary="Get one record",
    responses=_NOT_FOUND,
    description="The record whose id, as a string, is `record_id`; `_embed` and `_expand` "
    "apply, every other query parameter is ignored.",
)
async def get_record(
    request: Request, name: str, record_id: str, store: StoreDep, settings: SettingsDep
) -> Response:
    catalog, collection = await _plural(store, request)
    query = parse_item_query(request.scope.get("query_string", b""), record_id)
    if query is None:
        answer = await records.get(store, catalog, collection.name, record_id)
    else:
        answer = await records.get_shaped(
            store,
            catalog,
            collection.name,
            query,
            relations.resolve(catalog, collection.name, query),
            timeout_ms=settings.db_list_timeout_ms,
        )
    audit_note_of(request).touched(collection.name, () if answer is None else answer.seqs)
    if answer is None:
        raise NotFound()
    return json_response(request, answer.body, etag=answer.etag)


@router.put(
    "/{name}/{record_id}",
    summary="Replace a record",
    responses={**_NOT_FOUND, **_BAD_BODY},
    description="Every field is replaced by the body's; the stored id and its type are kept.",
)
async def replace_record(
    request: Request, name: str, record_id: str, store: StoreDep, settings: SettingsDep
) -> Response:
    return await _rewritten(request, store, settings, record_id, records.replace)


@router.patch(
    "/{name}/{record_id}",
    summary="Update some fields of a record",
    responses={**_NOT_FOUND, **_BAD_BODY},
    description="A shallow merge: top-level fields in the body replace the stored ones "
    "(nested objects are replaced whole); the id never changes.",
)
async def update_record(
    request: Request, name: str, record_id: str, store: StoreDep, settings: SettingsDep
) -> Response:
    return await _rewritten(request, store, settings, record_id, records.update)


async def _rewritten(
    request: Request,
    store: Store,
    settings: Settings,
    record_id: str,
    rewrite: Callable[..., Awaitable[records.StoredRecord | None]],
) -> Response:
    """PUT or PATCH of one record: `rewrite` (`records.replace` or `records.update`) with the
    body, the request's identity and its If-Match."""
    _catalog, collection = await _plural(store, request)
    body = await parse_record_body(request, settings)
    note = audit_note_of(request)
    note.touched(collection.name)
    stored = await rewrite(
        store, collection.name, record_id, body, identity_of(request), if_match=if_match(request)
    )
    if stored is None:
        raise NotFound()
    note.touched(collection.name, (stored.seq,))
    return json_response(request, stored.document)


@router.delete(
    "/{name}/{record_id}",
    summary="Delete a record",
    responses=_NOT_FOUND,
    description="200 with the body `{}`, as json-server answers. Records that refer to it are "
    "kept, unless `CASCADE_DELETES` turns on json-server's cascade.",
)
async def delete_record(
    request: Request, name: str, record_id: str, store: StoreDep, settings: SettingsDep
) -> Response:
    catalog, collection = await _plural(store, request)

    async def cascade(conn: Any) -> int:
        return await collections.sweep_orphans(conn, catalog)

    then = cascade if settings.cascade_deletes else None
    note = audit_note_of(request)
    note.touched(collection.name)
    deleted = await records.delete(
        store,
        collection.name,
        record_id,
        identity_of(request),
        if_match=if_match(request),
        then=then,
    )
    if deleted is None:
        raise NotFound()
    note.touched(collection.name, (deleted,))
    return json_response(request, "{}")


def _nested_foreign_key(request: Request) -> str:
    """json-server's nested routes filter by `singular(<parent segment>)Id`, the segment as
    typed (its case kept), whether or not it names a collection."""
    return relations.foreign_key(unquote(_typed_segments(request)[0]))


@router.get(
    "/{name}/{record_id}/{nested}",
    summary="The records of `nested` that refer to a record",
    responses={**_NOT_FOUND, **_INVALID_QUERY},
    openapi_extra=_LIST_QUERY_DOC,
    description="json-server's nested route: `GET /doctors/1/patients` is "
    "`GET /patients?doctorId=1` (the parent is not checked), with the whole query language.",
)
async def list_nested(
    request: Request,
    name: str,
    record_id: str,
    nested: str,
    store: StoreDep,
    settings: SettingsDep,
) -> Response:
    catalog, children = await _resource(store, _typed_segments(request)[2])
    if children.kind is Kind.SINGULAR:
        return await _singular_response(store, request, children.name)
    query = with_equality(_list_query(request), _nested_foreign_key(request), record_id)
    return await _list_response(request, store, settings, catalog, children, query)


@router.post(
    "/{name}/{record_id}/{nested}",
    summary="Create a record of `nested` that refers to a record",
    status_code=201,
    responses={**_NOT_FOUND, **_BAD_BODY},
    description="json-server's nested route: the body gets `<singular parent>Id` set to the "
    "id as a string, then is created as by `POST /<nested>` (a singular resource is replaced).",
)
async def create_nested(
    request: Request,
    name: str,
    record_id: str,
    nested: str,
    store: StoreDep,
    settings: SettingsDep,
) -> Response:
    _catalog, children = await _resource(store, _typed_segments(request)[2])
    body = await parse_record_body(request, settings)
    body[_nested_foreign_key(request)] = record_id
    if children.kind is Kind.SINGULAR:
        return await _singular_replaced(request, store, children.name, body, 201)
    return await _created(request, store, children.name, body)
