"""Settings: URL spellings, defaults, and one-sentence errors."""

import pytest

from app.config import ConfigError, load_settings, normalize_database_url
from tests.support.settings import make_settings


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:p@db.internal:5432/patients",
        "postgresql://u:p@db.internal:5432/patients",
        "postgresql+psycopg://u:p@db.internal:5432/patients",
    ],
)
def test_every_postgres_url_spelling_becomes_the_psycopg_one(url: str) -> None:
    assert normalize_database_url(url) == "postgresql+psycopg://u:p@db.internal:5432/patients"


def test_defaults_match_json_server(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "HOST", "PORT", "CORS_ORIGINS", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    settings = make_settings()
    assert settings.database_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 3000)
    assert settings.allows_any_origin
    assert settings.log_level == "info"


def test_cors_origins_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", " https://a.example.com/ ,https://b.example.com")
    settings = make_settings()
    assert settings.cors_origins == ("https://a.example.com", "https://b.example.com")
    assert not settings.allows_any_origin


def test_render_style_url_from_the_environment_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://user:secret@host/db")
    settings = load_settings()
    assert settings.sqlalchemy_url() == "postgresql+psycopg://user:secret@host/db"
    assert "secret" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "mentions"),
    [
        ("PORT", "abc", "PORT"),
        ("PORT", "70000", "PORT"),
        ("DATABASE_URL", "mysql://x@y/z", "DATABASE_URL"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL"),
    ],
)
def test_a_wrong_setting_is_one_sentence_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, mentions: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("Configuration error:")
    assert mentions in message
    assert "\n" not in message


def test_sqlalchemy_url_without_database_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        make_settings(database_url=None).sqlalchemy_url()
