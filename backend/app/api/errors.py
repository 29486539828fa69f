"""The handlers that turn errors into responses: our `ApiError`s, Starlette's, and
PostgreSQL's by SQLSTATE (unique violations are 409s here and nowhere else)."""

import logging
from collections.abc import Mapping

import psycopg
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.responses import json_response
from app.errors import (
    INTERNAL_ERROR_MESSAGE,
    RETRY_AFTER_SECONDS,
    ApiError,
    DuplicateId,
    InvalidQuery,
    ServiceUnavailable,
    Unauthorized,
    error_body,
)
from app.services.audit import path_shape

logger = logging.getLogger("app.errors")

UNIQUE_VIOLATION = "23505"
QUERY_CANCELED = "57014"
UNTRANSLATABLE = "22P05"
LOCK_NOT_AVAILABLE = "55P03"
PROGRAM_LIMIT_EXCEEDED_CLASS = "54"  # too many columns, a statement too complex, ...
READ_METHODS = frozenset(("GET", "HEAD"))


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if status == 404:
        return json_response(request, "{}", status_code=404)
    return json_response(
        request, error_body(status, code, message), status_code=status, headers=headers
    )


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if exc.status_code == 503 else {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    return error_response(request, exc.status_code, exc.code, exc.message, headers=headers or None)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    # json-server has no 405: a wrong method on a known path is a 404 `{}` like any other.
    status = 404 if exc.status_code in (404, 405) else exc.status_code
    return error_response(request, status, "http_error", str(exc.detail))


async def _validation_error(request: Request, exc: Exception) -> Response:
    return error_response(request, 400, "invalid_request", "The request is not valid.")


async def _database_error(request: Request, exc: Exception) -> Response:
    """PostgreSQL's errors by SQLSTATE: unique violations are 409s, here and nowhere else."""
    assert isinstance(exc, psycopg.Error)
    sqlstate = exc.sqlstate
    if (isinstance(exc, psycopg.DataError) and sqlstate is None) or sqlstate == UNTRANSLATABLE:
        # Text PostgreSQL cannot hold (U+0000), refused before or by the server.
        return error_response(
            request, 400, "unstorable_text", "The request contains text that cannot be stored."
        )
    if sqlstate == UNIQUE_VIOLATION:
        return error_response(
            request, 409, DuplicateId.code, "A record with this id already exists."
        )
    if sqlstate in (QUERY_CANCELED, LOCK_NOT_AVAILABLE) and request.method not in READ_METHODS:
        # A write that waited too long (for a lock, or a busy server) may succeed if retried.
        logger.error("write cancelled: %s", sqlstate)
        return _unavailable(request, "The database is busy; the change was not made.")
    if sqlstate == QUERY_CANCELED:
        return error_response(
            request, 400, InvalidQuery.code, "The query took too long and was cancelled."
        )
    if sqlstate is not None and sqlstate.startswith(PROGRAM_LIMIT_EXCEEDED_CLASS):
        return error_response(
            request, 400, InvalidQuery.code, "The query is too complex for the database."
        )
    if isinstance(exc, psycopg.OperationalError) or sqlstate is None or sqlstate.startswith("08"):
        logger.error("database unavailable: %s", type(exc).__name__)
        return _unavailable(request)
    logger.error("database error %s: %s", sqlstate, type(exc).__name__)
    return error_response(request, 500, "internal_error", INTERNAL_ERROR_MESSAGE)


async def _pool_timeout(request: Request, exc: Exception) -> Response:
    logger.error("no database connection became free: %s", type(exc).__name__)
    return _unavailable(request)


def _unavailable(request: Request, message: str = "The database is not reachable.") -> Response:
    return error_response(
        request,
        503,
        ServiceUnavailable.code,
        message,
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # The type only: a message or traceback could carry patient data into the logs.
    shape = path_shape(request.url.path)  # ids are patient data: never logged
    logger.error("unhandled %s on %s %s", type(exc).__name__, request.method, shape)
    return error_response(request, 500, "internal_error", INTERNAL_ERROR_MESSAGE)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(psycopg.Error, _database_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(Exception, _unexpected_error)
