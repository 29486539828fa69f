"""lodash 4's `_.orderBy(records, fields, orders)`, with which json-server 0.17.4 sorts (`_sort`).

lodash compares with JavaScript's `<` and `>` (`compareAscending`), which is no consistent
order across types (`"10" < "9"`, `"9" == 9`, `"abc"` neither above nor below `5`), so the order
of such a list is what V8's sort does with those answers: it is reproduced step by step.
"""

from collections.abc import Sequence
from typing import Any

from app.javascript.array_sort import sort_in_place
from app.javascript.paths import DEEP_PROPERTY, PLAIN_PROPERTY, string_to_path
from app.javascript.strings import compare_code_units
from app.javascript.values import (
    UNDEFINED,
    get_property,
    has_property,
    js_value,
    less_than,
    strictly_equal,
)

Path = str | Sequence[str]


def _is_key(field: str, record: Any) -> bool:
    """lodash's `isKey(field, record)`: whether `field` names one property, not a path."""
    if PLAIN_PROPERTY.match(field) or not DEEP_PROPERTY.search(field):
        return True
    return record is not None and record is not UNDEFINED and has_property(js_value(record), field)


def get(record: Any, path: Path) -> Any:
    """lodash's `baseGet(record, path)` (`_.get` without a default): `UNDEFINED` when missing.

    A string is a property name or a dotted/bracketed path, read as lodash does for this record
    (a record with a key `"a.b"` answers that key); a sequence of strings is the segments
    (a single segment is read as a string is, as lodash does).
    """
    if isinstance(path, str) or len(path) == 1:
        field = path if isinstance(path, str) else path[0]
        path = [field] if _is_key(field, record) else string_to_path(field)
    value = js_value(record)
    index = 0
    while value is not None and value is not UNDEFINED and index < len(path):
        value = get_property(value, path[index])
        index += 1
    return value if index and index == len(path) else UNDEFINED


def compare_ascending(value: Any, other: Any) -> int:
    """lodash's `compareAscending`: 1, -1 or 0; null after values, then undefined, then NaN."""
    kind = type(value)
    if kind is type(other):  # the common cases, quickly
        if kind is str:
            return compare_code_units(value, other)
        if kind is float and value == value and other == other:
            return 1 if value > other else -1 if value < other else 0
    if strictly_equal(value, other):
        return 0
    value_is_defined, other_is_defined = value is not UNDEFINED, other is not UNDEFINED
    value_is_null, other_is_null = value is None, other is None
    value_is_reflexive = not (isinstance(value, float) and value != value)
    other_is_reflexive = not (isinstance(other, float) and other != other)
    if (
        (not other_is_null and less_than(other, value))
        or (value_is_null and other_is_defined and other_is_reflexive)
        or (not value_is_defined and other_is_reflexive)
        or not value_is_reflexive
    ):
        return 1
    if (
        (not value_is_null and less_than(value, other))
        or (other_is_null and value_is_defined and value_is_reflexive)
        or (not other_is_defined and value_is_reflexive)
        or not other_is_reflexive
    ):
        return -1
    return 0


def _consistent_keys(column: Sequence[Any]) -> list[tuple[Any, ...]] | None:
    """Sort keys that order `column` as `compare_ascending` does, when that order is consistent:
    numbers and booleans only, or strings only, then null, then undefined (no NaN)."""
    keys: list[tuple[Any, ...]] = []
    kinds: set[type] = set()
    for value in column:
        if value is None:
            keys.append((1,))
        elif value is UNDEFINED:
            keys.append((2,))
        elif isinstance(value, str):
            kinds.add(str)
            keys.append((0, value.encode("utf-16-be", "surrogatepass")))
        elif isinstance(value, bool | float) and value == value:
            kinds.add(float)
            keys.append((0, float(value)))
        else:
            return None
    return keys if len(kinds) <= 1 else None


def order_by(
    records: Sequence[Any], paths: Sequence[Path], descending: Sequence[bool] = ()
) -> list[int]:
    """The indexes of `records` in the order `_.orderBy(records, paths, orders)` gives them.

    `descending[i]` is whether `orders[i]` is "desc" (json-server: `_order` lower-cased); a path
    without one is ascending. Ties keep the records' order. Raises `JavaScriptTypeError` where
    JavaScript throws (a record whose own `toString` must be called to compare it).
    """
    columns = [[get(record, path) for record in records] for path in paths]
    flags = [index < len(descending) and descending[index] for index in range(len(paths))]
    order = list(range(len(records)))
    keys = [_consistent_keys(column) for column in columns]
    if all(column_keys is not None for column_keys in keys):
        # A consistent order has one stable result, whatever the algorithm: Python's is faster.
        for column_keys, flag in zip(reversed(keys), reversed(flags), strict=True):
            assert column_keys is not None
            order.sort(key=column_keys.__getitem__, reverse=flag)
        return order

    def compare_multiple(index: int, other_index: int) -> int:
        """lodash's `compareMultiple`: the first field that differs decides, else the index."""
        for column, flag in zip(columns, flags, strict=True):
            result = compare_ascending(column[index], column[other_index])
            if result:
                return -result if flag else result
        return index - other_index

    sort_in_place(order, compare_multiple)
    return order
