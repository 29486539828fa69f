"""/patients: parse the request, call the patient service, shape the json-server response."""

from typing import Any

from fastapi import APIRouter, Request, Response

from app.api.deps import SessionDep, SettingsDep, parse_record_body
from app.api.responses import json_response
from app.errors import NotFound
from app.middleware import ORIGINAL_PATH_KEY
from app.schemas.patient import ErrorBody, Patient
from app.services import patients as patient_service

router = APIRouter(prefix="/patients", tags=["patients"])

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
    original = request.scope.get(ORIGINAL_PATH_KEY, request.url.path.encode()).decode()
    query = request.url.query
    host = request.headers.get("host", request.url.netloc)
    return f"{request.url.scheme}://{host}{original}{'?' + query if query else ''}/{id_key}"


@router.get(
    "",
    summary="List patients",
    response_model=list[Patient],
    description="Every patient, in insertion order.",
)
async def list_patients(request: Request, session: SessionDep) -> Response:
    return json_response(request, await patient_service.list_all(session))


@router.get(
    "/{patient_id}",
    summary="Get one patient",
    response_model=Patient,
    responses=_NOT_FOUND,
)
async def get_patient(request: Request, patient_id: str, session: SessionDep) -> Response:
    document = await patient_service.get(session, patient_id)
    if document is None:
        raise NotFound()
    return json_response(request, document)


@router.post(
    "",
    summary="Create a patient",
    status_code=201,
    response_model=Patient,
    responses=_BAD_BODY,
    openapi_extra=_RECORD_BODY_DOC,
)
async def create_patient(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    record = await parse_record_body(request, settings)
    stored = await patient_service.create(session, record)
    return json_response(
        request,
        stored.document,
        status_code=201,
        headers={
            "Access-Control-Expose-Headers": "Location",
            "Location": location_of(request, stored.id_key),
        },
    )


@router.put(
    "/{patient_id}",
    summary="Replace a patient",
    response_model=Patient,
    responses={**_NOT_FOUND, **_BAD_BODY},
    openapi_extra=_RECORD_BODY_DOC,
    description="Every field is replaced by the body's; the stored id and its type are kept.",
)
async def replace_patient(
    request: Request, patient_id: str, session: SessionDep, settings: SettingsDep
) -> Response:
    record = await parse_record_body(request, settings)
    document = await patient_service.replace(session, patient_id, record)
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
    request: Request, patient_id: str, session: SessionDep, settings: SettingsDep
) -> Response:
    changes = await parse_record_body(request, settings)
    document = await patient_service.update(session, patient_id, changes)
    if document is None:
        raise NotFound()
    return json_response(request, document)


@router.delete(
    "/{patient_id}",
    summary="Delete a patient",
    responses=_NOT_FOUND,
    description="200 with the body `{}`, as json-server answers.",
)
async def delete_patient(request: Request, patient_id: str, session: SessionDep) -> Response:
    if not await patient_service.delete(session, patient_id):
        raise NotFound()
    return json_response(request, "{}")
