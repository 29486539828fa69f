"""The bounds on a query string, and the JavaScript number rules at their edges: checked with
no database, before any work."""

import math

import pytest

from app.api.responses import encode_url
from app.javascript.values import to_number
from app.json_codec import JsonBodyError, parse_json, parse_json_object
from app.query import QueryError, parse_list_query
from app.query.bounds import QueryBounds, check_query_bounds
from app.query.pagination import js_parse_int
from app.query.regex import MAX_GROUP_DEPTH, PatternError, translate_pattern

BOUNDS = QueryBounds(
    max_parameters=5, max_sort_fields=3, max_names=2, max_path_depth=3, max_number_digits=4
)


@pytest.mark.parametrize(
    "query",
    [
        "a=1&b=2&c=3&d=4&e=5",
        "_sort=a,b,c&_order=desc",
        "_embed=x&_embed=y&_expand=patient",
        "a.b.c=1&_sort=x.y.z",
        "a.b.c_like=x",
        "_limit=9999&_page=-1234&_start=+12",
        "_limit=12abcdef",
        "",
    ],
)
def test_queries_within_the_bounds_pass(query: str) -> None:
    check_query_bounds(query.encode(), BOUNDS)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("a=1&b=2&c=3&d=4&e=5&f=6", "parameters"),
        ("_sort=a,b,c,d", "`_sort`"),
        ("_sort=a%2Cb%2Cc%2Cd", "`_sort`"),
        ("_embed=w&_embed=x&_embed=y", "`_embed`"),
        ("_expand[]=a&_expand[]=b&_expand[]=c", "`_expand`"),
        ("a.b.c.d=1", "field path"),
        ("a.b.c.d_gte=1", "field path"),
        ("_sort=a.b.c.d", "field path"),
        ("_limit=12345", "`_limit`"),
        ("_page=-12345", "`_page`"),
        ("_end=%2012345", "`_end`"),
    ],
)
def test_queries_past_a_bound_are_refused_naming_it(query: str, named: str) -> None:
    with pytest.raises(QueryError, match=named):
        check_query_bounds(query.encode(), BOUNDS)


def test_a_paging_number_beyond_a_double_is_read_as_infinity_without_converting() -> None:
    huge = js_parse_int("9" * 5000)
    assert huge is not None
    assert huge > 10**300
    assert js_parse_int("-" + "9" * 5000) == -huge
    assert js_parse_int("42abc") == 42
    window = parse_list_query(b"_start=1&_limit=" + b"9" * 5000).window
    assert window is not None
    assert window.bounds(3) == (1, 2)


def test_a_hex_number_beyond_a_double_is_infinity_as_in_javascript() -> None:
    assert to_number("0x" + "f" * 300) == math.inf
    assert to_number("0x10") == 16.0
    assert math.isnan(to_number("0xg"))


def test_groups_nested_past_the_bound_are_refused_by_the_translator() -> None:
    translate_pattern("(" * MAX_GROUP_DEPTH + "a" + ")" * MAX_GROUP_DEPTH)
    with pytest.raises(PatternError, match="nest"):
        translate_pattern("(" * (MAX_GROUP_DEPTH + 1) + "a" + ")" * (MAX_GROUP_DEPTH + 1))
    with pytest.raises(PatternError, match="nest"):
        translate_pattern("(" * 200)


def test_body_integers_are_refused_past_the_digit_limit_before_conversion() -> None:
    with pytest.raises(JsonBodyError, match="more than 10 digits") as caught:
        parse_json_object('{"n": ' + "1" * 11 + "}", max_number_digits=10)
    assert caught.value.code == "number_out_of_range"
    assert parse_json_object('{"n": 1234567890}', max_number_digits=10) == {"n": 1234567890}


def test_body_integers_beyond_a_double_are_refused() -> None:
    largest = int(1.7976931348623157e308)
    assert parse_json_object(f'{{"n": {largest}}}', max_number_digits=1000) == {"n": largest}
    with pytest.raises(JsonBodyError, match="range of a double"):
        parse_json_object(f'{{"n": {largest + 1}}}', max_number_digits=1000)
    with pytest.raises(JsonBodyError, match="range of a double"):
        parse_json_object(f'{{"n": -{"9" * 400}}}', max_number_digits=1000)


def test_integers_past_pythons_conversion_limit_are_a_body_error_not_a_crash() -> None:
    with pytest.raises(JsonBodyError) as caught:
        parse_json("9" * 5000)
    assert caught.value.code == "number_out_of_range"


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("http://h/patients/Łukasz", "http://h/patients/%C5%81ukasz"),
        ('http://h/patients/a b"é', "http://h/patients/a%20b%22%C3%A9"),
        ("http://h/patients/%41%zz%", "http://h/patients/%41%25zz%25"),
        ("http://h/p?x=[1]&y=#z", "http://h/p?x=[1]&y=#z"),
        # encodeurl 2 (json-server's Express 4.22) keeps `|`, `^` and `\\`.
        ("http://h/p/<{|}>^`\\", "http://h/p/%3C%7B|%7D%3E^%60\\"),
    ],
)
def test_location_urls_are_encoded_as_express_encodeurl_does(url: str, sent: str) -> None:
    assert encode_url(url) == sent
    sent.encode("latin-1")
