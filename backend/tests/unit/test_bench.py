"""The benchmark's own logic (`make bench`), without servers: data sets, answer comparison,
latency formatting, targets and what counts as a failed request."""

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from scripts import bench
from scripts.bench import (
    JSON_SERVER,
    SERVICE,
    Measurement,
    Reply,
    SizeReport,
    WrkResult,
)

NO_ERRORS = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}


def scenario(key: str) -> bench.Scenario:
    return next(s for s in bench.ALL_SCENARIOS if s.key == key)


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
    data = bench.MIX if key.startswith("mix") else bench.REPEATED
    report = SizeReport(size, data, startup_s={SERVICE: 0.5, JSON_SERVER: 0.3})
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
    return target_row(report, target_start)[2]


def target_row(report: SizeReport, target_start: str) -> bench.Verdict:
    return next(row for row in bench.evaluate_targets([report]) if row[0].startswith(target_start))


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


# --- The random mix ------------------------------------------------------------------------


def mix_document(tmp_path: Path, patients: int, seed: int = bench.DATA_SEED) -> Any:
    path = tmp_path / f"mix-{patients}-{seed}.json"
    written = bench.write_mix_db_json(path, bench.MixSizes(patients), seed)
    document = json.loads(path.read_text())
    assert written == sum(len(v) for v in document.values() if isinstance(v, list))
    return document


def test_mix_collections_scale_with_the_patients_and_keep_at_least_one_of_each() -> None:
    large, tiny = bench.MixSizes(100_000), bench.MixSizes(200)
    assert (large.doctors, large.wards, large.appointments) == (2_000, 100, 200_000)
    assert (tiny.doctors, tiny.wards, tiny.appointments) == (4, 1, 400)
    assert large.records == 100_000 + 2_000 + 100 + 200_000


def test_mix_data_is_the_same_for_the_same_seed_and_its_references_point_at_records(
    tmp_path: Path,
) -> None:
    document = mix_document(tmp_path, 3_000)
    assert document == mix_document(tmp_path, 3_000, seed=bench.DATA_SEED)
    assert document != mix_document(tmp_path, 3_000, seed=1)
    assert list(document) == ["patients", "doctors", "Wards", "appointments", "clinic"]
    assert document["clinic"] == bench.CLINIC
    ward_ids = {ward["id"] for ward in document["Wards"]}
    assert ward_ids == {"w1", "w2", "w3"}
    doctor_ids = {doctor["id"] for doctor in document["doctors"]}
    assert doctor_ids == set(range(1, 61))
    assert [p["id"] for p in document["patients"]] == list(range(1, 3_001))
    assert all(
        p["doctorId"] in doctor_ids and p["wardId"] in ward_ids for p in document["patients"]
    )
    patient_ids = [a["patientId"] for a in document["appointments"]]
    as_strings = [i for i in patient_ids if isinstance(i, str)]
    assert 0.05 < len(as_strings) / len(patient_ids) < 0.15
    assert all(1 <= int(i) <= 3_000 for i in patient_ids)
    assert all(a["doctorId"] in doctor_ids for a in document["appointments"])


def test_mix_wrk_command_passes_the_generated_ranges_and_word_lists() -> None:
    mix = scenario("mix_writes")
    command = bench.mix_wrk_command("http://127.0.0.1:9", mix, bench.MixSizes(500), bench.FULL)
    arguments = command[command.index("--") + 1 :]
    options = dict(argument.split("=", 1) for argument in arguments)
    assert options["patients"] == "500"
    assert options["doctors"] == "10"
    assert options["wards"] == "1"
    assert options["appointments"] == "1000"
    assert options["writes"] == "10"
    assert "Boston" in options["cities"].split(",")
    assert f"--script={bench.MIX_SCRIPT}" in command


def test_404s_are_shown_apart_from_errors() -> None:
    assert bench.format_errors(replace(result(100), not_found=3)) == "0 (and 3 404s)"
    assert bench.format_errors(result(100, timeout=2)) == "2 (timeout 2)"
    statuses = replace(result(100, status=3), statuses={"400": 2, "503": 1})
    assert bench.format_errors(statuses) == "3 (status 3 [400: 2, 503: 1])"


def args(*argv: str) -> Any:
    return bench.parse_args(argv)


def test_only_the_mix_at_a_chosen_size_runs_the_mix_alone_and_writes_no_docs() -> None:
    chosen = args("--only", "mix", "--sizes", "100000", "--duration", "10")
    profile = bench.profile_for(chosen)
    assert profile.sizes == ()
    assert profile.mix_sizes == (100_000,)
    assert [s.key for s in profile.mix_scenarios()] == ["mix", "mix_writes"]
    assert profile.duration_s == 10
    assert not bench.writes_docs(chosen)
    assert bench.writes_docs(args("--only", "mix", "--docs"))


def test_the_default_run_measures_everything_and_writes_docs() -> None:
    profile = bench.profile_for(args())
    assert profile.sizes == (500, 100_000)
    assert profile.mix_sizes == (500, 100_000, 1_000_000)
    assert bench.writes_docs(args())
    assert not bench.writes_docs(args("--no-docs"))


def test_repeated_urls_run_only_at_sizes_json_server_can_load() -> None:
    profile = bench.profile_for(args("--sizes", "500,1_000_000"))
    assert profile.sizes == (500,)
    assert profile.mix_sizes == (500, 1_000_000)
    repeated_only = bench.profile_for(args("--only", "repeated"))
    assert repeated_only.mix_sizes == ()


def test_the_smoke_test_keeps_a_tiny_mix_with_writes() -> None:
    profile = bench.profile_for(args("--smoke"))
    assert [s.key for s in profile.mix_scenarios()] == ["mix_writes"]
    assert profile.mix_sizes == (200,)


def test_mix_target_at_500_says_by_how_much_it_was_missed() -> None:
    missed = report_with(500, "mix_writes", result(1_500, p99_ms=100), result(1_000))
    _target, measured, verdict, margin = target_row(missed, "random mix, 10% writes at 500")
    assert verdict == "NOT met"
    assert "p99 2.0x the limit" in margin
    assert "ratio 25% short" in margin
    assert measured.startswith("1.5x")
    met = report_with(500, "mix_writes", result(2_500, p99_ms=25), result(1_000))
    assert target_row(met, "random mix, 10% writes at 500")[2:] == (
        "met",
        "p99 50% under the limit; ratio 1.2x the minimum",
    )


def test_mix_target_at_a_million_asks_requests_per_second_without_json_server() -> None:
    report = SizeReport(1_000_000, bench.MIX, startup_s={SERVICE: 0.5})
    report.measurements = [
        Measurement(scenario("mix_writes"), 1_000_000, SERVICE, result(400, p95_ms=80))
    ]
    row = target_row(report, "random mix, 10% writes at 1,000,000")
    assert row[2] == "NOT met"
    assert row[3] == "requests/s 20% short"
    report.measurements[0].result = result(600, p95_ms=80)
    assert target_row(report, "random mix, 10% writes at 1,000,000")[2] == "met"


def test_loading_and_memory_at_a_million_are_judged_against_their_limits() -> None:
    report = SizeReport(1_000_000, bench.MIX, import_s=240.0)
    report.rss_bytes = {SERVICE: [100_000_000, 120_000_000]}
    assert target_row(report, "loading the mix's db.json")[2:] == (
        "NOT met",
        "load 33% over the limit",
    )
    assert target_row(report, "resident memory per worker after the mix")[2:] == (
        "met",
        "memory 20% under the limit",
    )
    assert verdict_for(SizeReport(500, bench.MIX), "loading the mix's db.json") == "not measured"
