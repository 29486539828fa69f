"""Real server processes for tests: the service under uvicorn, and json-server 0.17.4."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.config import BACKEND_DIR, PROJECT_DIR

JSON_SERVER_BIN = PROJECT_DIR / "node_modules" / ".bin" / "json-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before it was ready")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} was not ready within {timeout} seconds")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def service_process(
    database_url: str, *, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """The service under uvicorn with `workers` processes; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "warning",
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
    ]
    process = subprocess.Popen(command, cwd=BACKEND_DIR, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/health/ready", process)
        yield base
    finally:
        stop(process)


def json_server_available() -> bool:
    return JSON_SERVER_BIN.exists() and shutil.which("node") is not None


@contextmanager
def json_server_process(db_file: Path) -> Iterator[str]:
    """json-server 0.17.4 serving `db_file` (a copy it may rewrite); yields its base URL."""
    port = free_port()
    command = [str(JSON_SERVER_BIN), str(db_file), "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=db_file.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/db", process)
        yield base
    finally:
        stop(process)
