"""`make test-embedded`: the pytest suite against a throw-away embedded PostgreSQL 18 (the
production major version), started in a temporary directory and removed afterwards.

    python -m scripts.embedded_test_server [pytest arguments]
"""

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from app.embedded import POSTGRES_MAJOR_VERSION, start_embedded_postgres


def main(pytest_args: Sequence[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="embedded-test-postgres-") as data_dir:
        url, server = start_embedded_postgres(Path(data_dir))
        try:
            print(f"Tests on the embedded PostgreSQL {POSTGRES_MAJOR_VERSION}: {url}", flush=True)
            env = {**os.environ, "TEST_DATABASE_URL": url}
            command = [sys.executable, "-m", "pytest", *pytest_args]
            return subprocess.run(command, env=env, check=False).returncode
        finally:
            server.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
