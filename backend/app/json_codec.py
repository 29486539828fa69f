"""JSON as json-server's clients see it: strict parsing, compact output, JavaScript string forms.

Records are stored as the client sent them (values, types, nesting and key order), so this
module never reorders keys and never turns numbers into other numbers.
"""

import json
import math
import re
import sys
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

JsonObject = dict[str, Any]


class JsonBodyError(ValueError):
    """A request body that cannot become a record; the message is safe to show a client."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _reject_constant(name: str) -> Any:
    raise JsonBodyError("malformed_json", f"{name} is not valid JSON.")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonBodyError(
            "number_out_of_range", "A number in the body is too large to store exactly."
        )
    return value


def _too_many_digits(limit: int) -> JsonBodyError:
    return JsonBodyError(
        "number_out_of_range", f"A number in the body has more than {limit} digits."
    )


_LARGEST_DOUBLE = int(sys.float_info.max)
_DOUBLE_DIGITS = len(str(_LARGEST_DOUBLE))


def _bounded_int(limit: int) -> Callable[[str], int]:
    """int() for a body's integers: refused past `limit` characters (before converting) and
    beyond a double's range (JSON.parse would make it Infinity, stored by json-server as null;
    PostgreSQL's queryable copy cannot compare it)."""

    def to_int(text: str) -> int:
        if len(text) > limit:
            raise _too_many_digits(limit)
        value = int(text)
        if len(text) >= _DOUBLE_DIGITS and abs(value) > _LARGEST_DOUBLE:
            raise JsonBodyError(
                "number_out_of_range", "A number in the body is beyond the range of a double."
            )
        return value

    return to_int


# parse_json's rules, for reading one value at a time out of a larger text (db.json as a stream).
STRICT_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def parse_json(raw: bytes | str, *, max_number_digits: int | None = None) -> Any:
    """Parse strict JSON (no NaN or Infinity), keeping key order and exact integers; with
    `max_number_digits`, an integer written with more characters than that is refused before
    it is converted (converting is quadratic in its length)."""
    parse_int = None if max_number_digits is None else _bounded_int(max_number_digits)
    try:
        return json.loads(
            raw, parse_constant=_reject_constant, parse_float=_finite_float, parse_int=parse_int
        )
    except JsonBodyError:
        raise
    except UnicodeDecodeError as exc:
        raise JsonBodyError("malformed_json", "The body is not valid UTF-8.") from exc
    except json.JSONDecodeError as exc:
        raise JsonBodyError(
            "malformed_json",
            f"The body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.",
        ) from exc
    except RecursionError as exc:
        raise JsonBodyError("malformed_json", "The body is nested too deeply.") from exc
    except ValueError as exc:
        # Python's own bound on int() (sys.get_int_max_str_digits), when no lower one is set.
        raise _too_many_digits(sys.get_int_max_str_digits()) from exc


def parse_json_object(raw: bytes | str, *, max_number_digits: int | None = None) -> JsonObject:
    """Parse a body that must be a single JSON object (a record)."""
    value = parse_json(raw, max_number_digits=max_number_digits)
    if not isinstance(value, dict):
        raise JsonBodyError(
            "body_not_object",
            f"The body must be a JSON object, not {json_type_name(value)}.",
        )
    return value


def json_type_name(value: Any) -> str:
    """The JSON name of a parsed value's type, with an article: 'an array', 'a string'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


# What PostgreSQL's text and jsonb cannot hold: U+0000 and unpaired UTF-16 surrogates. The
# stored JSON text keeps them as escapes; the queryable copies (jsonb, ids, query values) see
# U+FFFD instead (migration 0005, `js_queryable`).
_UNQUERYABLE = re.compile("[\x00\ud800-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def queryable_text(text: str) -> str:
    """`text` as PostgreSQL's text can hold it: U+0000 and unpaired surrogates become U+FFFD."""
    return _UNQUERYABLE.sub("\ufffd", text) if _UNQUERYABLE.search(text) else text


# A number Python writes with an exponent (`1e-07`, `1e+16`); JavaScript writes some of those
# differently (`1e-7`, `10000000000000000`). Only matched text is re-encoded, so strings that
# merely look like one cost a second pass, never a wrong answer.
_EXPONENT = re.compile(r"[0-9]e[+-]")


def _float_text(number: float) -> str:
    text = float.__repr__(number)
    if "e" not in text or not math.isfinite(number):
        return text
    return js_number_to_string(number)


def _unserializable(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


# The standard library's pure-Python encoder, compact, with JavaScript's text for such floats.
_JS_FLOAT_ENCODER = json.encoder._make_iterencode(  # type: ignore[attr-defined]
    None,  # no cycle check: the value was parsed from JSON
    _unserializable,
    json.encoder.py_encode_basestring,
    None,
    _float_text,
    ":",
    ",",
    False,
    False,
    True,
)


def dumps(value: Any) -> str:
    """Compact JSON text with raw UTF-8, in the value's own key order; an unpaired surrogate
    is written as an escape (`\\ud800`), and a float that needs an exponent as JavaScript's
    JSON.stringify writes it (`1e-7`, not Python's `1e-07`)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if _EXPONENT.search(text):
        text = "".join(_JS_FLOAT_ENCODER(value, 0))
    if _LONE_SURROGATE.search(text):
        return _LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    return text


def js_number_to_string(number: int | float) -> str:
    """`String(number)` as JavaScript writes it (ECMAScript Number::toString)."""
    if isinstance(number, int):
        return str(number)
    if number == 0:
        return "0"
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    sign = "-" if number < 0 else ""
    # repr() gives the shortest round-tripping digits, as JavaScript does; only the layout differs.
    _, digit_tuple, exponent = Decimal(repr(abs(number))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    k = len(digits)
    n = k + int(exponent)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    exp_sign = "+" if n - 1 >= 0 else "-"
    head = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{head}e{exp_sign}{abs(n - 1)}"


def js_string(value: Any) -> str:
    """`String(value)` in JavaScript, for a parsed JSON value."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return js_number_to_string(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join("" if item is None else js_string(item) for item in value)
    return "[object Object]"


def is_js_truthy(value: Any) -> bool:
    """JavaScript truthiness of a parsed JSON value (objects and arrays are always truthy)."""
    if isinstance(value, dict | list):
        return True
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


_ARRAY_INDEX_LIMIT = 2**32 - 1
_CANONICAL_INTEGER = re.compile(r"0|[1-9][0-9]*")


def js_property_order(keys: Iterable[str]) -> list[str]:
    """The order JavaScript enumerates an object's own keys in: integer-like keys (canonical
    array indexes) ascending, then the others in insertion order."""
    listed = list(keys)
    indexes = sorted(
        (
            key
            for key in listed
            if _CANONICAL_INTEGER.fullmatch(key) and int(key) < _ARRAY_INDEX_LIMIT
        ),
        key=int,
    )
    chosen = set(indexes)
    return indexes + [key for key in listed if key not in chosen]
