"""The db.json documents the contract suite starts both servers on, by seed name.

`main` is main.json: the project's db.json patients as the transcripts were recorded on, kept
here so that the front end's data in the root db.json (doctors, appointments) can grow freely."""

import json
from pathlib import Path

from app.json_codec import JsonObject, parse_json

SEEDS_DIR = Path(__file__).resolve().parent
SEED_NAMES = ("main", "string", "numstr", "empty", "mixed")


def _with_ids(prefix: str) -> bytes:
    """The main seed's records with their ids turned into the strings `<prefix><n>`."""
    records = seed_records("main")
    renamed = [{**record, "id": f"{prefix}{record['id']}"} for record in records]
    return json.dumps({"patients": renamed}, indent=2, ensure_ascii=False).encode()


def seed_document(name: str) -> bytes:
    """The db.json text of a seed, as json-server reads it."""
    if name == "main":
        return (SEEDS_DIR / "main.json").read_bytes()
    if name == "string":
        return _with_ids("p-")
    if name == "numstr":
        return _with_ids("")
    if name == "empty":
        return b'{"patients": []}'
    if name == "mixed":
        return (SEEDS_DIR / "mixed.json").read_bytes()
    raise KeyError(f"unknown seed {name!r}")


def seed_records(name: str) -> list[JsonObject]:
    """The seed's patients, parsed exactly (key order, number spelling) as db.json is read."""
    patients: list[JsonObject] = parse_json(seed_document(name))["patients"]
    return patients
