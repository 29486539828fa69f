"""The OpenAPI document, with a path for every resource the database holds now.

The routes are generic (`/{name}`, `/{name}/{record_id}`), so the document FastAPI generates
from them is a template: each collection and singular resource gets its own copy of the
operations that apply to it, read from the catalog when the document is asked for. Records are
documented as what they are, any JSON; `/patients` keeps its documented fields. The responses
are the ones the service really sends (checked by `tests/integration/test_fuzz.py`): errors as
`{"error": {...}}`, 404 as `{}`, no 405 or 422, and the headers that come with them.
"""

import copy
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi

from app.api.responses import json_response
from app.schemas.patient import PatientIn
from app.store import Catalog, Kind, Store

OPENAPI_URL = "/openapi.json"
DOCUMENTED_COLLECTION = "patients"  # its fields are described in app.schemas.patient

_LIST = "/{name}"
_ITEM = "/{name}/{record_id}"
_PLURAL_METHODS = {_LIST: ("get", "post"), _ITEM: ("get", "put", "patch", "delete")}
_SINGULAR_METHODS = ("get", "post", "put", "patch")
_WRITES = ("post", "put", "patch")

_SCHEMAS = "#/components/schemas/"
_ANY_VALUE: dict[str, Any] = {"description": "Any JSON value, stored as sent."}
_RECORD: dict[str, Any] = {
    "type": "object",
    "description": "A record: a JSON object with any fields of any JSON type, as sent.",
}
_ERROR = {"$ref": f"{_SCHEMAS}ErrorBody"}
_EMPTY_OBJECT: dict[str, Any] = {"type": "object", "maxProperties": 0}
# A client-chosen id: a number or a string; a falsy one (null, false, 0, "") asks for a new one.
_REQUEST_ID: dict[str, Any] = {
    "anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}, {"const": False}],
    "description": "Kept as given (a number or a string). Omitted, null, 0, false or "
    '"": the highest numeric id + 1, or a random 7-character string when ids are strings. '
    "Any other type is refused (400).",
}
_FORM = {"type": "object", "additionalProperties": {"type": "string"}}

_REQUEST_ID_HEADER = {
    "description": "The request's id (also in the audit log).",
    "schema": {"type": "string"},
    "required": True,
}
_ETAG_HEADER = {
    "description": 'A weak ETag over the body, as Express computes it: `W/"<len>-<hash>"`.',
    "schema": {"type": "string", "pattern": '^W/"'},
    "required": True,
}
_LOCATION_HEADER = {
    "description": "The new record's URL (the request's URL, then `/<id>`).",
    "schema": {"type": "string"},
    "required": True,
}
_LIST_HEADERS = {
    "X-Total-Count": {
        "description": "The number of records the filters select, with `_page`, `_start`, or "
        "`_end`.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "Link": {
        "description": "first/prev/next/last page links, with `_page`.",
        "schema": {"type": "string"},
    },
}
_ERRORS: dict[int, str] = {
    400: "Malformed JSON, a body that is not an object, an id that is not a number or a "
    "string, a number beyond a double, or a query past the service's bounds or one "
    "json-server would fail on.",
    401: "The operator routes need `Authorization: Bearer <ADMIN_TOKEN>`.",
    409: "A record with this id (compared as a string) already exists, or no new id follows "
    "the largest one.",
    412: "`If-Match` names a version of the record that is no longer the current one.",
    413: "The body is larger than the limit (1 MiB by default).",
    414: "The URL is longer than the limit (8 KiB by default).",
    415: "The body is neither JSON nor a urlencoded form, or not UTF-8.",
    503: "The database is not reachable or too busy; retry after `Retry-After` seconds.",
}


def _error(status: int) -> dict[str, Any]:
    headers: dict[str, Any] = {"X-Request-ID": _REQUEST_ID_HEADER}
    if status == 503:
        headers["Retry-After"] = {"schema": {"type": "string"}, "required": True}
    if status == 401:
        headers["WWW-Authenticate"] = {"schema": {"type": "string"}, "required": True}
    return {
        "description": _ERRORS[status],
        "headers": headers,
        "content": {"application/json": {"schema": _ERROR}},
    }


def _not_found() -> dict[str, Any]:
    return {
        "description": "No such resource or record; the body is `{}`, as in json-server. A "
        "method a path does not have is answered so too: there is never a 405.",
        "headers": {"X-Request-ID": _REQUEST_ID_HEADER, "ETag": _ETAG_HEADER},
        "content": {"application/json": {"schema": _EMPTY_OBJECT}},
    }


def _success(
    schema: dict[str, Any], description: str, headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"X-Request-ID": _REQUEST_ID_HEADER, "ETag": _ETAG_HEADER, **(headers or {})},
        "content": {"application/json": {"schema": schema}},
    }


_NOT_MODIFIED = {
    "description": "`If-None-Match` names the current ETag: no body.",
    "headers": {"X-Request-ID": _REQUEST_ID_HEADER, "ETag": _ETAG_HEADER},
}


def _responses(method: str, success: dict[str, Any], *, has_body_errors: bool) -> dict[str, Any]:
    """Every answer an operation can give: `success`, and the errors of its kind."""
    status = "201" if method == "post" else "200"
    responses: dict[str, Any] = {status: success}
    if method == "get":
        responses["304"] = _NOT_MODIFIED
    codes = [400, 414, 503]
    if has_body_errors:
        codes += [409, 413, 415]
    if method in ("put", "patch", "delete"):
        codes.append(412)
    responses.update({str(code): _error(code) for code in sorted(codes)})
    responses["404"] = _not_found()
    return dict(sorted(responses.items()))


def _record_schema(name: str) -> dict[str, Any]:
    if name == DOCUMENTED_COLLECTION:
        return {"$ref": f"{_SCHEMAS}Patient"}
    return _RECORD


def _request_schema(name: str) -> dict[str, Any]:
    if name == DOCUMENTED_COLLECTION:
        return {"$ref": f"{_SCHEMAS}PatientIn"}
    return {**_RECORD, "properties": {"id": _REQUEST_ID}}


def _documented_fields(*, request: bool) -> dict[str, Any]:
    """The patient fields the front end uses, described but not typed: a record keeps any
    JSON value in any field, so a client generated from this document must accept that. A
    request's `id` is typed: an id of another type is refused."""
    schema = PatientIn.model_json_schema()
    fields = {
        field: {key: value for key, value in spec.items() if key in ("title", "description")}
        for field, spec in schema["properties"].items()
    }
    if request:
        fields["id"] = {"title": "Id", **_REQUEST_ID}
    return {
        "type": "object",
        "description": "A patient, as sent: these fields are the documented ones, of any JSON "
        "type; any other field is kept.",
        "properties": fields,
        "additionalProperties": True,
        "example": schema.get("example"),
    }


def _operation(
    template: dict[str, Any], name: str, method: str, path: str, *, singular: bool
) -> dict[str, Any]:
    operation = copy.deepcopy(template)
    operation["parameters"] = [
        parameter
        for parameter in operation.get("parameters", [])
        if parameter["name"] != "name" and not (singular and parameter["in"] == "query")
    ]
    operation["tags"] = [name]
    operation["operationId"] = (
        f"{method}_{path}".replace("/", "_").replace("{", "").replace("}", "")
    )
    record = _record_schema(name)
    if method == "get" and path == f"/{name}" and not singular:
        success = _success(
            {"type": "array", "items": record if name == DOCUMENTED_COLLECTION else _ANY_VALUE},
            "The records, in list order.",
            _LIST_HEADERS,
        )
    elif method == "delete":
        success = _success(_EMPTY_OBJECT, "Deleted: `{}`, as json-server answers.")
    elif method == "post":
        success = _success(record, "The record as stored.", {"Location": _LOCATION_HEADER})
    else:
        success = _success(_RECORD if singular else record, "The record as stored.")
    operation["responses"] = _responses(method, success, has_body_errors=method in _WRITES)
    if method in _WRITES:
        operation["requestBody"] = {
            "required": False,
            "content": {
                "application/json": {
                    "schema": {"type": "object"} if singular else _request_schema(name)
                },
                "application/x-www-form-urlencoded": {"schema": _FORM},
            },
        }
    return operation


def _resource_paths(template: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for collection in catalog:
        name = collection.name
        if collection.kind is Kind.PLURAL:
            for pattern, methods in _PLURAL_METHODS.items():
                path = pattern.replace("{name}", name)
                paths[path] = {
                    method: _operation(
                        template[pattern][method], name, method, path, singular=False
                    )
                    for method in methods
                }
        elif collection.kind is Kind.SINGULAR:
            path = f"/{name}"
            paths[path] = {
                method: _operation(template[_LIST][method], name, method, path, singular=True)
                for method in _SINGULAR_METHODS
            }
    return paths


def _without_validation_errors(paths: dict[str, Any]) -> None:
    """FastAPI documents a 422 for every route with parameters; the service answers a request
    it cannot read with 400 `{"error": ...}` and an unknown method with 404 `{}`."""
    for operations in paths.values():
        for operation in operations.values():
            responses = operation["responses"]
            responses.pop("422", None)
            for status in ("400", "414", "503"):
                responses.setdefault(status, _error(int(status)))
            responses.setdefault("404", _not_found())
            if "operator" in operation.get("tags", ()):
                responses["401"] = _error(401)


def _nested_paths(paths: dict[str, Any]) -> None:
    nested = paths.get("/{name}/{record_id}/{nested}", {})
    if "get" in nested:
        nested["get"]["responses"] = _responses(
            "get",
            _success(
                _ANY_VALUE,
                "The records that refer to the record (a singular resource `nested` is "
                "answered whole).",
                _LIST_HEADERS,
            ),
            has_body_errors=False,
        )
    if "post" in nested:
        post = nested["post"]
        post["responses"] = _responses(
            "post",
            _success(_RECORD, "The record as stored.", {"Location": _LOCATION_HEADER}),
            has_body_errors=True,
        )
        post["requestBody"] = {
            "required": False,
            "content": {
                "application/json": {"schema": {**_RECORD, "properties": {"id": _REQUEST_ID}}},
                "application/x-www-form-urlencoded": {"schema": _FORM},
            },
        }


def openapi_document(app: FastAPI, catalog: Catalog) -> dict[str, Any]:
    """FastAPI's document with the generic resource routes replaced by one path per
    resource of `catalog`."""
    if app.openapi_schema is None:
        app.openapi_schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
    document = copy.deepcopy(app.openapi_schema)
    template = {path: document["paths"].pop(path) for path in (_LIST, _ITEM)}
    _nested_paths(document["paths"])
    _without_validation_errors(document["paths"])
    document["paths"] = {**_resource_paths(template, catalog), **document["paths"]}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Patient"] = _documented_fields(request=False)
    schemas["PatientIn"] = _documented_fields(request=True)
    return document


def install_docs(app: FastAPI) -> None:
    """`/openapi.json`, `/docs` (Swagger UI) and `/redoc`, before the resource routes."""

    async def openapi(request: Request) -> Response:
        store: Store = request.app.state.store
        return json_response(request, openapi_document(app, await store.catalog()))

    async def swagger(request: Request) -> Response:
        return get_swagger_ui_html(openapi_url=OPENAPI_URL, title=f"{app.title} - docs")

    async def redoc(request: Request) -> Response:
        return get_redoc_html(openapi_url=OPENAPI_URL, title=f"{app.title} - ReDoc")

    app.add_api_route(OPENAPI_URL, openapi, include_in_schema=False)
    app.add_api_route("/docs", swagger, include_in_schema=False)
    app.add_api_route("/redoc", redoc, include_in_schema=False)
