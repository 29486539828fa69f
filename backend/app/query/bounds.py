"""Bounds on what one query string may ask for, checked before it is parsed for real.

json-server has none of these: past them it spends seconds, or PostgreSQL refuses the
statement. Each check is linear in the query string's length.
"""

from dataclasses import dataclass
from functools import lru_cache

from app.query.pagination import leading_integer_digits
from app.query.parse import RESERVED_PARAMETERS, Operator, QueryError
from app.query.paths import field_path
from app.query.querystring import QsValue, js_string_of, parse_query_string

NUMBER_PARAMETERS = ("_page", "_limit", "_start", "_end")
NAME_PARAMETERS = ("_embed", "_expand")
_SUFFIXES = tuple(operator.value for operator in Operator if operator.value)


@dataclass(frozen=True, slots=True)
class QueryBounds:
    max_parameters: int = 100
    max_sort_fields: int = 20
    max_names: int = 20  # values of `_embed`, and of `_expand`
    max_path_depth: int = 16  # segments of a dotted field path
    max_number_digits: int = 1000  # digits of `_page`, `_limit`, `_start`, `_end`


def _count(value: QsValue) -> int:
    return len(value) if isinstance(value, list) else 1


def _path_depth(key: str) -> int:
    return len(field_path(key).segments)


def check_query_bounds(raw_query: bytes, bounds: QueryBounds) -> None:
    """Raise QueryError naming the first bound the query string goes past. Verdicts on the
    most recent query strings are remembered: clients repeat the same few queries."""
    problem = _problem(raw_query, bounds)
    if problem is not None:
        raise QueryError(problem)


@lru_cache(maxsize=256)  # at most 256 URLs of MAX_URL_BYTES each
def _problem(raw_query: bytes, bounds: QueryBounds) -> str | None:
    try:
        _check(raw_query, bounds)
    except QueryError as exc:
        return exc.message
    return None


def _check(raw_query: bytes, bounds: QueryBounds) -> None:
    parameters = sum(1 for part in raw_query.split(b"&") if part)
    if parameters > bounds.max_parameters:
        raise QueryError(f"A query may have at most {bounds.max_parameters} parameters.")
    params = parse_query_string(raw_query)
    sort = params.get("_sort")
    if sort is not None:
        fields = js_string_of(sort).split(",")
        if len(fields) > bounds.max_sort_fields:
            raise QueryError(f"`_sort` may name at most {bounds.max_sort_fields} fields.")
        if any(_path_depth(name) > bounds.max_path_depth for name in fields):
            raise _too_deep(bounds)
    for name in NAME_PARAMETERS:
        value = params.get(name)
        if value is not None and _count(value) > bounds.max_names:
            raise QueryError(f"`{name}` may be given at most {bounds.max_names} times.")
    for name in NUMBER_PARAMETERS:
        value = params.get(name)
        if value is not None and leading_integer_digits(js_string_of(value)) > (
            bounds.max_number_digits
        ):
            raise QueryError(f"`{name}` may have at most {bounds.max_number_digits} digits.")
    for key in params:
        if key not in RESERVED_PARAMETERS and _path_depth(_field_of(key)) > bounds.max_path_depth:
            raise _too_deep(bounds)


def _field_of(key: str) -> str:
    return next((key.removesuffix(s) for s in _SUFFIXES if key.endswith(s)), key)


def _too_deep(bounds: QueryBounds) -> QueryError:
    return QueryError(f"A field path may have at most {bounds.max_path_depth} segments.")
