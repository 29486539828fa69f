"""`make serve-prod`: rehearse the Render deploy on this machine by running render.yaml's own
build, pre-deploy and start commands, with its environment, against a real PostgreSQL.

Run from backend/: `python -m scripts.serve_prod`. DATABASE_URL picks the database; without it
a fresh one is created on 127.0.0.1:5432 and dropped when the service stops. Variables that
render.yaml leaves to the dashboard (`sync: false`) and PORT come from the environment.
"""

import fcntl
import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import psutil
import psycopg
import yaml
from psycopg import sql
from sqlalchemy.engine import make_url

from app.config import BACKEND_DIR, PROJECT_DIR, Settings

BLUEPRINT = PROJECT_DIR / "render.yaml"
BUILD_VENV = BACKEND_DIR / ".data" / "serve-prod" / "venv"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
RENDER_DEFAULT_PORT = "10000"
RENDER_DEFAULT_SHUTDOWN_DELAY = 30
HEALTH_TIMEOUT_SECONDS = 120


class RehearsalError(Exception):
    """The rehearsal cannot go on; the message says why in one sentence."""


@dataclass(frozen=True)
class WebService:
    """The parts of render.yaml's web service that a deploy runs."""

    root_dir: Path
    build_command: str
    pre_deploy_command: str
    start_command: str
    health_check_path: str
    shutdown_delay_seconds: int
    values: dict[str, str]
    prompted: tuple[str, ...]
    database_keys: tuple[str, ...]


def load_web_service(blueprint: Path = BLUEPRINT) -> WebService:
    """render.yaml's one web service, as the rehearsal runs it."""
    document: dict[str, Any] = yaml.safe_load(blueprint.read_text(encoding="utf-8"))
    web = [entry for entry in document.get("services", []) if entry.get("type") == "web"]
    if len(web) != 1:
        raise RehearsalError(f"{blueprint.name} must declare exactly one web service.")
    service = web[0]
    values: dict[str, str] = {}
    prompted: list[str] = []
    database_keys: list[str] = []
    for variable in service.get("envVars", []):
        key = variable["key"]
        if "value" in variable:
            values[key] = str(variable["value"])
        elif variable.get("sync") is False:
            prompted.append(key)
        elif variable.get("generateValue") is True:
            # Render draws a random value once, when the Blueprint is applied; so do we.
            values[key] = secrets.token_urlsafe(32)
        elif "fromDatabase" in variable:
            database_keys.append(key)
        else:
            raise RehearsalError(f"The rehearsal has no stand-in for {key} in {blueprint.name}.")
    return WebService(
        root_dir=blueprint.parent / service.get("rootDir", "."),
        build_command=service["buildCommand"],
        pre_deploy_command=service["preDeployCommand"],
        start_command=service["startCommand"],
        health_check_path=service["healthCheckPath"],
        shutdown_delay_seconds=int(
            service.get("maxShutdownDelaySeconds", RENDER_DEFAULT_SHUTDOWN_DELAY)
        ),
        values=values,
        prompted=tuple(prompted),
        database_keys=tuple(database_keys),
    )


def say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


@contextmanager
def build_lock() -> Iterator[None]:
    """One build at a time in the shared build environment (tests may rehearse in parallel)."""
    BUILD_VENV.parent.mkdir(parents=True, exist_ok=True)
    with (BUILD_VENV.parent / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextmanager
def rehearsal_database() -> Iterator[str]:
    """DATABASE_URL when set; otherwise a fresh database on 127.0.0.1:5432, dropped after."""
    configured = os.environ.get("DATABASE_URL", "").strip()
    if configured:
        yield configured
        return
    name = f"patients_rehearsal_{secrets.token_hex(6)}"
    with psycopg.connect(LOCAL_SERVER, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    say(f"Created the database {name} on 127.0.0.1:5432; it is dropped when the service stops.")
    try:
        yield make_url(LOCAL_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(LOCAL_SERVER, autocommit=True) as connection:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            connection.execute(drop.format(sql.Identifier(name)))
        say(f"Dropped the database {name}.")


def service_environment(service: WebService, database_url: str) -> dict[str, str]:
    """What Render gives the service: this shell's environment without any setting the service
    reads, then render.yaml's values, the database URL, the dashboard values and PORT."""
    settings_names = {name.upper() for name in Settings.model_fields}
    env = {
        key: value
        for key, value in os.environ.items()
        if key.upper() not in settings_names and key not in ("PYTHONPATH", "PYTHONHOME")
    }
    missing = [key for key in service.prompted if not os.environ.get(key, "").strip()]
    if missing:
        raise RehearsalError(
            f"Set {', '.join(missing)} here as in Render's dashboard (render.yaml has sync: "
            f"false for it), e.g. {missing[0]}=... make serve-prod."
        )
    env.update({key: os.environ[key] for key in service.prompted})
    env.update(service.values)
    env.update(dict.fromkeys(service.database_keys, database_url))
    env["PORT"] = os.environ.get("PORT", RENDER_DEFAULT_PORT)
    env["VIRTUAL_ENV"] = str(BUILD_VENV)
    env["PATH"] = f"{BUILD_VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    return env


def prepare_build_environment(python_version: str | None) -> None:
    """A virtual environment of its own, so the build installs exactly requirements.txt."""
    python = BUILD_VENV / "bin" / "python"
    if not python.exists():
        say(f"Creating the build environment {BUILD_VENV.relative_to(PROJECT_DIR)}.")
        subprocess.run([sys.executable, "-m", "venv", str(BUILD_VENV)], check=True)
    if python_version is None:
        return
    version_check = [str(python), "-c", "import platform; print(platform.python_version())"]
    actual = subprocess.run(version_check, capture_output=True, text=True, check=True)
    running = actual.stdout.strip()
    if running.split(".")[:2] != python_version.split(".")[:2]:
        raise RehearsalError(
            f"render.yaml pins Python {python_version} (PYTHON_VERSION) but {BUILD_VENV} has "
            f"Python {running}; delete it and run make with PYTHON set to a matching interpreter."
        )
    if running != python_version:
        say(f"Render runs Python {python_version}; this rehearsal runs {running}.")


def run_step(title: str, command: str, service: WebService, env: dict[str, str]) -> None:
    say(f"{title}: {command}")
    result = subprocess.run(["bash", "-c", command], cwd=service.root_dir, env=env, check=False)
    if result.returncode != 0:
        raise RehearsalError(f"The {title.lower()} exited with code {result.returncode}.")


def is_healthy(port: str, path: str) -> bool:
    """Render's rule: a 2xx or 3xx answer within 5 seconds."""
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5)
    try:
        connection.request("GET", path)
        return 200 <= connection.getresponse().status < 400
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def serve(service: WebService, env: dict[str, str]) -> int:
    """Run the start command until it exits; SIGTERM or Ctrl-C stop it the way Render does:
    SIGTERM, then SIGKILL if it is still running after maxShutdownDelaySeconds."""
    say(f"Start command: {service.start_command}")
    process = subprocess.Popen(["bash", "-c", service.start_command], cwd=service.root_dir, env=env)
    stop_requested: list[float] = []

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        if not stop_requested:
            stop_requested.append(time.monotonic())
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    healthy = killed = False
    while process.poll() is None:
        if not healthy and not stop_requested:
            healthy = is_healthy(env["PORT"], service.health_check_path)
            if healthy:
                say(f"Healthy on http://127.0.0.1:{env['PORT']}; Ctrl-C or SIGTERM stops it.")
            elif time.monotonic() > deadline:
                say(f"No healthy answer from {service.health_check_path}: stopping.")
                request_stop(signal.SIGTERM, None)
        waited = time.monotonic() - stop_requested[0] if stop_requested else 0.0
        if not killed and waited > service.shutdown_delay_seconds:
            say(f"Still running {service.shutdown_delay_seconds} s after SIGTERM: SIGKILL.")
            kill_tree(process.pid)
            killed = True
        time.sleep(0.25)
    say(f"The service exited with code {process.returncode}.")
    return process.returncode if process.returncode or healthy else 1


def kill_tree(pid: int) -> None:
    try:
        root = psutil.Process(pid)
        tree = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for process in tree:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            continue


def exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    sys.exit(128 + signum)


def main() -> int:
    signal.signal(signal.SIGTERM, exit_on_signal)
    signal.signal(signal.SIGINT, exit_on_signal)
    try:
        service = load_web_service()
        if (BACKEND_DIR / ".env").exists():
            say("backend/.env exists and the service reads it; Render has no such file.")
        with rehearsal_database() as database_url:
            env = service_environment(service, database_url)
            with build_lock():
                prepare_build_environment(service.values.get("PYTHON_VERSION"))
                run_step("Build command", service.build_command, service, env)
            run_step("Pre-deploy command", service.pre_deploy_command, service, env)
            return serve(service, env)
    except RehearsalError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
