"""HTTP exchanges as the contract suite sees them: a request sent byte for byte, and the
status, headers and decoded body that came back."""

import base64
import gzip
import hashlib
import http.client
import zlib
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# Headers kept from a response: what a browser or a JavaScript client can see, and what the
# comparison needs. Date, Connection, Keep-Alive and the like say nothing about the API.
RECORDED_HEADERS = frozenset(
    {
        "cache-control",
        "content-encoding",
        "content-type",
        "etag",
        "expires",
        "link",
        "location",
        "pragma",
        "vary",
        "x-content-type-options",
        "x-powered-by",
        "x-total-count",
    }
)
RECORDED_PREFIX = "access-control-"
# Bodies larger than this are kept in transcripts as a digest, not as text.
MAX_RECORDED_BODY = 64 * 1024
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Request:
    """One request, exactly as sent: `target` is the raw path and query string."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "target": self.target,
            "headers": [list(pair) for pair in self.headers],
            "body": _body_to_json(self.body),
        }


@dataclass(frozen=True, slots=True)
class Response:
    """Status, the recorded headers (lower-case names, in arrival order) and the body after
    content decoding. `body` is None when only its digest is known (a large recorded body)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    body_sha256: str = field(default="")

    def header(self, name: str) -> str | None:
        """The header's value; repeated headers joined with ", " as HTTP allows."""
        values = [value for key, value in self.headers if key == name]
        return ", ".join(values) if values else None

    def header_names(self) -> set[str]:
        return {key for key, _ in self.headers}

    @property
    def digest(self) -> str:
        return self.body_sha256 or hashlib.sha256(self.body or b"").hexdigest()

    def to_json(self) -> dict[str, Any]:
        recorded: dict[str, Any] = {
            "status": self.status,
            "headers": [list(pair) for pair in self.headers],
        }
        if self.body is not None and len(self.body) <= MAX_RECORDED_BODY:
            recorded["body"] = self.body.decode("utf-8")
        else:
            recorded["body_sha256"] = self.digest
        return recorded

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Response":
        headers = tuple((str(key), str(value)) for key, value in data["headers"])
        if "body" in data:
            return cls(int(data["status"]), headers, str(data["body"]).encode("utf-8"))
        return cls(int(data["status"]), headers, None, str(data["body_sha256"]))


def _body_to_json(body: bytes | None) -> Any:
    if body is None:
        return None
    if len(body) > MAX_RECORDED_BODY:
        return {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(body).decode()}


def _decode(body: bytes, encoding: str | None) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


def send(base_url: str, request: Request) -> Response:
    """Send `request` to the server at `base_url` on a fresh connection."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=TIMEOUT_SECONDS
    )
    try:
        # A server may answer (413) before it has read the whole body; read that answer.
        with suppress(BrokenPipeError, ConnectionResetError):
            connection.request(
                request.method, request.target, body=request.body, headers=dict(request.headers)
            )
        answer = connection.getresponse()
        raw = answer.read()
        headers = tuple(
            (key.lower(), value)
            for key, value in answer.getheaders()
            if key.lower() in RECORDED_HEADERS or key.lower().startswith(RECORDED_PREFIX)
        )
        encoding = answer.getheader("content-encoding")
        return Response(answer.status, headers, _decode(raw, encoding))
    finally:
        connection.close()
