"""A list whose plain filters the catalog can decide (top-level fields) is one statement, in one
round trip; the catalog's fields are trusted only at the versions they were read with."""

import asyncio
import json
from typing import Any

from fastapi.testclient import TestClient

from app.config import Settings
from app.query import NO_RELATIONS, parse_list_query
from app.services import records
from app.store import Store
from scripts.bench_plans import recorded_statements
from tests.support.database import load_document

PATIENTS = [{"id": 1, "ward": "w1", "name": "Ann"}, {"id": 2, "name": "Bob"}]


def _texts(seen: list[tuple[Any, Any]]) -> list[str]:
    return [query if isinstance(query, str) else str(query) for query, _params in seen]


def test_a_list_with_top_level_filters_is_one_statement_after_the_catalog(
    client: TestClient, database_url: str
) -> None:
    load_document(database_url, json.dumps({"patients": PATIENTS}).encode())
    with recorded_statements() as seen:
        response = client.get("/patients?ward=w1&name=Ann&_page=1&_limit=5")
    assert [record["id"] for record in response.json()] == [1]
    assert response.headers["x-total-count"] == "1"
    texts = _texts(seen)
    assert len(texts) == 3  # the catalog, the list's settings, the list
    assert "collection_fields" in texts[0]  # the fields come with the catalog
    assert not any("SET TRANSACTION" in text or "AS present0" in text for text in texts)


def test_a_deep_path_still_asks_whether_any_record_has_it(
    client: TestClient, database_url: str
) -> None:
    load_document(database_url, json.dumps({"patients": PATIENTS}).encode())
    with recorded_statements() as seen:
        response = client.get("/patients?address.city=Boston")
    assert [record["id"] for record in response.json()] == [1, 2]  # no record has the path
    assert any("AS present0" in text for text in _texts(seen))


def test_fields_read_before_a_write_are_not_trusted_after_it(
    settings: Settings, database_url: str
) -> None:
    """The only record with `ward` goes between the catalog's read and the list: json-server
    then ignores `ward=w9`, and so does the answer, though the catalog said the field exists."""
    load_document(database_url, json.dumps({"patients": PATIENTS}).encode())

    async def run() -> bytes:
        store = Store(settings)
        await store.pool.open(wait=True)
        try:
            catalog = await store.catalog()
            patients = catalog.get("patients")
            assert patients is not None
            assert patients.fields is not None
            assert "ward" in patients.fields
            async with store.pool.connection() as conn:
                await conn.execute(
                    "DELETE FROM records WHERE collection = 'patients' AND id_key = '1'"
                )
            answer = await records.list_records(
                store, catalog, "patients", parse_list_query("ward=w9"), NO_RELATIONS
            )
            return answer.body
        finally:
            await store.close()

    assert json.loads(asyncio.run(run())) == [{"id": 2, "name": "Bob"}]
