"""The patient record as documented in OpenAPI.

These models document the fields the front end uses; they do not restrict what is stored.
Like json-server, the service stores every field a client sends, of any JSON type, and returns
it unchanged, so `extra="allow"` and no field is required.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Address(BaseModel):
    model_config = ConfigDict(extra="allow")

    street: str | None = None
    city: str | None = None


class PatientIn(BaseModel):
    """A patient as a client sends it. Every field is optional and any other field is kept."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "name": "Alice Martin",
                "age": 34,
                "gender": "female",
                "email": "alice.martin@example.com",
                "phone": "555-0101",
                "address": {"city": "Boston", "street": "12 Elm St"},
            }
        },
    )

    id: int | float | str | None = Field(
        default=None,
        description='Kept as given (number or string). Omitted, null, 0, false or "": '
        "the highest numeric id + 1, or a random 7-character string when ids are strings.",
    )
    name: str | None = None
    age: int | float | str | None = None
    gender: str | None = None
    email: str | None = None
    phone: str | None = None
    address: Address | dict[str, Any] | None = None
    bloodType: str | None = None
    conditions: list[Any] | None = None
    admittedAt: str | None = None


class Patient(PatientIn):
    """A stored patient: what was sent, in the same key order, with its id."""

    id: int | float | str = Field(description="The record's id, with the type it was given.")


class ErrorDetail(BaseModel):
    status: int
    code: str = Field(description="Machine-readable, e.g. `malformed_json`, `duplicate_id`.")
    message: str = Field(description="One sentence for a person; never contains patient data.")


class ErrorBody(BaseModel):
    """The body of every error response except 404, which is `{}` as in json-server."""

    error: ErrorDetail


class HealthStatus(BaseModel):
    status: str
