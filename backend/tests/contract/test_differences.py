"""The contract suite's own rules: the documented differences stay in step with
docs/compatibility.md, each is exercised by a case, and the comparison hides only what a
JavaScript client cannot see."""

import re
from pathlib import Path

import pytest

from app.config import PROJECT_DIR
from tests.contract.cases import ALL_CASES, Case, Step
from tests.contract.collections_cases import REFERENCE_ROWS
from tests.contract.compare import CaseRun, compare_runs
from tests.contract.differences import (
    DIFFERENCES,
    RULE_NAMES,
    UNOBSERVABLE,
    Seen,
    difference_for,
)
from tests.contract.harness import read_transcript
from tests.contract.seeds import SEED_NAMES
from tests.contract.service_state import State, state_before
from tests.contract.views import js_view, plain
from tests.contract.wire import Request, Response

COMPATIBILITY_MD = PROJECT_DIR / "docs" / "compatibility.md"
TESTS_DIR = Path(__file__).resolve().parents[1]
HTTP_TABLE = "| json-server behaviour | Us | Why |"
IMPORTER_TABLE = "| json-server, loading db.json | The importer | Why | Asserted by |"
JSON_HEADERS = (
    ("vary", "Origin, Accept-Encoding"),
    ("access-control-allow-credentials", "true"),
    ("cache-control", "no-cache"),
    ("pragma", "no-cache"),
    ("expires", "-1"),
    ("x-content-type-options", "nosniff"),
    ("content-type", "application/json; charset=utf-8"),
    ("etag", 'W/"2-x"'),
)
JSON_SERVER_HEADERS = (("x-powered-by", "Express"), *JSON_HEADERS)


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _table_rows(header: str) -> list[str]:
    """The rows of every table in compatibility.md whose header row is `header`."""
    rows, inside = [], False
    for line in COMPATIBILITY_MD.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            inside = False
        elif line.strip() == header:
            inside = True
        elif inside and not line.startswith("|---"):
            rows.append(line)
    return rows


def _rows_marked_different() -> list[str]:
    """Rows of the HTTP tables whose "Us" cell starts with "different". The importer's table
    ("Loading db.json") describes loading, not HTTP: its differences name their tests instead."""
    return [row for row in _table_rows(HTTP_TABLE) if _cells(row)[1].startswith("different")]


def _defined_tests() -> set[str]:
    names: set[str] = set()
    for path in TESTS_DIR.rglob("test_*.py"):
        names.update(re.findall(r"^(?:async )?def (test_\w+)\(", path.read_text(), re.MULTILINE))
    return names


def _one_step_runs(
    request: Request, json_server: Response, service: Response, *, new_random_id: bool = False
) -> tuple[CaseRun, CaseRun]:
    case = Case("check", "main", (Step(request, new_random_id),))
    return (
        CaseRun(case, "127.0.0.1:1", (json_server,)),
        CaseRun(case, "127.0.0.1:2", (service,)),
    )


def _problems(request: Request, json_server: Response, service: Response) -> list[str]:
    [verdict] = compare_runs(*_one_step_runs(request, json_server, service))
    return list(verdict.problems)


GET_ONE = Request("GET", "/patients/1")


def test_every_rule_is_named_in_compatibility_md() -> None:
    text = COMPATIBILITY_MD.read_text(encoding="utf-8")
    missing = [name for name in RULE_NAMES if f"`{name}`" not in text]
    assert not missing, f"rules not named in docs/compatibility.md: {missing}"


def test_every_row_marked_different_names_a_rule() -> None:
    rows = _rows_marked_different()
    assert rows
    unnamed = [row for row in rows if not any(f"`{name}`" in row for name in RULE_NAMES)]
    assert not unnamed, "rows marked different without a contract rule:\n" + "\n".join(unnamed)


def test_unobservable_differences_name_the_tests_that_assert_them_in_their_rows() -> None:
    defined = _defined_tests()
    for rule in UNOBSERVABLE:
        [row] = [row for row in _table_rows(HTTP_TABLE) if f"`{rule.name}`" in row]
        for test in rule.asserted_by:
            assert test in defined, f"{rule.name}: no test named {test}"
            assert f"`{test}`" in row, f"{rule.name}: its row does not name {test}"


def test_importer_rows_name_tests_that_exist() -> None:
    rows = _table_rows(IMPORTER_TABLE)
    assert rows
    defined = _defined_tests()
    for row in rows:
        named = re.findall(r"`(test_\w+)`", _cells(row)[-1])
        assert named, f"importer row names no test: {row}"
        assert set(named) <= defined, f"tests not found: {set(named) - defined}"


def test_rule_names_are_unique() -> None:
    assert len(set(RULE_NAMES)) == len(RULE_NAMES)


def test_every_difference_is_exercised_by_a_recorded_case() -> None:
    used: set[str] = set()
    for seed in SEED_NAMES:
        for run in read_transcript(seed, [c for c in ALL_CASES if c.seed == seed]).values():
            exchanges = list(zip([s.request for s in run.case.steps], run.responses, strict=True))
            for index, (request, response) in enumerate(exchanges):
                seen = Seen(request, response, tuple(exchanges[:index]), seed)
                rule = difference_for(seen)
                if rule is not None:
                    used.add(rule.name)
    unused = [rule.name for rule in DIFFERENCES if rule.name not in used]
    assert not unused, f"differences no case exercises: {unused}"


def test_case_names_are_unique_and_cover_at_least_200_requests() -> None:
    names = [case.name for case in ALL_CASES]
    assert len(set(names)) == len(names)
    assert sum(len(case.steps) for case in ALL_CASES) >= 200
    assert {case.seed for case in ALL_CASES} == set(SEED_NAMES)


def test_pretty_and_compact_json_with_js_numbers_and_key_order_compare_equal() -> None:
    pretty = b'{\n  "1": "one",\n  "id": 1,\n  "age": 34,\n  "big": 9007199254740992\n}'
    compact = b'{"id":1,"age":34.0,"big":9007199254740993,"1":"one"}'
    json_server = Response(200, JSON_SERVER_HEADERS, pretty)
    service = Response(200, JSON_HEADERS, compact)
    assert _problems(GET_ONE, json_server, service) == []


def test_a_different_value_is_reported_with_a_diff() -> None:
    json_server = Response(200, JSON_SERVER_HEADERS, b'{"id": 1, "age": 34}')
    service = Response(200, JSON_HEADERS, b'{"id":1,"age":"34"}')
    [problem] = _problems(GET_ONE, json_server, service)
    assert problem.startswith("body differs")
    assert '-  "age": 34' in problem
    assert '+  "age": "34"' in problem


def test_a_different_key_order_is_a_difference() -> None:
    json_server = Response(200, JSON_SERVER_HEADERS, b'{"id": 1, "age": 34}')
    service = Response(200, JSON_HEADERS, b'{"age":34,"id":1}')
    assert _problems(GET_ONE, json_server, service)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("x-total-count", "10"),
        ("link", ""),
        ("access-control-allow-origin", "http://localhost:5173"),
        ("x-powered-by", "Express"),
    ],
)
def test_a_missing_or_extra_header_is_a_difference(header: str, value: str) -> None:
    json_server = Response(200, JSON_SERVER_HEADERS, b"{}")
    service = Response(200, (*JSON_HEADERS, (header, value)), b"{}")
    assert any(problem.startswith(header) for problem in _problems(GET_ONE, json_server, service))


def test_vary_compares_as_a_set() -> None:
    json_server = Response(200, JSON_SERVER_HEADERS, b"{}")
    reordered = tuple(
        ("vary", "accept-encoding, Origin") if name == "vary" else (name, value)
        for name, value in JSON_HEADERS
    )
    assert _problems(GET_ONE, json_server, Response(200, reordered, b"{}")) == []
    only_origin = tuple(
        ("vary", "Origin") if name == "vary" else (name, value) for name, value in JSON_HEADERS
    )
    assert _problems(GET_ONE, json_server, Response(200, only_origin, b"{}"))


def test_a_duplicate_id_500_must_become_our_409() -> None:
    request = Request("POST", "/patients", (("Content-Type", "application/json"),), b'{"id":1}')
    stack = b"Error: Insert failed, duplicate id\n    at Function.insert (/x.js:1:1)"
    vary = (("vary", "Origin, X-HTTP-Method-Override, Accept-Encoding"),)
    html = (("content-type", "text/html; charset=utf-8"),)
    json_server = Response(500, (*vary, *JSON_SERVER_HEADERS[2:6], *html), stack)
    assert difference_for(Seen(request, json_server)) is not None
    ours = b'{"error":{"status":409,"code":"duplicate_id","message":"A patient exists."}}'
    conflict = Response(409, (*vary, *JSON_HEADERS[1:]), ours)
    assert _problems(request, json_server, conflict) == []
    copied = Response(500, json_server.headers, stack)
    assert _problems(request, json_server, copied)


def test_no_difference_applies_to_an_ordinary_answer() -> None:
    assert difference_for(Seen(GET_ONE, Response(200, JSON_SERVER_HEADERS, b"{}"))) is None


def test_random_ids_are_masked_and_must_look_like_nanoids() -> None:
    request = Request("POST", "/patients", (("Content-Type", "application/json"),), b"{}")
    location = (("location", "http://127.0.0.1:1/patients/Qq908WV"),)
    json_server = Response(201, (*JSON_SERVER_HEADERS, *location), b'{\n  "id": "Qq908WV"\n}')
    ours = (("location", "http://127.0.0.1:2/patients/a-_9ZZk"),)
    service = Response(201, (*JSON_HEADERS, *ours), b'{"id":"a-_9ZZk"}')
    runs = _one_step_runs(request, json_server, service, new_random_id=True)
    assert [v.problems for v in compare_runs(*runs)] == [()]
    numeric = Response(201, (*JSON_HEADERS, *ours), b'{"id":11}')
    runs = _one_step_runs(request, json_server, numeric, new_random_id=True)
    assert compare_runs(*runs)[0].problems


def test_js_view_orders_integer_like_keys_first() -> None:
    assert list(plain(js_view(b'{"b":1,"10":2,"2":3,"01":4}'))) == ["2", "10", "b", "01"]


def _runs_on(
    seed: str, exchanges: list[tuple[Request, Response]], service: list[Response]
) -> tuple[CaseRun, CaseRun]:
    case = Case("check", seed, tuple(Step(request) for request, _ in exchanges))
    return (
        CaseRun(case, "127.0.0.1:1", tuple(response for _, response in exchanges)),
        CaseRun(case, "127.0.0.1:2", tuple(service)),
    )


def _last_problems(
    seed: str, exchanges: list[tuple[Request, Response]], service_last: Response
) -> tuple[str | None, list[str]]:
    """The rule and the problems of the last step, the service having answered the earlier
    steps exactly as json-server did."""
    service = [response for _, response in exchanges[:-1]] + [service_last]
    verdict = compare_runs(*_runs_on(seed, exchanges, service))[-1]
    return verdict.rule, list(verdict.problems)


def _json(status: int, body: bytes) -> tuple[Response, Response]:
    """json-server's response and the service's same answer."""
    return Response(status, JSON_SERVER_HEADERS, body), Response(status, JSON_HEADERS, body)


STACK_TRACE = (
    ("vary", "Origin, Accept-Encoding"),
    *JSON_SERVER_HEADERS[2:6],
    ("content-type", "text/html; charset=utf-8"),
)


def test_a_record_json_server_swept_after_a_delete_must_still_be_served() -> None:
    deleted, _ = _json(200, b"{}")
    swept, _ = _json(404, b"{}")
    exchanges = [(Request("DELETE", "/doctors/1"), deleted), (Request("GET", "/patients/1"), swept)]
    kept = b'{"id":1,"name":"Ana Lima","doctorId":1,"wardId":"w1"}'
    assert _last_problems("hospital", exchanges, _json(200, kept)[1]) == ("no_orphan_sweep", [])
    _, problems = _last_problems("hospital", exchanges, _json(404, b"{}")[1])
    assert problems


def test_a_delete_whose_sweep_failed_must_answer_200() -> None:
    failure = (
        b"TypeError: Cannot read properties of null (reading 'toString')\n    at x (/x.js:1:1)"
    )
    exchanges = [(Request("DELETE", "/appointments/1"), Response(500, STACK_TRACE, failure))]
    assert _last_problems("nullfk", exchanges, _json(200, b"{}")[1]) == ("no_orphan_sweep", [])
    _, problems = _last_problems("nullfk", exchanges, _json(404, b"{}")[1])
    assert problems


def test_twin_keys_are_answered_from_the_later_key_only() -> None:
    earlier_only, copied = _json(200, b'{"id":2,"name":"lower two"}')
    exchanges = [(Request("GET", "/patients/2"), earlier_only)]
    assert _last_problems("dup", exchanges, _json(404, b"{}")[1]) == ("twin_keys_later_only", [])
    _, problems = _last_problems("dup", exchanges, copied)
    assert problems


def test_a_key_that_is_a_path_pattern_is_reached_by_its_own_name_only() -> None:
    listed, copied = _json(200, b'[{"id":1,"n":"star"}]')
    exchanges = [(Request("GET", "/stuff"), listed)]
    rule, problems = _last_problems("pattern", exchanges, _json(404, b"{}")[1])
    assert (rule, problems) == ("collection_names_literal", [])
    assert _last_problems("pattern", exchanges, copied)[1]
    assert difference_for(Seen(Request("GET", "/st*"), listed, (), "pattern")) is None


def test_a_post_to_a_collection_of_values_must_be_a_400() -> None:
    request = Request("POST", "/tags", (("Content-Type", "application/json"),), b'{"a":1}')
    failure = b"TypeError: Cannot read properties of undefined (reading 'id')\n    at x (/x.js:1)"
    post_vary = (("vary", "Origin, X-HTTP-Method-Override, Accept-Encoding"),)
    ours = b'{"error":{"status":400,"code":"collection_not_records","message":"No records."}}'
    refused = Response(400, (*post_vary, *JSON_HEADERS[1:]), ours)
    exchanges = [(request, Response(500, STACK_TRACE, failure))]
    assert _last_problems("names", exchanges, refused) == ("post_to_values_rejected", [])


def test_the_service_state_keeps_what_json_server_swept_and_routes_twins_to_the_later_key() -> None:
    deleted, _ = _json(200, b"{}")
    state = state_before("hospital", ((Request("DELETE", "/doctors/2"), deleted),))
    assert [dict(record)["id"] for record in state.records("patients") or []] == [1, 2, 3, 4, 5]
    assert state.find("doctors", "2") is None
    assert state.next_id("patients") == 6
    assert State.of_seed("dup").key_for("PATIENTS") == "Patients"
    assert State.of_seed("duprev").key_for("Patients") == "patients"
    assert State.of_seed("pattern").key_for("stuff") is None


def test_every_reference_row_names_one_case() -> None:
    names = {case.name for case in ALL_CASES}
    for seed, rows in REFERENCE_ROWS.items():
        for label, target in rows.items():
            assert f"{seed}: {label} GET {target}" in names
