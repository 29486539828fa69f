"""`GET /db`: the whole database as json-server shows it."""

from fastapi import APIRouter, Request, Response

from app.api.deps import DatabaseDep
from app.api.responses import json_response
from app.services import patients as patient_service

router = APIRouter(tags=["database"])


@router.get("/db", summary='Every collection, as one object: `{"patients": [...]}`')
async def database(request: Request, db: DatabaseDep) -> Response:
    return json_response(request, await patient_service.database(db))
