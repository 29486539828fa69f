"""Settings for tests: explicit values only, never the developer's backend/.env."""

from typing import Any

from app.config import Settings


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"_env_file": None, **overrides}
    return Settings(**values)
