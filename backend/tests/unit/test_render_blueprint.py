"""render.yaml against the Blueprint fields checked in Render's documentation (no package
registry ships Render's JSON schema, so the structure is checked here), and docs/deploy.md
against the settings it documents."""

import re
import sys
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from app.config import BACKEND_DIR, PROJECT_DIR, Settings, check_can_serve
from app.main import create_app
from scripts.serve_prod import load_web_service

BLUEPRINT: dict[str, Any] = yaml.safe_load((PROJECT_DIR / "render.yaml").read_text())
WEB: dict[str, Any] = next(s for s in BLUEPRINT["services"] if s["type"] == "web")
DATABASE: dict[str, Any] = BLUEPRINT["databases"][0]
ENV: dict[str, dict[str, Any]] = {variable["key"]: variable for variable in WEB["envVars"]}

# From render.com/docs/blueprint-spec (root, service and database fields, regions, envVars).
ROOT_FIELDS = {"services", "databases", "envVarGroups", "previews", "projects", "ungrouped"}
SERVICE_FIELDS = {
    "type",
    "name",
    "runtime",
    "repo",
    "rootDir",
    "plan",
    "region",
    "branch",
    "numInstances",
    "buildCommand",
    "preDeployCommand",
    "startCommand",
    "healthCheckPath",
    "maxShutdownDelaySeconds",
    "autoDeployTrigger",
    "domains",
    "envVars",
}
DATABASE_FIELDS = {
    "name",
    "databaseName",
    "user",
    "plan",
    "region",
    "postgresMajorVersion",
    "ipAllowList",
}
ENV_SOURCES = {"value", "generateValue", "sync", "fromDatabase", "fromService", "fromGroup"}
REGIONS = {"oregon", "ohio", "virginia", "frankfurt", "singapore"}
SETTING_NAMES = {name.upper() for name in Settings.model_fields}
RENDER_BUILD_VARIABLES = {"PYTHON_VERSION"}


def test_blueprint_uses_only_documented_root_service_and_database_fields() -> None:
    assert set(BLUEPRINT) <= ROOT_FIELDS
    assert [s["type"] for s in BLUEPRINT["services"]] == ["web"]
    assert set(WEB) <= SERVICE_FIELDS
    assert len(BLUEPRINT["databases"]) == 1
    assert set(DATABASE) <= DATABASE_FIELDS


def test_web_service_is_python_from_backend_on_a_paid_plan_next_to_its_database() -> None:
    assert WEB["runtime"] == "python"
    assert (PROJECT_DIR / WEB["rootDir"]).resolve() == BACKEND_DIR
    # Render runs a pre-deploy command only on paid instance types.
    assert WEB["plan"] != "free"
    assert DATABASE["plan"] != "free"
    assert WEB["region"] in REGIONS
    assert WEB["region"] == DATABASE["region"]  # the internal URL works within one region


def test_build_installs_the_runtime_requirements_all_pinned() -> None:
    assert WEB["buildCommand"] == "pip install -r requirements.txt"
    lines = (BACKEND_DIR / "requirements.txt").read_text().splitlines()
    requirements = [line for line in lines if line.strip() and not line.startswith("#")]
    assert requirements
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z,]+\])?==[0-9][^ ]*", r) for r in requirements)


def test_pre_deploy_migrates_and_start_serves_through_the_runner() -> None:
    assert WEB["preDeployCommand"].split() == ["python", "-m", "app.runner", "migrate"]
    assert WEB["startCommand"].split() == ["python", "-m", "app.runner"]


def test_health_check_path_fails_while_the_database_is_unreachable() -> None:
    no_env_file: dict[str, Any] = {"_env_file": None}
    # No lifespan (no `with`), so no database engine: the readiness check must say 503.
    response = TestClient(create_app(Settings(**no_env_file))).get(WEB["healthCheckPath"])
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"


def test_shutdown_delay_leaves_the_graceful_drain_time_to_finish() -> None:
    delay = WEB["maxShutdownDelaySeconds"]
    assert isinstance(delay, int)
    assert 1 <= delay <= 300
    assert int(ENV["GRACEFUL_SHUTDOWN_SECONDS"]["value"]) < delay


def test_every_variable_has_one_source_and_names_a_setting_or_a_build_variable() -> None:
    for key, variable in ENV.items():
        sources = set(variable) & ENV_SOURCES
        assert set(variable) == {"key", *sources}, key
        assert len(sources) == 1, key
        if "value" in variable:
            assert isinstance(variable["value"], str), key
        if "sync" in variable:
            assert variable["sync"] is False, key
        assert key in SETTING_NAMES | RENDER_BUILD_VARIABLES, key


def test_database_url_is_the_internal_connection_string_of_the_blueprint_database() -> None:
    assert ENV["DATABASE_URL"]["fromDatabase"] == {
        "name": DATABASE["name"],
        "property": "connectionString",
    }


def test_cors_origins_come_from_the_dashboard_and_the_environment_is_production() -> None:
    assert ENV["CORS_ORIGINS"] == {"key": "CORS_ORIGINS", "sync": False}
    assert ENV["ADMIN_TOKEN"] == {"key": "ADMIN_TOKEN", "generateValue": True}
    assert ENV["ENVIRONMENT"]["value"] == "production"


def test_python_version_is_a_full_version_of_the_interpreter_the_tests_run_on() -> None:
    version = ENV["PYTHON_VERSION"]["value"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert tuple(int(part) for part in version.split(".")[:2]) == sys.version_info[:2]


def test_blueprint_settings_serve_production_on_all_interfaces_with_several_workers() -> None:
    values: dict[str, Any] = {
        key.lower(): v["value"] for key, v in ENV.items() if key in SETTING_NAMES and "value" in v
    }
    values.update(
        _env_file=None,
        database_url="postgresql://patients@dpg-internal/patients",
        cors_origins="https://app.example.org",
        admin_token="drawn-by-render",  # generateValue: true
    )
    settings = Settings(**values)
    check_can_serve(settings)
    assert settings.is_production
    assert settings.web_concurrency >= 2
    assert settings.host == "0.0.0.0"  # noqa: S104 - Render's proxy reaches the service there
    assert settings.forwarded_allow_ips == "*"
    assert not settings.serves_docs


def test_database_takes_no_connections_from_the_internet() -> None:
    assert DATABASE["ipAllowList"] == []
    assert re.fullmatch(r"\d+", DATABASE["postgresMajorVersion"])


def test_the_rehearsal_reads_the_same_commands_and_values() -> None:
    service = load_web_service()
    assert service.root_dir.resolve() == BACKEND_DIR
    assert service.build_command == WEB["buildCommand"]
    assert service.pre_deploy_command == WEB["preDeployCommand"]
    assert service.start_command == WEB["startCommand"]
    assert service.shutdown_delay_seconds == WEB["maxShutdownDelaySeconds"]
    assert service.prompted == ("CORS_ORIGINS",)
    assert service.database_keys == ("DATABASE_URL",)
    assert service.values["ENVIRONMENT"] == "production"


@pytest.mark.parametrize("name", sorted(SETTING_NAMES | RENDER_BUILD_VARIABLES | {"PORT"}))
def test_deploy_doc_has_a_table_row_for_every_variable(name: str) -> None:
    doc = (PROJECT_DIR / "docs" / "deploy.md").read_text()
    assert re.search(rf"^\| `{name}` \|", doc, flags=re.MULTILINE), name
