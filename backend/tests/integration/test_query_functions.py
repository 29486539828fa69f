"""The JavaScript semantics of migration 0002's SQL functions and of the `_like` rewrites, run on
PostgreSQL and compared with what Node 20 answers (each regex expectation below was observed
with `new RegExp(p, "i").test(s)`)."""

from collections.abc import Iterator

import psycopg
import pytest

from app.json_codec import js_number_to_string
from app.query.regex import translate_pattern
from tests.support.database import libpq_url

JAVASCRIPT_RESULTS = [
    ("ali", "Alice Martin", True),
    ("ALI", "alice", True),
    ("^b", "bob Smith", True),
    ("^b", "Alice bob", False),
    ("^A|^B", "bob", True),
    ("", "anything", True),
    ("a.c", "a\nc", False),
    ("a.c", "abc", True),
    ("a.c", "a\u2028c", False),
    ("[^]", "\n", True),
    ("[]", "x", False),
    ("[]a]", "a]", False),
    ("\\d+", "abc123", True),
    ("\\d", "\u0661", False),
    ("\\w", "é", False),
    ("\\W", "é", True),
    ("\\s", "\u00a0", True),
    ("\\S", " ", False),
    ("\\bbo", "bob", True),
    ("\\bbo", "abob", False),
    ("ob\\b", "bob!", True),
    ("\\Bob", "bob", True),
    ("\\bé", "é", False),
    ("[a-c]", "B", True),
    ("[^a-c]", "B", False),
    ("[^\\W]", "_", True),
    ("[^a\\W]", "A", False),
    ("[a\\W]", "é", True),
    ("\\x41", "a", True),
    ("\\x4", "x4", True),
    ("\\u0041", "A", True),
    ("\\u{41}", "u" * 41, True),
    ("\\cJ", "\n", True),
    ("\\c1", "\\c1", True),
    ("\\0", "a", False),
    ("\\101", "a", True),
    ("\\8", "8", True),
    ("\\1", "\u0001", True),
    ("\\k", "k", True),
    ("(?=a)a", "A", True),
    ("(?!a)b", "ab", True),
    ("(?<=a)b", "ab", True),
    ("(?<!a)b", "ab", False),
    ("(?=a)*b", "b", True),
    ("(?:a|b)+c", "abc", True),
    ("(?<n>a)b", "AB", True),
    ("a{2}", "aa", True),
    ("a{2}", "a", False),
    ("a{", "a{", True),
    ("a}", "a}", True),
    ("a{,2}", "a{,2}", True),
    ("x{0}y", "y", True),
    ("straße", "STRASSE", False),
    ("ß", "ẞ", False),
    ("é", "É", True),
    ("\u03c3", "\u03c2", True),
    ("µ", "μ", True),
    ("s", "\u017f", False),
    ("k", "\u212a", False),
    ("i", "İ", False),
    ("[\\u0100-\\u01ff]", "S", False),
    ("[^a-z]", "K", False),
    ("1e2", "1e2", True),
    ("[object Object]", "b", True),
    ("\\.", "a.b", True),
    ("\\.", "ab", False),
]


@pytest.fixture(scope="module")
def connection(database_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        yield conn


@pytest.mark.parametrize(("pattern", "subject", "expected"), JAVASCRIPT_RESULTS)
def test_like_rewrite_matches_what_javascript_matches(
    connection: psycopg.Connection, pattern: str, subject: str, expected: bool
) -> None:
    row = connection.execute("SELECT %s ~ %s", (subject, translate_pattern(pattern))).fetchone()
    assert row == (expected,)


NUMBERS = [
    0,
    -0.0,
    34,
    34.0,
    1.5,
    -2.5,
    100.5,
    0.1,
    1e-6,
    1e-7,
    1.5e-7,
    123456789012345678.0,
    1e15,
    1e20,
    1e21,
    1.5e300,
    5e-324,
    1.7976931348623157e308,
    2**53 + 1,
    12345678901234567890,
]


@pytest.mark.parametrize("number", NUMBERS)
def test_sql_string_of_a_number_matches_javascript(
    connection: psycopg.Connection, number: float
) -> None:
    row = connection.execute("SELECT js_string(%s::jsonb)", (repr(number),)).fetchone()
    expected = str(number) if isinstance(number, int) else js_number_to_string(number)
    assert row == (expected,)


@pytest.mark.parametrize(
    ("json_value", "expected"),
    [
        ('"text"', "text"),
        ("true", "true"),
        ("null", "null"),
        ("[]", ""),
        ('["asthma", "diabetes"]', "asthma,diabetes"),
        ('[1, null, [2, 3], {"a": 1}, true]', "1,,2,3,[object Object],true"),
        ('{"a": 1}', "[object Object]"),
    ],
)
def test_sql_string_of_json_values_matches_javascript(
    connection: psycopg.Connection, json_value: str, expected: str
) -> None:
    assert connection.execute("SELECT js_string(%s::jsonb)", (json_value,)).fetchone() == (
        expected,
    )


def test_search_text_holds_truthy_values_at_any_depth_lower_cased(
    connection: psycopg.Connection,
) -> None:
    document = (
        '{"id": 7, "Name": "BOB", "tags": [0, false, "", null, "Diab", {"x": 1e2}], "ok": true}'
    )
    row = connection.execute("SELECT js_search_text(%s::jsonb)", (document,)).fetchone()
    assert row is not None
    assert sorted(row[0].split("\x1f")) == ["100", "7", "bob", "diab", "true"]


# Characters on both sides of the surrogate range, where code point and UTF-16 order disagree.
CODE_UNIT_TEXTS = [
    "a",
    "Z",
    "é",
    "\ud7ff",
    "\ue000",
    "\ufb01",
    "\uffee",
    "😀",
    "😀a",
    "𝄞",
    "",
    "a😀",
    "a\ufb01",
]


def utf16(text: str) -> bytes:
    return text.encode("utf-16-be")


def test_sort_text_orders_strings_by_utf16_code_unit(connection: psycopg.Connection) -> None:
    rows = connection.execute(
        'SELECT t FROM unnest(%s::text[]) AS t ORDER BY js_sort_text(to_jsonb(t)) COLLATE "C"',
        (CODE_UNIT_TEXTS,),
    ).fetchall()
    assert [row[0] for row in rows] == sorted(CODE_UNIT_TEXTS, key=utf16)


@pytest.mark.parametrize("query", ["\ufb01", "😀", "\ue000", "a"])
def test_compare_orders_strings_by_utf16_code_unit(
    connection: psycopg.Connection, query: str
) -> None:
    rows = connection.execute(
        "SELECT t, sign(js_compare(to_jsonb(t), %s, NULL)) FROM unnest(%s::text[]) AS t",
        (query, CODE_UNIT_TEXTS),
    ).fetchall()
    expected = {t: (utf16(t) > utf16(query)) - (utf16(t) < utf16(query)) for t in CODE_UNIT_TEXTS}
    assert dict(rows) == expected
