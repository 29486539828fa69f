"""Every deliberate difference from json-server 0.17.4, as a named rule: the rows of
docs/compatibility.md marked "different", each written as "where json-server answers this,
the service answers that instead".

Normalisations hold for every response (most are invisible to a JavaScript client). A
difference applies to the requests where json-server misbehaves: at most one applies to a
request, and it turns json-server's response into the expectation the service must meet.
"""

import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from app.config import Settings
from tests.contract import list_queries
from tests.contract.service_state import (
    State,
    id_text,
    method_of,
    segments_of,
    state_before,
)
from tests.contract.views import (
    JSON_MEDIA_TYPE,
    EmptyBody,
    ErrorBody,
    Expectation,
    JsObject,
    JsonBody,
    js_view,
)
from tests.contract.wire import Request, Response

MAX_BODY_BYTES: int = Settings.model_fields["max_body_bytes"].default
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_JSONP_PREFIX = b"/**/ typeof "
_FORM = "application/x-www-form-urlencoded"
_SORT_AND_SLICE = frozenset({"_sort", "_order", *list_queries.SLICING_PARAMETERS})
# Characters that make a db.json key an Express path pattern rather than a literal name.
_PATTERN_CHARACTERS = frozenset(":*?+()")
# What every JSON response of the service carries (json-server's router 500 lacks nosniff;
# its home page has other cache headers).
_NO_CACHE = {
    "cache-control": "no-cache",
    "pragma": "no-cache",
    "expires": "-1",
    "x-content-type-options": "nosniff",
}
# The compared headers of json-server's answer that an error in its place keeps: CORS.
# Location, X-Total-Count, Link and Access-Control-Expose-Headers belong to a success.
_ERROR_KEEPS = ("access-control-allow-origin", "access-control-allow-credentials")


@dataclass(frozen=True, slots=True)
class Seen:
    """A request, json-server's response to it, the earlier steps of the case and its seed."""

    request: Request
    response: Response
    earlier: tuple[tuple[Request, Response], ...] = ()
    seed: str = "main"


def _unchanged(expected: Expectation) -> Expectation:
    return expected


@dataclass(frozen=True, slots=True)
class Normalisation:
    """A difference that holds for every response. Those a client cannot see are realised
    by `views` (bodies compared as parsed values); `expect` adjusts for the others."""

    name: str
    json_server: str
    service: str
    expect: Callable[[Expectation], Expectation] = _unchanged


@dataclass(frozen=True, slots=True)
class Difference:
    name: str
    json_server: str
    service: str
    applies: Callable[[Seen], bool]
    expect: Callable[[Seen, Expectation], Expectation]


@dataclass(frozen=True, slots=True)
class Unobservable:
    """A documented difference that no HTTP request can show, so no rule checks it; the tests
    named in `asserted_by` (elsewhere in the suite) check the service's side."""

    name: str
    why: str
    asserted_by: tuple[str, ...] = ()


def _no_x_powered_by(expected: Expectation) -> Expectation:
    return replace(expected, headers={**expected.headers, "x-powered-by": None})


NORMALISATIONS = (
    Normalisation(
        "x_powered_by_absent",
        "sends X-Powered-By: Express",
        "sends no X-Powered-By",
        _no_x_powered_by,
    ),
    Normalisation(
        "compact_json",
        "pretty-prints bodies with a 2-space indent",
        "compact JSON; bodies compare as parsed values, and Content-Length and ETag values "
        "are not compared, only whether an ETag is sent",
    ),
    Normalisation(
        "numbers_and_keys_as_sent",
        "writes integral floats as integers (34.0 -> 34) and integer-like keys first",
        "keeps the JSON as sent; numbers compare as doubles, keys in JavaScript's order",
    ),
    Normalisation(
        "big_integers_exact",
        "rounds integers beyond 2^53",
        "keeps them exactly; a JavaScript client parses both to the same double",
    ),
)

UNOBSERVABLE = (
    Unobservable(
        "no_db_json_rewrite",
        "json-server rewrites db.json on every write; the service commits a transaction. "
        "Neither shows in a response.",
    ),
    Unobservable(
        "delay_not_honoured",
        "json-server answers `_delay=<ms>` with the same response, only later; the service "
        "answers at once. Only timing shows it, and the suite never asserts timing.",
        ("test_delay_is_neither_a_filter_nor_honoured",),
    ),
    Unobservable(
        "request_bounds",
        "json-server has no bounds on a request's URL or query; past ours (an 8 KB URL, 100 "
        "parameters, 20 `_sort` fields or `_embed`/`_expand` values, 16 path segments, 1000 "
        "digits) it works for seconds or fails. No contract case goes that far.",
        (
            "test_too_many_sort_fields_are_a_400_not_a_503",
            "test_a_url_longer_than_the_bound_is_a_414_with_the_cors_headers",
            "test_the_bounds_are_settings",
        ),
    ),
    Unobservable(
        "list_query_timeout",
        "json-server has no time limit, and no contract seed holds enough records for a list "
        "query to run for DB_LIST_TIMEOUT_MS (3 s).",
        ("test_a_list_query_that_runs_too_long_is_cancelled_as_invalid",),
    ),
)


def _media_type(request: Request) -> str:
    return (request.header("content-type") or "").partition(";")[0].strip().lower()


def _is_json_media_type(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


_NOT_JSON = object()


def _parsed_body(request: Request) -> Any:
    """The request body as parsed JSON, or `_NOT_JSON`."""
    try:
        return json.loads(request.body or b"")
    except ValueError:
        return _NOT_JSON


def _succeeded(response: Response) -> bool:
    return 200 <= response.status < 300


def _writes_body(seen: Seen) -> bool:
    return seen.request.method in _BODY_METHODS and _succeeded(seen.response)


def _error(status: int, code: str) -> Callable[[Seen, Expectation], Expectation]:
    """Our JSON error body, with json-server's CORS and Vary headers. A POST's Vary also names
    X-HTTP-Method-Override: json-server adds it once a POST reaches its router, which its
    error pages never do, and the service honours that header on every POST."""

    def expect(seen: Seen, expected: Expectation) -> Expectation:
        kept = {name: expected.headers[name] for name in _ERROR_KEEPS if name in expected.headers}
        is_post = seen.request.method == "POST"
        return replace(
            expected,
            status=status,
            content_type=JSON_MEDIA_TYPE,
            body=EmptyBody() if seen.request.method == "HEAD" else ErrorBody(status, code),
            headers={**kept, **_NO_CACHE},
            vary=expected.vary | ({"x-http-method-override"} if is_post else set()),
            etag=True,
            body_size=None,
        )

    return expect


def _body_error(seen: Seen, expected: Expectation) -> Expectation:
    code = "malformed_json" if _parsed_body(seen.request) is _NOT_JSON else "body_not_object"
    return _error(400, code)(seen, expected)


def _not_found(seen: Seen, expected: Expectation) -> Expectation:
    return replace(
        expected,
        status=404,
        content_type=JSON_MEDIA_TYPE,
        body=EmptyBody() if seen.request.method == "HEAD" else JsonBody(JsObject()),
        headers={**expected.headers, **_NO_CACHE},
        etag=True,
        body_size=None,
    )


def _unwrapped_jsonp(seen: Seen, expected: Expectation) -> Expectation:
    text = (seen.response.body or b"").decode()
    wrapped = text[text.index("(") + 1 : text.rindex(")")]
    return replace(
        expected, content_type=JSON_MEDIA_TYPE, body=JsonBody(js_view(wrapped)), body_size=None
    )


def _has_unaddressable_id(request: Request) -> bool:
    body = _parsed_body(request)
    return isinstance(body, dict) and (
        body.get("id") is True or isinstance(body.get("id"), list | dict)
    )


def _is_vendor_json(request: Request) -> bool:
    media_type = _media_type(request)
    return media_type != "application/json" and _is_json_media_type(media_type)


def _vendor_json_kept(seen: Seen, expected: Expectation) -> Expectation:
    assert isinstance(expected.body, JsonBody)
    assert isinstance(expected.body.view, JsObject)
    stored_id = dict(expected.body.view)["id"]
    sent = js_view(seen.request.body or b"{}")
    return replace(expected, body=JsonBody(JsObject((*sent, ("id", stored_id)))), body_size=None)


def _is_dropped_body(request: Request) -> bool:
    """A non-empty body json-server ignores: neither JSON (of any kind) nor a form."""
    media_type = _media_type(request)
    return (
        bool((request.body or b"").strip())
        and not _is_json_media_type(media_type)
        and media_type != _FORM
    )


def _has_overflowing_number(request: Request) -> bool:
    if not _is_json_media_type(_media_type(request)):
        return False
    overflowed: list[bool] = []

    def parse_float(text: str) -> float:
        overflowed.append(math.isinf(float(text)))
        return float(text)

    def parse_int(text: str) -> int:
        # JSON.parse reads an integer as a double too: past the largest one it is Infinity.
        digits = text.lstrip("-")
        overflowed.append(len(digits) > 4000 or float(digits) > sys.float_info.max)
        return 0

    try:
        json.loads(request.body or b"", parse_float=parse_float, parse_int=parse_int)
    except ValueError:
        return False
    return any(overflowed)


def _https_location(seen: Seen, expected: Expectation) -> Expectation:
    location = (expected.headers.get("location") or "").replace("http://", "https://", 1)
    return replace(expected, headers={**expected.headers, "location": location})


def _id_of(record: Any) -> Any:
    return dict(record).get("id") if isinstance(record, JsObject) else None


def _listed(seen: Seen) -> list[Any] | None:
    """The records of json-server's 200 JSON answer to a GET of the collection."""
    if list_queries.list_parameters(seen.request) is None or seen.request.method != "GET":
        return None
    if seen.response.status != 200 or seen.response.body is None:
        return None
    try:
        records = js_view(seen.response.body)
    except ValueError:
        return None
    return records if isinstance(records, list) else None


def _collection(seen: Seen) -> list[Any] | None:
    """json-server's answer to a plain GET of the same collection earlier in the case with no
    write after it: every record, in insertion order."""
    path = list_queries.list_path(seen.request)
    found = None
    for request, response in seen.earlier:
        if request.method in _WRITE_METHODS:
            found = None
        elif (
            request.method == "GET"
            and not request.headers
            and "?" not in request.target
            and list_queries.list_path(request) == path
        ):
            found = js_view(response.body or b"[]") if response.status == 200 else None
    return found


def _parameters(seen: Seen, rule: str) -> list[tuple[str, str]]:
    """The query of a list request whose answer a rule derives from the whole list of matches."""
    parameters = list_queries.list_parameters(seen.request) or []
    if list_queries.is_sliced(parameters):
        raise AssertionError(f"{rule}: cannot derive the answer to a sliced list")
    return parameters


def _with_records(seen: Seen, expected: Expectation, records: list[Any]) -> Expectation:
    body = EmptyBody() if seen.request.method == "HEAD" else JsonBody(records)
    return replace(expected, body=body, body_size=None)


def _inherited_matches(seen: Seen) -> list[Any]:
    """Records json-server listed only because an operator filter's path reached a property
    every JavaScript value inherits (`constructor`, `toString`, an array's `map`)."""
    parameters = list_queries.list_parameters(seen.request)
    listed = _listed(seen)
    if parameters is None or listed is None:
        return []
    paths = list_queries.operator_paths(parameters)
    return [
        record
        for record in listed
        if any(list_queries.own_value(record, path) is list_queries.ABSENT for path in paths)
    ]


def _without_inherited_matches(seen: Seen, expected: Expectation) -> Expectation:
    assert isinstance(expected.body, JsonBody)
    paths = list_queries.operator_paths(_parameters(seen, "inherited_properties_not_fields"))
    kept = [
        record
        for record in expected.body.view
        if all(list_queries.own_value(record, path) is not list_queries.ABSENT for path in paths)
    ]
    return _with_records(seen, expected, kept)


def _reads_qs_differently(seen: Seen) -> bool:
    return (
        list_queries.list_parameters(seen.request) is not None
        and seen.response.status == 200
        and list_queries.service_reading(seen.request.target)
        != list_queries.as_sent(seen.request.target)
    )


def _as_the_service_reads_it(seen: Seen, expected: Expectation) -> Expectation:
    """json-server's answer, earlier in the case, to the request written as the service reads
    it (`list_queries.service_reading`)."""
    reading = replace(seen.request, target=list_queries.service_reading(seen.request.target))
    for request, response in seen.earlier:
        if replace(request, target=list_queries.as_sent(request.target)) == reading:
            if response.header("link") is not None:
                raise AssertionError("qs_version_forms: cannot derive the Link of a page")
            records = js_view(response.body or b"[]")
            total = {"x-total-count": response.header("x-total-count")}
            return replace(
                _with_records(seen, expected, records), headers={**expected.headers, **total}
            )
    raise AssertionError(f"qs_version_forms: the case must first ask for {reading.target}")


def _proven_invalid(seen: Seen, pattern: str) -> bool:
    """Whether json-server failed on `pattern` earlier in the case (a 500 SyntaxError)."""
    return any(
        response.status == 500
        and (response.body or b"").startswith(b"SyntaxError: Invalid regular expression")
        and pattern in [value for _, value in list_queries.like_values(parameters)]
        for request, response in seen.earlier
        if (parameters := list_queries.list_parameters(request)) is not None
    )


def _refuses_like(seen: Seen) -> bool:
    parameters = list_queries.list_parameters(seen.request)
    return (
        parameters is not None
        and seen.response.status == 200
        and any(
            list_queries.is_refused_pattern(pattern) or _proven_invalid(seen, pattern)
            for _, pattern in list_queries.like_values(parameters)
        )
    )


def _likes_astral_text(seen: Seen) -> bool:
    parameters = list_queries.list_parameters(seen.request)
    collection = _collection(seen)
    if parameters is None or collection is None or seen.response.status != 200:
        return False
    return not _refuses_like(seen) and any(
        list_queries.is_code_unit_sensitive(pattern)
        and any(list_queries.has_astral_text(record, path) for record in collection)
        for path, pattern in list_queries.like_values(parameters)
    )


def _liked_by_character(seen: Seen, expected: Expectation) -> Expectation:
    parameters = _parameters(seen, "astral_one_character")
    likes = list_queries.like_values(parameters)
    if len(likes) != len(parameters):
        raise AssertionError("astral_one_character: only _like filters can be evaluated")
    collection = _collection(seen) or []
    return _with_records(seen, expected, list_queries.like_by_character(collection, likes))


# -- answers derived from the service's state (service_state) ----------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """What the service answers, as the state derived from the seed and the earlier steps
    says: a status, a JSON value, and X-Total-Count when the list was sliced."""

    status: int
    view: Any
    total: int | None = None


def _list_answer(records: list[Any], query: str) -> Answer | None:
    """A list with at most `_sort` (one field of strings or numbers), `_order` and a slice;
    None for any other query."""
    parameters = parse_qsl(query, keep_blank_values=True)
    if any(key not in _SORT_AND_SLICE or key == "_page" for key, _ in parameters):
        return None
    ordered = list(records)
    for path, descending in reversed(list_queries.sort_fields(parameters)):
        values = [list_queries.own_value(record, path) for record in ordered]
        if not (
            all(isinstance(v, str) for v in values) or all(isinstance(v, float) for v in values)
        ):
            return None
        ordered.sort(key=partial(list_queries.own_value, path=path), reverse=descending)
    if not list_queries.counts_total(parameters):
        return Answer(200, ordered)
    return Answer(200, list_queries.sliced(ordered, parameters), len(records))


def _modelled_answer(seen: Seen) -> Answer | None:
    """The service's answer to a read of `/db`, of a collection or of a record, to a DELETE,
    a PUT or PATCH of a record it does not hold, or a POST json-server accepted; None for
    any other request."""
    state = state_before(seen.seed, seen.earlier)
    method, parts = method_of(seen.request), segments_of(seen.request.target)
    query = urlsplit(seen.request.target).query
    if method in ("GET", "HEAD") and [part.lower() for part in parts] == ["db"]:
        return Answer(200, state.view())
    key = state.key_for(parts[0]) if parts else None
    if key is None or len(parts) > 2:
        return None
    records = state.records(key)
    if records is None:
        singular = method in ("GET", "HEAD") and len(parts) == 1
        return Answer(200, state.document[key]) if singular else None
    position = state.find(key, unquote(parts[1])) if len(parts) == 2 else None
    if method in ("GET", "HEAD"):
        if len(parts) == 1:
            return _list_answer(records, query)
        if query:
            return None
        return Answer(404, JsObject()) if position is None else Answer(200, records[position])
    if method == "DELETE" and len(parts) == 2:
        return Answer(404 if position is None else 200, JsObject())
    if method in ("PUT", "PATCH") and len(parts) == 2 and position is None:
        return Answer(404, JsObject())
    if method == "POST" and len(parts) == 1 and seen.response.status == 201:
        created = js_view(seen.response.body or b"{}")
        return Answer(201, state.with_own_id(key, seen.request, created))
    return None


def _differs(seen: Seen, answer: Answer | None) -> bool:
    if answer is None:
        return False
    if answer.status != seen.response.status:
        return True
    total = seen.response.header("x-total-count")
    if answer.total is not None and str(answer.total) != total:
        return True
    if seen.request.method == "HEAD":
        return False
    try:
        return bool(js_view(seen.response.body or b"null") != answer.view)
    except ValueError:
        return True


def _answered_by_state(seen: Seen, expected: Expectation) -> Expectation:
    answer = _modelled_answer(seen)
    assert answer is not None
    headers = dict(expected.headers)
    if seen.response.status >= 500:
        headers = {name: headers[name] for name in _ERROR_KEEPS if name in headers}
        headers.update(_NO_CACHE)
    if answer.total is not None:
        headers["x-total-count"] = str(answer.total)
    location = headers.get("location")
    if location and answer.status == 201:
        new_id = quote(id_text(_id_of(answer.view)), safe="")
        headers["location"] = location.rsplit("/", 1)[0] + "/" + new_id
    body = EmptyBody() if seen.request.method == "HEAD" else JsonBody(answer.view)
    return replace(
        expected,
        status=answer.status,
        content_type=JSON_MEDIA_TYPE,
        body=body,
        headers=headers,
        etag=True,
        body_size=None,
    )


def _has_twins(seen: Seen) -> bool:
    return bool(State.of_seed(seen.seed).twins())


def _sweep_shows(seen: Seen) -> bool:
    """After a DELETE (or on a DELETE whose sweep failed), json-server's answer is not what
    the service, which swept nothing, holds."""
    deleted = any(method_of(request) == "DELETE" for request, _ in seen.earlier)
    failed = method_of(seen.request) == "DELETE" and seen.response.status == 500
    return (deleted or failed) and not _has_twins(seen) and _differs(seen, _modelled_answer(seen))


def _twin_shows(seen: Seen) -> bool:
    """A request to one of two keys that differ only in case (or `/db`), where json-server's
    two passes answer otherwise than the later key alone."""
    state = State.of_seed(seen.seed)
    parts = segments_of(seen.request.target)
    names = {key.lower() for key in state.twins()} | {"db"}
    return (
        bool(parts)
        and parts[0].lower() in names
        and bool(state.twins())
        and seen.response.status != 500
        and _differs(seen, _modelled_answer(seen))
    )


def _duplicate_insert(seen: Seen) -> bool:
    return (
        seen.request.method == "POST"
        and seen.response.status == 500
        and (seen.response.body or b"").startswith(b"Error: Insert failed, duplicate id")
    )


def _gives_an_id(seen: Seen) -> bool:
    """The POST's JSON body names a truthy id (json-server keeps it rather than assign one)."""
    try:
        body = json.loads(seen.request.body or b"{}")
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("id") not in (None, 0, "", False)


def _underscored_name(seen: Seen) -> bool:
    """json-server reached a collection whose key starts with `_` (`_audit`): the service keeps
    that prefix for its operator routes."""
    parts = segments_of(seen.request.target)
    name = parts[2] if len(parts) == 3 else parts[0] if parts else ""
    return seen.request.method != "OPTIONS" and name.startswith("_")


def _pattern_match(seen: Seen) -> bool:
    """json-server reached a collection whose key is an Express pattern (`a:b`, `st*`) by a
    name that is not the key."""
    state = State.of_seed(seen.seed)
    if not any(_PATTERN_CHARACTERS & set(key) for key in state.document):
        return False
    parts = segments_of(seen.request.target)
    name = parts[2] if len(parts) == 3 else parts[0] if parts else ""
    return (
        seen.request.method != "OPTIONS"
        and _succeeded(seen.response)
        and name.lower() != "db"
        and state.key_for(name) is None
    )


def _posts_to_values(seen: Seen) -> bool:
    """A POST to a collection whose elements are not objects (`"tags": ["red"]`): json-server
    fails generating the id."""
    if method_of(seen.request) != "POST" or seen.response.status != 500:
        return False
    state = state_before(seen.seed, seen.earlier)
    parts = segments_of(seen.request.target)
    key = state.key_for(parts[-1]) if len(parts) in (1, 3) else None
    records = state.records(key) if key else None
    return records is not None and any(not isinstance(item, JsObject) for item in records)


DIFFERENCES = (
    Difference(
        "home_page_not_served",
        "GET / serves json-server's HTML home page",
        "404 {} like any unknown path",
        lambda seen: seen.request.target == "/" and seen.response.status == 200,
        _not_found,
    ),
    Difference(
        "invalid_query_not_500",
        "a query it cannot run (invalid _like regex, repeated _sort or _order, an object q, "
        "_expand of a missing or null key) is a 500 with a text/html stack trace",
        "400 application/json with code invalid_query",
        lambda seen: (
            seen.request.method in ("GET", "HEAD")
            and seen.response.status == 500
            and not _underscored_name(seen)  # no collection is read there
        ),
        _error(400, "invalid_query"),
    ),
    Difference(
        "jsonp_not_served",
        "a callback parameter wraps the body as JSONP (text/javascript)",
        "plain JSON; callback is ignored",
        lambda seen: (seen.response.body or b"").startswith(_JSONP_PREFIX),
        _unwrapped_jsonp,
    ),
    Difference(
        "duplicate_id_conflict",
        'POST with an id that exists (1 and "1" included) is a 500 with a stack trace',
        "409 duplicate_id",
        lambda seen: _duplicate_insert(seen) and _gives_an_id(seen),
        _error(409, "duplicate_id"),
    ),
    Difference(
        "id_unassignable_not_500",
        "POST without an id when max + 1 rounds back to max (beyond 2^53) is a 500 "
        "(Insert failed, duplicate id)",
        "409 id_unassignable, at once",
        lambda seen: _duplicate_insert(seen) and not _gives_an_id(seen),
        _error(409, "id_unassignable"),
    ),
    Difference(
        "invalid_id_rejected",
        "POST stores an id that is true, an array or an object",
        "400 invalid_id",
        lambda seen: (
            seen.request.method == "POST"
            and _succeeded(seen.response)
            and _has_unaddressable_id(seen.request)
        ),
        _error(400, "invalid_id"),
    ),
    Difference(
        "json_error_page_replaced",
        "malformed JSON or a top-level string, number or null is a 400 HTML page",
        "400 application/json with code malformed_json or body_not_object",
        lambda seen: (
            seen.response.status == 400
            and (seen.response.header("content-type") or "").startswith("text/html")
        ),
        _body_error,
    ),
    Difference(
        "array_body_rejected",
        "a top-level JSON array is stored (POST: as a corrupt element of the collection; "
        'PUT and PATCH: as keys "0", "1", …)',
        "400 body_not_object",
        lambda seen: (
            _writes_body(seen)
            and _is_json_media_type(_media_type(seen.request))
            and isinstance(_parsed_body(seen.request), list)
        ),
        _error(400, "body_not_object"),
    ),
    Difference(
        "non_json_body_rejected",
        "a text/plain, multipart or other non-JSON body is dropped silently and the write "
        "goes ahead without it",
        "415 unsupported_media_type, and nothing is written",
        lambda seen: _writes_body(seen) and _is_dropped_body(seen.request),
        _error(415, "unsupported_media_type"),
    ),
    Difference(
        "vendor_json_parsed",
        "an application/*+json body is dropped silently (a record with only an id)",
        "parsed as JSON and stored",
        lambda seen: (
            seen.request.method == "POST"
            and _succeeded(seen.response)
            and _is_vendor_json(seen.request)
        ),
        _vendor_json_kept,
    ),
    Difference(
        "unsupported_charset_json",
        "a charset other than UTF-8 is a 415 HTML page",
        "415 application/json with code unsupported_media_type",
        lambda seen: seen.response.status == 415,
        _error(415, "unsupported_media_type"),
    ),
    Difference(
        "body_limit_1mib",
        "accepts bodies up to 10 MB, then answers a 413 HTML page",
        "413 application/json with code payload_too_large over 1 MiB",
        lambda seen: len(seen.request.body or b"") > MAX_BODY_BYTES,
        _error(413, "payload_too_large"),
    ),
    Difference(
        "number_out_of_range",
        "a number beyond a double (1e400) is stored as null",
        "400 number_out_of_range",
        lambda seen: _succeeded(seen.response) and _has_overflowing_number(seen.request),
        _error(400, "number_out_of_range"),
    ),
    Difference(
        "forwarded_proto_https",
        "Location is always http://",
        "https:// behind a proxy that sets X-Forwarded-Proto: https",
        lambda seen: (
            seen.request.header("x-forwarded-proto") == "https"
            and seen.response.header("location") is not None
        ),
        _https_location,
    ),
    Difference(
        "no_orphan_sweep",
        "every plural DELETE, even a 404, also deletes, in every collection, the records "
        "whose top-level <x>Id field points to a missing record of the collection plural(x) "
        "(appointments of a deleted patient, patients of a deleted doctor); a null <x>Id or "
        "an orphan without an id makes every DELETE a 500",
        "deletes only the record asked for (CASCADE_DELETES=true restores the sweep); later "
        "reads still show the records json-server swept, and such a DELETE is 200 or 404",
        _sweep_shows,
        _answered_by_state,
    ),
    Difference(
        "twin_keys_later_only",
        "with two keys that differ only in case (patients, Patients) reads come from the later "
        "key after a pass over the earlier one (an id only the earlier holds is found; _limit "
        "and _sort are used up by that pass), and writes go to both collections",
        "every request, read or write, reaches the later key only; GET /db shows both",
        _twin_shows,
        _answered_by_state,
    ),
    Difference(
        "underscore_names_reserved",
        "a key starting with `_` (`_audit`) is a collection like any other",
        "paths under `/_` are the service's operator routes (off in this suite): `404 {}`; "
        "the importer refuses such keys",
        _underscored_name,
        _not_found,
    ),
    Difference(
        "collection_names_literal",
        "a key is an Express path pattern: a:b also answers /aXYZ, st* answers /st, /stuff "
        "and /st/1",
        "names match literally, ignoring case, against the path as sent: those are 404 {}",
        _pattern_match,
        _not_found,
    ),
    Difference(
        "post_to_values_rejected",
        'POST to a collection whose elements are not objects ("tags": ["red", "green"]) is a '
        "500 with a stack trace",
        "400 collection_not_records, and nothing is written",
        _posts_to_values,
        _error(400, "collection_not_records"),
    ),
    Difference(
        "inherited_properties_not_fields",
        "an operator filter (_ne, _like, _gte, _lte) on a property every JavaScript value "
        "inherits (constructor, toString, an array's map) reads it, so constructor_ne=x keeps "
        "every record",
        "they are not fields: such a filter keeps no record",
        lambda seen: bool(_inherited_matches(seen)),
        _without_inherited_matches,
    ),
    Difference(
        "qs_version_forms",
        "qs reads a key with no name ([1]=x) as the field 1, an array index from 21 to 999 "
        "(id[21]=1) as an array item, and a=x&a[b]=y as a list holding x",
        "a key with no name is ignored; an index above 20 is an object key (as qs 6.11 in "
        "json-server's lockfile reads it); a key that is also an object is an object; objects "
        "match nothing",
        _reads_qs_differently,
        _as_the_service_reads_it,
    ),
    Difference(
        "like_patterns_refused",
        "runs _like patterns with a backreference, a repetition count above 255, a character "
        "above U+FFFF in a class or under a quantifier, or over 512 characters; an invalid "
        "pattern no record reaches answers 200 []",
        "400 invalid_query",
        _refuses_like,
        _error(400, "invalid_query"),
    ),
    Difference(
        "astral_one_character",
        "_like's ., [^...], \\D, \\S, \\W and \\B read a character above U+FFFF as two "
        "UTF-16 code units",
        "one character, as PostgreSQL matches code points",
        _likes_astral_text,
        _liked_by_character,
    ),
)

RULE_NAMES = tuple(rule.name for rule in (*NORMALISATIONS, *DIFFERENCES, *UNOBSERVABLE))


def difference_for(seen: Seen) -> Difference | None:
    """The one rule that explains how the service answers the request, when json-server's
    response is one the service deliberately does not copy."""
    matching = [rule for rule in DIFFERENCES if rule.applies(seen)]
    if len(matching) > 1:
        names = ", ".join(rule.name for rule in matching)
        raise AssertionError(f"several documented differences apply to one request: {names}")
    return matching[0] if matching else None
