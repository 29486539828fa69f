"""`make bench-history` (part of `make bench`): what record history and the audit log cost.

The same service, data and wrk load in three set-ups: neither (the history triggers dropped in
the benchmark's own database, AUDIT_LOG=false), history only, and history with the audit log
(the default). Then the storage each adds per 1,000 writes and per 1,000 reads. Writes
docs/benchmarks-history.md.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from app.config import BACKEND_DIR, PROJECT_DIR, Settings
from tests.support.database import libpq_url, load_document, temporary_database
from tests.support.servers import free_port

WRK_SCRIPT = BACKEND_DIR / "scripts" / "bench" / "wrk.lua"
DOCS_FILE = PROJECT_DIR / "docs" / "benchmarks-history.md"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
PATIENTS = 1000
CONNECTIONS = 16
WRK_THREADS = 2
_NO_HISTORY = """
DROP TRIGGER records_history_insert ON records;
DROP TRIGGER records_history_update ON records;
DROP TRIGGER records_history_delete ON records;
DROP TRIGGER collections_history ON collections;
"""
_PATIENT_BODY = json.dumps(
    {
        "name": "Ana Lima",
        "age": 41,
        "email": "ana.lima@example.com",
        "address": {"city": "Boston", "street": "12 Elm St"},
        "conditions": ["asthma"],
    }
)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    method: str
    path: str
    body: str | None = None


SCENARIOS = (
    Scenario("read one record", "GET", "/patients/{id}"),
    Scenario("read a page of 10", "GET", "/patients?_page={id}&_limit=10&age_gte=30"),
    Scenario("write: PATCH", "PATCH", "/patients/{id}", '{"age":42}'),
    Scenario("write: POST", "POST", "/patients", _PATIENT_BODY),
)
SETUPS = (("neither", False, False), ("history", True, False), ("history + audit", True, True))


def patients(count: int) -> list[dict[str, Any]]:
    rng = random.Random(20261129)
    return [
        {
            "id": number,
            "name": f"Patient {number}",
            "age": rng.randint(0, 99),
            "email": f"patient{number}@example.com",
            "address": {"city": rng.choice(("Boston", "Austin", "Denver")), "street": "1 Main"},
            "conditions": rng.sample(("asthma", "diabetes", "hypertension"), rng.randint(0, 2)),
        }
        for number in range(1, count + 1)
    ]


@contextmanager
def service(database_url: str, audit: bool) -> Iterator[str]:
    """The service on a free port (one worker), until the block ends."""
    port = free_port()
    settings_names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in settings_names}
    env.update(
        DATABASE_URL=database_url,
        AUDIT_LOG=str(audit).lower(),
        ADMIN_TOKEN=secrets.token_urlsafe(16),
        LOG_LEVEL="warning",
        DB_POOL_SIZE="5",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--port", str(port)],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if call(port, "GET", "/health/ready")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the service did not become ready")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def call(port: int, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"} if body else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def run_wrk(base: str, scenario: Scenario, seconds: int) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        f"--script={WRK_SCRIPT}",
        base + "/",
        "--",
        scenario.method,
        scenario.path,
        str(PATIENTS if "_page" not in scenario.path else 30),
        scenario.body or "",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(x for x in completed.stdout.splitlines() if x.startswith("BENCH_RESULT "))
    data: dict[str, Any] = json.loads(line.removeprefix("BENCH_RESULT "))
    if any(data["errors"].values()):
        raise RuntimeError(f"{scenario.name}: wrk saw errors {data['errors']}")
    return data


# The database's share of a write, without HTTP: pgbench runs the service's statements, with
# synchronous_commit off so that the disk's flush time (shared, noisy) does not hide it.
PGBENCH_SCRIPTS = {
    "SQL: PATCH's UPDATE": (
        "\\set id random(1, 1000)\n"
        "BEGIN;\n"
        "SELECT set_config('app.request_id', 'bench', true), "
        "set_config('app.client_addr', '127.0.0.1', true), set_config('app.origin', '', true), "
        "set_config('app.actor', '', true);\n"
        "SELECT seq FROM records WHERE collection = 'patients' AND id_key = :id::text FOR UPDATE;\n"
        "UPDATE records SET document = ('{\"id\":' || :id || ',\"age\":42}')::json "
        "WHERE collection = 'patients' AND id_key = :id::text;\n"
        "COMMIT;\n"
    ),
    "SQL: POST's records_create": (
        'SELECT records_create(\'patients\', \'{"name":"Ana","id":"PH"}\', NULL, NULL, '
        '\'PH\', \'{"request_id":"bench","client_addr":"127.0.0.1"}\');\n'
    ),
}


def run_pgbench(database_url: str, script: str, seconds: int, workdir: Path) -> dict[str, Any]:
    """pgbench's transactions per second and mean latency, as BENCH_RESULT-like data."""
    path = workdir / "script.sql"
    path.write_text(script)
    env = {**os.environ, "PGOPTIONS": "-c synchronous_commit=off"}
    completed = subprocess.run(
        ["pgbench", "-n", "-c4", "-j2", f"-T{seconds}", "-f", str(path), libpq_url(database_url)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    out = completed.stdout
    tps = float(out.split("tps = ", 1)[1].split()[0])
    latency_ms = float(out.split("latency average = ", 1)[1].split()[0])
    return {"tps": tps, "latency_ms": latency_ms}


def sizes(database_url: str) -> tuple[int, int]:
    """(bytes of record_versions, bytes of every audit_log partition), indexes included."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        row = conn.execute(
            "SELECT pg_total_relation_size('record_versions'), coalesce((SELECT sum("
            "pg_total_relation_size(inhrelid)) FROM pg_inherits "
            "WHERE inhparent = 'audit_log'::regclass), 0)"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def growth(database_url: str, port: int, method: str, body: str | None) -> tuple[int, int]:
    """What 1,000 requests add to history and the audit log, in bytes (audit flushed)."""
    before = sizes(database_url)
    for number in range(1000):
        status, _ = call(port, method, f"/patients/{number % PATIENTS + 1}", body)
        assert status == 200, status
    time.sleep(2.5)  # two flushes of AUDIT_FLUSH_SECONDS
    after = sizes(database_url)
    return after[0] - before[0], after[1] - before[1]


def measure(
    server_url: str, seconds: int, rounds: int
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The three set-ups run side by side; each scenario loads them in turn, `rounds` times,
    the order rotating, so the machine's other load falls on all three alike. The round with
    the median rate is kept."""
    document = json.dumps({"patients": patients(PATIENTS)}).encode()
    with ExitStack() as stack:
        bases: dict[str, tuple[str, str]] = {}
        for label, history, audit in SETUPS:
            url = stack.enter_context(temporary_database(server_url, prefix="patients_bench_hist"))
            load_document(url, document)
            if not history:
                with psycopg.connect(libpq_url(url)) as conn:
                    conn.execute(_NO_HISTORY)
            bases[label] = (url, stack.enter_context(service(url, audit)))
        results: dict[str, dict[str, Any]] = {}
        for scenario in SCENARIOS:
            runs: dict[str, list[dict[str, Any]]] = {label: [] for label in bases}
            for round_number in range(rounds):
                labels = list(bases)
                shift = round_number % len(labels)
                for label in labels[shift:] + labels[:shift]:
                    runs[label].append(run_wrk(bases[label][1], scenario, seconds))
            results[scenario.name] = {label: median_run(found) for label, found in runs.items()}
            for label, kept in results[scenario.name].items():
                print(f"{label:>16} | {scenario.name:<18} | {summary(kept)}", flush=True)
        database: dict[str, dict[str, Any]] = {}
        with tempfile.TemporaryDirectory() as workdir:
            for name, script in PGBENCH_SCRIPTS.items():
                runs_sql: dict[str, list[dict[str, Any]]] = {"neither": [], "history": []}
                for round_number in range(rounds):
                    order = ["neither", "history"][:: 1 if round_number % 2 == 0 else -1]
                    for label in order:
                        found = run_pgbench(bases[label][0], script, seconds, Path(workdir))
                        runs_sql[label].append(found)
                database[name] = {
                    label: sorted(found, key=lambda run: run["tps"])[len(found) // 2]
                    for label, found in runs_sql.items()
                }
                for label, kept in database[name].items():
                    print(f"{label:>16} | {name} | {kept['tps']:8.0f} tps", flush=True)
        url, base = bases["history + audit"]
        port = int(base.rsplit(":", 1)[1])
        storage = {
            "writes": growth(url, port, "PATCH", '{"age":43}'),
            "reads": growth(url, port, "GET", None),
            "database": database,
        }
    return results, storage


def rate(data: dict[str, Any]) -> float:
    return float(data["requests"] / (data["duration_us"] / 1e6))


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return sorted(runs, key=rate)[len(runs) // 2]


def summary(data: dict[str, Any]) -> str:
    latency = data["latency_us"]
    p50, p99 = latency["p50"] / 1000, latency["p99"] / 1000
    return f"{rate(data):8.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"


def report(
    results: dict[str, dict[str, Any]], storage: dict[str, Any], seconds: int, rounds: int
) -> str:
    lines = [
        "# What record history and the audit log cost",
        "",
        "Written by `make bench-history` (also run by `make bench`): "
        f"`python -m scripts.bench_history --seconds {seconds} --rounds {rounds}`. "
        f"{PATIENTS:,} patients, one uvicorn worker per set-up, wrk with {WRK_THREADS} threads "
        f"and {CONNECTIONS} connections, PostgreSQL on the same machine. *neither*: the history "
        "triggers dropped in that set-up's database and `AUDIT_LOG=false`; *history*: the "
        "triggers only; *history + audit*: the default. The three run side by side and each "
        f"scenario loads them in turn for {seconds} s, {rounds} times, in rotating order; the "
        "table shows each one's median round. Compare the rows of one run, not runs with each "
        "other; on a shared machine a difference smaller than the spread between rounds is "
        "noise.",
        "",
        "| scenario | set-up | req/s | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|",
    ]
    for scenario, by_setup in results.items():
        for label, data in by_setup.items():
            latency = data["latency_us"]
            lines.append(
                f"| {scenario} | {label} | {rate(data):,.0f} | {latency['p50'] / 1000:.2f} | "
                f"{latency['p99'] / 1000:.2f} |"
            )
    lines += [
        "",
        "The database's share of a write, without HTTP (pgbench, 4 clients, the service's "
        "statements; `synchronous_commit=off` so that the shared disk's flush time does not "
        "hide the difference; median of the rounds):",
        "",
        "| statement | set-up | transactions/s | mean latency ms |",
        "|---|---|---:|---:|",
    ]
    for name, by_setup in storage["database"].items():
        for label, data in by_setup.items():
            lines.append(f"| {name} | {label} | {data['tps']:,.0f} | {data['latency_ms']:.3f} |")
    history_w, audit_w = storage["writes"]
    history_r, audit_r = storage["reads"]
    lines += [
        "",
        "Storage added (`pg_total_relation_size`, indexes included; pages are allocated 8 KiB "
        "at a time, so these are rounded up to whole pages):",
        "",
        "| per 1,000 | record_versions | audit_log |",
        "|---|---:|---:|",
        f"| PATCH of one field of a ~200-byte record | {history_w:,} bytes | {audit_w:,} bytes |",
        f"| GET of one record | {history_r:,} bytes | {audit_r:,} bytes |",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "").strip() or LOCAL_POSTGRES
    server_url = server_url.replace("postgresql://", "postgresql+psycopg://", 1)
    results, storage = measure(server_url, args.seconds, args.rounds)
    text = report(results, storage, args.seconds, args.rounds)
    print(text)
    if not args.no_write:
        DOCS_FILE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
