"""json-server 0.17.4's id rule, as pure functions.

A POST keeps a truthy `id` as given. Otherwise the new id is 1 for an empty collection, the
maximum id + 1 when that maximum (lodash `maxBy`, JavaScript `>`, scanned in stored order) is
a finite number, and a random 7-character nanoid string when it is not.
"""

import math
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from app.javascript.values import to_number
from app.json_codec import JsonObject, is_js_truthy

NANOID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
NANOID_LENGTH = 7


class InvalidId(ValueError):
    """An id that is neither a number nor a string."""


def nanoid() -> str:
    return "".join(secrets.choice(NANOID_ALPHABET) for _ in range(NANOID_LENGTH))


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def js_greater(left: Any, right: Any) -> bool:
    """JavaScript `left > right` for JSON scalars."""
    if isinstance(left, str) and isinstance(right, str):
        return _utf16(left) > _utf16(right)
    if is_number(left) and is_number(right):
        return bool(left > right)
    a, b = to_number(left), to_number(right)
    return not (math.isnan(a) or math.isnan(b)) and a > b


def js_max_id(ids: Iterable[Any]) -> Any:
    """lodash `maxBy(records, "id")["id"]`: the first non-null id, replaced by any later one
    that is JavaScript-greater."""
    result: Any = None
    for value in ids:
        if value is None:
            continue
        if result is None or js_greater(value, result):
            result = value
    return result


def increment(max_id: Any) -> Any:
    """The id after a numeric maximum; floats stay floats (100.5 -> 101.5). None when
    JavaScript's `max + 1` is `max` again (beyond 2^53, where doubles are 2 apart): json-server
    then has no new id to give."""
    as_double = float(max_id)
    if as_double + 1 == as_double:
        return None
    if isinstance(max_id, Decimal):
        return int(max_id) + 1 if max_id == max_id.to_integral_value() else as_double + 1
    return max_id + 1


def next_id_from_max(max_id: Any) -> Any:
    """`_.isFinite(max) ? max + 1 : nanoid(7)`; None when `max + 1` gives no new id."""
    if (is_number(max_id) and math.isfinite(max_id)) or isinstance(max_id, Decimal):
        return increment(max_id)
    return nanoid()


def given_id(record: JsonObject) -> Any:
    """The id the client chose, or None when json-server would generate one (missing/falsy)."""
    value = record.get("id")
    if not is_js_truthy(value):
        return None
    if not (isinstance(value, str) or is_number(value)):
        raise InvalidId("The id must be a number or a string.")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidId("The id must be a finite number.")
    return value


def with_id(record: JsonObject, new_id: Any) -> JsonObject:
    """The record with its id set: in place of a falsy `id` key, or appended last."""
    if "id" in record:
        return {key: (new_id if key == "id" else value) for key, value in record.items()}
    return {**record, "id": new_id}
