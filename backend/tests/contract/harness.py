"""Running cases against a server, resetting json-server 0.17.4 to a seed between them, and
the transcripts of its answers."""

import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from app.config import PROJECT_DIR
from app.json_codec import js_string
from tests.contract.cases import Case, in_running_order
from tests.contract.compare import CaseRun
from tests.contract.seeds import SEED_NAMES, seed_collections, seed_document
from tests.contract.views import (
    HOST_PLACEHOLDER,
    JsObject,
    Masks,
    js_view,
    random_id_of,
    text_of,
)
from tests.contract.wire import Request, Response, send
from tests.support.servers import json_server_process

TRANSCRIPTS_DIR = Path(__file__).resolve().parent / "transcripts"
JSON_SERVER_VERSION = "0.17.4"
RECORD_COMMAND = "make transcripts"
_PLACEHOLDER = re.compile(r"<(nanoid|etag|strong-etag)#(\d+)>")

# Resets a server to a fresh copy of the seed and returns its base URL.
Reset = Callable[[str], str]


def installed_json_server_version() -> str:
    package = PROJECT_DIR / "node_modules" / "json-server" / "package.json"
    version: str = json.loads(package.read_text())["version"]
    return version


def resolve(request: Request, case: Case, responses: list[Response]) -> Request:
    """Fill the request's placeholders from this server's earlier answers in the case."""

    def fill(match: re.Match[str]) -> str:
        kind, number = match.group(1), int(match.group(2))
        if kind == "nanoid":
            drawn = [
                random_id_of(r)
                for s, r in zip(case.steps, responses, strict=False)
                if s.new_random_id
            ]
            found = drawn[number - 1] if number <= len(drawn) else None
            return found or match.group(0)
        etag = responses[number].header("etag") or ""
        return etag.removeprefix("W/") if kind == "strong-etag" else etag

    return replace(
        request,
        target=_PLACEHOLDER.sub(fill, request.target),
        headers=tuple((name, _PLACEHOLDER.sub(fill, value)) for name, value in request.headers),
    )


def run_case(case: Case, base_url: str) -> CaseRun:
    responses: list[Response] = []
    for step in case.steps:
        responses.append(send(base_url, resolve(step.request, case, responses)))
    return CaseRun(case, urlsplit(base_url).netloc, tuple(responses))


def run_cases(cases: Iterable[Case], reset: Reset) -> dict[str, CaseRun]:
    """Run the cases in order, resetting the server to its seed before any case that writes
    and after one that wrote, so every case starts on the untouched seed."""
    runs: dict[str, CaseRun] = {}
    base_url, clean_seed = "", None
    for case in cases:
        if clean_seed != case.seed or case.writes:
            base_url = reset(case.seed)
        runs[case.name] = run_case(case, base_url)
        clean_seed = None if case.writes else case.seed
    return runs


def run_seeds(cases: Iterable[Case], reset: Reset) -> dict[str, CaseRun]:
    """Run the cases seed by seed, each seed's reads first (they share one reset)."""
    runs: dict[str, CaseRun] = {}
    for seed in SEED_NAMES:
        runs.update(run_cases(in_running_order(cases, seed), reset))
    return runs


class JsonServers:
    """json-server on a seed. It has no reset, so a reset deletes every record of every
    collection and posts the seed's records again through its API (singulars are put back),
    then checks that `GET /db` is byte for byte what a fresh start on the seed answered; when
    it is not (twin keys, a collection named `db`, a delete that fails), it restarts on a fresh
    copy."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.started = 0
        self.current = ExitStack()
        self.seed = ""
        self.base_url = ""
        self.fresh_db: dict[str, bytes] = {}

    def _restart(self, seed: str) -> None:
        self.current.close()
        self.started += 1
        directory = self.workdir / f"{seed}-{self.started}"
        directory.mkdir(parents=True)
        db_file = directory / "db.json"
        db_file.write_bytes(seed_document(seed))
        self.base_url = self.current.enter_context(json_server_process(db_file))
        self.seed = seed
        if seed not in self.fresh_db:
            self.fresh_db[seed] = self._db()

    def _db(self) -> bytes:
        return send(self.base_url, Request("GET", "/db")).body or b""

    def _emptied(self, name: str) -> bool:
        """Delete every record of the collection through its API; False when one cannot be
        (the path lists something else, or an element has no id)."""
        path = "/" + quote(name, safe="")
        stored = js_view(send(self.base_url, Request("GET", path)).body or b"[]")
        if not isinstance(stored, list):
            return False
        ids = [dict(item).get("id") if isinstance(item, JsObject) else None for item in stored]
        if any(value is None for value in ids):
            return False  # an element without an id (a POSTed array) cannot be deleted
        for value in ids:
            send(self.base_url, Request("DELETE", f"{path}/" + quote(js_string(value), safe="")))
        return True

    def _restored(self) -> bool:
        """Every collection emptied and refilled, every singular put back, in the seed's key
        order; then `GET /db` must be what a fresh start answered."""
        document = seed_collections(self.seed)
        headers = (("Content-Type", "application/json"),)
        plural = [name for name, value in document.items() if isinstance(value, list)]
        if not all(self._emptied(name) for name in plural):
            return False
        for name, value in document.items():
            path = "/" + quote(name, safe="")
            if isinstance(value, list):
                for record in value:
                    body = json.dumps(record, ensure_ascii=False).encode()
                    send(self.base_url, Request("POST", path, headers, body))
            elif isinstance(value, dict) and name != "$schema":
                body = json.dumps(value, ensure_ascii=False).encode()
                send(self.base_url, Request("PUT", path, headers, body))
        return self._db() == self.fresh_db[self.seed]

    def reset(self, seed: str) -> str:
        if seed != self.seed or not self._restored():
            self._restart(seed)
        return self.base_url

    def close(self) -> None:
        self.current.close()


@contextmanager
def json_servers(workdir: Path) -> Iterator[Reset]:
    servers = JsonServers(workdir)
    try:
        yield servers.reset
    finally:
        servers.close()


def transcript_path(seed: str) -> Path:
    return TRANSCRIPTS_DIR / f"{seed}.json"


def _masked(response: Response, host: str) -> Response:
    """The response with its address masked and, in error pages, no stack trace: its file
    paths belong to the machine that recorded it."""
    masks = Masks(host)
    headers = tuple((name, masks.text(value)) for name, value in response.headers)
    body = response.body
    content_type = response.header("content-type") or ""
    if body is not None and not content_type.startswith("application/json"):
        body = text_of(body).encode()
    return replace(response, headers=headers, body=body)


def transcript_of(seed: str, cases: Iterable[Case], runs: dict[str, CaseRun]) -> dict[str, Any]:
    """json-server's answers to a seed's cases, with its address masked as {HOST}."""
    recorded = []
    for case in cases:
        run = runs[case.name]
        recorded.append(
            {
                "name": case.name,
                "steps": [
                    {
                        "request": step.request.to_json(),
                        "new_random_id": step.new_random_id,
                        "response": _masked(response, run.host).to_json(),
                    }
                    for step, response in zip(case.steps, run.responses, strict=True)
                ],
            }
        )
    return {"json_server": JSON_SERVER_VERSION, "seed": seed, "cases": recorded}


def write_transcript(seed: str, cases: Iterable[Case], runs: dict[str, CaseRun]) -> Path:
    path = transcript_path(seed)
    text = json.dumps(transcript_of(seed, cases, runs), indent=1, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


class StaleTranscript(Exception):
    """The transcripts do not hold the cases as they are defined now."""


def read_transcript(seed: str, cases: Iterable[Case]) -> dict[str, CaseRun]:
    """The recorded runs of `cases`; StaleTranscript if any is missing or was recorded for
    other requests."""
    path = transcript_path(seed)
    if not path.is_file():
        raise StaleTranscript(f"{path.name} is missing; record it with `{RECORD_COMMAND}`.")
    data = json.loads(path.read_text(encoding="utf-8"))
    recorded = {entry["name"]: entry["steps"] for entry in data["cases"]}
    runs: dict[str, CaseRun] = {}
    for case in cases:
        steps = recorded.get(case.name)
        current = [
            {"request": s.request.to_json(), "new_random_id": s.new_random_id} for s in case.steps
        ]
        if steps is None or current != [
            {"request": s["request"], "new_random_id": s["new_random_id"]} for s in steps
        ]:
            raise StaleTranscript(
                f"{path.name} has no up-to-date record of case {case.name!r}; "
                f"record it again with `{RECORD_COMMAND}`."
            )
        responses = tuple(Response.from_json(s["response"]) for s in steps)
        runs[case.name] = CaseRun(case, HOST_PLACEHOLDER, responses)
    return runs
