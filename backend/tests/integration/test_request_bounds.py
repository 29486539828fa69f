"""Requests that used to cost a 500 or a 503 are refused or answered, never failed: numbers
beyond Python's conversion limit, huge hex numbers, deeply nested regexes, non-ASCII ids in
`Location`, and queries past the service's bounds, each a JSON error with the CORS headers."""

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.support.database import libpq_url
from tests.support.factories import make_patient
from tests.support.settings import make_settings

ORIGIN = "http://localhost:5173"
JSON = {"Content-Type": "application/json"}


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.json()["error"]["status"] == status
    assert response.json()["error"]["code"] == code


def count_patients(settings: Settings) -> int:
    with psycopg.connect(libpq_url(settings.sqlalchemy_url())) as conn:
        row = conn.execute("SELECT count(*) FROM records WHERE collection = 'patients'").fetchone()
    assert row is not None
    return int(row[0])


def test_an_integer_beyond_the_digit_limit_is_refused_with_a_json_400(
    client: TestClient, settings: Settings
) -> None:
    response = client.post("/patients", content=b'{"n":' + b"9" * 5000 + b"}", headers=JSON)
    assert_error(response, 400, "number_out_of_range")
    assert count_patients(settings) == 0


def test_a_long_integer_within_a_double_is_stored_exactly(client: TestClient) -> None:
    digits = "9" * 300  # JSON.parse would round it; it is kept as sent
    response = client.post("/patients", content=f'{{"n":{digits}}}'.encode(), headers=JSON)
    assert response.status_code == 201
    assert client.get("/patients/1").text == f'{{"n":{digits},"id":1}}'


@pytest.mark.parametrize("digits", [309, 900])
def test_an_integer_beyond_a_double_is_refused_with_a_json_400(
    client: TestClient, settings: Settings, digits: int
) -> None:
    response = client.post("/patients", content=b'{"n":' + b"9" * digits + b"}", headers=JSON)
    assert_error(response, 400, "number_out_of_range")
    assert count_patients(settings) == 0


@pytest.mark.parametrize("name", ["_limit", "_page", "_start", "_end"])
def test_paging_numbers_beyond_the_digit_limit_are_a_400(client: TestClient, name: str) -> None:
    response = client.get(f"/patients?{name}=" + "9" * 4301, headers={"Origin": ORIGIN})
    assert_error(response, 400, "invalid_query")
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_a_paging_number_beyond_a_double_is_infinity(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=i) for i in (1, 2, 3)])
    response = client.get("/patients?_start=1&_limit=" + "9" * 500)
    assert [record["id"] for record in response.json()] == [2, 3]
    assert response.headers["x-total-count"] == "3"


def test_a_hex_number_beyond_a_double_compares_as_infinity(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1, age=40)])
    assert client.get("/patients?age_gte=0x" + "f" * 300).json() == []
    assert [r["id"] for r in client.get("/patients?age_lte=0x" + "f" * 300).json()] == [1]


def test_a_like_pattern_nesting_too_many_groups_is_a_400(client: TestClient) -> None:
    assert_error(client.get("/patients?name_like=" + "(" * 200), 400, "invalid_query")
    balanced = "(" * 200 + "a" + ")" * 200
    assert_error(client.get("/patients?name_like=" + balanced), 400, "invalid_query")


def test_a_non_ascii_id_is_created_with_the_location_express_sends(
    client: TestClient, settings: Settings
) -> None:
    response = client.post("/patients", json={"id": "Łukasz"})
    assert response.status_code == 201
    # What json-server 0.17.4 sends (Express's encodeurl): UTF-8, percent-encoded.
    assert response.headers["location"] == "http://testserver/patients/%C5%81ukasz"
    assert client.get("/patients/%C5%81ukasz").json() == {"id": "Łukasz"}
    assert count_patients(settings) == 1


def test_location_encodes_what_a_url_may_not_hold_as_express_does(client: TestClient) -> None:
    response = client.post("/patients", json={"id": 'a b"é'})
    assert response.headers["location"] == "http://testserver/patients/a%20b%22%C3%A9"


def test_too_many_sort_fields_are_a_400_not_a_503(client: TestClient) -> None:
    fields = ",".join(f"f{i}" for i in range(600))
    assert_error(client.get(f"/patients?_sort={fields}"), 400, "invalid_query")


def test_sort_fields_up_to_the_bound_are_answered(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1), make_patient(id=2)])
    fields = ",".join(f"f{i}" for i in range(20))
    assert client.get(f"/patients?_sort={fields}").status_code == 200


def test_too_many_query_parameters_are_a_400(client: TestClient) -> None:
    query = "&".join(f"f{i}=1" for i in range(101))
    assert_error(client.get(f"/patients?{query}"), 400, "invalid_query")


@pytest.mark.parametrize("name", ["_embed", "_expand"])
def test_too_many_embed_or_expand_values_are_a_400(client: TestClient, name: str) -> None:
    query = "&".join(f"{name}=x{i}" for i in range(21))
    assert_error(client.get(f"/patients?{query}"), 400, "invalid_query")


@pytest.mark.parametrize("query", ["a" + ".a" * 16 + "=1", "_sort=" + "a" + ".a" * 16])
def test_field_paths_deeper_than_the_bound_are_a_400(client: TestClient, query: str) -> None:
    assert_error(client.get(f"/patients?{query}"), 400, "invalid_query")


def test_a_url_longer_than_the_bound_is_a_414_with_the_cors_headers(client: TestClient) -> None:
    response = client.get("/patients?q=" + "x" * 9000, headers={"Origin": ORIGIN})
    assert_error(response, 414, "uri_too_long")
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["cache-control"] == "no-cache"


def test_the_bounds_are_settings(empty_db: str) -> None:
    settings = make_settings(database_url=empty_db, max_sort_fields=2, max_url_bytes=300)
    with TestClient(create_app(settings)) as client:
        assert_error(client.get("/patients?_sort=a,b,c"), 400, "invalid_query")
        assert client.get("/patients?_sort=a,b").status_code == 200
        assert_error(client.get("/patients?q=" + "x" * 300), 414, "uri_too_long")


def test_a_form_with_too_many_parameters_is_a_413_like_body_parser(
    client: TestClient, settings: Settings
) -> None:
    body = b"&".join([b"a"] * (512 * 1024))  # 1 MiB of `a&a&...`
    response = client.post(
        "/patients", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert_error(response, 413, "too_many_parameters")
    assert count_patients(settings) == 0


def test_a_form_repeating_one_key_keeps_every_value_in_order(client: TestClient) -> None:
    body = "&".join(f"a={i}" for i in range(1000))
    response = client.post(
        "/patients", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 201
    assert response.json()["a"] == [str(i) for i in range(1000)]
