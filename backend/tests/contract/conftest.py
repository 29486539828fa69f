"""Runs every selected case once per session, on json-server (live, or its transcripts when
Node is absent) and on the service, and prints how many requests were compared."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.contract.cases import ALL_CASES, Case, in_running_order
from tests.contract.compare import CaseRun, StepVerdict
from tests.contract.harness import (
    JSON_SERVER_VERSION,
    Reset,
    StaleTranscript,
    installed_json_server_version,
    json_servers,
    read_transcript,
    run_seeds,
)
from tests.contract.seeds import SEED_NAMES, seed_document
from tests.support.database import load_document, server_url, temporary_database
from tests.support.servers import json_server_available, service_process


@dataclass
class Tally:
    matched: int = 0
    through_differences: int = 0
    differing: int = 0
    source: str = ""

    def add(self, verdicts: list[StepVerdict]) -> None:
        for verdict in verdicts:
            if not verdict.matched:
                self.differing += 1
            elif verdict.rule:
                self.through_differences += 1
            else:
                self.matched += 1

    def summary(self) -> str:
        total = self.matched + self.through_differences + self.differing
        return (
            f"contract: {total} requests compared against {self.source} "
            f"({self.matched} matched, {self.through_differences} through documented "
            f"differences, {self.differing} differing)"
        )


TALLY = pytest.StashKey[Tally]()


@dataclass(repr=False)
class ContractRuns:
    """json-server's runs (live or recorded), the service's, and the recorded ones when
    json-server also ran live (to check that the transcripts are current)."""

    live: bool
    json_server: dict[str, CaseRun]
    service: dict[str, CaseRun]
    recorded: dict[str, CaseRun] = field(default_factory=dict)
    stale: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        source = "live json-server" if self.live else "transcripts"
        return f"<ContractRuns: {len(self.service)} cases against {source}>"


@contextmanager
def service() -> Iterator[Reset]:
    """The service under uvicorn on a temporary database; a reset reloads the seed."""
    base, _embedded = server_url()
    with temporary_database(base, prefix="patients_contract") as database_url:
        with service_process(database_url) as base_url:

            def reset(seed: str) -> str:
                load_document(database_url, seed_document(seed))
                return base_url

            yield reset


def _selected_cases(session: pytest.Session) -> list[Case]:
    """The cases the selected tests need: theirs, and every case of a seed whose transcript
    check is selected."""
    names: set[str] = set()
    seeds: set[str] = set()
    for item in session.items:
        params = getattr(item, "callspec", None)
        if params is None:
            continue
        if "case" in params.params:
            names.add(params.params["case"].name)
        if "seed" in params.params:
            seeds.add(params.params["seed"])
    return [case for case in ALL_CASES if case.name in names or case.seed in seeds]


def _json_server_runs(cases: list[Case], workdir: Path) -> dict[str, CaseRun]:
    with json_servers(workdir) as reset:
        return run_seeds(cases, reset)


@pytest.fixture(scope="session")
def contract_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> ContractRuns:
    selected = _selected_cases(request.session)
    live = json_server_available()
    runs = ContractRuns(live=live, json_server={}, service={})
    for seed in SEED_NAMES:
        try:
            recorded = read_transcript(seed, in_running_order(selected, seed))
        except StaleTranscript as exc:
            if not live:
                raise
            runs.stale[seed] = str(exc)
            continue
        (runs.recorded if live else runs.json_server).update(recorded)
    # json-server and the service answer in parallel: they share nothing.
    with ThreadPoolExecutor(max_workers=1) as pool:
        if live:
            assert installed_json_server_version() == JSON_SERVER_VERSION
            workdir = tmp_path_factory.mktemp("json-server")
            json_server_runs = pool.submit(_json_server_runs, selected, workdir)
        with service() as reset:
            runs.service = run_seeds(selected, reset)
        if live:
            runs.json_server = json_server_runs.result()
    tally = request.config.stash.setdefault(TALLY, Tally())
    tally.source = f"live json-server {JSON_SERVER_VERSION}" if live else "recorded transcripts"
    return runs


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Tally:
    return request.config.stash.setdefault(TALLY, Tally())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    tally = terminalreporter.config.stash.get(TALLY, None)
    if tally is not None and tally.source:
        terminalreporter.write_line(tally.summary())
