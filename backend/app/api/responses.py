"""JSON responses with json-server's ETag, answered with 304 when the client already has them."""

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from app.etag import weak_etag
from app.json_codec import dumps

JSON_MEDIA_TYPE = "application/json; charset=utf-8"


# The `encodeurl` package (2.0, what json-server's Express 4 resolves to), as res.location()
# applies it: an unpaired surrogate becomes U+FFFD, then runs of characters that may not appear
# in a URL (and `%` that starts no escape) go through encodeURI.
_NOT_URL_SAFE = re.compile(
    r"(?:[^\x21\x23-\x3B\x3D\x3F-\x5F\x61-\x7A\x7C\x7E]+|%+(?![0-9A-Fa-f]{2}))+"
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ENCODE_URI_SAFE = ";,/?:@&=+$-_.!~*'()#"


def encode_url(url: str) -> str:
    """A URL as Express sends it in `Location`: ASCII, percent-encoded UTF-8 where needed."""
    text = _LONE_SURROGATE.sub("\ufffd", url)
    return _NOT_URL_SAFE.sub(lambda run: quote(run.group(), safe=_ENCODE_URI_SAFE), text)


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
    if "Location" in response_headers:
        # Encoded before the response is built: a header must be Latin-1, and the record
        # is committed already, so building the response must not fail.
        response_headers["Location"] = encode_url(response_headers["Location"])
    response_headers["ETag"] = etag
    if request.method in ("GET", "HEAD") and status_code == 200 and is_fresh(request, etag):
        return Response(status_code=304, headers=response_headers)
    response_headers["Content-Type"] = JSON_MEDIA_TYPE
    return Response(content=body, status_code=status_code, headers=response_headers)
