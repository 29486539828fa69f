"""`make bench` and `make bench-smoke`: the service and json-server 0.17.4 under the same wrk
load, scenario by scenario; `make bench` also writes docs/benchmarks.md and docs/benchmarks.png.

Run from backend/: `python -m scripts.bench` (full) or `python -m scripts.bench --smoke`.
"""

import argparse
import asyncio
import datetime
import http.client
import json
import os
import platform
import random
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import psycopg
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from app.config import BACKEND_DIR, PROJECT_DIR, ConfigError, Settings, normalize_database_url
from app.embedded import start_embedded_postgres
from app.json_codec import JsonObject
from app.seed import seed_if_empty
from tests.support.database import libpq_url, temporary_database
from tests.support.servers import JSON_SERVER_BIN, free_port, stop

CONNECTIONS = 50
WRK_THREADS = 2
SERVICE_WORKERS = 2
WRK_SCRIPT = Path(__file__).resolve().parent / "bench" / "wrk.lua"
DOCS_FILE = PROJECT_DIR / "docs" / "benchmarks.md"
CHART_FILE = PROJECT_DIR / "docs" / "benchmarks.png"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DATA_SEED = 20261126
SEARCH_TERM = "boston"
GENERATED_END = "<!-- End of the part `make bench` writes; what follows is kept. -->"
MEGABYTE = 1_000_000

JSON_SERVER = "json-server"
SERVICE = "service"


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


# --- Data sets -----------------------------------------------------------------------------

# Word lists read best as words.
_FIRST_NAMES = (  # noqa: SIM905
    "Alice Amir Ana Ben Bianca Carlos Chloe Daniel Dana Elena Emeka Farah Felix Grace Hana "
    "Hugo Ines Isaac Jack Jade Kenji Laura Liam Maya Mohammed Nina Noah Olivia Omar Priya "
    "Quentin Rosa Samuel Sofia Tariq Uma Victor Wen Yara Zoe"
).split()
_LAST_NAMES = (  # noqa: SIM905
    "Martin Smith Davis Johnson Brown Garcia Miller Wilson Moore Taylor Anderson Thomas Lee "
    "Harris Clark Lewis Walker Hall Young King Wright Lopez Hill Scott Green Adams Baker "
    "Nelson Carter Mitchell Perez Roberts Turner Phillips Campbell Parker Evans Edwards Collins"
).split()
_CITIES = (  # noqa: SIM905
    "Boston Chicago Denver Austin Seattle Portland Miami Atlanta Phoenix Dallas Houston "
    "Detroit Memphis Nashville Omaha Tucson Fresno Sacramento Raleigh Richmond"
).split()
_STREETS = (  # noqa: SIM905
    "Elm St,Oak Ave,Maple Dr,Cedar Ln,Pine St,Lake Shore Dr,Beacon St,Main St,Park Ave,Sunset Blvd"
).split(",")
_BLOOD_TYPES = ("O+", "A+", "B+", "AB+", "O-", "A-", "B-", "AB-")
_BLOOD_TYPE_WEIGHTS = (37, 34, 10, 4, 7, 5, 2, 1)
_CONDITIONS = (  # noqa: SIM905
    "asthma diabetes hypertension migraine arthritis allergy anemia copd depression obesity"
).split()
_ADMISSIONS_START = datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC)


def generate_patients(count: int, seed: int = DATA_SEED) -> list[JsonObject]:
    """`count` realistic patients with ids 1..count, the same for the same seed."""
    rng = random.Random(seed)
    patients: list[JsonObject] = []
    for number in range(1, count + 1):
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        admitted = _ADMISSIONS_START + datetime.timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        patients.append(
            {
                "id": number,
                "name": f"{first} {last}",
                "age": rng.randint(0, 99),
                "gender": rng.choice(("female", "male")),
                "email": f"{first.lower()}.{last.lower()}{number}@example.com",
                "phone": f"555-{rng.randrange(10_000):04d}",
                "address": {
                    "city": rng.choice(_CITIES),
                    "street": f"{rng.randint(1, 999)} {rng.choice(_STREETS)}",
                },
                "bloodType": rng.choices(_BLOOD_TYPES, _BLOOD_TYPE_WEIGHTS)[0],
                "conditions": rng.sample(_CONDITIONS, rng.choice((0, 1, 1, 1, 2, 2, 3))),
                "admittedAt": admitted.strftime("%Y-%m-%dT%H:%M:00Z"),
            }
        )
    return patients


NEW_PATIENT = json.dumps(
    {
        "name": "Grace Hopper",
        "age": 45,
        "gender": "female",
        "email": "grace.hopper@example.com",
        "phone": "555-0142",
        "address": {"city": "Arlington", "street": "1 Navy Way"},
        "bloodType": "A+",
        "conditions": ["hypertension"],
        "admittedAt": "2025-03-01T08:15:00Z",
    },
    separators=(",", ":"),
)
PATCH_BODY = json.dumps({"age": 41, "phone": "555-0199"}, separators=(",", ":"))


# --- Scenarios and profiles ----------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    key: str
    short_name: str  # for the chart
    method: str
    path: str  # "{id}" is a random existing id on every request
    body: str | None = None
    large_only: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def path_for(self, record_id: int) -> str:
        return self.path.replace("{id}", str(record_id))


# Writes come last, and POST (which grows the collection) last of all.
SCENARIOS = (
    Scenario("list", "all", "GET", "/patients"),
    Scenario("page", "page 2", "GET", "/patients?_page=2&_limit=20", large_only=True),
    Scenario("item", "by id", "GET", "/patients/{id}"),
    Scenario(
        "filter",
        "filter+sort+page",
        "GET",
        "/patients?gender=female&age_gte=30&_sort=name&_page=3&_limit=20",
    ),
    Scenario("search", "q", "GET", f"/patients?q={SEARCH_TERM}"),
    Scenario(
        "search_page", "q + limit", "GET", f"/patients?q={SEARCH_TERM}&_limit=20", large_only=True
    ),
    Scenario("patch", "PATCH", "PATCH", "/patients/{id}", PATCH_BODY),
    Scenario("post", "POST", "POST", "/patients", NEW_PATIENT),
)


@dataclass(frozen=True)
class Profile:
    sizes: tuple[int, ...]
    large_size: int  # data sets this big also get the large-only scenarios
    duration_s: int
    timeout_s: int
    scenario_keys: frozenset[str]
    smoke: bool

    def scenarios_for(self, size: int) -> list[Scenario]:
        return [
            s
            for s in SCENARIOS
            if s.key in self.scenario_keys and (size >= self.large_size or not s.large_only)
        ]


FULL = Profile(
    sizes=(500, 100_000),
    large_size=100_000,
    duration_s=10,
    timeout_s=5,
    scenario_keys=frozenset(s.key for s in SCENARIOS),
    smoke=False,
)
SMOKE = Profile(
    sizes=(200,),  # enough for the filter's third page of 20 to hold records
    large_size=100_000,
    duration_s=1,
    timeout_s=2,
    scenario_keys=frozenset({"list", "item", "filter", "search", "patch", "post"}),
    smoke=True,
)


# --- Measurements --------------------------------------------------------------------------

SLOWER_THAN_TIMEOUT = -2  # a percentile that fell among the timed-out responses
NOT_RECORDED = -1


@dataclass(frozen=True)
class WrkResult:
    duration_us: int
    responses: int
    errors: dict[str, int]
    latency_us: dict[str, int]  # p50, p95, p99; or one of the sentinels above
    timeout_s: int

    @property
    def requests_per_second(self) -> float:
        return self.responses / (self.duration_us / 1e6) if self.duration_us else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass
class Measurement:
    scenario: Scenario
    size: int
    server: str
    result: WrkResult | None = None
    not_measured: str | None = None  # why there is no result
    other_cpu: float = 0.0  # share of the machine's CPU that other processes used meanwhile


@dataclass
class SizeReport:
    size: int
    startup_s: dict[str, float] = field(default_factory=dict)
    rss_bytes: dict[str, list[int]] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # requests that errored outside wrk

    def find(self, key: str, server: str) -> Measurement | None:
        return next(
            (m for m in self.measurements if m.scenario.key == key and m.server == server), None
        )


# --- HTTP probes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def call(
    base_url: str, method: str, path: str, *, body: str | None = None, timeout: float = 300.0
) -> Reply:
    """One request on a fresh connection."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Reply(
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


def _json_with_key_order(body: bytes) -> Any:
    try:
        return json.loads(body, object_pairs_hook=list)
    except ValueError:
        return body


def answer_difference(
    reference: Reply, reference_base: str, candidate: Reply, candidate_base: str
) -> str | None:
    """How the service's answer differs from json-server's, or None when it does not."""
    if candidate.status != reference.status:
        return f"answers {candidate.status} (json-server {reference.status})"
    if _json_with_key_order(candidate.body) != _json_with_key_order(reference.body):
        return "body differs from json-server's"
    for header in ("x-total-count", "link"):
        ours = candidate.headers.get(header, "").replace(candidate_base, "")
        theirs = reference.headers.get(header, "").replace(reference_base, "")
        if ours != theirs:
            return f"{header.title()} differs from json-server's"
    return None


# --- Servers -------------------------------------------------------------------------------


@dataclass
class RunningServer:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    startup_s: float
    log_file: Path


def wait_until_answers(
    url: str, process: subprocess.Popen[bytes], log_file: Path, timeout_s: float = 120.0
) -> None:
    """Poll `url` until it answers 200; a process that exits first fails with its log's tail."""
    deadline = time.monotonic() + timeout_s
    parts = urlsplit(url)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_file.read_text(errors="replace")[-2000:]
            raise BenchError(f"{url} exited with code {process.returncode}:\n{tail}")
        try:
            reply = call(f"{parts.scheme}://{parts.netloc}", "GET", parts.path, timeout=30)
            if reply.status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.01)
    raise BenchError(f"{url} did not answer 200 within {timeout_s:.0f} s")


@contextmanager
def started(
    name: str,
    port: int,
    command: Sequence[str],
    env: dict[str, str],
    ready_path: str,
    cwd: Path,
    workdir: Path,
) -> Iterator[RunningServer]:
    """Start a server, time it from process start until `ready_path` answers 200; stop it after."""
    log_file = workdir / f"{name}-{port}.log"
    base_url = f"http://127.0.0.1:{port}"
    with log_file.open("wb") as log:
        began = time.monotonic()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=log)
        try:
            wait_until_answers(base_url + ready_path, process, log_file)
            yield RunningServer(name, base_url, process, time.monotonic() - began, log_file)
        finally:
            stop(process)


def json_server_command(db_file: Path, port: int) -> list[str]:
    return [
        str(JSON_SERVER_BIN),
        str(db_file),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--quiet",
    ]


def service_env(database_url: str, port: int) -> dict[str, str]:
    """render.yaml's environment for the service, none of this shell's settings: several
    workers, warnings only."""
    settings_names = {name.upper() for name in Settings.model_fields}
    return {
        **{key: value for key, value in os.environ.items() if key.upper() not in settings_names},
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(SERVICE_WORKERS),
        "LOG_LEVEL": "warning",
        "ENVIRONMENT": "production",
        "CORS_ORIGINS": "http://localhost:5173",  # production refuses "*"; wrk sends no Origin
        "ADMIN_TOKEN": secrets.token_urlsafe(16),  # production refuses open operator routes
    }


def resident_memory(server: RunningServer) -> list[int]:
    """Resident memory of each uvicorn worker (or of the one process when there are none)."""
    parent = psutil.Process(server.process.pid)
    workers = [
        child
        for child in parent.children(recursive=True)
        if "spawn_main" in " ".join(child.cmdline())
    ]
    return [process.memory_info().rss for process in workers or [parent]]


def settle(server: RunningServer, quiet_for_s: float = 0.5, deadline_s: float = 600.0) -> None:
    """Wait until the server has worked off what wrk left in flight (two quick answers in a row)."""
    quick_answers = 0
    deadline = time.monotonic() + deadline_s
    while quick_answers < 2:
        if time.monotonic() > deadline:
            raise BenchError(f"{server.name} was still busy {deadline_s:.0f} s after a run")
        began = time.monotonic()
        try:
            call(server.base_url, "GET", "/patients/1", timeout=deadline_s)
        except (OSError, http.client.HTTPException) as exc:
            raise BenchError(f"{server.name} stopped answering: {type(exc).__name__}") from exc
        quick_answers = quick_answers + 1 if time.monotonic() - began < quiet_for_s else 0


# --- CPU used by others --------------------------------------------------------------------


# Steal is time the hypervisor gave to other machines: capacity the run did not get.
_BUSY_FIELDS = ("user", "nice", "system", "irq", "softirq", "steal")


def _busy_cpu_seconds() -> float:
    times = psutil.cpu_times()
    return float(sum(getattr(times, name, 0.0) for name in _BUSY_FIELDS))


@dataclass(frozen=True)
class CpuWatch:
    """Tells how much CPU processes outside the benchmark took while it ran: the servers (and
    their workers), the PostgreSQL backends of its database, wrk and this process are ours."""

    server_pids: tuple[int, ...]
    database: str

    def _ours(self) -> dict[int, float]:
        processes: list[psutil.Process] = []
        for pid in self.server_pids:
            with suppress(psutil.Error):
                root = psutil.Process(pid)
                processes += [root, *root.children(recursive=True)]
        for process in psutil.process_iter(["name", "cmdline"]):
            if process.info["name"] == "postgres" and self.database in " ".join(
                process.info["cmdline"] or ()
            ):
                processes.append(process)
        seconds = {}
        for process in processes:
            with suppress(psutil.Error):
                times = process.cpu_times()
                seconds[process.pid] = times.user + times.system
        return seconds

    @staticmethod
    def _own_and_waited_children() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    @contextmanager
    def other_share(self, measurement: "Measurement") -> Iterator[None]:
        """Set `measurement.other_cpu` to the share (0..1) of the machine's CPU that other
        processes used while the block ran."""
        began, busy = time.monotonic(), _busy_cpu_seconds()
        ours, own = self._ours(), self._own_and_waited_children()
        yield
        elapsed = time.monotonic() - began
        ours_after = self._ours()
        used_by_us = sum(value - ours.get(pid, 0.0) for pid, value in ours_after.items())
        used_by_us += self._own_and_waited_children() - own
        other = max(_busy_cpu_seconds() - busy - used_by_us, 0.0)
        measurement.other_cpu = other / (elapsed * (os.cpu_count() or 1))


# --- wrk -----------------------------------------------------------------------------------


def wrk_command(base_url: str, scenario: Scenario, largest_id: int, profile: Profile) -> list[str]:
    return [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{profile.duration_s}s",
        f"--timeout={profile.timeout_s}s",
        "--latency",
        f"--script={WRK_SCRIPT}",
        base_url + "/",
        "--",
        scenario.method,
        scenario.path,
        str(largest_id),
        scenario.body or "",
    ]


def run_wrk(base_url: str, scenario: Scenario, largest_id: int, profile: Profile) -> WrkResult:
    command = wrk_command(base_url, scenario, largest_id, profile)
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        timeout=profile.duration_s + 120,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("BENCH_RESULT ")]
    if completed.returncode != 0 or not lines:
        raise BenchError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()[:500]}")
    data = json.loads(lines[-1].removeprefix("BENCH_RESULT "))
    return WrkResult(
        data["duration_us"], data["requests"], data["errors"], data["latency_us"], profile.timeout_s
    )


# --- One data set --------------------------------------------------------------------------


def database_server() -> tuple[str, str, Any]:
    """Where to create the benchmark's databases: DATABASE_URL's server, else PostgreSQL on
    127.0.0.1:5432, else the embedded one. Returns the URL, a description and a handle to keep."""
    configured = os.environ.get("DATABASE_URL", "").strip()
    if configured:
        return normalize_database_url(configured), "the server of DATABASE_URL", None
    try:
        psycopg.connect(LOCAL_POSTGRES, connect_timeout=3).close()
    except psycopg.Error:
        url, handle = start_embedded_postgres(BACKEND_DIR / ".data" / "bench")
        return url, "the embedded PostgreSQL", handle
    return normalize_database_url(LOCAL_POSTGRES), "PostgreSQL on 127.0.0.1:5432", None


def load_into_service(database_url: str, db_file: Path, expected: int) -> None:
    """Load db.json's patients through the db.json importer, as `make run` seeds its database."""
    settings = Settings(database_url=SecretStr(database_url), seed_file=db_file, _env_file=None)
    try:
        loaded = asyncio.run(seed_if_empty(settings))
    except ConfigError as exc:
        raise BenchError(str(exc)) from None
    if loaded != expected:
        raise BenchError(f"the importer loaded {loaded} patients, not {expected}")


def postgres_version(database_url: str) -> str:
    with psycopg.connect(libpq_url(database_url)) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def measure_scenario(
    scenario: Scenario,
    report: SizeReport,
    servers: dict[str, RunningServer],
    order: Sequence[str],
    profile: Profile,
    cpu: CpuWatch,
) -> None:
    """Check that the service answers like json-server, then load each server in turn."""
    probe_path = scenario.path_for(max(report.size // 2, 1))
    replies: dict[str, Reply] = {}
    for name, server in servers.items():
        try:
            replies[name] = call(server.base_url, scenario.method, probe_path, body=scenario.body)
        except (OSError, http.client.HTTPException) as exc:
            report.failures.append(f"{scenario.label} [{name}]: {type(exc).__name__}")
            return
        if replies[name].status >= 500:
            report.failures.append(f"{scenario.label} [{name}]: {replies[name].status}")
    if not 200 <= replies[JSON_SERVER].status < 300:
        raise BenchError(f"json-server answered {replies[JSON_SERVER].status} to {scenario.label}")
    not_measured = answer_difference(
        replies[JSON_SERVER],
        servers[JSON_SERVER].base_url,
        replies[SERVICE],
        servers[SERVICE].base_url,
    )
    for name in order:
        measurement = Measurement(scenario, report.size, name)
        if name == SERVICE and not_measured is not None:
            measurement.not_measured = not_measured
        else:
            with cpu.other_share(measurement):
                measurement.result = run_wrk(servers[name].base_url, scenario, report.size, profile)
            settle(servers[name])
        report.measurements.append(measurement)
        print(f"  {describe(measurement)}", flush=True)


def run_size(size: int, profile: Profile, server_url: str, workdir: Path) -> SizeReport:
    """Load `size` patients into both servers and run every scenario that applies."""
    report = SizeReport(size)
    db_file = workdir / f"db-{size}.json"
    patients = generate_patients(size)
    db_file.write_text(json.dumps({"patients": patients}, indent=2, ensure_ascii=False))
    del patients  # both servers load the file; this process need not hold a third copy
    with temporary_database(server_url, prefix="patients_bench") as database_url:
        load_into_service(database_url, db_file, size)
        service_port, json_server_port = free_port(), free_port()
        with (
            started(
                SERVICE,
                service_port,
                [sys.executable, "-m", "app.runner"],
                service_env(database_url, service_port),
                "/health/ready",
                BACKEND_DIR,
                workdir,
            ) as service,
            started(
                JSON_SERVER,
                json_server_port,
                json_server_command(
                    Path(shutil.copyfile(db_file, workdir / f"json-server-{size}.json")),
                    json_server_port,
                ),
                dict(os.environ),
                "/patients/1",
                workdir,
                workdir,
            ) as json_server,
        ):
            servers = {JSON_SERVER: json_server, SERVICE: service}
            cpu = CpuWatch(
                (service.process.pid, json_server.process.pid),
                str(make_url(database_url).database),
            )
            report.startup_s = {name: server.startup_s for name, server in servers.items()}
            print(
                f"{size:,} patients: ready in {service.startup_s:.2f} s (service), "
                f"{json_server.startup_s:.2f} s (json-server)",
                flush=True,
            )
            for index, scenario in enumerate(profile.scenarios_for(size)):
                # Who goes first alternates, so drift over the run hits both alike.
                order = (JSON_SERVER, SERVICE) if index % 2 == 0 else (SERVICE, JSON_SERVER)
                measure_scenario(scenario, report, servers, order, profile, cpu)
            report.rss_bytes = {name: resident_memory(server) for name, server in servers.items()}
    return report


# --- Reporting -----------------------------------------------------------------------------


def format_latency(microseconds: int, timeout_s: int) -> str:
    if microseconds == SLOWER_THAN_TIMEOUT:
        return f"> {timeout_s} s"
    if microseconds == NOT_RECORDED:
        return "n/a"
    if microseconds >= 1_000_000:
        return f"{microseconds / 1e6:.2f} s"
    return f"{microseconds / 1e3:.2f} ms"


def format_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def format_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "n/a"
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2f}x"


def format_errors(result: WrkResult) -> str:
    if not result.error_count:
        return "0"
    parts = ", ".join(f"{kind} {count}" for kind, count in result.errors.items() if count)
    return f"{result.error_count} ({parts})"


def throughput_ratio(report: SizeReport, key: str) -> float | None:
    ours, theirs = report.find(key, SERVICE), report.find(key, JSON_SERVER)
    if ours is None or theirs is None or ours.result is None or theirs.result is None:
        return None
    if theirs.result.requests_per_second == 0:
        return None
    return ours.result.requests_per_second / theirs.result.requests_per_second


def describe(measurement: Measurement) -> str:
    head = f"{measurement.scenario.label} @ {measurement.size:,} [{measurement.server}]"
    if measurement.result is None:
        return f"{head}: not measured ({measurement.not_measured})"
    r = measurement.result
    return (
        f"{head}: {format_rate(r.requests_per_second)} req/s, p99 "
        f"{format_latency(r.latency_us['p99'], r.timeout_s)}, errors {format_errors(r)}"
    )


TABLE_HEADER = (
    "scenario",
    "patients",
    "server",
    "requests/s",
    "responses",
    "p50",
    "p95",
    "p99",
    "errors",
    "others' CPU",
    "service ÷ json-server",
)


def result_row(report: SizeReport, m: Measurement) -> tuple[str, ...]:
    head = (m.scenario.label, f"{m.size:,}", m.server)
    if m.result is None:
        return (*head, "not measured", "", "", "", "", "", "", m.not_measured or "")
    r = m.result
    ratio = throughput_ratio(report, m.scenario.key)
    return (
        *head,
        format_rate(r.requests_per_second),
        f"{r.responses:,}",
        *(format_latency(r.latency_us[p], r.timeout_s) for p in ("p50", "p95", "p99")),
        format_errors(r),
        f"{m.other_cpu:.0%}",
        "" if m.server == JSON_SERVER else format_ratio(ratio),
    )


def result_rows(reports: Sequence[SizeReport]) -> list[tuple[str, ...]]:
    """json-server's row, then the service's, per scenario in run order."""
    return [
        result_row(report, m)
        for report in reports
        for key in dict.fromkeys(m.scenario.key for m in report.measurements)
        for server in (JSON_SERVER, SERVICE)
        if (m := report.find(key, server)) is not None
    ]


RESOURCE_HEADER = ("patients", "server", "start-up to ready", "resident memory after the run")


def resource_rows(reports: Sequence[SizeReport]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for report in reports:
        for server in (SERVICE, JSON_SERVER):
            rss = report.rss_bytes.get(server, [])
            kind = "per worker" if server == SERVICE else "process"
            rows.append(
                (
                    f"{report.size:,}",
                    server,
                    f"{report.startup_s.get(server, float('nan')):.2f} s",
                    ", ".join(f"{value / MEGABYTE:.0f} MB" for value in rss) + f" ({kind})",
                )
            )
    return rows


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = [header, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# --- Targets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadTarget:
    key: str
    size: int
    min_ratio: float | None
    percentile: str
    max_latency_ms: float

    def describe(self) -> str:
        scenario = next(s for s in SCENARIOS if s.key == self.key)
        ratio = f"≥ {self.min_ratio:g}x json-server's requests/s and " if self.min_ratio else ""
        return (
            f"{scenario.label} at {self.size:,}: {ratio}"
            f"{self.percentile} < {self.max_latency_ms:g} ms, no errors"
        )


LOAD_TARGETS = (
    LoadTarget("list", 500, 10, "p99", 25),
    LoadTarget("item", 500, 2, "p99", 10),
    LoadTarget("post", 500, 5, "p99", 50),
    LoadTarget("filter", 100_000, None, "p95", 20),
    LoadTarget("search_page", 100_000, None, "p95", 20),
)
STARTUP_TARGET_S = 1.0
STARTUP_TARGET_SIZE = 100_000
WORKER_MEMORY_TARGET_BYTES = 120 * MEGABYTE


def evaluate_targets(reports: Sequence[SizeReport]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for every target of the brief."""
    by_size = {report.size: report for report in reports}
    rows = []
    for target in LOAD_TARGETS:
        report = by_size.get(target.size)
        measurement = report.find(target.key, SERVICE) if report else None
        if report is None or measurement is None or measurement.result is None:
            reason = measurement.not_measured if measurement else "not run"
            rows.append((target.describe(), f"not measured: {reason}", "not measured"))
            continue
        result = measurement.result
        latency = result.latency_us[target.percentile]
        ratio = throughput_ratio(report, target.key)
        met = (
            0 <= latency < target.max_latency_ms * 1000
            and result.error_count == 0
            and (target.min_ratio is None or (ratio is not None and ratio >= target.min_ratio))
        )
        ratio_text = f"{format_ratio(ratio)}, " if target.min_ratio else ""
        measured = (
            f"{ratio_text}{target.percentile} {format_latency(latency, result.timeout_s)}, "
            f"errors {result.error_count}"
        )
        rows.append((target.describe(), measured, "met" if met else "NOT met"))
    large = by_size.get(STARTUP_TARGET_SIZE)
    if large is None:
        rows.append((f"start-up < {STARTUP_TARGET_S:g} s", "not measured", "not measured"))
        rows.append(("memory per worker < 120 MB", "not measured", "not measured"))
        return rows
    startup = large.startup_s[SERVICE]
    rows.append(
        (
            f"start-up to ready at {STARTUP_TARGET_SIZE:,} < {STARTUP_TARGET_S:g} s",
            f"{startup:.2f} s",
            "met" if startup < STARTUP_TARGET_S else "NOT met",
        )
    )
    largest = max(large.rss_bytes[SERVICE])
    rows.append(
        (
            f"resident memory per worker after the run at {STARTUP_TARGET_SIZE:,} < 120 MB",
            f"{largest / MEGABYTE:.0f} MB (largest worker)",
            "met" if largest < WORKER_MEMORY_TARGET_BYTES else "NOT met",
        )
    )
    return rows


# --- Machine, docs and chart ---------------------------------------------------------------


def _first_line(command: Sequence[str]) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError:
        return "unknown"
    lines = completed.stdout.strip().splitlines()
    return lines[0] if lines else "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def code_version() -> str:
    commit = _first_line(["git", "-C", str(PROJECT_DIR), "rev-parse", "--short", "HEAD"])
    changes = subprocess.run(
        ["git", "-C", str(PROJECT_DIR), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return f"commit {commit}" + (" with uncommitted changes" if changes.strip() else "")


def machine_facts(postgres: str, postgres_where: str) -> list[tuple[str, str]]:
    package = json.loads(
        (PROJECT_DIR / "node_modules" / "json-server" / "package.json").read_text()
    )
    return [
        ("Code", code_version()),
        ("CPU", f"{cpu_model()}, {os.cpu_count()} cores"),
        ("Memory", f"{psutil.virtual_memory().total / 2**30:.1f} GiB"),
        ("OS", platform.platform()),
        ("PostgreSQL", f"{postgres} ({postgres_where}, same machine)"),
        ("Python", platform.python_version()),
        ("Node", _first_line(["node", "--version"])),
        ("json-server", str(package.get("version"))),
        ("wrk", _first_line(["wrk", "-v"]).split(" Copyright")[0]),
    ]


def write_chart(reports: Sequence[SizeReport], path: Path) -> None:
    """Grouped bars of requests/s per scenario and size, both servers, on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [
        (report, key)
        for report in reports
        for key in dict.fromkeys(m.scenario.key for m in report.measurements)
    ]

    def rate(report: SizeReport, key: str, server: str) -> float | None:
        measurement = report.find(key, server)
        result = measurement.result if measurement else None
        return result.requests_per_second if result else None

    figure, axes = plt.subplots(figsize=(max(8.0, 0.95 * len(groups) + 2), 6.0), dpi=110)
    width = 0.4
    highest = 1.0
    for offset, server, color in ((-0.2, JSON_SERVER, "#9e9e9e"), (0.2, SERVICE, "#1f6fb2")):
        values = [rate(report, key, server) for report, key in groups]
        heights = [value or 0.0 for value in values]
        highest = max(highest, *heights)
        bars = axes.bar([i + offset for i in range(len(groups))], heights, width, color=color)
        bars.set_label(server)
        for bar, value in zip(bars, values, strict=True):
            axes.annotate(
                "not measured" if value is None else format_rate(value),
                (bar.get_x() + bar.get_width() / 2, max(value or 0.0, 0.1)),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                rotation=90,
            )
    for index, (report, key) in enumerate(groups):
        ratio = throughput_ratio(report, key)
        axes.text(
            index,
            0.97,
            format_ratio(ratio),
            transform=axes.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=8,
            fontweight="bold",
            color="#1f6fb2",
        )
        if index and report is not groups[index - 1][0]:
            axes.axvline(index - 0.5, color="#444444", linestyle=":", linewidth=1)
    axes.set_yscale("log")
    axes.set_ylim(0.1, highest * 40)
    axes.set_ylabel("requests/s (log scale; higher is better)")
    axes.set_xticks(
        range(len(groups)),
        [
            f"{next(s.short_name for s in SCENARIOS if s.key == key)}\n{report.size:,}"
            for report, key in groups
        ],
        fontsize=8,
    )
    axes.set_xlabel("scenario, patients; blue figures above: service ÷ json-server throughput")
    axes.set_title(
        f"Requests/s at {CONNECTIONS} connections: the service vs json-server 0.17.4", fontsize=11
    )
    axes.legend(loc="upper left", bbox_to_anchor=(0.0, 0.9), fontsize=8)
    axes.grid(axis="y", which="major", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write_docs(
    reports: Sequence[SizeReport],
    profile: Profile,
    facts: Sequence[tuple[str, str]],
    command: str,
    started_at: datetime.datetime,
) -> None:
    kept = ""
    if DOCS_FILE.exists():
        kept = DOCS_FILE.read_text().partition(GENERATED_END)[2]
    options = wrk_command("http://127.0.0.1:PORT", SCENARIOS[0], 0, profile)[:-5]
    wrk = " ".join(options).replace(str(WRK_SCRIPT), "scripts/bench/wrk.lua")
    wrk += " -- METHOD PATH LARGEST_ID BODY"
    sizes = " and ".join(f"{size:,}" for size in profile.sizes)
    text = f"""# Benchmarks: the service against json-server 0.17.4

Measured on {started_at:%Y-%m-%d %H:%M} UTC with `{command}` (from the repository root), which
runs `cd backend && .venv/bin/python -m scripts.bench`. Numbers from another machine will differ;
compare the two servers with each other, not with these figures.

![Requests per second per scenario, both servers, log scale](benchmarks.png)

## Setup

{markdown_table(("", ""), facts)}

- **Load**: wrk, {WRK_THREADS} threads, {CONNECTIONS} connections, {profile.duration_s} s per
  scenario and server, request timeout {profile.timeout_s} s. `{wrk}`.
  The two servers take turns scenario by scenario (who goes first alternates), and each run
  starts only after the previous server has finished the requests wrk left in flight.
- **Data**: {sizes} generated patients (name, age, gender, email, phone, address{{city,street}},
  bloodType, conditions[], admittedAt; ids 1..N; seed {DATA_SEED}), loaded into json-server as
  a db.json file and into the service from the same file through the db.json importer
  (`app.seed.seed_if_empty`, as `make run` seeds its database). `{{id}}` in a path is a random
  existing id on every request. `q` searches for "{SEARCH_TERM}" (about 5% of patients).
  The POST runs last at each size, because it grows the collection.
- **json-server**: `json-server <copy of db.json> --host 127.0.0.1 --port <port> --quiet`
  (Node, one process; it rewrites the whole db.json after every write).
- **Service**: render.yaml's start command, `python -m app.runner`, with
  `ENVIRONMENT=production`, `WEB_CONCURRENCY={SERVICE_WORKERS}`, `LOG_LEVEL=warning`, on a fresh
  database migrated to head. wrk, both servers and PostgreSQL share the same cores.
- Before each run one request of the scenario goes to both servers; if the service's status,
  body, `X-Total-Count` or `Link` differs from json-server's, the service is not measured for
  that scenario (the row says why).

## Results

{markdown_table(TABLE_HEADER, result_rows(reports))}

- requests/s counts every completed response, in {profile.duration_s} s. "responses" is how many
  completed; a slow server completes few, and requests still waiting when the run ends are not
  counted.
- p50/p95/p99 come from wrk's latency histogram. A response slower than the timeout counts as a
  `timeout` error; a percentile that falls among those shows as "> {profile.timeout_s} s".
- errors: `status` is an HTTP status of 400 or more (no scenario expects one), `connect`,
  `read`, `write` are socket errors, `timeout` as above.
- others' CPU: the share of the machine's CPU time that processes outside the benchmark (and
  the hypervisor's steal) took during the run. The benchmark's own processes (wrk, both
  servers, the service's PostgreSQL backends) are not counted. Above a few percent, the row
  measured a shared machine and its figures are low.

## Start-up and memory

{markdown_table(RESOURCE_HEADER, resource_rows(reports))}

Start-up is the time from process start until `/health/ready` answers 200 (json-server: until
`GET /patients/1` answers), on a database already migrated and loaded (in production the
start does not migrate). Memory is the resident set size (psutil) of each uvicorn worker
process after the last scenario, in MB of 1,000,000 bytes.

## Targets

{markdown_table(("target", "measured", "verdict"), evaluate_targets(reports))}

{GENERATED_END}"""
    DOCS_FILE.write_text(text + kept)


def print_report(reports: Sequence[SizeReport], profile: Profile) -> None:
    print()
    print(text_table(TABLE_HEADER, result_rows(reports)))
    print()
    print(text_table(RESOURCE_HEADER, resource_rows(reports)))
    if not profile.smoke:
        print()
        print(text_table(("target", "measured", "verdict"), evaluate_targets(reports)))
    for report in reports:
        for failure in report.failures:
            print(f"FAILED at {report.size:,}: {failure}")


def request_errors(reports: Sequence[SizeReport]) -> list[str]:
    """Every request that errored: probes that failed, and runs with wrk errors."""
    problems = [
        f"{failure} at {report.size:,}" for report in reports for failure in report.failures
    ]
    problems += [
        describe(m)
        for report in reports
        for m in report.measurements
        if m.result is not None and m.result.error_count
    ]
    return problems


def check_tools() -> None:
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (`make bench` installs it with apt-get).")
    if not JSON_SERVER_BIN.exists() or shutil.which("node") is None:
        raise BenchError("json-server 0.17.4 is not installed: run `npm ci` at the root.")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few seconds on a tiny data set; no docs; fails if any request errors",
    )
    parser.add_argument("--duration", type=int, help="seconds per scenario and server")
    parser.add_argument(
        "--sizes", type=lambda text: tuple(int(s) for s in text.split(",")), help="e.g. 500,100000"
    )
    parser.add_argument("--no-docs", action="store_true", help="print only; do not write docs/")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    profile = SMOKE if args.smoke else FULL
    overrides: dict[str, Any] = {}
    if args.duration:
        overrides["duration_s"] = args.duration
    if args.sizes:
        overrides["sizes"] = args.sizes
    if overrides:
        profile = replace(profile, **overrides)
    started_at = datetime.datetime.now(datetime.UTC)
    load_at_start = os.getloadavg()[0]
    if load_at_start > (os.cpu_count() or 1) / 2:
        print(f"bench: the machine is busy (load {load_at_start:.1f}); numbers will suffer.")
    try:
        check_tools()
        server_url, where, _embedded = database_server()
        facts = machine_facts(postgres_version(server_url), where)
        with tempfile.TemporaryDirectory(prefix="patients-bench-") as workdir:
            reports = [run_size(size, profile, server_url, Path(workdir)) for size in profile.sizes]
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    print_report(reports, profile)
    if profile.smoke:
        problems = request_errors(reports)
        for problem in problems:
            print(f"bench-smoke: request errors: {problem}", file=sys.stderr)
        return 1 if problems else 0
    if not args.no_docs:
        load = f"{load_at_start:.2f} when the run began, {os.getloadavg()[0]:.2f} when it ended"
        facts.append(("Load average (1 min)", load))
        write_docs(reports, profile, facts, "make bench", started_at)
        write_chart(reports, CHART_FILE)
        print(f"\nWrote {DOCS_FILE} and {CHART_FILE}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
