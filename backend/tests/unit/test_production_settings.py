"""Production settings: what the service refuses to serve with, what it hides, how it logs."""

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import ConfigError, Settings, check_can_serve
from app.logging_config import JsonFormatter, logging_settings
from app.main import create_app
from app.runner import main as runner_main

FRONT_END = "https://app.example.org"
DOC_PAGES = {"/docs", "/redoc"}
DOC_PATHS = {*DOC_PAGES, "/openapi.json"}


def make_settings(**values: Any) -> Settings:
    return Settings(**{"_env_file": None, **values})


def production(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "production",
        "database_url": "postgresql://patients@db.internal/patients",
        "cors_origins": FRONT_END,
        "admin_token": "operator-token",
        **overrides,
    }
    return make_settings(**values)


def test_pool_size_times_workers_over_the_connection_limit_is_refused_in_one_sentence() -> None:
    settings = make_settings(db_pool_size=20, web_concurrency=5, db_max_connections=97)
    with pytest.raises(ConfigError) as caught:
        check_can_serve(settings)
    message = str(caught.value)
    for name in ("DB_POOL_SIZE (20)", "WEB_CONCURRENCY (5)", "100", "DB_MAX_CONNECTIONS (97)"):
        assert name in message
    assert "\n" not in message
    assert message.endswith(".")


def test_pool_size_times_workers_equal_to_the_limit_is_accepted() -> None:
    check_can_serve(make_settings(db_pool_size=10, web_concurrency=9, db_max_connections=90))


def test_the_connection_limit_defaults_to_what_a_small_render_database_allows() -> None:
    assert make_settings().db_max_connections == 97


def test_any_origin_is_refused_in_production_with_a_sentence_naming_cors_origins() -> None:
    with pytest.raises(ConfigError) as caught:
        check_can_serve(production(cors_origins="*"))
    assert str(caught.value).startswith("CORS_ORIGINS must list the front end's origins")
    assert "\n" not in str(caught.value)


def test_any_origin_stays_allowed_in_development_as_in_json_server() -> None:
    settings = make_settings(environment="development", cors_origins="*")
    assert settings.allows_any_origin
    check_can_serve(settings)


def test_production_with_listed_origins_is_accepted() -> None:
    check_can_serve(production())


@pytest.mark.parametrize(
    ("environment", "docs_enabled", "served"),
    [
        ("development", None, True),
        ("production", None, False),
        ("production", True, True),
        ("development", False, False),
    ],
)
def test_docs_follow_the_environment_unless_docs_enabled_says_otherwise(
    environment: str, docs_enabled: bool | None, served: bool
) -> None:
    settings = production(environment=environment, docs_enabled=docs_enabled)
    assert settings.serves_docs is served


def doc_statuses(settings: Settings) -> dict[str, int]:
    # The pages need no database (the OpenAPI document does: tests/integration has it).
    with TestClient(create_app(settings)) as client:
        return {path: client.get(path).status_code for path in sorted(DOC_PAGES)}


def test_a_production_app_answers_404_for_docs_redoc_and_openapi() -> None:
    # The pool connects in the background: nothing here reaches a database.
    with TestClient(create_app(production())) as client:
        for path in DOC_PATHS:
            response = client.get(path)
            assert (response.status_code, response.json()) == (404, {}), path


def test_docs_enabled_brings_the_docs_back_in_production() -> None:
    assert set(doc_statuses(production(docs_enabled=True)).values()) == {200}


def test_a_development_app_serves_the_docs() -> None:
    settings = make_settings(database_url="postgresql://nobody@127.0.0.1:9/none")
    assert set(doc_statuses(settings).values()) == {200}


def test_create_app_refuses_any_origin_in_production() -> None:
    with pytest.raises(ConfigError):
        create_app(production(cors_origins="*"))


def test_the_runner_refuses_unknown_arguments_with_its_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert runner_main(["serve", "--now"]) == 2
    assert capsys.readouterr().err.strip() == "Usage: python -m app.runner [migrate]"


def test_json_log_line_carries_the_access_fields_without_terminal_colour_codes() -> None:
    record = logging.makeLogRecord(
        {
            "name": "app.access",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": "%s %s %d %.1fms",
            "args": ("GET", "/patients", 200, 1.5),
            "method": "GET",
            "path": "/patients",
            "status": 200,
            "ms": 1.5,
            "color_message": "\x1b[1mGET\x1b[0m",
        }
    )
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "GET /patients 200 1.5ms"
    assert {key: entry[key] for key in ("method", "path", "status", "ms")} == {
        "method": "GET",
        "path": "/patients",
        "status": 200,
        "ms": 1.5,
    }
    assert "color_message" not in entry
    assert "\n" not in line


def test_logging_settings_send_uvicorn_through_our_handler_and_drop_its_access_log() -> None:
    config = logging_settings("info", json_lines=True)
    assert config["formatters"]["default"] == {"()": "app.logging_config.JsonFormatter"}
    assert config["root"] == {"level": "INFO", "handlers": ["stderr"]}
    assert config["loggers"]["uvicorn.access"] == {"handlers": [], "propagate": False}
    assert config["loggers"]["uvicorn.error"]["propagate"] is True
    assert "()" not in logging_settings("info", json_lines=False)["formatters"]["default"]
