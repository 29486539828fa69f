"""The deploy rehearsed: `make serve-prod` runs render.yaml's build, pre-deploy and start commands
against a fresh PostgreSQL database, and render.yaml's start command refuses bad production
settings in one sentence."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from app.config import BACKEND_DIR, PROJECT_DIR, Settings
from scripts.serve_prod import load_web_service
from tests.support.database import libpq_url, server_url
from tests.support.servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

FRONT_END = "https://app.example.org"
# The first run builds the rehearsal's own virtual environment from requirements.txt.
READY_TIMEOUT_SECONDS = 300
STOP_TIMEOUT_SECONDS = 60
# Not 127.0.0.1: uvicorn trusts proxy headers from loopback even without FORWARDED_ALLOW_IPS.
PROXY_ADDRESS = "127.0.0.2"


@dataclass
class Rehearsal:
    base: str
    process: subprocess.Popen[bytes]
    log: Path
    database_url: str

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def unmigrated_database() -> Iterator[str]:
    """An empty database, not even migrated: the pre-deploy command has to do that."""
    base, _embedded = server_url()
    admin = libpq_url(make_url(base).render_as_string(hide_password=False))
    name = f"patients_rehearsal_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            connection.execute(drop.format(sql.Identifier(name)))


def group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs (zombies waiting to be reaped do not)."""
    for process in psutil.process_iter(["status"]):
        try:
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                return True
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return False


def start_command_process(process: subprocess.Popen[bytes]) -> psutil.Process:
    """The process render.yaml's start command became, among make's descendants."""
    for child in psutil.Process(process.pid).children(recursive=True):
        if child.cmdline()[1:] == ["-m", "app.runner"]:
            return child
    raise LookupError("no app.runner process under make serve-prod")


def wait_for_group_exit(process: subprocess.Popen[bytes]) -> float:
    """Returns when the last process of make's group has exited."""
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while group_alive(process.pid):
        process.poll()
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise TimeoutError("the rehearsal did not stop within a minute of SIGTERM")
        time.sleep(0.1)
    process.wait()
    return time.monotonic()


def stop_group(process: subprocess.Popen[bytes]) -> float:
    """SIGTERM to make and everything under it, as Ctrl-C would; returns when all have exited."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return time.monotonic()
    return wait_for_group_exit(process)


@contextmanager
def rehearsal(database_url: str, log: Path) -> Iterator[Rehearsal]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(port)}
    env["CORS_ORIGINS"] = FRONT_END
    with log.open("wb") as sink:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "serve-prod"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    run = Rehearsal(f"http://127.0.0.1:{port}", process, log, database_url)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not ready(run):
            if process.poll() is not None:
                raise RuntimeError(f"make serve-prod exited early:\n{run.output[-3000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"make serve-prod was not ready:\n{run.output[-3000:]}")
            time.sleep(0.25)
        yield run
    finally:
        if process.poll() is None or group_alive(process.pid):
            stop_group(process)


def ready(run: Rehearsal) -> bool:
    try:
        return httpx.get(f"{run.base}/health/ready", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rehearsal]:
    with (
        unmigrated_database() as database_url,
        rehearsal(database_url, tmp_path_factory.mktemp("serve-prod") / "log") as run,
    ):
        yield run


def behind_proxy(run: Rehearsal) -> httpx.Client:
    """A client connecting from another address than 127.0.0.1, as Render's proxy does."""
    return httpx.Client(
        base_url=run.base,
        transport=httpx.HTTPTransport(local_address=PROXY_ADDRESS),
        follow_redirects=False,
        timeout=10,
    )


def stored_documents(database_url: str) -> list[Any]:
    with psycopg.connect(database_url) as connection:
        return [
            row[0]
            for row in connection.execute(
                "SELECT body FROM records WHERE collection = 'patients' ORDER BY seq"
            )
        ]


def test_pre_deploy_migrates_and_the_production_start_loads_no_db_json(served: Rehearsal) -> None:
    with psycopg.connect(served.database_url) as connection:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision is not None
    db_json = json.loads((PROJECT_DIR / "db.json").read_text())["patients"]
    stored = stored_documents(served.database_url)
    assert not [record for record in db_json if record in stored]
    assert "Pre-deploy command: python -m app.runner migrate" in served.output
    assert "Loaded" not in served.output


def test_post_behind_an_https_proxy_gets_an_https_location_and_nothing_redirects(
    served: Rehearsal,
) -> None:
    proxied = {"X-Forwarded-Proto": "https", "Host": "api.example.org"}
    with behind_proxy(served) as client:
        created = client.post("/patients/", json={"name": "Via Proxy"}, headers=proxied)
        listed = client.get("/patients/", headers=proxied)
        one = client.get(f"/PATIENTS/{created.json()['id']}/", headers=proxied)
        direct = client.post("/patients", json={"name": "No Proxy Header"})
    assert created.status_code == 201
    patient_id = created.json()["id"]
    assert created.headers["location"] == f"https://api.example.org/patients//{patient_id}"
    for response in (listed, one):
        assert response.status_code == 200
        assert "location" not in response.headers
    assert one.json() == created.json()
    assert direct.headers["location"].startswith("http://")


def test_cors_echoes_only_the_front_end_set_in_cors_origins(served: Rehearsal) -> None:
    allowed = httpx.get(f"{served.base}/patients", headers={"Origin": FRONT_END})
    other = httpx.get(f"{served.base}/patients", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == FRONT_END
    assert "access-control-allow-origin" not in other.headers
    assert other.status_code == 200


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
def test_docs_and_the_openapi_document_are_hidden_in_production(
    served: Rehearsal, path: str
) -> None:
    response = httpx.get(f"{served.base}{path}")
    assert response.status_code == 404
    assert response.json() == {}


def access_entries(run: Rehearsal, request_id: str, timeout: float = 5.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        entries = [
            json.loads(line)
            for line in run.output.splitlines()
            if line.startswith("{") and f'"request_id": "{request_id}"' in line
        ]
        if entries or time.monotonic() > deadline:
            return entries
        time.sleep(0.1)


def test_each_request_logs_one_json_line_without_its_query_string(served: Rehearsal) -> None:
    path = f"/patients/{uuid.uuid4().hex}"
    secret = uuid.uuid4().hex
    response = httpx.get(f"{served.base}{path}?q={secret}&name_like={secret}")
    listed = httpx.get(f"{served.base}/patients", params={"name_like": secret, "q": secret})
    assert (response.status_code, listed.status_code) == (404, 200)
    entries = access_entries(served, response.headers["x-request-id"])
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["logger"], entry["method"], entry["status"]) == ("app.access", "GET", 404)
    assert entry["path"] == "/patients/:id"
    assert path.rsplit("/", 1)[1] not in served.output  # an id can be patient data too
    assert isinstance(entry["ms"], float)
    assert secret not in served.output
    assert "name_like" not in served.output


def test_everything_the_service_prints_is_one_json_object_per_line(served: Rehearsal) -> None:
    httpx.get(f"{served.base}/patients")
    output = served.output.split("==> Start command:", 1)[1]
    complete = output[: output.rfind("\n") + 1].splitlines()[1:]  # a line being written waits
    service_lines = [line for line in complete if line.strip() and not line.startswith("==> ")]
    assert service_lines
    for line in service_lines:
        assert isinstance(json.loads(line), dict), line


def test_sigterm_lets_an_in_flight_request_finish_before_the_service_exits(
    tmp_path: Path,
) -> None:
    first_part_sent = threading.Event()
    outcome: dict[str, Any] = {}

    def slow_body() -> Iterator[bytes]:
        yield b'{"name": "Slow '
        first_part_sent.set()
        for part in (b"up", b"lo", b"ad"):
            time.sleep(1.0)
            yield part
        yield b'"}'

    def post(base: str) -> None:
        try:
            response = httpx.post(
                f"{base}/patients",
                content=slow_body(),
                headers={"Content-Type": "application/json"},
                timeout=30,
            )
        except httpx.HTTPError as exc:
            outcome.update(status=repr(exc), at=time.monotonic())
        else:
            outcome.update(status=response.status_code, body=response.json(), at=time.monotonic())

    with (
        unmigrated_database() as database_url,
        rehearsal(database_url, tmp_path / "log") as run,
    ):
        client = threading.Thread(target=post, args=(run.base,))
        client.start()
        assert first_part_sent.wait(10)
        time.sleep(0.5)  # the service has the request line and headers: the request is in flight
        # Render signals the start command's process; uvicorn passes it on to its workers.
        start_command_process(run.process).send_signal(signal.SIGTERM)
        signalled_at = time.monotonic()
        exited_at = wait_for_group_exit(run.process)
        client.join(10)
        stored = stored_documents(database_url)
    assert outcome["status"] == 201, outcome
    assert outcome["body"] == {"name": "Slow upload", "id": 1}
    assert signalled_at + 1.5 < outcome["at"] < exited_at
    assert stored == [{"name": "Slow upload", "id": 1}]
    assert "==> The service exited with code 0." in run.output


def start_command(
    env_overrides: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """render.yaml's start command, with render.yaml's values, run by this test's interpreter."""
    service = load_web_service()
    setting_names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in setting_names}
    env.update(service.values)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env.update(PORT=str(free_port()), DATA_DIR=str(tmp_path / "data"), **env_overrides)
    return subprocess.run(
        ["bash", "-c", service.start_command],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_refused_with_one_sentence(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(".")
    return lines[0]


def test_production_start_without_database_url_refuses_and_starts_no_embedded_database(
    tmp_path: Path,
) -> None:
    result = start_command({"DATABASE_URL": "", "CORS_ORIGINS": FRONT_END}, tmp_path)
    message = assert_refused_with_one_sentence(result)
    assert message == "DATABASE_URL must be set when ENVIRONMENT is production."
    assert not (tmp_path / "data").exists()


def test_production_start_with_any_origin_refuses_naming_cors_origins(tmp_path: Path) -> None:
    overrides = {"DATABASE_URL": "postgresql://patients@127.0.0.1:9/none", "CORS_ORIGINS": "*"}
    message = assert_refused_with_one_sentence(start_command(overrides, tmp_path))
    assert message.startswith("CORS_ORIGINS must list the front end's origins")


def test_production_start_over_the_connection_budget_refuses_naming_the_settings(
    tmp_path: Path,
) -> None:
    overrides = {
        "DATABASE_URL": "postgresql://patients@127.0.0.1:9/none",
        "CORS_ORIGINS": FRONT_END,
        "WEB_CONCURRENCY": "20",
        "DB_POOL_SIZE": "5",
    }
    message = assert_refused_with_one_sentence(start_command(overrides, tmp_path))
    assert "DB_POOL_SIZE (5) x WEB_CONCURRENCY (20) is 100" in message
    assert "DB_MAX_CONNECTIONS (97)" in message
