"""/patients: parse the request, call the patient service, shape the json-server response."""

from typing import Any

from fastapi import APIRouter, Request, Response

from app.api.deps import DatabaseDep, SettingsDep, parse_record_body
from app.api.responses import json_response
from app.config import Settings
from app.database import Database
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
from app.schemas.patient import ErrorBody, Patient
from app.services import patients as patient_service

router = APIRouter(prefix="/patients", tags=["patients"])

# json-server's nested routes: /patients/<id>/patients is /patients?patientId=<id>.
NESTED_RESOURCE = "patients"
NESTED_FOREIGN_KEY = "patientId"

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No patient has this id; the body is `{}`, as in json-server."}
}
_BAD_BODY: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Malformed JSON, a body that is not an object, or an id that is not valid."),
        (409, "A patient with this id (compared as a string) already exists."),
        (413, "The body is larger than the limit (1 MiB by default)."),
        (415, "The body is neither JSON nor a urlencoded form, or not UTF-8."),
    )
}
_RECORD_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/PatientIn"}},
        },
    }
}


def location_of(request: Request, id_key: str) -> str:
    """json-server's Location: the request URL as sent, then `/<id>`."""
    host = request.headers.get("host", request.url.netloc)
    return f"{request.url.scheme}://{host}{original_url(request)}/{id_key}"


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
            ("_embed", "Adds this key to each record (`[]` unless it is `patients`)."),
            ("_expand", "`patient`: replaces `patientId` references with the patient."),
        )
    ]
}
_INVALID_QUERY: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A query json-server would fail on (`invalid_query`)."}
}


def original_url(request: Request) -> str:
    """The request's path and query exactly as sent (Express's `req.originalUrl`)."""
    path: bytes = request.scope.get(ORIGINAL_PATH_KEY, request.url.path.encode())
    query: bytes = request.scope.get("query_string", b"")
    return (path + b"?" + query if query else path).decode("latin-1")


@router.get(
    "",
    summary="List patients",
    response_model=list[Patient],
    responses=_INVALID_QUERY,
    openapi_extra=_LIST_QUERY_DOC,
    description="Patients in insertion order, or as json-server's query language selects them: "
    "`?field=value` (dotted paths), `_gte`/`_lte`/`_ne`/`_like` suffixes, `q`, `_sort`, "
    "`_page`/`_limit`, `_start`/`_end`, `_embed`, `_expand`.",
)
async def list_patients(request: Request, db: DatabaseDep, settings: SettingsDep) -> Response:
    return await _list_response(request, db, settings, _list_query(request))


def _list_query(request: Request) -> ListQuery:
    try:
        return parse_list_query(request.scope.get("query_string", b""))
    except QueryError as exc:
        raise InvalidQuery(exc.message) from None


async def _list_response(
    request: Request, db: Database, settings: Settings, query: ListQuery
) -> Response:
    result = await patient_service.list_patients(db, query, timeout_ms=settings.db_list_timeout_ms)
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


@router.get(
    "/{patient_id}",
    summary="Get one patient",
    response_model=Patient,
    responses=_NOT_FOUND,
)
async def get_patient(
    request: Request,
    patient_id: str,
    db: DatabaseDep,
    settings: SettingsDep,
) -> Response:
    query = parse_item_query(request.scope.get("query_string", b""), patient_id)
    if query is None:
        answer = await patient_service.get(db, patient_id)
    else:
        answer = await patient_service.get_shaped(db, query, timeout_ms=settings.db_list_timeout_ms)
    if answer is None:
        raise NotFound()
    return json_response(request, answer.body, etag=answer.etag)


@router.post(
    "",
    summary="Create a patient",
    status_code=201,
    response_model=Patient,
    responses=_BAD_BODY,
    openapi_extra=_RECORD_BODY_DOC,
)
async def create_patient(request: Request, db: DatabaseDep, settings: SettingsDep) -> Response:
    return await _created(request, db, await parse_record_body(request, settings))


async def _created(request: Request, db: Database, record: JsonObject) -> Response:
    stored = await patient_service.create(db, record)
    return json_response(
        request,
        stored.document,
        status_code=201,
        headers={
            "Access-Control-Expose-Headers": "Location",
            "Location": location_of(request, stored.id_key),
        },
    )


@router.get(
    "/{patient_id}/{nested}",
    summary="Patients whose patientId is this id",
    response_model=list[Patient],
    responses={**_NOT_FOUND, **_INVALID_QUERY},
    description="json-server's nested route: `GET /patients/1/patients` is "
    "`GET /patients?patientId=1`; any other nested name is 404 `{}`.",
)
async def list_nested(
    request: Request,
    patient_id: str,
    nested: str,
    db: DatabaseDep,
    settings: SettingsDep,
) -> Response:
    if nested.lower() != NESTED_RESOURCE:
        raise NotFound()
    query = with_equality(_list_query(request), NESTED_FOREIGN_KEY, patient_id)
    return await _list_response(request, db, settings, query)


@router.post(
    "/{patient_id}/{nested}",
    summary="Create a patient whose patientId is this id",
    status_code=201,
    response_model=Patient,
    responses={**_NOT_FOUND, **_BAD_BODY},
    openapi_extra=_RECORD_BODY_DOC,
    description="json-server's nested route: the body gets `patientId` (as a string) and is "
    "created as by `POST /patients`; any other nested name is 404 `{}`.",
)
async def create_nested(
    request: Request, patient_id: str, nested: str, db: DatabaseDep, settings: SettingsDep
) -> Response:
    if nested.lower() != NESTED_RESOURCE:
        raise NotFound()
    record = await parse_record_body(request, settings)
    record[NESTED_FOREIGN_KEY] = patient_id
    return await _created(request, db, record)


@router.put(
    "/{patient_id}",
    summary="Replace a patient",
    response_model=Patient,
    responses={**_NOT_FOUND, **_BAD_BODY},
    openapi_extra=_RECORD_BODY_DOC,
    description="Every field is replaced by the body's; the stored id and its type are kept.",
)
async def replace_patient(
    request: Request, patient_id: str, db: DatabaseDep, settings: SettingsDep
) -> Response:
    record = await parse_record_body(request, settings)
    document = await patient_service.replace(db, patient_id, record)
    if document is None:
        raise NotFound()
    return json_response(request, document)


@router.patch(
    "/{patient_id}",
    summary="Update some fields of a patient",
    response_model=Patient,
    responses={**_NOT_FOUND, **_BAD_BODY},
    openapi_extra=_RECORD_BODY_DOC,
    description="A shallow merge: top-level fields in the body replace the stored ones "
    "(nested objects are replaced whole); the id never changes.",
)
async def update_patient(
    request: Request, patient_id: str, db: DatabaseDep, settings: SettingsDep
) -> Response:
    changes = await parse_record_body(request, settings)
    document = await patient_service.update(db, patient_id, changes)
    if document is None:
        raise NotFound()
    return json_response(request, document)


@router.delete(
    "/{patient_id}",
    summary="Delete a patient",
    responses=_NOT_FOUND,
    description="200 with the body `{}`, as json-server answers.",
)
async def delete_patient(request: Request, patient_id: str, db: DatabaseDep) -> Response:
    if not await patient_service.delete(db, patient_id):
        raise NotFound()
    return json_response(request, "{}")
