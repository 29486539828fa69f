"""The db.json documents the contract suite starts both servers on, by seed name. A seed is a
whole document: every collection, singular resource and `$schema` of it.

`main` is main.json: the project's db.json patients as the transcripts were recorded on, kept
here so that the front end's data in the root db.json (doctors, appointments) can grow freely."""

import json
from pathlib import Path
from typing import Any

from app.json_codec import JsonObject, parse_json

SEEDS_DIR = Path(__file__).resolve().parent
# One collection (`patients`) each: the seeds of the single-collection reference.
PATIENT_SEEDS = ("main", "string", "numstr", "empty", "mixed")
# Several collections, singulars and odd names: the collections reference, §0.1 and §0.2.
COLLECTION_SEEDS = (
    "hospital",
    "cascx",
    "nullfk",
    "noid",
    "suffix",
    "dup",
    "duprev",
    "dbkey",
    "naming",
    "names",
    "pattern",
    "sorting",
)
SEED_NAMES = PATIENT_SEEDS + COLLECTION_SEEDS
# Seeds kept as files, byte for byte the db.json json-server reads.
_FILES = {
    "mixed": "mixed.json",
    "hospital": "hospital.json",
    "dup": "dup.json",
    "dbkey": "dbkey.json",
    "naming": "naming.json",
    "names": "names.json",
    "pattern": "pattern.json",
    "sorting": "sorting.json",
}


def _text(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def _with_ids(prefix: str) -> bytes:
    """The main seed's records with their ids turned into the strings `<prefix><n>`."""
    records = seed_records("main")
    renamed = [{**record, "id": f"{prefix}{record['id']}"} for record in records]
    return _text({"patients": renamed})


def _hospital_with(**appended: list[dict[str, Any]]) -> dict[str, Any]:
    """The hospital seed with records appended to its collections (in that order)."""
    document: dict[str, Any] = json.loads((SEEDS_DIR / "hospital.json").read_bytes())
    for name, records in appended.items():
        document[name] = [*document.get(name, []), *records]
    return document


def _cascx() -> bytes:
    document = _hospital_with(
        appointments=[
            {"id": 9, "patientId": 1, "doctorsId": 99},
            {"id": 10, "patientId": 2, "meta": {"doctorId": 99}},
            {"id": 11, "patientId": 2, "primaryDoctorId": 99},
            {"id": 12, "patientId": 2, "DoctorId": 99},
        ]
    )
    document["clinic"]["head"] = {"doctorId": 99}
    return _text(document)


def _suffix() -> bytes:
    document = _hospital_with(
        appointments=[
            {"id": 9, "patientId": 1, "doctorID": 99},
            {"id": 10, "patientId": 1, "doctor_id": 99},
            {"id": 11, "patientId": 1, "doctorid": 99},
        ],
        nurses=[],
    )
    document["patients"][0]["nurseId"] = 5
    return _text(document)


def _duprev() -> bytes:
    document: dict[str, Any] = json.loads((SEEDS_DIR / "dup.json").read_bytes())
    return _text({"Patients": document["Patients"], "patients": document["patients"]})


def seed_document(name: str) -> bytes:
    """The db.json text of a seed, as json-server reads it."""
    if name == "main":
        return (SEEDS_DIR / "main.json").read_bytes()
    if name in _FILES:
        return (SEEDS_DIR / _FILES[name]).read_bytes()
    if name == "string":
        return _with_ids("p-")
    if name == "numstr":
        return _with_ids("")
    if name == "empty":
        return b'{"patients": []}'
    if name == "cascx":
        return _cascx()
    if name == "nullfk":
        return _text(_hospital_with(patients=[{"id": 6, "name": "Null Doc", "doctorId": None}]))
    if name == "noid":
        return _text(_hospital_with(appointments=[{"patientId": 99, "note": "no id"}]))
    if name == "suffix":
        return _suffix()
    if name == "duprev":
        return _duprev()
    raise KeyError(f"unknown seed {name!r}")


def seed_collections(name: str) -> JsonObject:
    """The seed's top-level keys and values, parsed exactly (key order, number spelling) as
    db.json is read."""
    document: JsonObject = parse_json(seed_document(name))
    return document


def seed_records(name: str) -> list[JsonObject]:
    """The seed's patients."""
    patients: list[JsonObject] = seed_collections(name)["patients"]
    return patients
