"""Record json-server 0.17.4's answers to every contract case, one transcript per seed, in
backend/tests/contract/transcripts/; the contract suite compares the service against these
when Node is not installed. Run from backend/: `.venv/bin/python -m scripts.record_transcripts`,
optionally followed by seed names to record only those.
"""

import sys
import tempfile
from pathlib import Path

from tests.contract.cases import ALL_CASES, in_running_order
from tests.contract.harness import (
    JSON_SERVER_VERSION,
    installed_json_server_version,
    json_servers,
    run_seeds,
    write_transcript,
)
from tests.contract.seeds import SEED_NAMES
from tests.support.servers import json_server_available


def main(seeds: list[str]) -> int:
    if not json_server_available():
        print("json-server is not installed: run `npm ci` in the project root.", file=sys.stderr)
        return 1
    version = installed_json_server_version()
    if version != JSON_SERVER_VERSION:
        print(f"json-server {version} is installed, not {JSON_SERVER_VERSION}.", file=sys.stderr)
        return 1
    unknown = sorted(set(seeds) - set(SEED_NAMES))
    if unknown:
        print(f"unknown seeds: {', '.join(unknown)}", file=sys.stderr)
        return 1
    chosen = [seed for seed in SEED_NAMES if seed in seeds] if seeds else list(SEED_NAMES)
    cases = [case for case in ALL_CASES if case.seed in chosen]
    with (
        tempfile.TemporaryDirectory(prefix="json-server-") as workdir,
        json_servers(Path(workdir)) as reset,
    ):
        runs = run_seeds(cases, reset)
    for seed in chosen:
        own = in_running_order(cases, seed)
        path = write_transcript(seed, own, runs)
        requests = sum(len(case.steps) for case in own)
        print(f"{path.name}: {len(own)} cases, {requests} requests")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
