"""The contract suite's own rules: the documented differences stay in step with
docs/compatibility.md, each is exercised by a case, and the comparison hides only what a
JavaScript client cannot see."""

import re
from pathlib import Path

import pytest

from app.config import PROJECT_DIR
from tests.contract.cases import ALL_CASES, Case, Step
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
