"""What the browser tests run against: json-server 0.17.4 and the service, each on its own copy
of the root db.json, and the front end built for each and served from another origin."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.config import BACKEND_DIR, PROJECT_DIR
from tests.support.database import server_url, temporary_database
from tests.support.servers import (
    free_port,
    json_server_process,
    service_process,
    stop,
    wait_until_ready,
)

ROOT_DB_JSON = PROJECT_DIR / "db.json"
VITE_BIN = PROJECT_DIR / "node_modules" / ".bin" / "vite"
CHROMIUM = Path("/usr/bin/chromium")


@dataclass(frozen=True)
class Backend:
    """One API under test and the front end built for it, on two different origins."""

    name: str
    api_url: str
    app_url: str


def seed_service(database_url: str, db_json_path: Path) -> None:
    """Load a db.json into the service's database through the project's importer."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.migrate_db_json",
            str(db_json_path),
            "--replace",
        ],
        cwd=BACKEND_DIR,
        env={**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "warning"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"seeding the service from {db_json_path.name} failed "
            f"(exit {result.returncode}):\n{result.stdout}{result.stderr}"
        )


def build_front_end(api_url: str, out_dir: Path) -> None:
    """`vite build` with VITE_API_URL pointing at one backend."""
    subprocess.run(
        [str(VITE_BIN), "build", "--outDir", str(out_dir), "--emptyOutDir", "--logLevel", "warn"],
        cwd=PROJECT_DIR,
        env={**os.environ, "VITE_API_URL": api_url},
        check=True,
        timeout=300,
    )


@contextmanager
def front_end_server(dist: Path) -> Iterator[str]:
    """`vite preview` of a build on a port of its own: another origin than the API's."""
    port = free_port()
    command = [
        str(VITE_BIN),
        "preview",
        "--outDir",
        str(dist),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--strictPort",
    ]
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process)
        yield url
    finally:
        stop(process)


@contextmanager
def json_server_backend(workdir: Path) -> Iterator[Backend]:
    seed = workdir / "json-server" / "db.json"
    seed.parent.mkdir(parents=True)
    shutil.copyfile(ROOT_DB_JSON, seed)
    with json_server_process(seed) as api_url:
        build_front_end(api_url, workdir / "dist-json-server")
        with front_end_server(workdir / "dist-json-server") as app_url:
            yield Backend("json-server", api_url, app_url)


@contextmanager
def service_backend(workdir: Path) -> Iterator[Backend]:
    seed = workdir / "service" / "db.json"
    seed.parent.mkdir(parents=True)
    shutil.copyfile(ROOT_DB_JSON, seed)
    base, _embedded = server_url()
    with temporary_database(base, prefix="patients_e2e") as database_url:
        seed_service(database_url, seed)
        with service_process(database_url) as api_url:
            build_front_end(api_url, workdir / "dist-service")
            with front_end_server(workdir / "dist-service") as app_url:
                yield Backend("service", api_url, app_url)
