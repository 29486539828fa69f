"""db.json files for tests and measurements, written the way json-server writes them."""

import json
import random
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_CITIES = ("Boston", "Chicago", "Zürich", "東京", "São Paulo", "Kraków")
_CONDITIONS = ("asthma", "diabetes", "hypertension", "migraine", "allergy")


def db_json_text(patients: list[Any], **other: Any) -> str:
    """json-server's format: 2-space indent, raw UTF-8, no trailing newline."""
    return json.dumps({"patients": patients, **other}, indent=2, ensure_ascii=False)


def write_db_json(path: Path, patients: list[Any], **other: Any) -> Path:
    return write_text(path, db_json_text(patients, **other))


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def typed(value: Any) -> Any:
    """A parsed JSON value with its types and key order made comparable: 1, 1.0, True and "1"
    all differ, and so do objects whose keys come in another order."""
    if isinstance(value, dict):
        return ("object", [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("array", [typed(item) for item in value])
    return (type(value).__name__, repr(value))


def generated_patients(count: int, *, seed: int = 7) -> Iterator[dict[str, Any]]:
    """`count` realistic patients with ids 1..count, the same ones for the same seed."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        yield {
            "id": number,
            "name": f"Patient Ñame {number}",
            "age": rng.randint(0, 100),
            "gender": rng.choice(("female", "male")),
            "email": f"patient{number}@example.com",
            "phone": f"555-{number % 10000:04d}",
            "address": {"city": rng.choice(_CITIES), "street": f"{number} Elm St"},
            "bloodType": rng.choice(("A+", "O-", "B+", "AB-")),
            "conditions": rng.sample(_CONDITIONS, rng.randint(0, 3)),
            "admittedAt": "2024-01-05T09:30:00Z",
            "notes": None if number % 7 else "follow-up ✓",
        }


def generated_doctors(count: int, *, seed: int = 7) -> Iterator[dict[str, Any]]:
    """`count` doctors with string ids `d-1`..`d-<count>`."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        yield {"id": f"d-{number}", "name": f"Dr. Nº {number}", "rate": rng.choice((1.0, 2.5))}


def generated_appointments(count: int, doctors: int, *, seed: int = 7) -> Iterator[Any]:
    """`count` appointments; every tenth has no id, as json-server keeps such records."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        appointment: dict[str, Any] = {
            "patientId": rng.randint(1, count),
            "doctorId": f"d-{rng.randint(1, max(doctors, 1))}",
            "at": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "status": rng.choice(("booked", "done", "cancelled")),
        }
        yield appointment if number % 10 == 0 else {"id": number, **appointment}


def _write_array(stream: Any, name: str, records: Iterator[Any], first: bool) -> None:
    stream.write(("" if first else ",") + f'\n  "{name}": [')
    for index, record in enumerate(records):
        text = json.dumps(record, indent=2, ensure_ascii=False)
        stream.write(("," if index else "") + "\n" + textwrap.indent(text, "    "))
    stream.write("\n  ]")


def write_generated_db_json(path: Path, count: int) -> Path:
    """A db.json of `count` generated patients, written record by record."""
    with path.open("w", encoding="utf-8") as stream:
        stream.write("{")
        _write_array(stream, "patients", generated_patients(count), first=True)
        stream.write("\n}")
    return path


def write_generated_collections(path: Path, count: int) -> Path:
    """A db.json of `count` generated records in several collections, written record by record:
    half patients, a tenth doctors (string ids), the rest appointments (some without id), plus
    `$schema`, a singular resource, an array of strings and an empty collection."""
    patients, doctors = count // 2, count // 10
    appointments = count - patients - doctors - 2
    with path.open("w", encoding="utf-8") as stream:
        stream.write('{\n  "$schema": "./schema.json",')
        stream.write('\n  "clinic": {"name": "City Clinic", "beds": 1e2},')
        stream.write('\n  "tags": ["red", "green"],\n  "Nurses": [],')
        _write_array(stream, "patients", generated_patients(patients), first=True)
        _write_array(stream, "Doctors", generated_doctors(doctors), first=False)
        _write_array(
            stream, "appointments", generated_appointments(appointments, doctors), first=False
        )
        stream.write("\n}")
    return path


if __name__ == "__main__":  # `python -m tests.support.db_json OUT COUNT`, for measurements
    import sys

    write_generated_collections(Path(sys.argv[1]), int(sys.argv[2]))
