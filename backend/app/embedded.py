"""The embedded PostgreSQL used when DATABASE_URL is unset: real PostgreSQL from a wheel."""

import logging
import warnings
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path) -> tuple[str, Any]:
    """Start (or reuse) the server under `data_dir` and return its URL and a handle.

    The server stops when the last process holding a handle exits, so keep the handle for as
    long as the service runs.
    """
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; its fallback is fine.
        warnings.simplefilter("ignore")
        import pgserver  # imported here: production never starts an embedded server

        logging.getLogger("pgserver").setLevel(logging.WARNING)
        pgdata = data_dir / "postgres"
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    uri: str = server.get_uri()
    return uri.replace("postgresql://", "postgresql+psycopg://", 1), server
