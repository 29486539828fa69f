"""The browser tests' servers and browser, started once for the run, and the per-step report.

Run with `make e2e`; `make test` does not collect this folder (pyproject.toml's addopts)."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from app.config import PROJECT_DIR
from tests.e2e.runner import StepRun, run_scenario
from tests.e2e.scenario import STEPS
from tests.e2e.stack import CHROMIUM, json_server_backend, service_backend

BACKENDS = ("json-server", "service")
RUNS_KEY = pytest.StashKey[dict[str, dict[str, StepRun]]]()
SCREENSHOTS = PROJECT_DIR / "docs"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def scenario_runs(
    request: pytest.FixtureRequest, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, StepRun]]:
    """The whole scenario on json-server 0.17.4, then on the service, each on a fresh seed."""
    workdir = tmp_path_factory.mktemp("e2e")
    runs: dict[str, dict[str, StepRun]] = {}
    with json_server_backend(workdir) as backend:
        runs[backend.name] = run_scenario(browser, backend, screenshots=None)
    with service_backend(workdir) as backend:
        runs[backend.name] = run_scenario(browser, backend, screenshots=SCREENSHOTS)
    request.config.stash[RUNS_KEY] = runs
    return runs


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    runs = config.stash.get(RUNS_KEY, None)
    if runs is None:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"browser scenario: {len(STEPS)} steps on {' and '.join(BACKENDS)}")
    for number, step in enumerate(STEPS, start=1):
        write(f"{number:2}. {step.name}  [uses /{', /'.join(sorted(step.uses))}]")
        for backend in BACKENDS:
            run = runs[backend][step.name]
            write(f"      {backend:<12} {run.summary()}  ({run.seconds:.1f} s)")
        both = [runs[backend][step.name] for backend in BACKENDS]
        if all(run.ok for run in both):
            same = both[0].visible == both[1].visible
            write(f"      {'':<12} {'same visible result' if same else 'DIFFERENT visible result'}")
    passed = {backend: sum(run.ok for run in runs[backend].values()) for backend in BACKENDS}
    write(", ".join(f"{backend}: {passed[backend]} of {len(STEPS)} steps" for backend in BACKENDS))
