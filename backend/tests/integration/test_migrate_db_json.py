"""`make migrate-data` on real PostgreSQL: every collection of a db.json, the CLI as a
subprocess, the round trip through the API, what is refused, atomicity under SIGKILL, each mode
on a second run, verification, the id rule afterwards, and `make run`'s seeding."""

import asyncio
import hashlib
import json
import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from app import importer
from app.config import BACKEND_DIR, ConfigError, Settings
from app.json_codec import js_property_order, js_string
from app.seed import seed_if_empty
from app.sessions import create_engine, create_sessionmaker
from tests.support.database import libpq_url
from tests.support.db_json import (
    typed,
    write_db_json,
    write_generated_collections,
    write_text,
)
from tests.support.servers import free_port, json_server_process
from tests.support.settings import make_settings

SECRET = "Jane Secret-Patient"  # a field value that must never reach the output

NASTY: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": "Zoë 患者 😀",
        "age": "34",
        "phone": 5550101,
        "email": "",
        "notes": None,
        "active": False,
        "visits": 0,
        "tags": [],
        "extra": {},
        "allergies": [None, "", 0, False, True],
        "address": {
            "city": "Zürich",
            "geo": {"lat": 47.3769, "lng": -8.5417},
            "lines": ["a", {"b": [1, [2, [3, {"c": []}]]]}],
        },
    },
    {
        "name": "Late id",
        "id": "p-2",
        "big": 123456789012345678901234567890,
        "minusBig": -9007199254740993,
        "tiny": 1.5e-7,
        "third": 0.1,
        "one": 1.0,
        "negativeZero": -0.0,
        "max": 1.7976931348623157e308,
        "z": 0,
        "a": 1,
        "10": "ten",
        "2": "two",
    },
    {
        "id": 3.5,
        "Ὀδυσσεύς": "ἄνδρα μοι ἔννεπε",
        "emoji": "👩‍⚕️",
        "escapes": 'quote " backslash \\ slash / newline \n tab \t \u2028 \u0001 \\u0000',
        "rtl": "مرحبا",
    },
    {"id": 0, "phone": 15551234567, "age": 34.0},
    {"id": "0042", "name": "a string id with leading zeros"},
    {"id": 9007199254740993, "name": "an id beyond 2^53"},
]
# A db.json with every awkward thing json-server accepts, written by hand so that number
# spellings (1.0, 1e2, 2.50) and key order are exactly as a person or a tool may write them.
AWKWARD = (
    """{
  "$schema": "./schema.json",
  "patients": """
    + json.dumps(NASTY, indent=2, ensure_ascii=False)
    + """,
  "Wards": [
    {"id": "w1", "name": "North", "floor": 1.0},
    {"id": "w2", "name": "Süd 🏥", "floor": 1e2, "beds": 12345678901234567890123, "rate": -0.0}
  ],
  "notes": [
    {"text": "no id here", "nested": {"deep": [1, {"x": null}, []]}},
    {"id": 1, "text": "ein Ü"},
    {"text": "another without id", "at": 1E-7}
  ],
  "tags": ["red", "green"],
  "empty": [],
  "clinic": {"name": "City Clinic", "beds": 2.50, "head": {"doctorId": 2}},
  "10": [{"id": 1, "n": 10}],
  "settings": {}
}"""
)


def migrate_cli(database_url: str, db_json: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "warning"}
    return subprocess.run(
        [sys.executable, "-m", "scripts.migrate_db_json", str(db_json), *flags],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def report(
    result: subprocess.CompletedProcess[str], collection: str | None = None
) -> dict[str, str]:
    """The report's `label  value` lines (of one collection's block when named), first
    occurrence of each label."""
    fields: dict[str, str] = {}
    inside = collection is None
    for line in result.stdout.splitlines():
        if collection is not None and re.match(r"  \S.* \((plural|singular|schema)\): ", line):
            inside = line.startswith(f"  {collection} (")
            continue
        if not inside:
            continue
        indent = 4 if collection is not None else 2
        if line.startswith(" " * indent) and not line.startswith(" " * (indent + 2)):
            label, value = line[2:21].strip(), line[21:].strip()
            fields.setdefault(label, value)
    return fields


Snapshot = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


def snapshot(database_url: str) -> Snapshot:
    """Every collection and every record, as stored."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        stored = conn.execute(
            "SELECT name, position, kind, document::text FROM collections ORDER BY position, name"
        ).fetchall()
        rows = conn.execute(
            "SELECT collection, seq, id_key, document::text FROM records ORDER BY collection, seq"
        ).fetchall()
    return stored, rows


def documents(database_url: str, collection: str = "patients") -> list[Any]:
    return [json.loads(row[3]) for row in snapshot(database_url)[1] if row[0] == collection]


def execute(database_url: str, statement: str, *params: Any) -> None:
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(statement, params)


def get_json(client: TestClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, path
    return json.loads(response.text)


def in_javascript_order(document: dict[str, Any]) -> dict[str, Any]:
    return {key: document[key] for key in js_property_order(document)}


def canonical_sha256(records: list[Any]) -> str:
    digest = hashlib.sha256()
    for record in records:
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        digest.update(text.encode() + b"\n")
    return digest.hexdigest()


# --- Round trip -----------------------------------------------------------------------------


def test_round_trip_of_every_collection_through_the_api_is_exact(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    path = write_text(tmp_path / "db.json", AWKWARD)
    result = migrate_cli(database_url, path)
    assert result.returncode == 0, result.stdout + result.stderr
    expected = json.loads(AWKWARD)
    assert typed(get_json(client, "/db")) == typed(in_javascript_order(expected))
    for name, value in expected.items():
        if name == "$schema":
            continue
        assert typed(get_json(client, f"/{name}")) == typed(value), name
        for record in value if isinstance(value, list) else []:
            if isinstance(record, dict) and "id" in record:
                found = get_json(client, f"/{name}/{js_string(record['id'])}")
                assert typed(found) == typed(record)
    assert typed(get_json(client, "/wards")) == typed(expected["Wards"])
    text = client.get("/db").text
    assert text.startswith('{"10":[{"id":1,"n":10}],"$schema":"./schema.json","patients":[')
    for fragment in (
        '"floor":1.0}',
        '"floor":1e2,',
        '"beds":12345678901234567890123,',
        '"rate":-0.0}',
        '"at":1E-7}',
        '"beds":2.50,',
        '"tags":["red","green"],"empty":[],',
        '"settings":{}}',
        '"big":123456789012345678901234567890',
        '"id":9007199254740993',
        '"z":0,"a":1,"10":"ten","2":"two"',
        '"name":"Late id","id":"p-2"',
    ):
        assert fragment in text
    assert client.get("/$schema").status_code == 404


def test_the_report_counts_each_collection_and_checksums_both_sides(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY, doctors=[{"id": 1}], profile={"n": 1})
    result = migrate_cli(empty_db, path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert report(result)["records in file"] == "7"
    assert report(result)["committed"] == "yes"
    fields = report(result, "patients")
    assert fields["written"] == "6"
    assert fields["verified"] == "6 of 6 records"
    expected = canonical_sha256(NASTY)
    assert fields["source checksum"] == f"sha256:{expected}"
    assert fields["database checksum"] == f"sha256:{expected}"
    assert report(result, "profile")["verified"] == "yes"
    assert "  doctors (plural): created, before: absent" in result.stdout
    assert result.stdout.rstrip().endswith("result: OK, every collection and record verified.")


def test_root_db_json_migrates_and_every_record_verifies(empty_db: str) -> None:
    root = BACKEND_DIR.parent / "db.json"
    result = migrate_cli(empty_db, root)
    assert result.returncode == 0, result.stdout + result.stderr
    content = json.loads(root.read_text(encoding="utf-8"))
    for name, value in content.items():
        if isinstance(value, list):
            assert documents(empty_db, name) == value
            verified = report(result, name)["verified"]
            assert verified == f"{len(value)} of {len(value)} records"


# --- What is refused ------------------------------------------------------------------------


def test_duplicate_ids_stop_the_import_and_write_nothing(empty_db: str, tmp_path: Path) -> None:
    records = [*NASTY, {"id": "1", "name": SECRET}, {"id": 3.5, "name": SECRET}]
    path = write_db_json(tmp_path / "db.json", records, doctors=[{"id": 1}, {"id": 1}])
    before = snapshot(empty_db)
    result = migrate_cli(empty_db, path)
    assert result.returncode == 1
    assert "has the same id as patients[0] (id 1); ids are compared as strings" in result.stdout
    assert re.search(r'patients\[6\] \(line \d+, id "1"\)', result.stdout)
    assert re.search(
        r"patients\[7\] \(line \d+, id 3.5\) has the same id as patients\[2\]", result.stdout
    )
    assert re.search(
        r"doctors\[1\] \(line \d+, id 1\) has the same id as doctors\[0\]", result.stdout
    )
    assert "result: INVALID, 3 problem(s)" in result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert snapshot(empty_db) == before


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"patients": [{"id": 1}], "title": "City Clinic"}', 'Type of "title" (string)'),
        ('{"patients": [], "count": 3}', 'Type of "count" (number)'),
        ('{"nothing": null}', 'Type of "nothing" (object)'),
        ('[{"id": 1}]', "Data must be an object. Found array."),
        ('{"a/b": [{"id": 1}]}', "found / character in database property 'a/b'"),
        ('{"Health": []}', "the service's own route /health"),
        ('{"openapi.json": {}}', "the service's own route /openapi.json"),
        ('{"_audit": [{"id": 1}]}', "keeps for its operator routes"),
    ],
)
def test_what_json_server_or_the_service_refuses_is_refused_and_nothing_written(
    empty_db: str, tmp_path: Path, text: str, reason: str
) -> None:
    before = snapshot(empty_db)
    result = migrate_cli(empty_db, write_text(tmp_path / "db.json", text))
    assert result.returncode == 1, result.stdout
    assert reason in result.stdout
    assert snapshot(empty_db) == before


def test_text_with_nul_or_lone_surrogates_is_stored_as_written(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    text = '{"patients": [{"id": 1, "a": "x\\u0000y"}, {"id": 2, "b": "\\ud800"}]}'
    result = migrate_cli(database_url, write_text(tmp_path / "db.json", text))
    assert result.returncode == 0, result.stdout + result.stderr
    assert client.get("/patients/1").text == '{"id":1,"a":"x\\u0000y"}'
    assert client.get("/patients/2").text == '{"id":2,"b":"\\ud800"}'


def test_records_without_id_are_kept_as_json_server_keeps_them(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    records = [{"name": "first"}, {"id": 7, "name": "seven"}, "text", {"name": "third"}]
    result = migrate_cli(database_url, write_db_json(tmp_path / "db.json", records))
    assert result.returncode == 0, result.stdout + result.stderr
    assert get_json(client, "/patients") == records
    assert report(result, "patients")["verified"] == "4 of 4 records"


def test_missing_ids_are_assigned_by_json_servers_rule_per_collection_and_reported(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    records = [{"name": "first"}, {"id": 7, "name": "seven"}, {"name": "third"}]
    path = write_db_json(tmp_path / "db.json", records, doctors=[{"name": "d"}, "x"])
    result = migrate_cli(database_url, path, "--assign-missing-ids")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "patients[0] (line 3) -> 8" in result.stdout
    assert "patients[2] (line 10) -> 9" in result.stdout
    assert re.search(r"doctors\[0\] \(line \d+\) -> 1", result.stdout)
    assert get_json(client, "/patients") == [
        {"name": "first", "id": 8},
        {"id": 7, "name": "seven"},
        {"name": "third", "id": 9},
    ]
    assert get_json(client, "/doctors") == [{"name": "d", "id": 1}, "x"]


# --- Atomicity ------------------------------------------------------------------------------


def _wait_for_copy_in_progress(database_url: str, process: subprocess.Popen[bytes]) -> int:
    """The pid of the backend running the import's COPY inside its open transaction."""
    query = (
        "SELECT a.pid FROM pg_stat_progress_copy p JOIN pg_stat_activity a USING (pid) "
        "WHERE a.datname = current_database() AND a.backend_xid IS NOT NULL "
        "AND p.tuples_processed > 0"
    )
    deadline = time.monotonic() + 90
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        while time.monotonic() < deadline:
            assert process.poll() is None, "the import finished before it could be killed"
            row = conn.execute(query).fetchone()
            if row is not None:
                return int(row[0])
            time.sleep(0.005)
    raise TimeoutError("the import never started inserting")


def _wait_until_gone(database_url: str, pid: int) -> None:
    deadline = time.monotonic() + 30
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        while conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, "the killed import's backend never ended"
            time.sleep(0.05)


@pytest.mark.slow
def test_sigkill_while_writing_leaves_the_database_as_it_was(empty_db: str, tmp_path: Path) -> None:
    first = write_text(tmp_path / "first.json", AWKWARD)
    assert migrate_cli(empty_db, first).returncode == 0
    before = snapshot(empty_db)
    large = write_generated_collections(tmp_path / "large.json", 60_000)
    env = {**os.environ, "DATABASE_URL": empty_db, "LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.migrate_db_json", str(large), "--replace"],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        backend_pid = _wait_for_copy_in_progress(empty_db, process)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    _wait_until_gone(empty_db, backend_pid)
    assert snapshot(empty_db) == before


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Late id", "Late ID"),  # same shape, other bytes
        ('"id": "0042",', ""),  # a record lost its id
        ('"id": 0,', '"id": 0, "id": 0,'),  # a record became unreadable
        ('"name": "Late id",', '"name": '),  # the file is no longer JSON
        ('"doctors"', '"Doctors"'),  # a collection was renamed
    ],
)
def test_a_file_changed_after_validation_is_rolled_back(
    settings: Settings, empty_db: str, tmp_path: Path, old: str, new: str
) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY, doctors=[{"id": 1}])
    options = importer.ImportOptions()
    validation = importer.validate_file(path, options)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    report = importer.MigrationReport(options, validation)
    before = snapshot(empty_db)

    async def run() -> None:
        engine = create_engine(settings)
        try:
            await importer.migrate(create_sessionmaker(engine), path, report)
        finally:
            await engine.dispose()

    asyncio.run(run())
    assert report.outcome is importer.Outcome.SOURCE_CHANGED
    assert not report.committed
    assert snapshot(empty_db) == before


# --- Modes on a second run ------------------------------------------------------------------


def test_a_second_default_run_refuses_and_changes_nothing(empty_db: str, tmp_path: Path) -> None:
    path = write_text(tmp_path / "db.json", AWKWARD)
    assert migrate_cli(empty_db, path).returncode == 0
    before = snapshot(empty_db)
    again = migrate_cli(empty_db, path)
    assert again.returncode == 4
    assert "REFUSED, the database already holds data in: 10, $schema, patients" in again.stdout
    assert snapshot(empty_db) == before


def test_a_new_database_with_only_an_empty_collection_counts_as_empty(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_db_json(tmp_path / "db.json", [{"id": 1}], doctors=[])
    assert migrate_cli(empty_db, path).returncode == 0
    stored, _ = snapshot(empty_db)
    assert [row[:3] for row in stored] == [("patients", 0, "plural"), ("doctors", 1, "plural")]


def test_replace_leaves_exactly_the_new_file(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    assert migrate_cli(database_url, write_text(tmp_path / "a.json", AWKWARD)).returncode == 0
    replacement = {
        "doctors": [{"id": 1}],
        "patients": [{"id": "p-2", "name": "kept id, new data"}, {"id": 50}],
        "clinic": {"name": "New"},
    }
    path = write_text(tmp_path / "b.json", json.dumps(replacement))
    result = migrate_cli(database_url, path, "--replace")
    assert result.returncode == 0, result.stdout + result.stderr
    assert report(result, "patients")["deleted"] == "6"
    assert report(result, "patients")["written"] == "2"
    assert "removed" in report(result)
    assert typed(get_json(client, "/db")) == typed(replacement)
    assert client.get("/Wards").status_code == 404


def test_only_adds_a_collection_after_the_others_and_leaves_them_alone(
    empty_db: str, tmp_path: Path
) -> None:
    assert migrate_cli(empty_db, write_text(tmp_path / "a.json", AWKWARD)).returncode == 0
    before_collections, before_records = snapshot(empty_db)
    path = write_text(
        tmp_path / "b.json", '{"visits": [{"id": 1}], "labs": {"a": 1}, "patients": [{"id": 1}]}'
    )
    result = migrate_cli(empty_db, path, "--only", "visits", "--only", "labs")
    assert result.returncode == 0, result.stdout + result.stderr
    stored, rows = snapshot(empty_db)
    assert stored[: len(before_collections)] == before_collections
    last = before_collections[-1][1]
    assert [row[:3] for row in stored[len(before_collections) :]] == [
        ("visits", last + 1, "plural"),
        ("labs", last + 2, "singular"),
    ]
    assert [row for row in rows if row[0] != "visits"] == before_records


def test_only_refuses_to_add_a_collection_that_holds_data(empty_db: str, tmp_path: Path) -> None:
    assert migrate_cli(empty_db, write_text(tmp_path / "a.json", AWKWARD)).returncode == 0
    before = snapshot(empty_db)
    path = write_db_json(tmp_path / "b.json", [{"id": 1}], visits=[])
    result = migrate_cli(empty_db, path, "--only", "visits", "--only", "patients")
    assert result.returncode == 4
    assert "already holds data in: patients; nothing was written" in result.stdout
    assert snapshot(empty_db) == before


def test_replace_only_replaces_those_collections_in_their_place(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    assert migrate_cli(database_url, write_text(tmp_path / "a.json", AWKWARD)).returncode == 0
    before_collections, _ = snapshot(database_url)
    path = write_text(
        tmp_path / "b.json",
        '{"Wards": {"now": "singular"}, "notes": [{"id": 9}], "patients": [{"id": 1}]}',
    )
    result = migrate_cli(database_url, path, "--replace", "--only", "Wards", "--only", "notes")
    assert result.returncode == 0, result.stdout + result.stderr
    stored, _ = snapshot(database_url)
    assert [row[:2] for row in stored] == [row[:2] for row in before_collections]
    assert get_json(client, "/wards") == {"now": "singular"}
    assert get_json(client, "/notes") == [{"id": 9}]
    assert typed(get_json(client, "/patients")) == typed(NASTY)


def test_skip_existing_inserts_only_new_ids_and_creates_new_collections(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    original = [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]
    first = write_db_json(tmp_path / "a.json", original, doctors=[{"id": 1}])
    assert migrate_cli(database_url, first).returncode == 0
    second = [
        {"id": 1, "name": "one"},
        {"id": "2", "name": SECRET},
        {"id": 3, "name": "new"},
        {"name": "no id"},
    ]
    path = write_db_json(tmp_path / "b.json", second, nurses=[{"id": 1}, {"x": 1}])
    result = migrate_cli(database_url, path, "--skip-existing")
    fields = report(result, "patients")
    assert fields["written"] == "1"
    assert fields["skipped"] == "2 (id already there)"
    assert fields["without id"] == "1 (not added)"
    assert fields["differing"].startswith('1 (ids: "2")')
    assert result.returncode == 3
    assert SECRET not in result.stdout + result.stderr
    assert get_json(client, "/patients") == [*original, {"id": 3, "name": "new"}]
    assert get_json(client, "/nurses") == [{"id": 1}, {"x": 1}]
    assert get_json(client, "/doctors") == [{"id": 1}]


def test_skip_existing_with_the_same_file_skips_everything(empty_db: str, tmp_path: Path) -> None:
    path = write_text(tmp_path / "db.json", AWKWARD)
    assert migrate_cli(empty_db, path).returncode == 0
    before = snapshot(empty_db)
    again = migrate_cli(empty_db, path, "--skip-existing")
    assert again.returncode == 0, again.stdout + again.stderr
    assert report(again, "patients")["skipped"] == "6 (id already there)"
    assert report(again, "patients")["written"] == "0"
    assert report(again, "notes")["without id"] == "2 (not added)"
    assert snapshot(empty_db) == before


def test_dry_run_reports_the_plan_and_writes_nothing(empty_db: str, tmp_path: Path) -> None:
    path = write_text(tmp_path / "db.json", AWKWARD)
    before = snapshot(empty_db)
    first = migrate_cli(empty_db, path, "--dry-run")
    assert first.returncode == 0, first.stdout + first.stderr
    assert report(first, "patients")["would be written"] == "6"
    assert snapshot(empty_db) == before
    assert migrate_cli(empty_db, path).returncode == 0
    before = snapshot(empty_db)
    replace = migrate_cli(empty_db, path, "--dry-run", "--replace")
    assert replace.returncode == 0
    assert report(replace, "patients")["would be deleted"] == "6"
    assert migrate_cli(empty_db, path, "--dry-run").returncode == 4
    assert snapshot(empty_db) == before


def test_a_collection_imported_into_a_running_service_is_served_at_once(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    assert get_json(client, "/patients") == []
    assert client.get("/visits").status_code == 404
    path = write_text(tmp_path / "db.json", '{"visits": [{"id": 1, "at": 1.0}], "patients": []}')
    result = migrate_cli(database_url, path, "--only", "visits")
    assert result.returncode == 0, result.stdout + result.stderr
    assert client.get("/visits").text == '[{"id":1,"at":1.0}]'
    assert client.get("/visits/1").text == '{"id":1,"at":1.0}'
    assert '"visits":[{"id":1,"at":1.0}]' in client.get("/db").text


# --- Verification ---------------------------------------------------------------------------


def test_verify_only_passes_on_an_unchanged_database(empty_db: str, tmp_path: Path) -> None:
    path = write_text(tmp_path / "db.json", AWKWARD)
    assert migrate_cli(empty_db, path).returncode == 0
    result = migrate_cli(empty_db, path, "--verify-only")
    assert result.returncode == 0, result.stdout + result.stderr
    assert report(result, "patients")["verified"] == "6 of 6 records"
    assert report(result, "notes")["verified"] == "3 of 3 records"
    assert report(result, "clinic")["verified"] == "yes"


def test_verify_only_detects_a_changed_record(empty_db: str, tmp_path: Path) -> None:
    path = write_text(tmp_path / "db.json", AWKWARD)
    assert migrate_cli(empty_db, path).returncode == 0
    execute(
        empty_db,
        "UPDATE records SET document = %s::json WHERE collection = 'patients' AND id_key = 'p-2'",
        json.dumps({**NASTY[1], "big": 123456789012345678901234567891}),
    )
    before = snapshot(empty_db)
    result = migrate_cli(empty_db, path, "--verify-only")
    assert result.returncode == 3
    fields = report(result, "patients")
    assert fields["differing"] == '1 (ids: "p-2")'
    assert fields["source checksum"] != fields["database checksum"]
    assert snapshot(empty_db) == before


@pytest.mark.parametrize(
    "changed",
    ['{"id":1,"b":"2","a":1}', '{"id":1,"a":1.0,"b":"2"}', '{"id":1,"a":1,"b":2}'],
)
def test_verify_only_detects_a_key_order_spelling_or_type_change(
    empty_db: str, tmp_path: Path, changed: str
) -> None:
    path = write_db_json(tmp_path / "db.json", [{"id": 1, "a": 1, "b": "2"}])
    assert migrate_cli(empty_db, path).returncode == 0
    assert migrate_cli(empty_db, path, "--verify-only").returncode == 0
    execute(empty_db, "UPDATE records SET document = %s::json", changed)
    assert migrate_cli(empty_db, path, "--verify-only").returncode == 3


def test_verify_only_detects_missing_extra_and_reordered_records(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_text(tmp_path / "db.json", AWKWARD)
    assert migrate_cli(empty_db, path).returncode == 0
    execute(
        empty_db, "UPDATE records SET seq = 100000 WHERE collection = 'patients' AND id_key = '1'"
    )
    execute(empty_db, "DELETE FROM records WHERE collection = 'patients' AND id_key = '0042'")
    execute(
        empty_db,
        "INSERT INTO records (collection, id_key, id_num, document) "
        "VALUES ('patients', '77', 77, '{\"id\":77}')",
    )
    execute(
        empty_db,
        "UPDATE records SET document = '{\"text\":\"changed\"}' WHERE collection = 'notes' "
        "AND seq = (SELECT min(seq) FROM records WHERE collection = 'notes')",
    )
    result = migrate_cli(empty_db, path, "--verify-only")
    assert result.returncode == 3
    fields = report(result, "patients")
    assert fields["missing"] == '1 (ids: "0042")'
    assert fields["extra"] == "1"
    assert fields["out of order"] == "1"
    assert report(result, "notes")["differing"] == "1 (ids: notes[0])"


def test_verify_only_detects_a_changed_singular_and_an_extra_collection(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_text(tmp_path / "db.json", AWKWARD)
    assert migrate_cli(empty_db, path).returncode == 0
    execute(empty_db, "UPDATE collections SET document = '{\"name\":\"x\"}' WHERE name = 'clinic'")
    execute(
        empty_db, "INSERT INTO collections (name, position, kind) VALUES ('extra', 99, 'plural')"
    )
    result = migrate_cli(empty_db, path, "--verify-only")
    assert result.returncode == 3
    assert report(result, "clinic")["verified"] == "no, the database's document differs"
    assert report(result)["extra collections"] == "extra (in the database, not in the file)"


# --- The id rule afterwards -----------------------------------------------------------------

NANOID = re.compile(r"[A-Za-z0-9_-]{7}")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ([3, 10, 7], 11),
        ([100.5], 101.5),
        ([5, "a"], 6),
        (["a", 5], NANOID),
        (["1", "10"], NANOID),
    ],
)
def test_the_next_post_gets_the_id_json_server_gives(
    client: TestClient, database_url: str, tmp_path: Path, ids: list[Any], expected: Any
) -> None:
    records = [{"id": record_id, "name": f"patient {index}"} for index, record_id in enumerate(ids)]
    path = write_db_json(tmp_path / "db.json", [], doctors=records)
    assert migrate_cli(database_url, path).returncode == 0
    ours = client.post("/doctors", json={"name": "next"}).json()["id"]
    (tmp_path / "json-server").mkdir()
    copy = write_db_json(tmp_path / "json-server" / "db.json", [], doctors=records)
    with json_server_process(copy) as base:
        theirs = httpx.post(f"{base}/doctors", json={"name": "next"}).json()["id"]
    if isinstance(expected, re.Pattern):
        assert isinstance(ours, str)
        assert expected.fullmatch(ours)
        assert expected.fullmatch(theirs)
    else:
        assert ours == theirs == expected
        assert type(ours) is type(expected)


# --- make run -------------------------------------------------------------------------------


def seed_settings(database_url: str, seed_file: Path) -> Settings:
    return make_settings(database_url=database_url, seed_file=seed_file)


def test_make_run_loads_every_collection_of_db_json_through_the_importer(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_text(tmp_path / "db.json", AWKWARD)
    assert asyncio.run(seed_if_empty(seed_settings(empty_db, path))) == 14
    assert typed(documents(empty_db)) == typed(NASTY)
    stored, _ = snapshot(empty_db)
    assert [row[0] for row in stored] == js_property_order(json.loads(AWKWARD))
    assert asyncio.run(seed_if_empty(seed_settings(empty_db, path))) == 0


def test_make_run_refuses_an_invalid_db_json_and_writes_nothing(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_db_json(tmp_path / "db.json", [{"id": 1}, {"id": "1", "name": SECRET}])
    before = snapshot(empty_db)
    with pytest.raises(ConfigError) as caught:
        asyncio.run(seed_if_empty(seed_settings(empty_db, path)))
    assert "was not loaded" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert snapshot(empty_db) == before


def test_make_run_stops_with_one_sentence_on_a_db_json_json_server_refuses(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_db_json(tmp_path / "db.json", [{"name": SECRET}], title=SECRET)
    before = snapshot(empty_db)
    env = {**os.environ, "DATABASE_URL": empty_db, "SEED_FILE": str(path), "LOG_LEVEL": "info"}
    result = subprocess.run(
        [sys.executable, "-m", "app.runner"],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert 'Type of "title" (string) is not supported' in result.stderr
    assert "was not loaded as it is (invalid): nothing was written." in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert SECRET not in result.stderr + result.stdout
    assert snapshot(empty_db) == before


# --- The command line -----------------------------------------------------------------------


def test_progress_is_drawn_on_a_terminal_only(empty_db: str, tmp_path: Path) -> None:
    path = write_text(tmp_path / "db.json", AWKWARD)
    plain = migrate_cli(empty_db, path)
    assert plain.returncode == 0
    assert "validating" not in plain.stderr
    assert "\r" not in plain.stderr + plain.stdout
    primary, secondary = pty.openpty()
    drawn = bytearray()

    def read_terminal() -> None:
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closes when the process exits
                return
            if not chunk:
                return
            drawn.extend(chunk)

    reader = threading.Thread(target=read_terminal)
    reader.start()
    env = {**os.environ, "DATABASE_URL": empty_db, "LOG_LEVEL": "warning"}
    with subprocess.Popen(
        [sys.executable, "-m", "scripts.migrate_db_json", str(path), "--replace"],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=secondary,
    ) as process:
        os.close(secondary)
        stdout, _ = process.communicate(timeout=120)
    reader.join(timeout=30)
    os.close(primary)
    assert process.returncode == 0
    for stage in (b"validating", b"writing", b"verifying"):
        assert stage in drawn
    assert b"\r" not in stdout


def test_patients_only_is_a_deprecated_alias_of_only_patients(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_db_json(tmp_path / "db.json", [{"id": 1}], doctors=[{"id": 1}])
    result = migrate_cli(empty_db, path, "--patients-only")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "--patients-only is deprecated: use --only patients."
    assert [row[0] for row in snapshot(empty_db)[0]] == ["patients"]


def test_usage_errors_exit_2_and_write_nothing(empty_db: str, tmp_path: Path) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY)
    before = snapshot(empty_db)
    assert migrate_cli(empty_db, path, "--replace", "--skip-existing").returncode == 2
    assert migrate_cli(empty_db, path, "--verify-only", "--dry-run").returncode == 2
    assert migrate_cli(empty_db, path, "--skip-existing", "--assign-missing-ids").returncode == 2
    assert migrate_cli(empty_db, path, "--only").returncode == 2
    missing = migrate_cli(empty_db, tmp_path / "absent.json")
    assert missing.returncode == 2
    assert "Cannot read" in missing.stderr
    unknown = migrate_cli(empty_db, path, "--only", "doctors")
    assert unknown.returncode == 1
    assert '--only names "doctors", which db.json does not have.' in unknown.stdout
    assert snapshot(empty_db) == before


def test_an_unreachable_database_exits_5(tmp_path: Path) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY)
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    result = migrate_cli(unreachable, path)
    assert result.returncode == 5
    assert "not reachable" in result.stderr


def test_help_lists_every_flag_and_exit_code() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.migrate_db_json", "--help"],
        cwd=BACKEND_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    for flag in (
        "--replace",
        "--skip-existing",
        "--verify-only",
        "--dry-run",
        "--assign-missing-ids",
        "--only NAME",
        "--patients-only",
    ):
        assert flag in result.stdout
    for code in range(6):
        assert re.search(rf"^  {code}  ", result.stdout, re.MULTILINE)
