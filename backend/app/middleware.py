"""The outermost layer: json-server's routing leniency, CORS and cache headers, and access logs.

json-server (Express) matches paths case-insensitively and ignores trailing and doubled
slashes; it answers every OPTIONS request itself with 204; and it sends its CORS and no-cache
headers on every response. Starlette does none of that, so this middleware does it for every
route, before routing. It also refuses a request past the service's bounds (URL length, the
query's size) before any work, and answers an unexpected exception itself, so that a 500
carries the same headers. The access log names the method, the path's shape (ids replaced), the
status and the request id, never the query string, an id or the body, which hold patient data.

Outermost, `RequestIdentityMiddleware` gives every request its identity (`app.identity`) and
its X-Request-ID, and applies X-Forwarded-For/-Proto from trusted proxies.
"""

import logging
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.errors import INTERNAL_ERROR_MESSAGE, error_body
from app.identity import RequestIdentity, TrustedProxies, accepted_request_id, new_request_id
from app.json_codec import dumps
from app.query.bounds import QueryBounds, check_query_bounds
from app.query.parse import QueryError
from app.services.audit import AuditEntry, AuditNote, path_shape, query_shape

access_logger = logging.getLogger("app.access")
error_logger = logging.getLogger("app.errors")

IDENTITY_KEY = "app.identity"
AUDIT_NOTE_KEY = "app.audit_note"
_REQUEST_ID_KEY = "app.request_id"
REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdentityMiddleware:
    """Who sent the request: the peer decides whether X-Forwarded-* and X-Request-ID are
    believed (FORWARDED_ALLOW_IPS); the response always carries the request id."""

    def __init__(self, app: ASGIApp, *, forwarded_allow_ips: str) -> None:
        self.proxies = TrustedProxies(forwarded_allow_ips)
        self.app = app
        self._proxied = ProxyHeadersMiddleware(self._identified, trusted_hosts=forwarded_allow_ips)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        peer = scope["client"][0] if scope.get("client") else None
        sent = Headers(scope=scope).get("x-request-id") if peer in self.proxies else None
        request_id = new_request_id() if sent is None else accepted_request_id(sent)
        scope[_REQUEST_ID_KEY] = request_id

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        await self._proxied(scope, receive, send_with_request_id)  # type: ignore[arg-type]

    async def _identified(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        scope[IDENTITY_KEY] = RequestIdentity(
            request_id=scope[_REQUEST_ID_KEY],
            client_addr=scope["client"][0] if scope.get("client") else None,
            origin=headers.get("origin"),
        )
        scope[AUDIT_NOTE_KEY] = AuditNote()
        await self.app(scope, receive, send)


ORIGINAL_PATH_KEY = "jsonserver.original_path"
ALLOWED_METHODS = "GET,HEAD,PUT,PATCH,POST,DELETE"
METHOD_OVERRIDE_HEADER = "x-http-method-override"
_OVERRIDABLE = frozenset({"GET", "PUT", "PATCH", "DELETE"})
_SLASHES = re.compile(r"/{2,}")


def normalize_path(path: str) -> str:
    """`/PATIENTS//1/` -> `/patients/1`: doubled and trailing slashes go, the first segment is
    lower-cased (it names a route, never an id)."""
    path = _SLASHES.sub("/", path)
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    first, slash, rest = path[1:].partition("/")
    return "/" + first.lower() + slash + rest


class JsonServerCompatMiddleware:
    """Routing leniency, CORS, cache headers and access logs, the way json-server sends them."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        cors_origins: Iterable[str],
        any_origin: bool,
        max_url_bytes: int = 8192,
        query_bounds: QueryBounds | None = None,
    ) -> None:
        self.app = app
        self.any_origin = any_origin
        self.cors_origins = frozenset(cors_origins)
        self.max_url_bytes = max_url_bytes
        self.query_bounds = query_bounds or QueryBounds()

    def _allowed_origin(self, origin: str | None) -> str | None:
        if origin is None:
            return None
        if self.any_origin or origin.rstrip("/") in self.cors_origins:
            return origin
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_headers = Headers(scope=scope)
        allowed_origin = self._allowed_origin(request_headers.get("origin"))
        method = scope["method"]
        if method == "POST":
            # Like Express's method-override, honoured on POST only.
            override = request_headers.get(METHOD_OVERRIDE_HEADER, "").strip().upper()
            method = override if override in _OVERRIDABLE else method
        path = normalize_path(scope["path"])
        status_holder = [0]

        if method == "OPTIONS":
            await self._preflight(request_headers, allowed_origin, send)
            self._finish(scope, method, path, 204, started)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                headers = MutableHeaders(scope=message)
                _add_cors_headers(headers, allowed_origin, vary_override=scope["method"] == "POST")
                headers["Cache-Control"] = "no-cache"
                headers["Pragma"] = "no-cache"
                headers["Expires"] = "-1"
                headers["X-Content-Type-Options"] = "nosniff"
            await send(message)

        inner_scope = dict(scope)
        inner_scope["method"] = method
        inner_scope["path"] = path
        inner_scope["raw_path"] = path.encode()
        inner_scope[ORIGINAL_PATH_KEY] = scope.get("raw_path", scope["path"].encode())
        if method == "HEAD":
            # Answered as GET; the server leaves the body out because the request was HEAD.
            inner_scope["method"] = "GET"
        try:
            refusal = self._out_of_bounds(scope)
            if refusal is not None:
                await _send_error(send_with_headers, *refusal)
                return
            await self.app(inner_scope, receive, send_with_headers)
        except Exception as exc:
            if status_holder[0]:
                raise  # the response has started: nothing else can be sent
            # Answered here, inside the CORS and no-cache headers, rather than by Starlette's
            # outermost handler, whose 500 a browser would see as an opaque network error.
            # The type only: a message or traceback could carry patient data into the logs.
            error_logger.error("unhandled %s on %s %s", type(exc).__name__, method, path)
            await _send_error(send_with_headers, 500, "internal_error", INTERNAL_ERROR_MESSAGE)
        finally:
            self._finish(scope, method, path, status_holder[0] or 500, started)

    def _out_of_bounds(self, scope: Scope) -> tuple[int, str, str] | None:
        """(status, code, message) when the request asks for more than the service bounds."""
        query: bytes = scope.get("query_string", b"")
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        if len(raw_path) + len(query) > self.max_url_bytes:
            return 414, "uri_too_long", f"The URL is longer than {self.max_url_bytes} bytes."
        if not query:
            return None
        try:
            check_query_bounds(query, self.query_bounds)
        except QueryError as exc:
            return 400, "invalid_query", exc.message
        return None

    async def _preflight(
        self, request_headers: Headers, allowed_origin: str | None, send: Send
    ) -> None:
        headers = MutableHeaders()
        if allowed_origin is not None:
            headers["Access-Control-Allow-Origin"] = allowed_origin
        headers["Vary"] = "Origin, Access-Control-Request-Headers"
        headers["Access-Control-Allow-Credentials"] = "true"
        headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        requested = request_headers.get("access-control-request-headers")
        if requested:
            headers["Access-Control-Allow-Headers"] = requested
        headers["Content-Length"] = "0"
        await send({"type": "http.response.start", "status": 204, "headers": headers.raw})
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    def _finish(scope: Scope, method: str, path: str, status: int, started: float) -> None:
        """The access log line, and the audit entry of a request that touched records."""
        shape = path_shape(path)
        identity: RequestIdentity | None = scope.get(IDENTITY_KEY)
        request_id = identity.request_id if identity is not None else None
        if access_logger.isEnabledFor(logging.INFO):
            elapsed_ms = (time.perf_counter() - started) * 1000
            access_logger.info(
                "%s %s %d %.1fms %s",
                method,
                shape,
                status,
                elapsed_ms,
                request_id,
                extra={
                    "method": method,
                    "path": shape,
                    "status": status,
                    "ms": elapsed_ms,
                    "request_id": request_id,
                },
            )
        note: AuditNote | None = scope.get(AUDIT_NOTE_KEY)
        audit = getattr(getattr(scope.get("app"), "state", None), "audit", None)
        if note is None or note.resource is None or identity is None or audit is None:
            return
        audit.append(
            AuditEntry(
                at=datetime.now(UTC),
                identity=identity,
                method=method,
                path_shape=shape,
                status=status,
                query_shape=query_shape(scope.get("query_string", b"")),
                note=note,
            )
        )


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = dumps(error_body(status, code, message)).encode()
    headers = MutableHeaders()
    headers["Content-Type"] = "application/json; charset=utf-8"
    headers["Content-Length"] = str(len(body))
    await send({"type": "http.response.start", "status": status, "headers": headers.raw})
    await send({"type": "http.response.body", "body": body})


def _add_cors_headers(
    headers: MutableHeaders, allowed_origin: str | None, *, vary_override: bool
) -> None:
    if allowed_origin is not None:
        headers["Access-Control-Allow-Origin"] = allowed_origin
    vary = ["Origin", "X-HTTP-Method-Override"] if vary_override else ["Origin"]
    if headers.get("content-type", "").startswith("application/json"):
        # Compressible: the body depends on Accept-Encoding whatever its size, as in Express.
        vary.append("Accept-Encoding")
    vary += [part.strip() for part in headers.get("vary", "").split(",") if part.strip()]
    headers["Vary"] = ", ".join(dict.fromkeys(vary))
    headers["Access-Control-Allow-Credentials"] = "true"
