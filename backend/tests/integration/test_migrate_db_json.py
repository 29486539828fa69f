"""`make migrate-data` on real PostgreSQL: the CLI as a subprocess, the round trip through the
API, atomicity under SIGKILL, each mode on a second run, and the id rule afterwards."""

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

from app.config import BACKEND_DIR, ConfigError, Settings
from app.json_codec import js_string
from app.seed import seed_if_empty
from app.services import importer
from app.services import patients as patient_service
from app.sessions import create_engine, create_sessionmaker, driver_connection, session_scope
from tests.support.database import libpq_url
from tests.support.db_json import typed, write_db_json, write_generated_db_json
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
OTHER_COLLECTIONS: dict[str, Any] = {
    "doctors": [{"id": 1, "name": "Dr. Who"}, {"id": 2}],
    "profile": {"name": "clinic"},
}


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


def report(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """The report's `label  value` lines, first occurrence of each label."""
    fields: dict[str, str] = {}
    for line in result.stdout.splitlines():
        if line.startswith("  ") and not line.startswith("    "):
            fields.setdefault(line[2:21].strip(), line[21:].strip())
    return fields


def table(database_url: str) -> list[tuple[int, str, str]]:
    with psycopg.connect(libpq_url(database_url)) as conn:
        rows = conn.execute("SELECT seq, id_key, document::text FROM patients ORDER BY seq")
        return [(int(seq), str(key), str(document)) for seq, key, document in rows]


def execute(database_url: str, statement: str, *params: Any) -> None:
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(statement, params)


def listed(client: TestClient) -> Any:
    response = client.get("/patients")
    assert response.status_code == 200
    return json.loads(response.text)


def canonical_sha256(records: list[Any]) -> str:
    digest = hashlib.sha256()
    for record in records:
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        digest.update(text.encode() + b"\n")
    return digest.hexdigest()


# --- Round trip -----------------------------------------------------------------------------


def test_round_trip_through_the_api_is_exact(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY, **OTHER_COLLECTIONS)
    result = migrate_cli(database_url, path, "--patients-only")
    assert result.returncode == 0, result.stdout + result.stderr
    assert typed(listed(client)) == typed(NASTY)
    for record in NASTY:
        response = client.get(f"/patients/{js_string(record['id'])}")
        assert response.status_code == 200
        assert typed(json.loads(response.text)) == typed(record)
    text = client.get("/patients").text
    for fragment in (
        '"big":123456789012345678901234567890',
        '"id":9007199254740993',
        '"age":"34"',
        '"phone":5550101',
        '"negativeZero":-0.0',
        '"z":0,"a":1,"10":"ten","2":"two"',
        '"name":"Late id","id":"p-2"',
    ):
        assert fragment in text


def test_the_report_counts_lists_other_data_and_checksums_both_sides(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY, **OTHER_COLLECTIONS)
    result = migrate_cli(empty_db, path, "--patients-only")
    fields = report(result)
    assert fields["records in file"] == "6"
    assert fields["written"] == "6"
    assert fields["verified"] == "6 of 6 records"
    assert fields["committed"] == "yes"
    assert fields["other data"].startswith('"doctors" (an array of 2, line ')
    assert '"profile" (an object, line ' in result.stdout
    expected = canonical_sha256(NASTY)
    assert fields["source checksum"] == f"sha256:{expected}"
    assert fields["table checksum"] == f"sha256:{expected}"
    assert result.stdout.rstrip().endswith("result: OK, every record verified.")


def test_root_db_json_migrates_and_every_record_verifies(empty_db: str) -> None:
    root = BACKEND_DIR.parent / "db.json"
    result = migrate_cli(empty_db, root, "--patients-only")
    assert result.returncode == 0, result.stdout + result.stderr
    records = json.loads(root.read_text(encoding="utf-8"))["patients"]
    assert report(result)["verified"] == f"{len(records)} of {len(records)} records"
    assert [json.loads(document) for _, _, document in table(empty_db)] == records


# --- Validation through the CLI -------------------------------------------------------------


def test_duplicate_ids_stop_the_migration_and_write_nothing(empty_db: str, tmp_path: Path) -> None:
    records = [*NASTY, {"id": "1", "name": SECRET}, {"id": 3.5, "name": SECRET}]
    path = write_db_json(tmp_path / "db.json", records)
    result = migrate_cli(empty_db, path)
    assert result.returncode == 1
    assert "has the same id as patients[0] (id 1); ids are compared as strings" in result.stdout
    assert re.search(r'patients\[6\] \(line \d+, id "1"\)', result.stdout)
    assert re.search(
        r"patients\[7\] \(line \d+, id 3.5\) has the same id as patients\[2\]", result.stdout
    )
    assert "result: INVALID, 2 problem(s)" in result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert table(empty_db) == []


def test_other_collections_stop_the_migration_unless_acknowledged(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY, **OTHER_COLLECTIONS)
    result = migrate_cli(empty_db, path)
    assert result.returncode == 1
    assert '"doctors" (an array of 2' in result.stdout
    assert "--patients-only" in result.stdout
    assert table(empty_db) == []


def test_text_postgresql_cannot_store_is_refused_before_writing(
    settings: Settings, empty_db: str, tmp_path: Path
) -> None:
    record = {"id": 1, "note": "a\u0000b"}

    async def insert_directly() -> None:
        engine = create_engine(settings)
        try:
            async with session_scope(create_sessionmaker(engine)) as session:
                await patient_service.import_records(await driver_connection(session), [record])
        finally:
            await engine.dispose()

    with pytest.raises(psycopg.errors.UntranslatableCharacter):
        asyncio.run(insert_directly())
    path = write_db_json(tmp_path / "db.json", [{"id": 2}, record])
    result = migrate_cli(empty_db, path)
    assert result.returncode == 1
    assert "patients[1] (line 6) contains the character U+0000" in result.stdout
    assert table(empty_db) == []


def test_missing_ids_are_assigned_by_json_servers_rule_and_reported(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    records = [{"name": "first"}, {"id": 7, "name": "seven"}, {"name": "third"}]
    path = write_db_json(tmp_path / "db.json", records)
    refused = migrate_cli(database_url, path)
    assert refused.returncode == 1
    assert "--assign-missing-ids" in refused.stdout
    result = migrate_cli(database_url, path, "--assign-missing-ids")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "patients[0] (line 3) -> 8" in result.stdout
    assert "patients[2] (line 10) -> 9" in result.stdout
    assert listed(client) == [
        {"name": "first", "id": 8},
        {"id": 7, "name": "seven"},
        {"name": "third", "id": 9},
    ]


# --- Atomicity ------------------------------------------------------------------------------


def _wait_for_copy_in_progress(database_url: str, process: subprocess.Popen[bytes]) -> int:
    """The pid of the backend running the migration's COPY inside its open transaction."""
    query = (
        "SELECT a.pid FROM pg_stat_progress_copy p JOIN pg_stat_activity a USING (pid) "
        "WHERE a.datname = current_database() AND a.backend_xid IS NOT NULL "
        "AND p.tuples_processed > 0"
    )
    deadline = time.monotonic() + 90
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        while time.monotonic() < deadline:
            assert process.poll() is None, "the migration finished before it could be killed"
            row = conn.execute(query).fetchone()
            if row is not None:
                return int(row[0])
            time.sleep(0.005)
    raise TimeoutError("the migration never started inserting")


def _wait_until_gone(database_url: str, pid: int) -> None:
    deadline = time.monotonic() + 30
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        while conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, "the killed migration's backend never ended"
            time.sleep(0.05)


@pytest.mark.slow
def test_sigkill_while_inserting_leaves_the_table_as_it_was(empty_db: str, tmp_path: Path) -> None:
    first = write_db_json(tmp_path / "first.json", NASTY)
    assert migrate_cli(empty_db, first).returncode == 0
    before = table(empty_db)
    large = write_generated_db_json(tmp_path / "large.json", 60_000)
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
    assert table(empty_db) == before


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Late id", "Late ID"),  # same shape, other bytes
        ('"id": "0042",', ""),  # a record lost its id
        ('"id": 0,', '"id": 0, "id": 0,'),  # a record became unreadable
        ('"name": "Late id",', '"name": '),  # the file is no longer JSON
    ],
)
def test_a_file_changed_after_validation_is_rolled_back(
    settings: Settings, empty_db: str, tmp_path: Path, old: str, new: str
) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY)
    options = importer.ImportOptions()
    validation = importer.validate_file(path, options)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    report = importer.MigrationReport(options, validation)

    async def run() -> None:
        engine = create_engine(settings)
        try:
            await importer.migrate(create_sessionmaker(engine), path, report)
        finally:
            await engine.dispose()

    asyncio.run(run())
    assert report.outcome is importer.Outcome.SOURCE_CHANGED
    assert not report.committed
    assert table(empty_db) == []


# --- Modes on a second run ------------------------------------------------------------------


def test_a_second_default_run_refuses_and_changes_nothing(empty_db: str, tmp_path: Path) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY)
    assert migrate_cli(empty_db, path).returncode == 0
    before = table(empty_db)
    again = migrate_cli(empty_db, path)
    assert again.returncode == 4
    assert "REFUSED, the table already holds 6 records" in again.stdout
    assert table(empty_db) == before


def test_replace_on_a_second_run_leaves_exactly_the_new_file(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    assert migrate_cli(database_url, write_db_json(tmp_path / "a.json", NASTY)).returncode == 0
    replacement = [{"id": "p-2", "name": "kept id, new data"}, {"id": 50}, {"id": 1, "v": 2}]
    result = migrate_cli(database_url, write_db_json(tmp_path / "b.json", replacement), "--replace")
    assert result.returncode == 0, result.stdout + result.stderr
    assert report(result)["deleted"] == "6"
    assert report(result)["written"] == "3"
    assert typed(listed(client)) == typed(replacement)


def test_skip_existing_inserts_only_new_ids_and_keeps_differing_records(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    original = [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]
    assert migrate_cli(database_url, write_db_json(tmp_path / "a.json", original)).returncode == 0
    second = [{"id": 1, "name": "one"}, {"id": "2", "name": SECRET}, {"id": 3, "name": "new"}]
    result = migrate_cli(
        database_url, write_db_json(tmp_path / "b.json", second), "--skip-existing"
    )
    fields = report(result)
    assert fields["written"] == "1"
    assert fields["skipped"] == "2 (id already in the table)"
    assert fields["differing"].startswith('1 (ids: "2")')
    assert result.returncode == 3
    assert SECRET not in result.stdout + result.stderr
    assert listed(client) == [*original, {"id": 3, "name": "new"}]


def test_skip_existing_with_the_same_file_skips_everything(empty_db: str, tmp_path: Path) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY)
    assert migrate_cli(empty_db, path).returncode == 0
    before = table(empty_db)
    again = migrate_cli(empty_db, path, "--skip-existing")
    assert again.returncode == 0, again.stdout + again.stderr
    assert report(again)["skipped"] == "6 (id already in the table)"
    assert report(again)["written"] == "0"
    assert table(empty_db) == before


def test_dry_run_reports_the_plan_and_writes_nothing(empty_db: str, tmp_path: Path) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY)
    first = migrate_cli(empty_db, path, "--dry-run")
    assert first.returncode == 0
    assert report(first)["would be written"] == "6"
    assert table(empty_db) == []
    assert migrate_cli(empty_db, path).returncode == 0
    before = table(empty_db)
    replace = migrate_cli(empty_db, path, "--dry-run", "--replace")
    assert replace.returncode == 0
    assert report(replace)["would be deleted"] == "6"
    assert migrate_cli(empty_db, path, "--dry-run").returncode == 4
    assert table(empty_db) == before


# --- Verification ---------------------------------------------------------------------------


def test_verify_only_passes_on_an_unchanged_table(empty_db: str, tmp_path: Path) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY)
    assert migrate_cli(empty_db, path).returncode == 0
    result = migrate_cli(empty_db, path, "--verify-only")
    assert result.returncode == 0, result.stdout + result.stderr
    assert report(result)["verified"] == "6 of 6 records"


def test_verify_only_detects_a_changed_record(empty_db: str, tmp_path: Path) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY)
    assert migrate_cli(empty_db, path).returncode == 0
    execute(
        empty_db,
        "UPDATE patients SET document = %s::json WHERE id_key = 'p-2'",
        json.dumps({**NASTY[1], "big": 123456789012345678901234567891}),
    )
    before = table(empty_db)
    result = migrate_cli(empty_db, path, "--verify-only")
    assert result.returncode == 3
    fields = report(result)
    assert fields["differing"] == '1 (ids: "p-2")'
    assert fields["source checksum"] != fields["table checksum"]
    assert table(empty_db) == before


def test_verify_only_detects_a_key_order_or_type_change(empty_db: str, tmp_path: Path) -> None:
    path = write_db_json(tmp_path / "db.json", [{"id": 1, "a": 1, "b": "2"}])
    assert migrate_cli(empty_db, path).returncode == 0
    for changed in (
        '{"id":1,"b":"2","a":1}',
        '{"id":1,"a":1.0,"b":"2"}',
        '{"id":1,"a":1,"b":2}',
    ):
        execute(empty_db, "UPDATE patients SET document = %s::json", changed)
        assert migrate_cli(empty_db, path, "--verify-only").returncode == 3
    execute(empty_db, "UPDATE patients SET document = %s::json", '{ "id" : 1, "a" : 1, "b" : "2" }')
    assert migrate_cli(empty_db, path, "--verify-only").returncode == 0


def test_verify_only_detects_missing_extra_and_reordered_records(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY)
    assert migrate_cli(empty_db, path).returncode == 0
    execute(empty_db, "UPDATE patients SET seq = 1000 WHERE id_key = '1'")
    execute(empty_db, "DELETE FROM patients WHERE id_key = '0042'")
    execute(
        empty_db,
        "INSERT INTO patients (id_key, id_num, document) VALUES ('77', 77, '{\"id\":77}')",
    )
    result = migrate_cli(empty_db, path, "--verify-only")
    assert result.returncode == 3
    fields = report(result)
    assert fields["missing"] == '1 (ids: "0042")'
    assert fields["extra in table"] == "1"
    assert fields["out of order"] == "1"


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
    path = write_db_json(tmp_path / "db.json", records)
    assert migrate_cli(database_url, path).returncode == 0
    ours = client.post("/patients", json={"name": "next"}).json()["id"]
    (tmp_path / "json-server").mkdir()
    copy = write_db_json(tmp_path / "json-server" / "db.json", records)
    with json_server_process(copy) as base:
        theirs = httpx.post(f"{base}/patients", json={"name": "next"}).json()["id"]
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


def test_make_run_loads_db_json_through_the_importer(empty_db: str, tmp_path: Path) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY, **OTHER_COLLECTIONS)
    assert asyncio.run(seed_if_empty(seed_settings(empty_db, path))) == 6
    stored = [json.loads(document) for _, _, document in table(empty_db)]
    assert typed(stored) == typed(NASTY)
    assert asyncio.run(seed_if_empty(seed_settings(empty_db, path))) == 0


def test_make_run_refuses_an_invalid_db_json_and_writes_nothing(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_db_json(tmp_path / "db.json", [{"id": 1}, {"id": "1", "name": SECRET}])
    with pytest.raises(ConfigError) as caught:
        asyncio.run(seed_if_empty(seed_settings(empty_db, path)))
    assert "was not loaded" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert table(empty_db) == []


def test_make_run_stops_with_one_sentence_on_an_invalid_db_json(
    empty_db: str, tmp_path: Path
) -> None:
    path = write_db_json(tmp_path / "db.json", [{"name": SECRET}])
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
    assert "patients[0] (line 3) has no id." in result.stderr
    assert "was not loaded as it is (invalid): nothing was written." in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert SECRET not in result.stderr + result.stdout
    assert table(empty_db) == []


# --- The command line -----------------------------------------------------------------------


def test_progress_is_drawn_on_a_terminal_only(empty_db: str, tmp_path: Path) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY)
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
    for stage in (b"validating", b"writing", b"verifying", b"checksum"):
        assert stage in drawn
    assert b"\r" not in stdout


def test_usage_errors_exit_2_and_write_nothing(empty_db: str, tmp_path: Path) -> None:
    path = write_db_json(tmp_path / "db.json", NASTY)
    assert migrate_cli(empty_db, path, "--replace", "--skip-existing").returncode == 2
    assert migrate_cli(empty_db, path, "--verify-only", "--dry-run").returncode == 2
    assert migrate_cli(empty_db, path, "--skip-existing", "--assign-missing-ids").returncode == 2
    missing = migrate_cli(empty_db, tmp_path / "absent.json")
    assert missing.returncode == 2
    assert "Cannot read" in missing.stderr
    assert table(empty_db) == []


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
        "--patients-only",
    ):
        assert flag in result.stdout
    for code in range(6):
        assert re.search(rf"^  {code}  ", result.stdout, re.MULTILINE)
