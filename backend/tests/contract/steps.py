"""The vocabulary of contract cases: a case is a sequence of steps run on a fresh copy of its
seed. Placeholders in a request are filled in per server: `<nanoid#N>` is the N-th random id
that server generated in this case, `<etag#K>` the ETag of step K's response
(`<strong-etag#K>` without the `W/` prefix).
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


def in_running_order(cases: Iterable[Case], seed: str) -> list[Case]:
    """The seed's cases, reads first, so that they can share one server with no reset."""
    own = [c for c in cases if c.seed == seed]
    return [c for c in own if not c.writes] + [c for c in own if c.writes]
