"""Faults under load (`make chaos`): the production start (several workers) on a PostgreSQL
cluster of its own, many concurrent writers, one worker SIGKILLed and PostgreSQL stopped and
started again mid-run. Every acknowledged write is stored exactly once; errors happen only
during the outage, as 503 with Retry-After; the service and its readiness check recover
within seconds of PostgreSQL's return, without a restart. The figures are printed."""

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
import pytest

from app.config import BACKEND_DIR
from tests.chaos.cluster import Cluster, own_cluster
from tests.support.servers import free_port, stop, wait_until_ready

pytestmark = pytest.mark.chaos

WORKERS = 3
WRITERS = 12
RUN_SECONDS = 30.0
KILL_AT = 6.0
OUTAGE_AT = 13.0
OUTAGE_SECONDS = 2.0
RECOVERY_LIMIT_SECONDS = 10.0
REQUEST_TIMEOUT = 15.0


@dataclass
class Attempt:
    marker: str
    started: float
    ended: float = 0.0
    status: int | None = None  # None: no HTTP answer (the connection broke)
    retry_after: str | None = None


@dataclass
class Timeline:
    started: float = field(default_factory=time.monotonic)
    killed_at: float = 0.0
    outage_started: float = 0.0
    restarting: float = 0.0  # PostgreSQL is down until here at least
    outage_ended: float = 0.0  # `pg_ctl start` has returned

    def at(self, offset: float) -> float:
        return self.started + offset


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with own_cluster() as own:
        yield own


@pytest.fixture
def service(cluster: Cluster, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url,
        "ENVIRONMENT": "production",
        "CORS_ORIGINS": "http://localhost:5173",
        "ADMIN_TOKEN": secrets.token_urlsafe(32),  # production requires one, as render.yaml sets
        "WEB_CONCURRENCY": str(WORKERS),
        "DB_POOL_SIZE": "4",
        "DB_POOL_TIMEOUT_SECONDS": "2",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "error",
    }
    command = [sys.executable, "-m", "app.runner"]
    subprocess.run([*command, "migrate"], cwd=BACKEND_DIR, env=env, check=True, timeout=120)
    log = tmp_path / "service.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=BACKEND_DIR, env=env, stderr=output)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base_url}/health/ready", process, timeout=60)
        yield base_url, process
    finally:
        stop(process)


def write(client: httpx.Client, marker: str, with_id: bool) -> Attempt:
    body: dict[str, Any] = {"id": marker, "marker": marker} if with_id else {"marker": marker}
    attempt = Attempt(marker, time.monotonic())
    try:
        response = client.post("/patients", json=body)
        attempt.status = response.status_code
        attempt.retry_after = response.headers.get("retry-after")
    except httpx.TransportError:
        pass
    attempt.ended = time.monotonic()
    return attempt


def writer(base_url: str, number: int, deadline: float, attempts: list[Attempt]) -> None:
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as client:
        sequence = 0
        while time.monotonic() < deadline:
            sequence += 1
            attempts.append(write(client, f"w{number}-{sequence}", with_id=sequence % 2 == 0))


def poll_readiness(base_url: str, deadline: float, seen: list[tuple[float, int]]) -> None:
    with httpx.Client(base_url=base_url, timeout=5.0) as client:
        while time.monotonic() < deadline:
            try:
                seen.append((time.monotonic(), client.get("/health/ready").status_code))
            except httpx.TransportError:
                seen.append((time.monotonic(), 0))
            time.sleep(0.1)


def worker_pids(process: subprocess.Popen[bytes]) -> list[int]:
    """uvicorn's worker processes (spawned), not multiprocessing's resource tracker."""
    return [
        child.pid
        for child in psutil.Process(process.pid).children()
        if any("spawn_main" in part for part in child.cmdline())
    ]


def kill_one_worker(process: subprocess.Popen[bytes]) -> int:
    workers = worker_pids(process)
    assert len(workers) == WORKERS, "the production start should run WEB_CONCURRENCY workers"
    os.kill(workers[0], signal.SIGKILL)
    return workers[0]


def stored_markers(cluster: Cluster) -> Counter[str]:
    with psycopg.connect(cluster.url) as conn:
        rows = conn.execute(
            "SELECT body ->> 'marker' FROM records WHERE collection = 'patients'"
        ).fetchall()
    return Counter(str(marker) for (marker,) in rows)


def test_acknowledged_writes_survive_a_killed_worker_and_a_database_restart(
    cluster: Cluster, service: tuple[str, subprocess.Popen[bytes]]
) -> None:
    base_url, process = service
    timeline = Timeline()
    deadline = timeline.at(RUN_SECONDS)
    per_writer: list[list[Attempt]] = [[] for _ in range(WRITERS)]
    readiness: list[tuple[float, int]] = []
    threads = [
        threading.Thread(target=writer, args=(base_url, n, deadline, per_writer[n]))
        for n in range(WRITERS)
    ]
    threads.append(
        threading.Thread(target=poll_readiness, args=(base_url, deadline + 3, readiness))
    )
    for thread in threads:
        thread.start()

    time.sleep(max(0.0, timeline.at(KILL_AT) - time.monotonic()))
    timeline.killed_at = time.monotonic()
    killed = kill_one_worker(process)
    time.sleep(max(0.0, timeline.at(OUTAGE_AT) - time.monotonic()))
    timeline.outage_started = time.monotonic()
    cluster.stop()
    time.sleep(OUTAGE_SECONDS)
    timeline.restarting = time.monotonic()
    cluster.start()
    timeline.outage_ended = time.monotonic()
    for thread in threads:
        thread.join(timeout=RUN_SECONDS + REQUEST_TIMEOUT + 10)

    attempts = [attempt for attempts in per_writer for attempt in attempts]
    acknowledged = {a.marker for a in attempts if a.status is not None and 200 <= a.status < 300}
    stored = stored_markers(cluster)
    lost = sorted(marker for marker in acknowledged if stored[marker] == 0)
    duplicated = sorted(marker for marker, count in stored.items() if count > 1)
    statuses = Counter(str(a.status or "no answer") for a in attempts if a.status != 201)
    recovered_writes = [
        a.ended for a in attempts if a.started >= timeline.outage_ended and a.status == 201
    ]
    write_recovery = min(recovered_writes) - timeline.outage_ended
    ready_again = [t for t, status in readiness if t >= timeline.outage_ended and status == 200]
    ready_recovery = min(ready_again) - timeline.outage_ended
    unacknowledged_stored = sum(
        1 for a in attempts if a.marker not in acknowledged and stored[a.marker]
    )
    outage = timeline.outage_ended - timeline.outage_started
    print(
        f"\nchaos: {len(attempts)} writes, {len(acknowledged)} acknowledged, {len(lost)} lost, "
        f"{len(duplicated)} duplicated, errors by status {dict(statuses)}, "
        f"{sum(1 for a in attempts if a.status is None)} without an answer (killed worker), "
        f"{unacknowledged_stored} stored without an acknowledgement; "
        f"writes recovered {write_recovery:.2f} s and readiness {ready_recovery:.2f} s "
        f"after PostgreSQL's return (outage {outage:.1f} s)"
    )

    workers_after = worker_pids(process)
    assert killed not in workers_after
    assert len(workers_after) == WORKERS  # the supervisor replaced the killed worker
    assert not lost
    assert not duplicated
    recovered_by = timeline.outage_ended + max(write_recovery, ready_recovery)
    for attempt in attempts:
        if attempt.status is None:
            # Only requests the killed worker was serving lose their connection.
            assert attempt.started <= timeline.killed_at + 1.0 <= attempt.ended + 2.0, attempt
        elif attempt.status != 201:
            assert attempt.status == 503, attempt
            assert attempt.retry_after is not None, attempt
            assert attempt.ended >= timeline.outage_started, attempt
            assert attempt.started <= recovered_by, attempt
    assert write_recovery <= RECOVERY_LIMIT_SECONDS
    assert ready_recovery <= RECOVERY_LIMIT_SECONDS
    during_outage = [
        status
        for t, status in readiness
        if timeline.outage_started + 0.5 <= t <= timeline.restarting
    ]
    assert during_outage
    assert all(status == 503 for status in during_outage), during_outage
    before_outage = [
        (t, status)
        for t, status in readiness
        if t < timeline.outage_started and abs(t - timeline.killed_at) > 1.0
    ]
    assert all(status == 200 for _, status in before_outage), before_outage
