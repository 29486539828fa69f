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
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import psycopg
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from app import importer
from app.config import BACKEND_DIR, PROJECT_DIR, Settings, normalize_database_url
from app.embedded import start_embedded_postgres
from app.json_codec import JsonObject
from app.sessions import create_engine, create_sessionmaker
from scripts.bench_plans import RequestPlan, explain_requests
from tests.support.database import libpq_url, temporary_database
from tests.support.servers import JSON_SERVER_BIN, free_port, stop

CONNECTIONS = 50
WRK_THREADS = 2
SERVICE_WORKERS = 2
WRK_SCRIPT = Path(__file__).resolve().parent / "bench" / "wrk.lua"
MIX_SCRIPT = Path(__file__).resolve().parent / "bench" / "mix.lua"
MIX_SEED = 104729
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


def _patient(rng: random.Random, number: int) -> JsonObject:
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    admitted = _ADMISSIONS_START + datetime.timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
    return {
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


def generate_patients(count: int, seed: int = DATA_SEED) -> list[JsonObject]:
    """`count` realistic patients with ids 1..count, the same for the same seed."""
    rng = random.Random(seed)
    return [_patient(rng, number) for number in range(1, count + 1)]


# --- The random mix's data set: several collections ----------------------------------------

_SPECIALTIES = (
    "cardiology",
    "dermatology",
    "general practice",
    "neurology",
    "oncology",
    "pediatrics",
    "psychiatry",
    "radiology",
)
_WARD_NAMES = ("Cardiology", "Maternity", "Oncology", "Pediatrics", "Surgery", "Intensive Care")
_APPOINTMENT_STATUSES = ("scheduled", "scheduled", "completed", "cancelled")
_APPOINTMENTS_START = datetime.datetime(2025, 1, 1, 8, tzinfo=datetime.UTC)
STRING_FOREIGN_KEY_SHARE = 0.1  # appointments whose patientId is the id as a string
CLINIC: JsonObject = {
    "name": "Riverside Clinic",
    "address": {"city": "Boston", "street": "12 Beacon St"},
    "phone": "555-0100",
    "openingHours": {"weekdays": "08:00-18:00", "saturday": "09:00-13:00"},
}


@dataclass(frozen=True)
class MixSizes:
    """How many records each collection of the mix's db.json holds, scaled on the patients:
    N patients, N/50 doctors, N/1,000 `Wards` (ids "w1".."wK"), 2N appointments (at least 1
    of each), and the singular `clinic`."""

    patients: int

    @property
    def doctors(self) -> int:
        return max(1, self.patients // 50)

    @property
    def wards(self) -> int:
        return max(1, self.patients // 1000)

    @property
    def appointments(self) -> int:
        return 2 * self.patients

    @property
    def records(self) -> int:
        return self.patients + self.doctors + self.wards + self.appointments

    def describe(self) -> str:
        return (
            f"{self.patients:,} patients, {self.doctors:,} doctors, {self.wards:,} Wards, "
            f"{self.appointments:,} appointments, clinic"
        )


def _mix_collections(
    sizes: MixSizes, seed: int
) -> Iterator[tuple[str, Iterator[JsonObject] | JsonObject]]:
    """The mix's db.json, key by key; a collection's records come one at a time, so that a
    data set of any size is generated in bounded memory. The same for the same seed."""
    rng = random.Random(seed)

    def ward_id() -> str:
        return f"w{rng.randint(1, sizes.wards)}"

    def patients() -> Iterator[JsonObject]:
        for number in range(1, sizes.patients + 1):
            yield {
                **_patient(rng, number),
                "doctorId": rng.randint(1, sizes.doctors),
                "wardId": ward_id(),
            }

    def doctors() -> Iterator[JsonObject]:
        for number in range(1, sizes.doctors + 1):
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            yield {
                "id": number,
                "name": f"Dr. {first} {last}",
                "specialty": rng.choice(_SPECIALTIES),
                "email": f"dr.{last.lower()}{number}@example.com",
                "phone": f"555-{rng.randrange(10_000):04d}",
                "wardId": ward_id(),
            }

    def wards() -> Iterator[JsonObject]:
        for number in range(1, sizes.wards + 1):
            yield {
                "id": f"w{number}",
                "name": f"{rng.choice(_WARD_NAMES)} {number}",
                "floor": rng.randint(0, 9),
                "beds": rng.randint(4, 40),
            }

    def appointments() -> Iterator[JsonObject]:
        for number in range(1, sizes.appointments + 1):
            patient: int | str = rng.randint(1, sizes.patients)
            if rng.random() < STRING_FOREIGN_KEY_SHARE:
                patient = str(patient)
            when = _APPOINTMENTS_START + datetime.timedelta(hours=rng.randrange(2 * 365 * 24))
            yield {
                "id": number,
                "patientId": patient,
                "doctorId": rng.randint(1, sizes.doctors),
                "date": when.strftime("%Y-%m-%dT%H:00:00Z"),
                "reason": rng.choice(_CONDITIONS),
                "status": rng.choice(_APPOINTMENT_STATUSES),
            }

    yield "patients", patients()
    yield "doctors", doctors()
    yield "Wards", wards()
    yield "appointments", appointments()
    yield "clinic", CLINIC


def write_mix_db_json(path: Path, sizes: MixSizes, seed: int = DATA_SEED) -> int:
    """Write the mix's db.json to `path` as it is generated (one record per line); returns
    how many records the collections hold."""
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("{")
        for index, (name, value) in enumerate(_mix_collections(sizes, seed)):
            out.write(("," if index else "") + f"\n  {json.dumps(name)}: ")
            if isinstance(value, dict):
                out.write(json.dumps(value, ensure_ascii=False))
                continue
            out.write("[")
            for position, record in enumerate(value):
                out.write(("," if position else "") + "\n    ")
                out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
                written += 1
            out.write("\n  ]")
        out.write("\n}\n")
    return written


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
    write_percent: int | None = None  # set for a random mix (scripts/bench/mix.lua)

    @property
    def label(self) -> str:
        if self.write_percent is not None:
            return f"random mix, {self.write_percent}% writes"
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
# A front end's traffic over every collection of the mix's data set; reads first.
MIX_SCENARIOS = (
    Scenario("mix", "mix, reads", "GET", "(mix)", write_percent=0),
    Scenario("mix_writes", "mix, 10% writes", "GET", "(mix)", write_percent=10),
)
ALL_SCENARIOS = SCENARIOS + MIX_SCENARIOS
# json-server loads a db.json this large at most (it holds the file in memory, and rewrites
# it whole after every write); larger data sets measure the service alone.
JSON_SERVER_MAX_PATIENTS = 100_000


@dataclass(frozen=True)
class Profile:
    sizes: tuple[int, ...]  # patients, for the repeated-URL scenarios
    mix_sizes: tuple[int, ...]  # patients, for the random mix
    large_size: int  # data sets this big also get the large-only scenarios
    duration_s: int
    timeout_s: int
    scenario_keys: frozenset[str]
    smoke: bool

    def mix_scenarios(self) -> list[Scenario]:
        return [s for s in MIX_SCENARIOS if s.key in self.scenario_keys]

    def scenarios_for(self, size: int) -> list[Scenario]:
        return [
            s
            for s in SCENARIOS
            if s.key in self.scenario_keys and (size >= self.large_size or not s.large_only)
        ]


FULL = Profile(
    sizes=(500, 100_000),
    mix_sizes=(500, 100_000, 1_000_000),
    large_size=100_000,
    duration_s=10,
    timeout_s=5,
    scenario_keys=frozenset(s.key for s in ALL_SCENARIOS),
    smoke=False,
)
SMOKE = Profile(
    sizes=(200,),  # enough for the filter's third page of 20 to hold records
    mix_sizes=(200,),
    large_size=100_000,
    duration_s=1,
    timeout_s=2,
    scenario_keys=frozenset({"list", "item", "filter", "search", "patch", "post", "mix_writes"}),
    smoke=True,
)
PARTS = {
    "repeated": frozenset(s.key for s in SCENARIOS),
    "mix": frozenset(s.key for s in MIX_SCENARIOS),
}


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
    not_found: int = 0  # 404 answers, not counted as errors (the mix expects none)
    statuses: dict[str, int] = field(default_factory=dict)  # the erring statuses (the mix)

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


REPEATED = "patients"  # the repeated-URL scenarios' data set: one collection
MIX = "collections"  # the random mix's: several collections (MixSizes)


@dataclass
class SizeReport:
    size: int
    data: str = REPEATED
    startup_s: dict[str, float] = field(default_factory=dict)
    import_s: float | None = None  # the service's load of the db.json
    generate_s: float | None = None
    # One request of each kind of the mix before the run: (kind, server) -> seconds.
    probe_s: dict[tuple[str, str], float] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)  # answers unlike json-server's
    rss_bytes: dict[str, list[int]] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # requests that errored outside wrk
    # The mix's example requests, with EXPLAIN ANALYZE of what the service ran for each.
    plans: list[RequestPlan] = field(default_factory=list)

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
        "ADMIN_TOKEN": secrets.token_urlsafe(32),  # render.yaml has Render generate one
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


def wrk_options(profile: Profile) -> list[str]:
    return [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{profile.duration_s}s",
        f"--timeout={profile.timeout_s}s",
        "--latency",
    ]


def wrk_command(base_url: str, scenario: Scenario, largest_id: int, profile: Profile) -> list[str]:
    return [
        *wrk_options(profile),
        f"--script={WRK_SCRIPT}",
        base_url + "/",
        "--",
        scenario.method,
        scenario.path,
        str(largest_id),
        scenario.body or "",
    ]


def mix_wrk_command(
    base_url: str, scenario: Scenario, sizes: MixSizes, profile: Profile
) -> list[str]:
    """wrk with scripts/bench/mix.lua: the collections' sizes and word lists it draws from."""
    words = {
        "first": _FIRST_NAMES,
        "last": _LAST_NAMES,
        "cities": _CITIES,
        "conditions": _CONDITIONS,
    }
    return [
        *wrk_options(profile),
        f"--script={MIX_SCRIPT}",
        base_url + "/",
        "--",
        f"patients={sizes.patients}",
        f"doctors={sizes.doctors}",
        f"wards={sizes.wards}",
        f"appointments={sizes.appointments}",
        f"writes={scenario.write_percent or 0}",
        f"seed={MIX_SEED}",
        *(f"{name}={','.join(values)}" for name, values in words.items()),
    ]


def run_wrk(command: Sequence[str], profile: Profile) -> WrkResult:
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
        data["duration_us"],
        data["requests"],
        data["errors"],
        data["latency_us"],
        profile.timeout_s,
        data.get("not_found", 0),
        data.get("statuses", {}),
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


def load_collections(database_url: str, db_file: Path) -> int:
    """Make the database hold exactly the collections of db.json, through the db.json importer
    (`make migrate-data --replace`: validated, written with COPY in one transaction, verified
    record by record), then VACUUM (ANALYZE) it, as autovacuum would soon after a load (the
    visibility map lets a deep page count its way through an index alone); returns how many
    records were written. The one place the benchmark's data enters the service, so "loaded
    in" measures the importer and that vacuum."""
    options = importer.ImportOptions(mode=importer.Mode.REPLACE)

    async def run() -> int:
        engine = create_engine(Settings(database_url=SecretStr(database_url), _env_file=None))
        try:
            validation = importer.validate_file(db_file, options)
            report = importer.MigrationReport(options, validation)
            await importer.migrate(create_sessionmaker(engine), db_file, report)
        finally:
            await engine.dispose()
        if report.outcome is not importer.Outcome.OK:
            raise BenchError(f"{db_file} did not load: {report.outcome}")
        async with await psycopg.AsyncConnection.connect(
            libpq_url(database_url), autocommit=True
        ) as conn:
            await conn.execute("VACUUM (ANALYZE)")
        return report.written

    return asyncio.run(run())


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
                command = wrk_command(servers[name].base_url, scenario, report.size, profile)
                measurement.result = run_wrk(command, profile)
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
        began = time.monotonic()
        loaded = load_collections(database_url, db_file)
        report.import_s = time.monotonic() - began
        if loaded != size:
            raise BenchError(f"the loader wrote {loaded} patients, not {size}")
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


# One request of each kind the mix draws, with ids and words from the generated ranges: the
# service's answer is compared with json-server's, and each is timed alone before the run.
def mix_examples(sizes: MixSizes) -> list[tuple[str, str]]:
    patient, appointment_page = max(sizes.patients // 3, 1), max(sizes.appointments // 40, 1)
    return [
        ("page", f"/appointments?_page={appointment_page}&_limit=20"),
        ("id", f"/patients/{patient}"),
        ("id, string", f"/Wards/w{sizes.wards}"),
        ("filter+sort+page", "/patients?gender=female&age_gte=30&_sort=name&_page=3&_limit=20"),
        ("q", "/patients?q=boston&_page=2&_limit=20"),
        ("q, digits", "/patients?q=4821&_page=1&_limit=20"),
        ("_like", "/patients?name_like=ann&_page=1&_limit=20"),
        ("dotted path", "/patients?address.city=Denver&_sort=age&_order=desc&_page=2&_limit=20"),
        (
            "dotted + _like",
            "/patients?address.city=Miami&conditions_like=asthma&_sort=age&_order=desc&_limit=20",
        ),
        ("_expand+_embed item", f"/patients/{patient}?_expand=doctor&_embed=appointments"),
        ("_expand list", f"/appointments?_expand=patient&_page={appointment_page}"),
        ("nested", f"/doctors/{max(sizes.doctors // 2, 1)}/patients"),
        ("nested + sort", f"/patients/{patient}/appointments?_sort=date"),
        ("singular", "/clinic"),
    ]


def probe_mix(report: SizeReport, servers: dict[str, RunningServer], sizes: MixSizes) -> None:
    """Ask each server one request of each kind: a service answer that is not 2xx is a
    failure, one unlike json-server's a difference; both are timed."""
    for kind, path in mix_examples(sizes):
        replies: dict[str, Reply] = {}
        for name, server in servers.items():
            began = time.monotonic()
            try:
                replies[name] = call(server.base_url, "GET", path)
            except (OSError, http.client.HTTPException) as exc:
                report.failures.append(f"GET {path} [{name}]: {type(exc).__name__}")
                return
            report.probe_s[(kind, name)] = time.monotonic() - began
        if not 200 <= replies[SERVICE].status < 300:
            report.failures.append(f"GET {path} [{SERVICE}]: {replies[SERVICE].status}")
        if JSON_SERVER in replies:
            difference = answer_difference(
                replies[JSON_SERVER],
                servers[JSON_SERVER].base_url,
                replies[SERVICE],
                servers[SERVICE].base_url,
            )
            if difference:
                report.differences.append(f"GET {path}: {difference}")


def run_mix(size: int, profile: Profile, server_url: str, workdir: Path) -> SizeReport:
    """Generate the mix's db.json for `size` patients, load it into the service (and into
    json-server when it can hold it), and run the random mixes."""
    sizes = MixSizes(size)
    report = SizeReport(size, MIX)
    db_file = workdir / f"collections-{size}.json"
    began = time.monotonic()
    write_mix_db_json(db_file, sizes)
    report.generate_s = time.monotonic() - began
    print(f"{sizes.describe()}: generated in {report.generate_s:.1f} s", flush=True)
    with (
        temporary_database(server_url, prefix="patients_bench") as database_url,
        ExitStack() as stack,
    ):
        began = time.monotonic()
        loaded = load_collections(database_url, db_file)
        report.import_s = time.monotonic() - began
        if loaded != sizes.records:
            raise BenchError(f"the loader wrote {loaded} records, not {sizes.records}")
        print(f"  loaded into the service in {report.import_s:.1f} s", flush=True)
        service_port = free_port()
        servers = {
            SERVICE: stack.enter_context(
                started(
                    SERVICE,
                    service_port,
                    [sys.executable, "-m", "app.runner"],
                    service_env(database_url, service_port),
                    "/health/ready",
                    BACKEND_DIR,
                    workdir,
                )
            )
        }
        if size <= JSON_SERVER_MAX_PATIENTS:
            port = free_port()
            copy = Path(shutil.move(db_file, workdir / f"json-server-collections-{size}.json"))
            servers[JSON_SERVER] = stack.enter_context(
                started(
                    JSON_SERVER,
                    port,
                    json_server_command(copy, port),
                    dict(os.environ),
                    "/patients/1",
                    workdir,
                    workdir,
                )
            )
        else:
            db_file.unlink()
        report.startup_s = {name: server.startup_s for name, server in servers.items()}
        cpu = CpuWatch(
            tuple(server.process.pid for server in servers.values()),
            str(make_url(database_url).database),
        )
        probe_mix(report, servers, sizes)
        report.plans = explain_requests(database_url, mix_examples(sizes))
        for difference in report.differences:
            print(f"  differs from json-server: {difference}", flush=True)
        for index, scenario in enumerate(profile.mix_scenarios()):
            order = [JSON_SERVER, SERVICE] if index % 2 == 0 else [SERVICE, JSON_SERVER]
            for name in (name for name in order if name in servers):
                measurement = Measurement(scenario, size, name)
                command = mix_wrk_command(servers[name].base_url, scenario, sizes, profile)
                with cpu.other_share(measurement):
                    measurement.result = run_wrk(command, profile)
                report.measurements.append(measurement)
                print(f"  {describe(measurement)}", flush=True)
                if name == JSON_SERVER and not _settled_or_dropped(report, servers, scenario):
                    continue
                if name == SERVICE:
                    settle(servers[name])
        report.rss_bytes = {name: resident_memory(server) for name, server in servers.items()}
    return report


# json-server, queueing what wrk left in flight at 100,000 records with writes (each rewrites
# the whole file), may take many minutes to catch up; the service's runs do not wait for it.
JSON_SERVER_SETTLE_S = 120.0


def _settled_or_dropped(
    report: SizeReport, servers: dict[str, RunningServer], scenario: Scenario
) -> bool:
    """Wait for json-server to work off its backlog; one that does not within
    JSON_SERVER_SETTLE_S is stopped and leaves the size's later scenarios to the service
    alone (said among the size's failures). Its measurements so far are kept."""
    try:
        settle(servers[JSON_SERVER], deadline_s=JSON_SERVER_SETTLE_S)
    except BenchError as exc:
        stop(servers.pop(JSON_SERVER).process)
        report.failures.append(
            f"json-server after {scenario.label}: {exc}; the later scenarios at this size ran "
            "without it"
        )
        print(f"  json-server dropped: {exc}", flush=True)
        return False
    return True


def run_mix_or_say_why(size: int, profile: Profile, server_url: str, workdir: Path) -> SizeReport:
    """run_mix; a size that cannot be measured (the data too large for this machine, a server
    that stopped) is reported as a failure of that size, and the others still run."""
    try:
        return run_mix(size, profile, server_url, workdir)
    except BenchError as exc:
        print(f"  random mix at {size:,} failed: {exc}", flush=True)
        report = SizeReport(size, MIX)
        report.failures.append(f"random mix: {exc}")
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
    not_found = f" (and {result.not_found:,} 404s)" if result.not_found else ""
    if not result.error_count:
        return "0" + not_found
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(result.statuses.items()))
    parts = ", ".join(
        f"{kind} {count}" + (f" [{statuses}]" if kind == "status" and statuses else "")
        for kind, count in result.errors.items()
        if count
    )
    return f"{result.error_count} ({parts}){not_found}"


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


RESOURCE_HEADER = (
    "data",
    "patients",
    "server",
    "loaded in",
    "start-up to ready",
    "resident memory after the run",
)


def resource_rows(reports: Sequence[SizeReport]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for report in reports:
        for server in (SERVICE, JSON_SERVER):
            if server not in report.startup_s:
                continue
            rss = report.rss_bytes.get(server, [])
            kind = "per worker" if server == SERVICE else "process"
            loaded = "" if server == JSON_SERVER or report.import_s is None else report.import_s
            rows.append(
                (
                    report.data,
                    f"{report.size:,}",
                    server,
                    f"{loaded:.1f} s" if isinstance(loaded, float) else "at start-up",
                    f"{report.startup_s[server]:.2f} s",
                    ", ".join(f"{value / MEGABYTE:.0f} MB" for value in rss) + f" ({kind})",
                )
            )
    return rows


PROBE_HEADER = ("request", "patients", "service", "json-server")


def probe_rows(reports: Sequence[SizeReport]) -> list[tuple[str, ...]]:
    """One request of each kind of the mix, alone, before the load: what a cold answer costs."""
    rows: list[tuple[str, ...]] = []
    for report in reports:
        sizes = MixSizes(report.size)
        for kind, path in mix_examples(sizes) if report.data == MIX else ():
            times = [report.probe_s.get((kind, server)) for server in (SERVICE, JSON_SERVER)]
            if times == [None, None]:
                continue
            rows.append(
                (
                    f"{kind}: `{path}`",
                    f"{report.size:,}",
                    *("" if t is None else format_latency(round(t * 1e6), 300) for t in times),
                )
            )
    return rows


PLAN_HEADER = (
    "request",
    "patients",
    "statements",
    "their execution time",
    "indexes read",
    "rows read by sequential scans",
)


def plan_rows(report: SizeReport) -> list[tuple[str, ...]]:
    return [
        (
            f"{plan.kind}: `{plan.path}`",
            f"{report.size:,}",
            str(len(plan.statements)),
            f"{plan.execution_ms:,.1f} ms",
            ", ".join(f"`{name}`" for name in plan.indexes) or "none",
            f"{plan.rows_scanned:,}",
        )
        for plan in report.plans
    ]


def plans_section(reports: Sequence[SizeReport]) -> str:
    """EXPLAIN ANALYZE of each kind of request at the largest mix size that has plans."""
    with_plans = [report for report in reports if report.plans]
    if not with_plans:
        return "No mix size was measured, so there are no plans."
    report = max(with_plans, key=lambda r: r.size)
    parts = [
        f"What the service ran for one request of each kind at {report.size:,} patients, "
        "before the load, each statement that reads records under `EXPLAIN (ANALYZE, BUFFERS)` "
        "(scripts/bench_plans.py records the service's own statements, JIT off as the service "
        "has it). A sequential scan that reads few rows is an `EXISTS` that stops at the "
        "first record it finds.",
        "",
        markdown_table(PLAN_HEADER, plan_rows(report)),
    ]
    for plan in report.plans:
        slowest = plan.slowest
        if slowest is None:
            continue
        parts += [
            "",
            f"#### {plan.kind}: `GET {plan.path}` — its slowest statement, "
            f"{slowest.execution_ms:,.1f} ms",
            "",
            "```",
            slowest.plan,
            "```",
        ]
    return "\n".join(parts)


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
    min_rate: float | None = None  # requests/s, for a data set json-server cannot load

    def describe(self) -> str:
        scenario = next(s for s in ALL_SCENARIOS if s.key == self.key)
        ratio = f"≥ {self.min_ratio:g}x json-server's requests/s and " if self.min_ratio else ""
        rate = f"≥ {self.min_rate:g} requests/s and " if self.min_rate else ""
        return (
            f"{scenario.label} at {self.size:,}: {ratio}{rate}"
            f"{self.percentile} < {self.max_latency_ms:g} ms, no errors"
        )


LOAD_TARGETS = (
    LoadTarget("list", 500, 10, "p99", 25),
    LoadTarget("item", 500, 2, "p99", 10),
    LoadTarget("post", 500, 5, "p99", 50),
    LoadTarget("filter", 100_000, None, "p95", 20),
    LoadTarget("search_page", 100_000, None, "p95", 20),
    LoadTarget("mix_writes", 500, 2, "p99", 50),
    LoadTarget("mix_writes", 100_000, 100, "p95", 50),
    LoadTarget("mix_writes", 1_000_000, None, "p95", 100, min_rate=500),
)
STARTUP_TARGET_S = 1.0
STARTUP_TARGET_SIZE = 100_000
WORKER_MEMORY_TARGET_BYTES = 120 * MEGABYTE
MIX_LARGE_SIZE = 1_000_000
MIX_IMPORT_TARGET_S = 180.0
MIX_WORKER_MEMORY_TARGET_BYTES = 150 * MEGABYTE

Verdict = tuple[str, str, str, str]  # target, measured, verdict, by how much


def at_least(measured: float, minimum: float, what: str) -> str:
    """How far `measured` is above (met) or below (missed) a minimum."""
    if measured >= minimum:
        return f"{what} {measured / minimum:.2g}x the minimum"
    if measured >= minimum / 2:
        return f"{what} {1 - measured / minimum:.0%} short"
    return f"{what} short by {minimum / measured:.1f}x" if measured else f"{what} is 0"


def below(measured: float, limit: float, what: str) -> str:
    """How far `measured` is under (met) or over (missed) a limit."""
    if measured < limit:
        return f"{what} {1 - measured / limit:.0%} under the limit"
    if measured < 2 * limit:
        return f"{what} {measured / limit - 1:.0%} over the limit"
    return f"{what} {measured / limit:.1f}x the limit"


def _load_verdict(target: LoadTarget, report: SizeReport, measurement: Measurement) -> Verdict:
    assert measurement.result is not None
    result = measurement.result
    latency = result.latency_us[target.percentile]
    limit_us = target.max_latency_ms * 1000
    ratio = throughput_ratio(report, target.key)
    rate = result.requests_per_second
    checks = [
        (
            0 <= latency < limit_us,
            below(latency, limit_us, target.percentile)
            if latency >= 0
            else f"{target.percentile} {format_latency(latency, result.timeout_s)}",
        ),
        (result.error_count == 0, f"{result.error_count:,} errors"),
    ]
    if target.min_ratio is not None:
        checks.append(
            (
                ratio is not None and ratio >= target.min_ratio,
                at_least(ratio, target.min_ratio, "ratio") if ratio else "no ratio",
            )
        )
    if target.min_rate is not None:
        checks.append((rate >= target.min_rate, at_least(rate, target.min_rate, "requests/s")))
    ratio_text = f"{format_ratio(ratio)}, " if target.min_ratio else ""
    rate_text = f"{format_rate(rate)} requests/s, " if target.min_rate else ""
    measured = (
        f"{ratio_text}{rate_text}{target.percentile} "
        f"{format_latency(latency, result.timeout_s)}, errors {result.error_count}"
    )
    met = all(ok for ok, _ in checks)
    margins = [text for ok, text in checks if ok == met and not text.startswith("0 errors")]
    return target.describe(), measured, "met" if met else "NOT met", "; ".join(margins)


def _find(
    reports: Sequence[SizeReport], key: str, size: int
) -> tuple[SizeReport, Measurement] | None:
    for report in reports:
        measurement = report.find(key, SERVICE) if report.size == size else None
        if measurement is not None:
            return report, measurement
    return None


def evaluate_targets(reports: Sequence[SizeReport]) -> list[Verdict]:
    """(target, measured, verdict, by how much) for every target of the brief."""
    rows: list[Verdict] = []
    for target in LOAD_TARGETS:
        found = _find(reports, target.key, target.size)
        if found is None or found[1].result is None:
            reason = found[1].not_measured if found else "not run"
            rows.append((target.describe(), f"not measured: {reason}", "not measured", ""))
            continue
        rows.append(_load_verdict(target, *found))
    rows += _repeated_resource_verdicts(reports)
    rows += _mix_resource_verdicts(reports)
    return rows


def _repeated_resource_verdicts(reports: Sequence[SizeReport]) -> list[Verdict]:
    large = next((r for r in reports if r.data == REPEATED and r.size == STARTUP_TARGET_SIZE), None)
    startup_target = f"start-up to ready at {STARTUP_TARGET_SIZE:,} < {STARTUP_TARGET_S:g} s"
    memory_target = f"resident memory per worker after the run at {STARTUP_TARGET_SIZE:,} < 120 MB"
    if large is None:
        return [
            (startup_target, "not measured", "not measured", ""),
            (memory_target, "not measured", "not measured", ""),
        ]
    startup = large.startup_s[SERVICE]
    largest = max(large.rss_bytes[SERVICE])
    return [
        (
            startup_target,
            f"{startup:.2f} s",
            "met" if startup < STARTUP_TARGET_S else "NOT met",
            below(startup, STARTUP_TARGET_S, "start-up"),
        ),
        (
            memory_target,
            f"{largest / MEGABYTE:.0f} MB (largest worker)",
            "met" if largest < WORKER_MEMORY_TARGET_BYTES else "NOT met",
            below(largest, WORKER_MEMORY_TARGET_BYTES, "memory"),
        ),
    ]


def _mix_resource_verdicts(reports: Sequence[SizeReport]) -> list[Verdict]:
    large = next((r for r in reports if r.data == MIX and r.size == MIX_LARGE_SIZE), None)
    import_target = (
        f"loading the mix's db.json at {MIX_LARGE_SIZE:,} patients "
        f"({MixSizes(MIX_LARGE_SIZE).records:,} records) < {MIX_IMPORT_TARGET_S:g} s"
    )
    memory_target = f"resident memory per worker after the mix at {MIX_LARGE_SIZE:,} < 150 MB"
    if large is None or large.import_s is None or SERVICE not in large.rss_bytes:
        return [
            (import_target, "not measured", "not measured", ""),
            (memory_target, "not measured", "not measured", ""),
        ]
    largest = max(large.rss_bytes[SERVICE])
    return [
        (
            import_target,
            f"{large.import_s:.0f} s",
            "met" if large.import_s < MIX_IMPORT_TARGET_S else "NOT met",
            below(large.import_s, MIX_IMPORT_TARGET_S, "load"),
        ),
        (
            memory_target,
            f"{largest / MEGABYTE:.0f} MB (largest worker)",
            "met" if largest < MIX_WORKER_MEMORY_TARGET_BYTES else "NOT met",
            below(largest, MIX_WORKER_MEMORY_TARGET_BYTES, "memory"),
        ),
    ]


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
    """Grouped bars of requests/s per scenario and size, both servers, on a log scale; below,
    the random mix's p50, p95 and p99 per size and server."""
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

    mixes = [(report, key) for report, key in groups if report.data == MIX]
    figure, (axes, latency_axes) = plt.subplots(
        2,
        1,
        figsize=(max(8.0, 0.95 * len(groups) + 2), 11.0),
        dpi=110,
        height_ratios=(6, 4.5) if mixes else (6, 0.01),
    )
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
    _scenario_ticks(axes, groups, ALL_SCENARIOS)
    axes.set_xlabel("scenario, patients; blue figures above: service ÷ json-server throughput")
    axes.set_title(
        f"Requests/s at {CONNECTIONS} connections: the service vs json-server 0.17.4", fontsize=11
    )
    axes.legend(loc="upper left", bbox_to_anchor=(0.0, 0.9), fontsize=8)
    axes.grid(axis="y", which="major", alpha=0.3)
    _latency_panel(latency_axes, mixes)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _scenario_ticks(
    axes: Any, groups: Sequence[tuple[SizeReport, str]], scenarios: Sequence[Scenario]
) -> None:
    """One tick per (size, scenario key): the scenario's short name over the size."""
    axes.set_xticks(
        range(len(groups)),
        [
            f"{next(s.short_name for s in scenarios if s.key == key)}\n{report.size:,}"
            for report, key in groups
        ],
        fontsize=8,
    )


def _latency_panel(axes: Any, mixes: Sequence[tuple[SizeReport, str]]) -> None:
    """p50, p95 and p99 of each random mix, json-server's bars beside the service's."""
    if not mixes:
        axes.set_visible(False)
        return
    shades = {
        JSON_SERVER: ("#d0d0d0", "#9e9e9e", "#616161"),
        SERVICE: ("#a9cbe8", "#1f6fb2", "#0b3b63"),
    }
    width = 0.13
    for index, (report, key) in enumerate(mixes):
        for server_offset, server in ((-0.21, JSON_SERVER), (0.21, SERVICE)):
            measurement = report.find(key, server)
            result = measurement.result if measurement else None
            for p_index, percentile in enumerate(("p50", "p95", "p99")):
                x = index + server_offset + (p_index - 1) * width
                value = result.latency_us[percentile] if result else NOT_RECORDED
                beyond = value == SLOWER_THAN_TIMEOUT
                height = (result.timeout_s * 1000 if beyond else value / 1000) if result else 0
                bar = axes.bar(x, height, width, color=shades[server][p_index])
                if index == 0:
                    bar.set_label(f"{server} {percentile}")
                shown = f"{height:,.0f}" if height >= 10 else f"{height:.1f}"
                text = "n/a" if not result else (">" if beyond else "") + shown
                axes.annotate(
                    text,
                    (x, max(height, 0.1)),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=6,
                    rotation=90,
                )
    axes.axhline(50, color="#c62828", linestyle="--", linewidth=0.8)
    axes.axhline(100, color="#c62828", linestyle=":", linewidth=0.8)
    axes.set_yscale("log")
    axes.set_ylim(0.5, 200_000)
    axes.set_ylabel("latency, ms (log scale; lower is better)")
    _scenario_ticks(axes, mixes, MIX_SCENARIOS)
    axes.set_xlabel("random mix, patients; red lines: the 50 ms and 100 ms targets")
    axes.set_title("Random mix latency: p50, p95, p99 per server", fontsize=11)
    axes.legend(loc="upper left", fontsize=7, ncol=2)
    axes.grid(axis="y", which="major", alpha=0.3)


MIX_READS_TABLE = (
    ("15", "a page of 20 of a random collection", "`/<collection>?_page=<p>&_limit=20`"),
    ("20", "a random id of a random collection", "`/<collection>/<id>`, `/Wards/w<k>`"),
    (
        "10",
        "equality + range filters, sorted, paged",
        "`/patients?gender=<g>&age_gte=<n>&_sort=<name, age, admittedAt or id>&_page=<1-5>"
        "&_limit=20`",
    ),
    (
        "10",
        "`q`: a first or last name, a city, a condition or 3-4 digits",
        "`/patients?q=<term>&_page=<1-3>&_limit=20`",
    ),
    (
        "7",
        "`_like`: 3-4 letters of a name",
        "`/patients?name_like=<substring>&_page=<1-3>&_limit=20`",
    ),
    (
        "7",
        "a dotted path, half of the time with a `_like` on an array",
        "`/patients?address.city=<c>&_sort=age&_order=desc&_page=<1-5>&_limit=20`, "
        "`/patients?address.city=<c>&conditions_like=<c>&_sort=age&_order=desc&_limit=20`",
    ),
    ("6", "`_expand` + `_embed` on an item", "`/patients/<id>?_expand=doctor&_embed=appointments`"),
    ("6", "`_expand` on a list", "`/appointments?_expand=patient&_page=<p>`"),
    (
        "8",
        "nested routes",
        "`/doctors/<id>/patients`, `/patients/<id>/appointments?_sort=date`",
    ),
    ("3", "the singular resource", "`/clinic`"),
)


def _filtered(reports: Sequence[SizeReport], data: str) -> list[SizeReport]:
    return [report for report in reports if report.data == data]


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
    options = " ".join(wrk_options(profile))
    wrk = f"{options} --script=scripts/bench/wrk.lua http://127.0.0.1:PORT/"
    wrk += " -- METHOD PATH LARGEST_ID BODY"
    mix_wrk = f"{options} --script=scripts/bench/mix.lua http://127.0.0.1:PORT/ -- patients=N"
    mix_wrk += " doctors=N/50 wards=N/1000 appointments=2N writes=0|10 seed=... first=... ..."
    sizes = " and ".join(f"{size:,}" for size in profile.sizes)
    mix_sizes = ", ".join(f"{size:,}" for size in profile.mix_sizes)
    repeated, mixes = _filtered(reports, REPEATED), _filtered(reports, MIX)
    sizes_help = (
        f"these sizes (patients, comma-separated); the default is {sizes} for the repeated "
        f"URLs and {mix_sizes} for the mix. json-server joins only up to "
        f"{JSON_SERVER_MAX_PATIENTS:,} patients, and the repeated URLs run only there"
    )
    differences = [
        f"- {report.size:,} patients: {difference}"
        for report in mixes
        for difference in report.differences
    ] or ["- none."]
    failures = [
        f"- {report.size:,} patients: {failure}" for report in mixes for failure in report.failures
    ] or ["- none."]
    text = f"""# Benchmarks: the service against json-server 0.17.4

Measured on {started_at:%Y-%m-%d %H:%M} UTC with `{command}` (from the repository root), which
runs `cd backend && .venv/bin/python -m scripts.bench`. Numbers from another machine will differ;
compare the two servers with each other, not with these figures.

![Requests/s per scenario, both servers, log scale; the random mix's latencies](benchmarks.png)

## Setup

{markdown_table(("", ""), facts)}

- **Load**: wrk, {WRK_THREADS} threads, {CONNECTIONS} connections, {profile.duration_s} s per
  scenario and server, request timeout {profile.timeout_s} s. Repeated URL: `{wrk}`.
  Random mix: `{mix_wrk}`.
  The two servers take turns scenario by scenario (who goes first alternates), and each run
  starts only after the previous server has finished the requests wrk left in flight.
- **json-server**: `json-server <copy of db.json> --host 127.0.0.1 --port <port> --quiet`
  (Node, one process; it rewrites the whole db.json after every write, and on a DELETE scans
  every collection for records left without their parent).
- **Service**: render.yaml's start command, `python -m app.runner`, with
  `ENVIRONMENT=production`, `WEB_CONCURRENCY={SERVICE_WORKERS}`, `LOG_LEVEL=warning`, on a fresh
  database migrated to head. wrk, both servers and PostgreSQL share the same cores.

### Running part of it

`make bench` runs everything and rewrites this file and the chart. `BENCH_ARGS` narrows a run,
which then only prints its tables (add `--docs` to write this file anyway):

| flag | what it does |
|---|---|
| `--only repeated` or `--only mix` | only the repeated-URL scenarios, or only the random mix |
| `--sizes 100000` | {sizes_help} |
| `--duration 10` | seconds per scenario and server (default {FULL.duration_s}) |
| `--no-docs`, `--docs` | never / always write docs/benchmarks.md and the chart |
| `--smoke` | `make bench-smoke`: seconds on 200 patients, fails if a request errors |

For example, while making queries faster: `make bench BENCH_ARGS="--only mix --sizes 100000
--duration 10"` (under 3 minutes at 100,000 patients, most of it loading the data).

## Repeated URL: one request, over and over

- **Data**: {sizes} generated patients (name, age, gender, email, phone, address{{city,street}},
  bloodType, conditions[], admittedAt; ids 1..N; seed {DATA_SEED}), loaded into json-server as
  a db.json file and into the service from the same file with `load_collections` (below),
  which runs the db.json importer.
  `{{id}}` in a path is a random existing id on every request. `q` searches for
  "{SEARCH_TERM}" (about 5% of patients).
  The POST runs last at each size, because it grows the collection.
- Before each run one request of the scenario goes to both servers; if the service's status,
  body, `X-Total-Count` or `Link` differs from json-server's, the service is not measured for
  that scenario (the row says why).

{markdown_table(TABLE_HEADER, result_rows(repeated))}

## Random mix: a front end's traffic

- **Data** (`write_mix_db_json`, seed {DATA_SEED}, written as it is generated): N patients
  (the fields above, plus `doctorId` 1..N/50 and `wardId` "w1".."wN/1000"), N/50 `doctors`
  (name, specialty, email, phone, wardId), N/1,000 `Wards` (capitalised, string ids
  "w1".., name, floor, beds), 2N `appointments` (patientId, {STRING_FOREIGN_KEY_SHARE:.0%} of
  them as a string, doctorId, date, reason, status), and the singular `clinic`; at least one
  of each. Sizes: {mix_sizes} patients. json-server loads the same file; the service loads it
  with `load_collections` (scripts/bench.py: the db.json importer, `--replace`, then
  VACUUM (ANALYZE)).
  Above {JSON_SERVER_MAX_PATIENTS:,} patients the service runs alone.
- **Traffic** (scripts/bench/mix.lua): every request is drawn at random, per wrk thread from
  a fixed seed (both servers get the same sequence), with ids and words from the generated
  ranges. Reads, by weight:

{markdown_table(("weight", "request", "paths"), MIX_READS_TABLE)}

- **Writes**: "10% writes" makes each request a write with probability 0.1: POST (30%), PUT
  (20%) or PATCH (30%) on a random collection and id, or DELETE (20%) of a record that
  wrk thread created itself (from its POST's `Location`; a POST when it has none), so reads
  still find every generated id. A 404 is therefore not expected; the errors column counts
  timeouts, socket errors and every answer other than 2xx or 404, and lists 404s apart.
  json-server cascades each DELETE (scans every collection for orphans); the service does not
  unless `CASCADE_DELETES` is on, which the production start leaves off.

{markdown_table(TABLE_HEADER, result_rows(mixes))}

**One request of each kind, alone**, before the load (the first time it is asked, so no
reused answer): what a cold answer costs.

{markdown_table(PROBE_HEADER, probe_rows(mixes))}

Answers of the service that differ from json-server's among these:

{chr(10).join(differences)}

Requests among these that the service did not answer with 2xx (a mix size that could not be
measured at all is listed here too):

{chr(10).join(failures)}

### What PostgreSQL does for each kind

{plans_section(mixes)}

## Reading the tables

- requests/s counts every completed response, in {profile.duration_s} s. "responses" is how many
  completed; a slow server completes few, and requests still waiting when the run ends are not
  counted.
- p50/p95/p99 come from wrk's latency histogram. A response slower than the timeout counts as a
  `timeout` error; a percentile that falls among those shows as "> {profile.timeout_s} s".
- errors: `status` is an HTTP status of 400 or more (in the mix: any answer other than 2xx or
  404), `connect`, `read`, `write` are socket errors, `timeout` as above.
- others' CPU: the share of the machine's CPU time that processes outside the benchmark (and
  the hypervisor's steal) took during the run. The benchmark's own processes (wrk, both
  servers, the service's PostgreSQL backends) are not counted. Above a few percent, the row
  measured a shared machine and its figures are low.

## Loading, start-up and memory

{markdown_table(RESOURCE_HEADER, resource_rows(reports))}

"loaded in" is the service's load of the db.json into a migrated database
(`load_collections`). Start-up is the time from
process start until `/health/ready` answers 200 (json-server, which loads the file as it
starts: until `GET /patients/1` answers), on a database already migrated and loaded (in
production the start does not migrate). Memory is the resident set size (psutil) of each
uvicorn worker process after the last scenario, in MB of 1,000,000 bytes.

## Targets

{markdown_table(("target", "measured", "verdict", "by how much"), evaluate_targets(reports))}

{GENERATED_END}"""
    DOCS_FILE.write_text(text + kept)


def print_report(reports: Sequence[SizeReport], profile: Profile) -> None:
    print()
    print(text_table(TABLE_HEADER, result_rows(reports)))
    print()
    print(text_table(RESOURCE_HEADER, resource_rows(reports)))
    if any(report.data == MIX for report in reports):
        print()
        print(text_table(PROBE_HEADER, probe_rows(reports)))
        for report in reports:
            if report.plans:
                print(text_table(PLAN_HEADER, plan_rows(report)))
    if not profile.smoke:
        print()
        header = ("target", "measured", "verdict", "by how much")
        run = [row for row in evaluate_targets(reports) if not row[1].startswith("not measured")]
        print(text_table(header, run) if run else "No target's scenario ran.")
    for report in reports:
        for difference in report.differences:
            print(f"differs from json-server at {report.size:,}: {difference}")
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


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(size.replace("_", "")) for size in text.split(","))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few seconds on a tiny data set; no docs; fails if any request errors",
    )
    parser.add_argument(
        "--only", choices=sorted(PARTS), help="only the repeated-URL scenarios, or only the mix"
    )
    parser.add_argument("--duration", type=int, help="seconds per scenario and server")
    parser.add_argument("--sizes", type=_sizes, help="patients, e.g. 500,100000")
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument("--no-docs", action="store_true", help="print only; do not write docs/")
    docs.add_argument("--docs", action="store_true", help="write docs/ after a narrowed run too")
    return parser.parse_args(argv)


def profile_for(args: argparse.Namespace) -> Profile:
    """The profile the command line asks for: the full run or the smoke test, narrowed."""
    profile = SMOKE if args.smoke else FULL
    overrides: dict[str, Any] = {}
    if args.duration:
        overrides["duration_s"] = args.duration
    if args.sizes:
        overrides["sizes"] = tuple(s for s in args.sizes if s <= JSON_SERVER_MAX_PATIENTS)
        overrides["mix_sizes"] = args.sizes
    if args.only:
        overrides["scenario_keys"] = profile.scenario_keys & PARTS[args.only]
    profile = replace(profile, **overrides)
    if not profile.scenario_keys & PARTS["repeated"]:
        profile = replace(profile, sizes=())
    if not profile.mix_scenarios():
        profile = replace(profile, mix_sizes=())
    return profile


def writes_docs(args: argparse.Namespace) -> bool:
    """The full run writes docs/; a narrowed one only when asked to."""
    narrowed = bool(args.only or args.sizes or args.duration)
    return not args.smoke and not args.no_docs and (args.docs or not narrowed)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    profile = profile_for(args)
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
            reports += [
                run_mix_or_say_why(size, profile, server_url, Path(workdir))
                for size in profile.mix_sizes
            ]
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    print_report(reports, profile)
    if profile.smoke:
        problems = request_errors(reports)
        for problem in problems:
            print(f"bench-smoke: request errors: {problem}", file=sys.stderr)
        return 1 if problems else 0
    if writes_docs(args):
        load = f"{load_at_start:.2f} when the run began, {os.getloadavg()[0]:.2f} when it ended"
        facts.append(("Load average (1 min)", load))
        command = "make bench" + (
            f' BENCH_ARGS="{shlex.join(argv or sys.argv[1:])}"' if args.docs else ""
        )
        write_docs(reports, profile, facts, command, started_at)
        write_chart(reports, CHART_FILE)
        print(f"\nWrote {DOCS_FILE} and {CHART_FILE}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
