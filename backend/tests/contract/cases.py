"""Every request sequence the contract suite sends to json-server 0.17.4 and to the service.

A case is a sequence of steps run on a fresh copy of its seed; the section numbers (§) point
into the json-server reference. Placeholders in a request are filled in per server:
`<nanoid#N>` is the N-th random id that server generated in this case, `<etag#K>` the ETag of
step K's response (`<strong-etag#K>` without the `W/` prefix).
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tests.contract.wire import Request

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ORIGIN = ("Origin", "http://localhost:5173")
GZIP = ("Accept-Encoding", "gzip")
FORM = "application/x-www-form-urlencoded"
# Over the service's 1 MiB body limit and under json-server's 10 MB one, then over both.
MIDDLE_BODY_BYTES = 2 * 1024 * 1024
HUGE_BODY_BYTES = 11 * 1024 * 1024

Header = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Step:
    request: Request
    # The response carries an id json-server draws at random (a 7-character nanoid).
    new_random_id: bool = False


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    seed: str
    steps: tuple[Step, ...]

    @property
    def writes(self) -> bool:
        return any(step.request.method in WRITE_METHODS for step in self.steps)


def get(target: str, *headers: Header) -> Step:
    return Step(Request("GET", target, headers))


def head(target: str, *headers: Header) -> Step:
    return Step(Request("HEAD", target, headers))


def options(target: str, *headers: Header) -> Step:
    return Step(Request("OPTIONS", target, headers))


def delete(target: str, *headers: Header) -> Step:
    return Step(Request("DELETE", target, headers))


def raw(
    method: str,
    target: str,
    body: bytes | str | None,
    content_type: str | None,
    *headers: Header,
    new_random_id: bool = False,
) -> Step:
    """A request with a body sent exactly as given."""
    all_headers = ((("Content-Type", content_type),) if content_type else ()) + headers
    data = body.encode() if isinstance(body, str) else body
    return Step(Request(method, target, all_headers, data), new_random_id)


def send_json(
    method: str, target: str, value: Any, *headers: Header, new_random_id: bool = False
) -> Step:
    text = json.dumps(value, ensure_ascii=False)
    return raw(method, target, text, "application/json", *headers, new_random_id=new_random_id)


def post(target: str, value: Any, *headers: Header, new_random_id: bool = False) -> Step:
    return send_json("POST", target, value, *headers, new_random_id=new_random_id)


def put(target: str, value: Any, *headers: Header) -> Step:
    return send_json("PUT", target, value, *headers)


def patch(target: str, value: Any, *headers: Header) -> Step:
    return send_json("PATCH", target, value, *headers)


def case(seed: str, name: str, *steps: Step) -> Case:
    return Case(f"{seed}: {name}", seed, steps)


def reads(seed: str, *targets: str) -> list[Case]:
    """One single-GET case per target, named after the request."""
    return [case(seed, f"GET {target}", get(target)) for target in targets]


def _big_record(size: int) -> bytes:
    filler = "x" * (size - 20)
    return json.dumps({"name": filler}).encode()


# §3, §4: routing leniency, items, unknown paths and the home page.
ROUTING = [
    *reads(
        "main",
        "/patients",
        "/patients/",
        "/patients?",
        "/patients/1",
        "/patients/999",
        "/patients/01",
        "/patients/1.0",
        "/patients/abc",
        "/patients/1/",
        "/patients//1",
        "/PATIENTS",
        "/Patients/1",
        "/patients/%31",
        "/patient",
        "/unknown",
        "/unknown/1",
        "/patients/1/visits",
        "/patients/1/patients",
        "/patients/1/x/y",
        "/patients/1?gender=male",
        "/patients/1?_limit=0",
        "/db",
        "/",
    ),
    case("main", "HEAD /", head("/")),
    case("main", "PUT /patients", put("/patients", {"name": "x"})),
    case("main", "PATCH /patients", patch("/patients", {"name": "x"})),
    case("main", "DELETE /patients", delete("/patients")),
    case("main", "POST /patients/1", post("/patients/1", {"name": "x"})),
    case("main", "TRACE /patients", Step(Request("TRACE", "/patients"))),
    *reads("string", "/patients/p-1", "/patients/P-1", "/patients/p-10", "/patients/p-1/"),
    *reads("numstr", "/patients/1", "/patients/01", "/patients/10"),
    *reads("empty", "/patients", "/patients/1", "/db"),
    *reads("mixed", "/patients", "/patients/m-8", "/patients/3", "/patients/4", "/db"),
]

# §1, §2: CORS, cache headers, HEAD, OPTIONS, compression, conditional requests.
HEADERS = [
    case("main", "GET /patients/1 with Origin", get("/patients/1", ORIGIN)),
    case("main", "GET /patients with Origin", get("/patients", ORIGIN)),
    case("main", "GET /patients/999 with Origin", get("/patients/999", ORIGIN)),
    case("main", "GET /unknown with Origin", get("/unknown", ORIGIN)),
    case(
        "main",
        "preflight for PUT with Origin and requested headers",
        options(
            "/patients/1",
            ORIGIN,
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "content-type,authorization"),
        ),
    ),
    case(
        "main",
        "preflight for POST",
        options(
            "/patients",
            ORIGIN,
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "content-type"),
        ),
    ),
    case("main", "OPTIONS /patients without Origin", options("/patients")),
    case("main", "OPTIONS /patients with Origin only", options("/patients", ORIGIN)),
    case("main", "OPTIONS on an unknown path", options("/nothing")),
    case(
        "main",
        "OPTIONS without Origin naming a method",
        options("/patients/1", ("Access-Control-Request-Method", "DELETE")),
    ),
    case("main", "HEAD /patients", head("/patients")),
    case("main", "HEAD /patients/1", head("/patients/1")),
    case("main", "HEAD /patients/999", head("/patients/999")),
    case("main", "HEAD a page", head("/patients?_page=1&_limit=2")),
    case("main", "HEAD with Origin", head("/patients/2", ORIGIN)),
    case("main", "gzip of a large list", get("/patients", GZIP)),
    case("main", "no gzip for a small record", get("/patients/1", GZIP)),
    case("main", "gzip of a page", get("/patients?_page=1&_limit=5", GZIP)),
    case("main", "gzip with Origin", get("/patients?_sort=age", GZIP, ORIGIN)),
    case(
        "main",
        "If-None-Match with the current ETag is 304",
        get("/patients/1"),
        get("/patients/1", ("If-None-Match", "<etag#0>")),
    ),
    case(
        "main",
        "If-None-Match on the list, for GET and HEAD",
        get("/patients"),
        get("/patients", ("If-None-Match", "<etag#0>")),
        head("/patients", ("If-None-Match", "<etag#0>")),
    ),
    case(
        "main",
        "If-None-Match with a stale ETag is 200",
        get("/patients/1", ("If-None-Match", 'W/"0-stale"')),
    ),
    case(
        "main",
        "If-None-Match with the ETag in its strong form",
        get("/patients/1"),
        get("/patients/1", ("If-None-Match", "<strong-etag#0>")),
    ),
    case("main", "If-None-Match star", get("/patients/1", ("If-None-Match", "*"))),
    case(
        "main",
        "If-None-Match with Cache-Control no-cache is 200",
        get("/patients/1"),
        get("/patients/1", ("If-None-Match", "<etag#0>"), ("Cache-Control", "no-cache")),
    ),
    case(
        "main",
        "If-None-Match with a list of ETags",
        get("/patients/2"),
        get("/patients/2", ("If-None-Match", '"x", <etag#0>')),
    ),
    case(
        "main",
        "If-None-Match on a 404 is still 404",
        get("/patients/999", ("If-None-Match", 'W/"2-vyGp6PvFo4RvsFtPoIWeCReyIC8"')),
    ),
    case(
        "main",
        "If-None-Match on a page keeps the paging headers",
        get("/patients?_page=1&_limit=2"),
        get("/patients?_page=1&_limit=2", ("If-None-Match", "<etag#0>"), ORIGIN),
    ),
    case(
        "main",
        "the ETag of one record does not match another",
        get("/patients/1"),
        get("/patients/2", ("If-None-Match", "<etag#0>")),
    ),
]

# §5: equality filters.
FILTERS = [
    *reads(
        "main",
        "/patients?gender=female",
        "/patients?age=34",
        "/patients?age=034",
        "/patients?id=1",
        "/patients?id=1.0",
        "/patients?id=1&id=2",
        "/patients?id[]=1&id[]=2",
        "/patients?id%5B%5D=1&id%5B%5D=3",
        "/patients?id=1,2",
        "/patients?id=1&id=2&gender=male",
        "/patients?address.city=Boston",
        "/patients?address.city=boston",
        "/patients?address.city=Boston&address.city=Denver",
        "/patients?address[city]=Boston",
        "/patients?address=Boston",
        "/patients?address=%5Bobject%20Object%5D",
        "/patients?address.street=12%20Elm%20St",
        "/patients?conditions=asthma",
        "/patients?conditions=hypertension,arthritis",
        "/patients?conditions=",
        "/patients?conditions.0=asthma",
        "/patients?conditions[0]=asthma",
        "/patients?active=true",
        "/patients?active=false",
        "/patients?notes=null",
        "/patients?unknownfield=xyz",
        "/patients?Gender=female",
        "/patients?name=Alice%20Martin",
        "/patients?name=Alice+Martin",
        "/patients?name=alice%20martin",
        "/patients?gender=",
        "/patients?gender=female&gender=male",
        "/patients?gender=female&age=34",
        "/patients?_=123&id=1",
        "/patients?email=ALICE.MARTIN%40example.com",
    ),
    *reads("string", "/patients?id=p-3", "/patients?id=p-3&id=p-30", "/patients?gender=male"),
    *reads("numstr", "/patients?id=1", "/patients?id=1&id=10", "/patients?id=01"),
    *reads("empty", "/patients?gender=x", "/patients?unknown=1&id=1"),
    *reads(
        "mixed",
        "/patients?active=true",
        "/patients?active=1",
        "/patients?active=false",
        "/patients?notes=null",
        "/patients?notes=false",
        "/patients?notes=",
        "/patients?nickname=",
        "/patients?score=42",
        "/patients?score=",
        "/patients?age=34",
        "/patients?age=40",
        "/patients?age=0",
        "/patients?tags=a,b",
        "/patients?tags=",
        "/patients?tags=nested,array,%5Bobject%20Object%5D",
        "/patients?address.geo.lat=48.8566",
        "/patients?address.zip=",
        "/patients?name=%C3%89lodie%20Durand",
        "/patients?ratio=1e%2B21",
        "/patients?2=two",
        "/patients?conditions=null",
    ),
]

# §6: the _gte, _lte, _ne and _like operators.
OPERATORS = [
    *reads(
        "main",
        "/patients?age_gte=40",
        "/patients?age_lte=9",
        "/patients?age_gte=40&age_lte=60",
        "/patients?age_gte=abc",
        "/patients?age_lte=abc",
        "/patients?age_gte=",
        "/patients?age_lte=",
        "/patients?age_gte=1e2",
        "/patients?age_gte=40&age_gte=90",
        "/patients?name_gte=D",
        "/patients?name_lte=C",
        "/patients?admittedAt_gte=2024-04-01",
        "/patients?admittedAt_lte=2024-02-11T08:00:00Z",
        "/patients?active_gte=1",
        "/patients?conditions_gte=b",
        "/patients?id_gte=9",
        "/patients?age_ne=34",
        "/patients?age_ne=34&age_ne=58",
        "/patients?active_ne=true",
        "/patients?notes_ne=x",
        "/patients?conditions_ne=asthma",
        "/patients?id=1&id=2&id_ne=1",
        "/patients?gender_ne=male&gender_ne=female",
        "/patients?name_like=ali",
        "/patients?name_like=%5Eb",
        "/patients?name_like=%5EA%7C%5EB",
        "/patients?name_like=smith&name_like=kim",
        "/patients?name_like=",
        "/patients?address.city_like=bos",
        "/patients?address.city_like=%5Ebos",
        "/patients?conditions_like=diabetes",
        "/patients?email_like=%5C.com%24",
        "/patients?age_like=3",
        "/patients?active_like=true",
        "/patients?address_like=object",
        "/patients?notes_like=",
        "/patients?foo_like=bar",
        "/patients?foo_ne=bar",
        "/patients?name_like=(",
        "/patients?name_like=%5B",
        "/patients?name_like=(%3Fi)alice",
        "/patients?name_like=a%2B",
        "/patients?name_like=%5Cd",
    ),
    *reads("string", "/patients?id_gte=p-5", "/patients?id_like=p-1", "/patients?id_ne=p-1"),
    *reads("numstr", "/patients?id_gte=5", "/patients?id_lte=2", "/patients?age_gte=40"),
    *reads("empty", "/patients?foo_like=x", "/patients?age_gte=1"),
    *reads(
        "mixed",
        "/patients?age_gte=0",
        "/patients?age_lte=34",
        "/patients?age_gte=35",
        "/patients?score_gte=42",
        "/patients?name_gte=%C3%85",
        "/patients?emoji_gte=%EF%AC%81",
        "/patients?name_like=%C3%A9lodie",
        "/patients?name_like=%C3%89LODIE",
        "/patients?name_like=zo%C3%AB",
        "/patients?address.city_like=%5Eparis%24",
        "/patients?notes_ne=NULL",
        "/patients?active_ne=true",
        "/patients?tags_like=vip",
        "/patients?tags_like=object",
        "/patients?ratio_like=e%5C%2B21",
        "/patients?nickname_like=%5E%24",
    ),
]

# §7: full-text search.
SEARCH = [
    *reads(
        "main",
        "/patients?q=boston",
        "/patients?q=BOSTON",
        "/patients?q=diab",
        "/patients?q=555-010",
        "/patients?q=10",
        "/patients?q=true",
        "/patients?q=false",
        "/patients?q=null",
        "/patients?q=asthma&gender=male",
        "/patients?q=asthma&q=diabetes",
        "/patients?q=",
        "/patients?q=%20",
        "/patients?q=a.b",
        "/patients?q=A%2B",
        "/patients?q=elm%20st",
        "/patients?q=asthma&_sort=age&_order=desc",
        "/patients?q[a]=b",
    ),
    *reads("string", "/patients?q=p-1"),
    *reads("empty", "/patients?q=x"),
    *reads(
        "mixed",
        "/patients?q=zo%C3%AB",
        "/patients?q=%E6%82%A3",
        "/patients?q=PARIS",
        "/patients?q=0",
        "/patients?q=false",
        "/patients?q=null",
        "/patients?q=1e%2B21",
        "/patients?q=%F0%9F%98%80",
        "/patients?q=nested",
        "/patients?q=48.85",
        "/patients?q=one",
    ),
]

# §8: pagination and Link.
PAGINATION = [
    *reads(
        "main",
        "/patients?_page=1&_limit=3",
        "/patients?_page=2&_limit=3",
        "/patients?_page=4&_limit=3",
        "/patients?_page=5&_limit=3",
        "/patients?_page=3&_limit=4",
        "/patients?_page=1",
        "/patients?_page=2",
        "/patients?_page=1&_limit=10",
        "/patients?_page=1&_limit=20",
        "/patients?_limit=3&_page=2",
        "/patients?_page=2&_limit=3&gender=male",
        "/patients?_sort=age&_order=desc&_page=1&_limit=3",
        "/patients?_page=abc&_limit=3",
        "/patients?_page=0&_limit=3",
        "/patients?_page=-1&_limit=3",
        "/patients?_page=02&_limit=3",
        "/patients?_page=1.9&_limit=3",
        "/patients?_page=2abc&_limit=3",
        "/patients?_page=1&_limit=0",
        "/patients?_page=1&_limit=abc",
        "/patients?_page=1&_limit=-1",
        "/patients?_page=2&_limit=-1",
        "/patients?_page=2&_limit=3.7",
        "/patients?_page=2&_limit=3&_page=3",
        "/patients?_page=&_limit=3",
        "/patients?_start=5&_page=1&_limit=2",
        "/patients?_end=3&_page=2&_limit=2",
        "/patients?q=a&_page=2&_limit=2",
        "/patients?gender=fe%6Dale&_page=1&_limit=2",
        "/Patients?_page=2&_limit=3",
        "/patients/?_page=2&_limit=3",
    ),
    case(
        "main",
        "Link uses the Host header",
        get("/patients?_page=2&_limit=3", ("Host", "api.example.com:8080")),
    ),
    case(
        "main",
        "Link ignores X-Forwarded-Proto",
        get("/patients?_page=2&_limit=3", ("X-Forwarded-Proto", "https")),
    ),
    *reads("string", "/patients?_page=2&_limit=4"),
    *reads("empty", "/patients?_page=1&_limit=5", "/patients?_page=1"),
    *reads("mixed", "/patients?_page=2&_limit=3&_sort=name"),
]

# §9: slicing without _page.
SLICING = [
    *reads(
        "main",
        "/patients?_start=2",
        "/patients?_start=2&_end=5",
        "/patients?_end=3",
        "/patients?_start=2&_limit=3",
        "/patients?_limit=3",
        "/patients?_limit=0",
        "/patients?_limit=-1",
        "/patients?_limit=abc",
        "/patients?_end=abc",
        "/patients?_end=-2",
        "/patients?_start=-3&_end=10",
        "/patients?_start=-3&_limit=2",
        "/patients?_start=abc&_end=2",
        "/patients?_start=5&_end=2",
        "/patients?_start=2&_end=5&_limit=1",
        "/patients?_end=",
        "/patients?_limit=",
        "/patients?_start=8&_end=100",
        "/patients?_limit=3&_limit=5",
        "/patients?q=a&_limit=2",
        "/patients?_limit=2.9",
        "/patients?_start=1.5&_end=3.5",
    ),
    *reads("empty", "/patients?_limit=2", "/patients?_end=1"),
]

# §10: sorting.
SORTING = [
    *reads(
        "main",
        "/patients?_sort=age",
        "/patients?_sort=age&_order=asc",
        "/patients?_sort=age&_order=xyz",
        "/patients?_sort=age&_order=desc",
        "/patients?_sort=age&_order=DESC",
        "/patients?_sort=name",
        "/patients?_sort=name&_order=desc",
        "/patients?_sort=address.city",
        "/patients?_sort=gender,age",
        "/patients?_sort=gender,age&_order=desc",
        "/patients?_sort=gender,age&_order=asc,desc",
        "/patients?_sort=active",
        "/patients?_sort=active&_order=desc",
        "/patients?_sort=notes",
        "/patients?_sort=notes&_order=desc",
        "/patients?_sort=unknown",
        "/patients?_sort=",
        "/patients?_sort=%20age",
        "/patients?_order=desc",
        "/patients?_sort=conditions",
        "/patients?_sort=bloodType,id&_order=desc,desc",
        "/patients?_sort=age,&_order=desc",
        "/patients?_sort=admittedAt&_order=desc",
        "/patients?_sort=email",
        "/patients?_sort=age&gender=male&_order=desc",
        "/patients?_sort=gender&_sort=age",
        "/patients?_sort=age&_order=desc&_order=asc",
        "/patients?_sort[]=age",
    ),
    *reads("string", "/patients?_sort=id", "/patients?_sort=id&_order=desc"),
    *reads("numstr", "/patients?_sort=id", "/patients?_sort=id&_order=desc"),
    *reads("empty", "/patients?_sort=name"),
    *reads(
        "mixed",
        "/patients?_sort=name",
        "/patients?_sort=name&_order=desc",
        "/patients?_sort=emoji",
        "/patients?_sort=emoji&_order=desc",
        "/patients?_sort=notes",
        "/patients?_sort=address.city",
        "/patients?_sort=address.city&_order=desc",
        "/patients?_sort=nickname",
    ),
]

# §4, §19: JSONP, _delay; §12: relations on a database without other collections.
EXTRAS = [
    *reads(
        "main",
        "/patients?callback=cb",
        "/patients/1?callback=cb",
        "/patients?callback=cb&_=123&id=1",
        "/patients?callback=",
        "/patients/999?callback=cb",
        "/patients?_delay=10",
        "/patients/1?_delay=5",
        "/patients/1?_embed=visits",
        "/patients/1?_embed=visits,doctors",
        "/patients?_embed=visits&_limit=2",
        "/patients/1?_expand=doctor",
        "/patients/1?_expand=nothing",
        "/patients?_embed=patients",
        "/patients/1?_embed=patients",
        "/patients?_expand=patient",
        "/patients/1?_expand=patient",
    ),
]

# §5-§10: where the service deliberately reads a query otherwise (docs/compatibility.md,
# "Queries"). A case that starts with `GET /patients` lets a rule take the collection from it.
QUERY_DIFFERENCES = [
    *reads(
        "main",
        "/patients?constructor_ne=x",
        "/patients?toString_like=native",
        "/patients?valueOf_gte=a",
        "/patients?conditions.map_ne=x",
        "/patients?constructor.name_like=object",
        "/patients?constructor=x",
        "/patients?" + "&".join(f"id={number}" for number in range(1, 23)),
    ),
    case(
        "mixed",
        "keys with no name are ignored",
        get("/patients"),
        get("/patients?[1]=one"),
        get("/patients?name=bob"),
        get("/patients?name=bob&%5B2%5D=two"),
    ),
    case(
        "mixed",
        "array indexes above 20 are object keys",
        get("/patients?id[x]=1"),
        get("/patients?id[21]=1"),
        get("/patients?id[999]=1"),
        get("/patients?id=2&id[25]=1"),
        get("/patients?id[1000]=1"),
    ),
    case(
        "mixed",
        "a key given plainly and as an object is an object",
        get("/patients?name[x]=1"),
        get("/patients?name=bob&name[x]=1"),
        get("/patients?name[x]=1&name=Bob"),
        get("/patients?name=bob&name[x]=1&name[y]=2"),
    ),
    *reads(
        "mixed",
        "/patients?name_like=(l)%5C1",
        "/patients?name_like=(%3F%3Cn%3El)%5Ck%3Cn%3E",
        "/patients?name_like=%5C1(l)",
        "/patients?name_like=x%7B0,256%7D",
        "/patients?name_like=x%7B255%7D",
        "/patients?emoji_like=%5B%F0%9F%98%80%5D",
        "/patients?emoji_like=%F0%9F%98%80%2B",
        "/patients?emoji_like=%5E%F0%9F%98%80",
    ),
    case(
        "mixed", "a _like pattern over 512 characters", get("/patients?name_like=" + "x%3F" * 257)
    ),
    case("mixed", "a _like pattern of 512 characters", get("/patients?name_like=" + "x%3F" * 256)),
    case(
        "main",
        "an invalid _like pattern that no record reaches",
        get("/patients?name_like=("),
        get("/patients?foo_like=("),
        get("/patients?gender=nobody&name_like=("),
        head("/patients?foo_like=("),
    ),
    case(
        "mixed",
        "_like reads a character above U+FFFF as one character",
        get("/patients"),
        get("/patients?emoji_like=%5E.%20smile"),
        get("/patients?emoji_like=%5E..%20smile"),
        get("/patients?emoji_like=%5E%5B%5Ex%5D%20smile"),
        get("/patients?emoji_like=%5E%5CW%20smile"),
        get("/patients?emoji_like=%5E.%20"),
        get("/patients?emoji_like=smile"),
    ),
    case(
        "mixed",
        "sort fields holding numbers and strings",
        get("/patients"),
        get("/patients?_sort=score"),
        get("/patients?_sort=score&_order=desc"),
        get("/patients?_sort=age"),
        get("/patients?_sort=active,name"),
        get("/patients?_sort=age,score&_order=desc,asc"),
        get("/patients?_sort=tags"),
    ),
]

# §12, §16: relations through a `patientId` field, nested routes and the orphan sweep.
RELATIONS = [
    case(
        "main",
        "nested routes, _embed and _expand through patientId",
        post("/patients", {"name": "Child", "patientId": 1}),
        get("/patients/1/patients"),
        get("/patients/1?_embed=patients"),
        get("/patients/11?_expand=patient"),
        get("/patients?patientId=1"),
        post("/patients/1/patients", {"name": "Nested"}),
        get("/patients/1?_embed=patients"),
        get("/patients/1/patients"),
        get("/patients/1/patients?_sort=name"),
    ),
    case(
        "main",
        "deletes leave records that point to missing patients",
        post("/patients", {"name": "Orphan", "patientId": 999}),
        post("/patients", {"name": "Linked", "patientId": 2}),
        delete("/patients/3"),
        get("/patients"),
        delete("/patients/2"),
        get("/patients"),
    ),
]

# §13: POST.
_NEW_ONE = {"name": "New One", "age": 40, "address": {"city": "Miami"}}
POSTS = [
    case(
        "main",
        "post appends with max id + 1 and a Location",
        post("/patients", _NEW_ONE),
        get("/patients/11"),
        get("/patients?_page=2&_limit=5"),
    ),
    case("main", "post with Origin", post("/patients", _NEW_ONE, ORIGIN)),
    case(
        "main",
        "post with a numeric id, then max + 1",
        post("/patients", {"id": 50, "name": "Fifty"}),
        post("/patients", {"name": "After fifty"}),
        get("/patients/51"),
    ),
    case(
        "main",
        "duplicate ids are refused and nothing is stored",
        post("/patients", {"id": 1, "name": "Dup"}),
        post("/patients", {"id": "1", "name": "Dup"}),
        post("/patients", {"name": "Dup", "id": 10.0}),
        get("/patients"),
    ),
    case(
        "main",
        "a string id is kept and the numeric maximum still decides",
        post("/patients", {"id": "abc", "name": "String id"}),
        post("/patients", {"name": "after abc"}),
        get("/patients/abc"),
        get("/patients?id=abc"),
    ),
    case(
        "main",
        "falsy ids are replaced in place",
        post("/patients", {"id": 0, "name": "zero"}),
        post("/patients", {"name": "null", "id": None}),
        post("/patients", {"id": "", "name": "empty"}),
        post("/patients", {"id": False, "name": "false"}),
        get("/patients?id_gte=11"),
    ),
    case(
        "main",
        "empty bodies store only an id",
        raw("POST", "/patients", None, None),
        raw("POST", "/patients", b"", "application/json"),
        post("/patients", {}),
        get("/patients?_start=10"),
        get("/patients?_start=10&_end=20"),
    ),
    case(
        "main",
        "a whitespace-only JSON body",
        raw("POST", "/patients", b"  \n", "application/json"),
    ),
    case(
        "main",
        "urlencoded forms store strings",
        raw("POST", "/patients", "name=Form+Person&age=33&address[city]=X", FORM),
        raw("POST", "/patients", "a=1&a=2&b=&c=%C3%A9", FORM),
        get("/patients/12"),
    ),
    case(
        "main",
        "text/plain JSON",
        raw("POST", "/patients", '{"name":"plain"}', "text/plain"),
    ),
    case(
        "main",
        "multipart form data",
        raw(
            "POST",
            "/patients",
            '--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nMulti\r\n--XyZ--\r\n',
            "multipart/form-data; boundary=XyZ",
        ),
    ),
    case(
        "main",
        "vendor JSON media type",
        raw("POST", "/patients", '{"name":"vendor"}', "application/vnd.api+json"),
    ),
    case(
        "main",
        "charsets",
        raw("POST", "/patients", '{"name":"latin"}', "application/json; charset=latin1"),
        raw("POST", "/patients", '{"name":"utf"}', "application/json; charset=utf-8"),
        raw("POST", "/patients", '{"name":"UTF"}', "application/json; charset=UTF-8"),
        get("/patients?_start=10"),
    ),
    case(
        "main",
        "malformed and non-object JSON is a 400 and stores nothing",
        raw("POST", "/patients", '"hello"', "application/json"),
        raw("POST", "/patients", "42", "application/json"),
        raw("POST", "/patients", "null", "application/json"),
        raw("POST", "/patients", '{"name":', "application/json"),
        raw("POST", "/patients", "[1,", "application/json"),
        raw("POST", "/patients", "{'name': 'single'}", "application/json"),
        get("/patients"),
        post("/patients", {"name": "still 11"}),
    ),
    case(
        "main",
        "unicode is stored and searchable",
        post("/patients", {"name": "Zoë 患者", "emoji": "😀"}),
        get("/patients/11"),
        get("/patients?q=zo%C3%AB"),
        get("/patients?name_like=%E6%82%A3"),
    ),
    case(
        "main",
        "Location is built from the request as sent",
        post("/patients/", {"name": "slash"}),
        post("/patients?foo=bar", {"name": "query"}),
        post("/Patients", {"name": "host"}, ("Host", "api.example.org")),
        post("/PATIENTS/?a=1&b=2", {"name": "both"}),
    ),
    case(
        "main",
        "float ids increment as floats",
        post("/patients", {"id": 100.5, "name": "float"}),
        post("/patients", {"name": "after float"}),
        get("/patients/101.5"),
        get("/patients?id=101.5"),
    ),
    case("main", "a top-level array body", post("/patients", [{"name": "in array"}])),
    case("main", "id true", post("/patients", {"id": True, "name": "bool id"})),
    case("main", "id array", post("/patients", {"id": [1, 2], "name": "array id"})),
    case("main", "id object", post("/patients", {"id": {"a": 1}, "name": "object id"})),
    case(
        "main",
        "a number beyond a double",
        raw("POST", "/patients", '{"name":"huge","age":1e400}', "application/json"),
    ),
    case(
        "main",
        "a body over 1 MiB and under 10 MB",
        raw("POST", "/patients", _big_record(MIDDLE_BODY_BYTES), "application/json"),
    ),
    case(
        "main",
        "a body over 10 MB",
        raw("POST", "/patients", _big_record(HUGE_BODY_BYTES), "application/json"),
        get("/patients?_start=9"),
    ),
    case(
        "main",
        "post behind a proxy that says https",
        post("/patients", {"name": "proxied"}, ("X-Forwarded-Proto", "https")),
    ),
    case(
        "main",
        "key order and number spelling",
        raw(
            "POST",
            "/patients",
            '{"z":1,"a":{"y":2,"b":3},"2":"two","1":"one","n":34.0,"f":1.50,"e":1e2}',
            "application/json",
        ),
        get("/patients/11"),
    ),
    case(
        "main",
        "an integer beyond 2^53",
        raw("POST", "/patients", '{"name":"big","mrn":9007199254740993}', "application/json"),
        get("/patients/11"),
    ),
    case(
        "main",
        "method override DELETE",
        raw("POST", "/patients/8", None, None, ("X-HTTP-Method-Override", "DELETE")),
        get("/patients/8"),
    ),
    case(
        "main",
        "method override PUT",
        post("/patients/2", {"name": "via override"}, ("X-HTTP-Method-Override", "PUT")),
        get("/patients/2"),
    ),
    case(
        "main",
        "method override PATCH",
        post("/patients/3", {"age": 6}, ("X-HTTP-Method-Override", "PATCH")),
        get("/patients/3"),
    ),
    case(
        "main",
        "the _method query form is not an override",
        post("/patients/9?_method=DELETE", {}),
        get("/patients/9"),
    ),
    case(
        "string",
        "post without id draws a nanoid",
        post("/patients", {"name": "random"}, new_random_id=True),
        get("/patients/<nanoid#1>"),
        get("/patients?_start=9"),
    ),
    case(
        "string",
        "a numeric id does not make the maximum numeric",
        post("/patients", {"id": 500, "name": "five hundred"}),
        post("/patients", {"name": "random"}, new_random_id=True),
        get("/patients?_start=10"),
    ),
    case(
        "numstr",
        "numeric-looking string ids give a nanoid",
        post("/patients", {"name": "random"}, new_random_id=True),
        get("/patients/<nanoid#1>"),
    ),
    case(
        "numstr",
        "a number collides with its string form",
        post("/patients", {"id": 1, "name": "dup"}),
        post("/patients", {"id": 10, "name": "dup"}),
        get("/patients?_start=8"),
    ),
    case(
        "empty",
        "ids start at 1",
        post("/patients", {"name": "first"}),
        post("/patients", {"name": "second"}),
        get("/patients"),
    ),
    case(
        "empty",
        "a string id after numbers leaves the maximum numeric",
        post("/patients", {}),
        post("/patients", {}),
        post("/patients", {"id": "s1"}),
        post("/patients", {}),
        get("/patients"),
    ),
    case(
        "empty",
        "a string id first makes the next id a nanoid",
        post("/patients", {"id": "s1"}),
        post("/patients", {"name": "after s1"}, new_random_id=True),
        get("/patients"),
    ),
    case(
        "mixed",
        "a string id last leaves the maximum numeric",
        post("/patients", {"name": "next"}),
        get("/patients/8"),
    ),
    case(
        "mixed",
        "records keep their JSON types",
        raw(
            "POST",
            "/patients",
            '{"name":"types","t":true,"f":false,"n":null,"s":"","a":[],"o":{},"x":0.5}',
            "application/json",
        ),
        get("/patients?t=true"),
        get("/patients?q=types"),
    ),
]

# §14: PUT.
PUTS = [
    case(
        "main",
        "put replaces the record and keeps its id and position",
        put("/patients/2", {"name": "Bob Replaced", "age": 59}),
        get("/patients/2"),
        get("/patients?_limit=3"),
    ),
    case(
        "main",
        "put ignores the body's id",
        put("/patients/2", {"id": 999, "name": "Bob id999"}),
        put("/patients/2", {"name": "Bob v3", "id": "2"}),
        get("/patients/999"),
        get("/patients/2"),
    ),
    case(
        "main",
        "put on a missing id is a 404",
        put("/patients/999", {"name": "nobody"}),
        put("/patients/02", {"name": "nobody"}),
        get("/patients?_end=3"),
    ),
    case(
        "main",
        "put without a body keeps only the id",
        raw("PUT", "/patients/3", None, None),
        get("/patients/3"),
    ),
    case(
        "main",
        "put with a form",
        raw("PUT", "/patients/4", "name=Formy&age=3", FORM),
        get("/patients/4"),
    ),
    case(
        "main",
        "put with text/plain",
        raw("PUT", "/patients/4", '{"name":"plain"}', "text/plain"),
    ),
    case("main", "put with an array body", put("/patients/4", ["a", "b"])),
    case(
        "main",
        "put with malformed JSON",
        raw("PUT", "/patients/4", "{", "application/json"),
        raw("PUT", "/patients/4", "null", "application/json"),
        get("/patients/4"),
    ),
    case(
        "main",
        "put on a lenient path",
        put("/Patients/5/", {"name": "lenient"}),
        get("/patients/5"),
    ),
    case(
        "main",
        "put invalidates the ETag",
        get("/patients/1"),
        put("/patients/1", {"name": "Alice Replaced"}),
        get("/patients/1", ("If-None-Match", "<etag#0>")),
    ),
    case(
        "string",
        "put keeps a string id",
        put("/patients/p-2", {"name": "replaced"}),
        get("/patients/p-2"),
    ),
    case(
        "numstr",
        "put keeps a numeric-looking string id",
        put("/patients/1", {"name": "one", "id": 1}),
        get("/patients?id=1"),
    ),
    case(
        "mixed",
        "put with numbers and integer-like keys",
        raw(
            "PUT", "/patients/4", '{"9":"nine","big":9007199254740993,"f":2.50}', "application/json"
        ),
        get("/patients/4"),
    ),
]

# §15: PATCH.
PATCHES = [
    case(
        "main",
        "patch merges shallowly",
        patch("/patients/5", {"age": 30, "address": {"city": "Dallas"}}),
        get("/patients/5"),
        get("/patients?address.city=Dallas"),
    ),
    case(
        "main",
        "patch keeps the id",
        patch("/patients/5", {"id": 77, "phone": "000"}),
        get("/patients/77"),
        get("/patients/5"),
    ),
    case(
        "main",
        "patch stores null and dotted keys literally",
        patch("/patients/5", {"email": None, "address.city": "literal dotted key"}),
        get("/patients?address.city=literal%20dotted%20key"),
        get("/patients?address.city=Austin"),
        get("/patients?email=null"),
    ),
    case(
        "main",
        "patch on a missing id is a 404",
        patch("/patients/999", {"age": 1}),
        get("/patients?_end=2"),
    ),
    case("main", "patch with text/plain", raw("PATCH", "/patients/6", '{"age":1}', "text/plain")),
    case("main", "patch with an array body", patch("/patients/6", ["a", "b"])),
    case(
        "main",
        "patch with a form and with an empty body",
        raw("PATCH", "/patients/6", "age=70", FORM),
        raw("PATCH", "/patients/6", b"", "application/json"),
        get("/patients/6"),
    ),
    case(
        "main",
        "patch appends new keys and keeps the position",
        patch("/patients/1", {"nickname": "Al", "9": "nine"}),
        get("/patients?_limit=2"),
    ),
    case(
        "main",
        "patch invalidates the ETag",
        get("/patients/1"),
        patch("/patients/1", {"age": 35}),
        get("/patients/1", ("If-None-Match", "<etag#0>")),
        get("/patients/1", ("If-None-Match", "<etag#2>")),
    ),
    case(
        "numstr",
        "patch keeps a numeric-looking string id",
        patch("/patients/1", {"age": 1, "id": 1}),
        get("/patients/1"),
    ),
    case(
        "mixed",
        "patch with an integer-like key",
        patch("/patients/3", {"0": "zero", "address": {"city": "Lyon"}}),
        get("/patients/3"),
        get("/patients?address.city=Lyon"),
    ),
]

# §16: DELETE.
DELETES = [
    case(
        "main",
        "delete answers {} and a second delete is a 404",
        delete("/patients/7"),
        delete("/patients/7"),
        get("/patients"),
        get("/patients?_page=1&_limit=3"),
    ),
    case(
        "main",
        "a deleted maximum id is reused",
        delete("/patients/10"),
        post("/patients", {"name": "reuse"}),
        get("/patients/10"),
    ),
    case(
        "main",
        "delete a string id",
        post("/patients", {"id": "abc"}),
        delete("/patients/abc"),
        get("/patients/abc"),
    ),
    case(
        "main",
        "delete matches ids as strings on lenient paths",
        delete("/patients/01"),
        delete("/Patients/2/"),
        get("/patients?_end=3"),
    ),
    case(
        "empty",
        "ids restart at 1 when the collection is emptied",
        post("/patients", {}),
        post("/patients", {}),
        delete("/patients/1"),
        delete("/patients/2"),
        post("/patients", {"name": "again"}),
    ),
    case(
        "empty",
        "the maximum id is reused after its deletion",
        post("/patients", {}),
        post("/patients", {}),
        delete("/patients/2"),
        post("/patients", {}),
        get("/patients"),
    ),
    case(
        "string",
        "write sequence on string ids",
        patch("/patients/p-3", {"age": 6}),
        delete("/patients/p-4"),
        delete("/patients/P-5"),
        get("/patients?_start=1&_end=5"),
    ),
    case(
        "numstr",
        "a numeric id is free again once its string twin is deleted",
        delete("/patients/10"),
        post("/patients", {"id": 10, "name": "number ten"}),
        get("/patients?id=10"),
    ),
    case(
        "mixed",
        "delete a string id and post",
        delete("/patients/m-8"),
        post("/patients", {"name": "after m-8"}),
        get("/patients?_start=6"),
    ),
]

ALL_CASES: tuple[Case, ...] = (
    *ROUTING,
    *HEADERS,
    *FILTERS,
    *OPERATORS,
    *SEARCH,
    *PAGINATION,
    *SLICING,
    *SORTING,
    *EXTRAS,
    *QUERY_DIFFERENCES,
    *RELATIONS,
    *POSTS,
    *PUTS,
    *PATCHES,
    *DELETES,
)


def in_running_order(cases: Iterable[Case], seed: str) -> list[Case]:
    """The seed's cases, reads first, so that they can share one server with no reset."""
    own = [c for c in cases if c.seed == seed]
    return [c for c in own if not c.writes] + [c for c in own if c.writes]
