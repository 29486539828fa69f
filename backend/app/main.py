"""The application: settings, database engine, middleware, routes and error handlers."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from app.api.errors import install_error_handlers
from app.api.openapi import install_docs
from app.api.routes import db, health, operator, resources
from app.config import Settings, check_can_serve, get_settings
from app.middleware import JsonServerCompatMiddleware, RequestIdentityMiddleware
from app.query.bounds import QueryBounds
from app.services.audit import AuditLog
from app.store import Store

logger = logging.getLogger(__name__)

DESCRIPTION = """
A drop-in replacement for json-server 0.17.4: every collection and singular resource of a
db.json, stored in PostgreSQL.
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
        store = Store(settings)
        await store.open()
        audit_log = AuditLog(store, settings)
        await audit_log.start()
        app.state.store = store
        app.state.audit = audit_log
        try:
            yield
        finally:
            await audit_log.close()  # the last entries are written before the pool closes
            await store.close()

    app = FastAPI(
        title="Patients API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by app.api.openapi, with a path per resource
    )
    app.state.settings = settings
    install_error_handlers(app)
    if settings.serves_docs:
        install_docs(app)
    # Our own routes first: a collection cannot take their names (the importer refuses them).
    app.include_router(health.router)
    app.include_router(db.router)
    if settings.operator_routes:
        if settings.admin_token is None:
            logger.warning(
                "ADMIN_TOKEN is not set: /_history and /_audit are open to anyone who can reach "
                "the service (development only; production refuses to start so)."
            )
        app.include_router(operator.router)
    app.include_router(resources.router)
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
    app.add_middleware(RequestIdentityMiddleware, forwarded_allow_ips=settings.forwarded_allow_ips)
    return app
