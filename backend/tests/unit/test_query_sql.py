"""The list statement is built from fixed SQL: request text only ever reaches it as a bound
parameter."""

from urllib.parse import quote

import pytest

from app.query import (
    Embed,
    Expand,
    Relations,
    build_list_statement,
    build_presence_statement,
    parse_list_query,
)
from app.query.regex import translate_pattern

HOSTILE = "x'); DROP TABLE patients; --"


@pytest.mark.parametrize(
    "raw",
    [
        f"{quote(HOSTILE)}={quote(HOSTILE)}",
        f"name={quote(HOSTILE)}",
        f"address.{quote(HOSTILE)}=1",
        f"name_ne={quote(HOSTILE)}",
        f"name_gte={quote(HOSTILE)}",
        f"q={quote(HOSTILE)}",
        f"_sort={quote(HOSTILE)},name&_order=desc",
        f"_embed={quote(HOSTILE)}&_expand=patient",
        f"conditions.0={quote(HOSTILE)}&_page=2&_limit=3",
        f"_start=-2&_end=-1&a.length={quote(HOSTILE)}",
    ],
)
def test_request_text_reaches_sql_only_as_bound_parameters(raw: str) -> None:
    query = parse_list_query(raw)
    relations = Relations(
        tuple(Embed(name, name, HOSTILE + "Id") for name in query.embeds),
        tuple(Expand(name, name + "s", name + "Id") for name in query.expands),
    )
    statements = [build_list_statement(HOSTILE, query, relations)]
    presence = build_presence_statement(HOSTILE, query)
    if presence is not None:
        statements.append(presence)
    values = [value for statement in statements for value in statement.params.values()]
    assert all("DROP" not in statement.text for statement in statements)
    assert any(HOSTILE in str(value) for value in values)


def test_like_patterns_reach_sql_as_bound_parameters() -> None:
    pattern = "'; DROP TABLE patients; --"
    statement = build_list_statement("patients", parse_list_query(f"name_like={quote(pattern)}"))
    assert "DROP" not in statement.text
    assert translate_pattern(pattern) in statement.params.values()


def test_presence_is_asked_only_for_plain_filters() -> None:
    assert (
        build_presence_statement("patients", parse_list_query("a_ne=1&b_like=x&c_gte=1&q=z"))
        is None
    )
    presence = build_presence_statement("patients", parse_list_query("a=1&b.c=2&d_ne=3"))
    assert presence is not None
    assert presence.text.count(" AS present") == 2


def test_a_query_without_window_counts_no_matches_beyond_what_it_returns() -> None:
    # Only the returned rows are counted (for the audit log), never the matches again.
    assert "total AS" not in build_list_statement("patients", parse_list_query("a_ne=1")).text
    assert "total AS" in build_list_statement("patients", parse_list_query("_limit=2")).text
