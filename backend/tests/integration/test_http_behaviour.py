"""What every response carries, and json-server's routing leniency."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.support.database import load_document
from tests.support.factories import make_patient
from tests.support.settings import make_settings

ORIGIN = "http://localhost:5173"


def test_cors_echoes_the_origin_with_credentials(client: TestClient) -> None:
    response = client.get("/patients", headers={"Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"].startswith("Origin")


def test_credentials_header_is_sent_without_an_origin(client: TestClient) -> None:
    response = client.get("/patients")
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["access-control-allow-credentials"] == "true"


def test_cors_headers_are_on_errors_too(client: TestClient) -> None:
    response = client.get("/patients/404", headers={"Origin": ORIGIN})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_preflight_on_any_path_is_204_echoing_requested_headers(client: TestClient) -> None:
    for path in ("/patients/1", "/patients", "/nothing"):
        response = client.options(
            path,
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "content-type,authorization",
            },
        )
        assert response.status_code == 204
        assert response.content == b""
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert response.headers["access-control-allow-methods"] == "GET,HEAD,PUT,PATCH,POST,DELETE"
        assert response.headers["access-control-allow-headers"] == "content-type,authorization"
        assert response.headers["vary"] == "Origin, Access-Control-Request-Headers"
        assert "access-control-max-age" not in response.headers


def test_bare_options_is_204_without_origin_headers(client: TestClient) -> None:
    response = client.options("/patients")
    assert response.status_code == 204
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-headers" not in response.headers


@pytest.mark.parametrize(
    ("configured", "origin", "echoed"),
    [
        ("https://app.example.com", "https://app.example.com", True),
        ("https://app.example.com", "https://evil.example.com", False),
        ("https://a.example.com, https://b.example.com/", "https://b.example.com", True),
    ],
)
def test_cors_origins_setting_restricts_the_echo(
    database_url: str, configured: str, origin: str, echoed: bool
) -> None:
    settings = make_settings(database_url=database_url, cors_origins=configured)
    with TestClient(create_app(settings)) as restricted:
        for response in (
            restricted.get("/health", headers={"Origin": origin}),
            restricted.options("/patients", headers={"Origin": origin}),
        ):
            assert (response.headers.get("access-control-allow-origin") == origin) is echoed


def test_json_responses_carry_no_cache_and_nosniff(client: TestClient) -> None:
    response = client.get("/patients")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["pragma"] == "no-cache"
    assert response.headers["expires"] == "-1"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_etag_matches_express_for_the_empty_object(client: TestClient) -> None:
    response = client.get("/patients/1")
    assert response.headers["etag"] == 'W/"2-vyGp6PvFo4RvsFtPoIWeCReyIC8"'


def test_if_none_match_with_current_etag_is_304(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1)])
    etag = client.get("/patients/1").headers["etag"]
    response = client.get("/patients/1", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert client.get("/patients/1", headers={"If-None-Match": 'W/"0-x"'}).status_code == 200


def test_if_none_match_compares_weakly_and_accepts_a_star(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1)])
    etag = client.get("/patients/1").headers["etag"]
    strong = etag.removeprefix("W/")
    assert client.get("/patients/1", headers={"If-None-Match": strong}).status_code == 304
    assert client.get("/patients/1", headers={"If-None-Match": f'"x", {etag}'}).status_code == 304
    assert client.get("/patients/1", headers={"If-None-Match": "*"}).status_code == 304


def test_request_no_cache_bypasses_if_none_match(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1)])
    etag = client.get("/patients/1").headers["etag"]
    headers = {"If-None-Match": etag, "Cache-Control": "no-cache"}
    assert client.get("/patients/1", headers=headers).status_code == 200


def test_vary_names_accept_encoding_on_every_json_response(client: TestClient) -> None:
    assert client.get("/patients/1").headers["vary"] == "Origin, Accept-Encoding"
    assert client.get("/patients").headers["vary"] == "Origin, Accept-Encoding"


def test_head_answers_like_get_without_a_body(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=1)])
    get = client.get("/patients")
    head = client.head("/patients")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["etag"] == get.headers["etag"]
    assert client.head("/patients/999").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/patients/", "/PATIENTS", "/Patients/1", "/patients//1", "/patients/1/", "/patients/%31"],
)
def test_paths_are_matched_like_express(client: TestClient, seed: Any, path: str) -> None:
    seed([make_patient(id=1)])
    assert client.get(path).status_code == 200


def test_ids_stay_case_sensitive(client: TestClient, seed: Any) -> None:
    seed([make_patient(id="p-1")])
    assert client.get("/Patients/p-1").status_code == 200
    assert client.get("/patients/P-1").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/patients"),
        ("PATCH", "/patients"),
        ("DELETE", "/patients"),
        ("POST", "/patients/1"),
        ("GET", "/unknown"),
        ("GET", "/patient"),
    ],
)
def test_unknown_routes_and_wrong_methods_are_404_empty_object(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.text == "{}"


def test_health_is_ok_without_touching_the_database(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_readiness_checks_the_database(client: TestClient) -> None:
    assert client.get("/health/ready").json() == {"status": "ready"}


def test_readiness_is_503_when_the_database_is_unreachable() -> None:
    settings = make_settings(database_url="postgresql://nobody@127.0.0.1:1/none")
    with TestClient(create_app(settings)) as unreachable:
        response = unreachable.get("/health/ready")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "service_unavailable"
        response = unreachable.get("/patients")
        assert response.status_code == 503
        assert "Traceback" not in response.text


def test_openapi_documents_every_resource_the_database_holds(
    client: TestClient, database_url: str
) -> None:
    load_document(
        database_url, b'{"patients": [], "Wards": [{"id": "w1"}], "clinic": {"name": "C"}}'
    )
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/patients"]) == {"get", "post"}
    assert set(paths["/patients/{record_id}"]) == {"get", "put", "patch", "delete"}
    assert set(paths["/Wards/{record_id}"]) == {"get", "put", "patch", "delete"}
    assert set(paths["/clinic"]) == {"get", "post", "put", "patch"}
    assert "/clinic/{record_id}" not in paths
    assert "/{name}" not in paths
    assert "/db" in paths
    patients = paths["/patients"]["get"]["responses"]["200"]["content"]["application/json"]
    assert patients["schema"]["items"] == {"$ref": "#/components/schemas/Patient"}
    assert "type" not in schema["components"]["schemas"]["Patient"]["properties"]["name"]


def test_openapi_documents_the_answers_the_service_really_sends(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    assert all("422" not in op["responses"] and "405" not in op["responses"] for op in operations)
    item = schema["paths"]["/patients/{record_id}"]
    not_found = item["get"]["responses"]["404"]["content"]["application/json"]["schema"]
    assert not_found == {"type": "object", "maxProperties": 0}
    assert item["put"]["responses"]["412"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    created = schema["paths"]["/patients"]["post"]["responses"]["201"]
    assert created["headers"]["Location"]["required"] is True
    assert created["headers"]["ETag"]["required"] is True
    sent = schema["components"]["schemas"]["PatientIn"]["properties"]
    assert {"type": "number"} in sent["id"]["anyOf"]
    assert "type" not in sent["name"]


def test_large_bodies_are_gzipped_when_accepted(client: TestClient, seed: Any) -> None:
    seed([make_patient(id=i) for i in range(1, 30)])
    response = client.get("/patients", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Origin, Accept-Encoding"
