"""The reference front end, unchanged, against json-server 0.17.4 and against the service:
every step shows a person the same thing on both, with no browser error on either."""

import pytest

from tests.e2e.runner import StepRun
from tests.e2e.scenario import STEPS, Step

# The first step also waits for both backends to start and the scenario to run on each.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


def describe(backend: str, run: StepRun) -> str:
    lines = [f"{backend}: {run.summary()}"]
    lines += [f"  {problem}" for problem in run.problems]
    return "\n".join(lines)


@pytest.mark.parametrize("step", STEPS, ids=[step.name for step in STEPS])
def test_step_shows_the_same_on_both_backends_without_browser_errors(
    step: Step, scenario_runs: dict[str, dict[str, StepRun]]
) -> None:
    oracle = scenario_runs["json-server"][step.name]
    service = scenario_runs["service"][step.name]
    assert oracle.ok, describe("json-server", oracle)
    assert service.ok, describe("service", service)
    assert service.visible == oracle.visible
