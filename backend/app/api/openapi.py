"""The OpenAPI document, with a path for every resource the database holds now.

The routes are generic (`/{name}`, `/{name}/{record_id}`), so the document FastAPI generates
from them is a template: each collection and singular resource gets its own copy of the
operations that apply to it, read from the catalog when the document is asked for. Records are
documented as what they are, any JSON; `/patients` keeps its documented fields.
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
_ANY_RECORD: dict[str, Any] = {"description": "A record: any JSON value, stored as sent."}


def _record_schema(name: str) -> dict[str, Any]:
    if name == DOCUMENTED_COLLECTION:
        return {"$ref": "#/components/schemas/Patient"}
    return _ANY_RECORD


def _documented_fields() -> dict[str, Any]:
    """The patient fields the front end uses, described but not typed: a record keeps any
    JSON value in any field, so a client generated from this document must accept that."""
    schema = PatientIn.model_json_schema()
    fields = {
        field: {key: value for key, value in spec.items() if key in ("title", "description")}
        for field, spec in schema["properties"].items()
    }
    return {
        "type": "object",
        "description": "A patient, as sent: these fields are the documented ones, of any JSON "
        "type; any other field is kept.",
        "properties": fields,
        "additionalProperties": True,
        "example": schema.get("example"),
    }


def _operation(template: dict[str, Any], name: str, method: str, path: str) -> dict[str, Any]:
    operation = copy.deepcopy(template)
    operation["parameters"] = [
        parameter for parameter in operation.get("parameters", []) if parameter["name"] != "name"
    ]
    operation["tags"] = [name]
    operation["operationId"] = (
        f"{method}_{path}".replace("/", "_").replace("{", "").replace("}", "")
    )
    record = _record_schema(name)
    for status, response in operation.get("responses", {}).items():
        if status not in ("200", "201"):
            continue
        body = (
            {"type": "array", "items": record} if path == f"/{name}" and method == "get" else record
        )
        response["content"] = {"application/json": {"schema": body}}
    if method in ("post", "put", "patch"):
        operation["requestBody"] = {
            "required": False,
            "content": {
                "application/json": {"schema": record},
                "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
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
                    method: _operation(template[pattern][method], name, method, path)
                    for method in methods
                }
        elif collection.kind is Kind.SINGULAR:
            path = f"/{name}"
            operations = {}
            for method in _SINGULAR_METHODS:
                operation = _operation(template[_LIST][method], name, method, path)
                if method == "get":
                    operation["responses"]["200"]["content"]["application/json"]["schema"] = (
                        _ANY_RECORD
                    )
                    operation.pop("parameters", None)
                operations[method] = operation
            paths[path] = operations
    return paths


def openapi_document(app: FastAPI, catalog: Catalog) -> dict[str, Any]:
    """FastAPI's document with the generic resource routes replaced by one path per
    resource of `catalog`."""
    if app.openapi_schema is None:
        app.openapi_schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
    document = copy.deepcopy(app.openapi_schema)
    template = {path: document["paths"].pop(path) for path in (_LIST, _ITEM)}
    document["paths"] = {**_resource_paths(template, catalog), **document["paths"]}
    document.setdefault("components", {}).setdefault("schemas", {})["Patient"] = (
        _documented_fields()
    )
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
