"""`app.javascript.sort.order_by` orders records as lodash's `_.orderBy` does on Node 20, which is
how json-server 0.17.4 answers `_sort`, mixed types included."""

import json
import math
from typing import Any

import pytest

from app.javascript import sort
from app.javascript.paths import string_to_path
from app.javascript.sort import compare_ascending, get, order_by
from app.javascript.values import (
    UNDEFINED,
    BuiltinFunction,
    JavaScriptTypeError,
    number_to_string,
    string_to_number,
)
from tests.support.node import FIXTURES_DIR, load_fixture, require_node_library, run_node_script

FIXTURE = "lodash-order-by.json"
ORDER_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/"
MISSING = "."


def decode_records(pool: list[Any], columns: dict[str, str]) -> list[dict[str, Any]]:
    """The records a fixture list stands for, each value parsed anew as json-server's are."""
    pool_text = [json.dumps(value) for value in pool]
    size = len(next(iter(columns.values())))
    return [
        {"id": index}
        | {
            name: json.loads(pool_text[ord(codes[index]) - 0x30])
            for name, codes in columns.items()
            if codes[index] != MISSING
        }
        for index in range(size)
    ]


def decode_order(encoded: str) -> list[int]:
    return [
        ORDER_DIGITS.index(encoded[i]) * 64 + ORDER_DIGITS.index(encoded[i + 1])
        for i in range(0, len(encoded), 2)
    ]


def fixture_mismatches() -> tuple[int, list[int]]:
    fixture = load_fixture(FIXTURE)
    mismatches = []
    for number, case in enumerate(fixture["lists"]):
        records = decode_records(fixture["pool"], case["columns"])
        descending = [order == "desc" for order in case["orders"]]
        if order_by(records, case["fields"], descending) != decode_order(case["order"]):
            mismatches.append(number)
    return len(fixture["lists"]), mismatches


def test_every_fixture_list_is_ordered_as_lodash_orders_it() -> None:
    count, mismatches = fixture_mismatches()
    assert count >= 300
    assert mismatches == []


def test_step_by_step_sort_orders_every_fixture_list_as_lodash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sort, "_consistent_keys", lambda column: None)
    _, mismatches = fixture_mismatches()
    assert mismatches == []


def test_fixture_is_what_live_lodash_answers() -> None:
    fixture = load_fixture(FIXTURE)
    require_node_library("lodash", fixture["library"].removeprefix("lodash "))
    live = run_node_script("order_by_fixture.cjs", "--recompute", FIXTURES_DIR / FIXTURE)
    del fixture["node"], live["node"]
    assert live == fixture


def test_lists_of_one_type_are_sorted_without_the_step_by_step_sort(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("the step-by-step sort ran")

    monkeypatch.setattr(sort, "sort_in_place", refuse)
    records = [{"n": 3}, {"n": None}, {}, {"n": 1.5}, {"n": True}, {"n": 1}]
    assert order_by(records, ["n"], [False]) == [4, 5, 3, 0, 1, 2]
    assert order_by(records, ["n"], [True]) == [2, 1, 0, 3, 4, 5]
    with pytest.raises(AssertionError, match="step-by-step"):
        order_by([{"n": 1}, {"n": "1"}], ["n"], [False])


@pytest.mark.parametrize(
    ("value", "other", "expected"),
    [
        ("10", "9", -1),  # strings compare as text...
        (10.0, "9", 1),  # ...but a number against a string compares as numbers
        ("9", 9.0, 0),
        ("abc", 5.0, 0),  # NaN: neither above nor below
        (" 12 ", 12.0, 0),  # whitespace is trimmed
        ("0x1A", 26.0, 0),
        ("", 0.0, 0),
        (True, 1.0, 0),
        ([5.0], "5", 0),  # an array compares as its elements joined by commas
        ([1, 2], "1,2", 0),
        ({}, "[object Object]", 0),
        ("\ufffd", "😀", 1),  # UTF-16 code units: a surrogate is below U+FFFD
        (None, 5.0, 1),  # null after values
        (None, UNDEFINED, -1),  # undefined after null
        (UNDEFINED, math.nan, -1),  # NaN last
        (math.nan, math.nan, 1),  # and not equal to itself
    ],
)
def test_compare_ascending_as_lodash(value: Any, other: Any, expected: int) -> None:
    assert compare_ascending(value, other) == expected


def test_empty_and_single_lists() -> None:
    assert order_by([], ["a"], [True]) == []
    assert order_by([{"a": "x"}], ["a"], []) == [0]


def test_numeric_strings_and_numbers_are_ordered_by_the_sort_not_by_a_rule() -> None:
    # What Node 20 answers for `_.orderBy(records, ["v"], [order])`.
    records = [{"v": "10"}, {"v": 9}, {"v": "9"}, {"v": 10}, {"v": "abc"}]
    assert order_by(records, ["v"], [False]) == [1, 0, 2, 3, 4]
    assert order_by(records, ["v"], [True]) == [0, 3, 1, 4, 2]


def test_a_record_whose_own_to_string_must_be_called_throws_as_in_javascript() -> None:
    with pytest.raises(JavaScriptTypeError):
        order_by([{"v": {"toString": 1}}, {"v": 2}], ["v"], [False])


def test_a_key_that_looks_like_a_path_is_read_as_a_key_where_the_record_has_it() -> None:
    records = [{"c.city": "z", "c": {"city": "a"}}, {"c": {"city": "b"}}, {"c.city": "a"}]
    assert order_by(records, ["c.city"], [False]) == [2, 1, 0]
    assert order_by(records, [["c", "city"]], [False]) == [0, 1, 2]


@pytest.mark.parametrize(
    ("record", "path", "expected"),
    [
        ({"a": {"b": 1}}, "a.b", 1.0),
        ({"a": [5, 6]}, "a[1]", 6.0),
        ({"a": [5, 6]}, "a.length", 2.0),
        ({"a": "😀x"}, "a.length", 3.0),  # UTF-16 code units
        ({"a": None}, "a.b", UNDEFINED),
        ({"a": None}, "a", None),
        ({}, "a", UNDEFINED),
        ({"a": 1}, "", UNDEFINED),
        ({"a": 1}, "constructor", BuiltinFunction("Object")),  # inherited from Object.prototype
        ({"a": 1}, "constructor.name", "Object"),
        ({"a": "x"}, "a.trimLeft", BuiltinFunction("trimStart")),
        ({"a": [1]}, "a.map", BuiltinFunction("map")),
        ({"a": 1}, "a.toFixed", BuiltinFunction("toFixed")),
        ({"a": True}, "a.__proto__", False),
        ({"__proto__": 1}, "__proto__", 1.0),  # JSON.parse makes it an own property
        ({"a": 10**400}, "a", math.inf),  # a JSON number past a double's range
    ],
)
def test_get_follows_lodash_paths(record: Any, path: str, expected: Any) -> None:
    assert get(record, path) == expected


def test_string_to_path_as_lodash() -> None:
    assert string_to_path('a.b[0]["c.d"]') == ["a", "b", "0", "c.d"]
    assert string_to_path(".a..b") == ["", "a", "", "b"]


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (1.5e-6, "0.0000015"),
        (0.1, "0.1"),
        (-3.25, "-3.25"),
        (123456789012.0, "123456789012"),
        (float(2**53 + 1), "9007199254740992"),
        (-0.0, "0"),
        (math.inf, "Infinity"),
    ],
)
def test_number_to_string_as_javascript(number: float, text: str) -> None:
    assert number_to_string(number) == text


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1e3", 1000.0),
        (" 12 ", 12.0),
        ("0x1A", 26.0),
        ("0b101", 5.0),
        ("0o17", 15.0),
        ("5.", 5.0),
        (".5", 0.5),
        ("+5", 5.0),
        ("-Infinity", -math.inf),
        ("\u00a0\ufeff7\u2028", 7.0),
        ("0x" + "F" * 300, math.inf),
    ],
)
def test_string_to_number_as_javascript(text: str, number: float) -> None:
    assert string_to_number(text) == number


@pytest.mark.parametrize("text", ["abc", "-0x1A", "1_000", "inf", "NaN", "1e", "0x", "\u0661"])
def test_strings_javascript_reads_as_nan(text: str) -> None:
    assert math.isnan(string_to_number(text))
