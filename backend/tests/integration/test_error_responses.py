"""Every error carries the headers a success carries (CORS, no-cache), a 500 included; and a
write the database cancels is a 503 with Retry-After, which a client may retry, while a list
query that is too expensive stays a 400."""

import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.services.records import ID_LOCK_KEY
from tests.support.database import libpq_url
from tests.support.factories import make_patient
from tests.support.settings import make_settings

ORIGIN = "http://localhost:5173"


def app_with_a_failing_route(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get("/failing")
    async def failing() -> None:
        raise RuntimeError("an unexpected failure")

    # Before the resource routes, which would take `/failing` for a collection's name.
    app.router.routes.insert(0, app.router.routes.pop())
    return app


def test_an_unexpected_exception_is_a_json_500_with_cors_and_no_cache(settings: Settings) -> None:
    with TestClient(app_with_a_failing_route(settings), raise_server_exceptions=False) as client:
        response = client.get("/failing", headers={"Origin": ORIGIN})
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "status": 500,
            "code": "internal_error",
            "message": "An unexpected error occurred.",
        }
    }
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_an_unexpected_exception_does_not_reach_the_server(settings: Settings) -> None:
    # Answered inside the service: nothing is re-raised to the ASGI server.
    with TestClient(app_with_a_failing_route(settings)) as client:
        assert client.get("/failing").status_code == 500


@pytest.fixture
def locking_connection(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(libpq_url(settings.sqlalchemy_url())) as conn:
        yield conn
        conn.rollback()


def test_a_write_waiting_too_long_for_a_lock_is_a_503_with_retry_after(
    empty_db: str, seed: Any, locking_connection: psycopg.Connection[Any]
) -> None:
    seed([make_patient(id=1)])
    settings = make_settings(database_url=empty_db, db_statement_timeout_ms=200)
    locking_connection.execute(
        "SELECT 1 FROM records WHERE collection = 'patients' AND id_key = '1' FOR UPDATE"
    )
    with TestClient(create_app(settings)) as client:
        response = client.patch("/patients/1", json={"age": 1}, headers={"Origin": ORIGIN})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.json()["error"]["code"] == "service_unavailable"


def test_a_create_waiting_too_long_for_the_id_lock_is_a_503_and_stores_nothing(
    empty_db: str, seed: Any, locking_connection: psycopg.Connection[Any]
) -> None:
    seed([make_patient(id=1)])
    settings = make_settings(database_url=empty_db, db_statement_timeout_ms=200)
    locking_connection.execute(f"SELECT pg_advisory_xact_lock({ID_LOCK_KEY})", ("patients",))
    with TestClient(create_app(settings)) as client:
        response = client.post("/patients", json={"name": "waits"})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        locking_connection.rollback()
        assert [record["id"] for record in client.get("/patients").json()] == [1]


def test_a_write_succeeds_when_the_lock_is_released_in_time(
    empty_db: str, seed: Any, locking_connection: psycopg.Connection[Any]
) -> None:
    seed([make_patient(id=1)])
    settings = make_settings(database_url=empty_db, db_statement_timeout_ms=5000)
    locking_connection.execute(
        "SELECT 1 FROM records WHERE collection = 'patients' AND id_key = '1' FOR UPDATE"
    )
    release = threading.Timer(0.3, locking_connection.rollback)
    release.start()
    with TestClient(create_app(settings)) as client:
        response = client.patch("/patients/1", json={"age": 1})
    release.join()
    assert response.status_code == 200


def test_readiness_answers_while_every_pooled_connection_is_busy(empty_db: str) -> None:
    settings = make_settings(database_url=empty_db, db_pool_size=1, db_pool_timeout_seconds=5)
    with TestClient(create_app(settings)) as client:
        pool = client.app.state.store.pool  # type: ignore[attr-defined]

        async def hold_the_only_connection() -> Any:
            return await pool.getconn()

        held = client.portal.call(hold_the_only_connection)  # type: ignore[union-attr]
        try:
            response = client.get("/health/ready")
        finally:
            client.portal.call(pool.putconn, held)  # type: ignore[union-attr]
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
