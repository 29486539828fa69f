"""The embedded server (`make run` without DATABASE_URL) is the production major version and has
the contrib extensions the migrations use: it starts its own, whatever TEST_DATABASE_URL is."""

from pathlib import Path

import psycopg
import pytest

from app.embedded import POSTGRES_MAJOR_VERSION, start_embedded_postgres
from tests.support.database import libpq_url

pytestmark = pytest.mark.slow


def test_embedded_server_is_postgresql_18_and_can_create_pg_trgm(tmp_path: Path) -> None:
    url, server = start_embedded_postgres(tmp_path)
    try:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            version = conn.execute("SHOW server_version_num").fetchone()
            available = conn.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
            ).fetchone()
            conn.execute("CREATE EXTENSION pg_trgm")
            similarity = conn.execute("SELECT similarity('Boston', 'Bostn')").fetchone()
    finally:
        server.cleanup()
    assert version is not None
    assert int(version[0]) // 10000 == POSTGRES_MAJOR_VERSION == 18
    assert available == (1,)
    assert similarity is not None
    assert 0 < similarity[0] < 1
    # The handle was the last one: the server stopped with it.
    assert not (tmp_path / "postgres-18" / "postmaster.pid").exists()
