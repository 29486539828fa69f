"""The benchmark's own logic (`make bench`), without servers: data sets, answer comparison,
latency formatting, targets and what counts as a failed request."""

from scripts import bench
from scripts.bench import (
    JSON_SERVER,
    SCENARIOS,
    SERVICE,
    Measurement,
    Reply,
    SizeReport,
    WrkResult,
)

NO_ERRORS = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}


def scenario(key: str) -> bench.Scenario:
    return next(s for s in SCENARIOS if s.key == key)


def result(
    requests_per_second: float, p95_ms: float = 1, p99_ms: float = 1, **errors: int
) -> WrkResult:
    return WrkResult(
        duration_us=10_000_000,
        responses=round(requests_per_second * 10),
        errors={**NO_ERRORS, **errors},
        latency_us={"p50": 500, "p95": round(p95_ms * 1000), "p99": round(p99_ms * 1000)},
        timeout_s=5,
    )


def report_with(size: int, key: str, ours: WrkResult | None, theirs: WrkResult) -> SizeReport:
    report = SizeReport(size, startup_s={SERVICE: 0.5, JSON_SERVER: 0.3})
    report.measurements = [
        Measurement(scenario(key), size, JSON_SERVER, theirs),
        Measurement(scenario(key), size, SERVICE, ours, None if ours else "body differs"),
    ]
    return report


def test_generated_patients_are_the_same_for_the_same_seed_and_carry_every_field() -> None:
    first = bench.generate_patients(50)
    assert first == bench.generate_patients(50)
    assert first != bench.generate_patients(50, seed=1)
    assert [p["id"] for p in first] == list(range(1, 51))
    assert list(first[0]) == [
        "id",
        "name",
        "age",
        "gender",
        "email",
        "phone",
        "address",
        "bloodType",
        "conditions",
        "admittedAt",
    ]
    assert set(first[0]["address"]) == {"city", "street"}
    assert len({p["email"] for p in first}) == 50


def test_search_term_matches_a_small_share_of_a_large_data_set() -> None:
    patients = bench.generate_patients(5_000)
    matching = [p for p in patients if p["address"]["city"].lower() == bench.SEARCH_TERM]
    assert 0.02 < len(matching) / len(patients) < 0.10


def test_same_answer_ignores_pretty_printing_and_the_port_in_links() -> None:
    theirs = Reply(
        200,
        {"x-total-count": "3", "link": '<http://127.0.0.1:1/patients?_page=1>; rel="first"'},
        b'[\n  {\n    "id": 1,\n    "name": "A"\n  }\n]',
    )
    ours = Reply(
        200,
        {"x-total-count": "3", "link": '<http://127.0.0.1:2/patients?_page=1>; rel="first"'},
        b'[{"id":1,"name":"A"}]',
    )
    assert bench.answer_difference(theirs, "http://127.0.0.1:1", ours, "http://127.0.0.1:2") is None


def test_key_order_status_and_total_count_differences_are_reported() -> None:
    theirs = Reply(200, {"x-total-count": "3"}, b'{"id":1,"name":"A"}')
    base = "http://h"
    reordered = Reply(200, {"x-total-count": "3"}, b'{"name":"A","id":1}')
    missing_total = Reply(200, {}, b'{"id":1,"name":"A"}')
    not_found = Reply(404, {}, b"{}")
    assert bench.answer_difference(theirs, base, reordered, base) == (
        "body differs from json-server's"
    )
    assert bench.answer_difference(theirs, base, missing_total, base) == (
        "X-Total-Count differs from json-server's"
    )
    assert bench.answer_difference(theirs, base, not_found, base) == "answers 404 (json-server 200)"


def test_latencies_are_shown_in_milliseconds_or_seconds_and_beyond_the_timeout() -> None:
    assert bench.format_latency(1_500, 5) == "1.50 ms"
    assert bench.format_latency(2_500_000, 5) == "2.50 s"
    assert bench.format_latency(bench.SLOWER_THAN_TIMEOUT, 5) == "> 5 s"
    assert bench.format_latency(bench.NOT_RECORDED, 5) == "n/a"


def test_ratio_is_undefined_when_json_server_answered_nothing() -> None:
    report = report_with(500, "list", result(1_000), result(100))
    assert bench.throughput_ratio(report, "list") == 10.0
    assert bench.throughput_ratio(report_with(500, "list", result(5), result(0)), "list") is None
    assert bench.format_ratio(0.034) == "0.03x"
    assert bench.format_ratio(12.34) == "12.3x"


def verdict_for(report: SizeReport, target_start: str) -> str:
    rows = bench.evaluate_targets([report])
    return next(verdict for target, _, verdict in rows if target.startswith(target_start))


def test_a_target_is_met_only_with_the_ratio_the_latency_and_no_errors() -> None:
    met = report_with(500, "list", result(1_000, p99_ms=20), result(100))
    too_slow = report_with(500, "list", result(1_000, p99_ms=30), result(100))
    too_few = report_with(500, "list", result(900, p99_ms=20), result(100))
    with_errors = report_with(500, "list", result(1_000, p99_ms=20, status=1), result(100))
    assert verdict_for(met, "GET /patients at 500") == "met"
    assert verdict_for(too_slow, "GET /patients at 500") == "NOT met"
    assert verdict_for(too_few, "GET /patients at 500") == "NOT met"
    assert verdict_for(with_errors, "GET /patients at 500") == "NOT met"


def test_a_scenario_the_service_could_not_answer_is_not_measured_rather_than_failed() -> None:
    report = report_with(500, "list", None, result(100))
    assert verdict_for(report, "GET /patients at 500") == "not measured"
    assert verdict_for(report, "start-up") == "not measured"


def test_start_up_and_worker_memory_are_judged_at_a_hundred_thousand() -> None:
    report = report_with(100_000, "filter", result(50, p95_ms=10), result(3))
    report.rss_bytes = {SERVICE: [90_000_000, 130_000_000], JSON_SERVER: [400_000_000]}
    assert verdict_for(report, "GET /patients?gender=female") == "met"
    assert verdict_for(report, "start-up") == "met"
    assert verdict_for(report, "resident memory") == "NOT met"


def test_request_errors_name_runs_with_errors_and_failed_probes_only() -> None:
    clean = report_with(200, "item", result(800), result(1_500))
    assert bench.request_errors([clean]) == []
    erring = report_with(200, "item", result(800, timeout=2), result(1_500))
    erring.failures.append("POST /patients [service]: 500")
    problems = bench.request_errors([erring])
    assert len(problems) == 2
    assert problems[0].startswith("POST /patients [service]: 500")
    assert "errors 2 (timeout 2)" in problems[1]
