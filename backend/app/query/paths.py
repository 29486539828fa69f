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
