"""`make run`'s entry point, as a real process: database set-up, seeding, serving, errors."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.config import BACKEND_DIR, PROJECT_DIR
from tests.support.database import empty_patients
from tests.support.servers import free_port, stop, wait_until_ready


class Run:
    """A running `app.runner` process: its base URL, and its output once it has stopped."""

    def __init__(self, base: str, log: Path) -> None:
        self.base = base
        self.log = log

    @property
    def output(self) -> str:
        return self.log.read_text()


@contextmanager
def runner(env: dict[str, str], log: Path) -> Iterator[Run]:
    port = free_port()
    full_env = {**os.environ, "PORT": str(port), "LOG_LEVEL": "info", **env}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.runner"],
            cwd=BACKEND_DIR,
            env=full_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        run = Run(f"http://127.0.0.1:{port}", log)
        try:
            wait_until_ready(f"{run.base}/health/ready", process, timeout=60)
            yield run
        finally:
            stop(process)


def test_run_migrates_and_loads_db_json_into_an_empty_database(
    database_url: str, tmp_path: Path
) -> None:
    empty_patients(database_url)
    with runner({"DATABASE_URL": database_url}, tmp_path / "log") as run:
        served = httpx.get(f"{run.base}/patients").json()
        created = httpx.post(f"{run.base}/patients", json={"name": "New"}).json()
        assert httpx.get(f"{run.base}/patients/{created['id']}").json() == created
    expected = json.loads((PROJECT_DIR / "db.json").read_text())["patients"]
    assert served == expected
    assert created["id"] == max(p["id"] for p in expected) + 1
    document = json.loads((PROJECT_DIR / "db.json").read_text())
    loaded = sum(len(value) for value in document.values() if isinstance(value, list))
    assert f"Loaded {loaded} records in {len(document)} collections" in run.output


def test_run_leaves_a_database_with_patients_alone(database_url: str, tmp_path: Path) -> None:
    empty_patients(database_url)
    no_seed = {"DATABASE_URL": database_url, "SEED_FILE": str(tmp_path / "absent.json")}
    with runner(no_seed, tmp_path / "first") as run:
        httpx.post(f"{run.base}/patients", json={"id": "kept"})
    with runner({"DATABASE_URL": database_url}, tmp_path / "second") as run:
        assert httpx.get(f"{run.base}/patients").json() == [{"id": "kept"}]
    assert "db.json was not loaded" in run.output


def test_run_without_database_url_uses_embedded_postgres_18_says_so_first_and_names_older_data(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    older = data / "postgres"  # what the PostgreSQL 16 embedded server used to make
    older.mkdir(parents=True)
    (older / "PG_VERSION").write_text("16\n")
    env = {"DATABASE_URL": "", "DATA_DIR": str(data), "SEED_FILE": str(tmp_path / "none")}
    with runner(env, tmp_path / "log") as run:
        assert httpx.get(f"{run.base}/patients").json() == []
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert "DATABASE_URL is not set: using the embedded PostgreSQL" in lines[0]
    assert str(data / "postgres-18") in lines[0]
    warnings = [line for line in lines if "PostgreSQL 16 database" in line]
    assert len(warnings) == 1
    assert str(older) in warnings[0]
    assert "make migrate-data" in warnings[0]
    assert (data / "postgres-18" / "PG_VERSION").read_text().strip() == "18"
    assert [p.name for p in older.iterdir()] == ["PG_VERSION"]  # left untouched
    # Stopped with the service: no server left running on the data directory.
    assert not (data / "postgres-18" / "postmaster.pid").exists()


def test_a_wrong_setting_stops_start_up_with_one_sentence() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.runner"],
        cwd=BACKEND_DIR,
        env={**os.environ, "PORT": "not-a-port"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Configuration error: PORT")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout
