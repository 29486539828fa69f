"""The random mix's wrk script (scripts/bench/mix.lua) against a stand-in server that records
what it is asked: every request is one a front end sends, ids stay in the generated ranges,
and a DELETE only removes a record the script created itself."""

import itertools
import json
import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scripts import bench

SIZES = bench.MixSizes(2_000)  # 40 doctors, 2 Wards, 4,000 appointments
WRITE_PERCENT = 40

READ_SHAPES = [
    re.compile(r"^/(patients|doctors|appointments|Wards)\?_page=\d+&_limit=20$"),
    re.compile(r"^/(patients|doctors|appointments)/\d+$"),
    re.compile(r"^/Wards/w\d+$"),
    re.compile(r"^/patients\?gender=(female|male)&age_gte=\d+&_sort=\w+&_page=\d&_limit=20$"),
    re.compile(r"^/patients\?q=[A-Za-z0-9]+&_page=\d&_limit=20$"),
    re.compile(r"^/patients\?name_like=[A-Za-z]{3,4}&_page=\d&_limit=20$"),
    re.compile(r"^/patients\?address\.city=[A-Za-z]+&_sort=age&_order=desc&_page=\d&_limit=20$"),
    re.compile(
        r"^/patients\?address\.city=[A-Za-z]+&conditions_like=[a-z]+&_sort=age&_order=desc"
        r"&_limit=20$"
    ),
    re.compile(r"^/patients/\d+\?_expand=doctor&_embed=appointments$"),
    re.compile(r"^/appointments\?_expand=patient&_page=\d+$"),
    re.compile(r"^/doctors/\d+/patients$"),
    re.compile(r"^/patients/\d+/appointments\?_sort=date$"),
    re.compile(r"^/clinic$"),
]
ID_RANGES = {
    "patients": SIZES.patients,
    "doctors": SIZES.doctors,
    "appointments": SIZES.appointments,
}


@dataclass
class Recorded:
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)
    created: set[str] = field(default_factory=set)
    deleted: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def stand_in_server(recorded: Recorded) -> ThreadingHTTPServer:
    """Answers every request: a POST with 201 and the new record's Location, a DELETE of a
    record it created with 200 (404 otherwise), anything else with 200."""
    new_ids = itertools.count(1_000_000)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers = 200, {}
            with recorded.lock:
                recorded.requests.append((self.command, self.path, body))
                if self.command == "POST":
                    path = f"{self.path}/{next(new_ids)}"
                    recorded.created.add(path)
                    status = 201
                    headers["Location"] = f"http://{self.headers.get('Host')}{path}"
                elif self.command == "DELETE":
                    recorded.deleted.append(self.path)
                    status = 200 if self.path in recorded.created else 404
                    recorded.created.discard(self.path)
                elif self.path == "/clinic":
                    status = 503  # stands for an overloaded server
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    class QuietServer(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # wrk drops its connections when the run ends

    return QuietServer(("127.0.0.1", 0), Handler)


@pytest.fixture(scope="module")
def mix_run() -> Iterator[tuple[bench.WrkResult, Recorded]]:
    recorded = Recorded()
    server = stand_in_server(recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # Long enough for a few hundred requests on a busy machine: every kind of read,
        # however light its weight, is then drawn.
        profile = replace(bench.SMOKE, duration_s=3)
        scenario = replace(bench.MIX_SCENARIOS[1], write_percent=WRITE_PERCENT)
        base_url = f"http://127.0.0.1:{server.server_port}"
        command = bench.mix_wrk_command(base_url, scenario, SIZES, profile)
        yield bench.run_wrk(command, profile), recorded
    finally:
        server.shutdown()
        server.server_close()


def test_mix_reads_are_the_kinds_a_front_end_sends_and_cover_every_kind(
    mix_run: tuple[bench.WrkResult, Recorded],
) -> None:
    _, recorded = mix_run
    reads = [path for method, path, _ in recorded.requests if method == "GET"]
    assert len(reads) > 100
    unknown = [path for path in reads if not any(s.match(path) for s in READ_SHAPES)]
    assert unknown == []
    used = Counter(next(i for i, s in enumerate(READ_SHAPES) if s.match(path)) for path in reads)
    assert len(used) == len(READ_SHAPES)


def test_mix_asks_only_for_ids_within_the_generated_ranges(
    mix_run: tuple[bench.WrkResult, Recorded],
) -> None:
    _, recorded = mix_run
    for method, path, _ in recorded.requests:
        if method in ("GET", "PUT", "PATCH"):
            for collection, number in re.findall(r"^/(\w+)/w?(\d+)", path):
                largest = ID_RANGES.get(collection, SIZES.wards)
                assert 1 <= int(number) <= largest, path


def test_mix_deletes_only_records_it_created_and_gets_no_404(
    mix_run: tuple[bench.WrkResult, Recorded],
) -> None:
    result, recorded = mix_run
    assert recorded.deleted
    assert all(int(path.rsplit("/", 1)[1]) >= 1_000_000 for path in recorded.deleted)
    assert result.not_found == 0
    assert result.errors["timeout"] == 0


def test_mix_writes_are_the_requested_share_with_every_method_and_a_json_body(
    mix_run: tuple[bench.WrkResult, Recorded],
) -> None:
    _, recorded = mix_run
    methods = Counter(method for method, _, _ in recorded.requests)
    writes = sum(count for method, count in methods.items() if method != "GET")
    assert 0.3 < writes / len(recorded.requests) < 0.5
    assert {"POST", "PUT", "PATCH", "DELETE"} <= set(methods)
    bodies = [body for method, _, body in recorded.requests if method in ("POST", "PUT", "PATCH")]
    assert all(isinstance(json.loads(body), dict) for body in bodies)


def test_mix_counts_the_erring_statuses_by_code(
    mix_run: tuple[bench.WrkResult, Recorded],
) -> None:
    result, recorded = mix_run
    asked = sum(1 for method, path, _ in recorded.requests if method == "GET" and path == "/clinic")
    assert result.statuses == {"503": result.errors["status"]}
    assert 0 < result.errors["status"] <= asked


class _SlowHandler(BaseHTTPRequestHandler):
    """A server still busy with what wrk left: every answer takes longer than a quick one."""

    def do_GET(self) -> None:
        time.sleep(0.6)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_json_server_that_does_not_settle_is_dropped_and_its_measurements_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bench, "JSON_SERVER_SETTLE_S", 1.5)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    process = subprocess.Popen(["sleep", "60"])  # stands for json-server's process
    try:
        running = bench.RunningServer(
            bench.JSON_SERVER, f"http://127.0.0.1:{server.server_port}", process, 0.0, Path("x")
        )
        report = bench.SizeReport(100_000, bench.MIX)
        kept = bench.Measurement(bench.MIX_SCENARIOS[0], 100_000, bench.JSON_SERVER)
        report.measurements.append(kept)
        servers = {bench.JSON_SERVER: running}
        assert not bench._settled_or_dropped(report, servers, bench.MIX_SCENARIOS[0])
        assert servers == {}
        assert process.poll() is not None  # stopped
        assert report.measurements == [kept]
        assert "later scenarios at this size ran without it" in report.failures[0]
    finally:
        process.kill()
        server.shutdown()
        server.server_close()
