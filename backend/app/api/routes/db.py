"""`GET /db`: the whole database as json-server shows it."""

from fastapi import APIRouter, Request, Response

from app.api.deps import StoreDep
from app.api.responses import json_response
from app.services import collections

router = APIRouter(tags=["database"])


@router.get(
    "/db",
    summary="Every collection and singular resource, as one object, in db.json's key order",
)
async def database(request: Request, store: StoreDep) -> Response:
    return json_response(request, await collections.database(store))
