"""Runs every selected case once per session, on json-server (live, or its transcripts when
Node is absent) and on the service, and prints how many requests were compared."""

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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
# The settings the contract holds the service to, whatever the environment says.
# The defaults, and no operator routes: `/_…` is then `404 {}` (rule underscore_names_reserved).
SERVICE_DEFAULTS = {"CASCADE_DELETES": "false", "OPERATOR_ROUTES": "false"}


@dataclass(repr=False)
class JsonServerRuns:
    """json-server's side: its runs of the selected cases, live (answered in the background
    while the service runs) or recorded, and the recorded ones when it also runs live (to check
    that the transcripts are current)."""

    live: bool
    recorded: dict[str, CaseRun] = field(default_factory=dict)
    stale: dict[str, str] = field(default_factory=dict)
    pending: "Future[dict[str, CaseRun]] | None" = None

    def runs(self) -> dict[str, CaseRun]:
        return self.recorded if self.pending is None else self.pending.result()


@dataclass(repr=False)
class ContractRuns:
    """json-server's runs (live or recorded) and the service's."""

    live: bool
    json_server: dict[str, CaseRun]
    service: dict[str, CaseRun]

    def __repr__(self) -> str:
        source = "live json-server" if self.live else "transcripts"
        return f"<ContractRuns: {len(self.service)} cases against {source}>"


@contextmanager
def service() -> Iterator[Reset]:
    """The service under uvicorn on a temporary database, with its default settings (deletes
    do not cascade); a reset replaces every collection with the seed's."""
    base, _embedded = server_url()
    with (
        temporary_database(base, prefix="patients_contract") as database_url,
        service_process(database_url, extra_env=SERVICE_DEFAULTS) as base_url,
    ):

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
def json_server_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[JsonServerRuns]:
    selected = _selected_cases(request.session)
    side = JsonServerRuns(live=json_server_available())
    for seed in SEED_NAMES:
        try:
            side.recorded.update(read_transcript(seed, in_running_order(selected, seed)))
        except StaleTranscript as exc:
            if not side.live:
                raise
            side.stale[seed] = str(exc)
    if not side.live:
        yield side
        return
    assert installed_json_server_version() == JSON_SERVER_VERSION
    workdir = tmp_path_factory.mktemp("json-server")
    # json-server answers in the background while the service does: they share nothing.
    with ThreadPoolExecutor(max_workers=1) as pool:
        side.pending = pool.submit(_json_server_runs, selected, workdir)
        yield side


@pytest.fixture(scope="session")
def contract_runs(request: pytest.FixtureRequest, json_server_runs: JsonServerRuns) -> ContractRuns:
    selected = _selected_cases(request.session)
    with service() as reset:
        service_runs = run_seeds(selected, reset)
    runs = ContractRuns(json_server_runs.live, json_server_runs.runs(), service_runs)
    tally = request.config.stash.setdefault(TALLY, Tally())
    tally.source = (
        f"live json-server {JSON_SERVER_VERSION}" if runs.live else "recorded transcripts"
    )
    return runs


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Tally:
    return request.config.stash.setdefault(TALLY, Tally())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    tally = terminalreporter.config.stash.get(TALLY, None)
    if tally is not None and tally.source:
        terminalreporter.write_line(tally.summary())
