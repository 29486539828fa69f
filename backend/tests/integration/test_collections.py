"""Every top-level key of a db.json is a resource: collections, singular resources, relations
between them, nested routes and `GET /db`, on real PostgreSQL. The contract suite compares the
same behaviour with json-server 0.17.4 request by request; these tests pin the service's own
decisions (no cascade by default, 4xx where json-server answers 500)."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.query import build_list_statement, build_presence_statement, parse_list_query
from app.services import records
from tests.support.database import load_document
from tests.support.settings import make_settings

JSON = {"Content-Type": "application/json"}
CLINIC: dict[str, Any] = {
    "patients": [
        {"id": 1, "name": "Ana Lima", "doctorId": 1, "wardId": "w1"},
        {"id": 2, "name": "Ben Okafor", "doctorId": 2, "wardId": "w2"},
        {"id": 3, "name": "Chen Wei", "doctorId": 1, "wardId": "w1"},
        {"id": 4, "name": "Dara Novak", "doctorId": "3", "wardId": "w2"},
    ],
    "doctors": [
        {"id": 1, "name": "Dr. House"},
        {"id": 2, "name": "Dr. Grey"},
        {"id": 3, "name": "Dr. Quinn"},
    ],
    "Wards": [{"id": "w1", "name": "North"}, {"id": "w2", "name": "South"}],
    "appointments": [
        {"id": 1, "patientId": 1, "doctorId": 1},
        {"id": 2, "patientId": 1, "doctorId": 2},
        {"id": 3, "patientId": "3", "doctorId": 3},
        {"id": 4, "patientId": 99, "doctorId": 2},
    ],
    "clinic": {"name": "City Clinic", "doctorId": 2},
}


@pytest.fixture
def clinic(client: TestClient, database_url: str) -> TestClient:
    load_document(database_url, json.dumps(CLINIC).encode())
    return client


@pytest.fixture
def cascading(database_url: str) -> Iterator[TestClient]:
    load_document(database_url, json.dumps(CLINIC).encode())
    settings = make_settings(database_url=database_url, cascade_deletes=True)
    with TestClient(create_app(settings)) as client:
        yield client


def ids(response: Any) -> list[Any]:
    return [record["id"] for record in response.json()]


def test_every_array_is_a_collection_found_in_any_case(clinic: TestClient) -> None:
    assert ids(clinic.get("/doctors")) == [1, 2, 3]
    assert ids(clinic.get("/wards")) == ["w1", "w2"]
    assert clinic.get("/WARDS/w2").json() == {"id": "w2", "name": "South"}
    assert clinic.get("/wards/W2").status_code == 404  # ids keep their case


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_a_name_that_is_no_resource_is_404_for_every_method(
    clinic: TestClient, method: str
) -> None:
    for path in ("/nurses", "/nurses/1"):
        response = clinic.request(method, path, json={})
        assert (response.status_code, response.json()) == (404, {})


def test_each_collection_has_its_own_id_rule(clinic: TestClient) -> None:
    assert clinic.post("/doctors", json={"name": "New"}).json() == {"name": "New", "id": 4}
    ward = clinic.post("/wards", json={"name": "East"})
    assert ward.status_code == 201
    assert isinstance(ward.json()["id"], str)
    assert len(ward.json()["id"]) == 7
    assert ward.headers["location"].endswith(f"/wards/{ward.json()['id']}")
    # The same id in another collection is no duplicate.
    assert clinic.post("/patients", json={"id": 4, "name": "x"}).status_code == 409
    assert clinic.post("/doctors", json={"id": "w1"}).status_code == 201


def test_a_singular_resource_is_read_replaced_merged_and_never_deleted(
    clinic: TestClient,
) -> None:
    assert clinic.get("/clinic?name=nope&_page=1").json() == CLINIC["clinic"]
    assert clinic.get("/clinic/1").status_code == 404
    assert clinic.delete("/clinic").status_code == 404
    merged = clinic.patch("/clinic", json={"city": "Porto", "doctorId": None})
    assert merged.json() == {"name": "City Clinic", "doctorId": None, "city": "Porto"}
    posted = clinic.post("/Clinic/", json={"name": "Posted"})
    assert posted.status_code == 201
    assert posted.headers["location"] == "http://testserver/Clinic/"
    assert clinic.put("/clinic", json={"id": 7}).json() == {"id": 7}
    assert clinic.put("/doctors", json={}).status_code == 404


def test_embed_is_strict_and_expand_compares_as_strings(clinic: TestClient) -> None:
    three = clinic.get("/patients/3?_embed=appointments").json()
    assert three["appointments"] == []  # appointment 3 refers to "3", not 3
    four = clinic.get("/patients/4?_expand=doctor").json()
    assert four["doctor"] == {"id": 3, "name": "Dr. Quinn"}
    orphan = clinic.get("/appointments/4?_expand=patient&_expand=doctor").json()
    assert "patient" not in orphan
    assert orphan["doctor"]["id"] == 2
    assert clinic.get("/patients/1?_embed=nothing").json()["nothing"] == []
    assert "ward" not in clinic.get("/patients/1?_expand=ward").json()  # no `wards` key


def test_embedded_keys_come_before_expanded_keys_and_pages_count_parents(
    clinic: TestClient,
) -> None:
    response = clinic.get("/patients?_expand=doctor&_embed=appointments&_page=1&_limit=2")
    assert response.headers["x-total-count"] == "4"
    first = response.json()[0]
    assert list(first)[-2:] == ["appointments", "doctor"]
    assert ids(clinic.get("/doctors/1/patients")) == [1, 3]


def test_expand_of_a_record_without_the_reference_is_a_400_not_a_500(
    clinic: TestClient,
) -> None:
    response = clinic.get("/patients/1?_expand=Ward")  # Wards exists; no patient has WardId
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_query"


def test_nested_routes_filter_by_the_typed_parent_name_and_post_a_string_key(
    clinic: TestClient,
) -> None:
    assert ids(clinic.get("/patients/3/appointments")) == [3]
    assert ids(clinic.get("/wards/w1/patients")) == [1, 3]
    assert len(clinic.get("/Wards/w1/patients").json()) == 4  # WardId: no record has it
    assert clinic.get("/patients/1/clinic").json() == CLINIC["clinic"]
    created = clinic.post("/patients/2/appointments", json={"doctorId": 1})
    assert created.json() == {"doctorId": 1, "patientId": "2", "id": 5}
    assert created.headers["location"] == "http://testserver/patients/2/appointments/5"
    assert clinic.get("/patients/1/invoices").status_code == 404
    assert clinic.get("/patients/1/appointments/1").status_code == 404


def test_get_db_keeps_the_key_order_and_the_writes(clinic: TestClient) -> None:
    clinic.post("/doctors", json={"name": "Dr. New"})
    clinic.patch("/clinic", json={"beds": 4})
    database = clinic.get("/db").json()
    assert list(database) == ["patients", "doctors", "Wards", "appointments", "clinic"]
    assert database["doctors"][-1] == {"name": "Dr. New", "id": 4}
    assert database["clinic"] == {"name": "City Clinic", "doctorId": 2, "beds": 4}


def test_deleting_a_doctor_keeps_the_records_that_name_them(clinic: TestClient) -> None:
    assert clinic.delete("/doctors/1").status_code == 200
    assert ids(clinic.get("/patients")) == [1, 2, 3, 4]
    assert ids(clinic.get("/appointments")) == [1, 2, 3, 4]


def test_cascade_deletes_every_orphan_in_one_pass_when_turned_on(
    cascading: TestClient,
) -> None:
    assert cascading.delete("/doctors/1").status_code == 200
    # Patients 1 and 3 named doctor 1; appointment 1 too; appointment 4's patient 99 never
    # existed. Appointments of patients 1 and 3 survive this pass.
    assert ids(cascading.get("/patients")) == [2, 4]
    assert ids(cascading.get("/appointments")) == [2, 3]
    # The next DELETE, even a 404, sweeps what the first one orphaned.
    assert cascading.delete("/doctors/99").status_code == 404
    assert ids(cascading.get("/appointments")) == []
    assert cascading.get("/clinic").json()["doctorId"] == 2  # singulars are never swept


def test_no_new_id_after_two_to_the_53_is_a_409_and_the_service_keeps_serving(
    client: TestClient,
) -> None:
    assert (
        client.post("/patients", content=b'{"id": 9007199254740992.0}', headers=JSON).status_code
        == 201
    )
    assert client.post("/patients", json={"id": "a"}).status_code == 201
    refused = client.post("/patients", json={"name": "x"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "id_unassignable"
    assert client.post("/patients", json={"id": 5, "name": "y"}).status_code == 201


def test_an_integer_max_id_at_two_to_the_53_is_refused_in_one_statement(
    client: TestClient,
) -> None:
    assert client.post("/patients", json={"id": 2**53}).status_code == 201
    assert client.post("/patients", json={"name": "x"}).json()["error"]["code"] == (
        "id_unassignable"
    )


def test_text_postgresql_cannot_hold_is_stored_and_queries_see_u_fffd(
    client: TestClient,
) -> None:
    body = '{"id":"a\\u0000b","name":"x\\ud800y"}'
    created = client.post("/patients", content=body.encode(), headers=JSON)
    assert created.status_code == 201
    assert created.text == body
    assert created.headers["location"] == "http://testserver/patients/a%00b"
    assert client.get("/patients/a%00b").text == body
    assert client.get("/patients?name=x%EF%BF%BDy").text == f"[{body}]"
    assert client.get("/db").text == f'{{"patients":[{body}]}}'


def test_a_collection_imported_into_a_running_service_is_served_at_once(
    client: TestClient, database_url: str
) -> None:
    assert client.get("/nurses").status_code == 404
    load_document(database_url, b'{"patients": [], "nurses": [{"id": 1}]}')
    assert client.get("/nurses").json() == [{"id": 1}]


def test_a_write_to_one_collection_leaves_the_others_answers_reusable(
    clinic: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[str] = []
    compute = records._select

    async def counted(store: Any, catalog: Any, collection: str, *rest: Any) -> Any:
        computed.append(collection)
        return await compute(store, catalog, collection, *rest)

    monkeypatch.setattr(records, "_select", counted)
    paths = ("/doctors", "/appointments", "/patients?_expand=doctor")
    for _ in range(2):
        for path in paths:
            clinic.get(path)
    assert computed == ["doctors", "appointments", "patients"]
    clinic.post("/appointments", json={"patientId": 1})
    for path in paths:
        clinic.get(path)
    assert computed[3:] == ["appointments"]
    clinic.patch("/doctors/1", json={"name": "Dr. Gregory House"})
    expanded = clinic.get("/patients?_expand=doctor").json()
    assert computed[4:] == ["patients"]  # an expansion reads doctors: recomputed
    assert expanded[0]["doctor"]["name"] == "Dr. Gregory House"


MIXED_AGES: list[Any] = [
    "34",
    12,
    "abc",
    None,
    "9",
    True,
    [3],
    "12",
    100,
    {"a": 1},
    "",
    " 7 ",
    "0x10",
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [  # each order as json-server 0.17.4 (lodash orderBy under Node 20's sort) answers it
        ("_sort=age", [12, 13, 8, 2, 14, 9, 1, 6, 11, 3, 7, 10, 5, 4]),
        ("_sort=age&_order=desc", [4, 5, 10, 6, 1, 2, 3, 11, 8, 9, 14, 13, 7, 12]),
        ("_sort=age&_page=2&_limit=4", [14, 9, 1, 6]),
        ("_sort=age,id&_order=desc,asc", [4, 5, 10, 6, 1, 2, 3, 11, 8, 9, 14, 13, 7, 12]),
        ("age_gte=10&_sort=age", [8, 2, 9, 1, 6, 11, 3, 10]),
    ],
)
def test_a_sort_field_mixing_numbers_and_strings_sorts_as_lodash_does(
    client: TestClient, database_url: str, query: str, expected: list[int]
) -> None:
    patients: list[dict[str, Any]] = [{"id": 1, "age": MIXED_AGES[0]}, {"id": 2, "age": 12}]
    patients += [{"id": 3, "age": "abc"}, {"id": 4}]
    patients += [{"id": n, "age": age} for n, age in enumerate(MIXED_AGES[3:], start=5)]
    load_document(database_url, json.dumps({"patients": patients}).encode())
    response = client.get(f"/patients?{query}")
    assert ids(response) == expected
    if "_page" in query:
        assert response.headers["x-total-count"] == "14"


def test_an_unfiltered_page_takes_its_total_from_the_kept_count(
    client: TestClient, database_url: str
) -> None:
    load_document(database_url, json.dumps({"patients": [{"id": n} for n in range(1, 8)]}).encode())
    client.post("/patients", json={"name": "eighth"})
    client.delete("/patients/2")
    page = client.get("/patients?_page=2&_limit=3")
    assert page.headers["x-total-count"] == "7"
    assert ids(page) == [5, 6, 7]
    # `_page` stays a filter in json-server, dropped because no record has the field.
    query = parse_list_query("_page=2&_limit=3").keeping_present([False])
    statement = build_list_statement("patients", query)
    assert "count(*) AS n FROM records" not in statement.text
    assert "sum(records), 0) AS n FROM collection_versions" in statement.text


def test_a_filter_is_dropped_exactly_when_the_last_record_with_its_field_goes(
    client: TestClient, database_url: str
) -> None:
    load_document(database_url, b'{"patients": [{"id": 1}, {"id": 2, "ward": "w1"}, {"id": 3}]}')
    assert ids(client.get("/patients?ward=w9")) == []  # some record has `ward`: applied
    client.put("/patients/2", json={"name": "moved"})  # the last `ward` goes
    assert ids(client.get("/patients?ward=w9")) == [1, 2, 3]  # no record has it: dropped
    client.post("/patients", json={"ward": "w2"})
    assert ids(client.get("/patients?ward=w9")) == []
    client.delete("/patients/4")
    assert ids(client.get("/patients?ward=w9")) == [1, 2, 3]
    presence = build_presence_statement("patients", parse_list_query("ward=w9"))
    assert presence is not None
    assert "collection_fields" in presence.text
    assert "FROM records" not in presence.text  # a read of the kept counts, no scan


def test_a_deep_page_of_a_whole_collection_starts_from_the_index(
    client: TestClient, database_url: str
) -> None:
    document = {"doctors": [{"id": 1}], "patients": [{"id": n} for n in range(1, 31)]}
    load_document(database_url, json.dumps(document).encode())
    for gone in (3, 4, 12):
        client.delete(f"/patients/{gone}")
    page = client.get("/patients?_page=3&_limit=5")
    assert ids(page) == [14, 15, 16, 17, 18]  # gaps in seq do not shift the page
    assert page.headers["x-total-count"] == "27"
    assert ids(client.get("/patients?_start=25&_end=40")) == [29, 30]
    assert ids(client.get("/patients?_page=9&_limit=5")) == []
    query = parse_list_query("_page=3&_limit=5").keeping_present([False])
    assert "OFFSET" in build_list_statement("patients", query).text.split("p.seq >= ")[1]
