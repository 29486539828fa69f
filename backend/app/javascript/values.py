"""JavaScript values as json-server holds them, and the operators lodash's sorting applies to them.

A parsed JSON value becomes a JavaScript value with `js_value` (numbers are doubles, booleans
stay booleans); `UNDEFINED` is a missing property; a built-in method reached through a property
name (`constructor`, `toString`, …) is a `BuiltinFunction`, and a prototype reached through
`__proto__` is the primitive it compares as (`{}`, `[]`, `""`, `0`, `false`). Strings are Python
`str` (compared by UTF-16 code units here, as JavaScript does). Reading a property of a built-in
function other than its `name` answers undefined (JavaScript's `length`, `call`, … are not
modelled).
"""

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from app.javascript.strings import compare_code_units, utf16_units


class _Undefined:
    """JavaScript's `undefined`."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Final = _Undefined()


@dataclass(frozen=True, slots=True)
class BuiltinFunction:
    """A built-in method such as `Object.prototype.toString`, known by its `name`."""

    name: str

    def source(self) -> str:
        """`Function.prototype.toString` of a built-in."""
        return f"function {self.name}() {{ [native code] }}"


class JavaScriptTypeError(TypeError):
    """What JavaScript throws as a TypeError (an object whose own `toString` is not callable)."""


_OBJECT_METHODS = frozenset((
    "__defineGetter__", "__defineSetter__", "hasOwnProperty", "__lookupGetter__",
    "__lookupSetter__", "isPrototypeOf", "propertyIsEnumerable", "toString", "valueOf",
    "toLocaleString",
))  # fmt: skip
_ARRAY_METHODS = frozenset((
    "at", "concat", "copyWithin", "fill", "find", "findIndex", "findLast", "findLastIndex",
    "lastIndexOf", "pop", "push", "reverse", "shift", "unshift", "slice", "sort", "splice",
    "includes", "indexOf", "join", "keys", "entries", "values", "forEach", "filter", "flat",
    "flatMap", "map", "every", "some", "reduce", "reduceRight", "toLocaleString", "toString",
    "toReversed", "toSorted", "toSpliced", "with",
))  # fmt: skip
_STRING_METHODS = frozenset((
    "anchor", "at", "big", "blink", "bold", "charAt", "charCodeAt", "codePointAt", "concat",
    "endsWith", "fontcolor", "fontsize", "fixed", "includes", "indexOf", "isWellFormed",
    "italics", "lastIndexOf", "link", "localeCompare", "match", "matchAll", "normalize",
    "padEnd", "padStart", "repeat", "replace", "replaceAll", "search", "slice", "small",
    "split", "strike", "sub", "substr", "substring", "sup", "startsWith", "toString",
    "toWellFormed", "trim", "trimStart", "trimEnd", "toLocaleLowerCase", "toLocaleUpperCase",
    "toLowerCase", "toUpperCase", "valueOf",
))  # fmt: skip
_STRING_ALIASES = {"trimLeft": "trimStart", "trimRight": "trimEnd"}
_NUMBER_METHODS = frozenset(
    ["toExponential", "toFixed", "toPrecision", "toString", "valueOf", "toLocaleString"]
)
_BOOLEAN_METHODS = frozenset(("toString", "valueOf"))
_CANONICAL_INDEX = re.compile(r"0|[1-9][0-9]*")
_MAX_ARRAY_INDEX = 2**32 - 2


def js_value(value: Any) -> Any:
    """A parsed JSON value as JavaScript holds it: integers become doubles (or ±Infinity)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _index(key: str, length: int) -> int | None:
    if _CANONICAL_INDEX.fullmatch(key) and int(key) <= _MAX_ARRAY_INDEX and int(key) < length:
        return int(key)
    return None


def get_property(value: Any, key: str) -> Any:
    """`value[key]` for a value that is not null or undefined (own, then inherited properties)."""
    if isinstance(value, dict):
        if key in value:
            return js_value(value[key])
        prototype: tuple[str, frozenset[str], Any] = ("Object", frozenset(), {})
    elif isinstance(value, list):
        if key == "length":
            return float(len(value))
        index = _index(key, len(value))
        if index is not None:
            return js_value(value[index])
        prototype = ("Array", _ARRAY_METHODS, [])
    elif isinstance(value, str):
        units = utf16_units(value)
        if key == "length":
            return float(len(units))
        index = _index(key, len(units))
        if index is not None:
            return units[index]
        if key in _STRING_ALIASES:
            return BuiltinFunction(_STRING_ALIASES[key])
        prototype = ("String", _STRING_METHODS, "")
    elif isinstance(value, bool):
        prototype = ("Boolean", _BOOLEAN_METHODS, False)
    elif isinstance(value, float):
        prototype = ("Number", _NUMBER_METHODS, 0.0)
    else:  # a built-in function: only its name is modelled
        return value.name if key == "name" else UNDEFINED
    constructor, methods, prototype_value = prototype
    if key == "constructor":
        return BuiltinFunction(constructor)
    if key == "__proto__":
        return prototype_value
    if key in methods or key in _OBJECT_METHODS:
        return BuiltinFunction(key)
    return UNDEFINED


def has_property(value: Any, key: str) -> bool:
    """`key in Object(value)` for a value that is not null or undefined."""
    return get_property(value, key) is not UNDEFINED


def strictly_equal(left: Any, right: Any) -> bool:
    """`left === right`."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float | str | bool):
        return bool(left == right)
    return left is right


def number_to_string(number: float) -> str:
    """`Number.prototype.toString()` (ECMAScript Number::toString, radix 10)."""
    if math.isnan(number):
        return "NaN"
    if number == 0:
        return "0"
    if number < 0:
        return "-" + number_to_string(-number)
    if math.isinf(number):
        return "Infinity"
    _, digit_tuple, exponent = Decimal(repr(number)).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    k = len(digits)
    n = k + int(exponent)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    sign = "+" if n - 1 >= 0 else "-"
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{sign}{abs(n - 1)}"


def to_string(value: Any) -> str:
    """`String(value)` for the values here (objects through `to_primitive`)."""
    primitive = to_primitive(value)
    if isinstance(primitive, str):
        return primitive
    if isinstance(primitive, bool):
        return "true" if primitive else "false"
    if isinstance(primitive, float):
        return number_to_string(primitive)
    return "null" if primitive is None else "undefined"


def to_primitive(value: Any) -> Any:
    """`ToPrimitive(value)`: an array is its elements joined by commas, an object
    "[object Object]", a built-in function its source text."""
    if isinstance(value, list):
        return ",".join("" if item is None else to_string(js_value(item)) for item in value)
    if isinstance(value, dict):
        if "toString" in value:  # `valueOf` gives the object back; this `toString` is not callable
            raise JavaScriptTypeError("Cannot convert object to primitive value")
        return "[object Object]"
    if isinstance(value, BuiltinFunction):
        return value.source()
    return value


_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"  # noqa: E501
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_NON_DECIMAL = re.compile(r"0(?:[xX](?P<x>[0-9a-fA-F]+)|[oO](?P<o>[0-7]+)|[bB](?P<b>[01]+))")


def string_to_number(text: str) -> float:
    """`Number(text)`: whitespace trimmed, "" is 0, decimal, `0x`/`0o`/`0b`, else NaN."""
    trimmed = text.strip(_WHITESPACE)
    if not trimmed:
        return 0.0
    if _DECIMAL.fullmatch(trimmed):
        return float(trimmed.replace("Infinity", "inf"))
    match = _NON_DECIMAL.fullmatch(trimmed)
    if match is None:
        return math.nan
    radix, digits = next((k, v) for k, v in match.groupdict().items() if v is not None)
    try:
        return float(int(digits, {"x": 16, "o": 8, "b": 2}[radix]))
    except OverflowError:
        return math.inf


def to_number(primitive: Any) -> float:
    """`ToNumber` of a primitive."""
    if isinstance(primitive, str):
        return string_to_number(primitive)
    if isinstance(primitive, bool | float):
        return float(primitive)
    return 0.0 if primitive is None else math.nan


def less_than(left: Any, right: Any) -> bool:
    """`left < right` (and `right > left`): strings by code units, anything else as numbers."""
    left_primitive, right_primitive = to_primitive(left), to_primitive(right)
    if isinstance(left_primitive, str) and isinstance(right_primitive, str):
        return compare_code_units(left_primitive, right_primitive) < 0
    return to_number(left_primitive) < to_number(right_primitive)
