"""Field paths as lodash reads them (`_.get`, `_.has`, `_.orderBy`): `address.city`,
`conditions.0`, `a["b.c"]`."""

import re
from dataclasses import dataclass

# lodash's own expressions (reIsPlainProp, reIsDeepProp, rePropName, reEscapeChar).
_PLAIN_PROPERTY = re.compile(r"[A-Za-z0-9_]*\Z")
_DEEP_PROPERTY = re.compile(r"""\.|\[(?:[^\[\]]*|(["'])(?:(?!\1)[^\\]|\\.)*?\1)\]""")
_PROPERTY_NAME = re.compile(
    r"""[^.\[\]]+|\[(?:([^"'][^\[]*)|(["'])((?:(?!\2)[^\\]|\\.)*?)\2)\]"""
    r"""|(?=(?:\.|\[\])(?:\.|\[\]|\Z))"""
)
_ESCAPE_CHAR = re.compile(r"\\(\\)?")


@dataclass(frozen=True, slots=True)
class FieldPath:
    """Where a query key points inside a record.

    `segments` is the lodash path. When `key` looks like a path but a record has a field
    named exactly `key`, lodash uses that field instead (`literal_key_first`).
    """

    key: str
    segments: tuple[str, ...]
    literal_key_first: bool


def _string_to_path(key: str) -> list[str]:
    segments = [""] if key.startswith(".") else []
    for match in _PROPERTY_NAME.finditer(key):
        number, quote, quoted = match.group(1), match.group(2), match.group(3)
        if quote:
            segments.append(_ESCAPE_CHAR.sub(lambda m: m.group(1) or "", quoted))
        else:
            segments.append(number or match.group())
    return segments


def field_path(key: str) -> FieldPath:
    """The lodash path of a query key (`castPath`)."""
    if _PLAIN_PROPERTY.match(key) or not _DEEP_PROPERTY.search(key):
        return FieldPath(key, (key,), literal_key_first=False)
    return FieldPath(key, tuple(_string_to_path(key)), literal_key_first=True)


class _Missing:
    """JavaScript's `undefined`: what `_.get` gives for a path a value does not have."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]{0,8}")


def _property(value: object, key: str) -> object:
    """`value[key]` for a JSON value, as JavaScript reads it."""
    if isinstance(value, dict):
        return value.get(key, MISSING)
    if isinstance(value, list | str):
        if key == "length":
            return len(value.encode("utf-16-le")) // 2 if isinstance(value, str) else len(value)
        if _ARRAY_INDEX.fullmatch(key) and int(key) < len(value):
            return value[int(key)]
    return MISSING


def lodash_get(record: object, path: FieldPath) -> object:
    """lodash `_.get(record, key)`: the value at the path, or MISSING."""
    if path.literal_key_first and isinstance(record, dict) and path.key in record:
        return record[path.key]
    value = record
    for segment in path.segments:
        value = _property(value, segment)
        if value is MISSING:
            return MISSING
    return value
