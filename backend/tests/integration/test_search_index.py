"""`q` and plain-word `_like` filters take their candidates from the trigram index on
`records.search_text` (migration 0010), and still answer exactly as json-server does: the index
narrows, the JavaScript-semantics comparison decides.
"""

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from app.query import build_list_statement, parse_list_query
from app.store import libpq_url
from tests.support.database import load_document, server_url, temporary_database

AWKWARD = [
    {"id": 1, "name": "JOANNE", "flag": False, "n": 0, "tags": ["alpha", "Beta"]},
    {"id": 2, "name": "Anna", "flag": True, "n": 10, "meta": {"note": "x"}},
    {"id": 3, "name": "Hannah", "flag": None, "n": -0.5, "tags": [["ann"], None, {"k": 1}]},
    {"id": 4, "name": "100% cotton", "code": "abc_def", "path": "abc\\def"},
    {"id": 5, "name": "1000 units", "code": "abcXdef", "path": "abcdef"},
    {"id": 6, "name": "Ånnika", "address": {"city": "Annapolis"}},
]


def ids(client: TestClient, query: str) -> list[Any]:
    response = client.get(f"/patients?{query}")
    assert response.status_code == 200, response.text
    return [record["id"] for record in response.json()]


@pytest.fixture
def awkward(client: TestClient, database_url: str) -> TestClient:
    load_document(database_url, json.dumps({"patients": AWKWARD}).encode())
    return client


# What `new RegExp(word, "i").test(String(value))` gives for each record (json-server's `_like`),
# including values `search_text` does not hold: false, 0 and objects.
LIKE = [
    ("name_like=ann", [1, 2, 3]),
    ("name_like=ANN", [1, 2, 3]),
    ("flag_like=als", [1]),
    ("flag_like=false", [1]),
    ("flag_like=true", [2]),
    ("n_like=0", [1, 2, 3]),
    ("n_like=0.5", [3]),
    ("meta_like=object", [2]),
    ("meta_like=OBJECT OBJ", [2]),
    ("tags_like=beta", [1]),
    ("tags_like=alpha,beta", [1]),
    ("tags_like=ann,,.object", [3]),
    ("address.city_like=napo", [6]),
    ("name_like=nni", [6]),
    ("name_like=ann&name_like=units", [1, 2, 3, 5]),
]


@pytest.mark.parametrize(("query", "expected"), LIKE)
def test_like_words_match_as_javascript_regexes_do_with_the_index_narrowing(
    awkward: TestClient, query: str, expected: list[int]
) -> None:
    assert ids(awkward, query) == expected


# `q` is a substring, so LIKE's own wildcards and escape in it are plain characters.
SEARCH = [
    ("q=100%25", [4]),
    ("q=abc_def", [4]),
    ("q=abc%5Cdef", [4]),
    ("q=abcdef", [5]),
    ("q=annapolis", [6]),
    ("q=ANNA", [2, 3, 6]),
]


@pytest.mark.parametrize(("query", "expected"), SEARCH)
def test_q_treats_like_wildcards_and_backslashes_as_text(
    awkward: TestClient, query: str, expected: list[int]
) -> None:
    assert ids(awkward, query) == expected


def _plan(database_url: str, query: str) -> str:
    """The plan PostgreSQL makes for the service's statement."""
    statement = build_list_statement("patients", parse_list_query(query))
    with psycopg.connect(libpq_url(database_url)) as connection:
        rows = connection.execute(f"EXPLAIN {statement.text}", statement.params).fetchall()
    return "\n".join(row[0] for row in rows)


@pytest.fixture(scope="module")
def many() -> Iterator[str]:
    """A database of its own with 5,000 patients, three of them found by the searches below,
    analysed: enough that reading the whole collection costs more than the index."""
    patients: list[dict[str, Any]] = [
        {"id": n, "name": f"Patient {n}", "address": {"city": "Springfield"}}
        for n in range(1, 5001)
    ]
    patients[10]["address"]["city"] = "Annapolis"
    patients[20]["address"]["city"] = "Boston"
    patients[30]["name"] = "Joanne"
    base, _embedded = server_url()
    with temporary_database(base, prefix="patients_search") as database_url:
        load_document(database_url, json.dumps({"patients": patients}).encode())
        with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
            connection.execute("ANALYZE records")
        yield database_url


@pytest.mark.parametrize(
    "query",
    ["q=boston&_page=2&_limit=20", "name_like=joan&_page=1&_limit=20", "address.city_like=napo"],
)
def test_searches_and_plain_word_likes_read_the_trigram_index(many: str, query: str) -> None:
    assert "ix_records_search_text" in _plan(many, query)


@pytest.mark.parametrize(
    "query",
    ["q=bo", "name_like=an", "name_like=jo.n", "name_like=^joan", "flag_like=als", "name.0_like=j"],
)
def test_short_patterns_regexes_and_unsearched_words_do_not_use_the_trigram_index(
    many: str, query: str
) -> None:
    assert "ix_records_search_text" not in _plan(many, query)
