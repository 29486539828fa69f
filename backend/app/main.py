"""The application: settings, database engine, middleware, routes and error handlers."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.middleware.gzip import GZipMiddleware

from app.api.routes import database, health, patients
from app.config import Settings, check_can_serve, get_settings
from app.database import Database
from app.errors import install_error_handlers
from app.middleware import JsonServerCompatMiddleware
from app.query.bounds import QueryBounds
from app.schemas.patient import PatientIn

logger = logging.getLogger(__name__)

DESCRIPTION = """
A drop-in replacement for json-server 0.17.4's `/patients` resource, stored in PostgreSQL.
Requests and responses are json-server's; the differences are listed in docs/compatibility.md.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    check_can_serve(settings)  # also when started by plain uvicorn rather than app.runner

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Everything imported so far lives as long as the process: keep it out of the
        # collector's way, so collections stay short and do not stall requests.
        gc.collect()
        gc.freeze()
        # A request allocates a few thousand short-lived objects: collect young objects less
        # often than every 700 allocations.
        gc.set_threshold(20_000, 20, 20)
        database = Database(settings)
        await database.open()
        app.state.database = database
        try:
            yield
        finally:
            await database.close()

    app = FastAPI(
        title="Patients API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url="/docs" if settings.serves_docs else None,
        redoc_url="/redoc" if settings.serves_docs else None,
        openapi_url="/openapi.json" if settings.serves_docs else None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(patients.router)
    app.include_router(health.router)
    app.include_router(database.router)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(
        JsonServerCompatMiddleware,
        cors_origins=settings.cors_origins,
        any_origin=settings.allows_any_origin,
        max_url_bytes=settings.max_url_bytes,
        query_bounds=QueryBounds(
            max_parameters=settings.max_query_parameters,
            max_sort_fields=settings.max_sort_fields,
            max_names=settings.max_embed_values,
            max_path_depth=settings.max_path_depth,
            max_number_digits=settings.max_number_digits,
        ),
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        # The request body is read raw (to keep it exactly as sent), so declare its schema here.
        in_schema = PatientIn.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(in_schema.pop("$defs", {}))
        components["PatientIn"] = in_schema
        app.openapi_schema = schema
    return app.openapi_schema
