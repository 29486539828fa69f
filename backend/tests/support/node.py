"""Running the Node scripts under scripts/ that record what the real JavaScript libraries answer."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.config import BACKEND_DIR, PROJECT_DIR

FIXTURES_DIR = BACKEND_DIR / "tests" / "unit" / "fixtures"


def require_node_library(name: str, version: str) -> None:
    """Skip, saying why, unless `node` and `node_modules/<name>` at `version` are installed."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed, so the fixture cannot be compared with the library")
    package = PROJECT_DIR / "node_modules" / name / "package.json"
    if not package.exists():
        pytest.skip(f"node_modules/{name} is missing: run `npm ci` at the repository root")
    installed = json.loads(package.read_text())["version"]
    assert installed == version, f"node_modules/{name} is {installed}, the fixture is of {version}"


def run_node_script(script: str, *args: str | Path, timeout: float = 300) -> Any:
    """The JSON that `node scripts/<script> args...` prints."""
    completed = subprocess.run(
        ["node", str(BACKEND_DIR / "scripts" / script), *map(str, args)],
        capture_output=True,
        check=True,
        timeout=timeout,
    )
    return json.loads(completed.stdout)


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES_DIR / name).read_text(encoding="utf-8"))
