"""json-server's query language on `GET /patients`, against PostgreSQL.

Each table below is a table of the reference (`json-server-0.17.4.md`, §5-§10), observed on the
real json-server 0.17.4 with the same seeds: `main` is the contract suite's main seed (the
project's db.json patients), `string` and `numstr` are the same records with ids "p-1".."p-10"
and "1".."10", `empty` has no record.
"""

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import insert_records
from tests.contract.seeds import seed_document
from tests.support.database import server_url, temporary_database
from tests.support.factories import make_patient
from tests.support.settings import make_settings

MAIN = json.loads(seed_document("main"))["patients"]
SEEDS: dict[str, list[dict[str, Any]]] = {
    "main": MAIN,
    "string": [{**record, "id": f"p-{record['id']}"} for record in MAIN],
    "numstr": [{**record, "id": str(record["id"])} for record in MAIN],
    "empty": [],
    # Patients that refer to other patients, for `_embed=patients` and `_expand=patient`.
    "family": [
        make_patient(id=1, name="Parent"),
        make_patient(id=2, name="Child", patientId=1),
        make_patient(id=3, name="String child", patientId="1"),
        make_patient(id=4, name="Orphan", patientId=99),
    ],
}
ALL = list(range(1, 11))

ClientFor = Callable[[str], TestClient]


@pytest.fixture(scope="module")
def client_for() -> Iterator[ClientFor]:
    """A client on a database holding one seed; each seed is created once for the module."""
    base, _embedded = server_url()
    clients: dict[str, TestClient] = {}
    with ExitStack() as stack:

        def get(seed: str) -> TestClient:
            if seed not in clients:
                url = stack.enter_context(temporary_database(base, prefix="patients_queries"))
                settings = make_settings(database_url=url)
                insert_records(settings, SEEDS[seed])
                clients[seed] = stack.enter_context(TestClient(create_app(settings)))
            return clients[seed]

        yield get


def ids(client: TestClient, query: str) -> list[Any]:
    response = client.get(f"/patients?{query}")
    assert response.status_code == 200, response.text
    return [record["id"] for record in response.json()]


# -- §5 equality filters -------------------------------------------------------------------------

EQUALITY = [
    ("gender=female", [1, 3, 5, 7, 9]),
    ("age=34", [1]),
    ("age=034", []),
    ("id=1", [1]),
    ("id=1.0", []),
    ("id=1&id=2", [1, 2]),
    ("id[]=1&id[]=2", [1, 2]),
    ("id=1&id=2&gender=male", [2]),
    ("address.city=Boston", [1]),
    ("address.city=boston", [3]),
    ("address.city=Boston&address.city=Denver", [1, 4, 8]),
    ("address[city]=Boston", []),
    ("address=Boston", []),
    ("address=[object%20Object]", ALL),
    ("conditions=asthma", [1, 10]),
    ("conditions=hypertension,arthritis", [6]),
    ("conditions.0=asthma", [1, 7, 10]),
    ("conditions[0]=asthma", [1, 10]),
    ("active=true", [9]),
    ("active=false", [10]),
    ("notes=null", []),
    ("unknownfield=xyz", ALL),
    ("name=Alice%20Martin", [1]),
    ("name=Alice+Martin", [1]),
    ("name=alice%20martin", []),
    ("gender=", []),
    ("callback=cb&_=123&id=1", [1]),
]


@pytest.mark.parametrize(("query", "expected"), EQUALITY)
def test_equality_compares_javascript_string_form_exactly(
    client_for: ClientFor, query: str, expected: list[int]
) -> None:
    assert ids(client_for("main"), query) == expected


def test_every_plain_filter_is_ignored_on_an_empty_collection(client_for: ClientFor) -> None:
    assert ids(client_for("empty"), "gender=female&age_gte=1") == []


# -- §6 operators --------------------------------------------------------------------------------

OPERATORS = [
    ("age_gte=40", [2, 4, 6, 7, 8]),
    ("age_lte=9", [3, 10]),
    ("age_gte=40&age_lte=60", [2, 4, 8]),
    ("age_gte=abc", []),
    ("age_gte=", ALL),
    ("age_lte=", []),
    ("age_gte=1e2", [7]),
    ("name_gte=D", [2, 4, 5, 6, 7, 8, 9, 10]),
    ("admittedAt_gte=2024-04-01", [6, 7, 8, 9, 10]),
    ("active_gte=1", [9]),
    ("conditions_gte=b", [2, 4, 5, 6, 9]),
    ("age_ne=34", [2, 3, 4, 5, 6, 7, 8, 9, 10]),
    ("age_ne=34&age_ne=58", [3, 4, 5, 6, 7, 8, 9, 10]),
    ("active_ne=true", [10]),
    ("notes_ne=x", []),
    ("conditions_ne=asthma", [2, 3, 4, 5, 6, 7, 8, 9]),
    ("id=1&id=2&id_ne=1", [2]),
    ("name_like=ali", [1]),
    ("name_like=^b", [2]),
    ("name_like=^A|^B", [1, 2]),
    ("name_like=smith&name_like=kim", [2, 7]),
    ("name_like=", ALL),
    ("address.city_like=bos", [1, 3]),
    ("conditions_like=diabetes", [2, 4, 7]),
    ("foo_like=bar", []),
    ("foo_ne=bar", []),
]


@pytest.mark.parametrize(("query", "expected"), OPERATORS)
def test_operators_follow_javascript_comparison_and_regex_rules(
    client_for: ClientFor, query: str, expected: list[int]
) -> None:
    assert ids(client_for("main"), query) == expected


@pytest.mark.parametrize(
    ("seed", "query", "expected"),
    [
        ("string", "id_gte=p-5", ["p-5", "p-6", "p-7", "p-8", "p-9"]),
        ("numstr", "id_gte=5", ["5", "6", "7", "8", "9"]),
        ("numstr", "id_lte=2", ["1", "2", "10"]),
    ],
)
def test_string_ids_compare_by_code_unit_not_numerically(
    client_for: ClientFor, seed: str, query: str, expected: list[str]
) -> None:
    assert ids(client_for(seed), query) == expected


# -- §7 full-text search -------------------------------------------------------------------------

SEARCH = [
    ("q=boston", [1, 3]),
    ("q=BOSTON", [1, 3]),
    ("q=diab", [2, 4, 7]),
    ("q=555-010", [1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ("q=10", ALL),
    ("q=true", [9]),
    ("q=false", []),
    ("q=null", []),
    ("q=asthma&gender=male", [10]),
    ("q=asthma&q=diabetes", [1, 7, 10]),
    ("q=", ALL),
    ("q=%20", ALL),
    ("q=a.b", []),
]


@pytest.mark.parametrize(("query", "expected"), SEARCH)
def test_q_is_a_case_insensitive_substring_of_any_truthy_value(
    client_for: ClientFor, query: str, expected: list[int]
) -> None:
    assert ids(client_for("main"), query) == expected


def test_q_after_an_empty_first_q_matches_nothing(client_for: ClientFor) -> None:
    assert ids(client_for("main"), "q=&q=boston") == []


# -- §8 pagination -------------------------------------------------------------------------------

B = "http://testserver/patients"
PAGES = [
    (
        "_page=1&_limit=3",
        [1, 2, 3],
        "10",
        f'<{B}?_page=1&_limit=3>; rel="first", <{B}?_page=2&_limit=3>; rel="next", '
        f'<{B}?_page=4&_limit=3>; rel="last"',
    ),
    (
        "_page=2&_limit=3",
        [4, 5, 6],
        "10",
        f'<{B}?_page=1&_limit=3>; rel="first", <{B}?_page=1&_limit=3>; rel="prev", '
        f'<{B}?_page=3&_limit=3>; rel="next", <{B}?_page=4&_limit=3>; rel="last"',
    ),
    (
        "_page=4&_limit=3",
        [10],
        "10",
        f'<{B}?_page=1&_limit=3>; rel="first", <{B}?_page=3&_limit=3>; rel="prev", '
        f'<{B}?_page=4&_limit=3>; rel="last"',
    ),
    ("_page=5&_limit=3", [], "10", ""),
    ("_page=1", ALL, "10", ""),
    ("_page=2", [], "10", ""),
    ("_page=1&_limit=10", ALL, "10", ""),
    ("_page=1&_limit=20", ALL, "10", ""),
    (
        "_limit=3&_page=2",
        [4, 5, 6],
        "10",
        f'<{B}?_limit=3&_page=1>; rel="first", <{B}?_limit=3&_page=1>; rel="prev", '
        f'<{B}?_limit=3&_page=3>; rel="next", <{B}?_limit=3&_page=4>; rel="last"',
    ),
    (
        "_page=2&_limit=3&gender=male",
        [8, 10],
        "5",
        f'<{B}?_page=1&_limit=3&gender=male>; rel="first", '
        f'<{B}?_page=1&_limit=3&gender=male>; rel="prev", '
        f'<{B}?_page=2&_limit=3&gender=male>; rel="last"',
    ),
    (
        "_sort=age&_order=desc&_page=1&_limit=3",
        [7, 6, 2],
        "10",
        f'<{B}?_sort=age&_order=desc&_page=1&_limit=3>; rel="first", '
        f'<{B}?_sort=age&_order=desc&_page=2&_limit=3>; rel="next", '
        f'<{B}?_sort=age&_order=desc&_page=4&_limit=3>; rel="last"',
    ),
    (
        "_page=abc&_limit=3",
        [1, 2, 3],
        "10",
        ", ".join(f'<{B}?_page=abc&_limit=3>; rel="{rel}"' for rel in ("first", "next", "last")),
    ),
    (
        "_page=0&_limit=3",
        [1, 2, 3],
        "10",
        ", ".join(f'<{B}?_page=0&_limit=3>; rel="{rel}"' for rel in ("first", "next", "last")),
    ),
    (
        "_page=-1&_limit=3",
        [1, 2, 3],
        "10",
        ", ".join(f'<{B}?_page=-1&_limit=3>; rel="{rel}"' for rel in ("first", "next", "last")),
    ),
    (
        "_page=02&_limit=3",
        [4, 5, 6],
        "10",
        ", ".join(
            f'<{B}?_page=02&_limit=3>; rel="{rel}"' for rel in ("first", "prev", "next", "last")
        ),
    ),
    (
        "_page=1.9&_limit=3",
        [1, 2, 3],
        "10",
        f'<{B}?_page=1.9&_limit=3>; rel="first", <{B}?_page=2.9&_limit=3>; rel="next", '
        f'<{B}?_page=4.9&_limit=3>; rel="last"',
    ),
    (
        "_page=2abc&_limit=3",
        [4, 5, 6],
        "10",
        f'<{B}?_page=1abc&_limit=3>; rel="first", <{B}?_page=1abc&_limit=3>; rel="prev", '
        f'<{B}?_page=3abc&_limit=3>; rel="next", <{B}?_page=4abc&_limit=3>; rel="last"',
    ),
    ("_page=1&_limit=0", ALL, "10", ""),
    ("_page=1&_limit=abc", ALL, "10", ""),
    (
        "_page=1&_limit=-1",
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
        "10",
        f'<{B}?_page=1&_limit=-1>; rel="first", <{B}?_page=2&_limit=-1>; rel="next", '
        f'<{B}?_page=-10&_limit=-1>; rel="last"',
    ),
    ("_page=2&_limit=-1", [], "10", ""),
    (
        "_page=2&_limit=3.7",
        [4, 5, 6],
        "10",
        f'<{B}?_page=1&_limit=3.7>; rel="first", <{B}?_page=1&_limit=3.7>; rel="prev", '
        f'<{B}?_page=3&_limit=3.7>; rel="next", <{B}?_page=4&_limit=3.7>; rel="last"',
    ),
    (
        "_page=2&_limit=3&_page=3",
        [4, 5, 6],
        "10",
        f'<{B}?_page=1&_limit=3&_page=3>; rel="first", <{B}?_page=1&_limit=3&_page=3>; '
        f'rel="prev", <{B}?_page=3&_limit=3&_page=3>; rel="next", '
        f'<{B}?_page=4&_limit=3&_page=3>; rel="last"',
    ),
    (
        "_start=5&_page=1&_limit=2",
        [1, 2],
        "10",
        f'<{B}?_start=5&_page=1&_limit=2>; rel="first", <{B}?_start=5&_page=2&_limit=2>; '
        f'rel="next", <{B}?_start=5&_page=5&_limit=2>; rel="last"',
    ),
    (
        "_end=3&_page=2&_limit=2",
        [3, 4],
        "10",
        f'<{B}?_end=3&_page=1&_limit=2>; rel="first", <{B}?_end=3&_page=1&_limit=2>; '
        f'rel="prev", <{B}?_end=3&_page=3&_limit=2>; rel="next", '
        f'<{B}?_end=3&_page=5&_limit=2>; rel="last"',
    ),
]


@pytest.mark.parametrize(("query", "expected", "total", "link"), PAGES)
def test_pages_send_total_and_links_built_from_the_request_url(
    client_for: ClientFor, query: str, expected: list[int], total: str, link: str
) -> None:
    response = client_for("main").get(f"/patients?{query}")
    assert [record["id"] for record in response.json()] == expected
    assert response.headers["x-total-count"] == total
    assert response.headers["access-control-expose-headers"] == "X-Total-Count, Link"
    assert response.headers["link"] == link


def test_empty_page_parameter_falls_back_to_limit_slicing_without_link(
    client_for: ClientFor,
) -> None:
    response = client_for("main").get("/patients?_page=&_limit=3")
    assert [record["id"] for record in response.json()] == [1, 2, 3]
    assert response.headers["x-total-count"] == "10"
    assert response.headers["access-control-expose-headers"] == "X-Total-Count"
    assert "link" not in response.headers


def test_links_use_the_host_header_and_always_http(client_for: ClientFor) -> None:
    response = client_for("main").get(
        "/patients?_page=2&_limit=3",
        headers={"Host": "api.example.com:8080", "X-Forwarded-Proto": "https"},
    )
    assert response.headers["link"].startswith(
        '<http://api.example.com:8080/patients?_page=1&_limit=3>; rel="first", '
    )


def test_links_keep_the_path_as_sent(client_for: ClientFor) -> None:
    response = client_for("main").get("/PATIENTS/?_page=2&_limit=3")
    assert response.headers["link"].startswith(
        '<http://testserver/PATIENTS/?_page=1&_limit=3>; rel="first"'
    )


def test_pages_of_an_empty_collection_count_zero(client_for: ClientFor) -> None:
    response = client_for("empty").get("/patients?_page=1&_limit=5")
    assert response.json() == []
    assert response.headers["x-total-count"] == "0"
    assert response.headers["link"] == ""


def test_head_of_a_page_sends_the_headers_without_a_body(client_for: ClientFor) -> None:
    response = client_for("main").head("/patients?_page=1&_limit=2")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["x-total-count"] == "10"
    assert response.headers["link"].endswith('rel="last"')


def test_plain_list_has_no_total_and_exposes_no_headers(client_for: ClientFor) -> None:
    response = client_for("main").get("/patients")
    assert "x-total-count" not in response.headers
    assert "access-control-expose-headers" not in response.headers
    assert "link" not in response.headers


# -- §9 slicing ----------------------------------------------------------------------------------

SLICES = [
    ("_start=2&_end=5", [3, 4, 5]),
    ("_end=3", [1, 2, 3]),
    ("_start=2&_limit=3", [3, 4, 5]),
    ("_limit=3", [1, 2, 3]),
    ("_limit=0", []),
    ("_limit=-1", [1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ("_limit=abc", []),
    ("_end=abc", []),
    ("_end=-2", [1, 2, 3, 4, 5, 6, 7, 8]),
    ("_start=-3&_end=10", [8, 9, 10]),
    ("_start=-3&_limit=2", [8, 9]),
    ("_start=abc&_end=2", [1, 2]),
    ("_start=5&_end=2", []),
    ("_start=2&_end=5&_limit=1", [3, 4, 5]),
    ("_start=8&_end=100", [9, 10]),
    ("_limit=3&_limit=5", [1, 2, 3]),
    ("q=a&_limit=2", [1, 2]),
]


@pytest.mark.parametrize(("query", "expected"), SLICES)
def test_slices_follow_lodash_slice_and_report_the_total(
    client_for: ClientFor, query: str, expected: list[int]
) -> None:
    response = client_for("main").get(f"/patients?{query}")
    assert [record["id"] for record in response.json()] == expected
    assert response.headers["x-total-count"] == "10"
    assert response.headers["access-control-expose-headers"] == "X-Total-Count"
    assert "link" not in response.headers


@pytest.mark.parametrize("query", ["_start=2", "_end=", "_limit="])
def test_start_alone_or_empty_bounds_neither_slice_nor_count(
    client_for: ClientFor, query: str
) -> None:
    response = client_for("main").get(f"/patients?{query}")
    assert [record["id"] for record in response.json()] == ALL
    assert "x-total-count" not in response.headers


def test_total_counts_matches_after_filters_before_slicing(client_for: ClientFor) -> None:
    response = client_for("main").get("/patients?gender=male&_sort=age&_start=1&_end=3")
    assert [record["id"] for record in response.json()] == [4, 8]
    assert response.headers["x-total-count"] == "5"


# -- §10 sorting ---------------------------------------------------------------------------------

SORTS = [
    ("_sort=age", [3, 10, 5, 1, 9, 4, 8, 2, 6, 7]),
    ("_sort=age&_order=asc", [3, 10, 5, 1, 9, 4, 8, 2, 6, 7]),
    ("_sort=age&_order=xyz", [3, 10, 5, 1, 9, 4, 8, 2, 6, 7]),
    ("_sort=age&_order=desc", [7, 6, 2, 8, 4, 9, 1, 5, 10, 3]),
    ("_sort=age&_order=DESC", [7, 6, 2, 8, 4, 9, 1, 5, 10, 3]),
    ("_sort=name", [1, 3, 4, 5, 6, 7, 8, 9, 2, 10]),
    ("_sort=name&_order=desc", [10, 2, 9, 8, 7, 6, 5, 4, 3, 1]),
    ("_sort=address.city", [5, 9, 1, 2, 6, 4, 8, 7, 10, 3]),
    ("_sort=gender,age", [3, 5, 1, 9, 7, 10, 4, 8, 2, 6]),
    ("_sort=gender,age&_order=desc", [10, 4, 8, 2, 6, 3, 5, 1, 9, 7]),
    ("_sort=gender,age&_order=asc,desc", [7, 9, 1, 5, 3, 6, 2, 8, 4, 10]),
    ("_sort=active", [10, 9, 1, 2, 3, 4, 5, 6, 7, 8]),
    ("_sort=active&_order=desc", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    ("_sort=notes", [8, 1, 2, 3, 4, 5, 6, 7, 9, 10]),
    ("_sort=notes&_order=desc", [1, 2, 3, 4, 5, 6, 7, 9, 10, 8]),
    ("_sort=unknown", ALL),
    ("_sort=", ALL),
    ("_sort=%20age", ALL),
    ("_order=desc", ALL),
    ("_sort=conditions", [3, 8, 1, 10, 7, 4, 2, 6, 5, 9]),
    ("_sort=bloodType,id&_order=desc,desc", [2, 9, 6, 7, 3, 8, 4, 5, 10, 1]),
    ("_sort=age,&_order=desc", [7, 6, 2, 8, 4, 9, 1, 5, 10, 3]),
    ("_sort=admittedAt&_order=desc", [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]),
]


@pytest.mark.parametrize(("query", "expected"), SORTS)
def test_sorting_follows_lodash_order_by_with_code_unit_strings(
    client_for: ClientFor, query: str, expected: list[int]
) -> None:
    assert ids(client_for("main"), query) == expected


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        ("string", ["p-1", "p-10", "p-2", "p-3", "p-4", "p-5", "p-6", "p-7", "p-8", "p-9"]),
        ("numstr", ["1", "10", "2", "3", "4", "5", "6", "7", "8", "9"]),
    ],
)
def test_string_ids_sort_lexicographically(
    client_for: ClientFor, seed: str, expected: list[str]
) -> None:
    assert ids(client_for(seed), "_sort=id") == expected


# -- where json-server answers 500: 400 with our JSON error --------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "name_like=(",
        "q[a]=b",
        "_sort=gender&_sort=age",
        "_sort=age&_order=desc&_order=asc",
        "_expand=patient",
    ],
)
def test_queries_json_server_crashes_on_are_invalid_query_errors(
    client_for: ClientFor, query: str
) -> None:
    response = client_for("main").get(f"/patients?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_query"
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_invalid_query_errors_do_not_repeat_the_query(client_for: ClientFor) -> None:
    response = client_for("main").get("/patients?name_like=(Alice-secret")
    assert response.status_code == 400
    assert "Alice-secret" not in response.text


def test_hostile_query_text_is_only_data(client_for: ClientFor) -> None:
    client = client_for("main")
    hostile = "x%27);%20DROP%20TABLE%20patients;%20--"
    for query in (f"name={hostile}", f"{hostile}=1", f"_sort={hostile}", f"q={hostile}"):
        assert client.get(f"/patients?{query}").status_code == 200
    assert len(ids(client, "")) == 10


# -- §12 relations when db.json holds only patients -----------------------------------------------


def test_embed_of_another_collection_adds_an_empty_array_at_the_end(
    client_for: ClientFor,
) -> None:
    response = client_for("main").get("/patients?id=1&_embed=visits")
    assert response.text.endswith(',"visits":[]}]')
    assert response.json()[0] == {**MAIN[0], "visits": []}


def test_embed_values_are_never_split_on_commas(client_for: ClientFor) -> None:
    record = client_for("main").get("/patients?id=1&_embed=visits,doctors").json()[0]
    assert record["visits,doctors"] == []


def test_repeated_embeds_add_each_key_in_order(client_for: ClientFor) -> None:
    record = client_for("main").get("/patients?id=1&_embed=visits&_embed=doctors").json()[0]
    assert list(record)[-2:] == ["visits", "doctors"]


def test_embed_of_an_existing_field_replaces_it_in_place(client_for: ClientFor) -> None:
    record = client_for("main").get("/patients?id=1&_embed=name").json()[0]
    assert list(record) == list(MAIN[0])
    assert record["name"] == []


def test_expand_of_a_missing_collection_leaves_records_unchanged(client_for: ClientFor) -> None:
    client = client_for("main")
    assert client.get("/patients?_expand=doctor").json() == MAIN


def test_embed_happens_after_slicing(client_for: ClientFor) -> None:
    records = client_for("main").get("/patients?_embed=visits&_page=2&_limit=2").json()
    assert [(record["id"], record["visits"]) for record in records] == [(3, []), (4, [])]


def test_embed_patients_embeds_those_whose_patient_id_strictly_equals_the_id(
    client_for: ClientFor,
) -> None:
    records = client_for("family").get("/patients?_embed=patients").json()
    assert [[child["id"] for child in record["patients"]] for record in records] == [
        [2],
        [],
        [],
        [],
    ]


def test_expand_patient_replaces_the_reference_with_the_patient(client_for: ClientFor) -> None:
    client = client_for("family")
    records = client.get("/patients?id=2&id=3&id=4&_expand=patient").json()
    assert [record.get("patient", {}).get("name") for record in records] == [
        "Parent",
        "Parent",
        None,
    ]
    assert "patient" not in records[2]


def test_expand_patient_fails_when_a_listed_record_has_no_reference(
    client_for: ClientFor,
) -> None:
    response = client_for("family").get("/patients?_expand=patient")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_query"


# -- deliberate differences ------------------------------------------------------------------------


def test_jsonp_callback_is_answered_as_plain_json(client_for: ClientFor) -> None:
    response = client_for("main").get("/patients?callback=cb&id=1")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json()[0]["id"] == 1


def test_delay_is_neither_a_filter_nor_honoured(client_for: ClientFor) -> None:
    assert ids(client_for("main"), "_delay=200000&id=1") == [1]


def test_records_keep_their_stored_json_text(client_for: ClientFor) -> None:
    client = client_for("main")
    listed = client.get("/patients?gender=male&_sort=age").text
    singles = [client.get(f"/patients/{i}").text for i in (10, 4, 8, 2, 6)]
    assert listed == "[" + ",".join(singles) + "]"


def test_a_list_query_that_runs_too_long_is_cancelled_as_invalid(database_url: str) -> None:
    base = database_url.rsplit("/", 1)[0] + "/postgres"
    with temporary_database(base, prefix="patients_queries_timeout") as url:
        # Loading 20,000 records takes seconds on a busy machine: only list queries are timed.
        settings = make_settings(
            database_url=url, db_list_timeout_ms=1, db_statement_timeout_ms=120_000
        )
        records = [make_patient(id=i, name=f"Patient {i}") for i in range(1, 20001)]
        insert_records(settings, records)
        with TestClient(create_app(settings)) as client:
            response = client.get("/patients?q=zzz&name_like=x$&_sort=email&_page=2")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_query"
    assert "cancelled" in response.json()["error"]["message"]
