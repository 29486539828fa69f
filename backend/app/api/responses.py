"""JSON responses with json-server's ETag, answered with 304 when the client already has them."""

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.etag import weak_etag
from app.json_codec import dumps

JSON_MEDIA_TYPE = "application/json; charset=utf-8"


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def is_fresh(request: Request, etag: str) -> bool:
    """Express's freshness check: a weak If-None-Match match (or `*`), unless the request
    says `Cache-Control: no-cache`."""
    if_none_match = request.headers.get("if-none-match")
    if not if_none_match or "no-cache" in request.headers.get("cache-control", ""):
        return False
    if if_none_match.strip() == "*":
        return True
    return _opaque(etag) in {_opaque(tag) for tag in if_none_match.split(",")}


def json_response(
    request: Request,
    content: str | bytes | Any,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    etag: str | None = None,
) -> Response:
    """A JSON response from ready JSON text (str/bytes) or a value to serialise; `etag` when
    the body's is known already."""
    if isinstance(content, bytes):
        body = content
    elif isinstance(content, str):
        body = content.encode()
    else:
        body = dumps(content).encode()
    etag = etag or weak_etag(body)
    response_headers = dict(headers or {})
    response_headers["ETag"] = etag
    if request.method in ("GET", "HEAD") and status_code == 200 and is_fresh(request, etag):
        return Response(status_code=304, headers=response_headers)
    response_headers["Content-Type"] = JSON_MEDIA_TYPE
    return Response(content=body, status_code=status_code, headers=response_headers)
