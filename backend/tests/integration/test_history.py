"""Record history, restore, If-Match, the audit log, request identity and the operator routes,
on real PostgreSQL."""

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from app.config import ConfigError, Settings
from app.main import create_app
from app.services.audit import AuditLog
from app.store import Store, libpq_url
from tests.conftest import insert_records
from tests.support.database import load_document
from tests.support.settings import make_settings

TOKEN = "operator-token-for-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
CLINIC: dict[str, Any] = {
    "patients": [{"id": 1, "name": "Ana"}, {"id": 2, "name": "Ben"}],
    "doctors": [{"id": 1, "name": "Dr. House"}],
    "clinic": {"name": "City Clinic"},
}


@pytest.fixture
def clinic_settings(database_url: str) -> Settings:
    """CLINIC, each record's history starting at its import (earlier tests' history pruned,
    as an operator prunes it: on purpose, in a session that says so)."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute("DELETE FROM collections")
        conn.execute("SET app.prune_history = 'on'")
        conn.execute("DELETE FROM record_versions")
    load_document(database_url, json.dumps(CLINIC).encode())
    return make_settings(database_url=database_url, admin_token=TOKEN)


@pytest.fixture
def api(clinic_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(clinic_settings)) as client:
        yield client


def rows(settings: Settings, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_url(settings.sqlalchemy_url())) as conn:
        return conn.execute(sql, params).fetchall()


def versions_of(
    settings: Settings, collection: str, record_id: str | None
) -> list[tuple[Any, ...]]:
    """(version, operation, document, request_id, db_user), oldest first."""
    return rows(
        settings,
        "SELECT version, operation, document::text, request_id, db_user FROM record_versions "
        "WHERE collection = %s AND record_id IS NOT DISTINCT FROM %s ORDER BY version",
        collection,
        record_id,
    )


def flush_audit(client: TestClient) -> None:
    audit: AuditLog = client.app.state.audit  # type: ignore[attr-defined]
    client.portal.call(audit.flush)  # type: ignore[union-attr]


def test_every_service_write_leaves_a_version_with_its_request_id(
    api: TestClient, clinic_settings: Settings
) -> None:
    writes = [
        api.post("/patients", json={"name": "Cy"}),
        api.put("/patients/3", json={"name": "Cy Put"}),
        api.patch("/patients/3", json={"age": 40}),
        api.delete("/patients/3"),
    ]
    assert [w.status_code for w in writes] == [201, 200, 200, 200]
    kept = versions_of(clinic_settings, "patients", "3")
    assert [(v, op) for v, op, *_ in kept] == [
        (1, "insert"),
        (2, "update"),
        (3, "update"),
        (4, "delete"),
    ]
    assert [request_id for *_, request_id, _user in kept] == [
        w.headers["x-request-id"] for w in writes
    ]
    assert json.loads(kept[3][2]) == {"name": "Cy Put", "id": 3, "age": 40}  # the last content


def test_nested_post_and_singular_writes_leave_versions(
    api: TestClient, clinic_settings: Settings
) -> None:
    nested = api.post("/doctors/1/patients", json={"name": "Di"})
    assert nested.status_code == 201
    created_id = str(nested.json()["id"])
    assert [op for _, op, *_ in versions_of(clinic_settings, "patients", created_id)] == ["insert"]
    put = api.put("/clinic", json={"name": "North Clinic"})
    patch = api.patch("/clinic", json={"beds": 12})
    assert (put.status_code, patch.status_code) == (200, 200)
    kept = versions_of(clinic_settings, "clinic", None)
    assert [(op, json.loads(doc)) for _, op, doc, *_ in kept] == [
        ("insert", {"name": "City Clinic"}),
        ("update", {"name": "North Clinic"}),
        ("update", {"name": "North Clinic", "beds": 12}),
    ]
    assert kept[2][3] == patch.headers["x-request-id"]


def test_the_importer_and_a_direct_sql_update_leave_versions_without_a_request_id(
    api: TestClient, clinic_settings: Settings
) -> None:
    insert_records(clinic_settings, [{"id": "imp-1", "name": "Imported"}])
    with psycopg.connect(libpq_url(clinic_settings.sqlalchemy_url())) as conn:
        conn.execute(
            'UPDATE records SET document = \'{"id":"imp-1","name":"By psql"}\' '
            "WHERE collection = 'patients' AND id_key = 'imp-1'"
        )
    kept = versions_of(clinic_settings, "patients", "imp-1")
    assert [(op, request_id, user) for _, op, _, request_id, user in kept] == [
        ("insert", None, "postgres"),
        ("update", None, "postgres"),
    ]


def test_a_deleted_record_is_restored_with_its_id_and_contents(api: TestClient) -> None:
    original = api.get("/patients/2").json()
    assert api.delete("/patients/2").status_code == 200
    assert api.get("/patients/2").status_code == 404
    listed = api.get("/_history/patients/2", headers=BEARER)
    assert listed.status_code == 200
    assert [(v["version"], v["operation"]) for v in listed.json()] == [(2, "delete"), (1, "insert")]
    restored = api.post("/_history/patients/2/restore", json={"version": 1}, headers=BEARER)
    assert (restored.status_code, restored.json()) == (200, original)
    assert api.get("/patients/2").json() == original
    newest = api.get("/_history/patients/2", params={"_limit": 1}, headers=BEARER)
    assert newest.headers["x-total-count"] == "3"
    assert [(v["version"], v["operation"], v["restored_from"]) for v in newest.json()] == [
        (3, "insert", 1)
    ]


def test_restoring_an_older_version_over_a_changed_record_is_a_new_version(
    api: TestClient,
) -> None:
    api.put("/patients/1", json={"name": "Wrong"})
    restored = api.post("/_history/patients/1/restore", json={"version": 1}, headers=BEARER)
    assert restored.json() == {"id": 1, "name": "Ana"}
    assert api.get("/patients/1").json() == {"id": 1, "name": "Ana"}
    history = api.get("/_history/patients/1", headers=BEARER).json()
    assert [v["operation"] for v in history] == ["update", "update", "insert"]
    missing = api.post("/_history/patients/1/restore", json={"version": 99}, headers=BEARER)
    assert missing.status_code == 404


def test_a_singular_resource_is_restored(api: TestClient) -> None:
    api.put("/clinic", json={"name": "Renamed"})
    restored = api.post("/_history/clinic/restore", json={"version": 1}, headers=BEARER)
    assert restored.json() == {"name": "City Clinic"}
    assert api.get("/clinic").json() == {"name": "City Clinic"}


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_if_match_with_a_stale_etag_is_412_and_changes_nothing(
    api: TestClient, clinic_settings: Settings, method: str
) -> None:
    stale = api.get("/patients/1").headers["etag"]
    api.patch("/patients/1", json={"name": "Changed by someone else"})
    before = api.get("/patients/1").text
    response = api.request(
        method, "/patients/1", json={"name": "Mine"}, headers={"If-Match": stale}
    )
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "precondition_failed"
    assert api.get("/patients/1").text == before
    assert len(versions_of(clinic_settings, "patients", "1")) == 2


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_if_match_with_the_current_etag_or_star_succeeds(api: TestClient, method: str) -> None:
    current = api.get("/patients/1").headers["etag"]
    assert (
        api.request(method, "/patients/1", json={"a": 1}, headers={"If-Match": current}).status_code
        == 200
    )
    assert (
        api.request(method, "/patients/2", json={"a": 1}, headers={"If-Match": "*"}).status_code
        == 200
    )


def test_if_match_on_a_missing_record_is_412(api: TestClient) -> None:
    assert api.put("/patients/99", json={}, headers={"If-Match": "*"}).status_code == 412
    assert api.put("/patients/99", json={}).status_code == 404  # json-server's answer


def test_if_match_on_a_singular_resource(api: TestClient) -> None:
    current = api.get("/clinic").headers["etag"]
    assert api.patch("/clinic", json={"x": 1}, headers={"If-Match": current}).status_code == 200
    stale = api.put("/clinic", json={"x": 2}, headers={"If-Match": current})
    assert stale.status_code == 412
    assert api.get("/clinic").json() == {"name": "City Clinic", "x": 1}


def test_the_audit_log_cannot_be_altered_through_the_services_own_connection(
    api: TestClient, clinic_settings: Settings
) -> None:
    api.get("/patients")
    flush_audit(api)
    store: Store = api.app.state.store  # type: ignore[attr-defined]

    async def attempt(sql: str) -> str:
        async with store.pool.connection() as conn:
            try:
                await conn.execute(sql)
            except psycopg.Error as exc:
                return str(exc.sqlstate)
        return "allowed"

    for sql in (
        "UPDATE audit_log SET status = 200",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "UPDATE record_versions SET document = '{}'",
        "DELETE FROM record_versions",
    ):
        assert api.portal.call(attempt, sql) == "42501", sql  # type: ignore[union-attr]
    partitions = rows(
        clinic_settings,
        "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'audit_log'::regclass",
    )
    assert partitions
    for (partition,) in partitions:
        assert api.portal.call(attempt, f"TRUNCATE {partition}") == "42501"  # type: ignore[union-attr]


def test_no_content_query_value_or_id_reaches_the_audit_log_or_the_logs(
    api: TestClient, clinic_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    canary = f"canary{uuid.uuid4().hex}"
    caplog.set_level(logging.DEBUG)
    responses = [
        api.post("/patients", json={"id": canary, "name": canary}),
        api.get(f"/patients/{canary}"),
        api.get("/patients", params={"name": canary, "age_gte": canary, "q": canary}),
        api.put(f"/patients/{canary}", json={"name": canary}),
        api.patch(f"/patients/{canary}", json={"note": canary}),
        api.get(f"/patients/{canary}/doctors", params={"name_like": canary}),
        api.delete(f"/patients/{canary}", headers={"If-Match": f'W/"{canary}"'}),
        api.delete(f"/patients/{canary}"),
        api.get(f"/_history/patients/{canary}", headers=BEARER),
    ]
    assert [r.status_code for r in responses] == [201, 200, 200, 200, 200, 200, 412, 200, 200]
    flush_audit(api)
    (dump,) = rows(
        clinic_settings, "SELECT coalesce(string_agg(a::text, ' '), '') FROM audit_log AS a"
    )
    assert canary not in dump[0]
    service_logs = [r for r in caplog.records if not r.name.startswith("httpx")]  # not the client
    assert any(r.name == "app.access" for r in service_logs)
    assert all(canary not in f"{r.getMessage()} {r.__dict__}" for r in service_logs)
    request_ids = [r.headers["x-request-id"] for r in responses]
    entries = rows(
        clinic_settings,
        "SELECT request_id, path_shape, query_shape, status FROM audit_log "
        "WHERE request_id = ANY(%s)",
        request_ids,
    )
    assert {entry[0] for entry in entries} == set(request_ids)
    shapes = {entry[1]: entry[2] for entry in entries}
    assert shapes["/patients"] == ["name", "age_gte", "q"]
    assert "/patients/:id/:nested" in shapes


def test_audit_entries_name_the_records_read_and_written(
    api: TestClient, clinic_settings: Settings
) -> None:
    one = api.get("/patients/1")
    listed = api.get("/patients")
    patched = api.patch("/patients/2", json={"age": 3})
    flush_audit(api)
    seq_of = dict(
        rows(clinic_settings, "SELECT id_key, seq FROM records WHERE collection = 'patients'")
    )
    entries = {
        row[0]: row[1:]
        for row in rows(
            clinic_settings,
            "SELECT request_id, method, resource, status, record_seqs, record_count "
            "FROM audit_log WHERE request_id = ANY(%s)",
            [
                one.headers["x-request-id"],
                listed.headers["x-request-id"],
                patched.headers["x-request-id"],
            ],
        )
    }
    assert entries[one.headers["x-request-id"]] == ("GET", "patients", 200, [seq_of["1"]], 1)
    listed_seqs = [seq_of["1"], seq_of["2"]]
    assert entries[listed.headers["x-request-id"]] == ("GET", "patients", 200, listed_seqs, 2)
    assert entries[patched.headers["x-request-id"]] == ("PATCH", "patients", 200, [seq_of["2"]], 1)
    by_record = api.get("/_audit", params={"collection": "patients", "id": "2"}, headers=BEARER)
    assert [e["request_id"] for e in by_record.json()] == [
        patched.headers["x-request-id"],
        listed.headers["x-request-id"],  # the list showed it too
    ]


def test_a_list_of_more_than_100_records_is_counted_not_named(
    api: TestClient, clinic_settings: Settings
) -> None:
    insert_records(clinic_settings, [{"id": 100 + n} for n in range(101)])
    embedded = api.get("/patients/1", params={"_embed": "appointments"})
    page = api.get("/patients", params={"_page": 1, "_limit": 3, "_sort": "id"})
    everything = api.get("/patients")
    flush_audit(api)
    wanted = [r.headers["x-request-id"] for r in (embedded, page, everything)]
    found = {
        row[0]: row[1:]
        for row in rows(
            clinic_settings,
            "SELECT request_id, cardinality(record_seqs), record_count FROM audit_log "
            "WHERE request_id = ANY(%s)",
            wanted,
        )
    }
    assert [found[request_id] for request_id in wanted] == [(1, 1), (3, 3), (None, 103)]


def test_operator_routes_refuse_without_the_token_and_accept_with_it(api: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        refused = api.get("/_history/patients/1", headers={**headers, "Origin": "http://x.test"})
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        assert refused.headers["access-control-allow-origin"] == "http://x.test"
        assert api.get("/_audit", headers=headers).status_code == 401
        restore = api.post("/_history/patients/1/restore", json={"version": 1}, headers=headers)
        assert restore.status_code == 401
    assert api.get("/_history/patients/1", headers=BEARER).status_code == 200
    assert api.get("/_audit", headers=BEARER).status_code == 200


def test_production_refuses_to_start_with_operator_routes_and_no_token() -> None:
    production: dict[str, Any] = {
        "environment": "production",
        "database_url": "postgresql://patients@db.internal/patients",
        "cors_origins": "https://app.example.org",
    }
    with pytest.raises(ConfigError, match="ADMIN_TOKEN must be set"):
        create_app(make_settings(**production))
    create_app(make_settings(**production, operator_routes=False))
    create_app(make_settings(**production, admin_token=TOKEN))


def test_without_a_token_in_development_the_routes_are_open_and_the_log_says_so(
    clinic_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(create_app(clinic_settings.model_copy(update={"admin_token": None}))) as api:
        assert api.get("/_audit").status_code == 200
    assert "ADMIN_TOKEN is not set" in caplog.text


def test_a_request_id_is_taken_only_from_a_trusted_proxy(clinic_settings: Settings) -> None:
    sent = {"X-Request-ID": "proxy-id-123", "X-Forwarded-For": "203.0.113.9"}
    with TestClient(create_app(clinic_settings)) as untrusted:
        response = untrusted.get("/patients/1", headers=sent)
        assert response.headers["x-request-id"] not in ("", "proxy-id-123")
    trusting = clinic_settings.model_copy(update={"forwarded_allow_ips": "*"})
    with TestClient(create_app(trusting)) as behind_proxy:
        response = behind_proxy.get("/patients/1", headers=sent)
        assert response.headers["x-request-id"] == "proxy-id-123"
        flush_audit(behind_proxy)
    (entry,) = rows(
        clinic_settings, "SELECT client_addr FROM audit_log WHERE request_id = 'proxy-id-123'"
    )
    assert entry == ("203.0.113.9",)


def test_a_name_starting_with_underscore_is_never_a_collection(
    api: TestClient, clinic_settings: Settings
) -> None:
    with psycopg.connect(libpq_url(clinic_settings.sqlalchemy_url())) as conn:
        conn.execute(
            "INSERT INTO collections (name, position, kind) VALUES ('_hidden', 9, 'plural')"
        )
    assert api.get("/_hidden").status_code == 404
    assert api.get("/_history").status_code == 404


def test_retention_drops_whole_months_older_than_the_setting(
    api: TestClient, clinic_settings: Settings
) -> None:
    with psycopg.connect(libpq_url(clinic_settings.sqlalchemy_url())) as conn:
        conn.execute(
            "CREATE TABLE audit_log_200001 PARTITION OF audit_log "
            "FOR VALUES FROM ('2000-01-01') TO ('2000-02-01')"
        )
    audit: AuditLog = api.app.state.audit  # type: ignore[attr-defined]
    dropped = api.portal.call(audit.maintain)  # type: ignore[union-attr]
    # The writer's own hourly maintenance may have dropped it first, on a busy machine.
    assert dropped in (["audit_log_200001"], [])
    assert rows(clinic_settings, "SELECT to_regclass('audit_log_200001')") == [(None,)]


def test_the_command_line_lists_history_restores_and_reads_the_audit_log(
    api: TestClient,
    clinic_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.operator import main as operator_main

    monkeypatch.setenv("DATABASE_URL", clinic_settings.sqlalchemy_url())
    deleted = api.delete("/patients/1")
    flush_audit(api)
    assert operator_main(["history", "patients", "1"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(v["version"], v["operation"]) for v in listed] == [(2, "delete"), (1, "insert")]
    assert operator_main(["restore", "patients", "1", "--version", "2"]) == 0
    assert json.loads(capsys.readouterr().out) == {"id": 1, "name": "Ana"}
    assert api.get("/patients/1").json() == {"id": 1, "name": "Ana"}
    (actor,) = rows(
        clinic_settings,
        "SELECT actor FROM record_versions WHERE collection = 'patients' AND record_id = '1' "
        "AND version = 3",
    )
    assert str(actor[0]).startswith("cli:")
    assert operator_main(["audit", "--collection", "patients", "--id", "1"]) == 0
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["request_id"] for e in entries] == [deleted.headers["x-request-id"]]
    assert operator_main(["restore", "patients", "1", "--version", "9"]) == 1


def test_a_query_key_postgresql_cannot_store_does_not_hold_back_the_audit_log(
    api: TestClient, clinic_settings: Settings
) -> None:
    odd = api.get("/patients?%00=1")
    after = api.get("/patients/1")
    flush_audit(api)
    found = rows(
        clinic_settings,
        "SELECT request_id, query_shape FROM audit_log WHERE request_id = ANY(%s)",
        [odd.headers["x-request-id"], after.headers["x-request-id"]],
    )
    assert sorted(found, key=lambda row: row[0] != odd.headers["x-request-id"]) == [
        (odd.headers["x-request-id"], ["\ufffd"]),
        (after.headers["x-request-id"], None),
    ]
