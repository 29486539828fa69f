"""json-server 0.17.4's query language for `GET /patients`, as pure functions: the raw query
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
_embed=name                adds "name": [] to each record (for patients: the patients whose
                           patientId is the record's id)
_expand=name               for patient/patients: sets name to the patient that <name>Id refers
                           to; any other name changes nothing
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
from app.query.sql import build_list_statement, build_presence_statement

__all__ = [
    "ListQuery",
    "Page",
    "QueryError",
    "Window",
    "build_list_statement",
    "build_presence_statement",
    "link_header",
    "parse_item_query",
    "parse_list_query",
    "with_equality",
]
