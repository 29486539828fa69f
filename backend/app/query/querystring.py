"""The raw query string read the way json-server's Express reads it (the `qs` library).

Values come back as JavaScript would see them: a string, an array (repeated keys, `key[]=`,
`key[0]=`) or an object (`key[sub]=`). Percent-decoding follows `decodeURIComponent`, `+` is a
space, and a value that does not decode is kept as sent.
"""

import re
from dataclasses import dataclass
from typing import TypeAlias

from app.json_codec import queryable_text

PARAMETER_LIMIT = 1000  # qs reads at most this many `&`-separated parameters
ARRAY_INDEX_LIMIT = 20  # `key[n]=` with n up to this builds an array, otherwise an object
NESTING_DEPTH = 5  # bracket groups qs splits a key into; the rest stays one segment

_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_OPEN_BRACKET = re.compile("%5B", re.IGNORECASE)
_CLOSE_BRACKET = re.compile("%5D", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class QsObject:
    """A `key[sub]=` value: an object, whose `String()` is "[object Object]"."""


QsValue: TypeAlias = str | list["QsValue"] | QsObject


def js_string_of(value: QsValue) -> str:
    """JavaScript `String(value)` of a parsed query value (arrays join with commas)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(js_string_of(item) for item in value)
    return "[object Object]"


def decode_component(text: str) -> str:
    """`decodeURIComponent` after `+` -> space; text that does not decode is kept as sent. A
    decoded U+0000 is U+FFFD, as the queryable copy of the records has it."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    if text.count("%") != len(_PERCENT_ESCAPE.findall(text)):
        return text  # a `%` that starts no escape: decodeURIComponent throws
    try:
        return queryable_text(_PERCENT_RUN.sub(lambda run: _utf8_of(run.group()), text))
    except UnicodeDecodeError:
        return text  # the escapes are not UTF-8: decodeURIComponent throws


def _utf8_of(escapes: str) -> str:
    return bytes.fromhex(escapes.replace("%", "")).decode("utf-8")


def _split_key(key: str) -> tuple[str, list[str]] | None:
    """`a[b][]` -> ("a", ["[b]", "[]"]); None for keys qs drops."""
    first = key.find("[")
    parent = key if first < 0 else key[:first]
    segments: list[str] = []
    opening = first
    while opening >= 0 and len(segments) < NESTING_DEPTH:
        level, closing, i = 1, -1, opening + 1
        while i < len(key) and closing < 0:
            if key[i] == "[":
                level += 1
            elif key[i] == "]":
                level -= 1
                if level == 0:
                    closing = i
            i += 1
        if closing < 0:
            segments.append("[" + key[opening:] + "]")
            opening = -1
            break
        segments.append(key[opening : closing + 1])
        opening = key.find("[", closing + 1)
    if opening >= 0:
        segments.append("[" + key[opening:] + "]")
    if not parent:
        # `[a]=1` means `a=1`; `[]=1` and `[0]=1` name no field.
        if not segments or _array_slot(segments[0]) is not None:
            return None
        parent, segments = segments[0][1:-1], segments[1:]
    if parent == "__proto__":
        return None
    return parent, segments


def _array_slot(segment: str) -> bool | None:
    """True for `[]` (push), False for `[n]` with a small n, None for an object key."""
    if segment == "[]":
        return True
    inner = segment[1:-1] if segment.startswith("[") and segment.endswith("]") else None
    if inner is not None and inner.isascii() and inner.isdigit() and str(int(inner)) == inner:
        return False if int(inner) <= ARRAY_INDEX_LIMIT else None
    return None


def _nest(segments: list[str], leaf: QsValue) -> QsValue:
    for segment in reversed(segments):
        slot = _array_slot(segment)
        if slot is None:
            leaf = QsObject()
        elif slot and isinstance(leaf, list):
            leaf = list(leaf)  # `[].concat(leaf)`: pushing an array spreads it
        else:
            leaf = [leaf]
    return leaf


def _merge(existing: QsValue | None, new: QsValue) -> QsValue:
    if existing is None:
        return new
    if isinstance(existing, QsObject) or isinstance(new, QsObject):
        return QsObject()
    before = existing if isinstance(existing, list) else [existing]
    after = new if isinstance(new, list) else [new]
    return [*before, *after]


def parse_query_string(raw: bytes | str) -> dict[str, QsValue]:
    """Parse a raw query string into top-level keys, in the order they first appear."""
    text = raw if isinstance(raw, str) else _decode_raw(raw)
    text = _CLOSE_BRACKET.sub("]", _OPEN_BRACKET.sub("[", text))
    by_raw_key: dict[str, QsValue] = {}
    for part in text.split("&")[:PARAMETER_LIMIT]:
        bracket_equals = part.find("]=")
        position = part.find("=") if bracket_equals < 0 else bracket_equals + 1
        if position < 0:
            key, value = decode_component(part), ""
        else:
            key, value = decode_component(part[:position]), decode_component(part[position + 1 :])
        if key:
            by_raw_key[key] = _merge(by_raw_key.get(key), value)
    result: dict[str, QsValue] = {}
    for raw_key, raw_value in by_raw_key.items():
        split = _split_key(raw_key)
        if split is not None:
            parent, segments = split
            result[parent] = _merge(result.get(parent), _nest(segments, raw_value))
    return result


def _decode_raw(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
