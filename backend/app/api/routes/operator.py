"""The operator's routes, outside json-server's surface: a record's history and restoring a
version (`/_history`), and the audit log (`/_audit`). Every one needs
`Authorization: Bearer <ADMIN_TOKEN>`; without a token configured (development only) they
are open."""

import hmac
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from app.api.deps import SettingsDep, StoreDep, audit_note_of, identity_of, read_body
from app.api.responses import json_response
from app.config import Settings
from app.errors import InvalidBody, InvalidQuery, NotFound, Unauthorized
from app.json_codec import JsonBodyError, parse_json_object
from app.services import audit, history
from app.store import Collection, Kind, Store

_MAX_LIMIT = 1000


def _authorized(request: Request, settings: SettingsDep) -> None:
    """Bearer ADMIN_TOKEN, compared in constant time; open when no token is configured."""
    if settings.admin_token is None:
        return
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    expected = settings.admin_token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), expected):
        raise Unauthorized("This route needs Authorization: Bearer <ADMIN_TOKEN>.")


router = APIRouter(tags=["operator"], dependencies=[Depends(_authorized)])
Paging = tuple[int, int]


def _paging(request: Request) -> Paging:
    """(offset, limit) from `_page` (from 1) and `_limit` (default 10, at most 1000)."""
    try:
        page = int(request.query_params.get("_page", "1"))
        limit = int(request.query_params.get("_limit", "10"))
    except ValueError:
        raise InvalidQuery("`_page` and `_limit` must be whole numbers.") from None
    if page < 1 or not 1 <= limit <= _MAX_LIMIT:
        raise InvalidQuery(f"`_page` starts at 1; `_limit` is between 1 and {_MAX_LIMIT}.")
    return (page - 1) * limit, limit


async def _collection(store: Store, name: str) -> Collection:
    found = (await store.catalog()).get(name)
    if found is None or found.kind is Kind.SCHEMA:
        raise NotFound()
    return found


async def _versions(request: Request, store: Store, name: str, record_id: str | None) -> Response:
    collection = await _collection(store, name)
    offset, limit = _paging(request)
    total, page, seqs = await history.versions(store, collection.name, record_id, offset, limit)
    audit_note_of(request).touched(collection.name, seqs, count=len(page))
    return json_response(request, page, headers={"X-Total-Count": str(total)})


@router.get("/_history/{name}", summary="Every version in a collection, newest first")
async def collection_history(request: Request, name: str, store: StoreDep) -> Response:
    return await _versions(request, store, name, None)


@router.get("/_history/{name}/{record_id}", summary="A record's versions, newest first")
async def record_history(request: Request, name: str, record_id: str, store: StoreDep) -> Response:
    return await _versions(request, store, name, record_id)


async def _version_asked(request: Request, settings: Settings) -> int:
    try:
        body = parse_json_object(await read_body(request, settings.max_body_bytes))
    except JsonBodyError as exc:
        raise InvalidBody(exc.message, code=exc.code) from None
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidBody('Send {"version": <n>}, a version number from the history.')
    return version


async def _restore(
    request: Request, store: Store, settings: Settings, name: str, record_id: str | None
) -> Response:
    collection = await _collection(store, name)
    version = await _version_asked(request, settings)
    note = audit_note_of(request)
    note.touched(collection.name)
    document, seq = await history.restore(
        store, collection.kind, collection.name, record_id, version, identity_of(request)
    )
    note.touched(collection.name, () if seq is None else (seq,), count=1)
    return json_response(request, document)


@router.post(
    "/_history/{name}/{record_id}/restore",
    summary="Restore a version of a record (undeleting it if it was deleted)",
)
async def restore_record(
    request: Request, name: str, record_id: str, store: StoreDep, settings: SettingsDep
) -> Response:
    return await _restore(request, store, settings, name, record_id)


@router.post("/_history/{name}/restore", summary="Restore a version of a singular resource")
async def restore_singular(
    request: Request, name: str, store: StoreDep, settings: SettingsDep
) -> Response:
    collection = await _collection(store, name)
    if collection.kind is not Kind.SINGULAR:
        raise NotFound()
    return await _restore(request, store, settings, name, None)


def _time(request: Request, key: str) -> datetime | None:
    value = request.query_params.get(key)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InvalidQuery(f"`{key}` must be an ISO 8601 time.") from None


@router.get(
    "/_audit",
    summary="Audit entries, newest first",
    description="Filters: `since`, `until` (ISO 8601), `collection` (with `id`: one record), "
    "`request_id`, `client`, `actor`; `_page`/`_limit`; `format=ndjson` exports.",
)
async def audit_entries(request: Request, store: StoreDep) -> Response:
    params = request.query_params
    offset, limit = _paging(request)
    record_id = params.get("id")
    resource = params.get("collection")
    if record_id is not None and resource is None:
        raise InvalidQuery("`id` needs `collection`.")
    seqs = None
    if resource is not None and record_id is not None:
        seqs = await history.record_seqs(store, resource, record_id)
    wanted = audit.AuditFilter(
        since=_time(request, "since"),
        until=_time(request, "until"),
        resource=resource,
        record_seqs=seqs,
        request_id=params.get("request_id"),
        client_addr=params.get("client"),
        actor=params.get("actor"),
    )
    total, entries = await audit.search(store, wanted, offset, limit)
    headers = {"X-Total-Count": str(total)}
    if params.get("format") == "ndjson":
        return Response(
            audit.to_json_lines(entries), media_type="application/x-ndjson", headers=headers
        )
    body: Any = entries
    return json_response(request, body, headers=headers)
