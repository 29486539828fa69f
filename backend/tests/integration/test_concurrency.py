"""Concurrent writes through several worker processes lose nothing and never share an id."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.servers import service_process

WORKERS = 3
REQUESTS = 120


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    with service_process(database_url, workers=WORKERS) as base:
        yield base


def post_all(base: str, bodies: list[dict[str, object]]) -> list[httpx.Response]:
    with httpx.Client(base_url=base, timeout=30) as http, ThreadPoolExecutor(24) as pool:
        return list(pool.map(lambda body: http.post("/patients", json=body), bodies))


def test_concurrent_posts_get_distinct_consecutive_ids_and_are_all_stored(
    server: str, empty_db: str
) -> None:
    responses = post_all(server, [{"name": f"p{n}", "n": n} for n in range(REQUESTS)])
    assert [r.status_code for r in responses] == [201] * REQUESTS
    ids = sorted(r.json()["id"] for r in responses)
    assert ids == list(range(1, REQUESTS + 1))
    stored = httpx.get(f"{server}/patients").json()
    assert sorted(p["n"] for p in stored) == list(range(REQUESTS))
    # As in json-server, which handles one request at a time, list order is id order.
    assert [p["id"] for p in stored] == ids


def test_concurrent_posts_of_one_id_store_it_once(server: str, empty_db: str) -> None:
    responses = post_all(server, [{"id": "same", "attempt": n} for n in range(20)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 19
    assert len(httpx.get(f"{server}/patients").json()) == 1


def test_concurrent_patches_of_one_record_lose_no_field(server: str, empty_db: str) -> None:
    httpx.post(f"{server}/patients", json={"id": 1})
    with httpx.Client(base_url=server, timeout=30) as http, ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda n: http.patch("/patients/1", json={f"f{n}": n}), range(40)))
    assert {r.status_code for r in results} == {200}
    record = httpx.get(f"{server}/patients/1").json()
    assert all(record[f"f{n}"] == n for n in range(40))


def test_every_worker_reads_its_own_writes(server: str, empty_db: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as http:
        for n in range(30):
            created = http.post("/patients", json={"n": n}).json()
            # A fresh connection lands on any worker; each must see the committed record.
            assert httpx.get(f"{server}/patients/{created['id']}").status_code == 200
            assert len(httpx.get(f"{server}/patients").json()) == n + 1
