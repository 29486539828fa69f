"""`make bench`'s plans: the statements the service runs for a request, each under EXPLAIN
ANALYZE, with the indexes they read and the rows their sequential scans read."""

import json

from scripts.bench_plans import StatementPlan, explain_requests
from tests.support.database import load_document

SEQUENTIAL = """Aggregate  (cost=1.0..1.0 rows=1 width=8) (actual time=0.1..0.1 rows=1 loops=1)
  ->  Seq Scan on records p  (cost=0.0..1.0 rows=5 width=0) (actual time=0.0..0.1 rows=7 loops=2)
        Filter: (collection = 'patients'::text)
        Rows Removed by Filter: 93
  ->  Index Scan using uq_records_collection on records r  (actual time=0.0..0.0 rows=1 loops=1)
  ->  Bitmap Index Scan on ix_records_flat  (actual time=0.0..0.0 rows=1 loops=1)
Execution Time: 0.250 ms"""


def test_a_plan_names_its_indexes_and_counts_the_rows_its_sequential_scans_read() -> None:
    plan = StatementPlan(SEQUENTIAL, 0.25)
    assert plan.indexes == ["ix_records_flat", "uq_records_collection"]
    assert plan.rows_scanned == (7 + 93) * 2


def test_each_request_is_explained_with_the_statements_the_service_sent(database_url: str) -> None:
    patients = [{"id": n, "name": f"Patient {n}", "city": "Boston"} for n in range(1, 31)]
    load_document(database_url, json.dumps({"patients": patients}).encode())
    plans = explain_requests(
        database_url,
        [("id", "/patients/7"), ("q", "/patients?q=boston&_page=2&_limit=5"), ("none", "/x")],
    )
    by_kind = {plan.kind: plan for plan in plans}
    assert [plan.status for plan in plans] == [200, 200, 404]
    assert "uq_records_collection" in by_kind["id"].indexes
    assert len(by_kind["id"].statements) == 1
    # The catalog (which reads no record) says no record has `_page`: the list alone.
    assert len(by_kind["q"].statements) == 1
    assert "strpos(search_text" in by_kind["q"].statements[0].plan
    assert by_kind["none"].statements == []
