"""Reused list answers are never stale: every write, by any process, is seen at once."""

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.support.database import libpq_url
from tests.support.factories import make_patient

QUERIES = ["/patients", "/patients?gender=female&_sort=name&_page=1&_limit=2", "/patients?q=female"]


@pytest.fixture
def other_instance(settings: Settings, empty_db: str) -> Iterator[TestClient]:
    """A second service instance on the same database, with a cache of its own."""
    with TestClient(create_app(settings)) as instance:
        yield instance


def answers(client: TestClient) -> list[Any]:
    return [client.get(path).json() for path in QUERIES]


def test_a_write_through_another_instance_is_seen_by_the_next_read(
    client: TestClient, other_instance: TestClient, seed: Any
) -> None:
    seed([make_patient(id=1, name="Alice", gender="female")])
    before = answers(client)
    assert answers(client) == before  # computed, then reused
    other_instance.post("/patients", json=make_patient(name="Alicia", gender="female"))
    after = answers(client)
    assert [len(a) for a in after] == [2, 2, 2]
    other_instance.patch("/patients/2", json={"name": "Bob", "gender": "male"})
    assert [len(a) for a in answers(client)] == [2, 1, 1]
    other_instance.delete("/patients/1")
    assert answers(client) == [[{**make_patient(name="Bob", gender="male"), "id": 2}], [], []]


def test_a_write_outside_the_service_is_seen_by_the_next_read(
    client: TestClient, seed: Any, database_url: str
) -> None:
    seed([make_patient(id=1, name="Alice")])
    assert len(client.get("/patients").json()) == 1
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO records (collection, id_key, id_num, document) "
            "VALUES ('patients', '2', 2, %s::json)",
            ('{"id":2,"name":"Inserted by psql"}',),
        )
    assert [p["id"] for p in client.get("/patients").json()] == [1, 2]
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute("TRUNCATE records")
    assert client.get("/patients").json() == []


def test_a_reused_answer_keeps_its_headers(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=n) for n in range(1, 6)])
    first = client.get("/patients?_page=2&_limit=2")
    second = client.get("/patients?_page=2&_limit=2", headers={"Host": "api.example.com"})
    assert second.json() == first.json()
    assert second.headers["x-total-count"] == "5"
    assert "http://api.example.com/patients?_page=1&_limit=2" in second.headers["link"]
