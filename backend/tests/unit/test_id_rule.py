"""json-server's id rule, without a database."""

import math
import re
from decimal import Decimal

import pytest

from app.javascript.values import to_number
from app.services import id_rule


def test_nanoid_is_seven_url_safe_characters() -> None:
    ids = {id_rule.nanoid() for _ in range(200)}
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{7}", value) for value in ids)
    assert len(ids) == 200


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("", 0.0),
        ("  12 ", 12.0),
        ("0x1F", 31.0),
        ("1e2", 100.0),
        (".5", 0.5),
        ("-Infinity", -math.inf),
        ("abc", math.nan),
        ("0xZ", math.nan),
        ("1_000", math.nan),
    ],
)
def test_js_to_number_follows_javascript(text: str, number: float) -> None:
    result = to_number(text)
    assert (math.isnan(result) and math.isnan(number)) or result == number


def test_js_to_number_of_other_json_values() -> None:
    assert to_number(True) == 1.0
    assert to_number(None) == 0.0
    assert to_number(7) == 7.0
    assert math.isnan(to_number([1]))


@pytest.mark.parametrize(
    ("left", "right", "greater"),
    [
        (2, 1, True),
        ("b", "a", True),
        ("B", "a", False),
        ("10", "9", False),
        ("60", 51, True),
        ("abc", 51, False),
        (51, "abc", False),
        ("\U0001f600", "\uffff", False),
    ],
)
def test_js_greater_follows_javascript(left: object, right: object, greater: bool) -> None:
    assert id_rule.js_greater(left, right) is greater


@pytest.mark.parametrize(
    ("ids", "maximum"),
    [
        ([1, 5, 3], 5),
        (["p-1", "p-10", "p-2"], "p-2"),
        ([None, 3, 2], 3),
        ([1, 2, "s1"], 2),
        (["abc", 2, 99], "abc"),
        ([1, "60", 70], 70),
        ([1, "60", 50], "60"),
        ([], None),
    ],
)
def test_js_max_id_is_lodash_max_by(ids: list[object], maximum: object) -> None:
    assert id_rule.js_max_id(ids) == maximum


def test_next_id_from_max_increments_numbers_and_generates_strings_otherwise() -> None:
    assert id_rule.next_id_from_max(51) == 52
    assert id_rule.next_id_from_max(100.5) == 101.5
    assert id_rule.next_id_from_max(Decimal("7")) == 8
    assert id_rule.next_id_from_max(Decimal("1.5")) == 2.5
    assert len(id_rule.next_id_from_max("60")) == 7
    assert len(id_rule.next_id_from_max(None)) == 7


def test_given_id_is_none_for_falsy_ids() -> None:
    for falsy in (0, "", None, False):
        assert id_rule.given_id({"id": falsy}) is None
    assert id_rule.given_id({}) is None
    assert id_rule.given_id({"id": "a"}) == "a"


@pytest.mark.parametrize("bad", [True, [1], {"a": 1}, math.inf])
def test_given_id_rejects_ids_that_are_not_numbers_or_strings(bad: object) -> None:
    with pytest.raises(id_rule.InvalidId):
        id_rule.given_id({"id": bad})


def test_with_id_replaces_in_place_or_appends() -> None:
    assert list(id_rule.with_id({"id": 0, "a": 1}, 5).items()) == [("id", 5), ("a", 1)]
    assert list(id_rule.with_id({"a": 1}, 5).items()) == [("a", 1), ("id", 5)]
