"""JSON parsing and JavaScript's String() as json-server's clients see them."""

import pytest

from app.json_codec import (
    JsonBodyError,
    dumps,
    is_js_truthy,
    js_number_to_string,
    js_string,
    json_type_name,
    parse_json,
    parse_json_object,
)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1, "1"),
        (1.0, "1"),
        (100.5, "100.5"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (5e-324, "5e-324"),
        (123456789012345678901234567890, "123456789012345678901234567890"),
        (0.0, "0"),
        (-0.0, "0"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
    ],
)
def test_js_number_to_string_matches_javascript(number: float, expected: str) -> None:
    assert js_number_to_string(number) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        ("x", "x"),
        (34, "34"),
        (["a", "b"], "a,b"),
        ([], ""),
        ([1, None, [2, 3]], "1,,2,3"),
        ({"a": 1}, "[object Object]"),
    ],
)
def test_js_string_follows_javascript_string_conversion(value: object, expected: str) -> None:
    assert js_string(value) == expected


def test_parse_keeps_key_order_exact_integers_and_unicode() -> None:
    parsed = parse_json('{"b":1,"a":12345678901234567890123,"n":"Zoë 患者"}')
    assert list(parsed) == ["b", "a", "n"]
    assert parsed["a"] == 12345678901234567890123
    assert dumps(parsed) == '{"b":1,"a":12345678901234567890123,"n":"Zoë 患者"}'


def test_duplicate_keys_keep_the_first_position_and_last_value_like_javascript() -> None:
    assert dumps(parse_json('{"a":1,"b":2,"a":3}')) == '{"a":3,"b":2}'


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"a":', "malformed_json"),
        (b'{"a": NaN}', "malformed_json"),
        (b'{"a": Infinity}', "malformed_json"),
        (b'{"a": 1e400}', "number_out_of_range"),
        (b"\xff", "malformed_json"),
        (b"[" * 100_000, "malformed_json"),
        (b"[]", "body_not_object"),
        (b'"s"', "body_not_object"),
    ],
)
def test_parse_json_object_rejects_with_a_code(raw: bytes, code: str) -> None:
    with pytest.raises(JsonBodyError) as caught:
        parse_json_object(raw)
    assert caught.value.code == code


def test_error_message_gives_position_not_content() -> None:
    with pytest.raises(JsonBodyError) as caught:
        parse_json_object(b'{"name": "Secret Patient", }')
    assert "Secret" not in caught.value.message
    assert "line 1 column" in caught.value.message


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "null"),
        (True, "a boolean"),
        (1.5, "a number"),
        ("s", "a string"),
        ([], "an array"),
        ({}, "an object"),
    ],
)
def test_json_type_name_names_json_types(value: object, name: str) -> None:
    assert json_type_name(value) == name


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        (0, False),
        (0.0, False),
        ("", False),
        (None, False),
        (False, False),
        (float("nan"), False),
        ([], True),
        ({}, True),
        ("0", True),
        (-1, True),
    ],
)
def test_is_js_truthy_follows_javascript(value: object, truthy: bool) -> None:
    assert is_js_truthy(value) is truthy
