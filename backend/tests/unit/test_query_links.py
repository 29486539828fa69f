"""JavaScript parseInt and slice semantics, and the Link header json-server builds (§8)."""

import pytest

from app.query.pagination import Page, Window, js_parse_int, link_header, page_links

BASE = "http://127.0.0.1:3000"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", 2),
        ("02", 2),
        ("2abc", 2),
        ("1.9", 1),
        ("-1", -1),
        ("+3", 3),
        ("  7", 7),
        ("\u00a0\ufeff8", 8),
        ("1e3", 1),
        ("3,5", 3),
        ("abc", None),
        ("", None),
        ("-", None),
        ("[object Object]", None),
    ],
)
def test_parse_int_reads_the_leading_decimal_integer(text: str, expected: int | None) -> None:
    assert js_parse_int(text) == expected


@pytest.mark.parametrize(
    ("window", "total", "bounds"),
    [
        (Window(2, 5), 10, (2, 3)),
        (Window(0, -1), 10, (0, 9)),
        (Window(0, -2), 10, (0, 8)),
        (Window(-3, 10), 10, (7, 3)),
        (Window(-3, -1), 10, (7, 2)),
        (Window(-30, 2), 10, (0, 2)),
        (Window(5, 2), 10, (5, 0)),
        (Window(8, 100), 10, (8, 2)),
        (Window(20, 30), 10, (10, 0)),
        (Window(0, 5), 0, (0, 0)),
    ],
)
def test_window_bounds_follow_javascript_slice(
    window: Window, total: int, bounds: tuple[int, int]
) -> None:
    assert window.bounds(total) == bounds


@pytest.mark.parametrize(
    ("page", "total", "links"),
    [
        (Page(1, 3), 10, {"first": 1, "next": 2, "last": 4}),
        (Page(2, 3), 10, {"first": 1, "prev": 1, "next": 3, "last": 4}),
        (Page(4, 3), 10, {"first": 1, "prev": 3, "last": 4}),
        (Page(5, 3), 10, {}),
        (Page(1, 10), 10, {}),
        (Page(1, 20), 10, {}),
        (Page(2, 10), 10, {}),
        (Page(2, 3), 5, {"first": 1, "prev": 1, "last": 2}),
        (Page(1, -1), 10, {"first": 1, "next": 2, "last": -10}),
        (Page(2, -1), 10, {}),
        (Page(1, 5), 0, {}),
    ],
)
def test_page_links_follow_json_server_get_page(
    page: Page, total: int, links: dict[str, int]
) -> None:
    assert page_links(page, total) == links


def test_link_header_replaces_the_page_number_in_the_url_as_sent() -> None:
    header = link_header(Page(2, 3), 10, "127.0.0.1:3000", "/patients?_limit=3&_page=2")
    assert header == (
        f'<{BASE}/patients?_limit=3&_page=1>; rel="first", '
        f'<{BASE}/patients?_limit=3&_page=1>; rel="prev", '
        f'<{BASE}/patients?_limit=3&_page=3>; rel="next", '
        f'<{BASE}/patients?_limit=3&_page=4>; rel="last"'
    )


def test_link_header_is_empty_when_there_is_nothing_to_link() -> None:
    assert link_header(Page(5, 3), 10, "127.0.0.1:3000", "/patients?_page=5&_limit=3") == ""


@pytest.mark.parametrize("raw_page", ["abc", "0", "-1", "02"])
def test_links_equal_the_request_url_when_the_page_text_is_not_the_parsed_number(
    raw_page: str,
) -> None:
    page = Page(2 if raw_page == "02" else 1, 3)
    url = f"/patients?_page={raw_page}&_limit=3"
    header = link_header(page, 10, "127.0.0.1:3000", url)
    assert header
    assert all(part.startswith(f"<{BASE}{url}>") for part in header.split(", "))


def test_links_replace_the_numeric_prefix_of_a_page_like_two_abc() -> None:
    header = link_header(Page(2, 3), 10, "h", "/patients?_page=2abc&_limit=3")
    assert "_page=1abc" in header
    assert "_page=3abc" in header
    assert "_page=4abc" in header


def test_links_replace_only_the_first_textual_page_occurrence() -> None:
    header = link_header(Page(2, 3), 10, "h", "/patients?mypage=2&_page=2&_limit=3")
    assert header.startswith('<http://h/patients?mypage=1&_page=2&_limit=3>; rel="first"')


def test_links_use_http_and_the_host_header_as_given() -> None:
    header = link_header(Page(2, 3), 10, "api.example.com:8080", "/patients?_page=2&_limit=3")
    assert header.startswith("<http://api.example.com:8080/patients?_page=1&_limit=3>")


def test_links_without_a_host_header_start_with_http_colon_like_node_url_format() -> None:
    header = link_header(Page(1, 3), 10, None, "/patients?_page=1&_limit=3")
    assert header.startswith("<http:/patients?_page=1&_limit=3>")
