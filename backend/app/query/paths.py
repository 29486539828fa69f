"""Field paths as lodash reads them (`_.get`, `_.has`, `_.orderBy`): `address.city`,
`conditions.0`, `a["b.c"]`."""

from dataclasses import dataclass

from app.javascript.paths import DEEP_PROPERTY, PLAIN_PROPERTY, string_to_path


@dataclass(frozen=True, slots=True)
class FieldPath:
    """Where a query key points inside a record.

    `segments` is the lodash path. When `key` looks like a path but a record has a field
    named exactly `key`, lodash uses that field instead (`literal_key_first`).
    """

    key: str
    segments: tuple[str, ...]
    literal_key_first: bool


def field_path(key: str) -> FieldPath:
    """The lodash path of a query key (`castPath`)."""
    if PLAIN_PROPERTY.match(key) or not DEEP_PROPERTY.search(key):
        return FieldPath(key, (key,), literal_key_first=False)
    return FieldPath(key, tuple(string_to_path(key)), literal_key_first=True)
