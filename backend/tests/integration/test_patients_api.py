"""The /patients endpoints of the foundation, against a real database."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.factories import make_patient


def ordered(text: str) -> Any:
    """Parse JSON keeping key order visible (objects become lists of pairs)."""
    return json.loads(text, object_pairs_hook=lambda pairs: pairs)


def test_list_is_empty_array_on_empty_collection(client: TestClient) -> None:
    response = client.get("/patients")
    assert response.status_code == 200
    assert response.json() == []
    assert "x-total-count" not in response.headers


def test_list_returns_records_in_insertion_order(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=3, name="C"), make_patient(id=1, name="A"), make_patient(id=2)])
    assert [p["id"] for p in client.get("/patients").json()] == [3, 1, 2]


def test_get_by_id_returns_the_stored_record(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1), make_patient(id=2, name="Bob")])
    response = client.get("/patients/2")
    assert response.status_code == 200
    assert response.json() == make_patient(id=2, name="Bob")


def test_get_unknown_id_is_404_with_empty_object(client: TestClient) -> None:
    response = client.get("/patients/999")
    assert response.status_code == 404
    assert response.text == "{}"
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_get_finds_string_id_by_its_string_form(client: TestClient, seed: Any) -> None:
    seed([make_patient(id="1", name="String one")])
    assert client.get("/patients/1").json()["name"] == "String one"


def test_get_does_not_match_other_spellings_of_the_number(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1)])
    assert client.get("/patients/01").status_code == 404
    assert client.get("/patients/1.0").status_code == 404


def test_post_without_id_gets_max_numeric_id_plus_one(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=5), make_patient(id=50), make_patient(id=7)])
    response = client.post("/patients", json={"name": "New"})
    assert response.status_code == 201
    assert response.json() == {"name": "New", "id": 51}


def test_post_on_empty_collection_gets_id_one(client: TestClient) -> None:
    assert client.post("/patients", json={"name": "First"}).json()["id"] == 1


def test_post_keeps_body_key_order_and_appends_generated_id(client: TestClient) -> None:
    body = '{"zeta":1,"alpha":{"y":2,"x":[3,{"b":1,"a":2}]},"name":"Zoë 患者"}'
    response = client.post("/patients", content=body, headers={"content-type": "application/json"})
    expected = '{"zeta":1,"alpha":{"y":2,"x":[3,{"b":1,"a":2}]},"name":"Zoë 患者","id":1}'
    assert ordered(response.text) == ordered(expected)
    assert ordered(client.get("/patients/1").text) == ordered(expected)


def test_post_keeps_unknown_fields_and_odd_types(client: TestClient) -> None:
    record = {
        "age": "34",
        "phone": 5550101,
        "nothing": None,
        "flag": False,
        "zero": 0,
        "empty": "",
        "list": [],
        "obj": {},
        "big": 123456789012345678901234567890,
        "float": 100.25,
    }
    created = client.post("/patients", json=record).json()
    assert created == {**record, "id": 1}
    assert client.get("/patients/1").json() == {**record, "id": 1}


def test_post_keeps_given_id_and_its_type(client: TestClient) -> None:
    assert client.post("/patients", json={"id": "abc", "name": "S"}).json()["id"] == "abc"
    assert client.post("/patients", json={"id": 100.5}).json()["id"] == 100.5


def test_post_replaces_falsy_id_in_its_original_position(client: TestClient) -> None:
    for falsy in (0, None, "", False):
        response = client.post("/patients", json={"id": falsy, "name": "x"})
        assert list(response.json()) == ["id", "name"]
        assert isinstance(response.json()["id"], int)


def test_post_after_float_max_increments_the_float(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=100.5)])
    assert client.post("/patients", json={}).json()["id"] == 101.5


def test_post_with_string_ids_only_gets_a_seven_character_string_id(
    client: TestClient, seed: Any
) -> None:
    seed([make_patient(id="p-1"), make_patient(id="p-2")])
    new_id = client.post("/patients", json={"name": "n"}).json()["id"]
    assert isinstance(new_id, str)
    assert len(new_id) == 7


def test_post_with_numeric_looking_string_ids_gets_a_string_id(
    client: TestClient, seed: Any
) -> None:
    seed([make_patient(id="1"), make_patient(id="2")])
    new_id = client.post("/patients", json={}).json()["id"]
    assert isinstance(new_id, str)
    assert len(new_id) == 7


def test_post_with_string_id_after_numbers_still_increments(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1), make_patient(id=2), make_patient(id="s1")])
    assert client.post("/patients", json={}).json()["id"] == 3


def test_post_with_string_id_first_gets_a_string_id(client: TestClient, seed: Any) -> None:
    seed([make_patient(id="abc"), make_patient(id=2)])
    assert isinstance(client.post("/patients", json={}).json()["id"], str)


def test_post_reuses_the_max_id_after_it_is_gone(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1)])
    assert client.post("/patients", json={}).json()["id"] == 2


def test_post_sets_location_and_exposes_it(client: TestClient) -> None:
    response = client.post("/patients", json={"name": "n"})
    assert response.headers["location"] == "http://testserver/patients/1"
    assert response.headers["access-control-expose-headers"] == "Location"


def test_post_location_keeps_the_request_url_as_sent(client: TestClient) -> None:
    response = client.post("/patients?foo=bar", json={})
    assert response.headers["location"] == "http://testserver/patients?foo=bar/1"
    response = client.post("/Patients/", json={})
    assert response.headers["location"] == "http://testserver/Patients//2"


def test_post_duplicate_id_is_409_and_stores_nothing(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1, name="Original")])
    for duplicate in (1, "1"):
        response = client.post("/patients", json={"id": duplicate, "name": "Dup"})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "duplicate_id"
    assert client.get("/patients").json() == [make_patient(id=1, name="Original")]


def test_post_malformed_json_is_400_with_json_error(client: TestClient) -> None:
    response = client.post(
        "/patients", content=b'{"name":', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json"
    assert error["status"] == 400
    assert "line 1 column 9" in error["message"]
    assert client.get("/patients").json() == []


def test_post_blank_json_body_is_400(client: TestClient) -> None:
    response = client.post(
        "/patients", content=b"  \n", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


def test_post_blank_body_without_content_type_creates_an_id_only_record(
    client: TestClient,
) -> None:
    response = client.post("/patients", content=b" ")
    assert (response.status_code, response.json()) == (201, {"id": 1})


def test_post_body_that_is_not_an_object_is_400(client: TestClient) -> None:
    for body in (b'[{"name":"in array"}]', b'"hello"', b"42", b"null"):
        response = client.post(
            "/patients", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "body_not_object"
    assert client.get("/patients").json() == []


def test_post_id_that_is_not_number_or_string_is_400(client: TestClient) -> None:
    for bad_id in (True, [1], {"a": 1}):
        response = client.post("/patients", json={"id": bad_id})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_id"


def test_post_non_finite_number_is_400(client: TestClient) -> None:
    response = client.post(
        "/patients", content=b'{"age": 1e400}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "number_out_of_range"
    response = client.post(
        "/patients", content=b'{"age": NaN}', headers={"content-type": "application/json"}
    )
    assert response.json()["error"]["code"] == "malformed_json"


def test_post_body_over_one_mebibyte_is_413(client: TestClient) -> None:
    big = json.dumps({"notes": "x" * (1024 * 1024)})
    response = client.post("/patients", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert client.get("/patients").json() == []


def test_post_streamed_body_over_the_limit_is_413(client: TestClient) -> None:
    def chunks() -> Any:
        for _ in range(17):
            yield b" " * 65536

    response = client.post(
        "/patients", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_post_non_json_content_type_is_415_and_stores_nothing(client: TestClient) -> None:
    response = client.post(
        "/patients", content=b'{"name":"x"}', headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert client.get("/patients").json() == []


def test_post_non_utf8_charset_is_415(client: TestClient) -> None:
    response = client.post(
        "/patients",
        content=b'{"name":"x"}',
        headers={"content-type": "application/json; charset=latin1"},
    )
    assert response.status_code == 415


def test_post_vendor_json_type_is_parsed_as_json(client: TestClient) -> None:
    response = client.post(
        "/patients",
        content=b'{"name":"x"}',
        headers={"content-type": "application/vnd.api+json; charset=utf-8"},
    )
    assert response.json() == {"name": "x", "id": 1}


def test_post_invalid_utf8_json_is_400(client: TestClient) -> None:
    response = client.post(
        "/patients", content=b'{"name":"\xff"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


def test_post_form_stores_string_values(client: TestClient) -> None:
    response = client.post(
        "/patients",
        content=b"name=Form+Person&age=33&address[city]=X&tag=a&tag=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.json() == {
        "name": "Form Person",
        "age": "33",
        "address[city]": "X",
        "tag": ["a", "b"],
        "id": 1,
    }


def test_post_without_body_creates_a_record_with_only_an_id(client: TestClient) -> None:
    response = client.post("/patients")
    assert response.status_code == 201
    assert response.json() == {"id": 1}


def test_text_postgresql_cannot_hold_is_stored_as_sent_by_every_write(
    client: TestClient, seed: Any
) -> None:
    seed([make_patient(id=1)])
    for body in (b'{"a":"x\\u0000y"}', b'{"a\\u0000":1}', b'{"a":"\\ud800"}'):
        for method, path in (("PUT", "/patients/1"), ("POST", "/patients")):
            response = client.request(
                method, path, content=body, headers={"content-type": "application/json"}
            )
            assert response.status_code in (200, 201), (method, body)
            assert response.text.startswith(body[:-1].decode()), (method, body)
    form = client.post(
        "/patients",
        content=b"name=a%00b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 201
    assert form.text.startswith('{"name":"a\\u0000b"')


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/patients/%00", 404),
        ("PUT", "/patients/%00", 404),
        ("DELETE", "/patients/%00", 404),
        ("GET", "/patients?q=%00", 200),
    ],
)
def test_a_nul_in_an_id_or_query_is_an_answer_not_a_database_outage(
    client: TestClient, seed: Any, method: str, path: str, status: int
) -> None:
    seed([make_patient(id=1)])
    response = client.request(method, path, json={} if method == "PUT" else None)
    assert response.status_code == status
    if status == 200:
        assert response.json() == []
