"""What a client can see of a response, normalised, and the field-by-field comparison of an
expectation (built from json-server's response) with the service's response.

A JavaScript client parses both servers' JSON the same way: numbers become doubles (`34.0` and
`34` are one value; integers beyond 2^53 round), and integer-like keys come first. The views
below are those parsed values, so that json-server's pretty-printing and our compact JSON
compare equal when a client could not tell them apart.
"""

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.contract.wire import Request, Response

JSON_MEDIA_TYPE = "application/json; charset=utf-8"
HOST_PLACEHOLDER = "{HOST}"
NANOID = re.compile(r"[A-Za-z0-9_-]{7}")
# Express's compression and our GZip middleware both compress from 1 KiB.
COMPRESSION_THRESHOLD = 1024
# Compared for equality (absent on both sides counts as equal), besides Access-Control-*.
EXACT_HEADERS = (
    "x-total-count",
    "link",
    "location",
    "cache-control",
    "pragma",
    "expires",
    "x-content-type-options",
    "x-powered-by",
)
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
_MAX_ARRAY_INDEX = 2**32 - 2
_STACK_LINES = re.compile(r"(\n    at |<br> &nbsp; &nbsp;at ).*", re.DOTALL)


class JsObject(tuple[tuple[str, Any], ...]):
    """A parsed JSON object as JavaScript orders it: integer-like keys first, ascending."""

    __slots__ = ()


def _is_array_index(key: str) -> bool:
    return bool(_ARRAY_INDEX.fullmatch(key)) and int(key) <= _MAX_ARRAY_INDEX


def _js_object(pairs: list[tuple[str, Any]]) -> JsObject:
    merged: dict[str, Any] = {}
    for key, value in pairs:
        merged[key] = value  # JSON.parse: a repeated key keeps its first place, last value
    indexes = sorted((k for k in merged if _is_array_index(k)), key=int)
    names = [k for k in merged if not _is_array_index(k)]
    return JsObject((key, merged[key]) for key in [*indexes, *names])


def js_view(text: bytes | str) -> Any:
    """JSON text as `JSON.parse` sees it: doubles for numbers, JavaScript key order."""
    return json.loads(text, object_pairs_hook=_js_object, parse_int=float, parse_float=float)


def plain(value: Any) -> Any:
    """A view back as ordinary JSON data, for messages: integral doubles print as integers."""
    if isinstance(value, JsObject):
        return {key: plain(item) for key, item in value}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def render(value: Any) -> str:
    return json.dumps(plain(value), indent=2, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Masks:
    """Per-server values that differ by design: its address (`host:port`, in Link and
    Location) and the random ids it drew."""

    host: str
    random_ids: tuple[str, ...] = ()

    def text(self, value: str) -> str:
        value = value.replace(self.host, HOST_PLACEHOLDER)
        for number, random_id in enumerate(self.random_ids, start=1):
            value = value.replace(random_id, f"<nanoid#{number}>")
        return value

    def view(self, value: Any) -> Any:
        if isinstance(value, JsObject):
            return JsObject((key, self.view(item)) for key, item in value)
        if isinstance(value, list):
            return [self.view(item) for item in value]
        if isinstance(value, str) and value in self.random_ids:
            return f"<nanoid#{self.random_ids.index(value) + 1}>"
        return value


@dataclass(frozen=True, slots=True)
class JsonBody:
    view: Any


@dataclass(frozen=True, slots=True)
class TextBody:
    text: str


@dataclass(frozen=True, slots=True)
class EmptyBody:
    pass


@dataclass(frozen=True, slots=True)
class DigestBody:
    """A large body known only by its SHA-256 (as recorded in a transcript)."""

    sha256: str


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """Our JSON error body: `{"error": {"status", "code", "message"}}`."""

    status: int
    code: str


Body = JsonBody | TextBody | EmptyBody | DigestBody | ErrorBody


@dataclass(frozen=True, slots=True)
class Expectation:
    """What the service must answer, field by field."""

    status: int
    content_type: str | None
    body: Body
    headers: dict[str, str | None]
    vary: frozenset[str]
    etag: bool
    content_encoding: str | None
    # The size of json-server's body, to know whether it crossed the compression threshold;
    # None when the encoding is not compared.
    body_size: int | None = field(default=None)


def text_of(body: bytes) -> str:
    """A non-JSON body as text, without the stack trace lines (their file paths vary)."""
    return _STACK_LINES.sub("", body.decode("utf-8", errors="replace"))


def vary_of(response: Response) -> frozenset[str]:
    value = response.header("vary") or ""
    return frozenset(part.strip().lower() for part in value.split(",") if part.strip())


def compared_headers(response: Response, masks: Masks) -> dict[str, str | None]:
    names = [
        *EXACT_HEADERS,
        *sorted(n for n in response.header_names() if n.startswith("access-control-")),
    ]
    values: dict[str, str | None] = {}
    for name in names:
        value = response.header(name)
        values[name] = None if value is None else masks.text(value)
    return values


def body_of(request: Request, response: Response, masks: Masks) -> Body:
    if request.method == "HEAD" or response.status in (204, 304):
        return EmptyBody()
    if response.body is None:
        return DigestBody(response.digest)
    if (response.header("content-type") or "").startswith("application/json"):
        try:
            return JsonBody(masks.view(js_view(response.body)))
        except ValueError:
            pass
    return TextBody(text_of(response.body))


def expectation_of(request: Request, response: Response, masks: Masks) -> Expectation:
    """Expect exactly what `response` shows a client."""
    return Expectation(
        status=response.status,
        content_type=response.header("content-type"),
        body=body_of(request, response, masks),
        headers=compared_headers(response, masks),
        vary=vary_of(response),
        etag=response.header("etag") is not None,
        content_encoding=response.header("content-encoding"),
        body_size=None if response.body is None else len(response.body),
    )


def _body_problems(expected: Body, request: Request, actual: Response, masks: Masks) -> list[str]:
    if isinstance(expected, DigestBody) and actual.body is not None:
        if actual.digest == expected.sha256:
            return []
        return [f"body: expected SHA-256 {expected.sha256}, got {actual.digest}"]
    observed = body_of(request, actual, masks)
    if isinstance(expected, ErrorBody):
        return _error_body_problems(expected, observed)
    if expected == observed:
        return []
    if isinstance(expected, JsonBody) and isinstance(observed, JsonBody):
        diff = difflib.unified_diff(
            render(expected.view).splitlines(),
            render(observed.view).splitlines(),
            "json-server",
            "service",
            lineterm="",
        )
        return ["body differs:\n" + "\n".join(diff)]
    return [f"body: expected {_describe(expected)}, got {_describe(observed)}"]


def _describe(body: Body) -> str:
    if isinstance(body, JsonBody):
        return "JSON " + _shorten(json.dumps(plain(body.view), ensure_ascii=False))
    if isinstance(body, TextBody):
        return "text " + _shorten(repr(body.text))
    if isinstance(body, DigestBody):
        return f"a body with SHA-256 {body.sha256}"
    if isinstance(body, ErrorBody):
        return f"error {body.status} {body.code}"
    return "no body"


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _error_body_problems(expected: ErrorBody, observed: Body) -> list[str]:
    if not isinstance(observed, JsonBody) or not isinstance(observed.view, JsObject):
        return [f"body: expected our error body ({expected.code}), got {_describe(observed)}"]
    document = plain(observed.view)
    error = document.get("error")
    if list(document) != ["error"] or not isinstance(error, dict):
        return [f"body: expected {{'error': {{...}}}}, got {_describe(observed)}"]
    problems = []
    if list(error) != ["status", "code", "message"]:
        problems.append(f"error body keys are {list(error)}, not status, code, message")
    if error.get("status") != expected.status or error.get("code") != expected.code:
        problems.append(
            f"error body says {error.get('status')} {error.get('code')!r}, "
            f"expected {expected.status} {expected.code!r}"
        )
    message = error.get("message")
    if not isinstance(message, str) or not message:
        problems.append("error message is missing")
    return problems


def problems_with(
    expected: Expectation, request: Request, actual: Response, masks: Masks
) -> list[str]:
    """Every way `actual` (seen through `masks`) differs from `expected`; empty when equal."""
    problems = []
    if actual.status != expected.status:
        problems.append(f"status: expected {expected.status}, got {actual.status}")
    content_type = actual.header("content-type")
    if content_type != expected.content_type:
        problems.append(f"Content-Type: expected {expected.content_type!r}, got {content_type!r}")
    problems += _body_problems(expected.body, request, actual, masks)
    observed = compared_headers(actual, masks)
    for name in sorted(set(expected.headers) | set(observed)):
        want, got = expected.headers.get(name), observed.get(name)
        if want != got:
            problems.append(f"{name}: expected {want!r}, got {got!r}")
    vary = vary_of(actual)
    if vary != expected.vary:
        problems.append(f"Vary: expected {sorted(expected.vary)}, got {sorted(vary)}")
    if (actual.header("etag") is not None) != expected.etag:
        problems.append(f"ETag: expected {'one' if expected.etag else 'none'}")
    if expected.body_size is not None and actual.body is not None:
        expected_big = expected.body_size >= COMPRESSION_THRESHOLD
        if expected_big == (len(actual.body) >= COMPRESSION_THRESHOLD):
            encoding = actual.header("content-encoding")
            if encoding != expected.content_encoding:
                problems.append(
                    f"Content-Encoding: expected {expected.content_encoding!r}, got {encoding!r}"
                )
    return problems


def random_id_of(response: Response) -> str | None:
    """The id of a created record when it is a 7-character nanoid string."""
    if response.status != 201 or response.body is None:
        return None
    try:
        record = json.loads(response.body)
    except ValueError:
        return None
    value = record.get("id") if isinstance(record, dict) else None
    return value if isinstance(value, str) and NANOID.fullmatch(value) else None
