"""The service answers like json-server 0.17.4, request by request, except where
docs/compatibility.md says it deliberately differs."""

import pytest

from app.config import PROJECT_DIR
from tests.contract.cases import ALL_CASES, Case
from tests.contract.compare import compare_runs, report
from tests.contract.conftest import ContractRuns, JsonServerRuns, Tally
from tests.contract.seeds import SEED_NAMES

# The first case waits for every case to run on both servers (about a minute on an idle
# 2-core machine, a few on a busy one): the per-test limit is for that whole run.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

COMPATIBILITY_MD = PROJECT_DIR / "docs" / "compatibility.md"


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.name for case in ALL_CASES])
def test_service_answers_like_json_server(
    case: Case, contract_runs: ContractRuns, tally: Tally
) -> None:
    expected, actual = contract_runs.json_server[case.name], contract_runs.service[case.name]
    verdicts = compare_runs(expected, actual)
    tally.add(verdicts)
    assert all(v.matched for v in verdicts), report(expected, actual, verdicts)


@pytest.mark.parametrize("seed", SEED_NAMES)
def test_transcripts_agree_with_live_json_server(
    seed: str, json_server_runs: JsonServerRuns
) -> None:
    if not json_server_runs.live:
        pytest.skip("json-server is not installed: the suite compares against the transcripts")
    assert seed not in json_server_runs.stale, json_server_runs.stale.get(seed)
    live_runs = json_server_runs.runs()
    for name, recorded in json_server_runs.recorded.items():
        if recorded.case.seed != seed:
            continue
        live = live_runs[name]
        verdicts = compare_runs(recorded, live, with_rules=False)
        labels = ("transcript", "live json-server")
        assert all(v.matched for v in verdicts), report(recorded, live, verdicts, labels)
