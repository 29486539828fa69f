"""A flood of distinct queries with empty answers stays within the answer cache's budget:
keys and per-entry overhead are counted, and the number of entries is capped."""

from fastapi.testclient import TestClient

from app.answers import ENTRY_OVERHEAD_BYTES
from app.main import create_app
from app.store import Store
from tests.support.settings import make_settings

BUDGET = 256 * 1024


def test_distinct_queries_with_empty_answers_stay_within_the_budget(empty_db: str) -> None:
    settings = make_settings(
        database_url=empty_db, list_cache_bytes=BUDGET, list_cache_entries=1_000
    )
    with TestClient(create_app(settings)) as client:
        store: Store = client.app.state.store  # type: ignore[attr-defined]
        for number in range(400):
            field = f"f{number:04d}" + "x" * 2000  # 2 KB field names, as in the flood
            response = client.get(f"/patients?{field}_ne=1")
            assert response.json() == []
            assert store.answers.accounted_bytes <= BUDGET
        assert 0 < len(store.answers) <= BUDGET // (2000 + ENTRY_OVERHEAD_BYTES)
