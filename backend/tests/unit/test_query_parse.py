"""Reading `GET /patients` query strings the way json-server (Express's qs, lodash) reads them."""

import pytest

from app.query.pagination import Page, Window
from app.query.parse import (
    Filter,
    ListQuery,
    Operator,
    QueryError,
    QueryValue,
    parse_list_query,
)
from app.query.paths import field_path
from app.query.querystring import QsObject, decode_component, parse_query_string


def only_filter(raw: str) -> Filter:
    filters = parse_list_query(raw).filters
    assert len(filters) == 1
    return filters[0]


# -- the query string (qs) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a=1&a=2", {"a": ["1", "2"]}),
        ("a[]=1&a[]=2", {"a": ["1", "2"]}),
        ("a=1&a[]=2", {"a": ["1", "2"]}),
        ("a[]=1&a=2", {"a": ["1", "2"]}),
        ("a%5B%5D=1&a%5B%5D=2", {"a": ["1", "2"]}),
        ("a[0]=x&a[1]=y", {"a": ["x", "y"]}),
        ("a[b]=1", {"a": QsObject()}),
        ("a[20]=x", {"a": ["x"]}),
        ("a[21]=x", {"a": QsObject()}),
        ("a[0][0]=1", {"a": [["1"]]}),
        ("a[][]=1", {"a": ["1"]}),
        ("a=b=c", {"a": "b=c"}),
        ("a", {"a": ""}),
        ("&&a=1&", {"a": "1"}),
        ("=x", {}),
        ("[a]=1", {"a": "1"}),
        ("[]=x", {}),
        ("__proto__=1", {}),
        ("a.b=1", {"a.b": "1"}),
        ("a]=1", {"a]": "1"}),
    ],
)
def test_query_string_is_read_like_express_qs(raw: str, expected: object) -> None:
    assert parse_query_string(raw) == expected


def test_query_string_keeps_keys_in_first_appearance_order() -> None:
    assert list(parse_query_string("b=1&a=2&b=3")) == ["b", "a"]


def test_query_string_reads_only_the_first_thousand_parameters() -> None:
    raw = "&".join(f"k{i}=v" for i in range(1005))
    assert len(parse_query_string(raw)) == 1000


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Alice+Martin", "Alice Martin"),
        ("Alice%20Martin", "Alice Martin"),
        ("%C3%A9+x", "é x"),
        ("%", "%"),
        ("%ZZ%41", "%ZZ%41"),
        ("%E9", "%E9"),
        ("é%41", "éA"),
    ],
)
def test_values_decode_like_decode_uri_component_or_stay_as_sent(raw: str, expected: str) -> None:
    assert decode_component(raw) == expected


# -- field paths (lodash) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "segments", "literal_first"),
    [
        ("name", ("name",), False),
        ("", ("",), False),
        ("a]", ("a]",), False),
        ("address.city", ("address", "city"), True),
        ("conditions.0", ("conditions", "0"), True),
        ("a..b", ("a", "", "b"), True),
        (".a", ("", "a"), True),
        ("a.", ("a", ""), True),
        ('a["b.c"]', ("a", "b.c"), True),
        ("a[0][1].c", ("a", "0", "1", "c"), True),
    ],
)
def test_keys_become_lodash_paths(key: str, segments: tuple[str, ...], literal_first: bool) -> None:
    path = field_path(key)
    assert path.segments == segments
    assert path.literal_key_first is literal_first


# -- filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "operator", "path"),
    [
        ("age=1", Operator.EQUALS, ("age",)),
        ("age_gte=1", Operator.AT_LEAST, ("age",)),
        ("age_lte=1", Operator.AT_MOST, ("age",)),
        ("age_ne=1", Operator.NOT_EQUALS, ("age",)),
        ("name_like=a", Operator.LIKE, ("name",)),
        ("address.city_like=a", Operator.LIKE, ("address", "city")),
        ("_gte=1", Operator.AT_LEAST, ("",)),
    ],
)
def test_key_suffix_chooses_the_operator(
    raw: str, operator: Operator, path: tuple[str, ...]
) -> None:
    item = only_filter(raw)
    assert item.operator is operator
    assert item.path.segments == path


def test_only_plain_equality_filters_are_prunable() -> None:
    query = parse_list_query("a=1&b_gte=1&c_lte=1&d_ne=1&e_like=x")
    assert [item.prunable for item in query.filters] == [True, False, False, False, False]


def test_repeated_and_bracketed_values_form_one_filter_with_every_value() -> None:
    assert only_filter("id=1&id[]=2").values == (QueryValue("1", True), QueryValue("2", True))


def test_object_and_nested_array_values_are_not_strings() -> None:
    assert only_filter("address[city]=Boston").values == (QueryValue("[object Object]", False),)
    assert only_filter("a[0][0]=1").values == (QueryValue("1", False),)


@pytest.mark.parametrize(
    "raw", ["q=x", "_start=1", "_end=1", "_sort=a", "_order=asc", "_limit=1", "_embed=v"]
)
def test_reserved_parameters_are_not_filters(raw: str) -> None:
    assert parse_list_query(raw).filters == ()


def test_expand_delay_callback_and_cache_buster_are_not_filters() -> None:
    assert parse_list_query("_expand=doctor&_delay=5000&callback=cb&_=123").filters == ()


def test_page_is_also_a_filter_because_json_server_never_removes_it() -> None:
    assert only_filter("_page=2").path.segments == ("_page",)


def test_range_values_carry_their_javascript_number() -> None:
    item = only_filter("age_gte=1e2&age_gte=&age_gte=abc&age_gte=0x10&age_gte=%201")
    assert item.numbers == (100.0, 0.0, None, 16.0, 1.0)


def test_like_values_are_translated_to_postgresql_patterns() -> None:
    assert only_filter("name_like=^b").patterns == ("^[Bb]",)


def test_invalid_like_pattern_is_a_query_error_that_does_not_quote_it() -> None:
    with pytest.raises(QueryError) as caught:
        parse_list_query("name_like=(secret")
    assert "secret" not in caught.value.message


# -- q -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "search"),
    [
        ("", None),
        ("q=", None),
        ("q=Boston", "Boston"),
        ("q=asthma&q=diabetes", "asthma"),
        ("q[]=x", "x"),
        ("q=&q=x", ""),
    ],
)
def test_only_the_first_q_counts(raw: str, search: str | None) -> None:
    assert parse_list_query(raw).search == search


@pytest.mark.parametrize("raw", ["q[a]=b", "q[0][0]=b", "q=a&q[b]=c"])
def test_q_that_is_not_text_is_a_query_error(raw: str) -> None:
    with pytest.raises(QueryError):
        parse_list_query(raw)


# -- sorting -------------------------------------------------------------------------------------


def sort_spec(raw: str) -> list[tuple[tuple[str, ...], bool]]:
    return [(key.path.segments, key.descending) for key in parse_list_query(raw).sort]


def test_sort_fields_and_orders_pair_up_by_position() -> None:
    assert sort_spec("_sort=gender,age&_order=DESC") == [(("gender",), True), (("age",), False)]
    assert sort_spec("_sort=a,b&_order=asc,desc") == [(("a",), False), (("b",), True)]


def test_anything_but_desc_sorts_ascending() -> None:
    assert sort_spec("_sort=age&_order=xyz") == [(("age",), False)]


def test_sort_fields_are_not_trimmed_and_may_be_dotted() -> None:
    assert sort_spec("_sort=%20age,address.city,") == [
        ((" age",), False),
        (("address", "city"), False),
        (("",), False),
    ]


def test_order_without_sort_is_ignored_even_when_repeated() -> None:
    assert parse_list_query("_order=desc&_order=asc").sort == ()


@pytest.mark.parametrize("raw", ["_sort=a&_sort=b", "_sort[x]=a", "_sort=a&_order=d&_order=a"])
def test_repeated_sort_or_order_is_a_query_error(raw: str) -> None:
    with pytest.raises(QueryError):
        parse_list_query(raw)


# -- pagination and slicing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "page", "window"),
    [
        ("_page=2&_limit=3", Page(2, 3), Window(3, 6)),
        ("_page=1", Page(1, 10), Window(0, 10)),
        ("_page=abc&_limit=3", Page(1, 3), Window(0, 3)),
        ("_page=0&_limit=3", Page(1, 3), Window(0, 3)),
        ("_page=-1&_limit=3", Page(1, 3), Window(0, 3)),
        ("_page=1.9&_limit=3", Page(1, 3), Window(0, 3)),
        ("_page=2abc&_limit=3", Page(2, 3), Window(3, 6)),
        ("_page=1&_limit=0", Page(1, 10), Window(0, 10)),
        ("_page=1&_limit=-1", Page(1, -1), Window(0, -1)),
        ("_page=2&_limit=3.7", Page(2, 3), Window(3, 6)),
        ("_page=2&_limit=3&_page=3", Page(2, 3), Window(3, 6)),
        ("_start=5&_page=1&_limit=2", Page(1, 2), Window(0, 2)),
    ],
)
def test_page_mode_follows_parse_int_and_defaults(raw: str, page: Page, window: Window) -> None:
    query = parse_list_query(raw)
    assert (query.page, query.window, query.reports_total) == (page, window, True)
    assert query.exposed_headers == "X-Total-Count, Link"


@pytest.mark.parametrize(
    ("raw", "window"),
    [
        ("_start=2&_end=5", Window(2, 5)),
        ("_end=3", Window(0, 3)),
        ("_start=2&_limit=3", Window(2, 5)),
        ("_limit=abc", Window(0, 0)),
        ("_end=abc", Window(0, 0)),
        ("_start=abc&_end=2", Window(0, 2)),
        ("_start=2&_end=5&_limit=1", Window(2, 5)),
        ("_limit=3&_limit=5", Window(0, 3)),
        ("_page=&_limit=3", Window(0, 3)),
    ],
)
def test_slicing_uses_end_else_start_plus_limit(raw: str, window: Window) -> None:
    query = parse_list_query(raw)
    assert (query.page, query.window) == (None, window)
    assert query.exposed_headers == "X-Total-Count"


@pytest.mark.parametrize("raw", ["", "_start=2", "_end=", "_limit=", "_page="])
def test_without_page_end_or_limit_nothing_is_sliced_or_counted(raw: str) -> None:
    query = parse_list_query(raw)
    assert (query.window, query.reports_total, query.exposed_headers) == (None, False, None)


# -- relations -----------------------------------------------------------------------------------


def test_embed_keys_are_kept_whole_and_in_order() -> None:
    query = parse_list_query("_embed=visits,doctors&_embed=notes")
    assert query.embeds == ("visits,doctors", "notes")


def test_empty_embed_adds_nothing() -> None:
    assert parse_list_query("_embed=").embeds == ()


def test_expansions_and_embeds_keep_every_name_in_query_order() -> None:
    query = parse_list_query("_expand=doctor&_expand=Ward&_embed[]=a&_embed[]=b&_embed=a,b")
    assert query.expands == ("doctor", "Ward")
    assert query.embeds == ("a", "b", "a,b")


def test_keeping_present_drops_only_absent_plain_filters() -> None:
    query = parse_list_query("a=1&b_ne=2&c=3")
    kept = query.keeping_present([False, True])
    assert [item.path.key for item in kept.filters] == ["b", "c"]
    assert isinstance(kept, ListQuery)
