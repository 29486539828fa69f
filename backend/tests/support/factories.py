"""Small typed factories for patient records."""

from typing import Any


def make_patient(**overrides: Any) -> dict[str, Any]:
    """A realistic patient record; keyword arguments replace or add fields, in order."""
    record: dict[str, Any] = {
        "name": "Alice Martin",
        "age": 34,
        "gender": "female",
        "email": "alice.martin@example.com",
        "phone": "555-0101",
        "address": {"city": "Boston", "street": "12 Elm St"},
        "conditions": ["asthma"],
    }
    record.update(overrides)
    return record
