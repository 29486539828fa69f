"""A PostgreSQL cluster of the test's own (Debian's initdb and pg_ctl, on a free port), so a
test may stop and restart it without touching the shared server."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import free_port

POSTGRES_BIN = Path(os.environ.get("CHAOS_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
SYSTEM_USER = "postgres"  # initdb refuses to run as root


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", SYSTEM_USER, "--", *command] if os.geteuid() == 0 else command


@dataclass(frozen=True)
class Cluster:
    data_dir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        command = [str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data_dir / "data"), *args]
        subprocess.run(_as_postgres(command), check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data_dir}"
        self._pg_ctl("start", "-w", "-l", str(self.data_dir / "postgres.log"), "-o", options)

    def stop(self) -> None:
        self._pg_ctl("stop", "-w", "-m", "fast")


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    """A fresh, started cluster (user postgres, trust authentication); removed afterwards."""
    if not (POSTGRES_BIN / "initdb").exists():
        raise RuntimeError(f"initdb not found in {POSTGRES_BIN}; set CHAOS_POSTGRES_BIN")
    base = Path(tempfile.mkdtemp(prefix="chaos-postgres-"))
    if os.geteuid() == 0:
        shutil.chown(base, SYSTEM_USER, SYSTEM_USER)
    cluster = Cluster(base, free_port())
    initdb = [str(POSTGRES_BIN / "initdb"), "-D", str(base / "data"), "-U", "postgres"]
    subprocess.run(
        _as_postgres([*initdb, "-A", "trust", "-E", "UTF8", "--no-sync"]),
        check=True,
        capture_output=True,
        timeout=120,
    )
    cluster.start()
    try:
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(base, ignore_errors=True)
