"""json-server 0.17.4's query language for `GET /<collection>`, as pure functions: the raw query
string becomes a typed `ListQuery` (`parse`), which becomes one PostgreSQL statement (`sql`).

Parameter                  Meaning
-------------------------  -------------------------------------------------------------------
<path>=v                   String(field) === v. The path may be dotted (address.city,
                           conditions.0). Repeated keys and key[]= mean OR, different keys AND.
                           Ignored when no record of the collection has the path. null and
                           missing fields never match.
<path>[sub]=v              a qs object, which never equals a field
<path>_gte=v, _lte=v      v <= field / v >= field in JavaScript: numbers and booleans against
                           Number(v), anything else as strings by UTF-16 code unit
<path>_ne=v                String(field) !== v for every value (AND); null and missing fail
<path>_like=re             new RegExp(re, "i").test(String(field)); values combine with OR
q=text                     some value at any depth (not keys; false, 0, "" and null skipped)
                           contains text, case-insensitively; only the first q counts; it
                           applies before the filters
_sort=a,b _order=asc,desc  lodash orderBy: per field, values, then null, then missing (all
                           reversed for desc); ties keep insertion order
_page=n _limit=m           page n of m records (default 10); sends X-Total-Count and Link
_start=i _end=j _limit=m   the slice [i, j) or [i, i+m); _end wins; _start alone does nothing;
                           sends X-Total-Count
_embed=name                adds "name": the records of the collection `name` whose
                           <singular of this collection>Id strictly equals the record's id
                           ([] when there is no such collection); repeat for several
_expand=name               sets "name" to the record of the collection plural(name) whose id
                           String()-equals the record's <name>Id; ignored when there is no
                           such collection; repeat for several
callback, _                not filters (JSONP is not served)
_delay                     removed, not honoured
"""

from app.query.pagination import Page, Window, link_header
from app.query.parse import (
    ListQuery,
    QueryError,
    parse_item_query,
    parse_list_query,
    with_equality,
)
from app.query.relations import NO_RELATIONS, Embed, Expand, Relations
from app.query.sql import (
    build_list_statement,
    build_matched_statement,
    build_ordered_statement,
    build_presence_statement,
)

__all__ = [
    "NO_RELATIONS",
    "Embed",
    "Expand",
    "ListQuery",
    "Page",
    "QueryError",
    "Relations",
    "Window",
    "build_list_statement",
    "build_matched_statement",
    "build_ordered_statement",
    "build_presence_statement",
    "link_header",
    "parse_item_query",
    "parse_list_query",
    "with_equality",
]
