"""The raw query string of a collection's list (`GET /<collection>`) read into a typed
`ListQuery`, following json-server's `plural.js: list()` step by step."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from app.javascript.values import to_number
from app.json_codec import queryable_text
from app.query.pagination import DEFAULT_PAGE_SIZE, Page, Window, js_parse_int
from app.query.paths import FieldPath, field_path
from app.query.querystring import QsValue, js_string_of, parse_query_string
from app.query.regex import PatternError, translate_pattern

# Read by list() itself and never used as filters (`_delay` is removed before it).
RESERVED_PARAMETERS = frozenset(
    ("q", "_start", "_end", "_sort", "_order", "_limit", "_embed", "_expand", "_delay")
)
# Kept in the query but skipped when filtering: JSONP's callback and jQuery's cache-buster.
SKIPPED_PARAMETERS = frozenset(("callback", "_"))


class QueryError(ValueError):
    """A query json-server answers with a 500; the message never repeats the query's values."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Operator(StrEnum):
    EQUALS = ""
    AT_LEAST = "_gte"
    AT_MOST = "_lte"
    NOT_EQUALS = "_ne"
    LIKE = "_like"


_SUFFIXES = (Operator.AT_LEAST, Operator.AT_MOST, Operator.NOT_EQUALS, Operator.LIKE)


@dataclass(frozen=True, slots=True)
class QueryValue:
    """One value of a filter: its `String()` text, and whether it was a plain string (qs
    arrays and objects never `===` a field's text)."""

    text: str
    is_string: bool


@dataclass(frozen=True, slots=True)
class Filter:
    """`<path><suffix>=<values>`. Values combine with OR, except `_ne` (AND)."""

    path: FieldPath
    operator: Operator
    values: tuple[QueryValue, ...]
    numbers: tuple[float | None, ...] = ()  # `_gte`/`_lte`: JavaScript Number(value), None = NaN
    patterns: tuple[str, ...] = ()  # `_like`: each value as a PostgreSQL regex

    @property
    def prunable(self) -> bool:
        """Plain equality filters are dropped when no record has the path; operators never."""
        return self.operator is Operator.EQUALS


@dataclass(frozen=True, slots=True)
class SortKey:
    path: FieldPath
    descending: bool


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Everything `GET /<collection>?...` asks for, in json-server's terms."""

    search: str | None = None  # q; "" (from `q=&q=x`) matches no record
    filters: tuple[Filter, ...] = ()
    sort: tuple[SortKey, ...] = ()
    window: Window | None = None  # None: the whole filtered list
    page: Page | None = None  # `_page` mode: a Link header is sent
    reports_total: bool = False  # X-Total-Count is sent
    embeds: tuple[str, ...] = ()  # `_embed` names, in order (see app.query.relations)
    expands: tuple[str, ...] = ()  # `_expand` names, in order

    @property
    def prunable_filters(self) -> tuple[Filter, ...]:
        return tuple(item for item in self.filters if item.prunable)

    def keeping_present(self, present: Sequence[bool]) -> "ListQuery":
        """The query without the plain filters whose path no record has (json-server ignores
        them); `present` answers for `prunable_filters`, in order."""
        verdicts = iter(present)
        return replace(
            self,
            filters=tuple(item for item in self.filters if not item.prunable or next(verdicts)),
        )

    @property
    def exposed_headers(self) -> str | None:
        if self.page is not None:
            return "X-Total-Count, Link"
        return "X-Total-Count" if self.reports_total else None


def _is_truthy(value: QsValue | None) -> bool:
    return value is not None and value != ""


def _elements(value: QsValue) -> list[QsValue]:
    """`[].concat(value)`."""
    return list(value) if isinstance(value, list) else [value]


def _names(value: QsValue | None) -> tuple[str, ...]:
    """`_embed`/`_expand`: each value's String(), when the parameter is truthy."""
    if value is None or value == "":
        return ()
    return tuple(js_string_of(element) for element in _elements(value))


def _parse_int(value: QsValue | None) -> int | None:
    return None if value is None else js_parse_int(js_string_of(value))


def _search(value: QsValue | None) -> str | None:
    if not _is_truthy(value):
        return None
    first = value[0] if isinstance(value, list) else value
    if not isinstance(first, str):
        raise QueryError("`q` must be text, not an object or a nested array.")
    return first


def _sort(sort: QsValue | None, order: QsValue | None) -> tuple[SortKey, ...]:
    if not _is_truthy(sort):
        return ()
    if not isinstance(sort, str):
        raise QueryError("`_sort` must be given once, as comma-separated field names.")
    if _is_truthy(order) and not isinstance(order, str):
        raise QueryError("`_order` must be given once, as comma-separated `asc`/`desc`.")
    orders = order.split(",") if isinstance(order, str) and order else []
    return tuple(
        SortKey(
            field_path(name),
            descending=index < len(orders) and orders[index].lower() == "desc",
        )
        for index, name in enumerate(sort.split(","))
    )


def _window(params: dict[str, QsValue]) -> tuple[Window | None, Page | None]:
    if _is_truthy(params.get("_page")):
        number = _parse_int(params["_page"])
        page = Page(
            number if number is not None and number >= 1 else 1,
            _parse_int(params.get("_limit")) or DEFAULT_PAGE_SIZE,
        )
        return page.window, page
    start = _parse_int(params.get("_start")) or 0
    if _is_truthy(params.get("_end")):
        return Window(start, _parse_int(params["_end"]) or 0), None
    if _is_truthy(params.get("_limit")):
        limit = _parse_int(params["_limit"])
        return Window(start, 0 if limit is None else start + limit), None
    return None, None


def _query_value(value: QsValue) -> QueryValue:
    return QueryValue(js_string_of(value), isinstance(value, str))


def _number(text: str) -> float | None:
    number = to_number(text)
    return None if math.isnan(number) else number


def _filter(key: str, value: QsValue) -> Filter:
    operator = next((suffix for suffix in _SUFFIXES if key.endswith(suffix)), Operator.EQUALS)
    path = field_path(key.removesuffix(operator.value) if operator.value else key)
    values = tuple(_query_value(element) for element in _elements(value))
    if operator in (Operator.AT_LEAST, Operator.AT_MOST):
        return Filter(path, operator, values, numbers=tuple(_number(v.text) for v in values))
    if operator is Operator.LIKE:
        try:
            patterns = tuple(translate_pattern(v.text) for v in values)
        except PatternError as exc:
            raise QueryError(str(exc)) from None
        return Filter(path, operator, values, patterns=patterns)
    return Filter(path, operator, values)


def parse_list_query(raw_query: bytes | str) -> ListQuery:
    """Read a raw query string (`request.scope["query_string"]`) as json-server would."""
    params = parse_query_string(raw_query)
    window, page = _window(params)
    return ListQuery(
        search=_search(params.get("q")),
        filters=tuple(
            _filter(key, value)
            for key, value in params.items()
            if key not in RESERVED_PARAMETERS and key not in SKIPPED_PARAMETERS
        ),
        sort=_sort(params.get("_sort"), params.get("_order")),
        window=window,
        page=page,
        reports_total=any(_is_truthy(params.get(key)) for key in ("_end", "_limit", "_page")),
        embeds=_names(params.get("_embed")),
        expands=_names(params.get("_expand")),
    )


def with_equality(query: ListQuery, key: str, value: str) -> ListQuery:
    """The query with `key=value` set, replacing any `key` filter, as Express's
    `req.query[key] = value` does for json-server's nested routes."""
    added = _filter(key, queryable_text(value))
    kept = tuple(
        item
        for item in query.filters
        if not (item.operator is Operator.EQUALS and item.path == added.path)
    )
    return replace(query, filters=(*kept, added))


def parse_item_query(raw_query: bytes | str, record_id: str) -> ListQuery | None:
    """What `GET /<collection>/<id>?...` asks for: only `_embed` and `_expand` apply on an item
    route (json-server ignores every other parameter there); None when neither is given."""
    params = parse_query_string(raw_query)
    embeds, expands = _names(params.get("_embed")), _names(params.get("_expand"))
    if not embeds and not expands:
        return None
    return ListQuery(filters=(_filter("id", record_id),), embeds=embeds, expands=expands)
