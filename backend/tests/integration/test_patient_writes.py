"""PUT, PATCH, DELETE and GET /db, as json-server answers them."""

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.support.factories import make_patient


def keys(text: str) -> list[str]:
    return [key for key, _ in json.loads(text, object_pairs_hook=lambda pairs: pairs)]


def test_put_replaces_every_field_and_appends_the_kept_id(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=2, name="Bob")])
    response = client.put("/patients/2", json={"name": "Bob Replaced", "age": 59})
    assert response.status_code == 200
    assert response.text == '{"name":"Bob Replaced","age":59,"id":2}'
    assert client.get("/patients/2").json() == {"name": "Bob Replaced", "age": 59, "id": 2}


def test_put_keeps_stored_id_at_the_body_id_position(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=2)])
    assert client.put("/patients/2", json={"id": 999, "name": "x"}).text == '{"id":2,"name":"x"}'
    assert client.put("/patients/2", json={"name": "y", "id": "2"}).text == '{"name":"y","id":2}'


def test_put_keeps_string_id_type(client: TestClient, seed: Any) -> None:
    seed([make_patient(id="p-2")])
    assert client.put("/patients/p-2", json={"name": "r"}).json() == {"name": "r", "id": "p-2"}


def test_put_without_body_wipes_the_record_to_its_id(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=3)])
    assert client.put("/patients/3").json() == {"id": 3}


def test_put_unknown_id_is_404_and_creates_nothing(client: TestClient) -> None:
    response = client.put("/patients/999", json={"name": "x"})
    assert response.status_code == 404
    assert response.text == "{}"
    assert client.get("/patients").json() == []


def test_put_keeps_the_record_position(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1), make_patient(id=2), make_patient(id=3)])
    client.put("/patients/2", json={"name": "moved?"})
    assert [p["id"] for p in client.get("/patients").json()] == [1, 2, 3]


def test_put_invalid_body_is_400_and_changes_nothing(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1)])
    response = client.put(
        "/patients/1", content=b"[1,2]", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert client.get("/patients/1").json() == make_patient(id=1)


def test_patch_is_a_shallow_merge(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=5)])
    response = client.patch("/patients/5", json={"age": 30, "address": {"city": "Dallas"}})
    assert response.status_code == 200
    assert response.json()["address"] == {"city": "Dallas"}
    assert response.json()["age"] == 30
    assert keys(response.text) == keys(json.dumps(make_patient(id=5)))


def test_patch_never_changes_the_id(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=5)])
    response = client.patch("/patients/5", json={"id": 77, "phone": "000"})
    assert response.json()["id"] == 5
    assert client.get("/patients/77").status_code == 404


def test_patch_stores_null_and_dotted_keys_literally(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=5)])
    body = client.patch("/patients/5", json={"email": None, "address.city": "x"}).json()
    assert body["email"] is None
    assert body["address.city"] == "x"
    assert keys(client.get("/patients/5").text)[-1] == "address.city"


def test_patch_unknown_id_is_404(client: TestClient) -> None:
    assert client.patch("/patients/999", json={"a": 1}).status_code == 404


def test_delete_answers_200_empty_object_then_404(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=7), make_patient(id=8)])
    first = client.delete("/patients/7")
    assert (first.status_code, first.text) == (200, "{}")
    second = client.delete("/patients/7")
    assert (second.status_code, second.text) == (404, "{}")
    assert [p["id"] for p in client.get("/patients").json()] == [8]


def test_method_override_header_turns_post_into_delete(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=8)])
    response = client.post("/patients/8", headers={"X-HTTP-Method-Override": "DELETE"})
    assert (response.status_code, response.text) == (200, "{}")
    assert client.get("/patients/8").status_code == 404


def test_method_override_query_form_is_not_supported(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=9)])
    assert client.post("/patients/9?_method=DELETE").status_code == 404
    assert client.get("/patients/9").status_code == 200


def test_post_responses_vary_on_method_override(client: TestClient) -> None:
    response = client.post("/patients", json={})
    assert response.headers["vary"] == "Origin, X-HTTP-Method-Override, Accept-Encoding"


def test_db_returns_every_collection(client: TestClient, seed: Any) -> None:
    assert client.get("/db").json() == {"patients": []}
    seed([make_patient(id=1)])
    assert client.get("/db").json() == {"patients": [make_patient(id=1)]}
