"""Liveness and readiness probes."""

import asyncio

from fastapi import APIRouter, Request, Response

from app.api.responses import json_response
from app.errors import ServiceUnavailable
from app.schemas.patient import ErrorBody, HealthStatus

router = APIRouter(prefix="/health", tags=["health"])

READY_TIMEOUT_SECONDS = 2.0


@router.get("", summary="Liveness: the process answers", response_model=HealthStatus)
async def live(request: Request) -> Response:
    return json_response(request, {"status": "ok"})


@router.get(
    "/ready",
    summary="Readiness: the database answers",
    response_model=HealthStatus,
    responses={503: {"model": ErrorBody, "description": "The database is not reachable."}},
)
async def ready(request: Request) -> Response:
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            await request.app.state.store.ping(READY_TIMEOUT_SECONDS)
    except Exception as exc:
        raise ServiceUnavailable("The database is not reachable.") from exc
    return json_response(request, {"status": "ready"})
