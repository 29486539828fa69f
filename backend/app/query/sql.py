"""A `ListQuery` as one PostgreSQL statement that filters, sorts, slices, counts and writes the
response JSON itself.

Request text never becomes SQL text: values, field names and paths are bound parameters, and
the SQL around them comes from the fixed fragments below. The JavaScript semantics live in the
SQL functions of migration 0002 (`js_string`, `js_compare`, `js_prop`, ...). Every statement
reads one collection's records (`records.collection`), and the collections `_embed`/`_expand`
name.
"""

# ruff: noqa: S608 - the SQL is assembled from this module's fixed fragments; values are bound.

import math
import re
from dataclasses import dataclass, replace
from typing import Any

from app.json_codec import dumps, js_number_to_string
from app.query.parse import Filter, ListQuery, Operator, SortKey
from app.query.paths import FieldPath
from app.query.relations import NO_RELATIONS, Relations

SEARCH_SEPARATOR = "\x1f"  # chr(31): joins the values in records.search_text (migration 0002)
_BIGINT_LIMIT = 2**62  # slice bounds beyond any table size, kept inside bigint
_INTEGER_LIKE = re.compile(r"\d")
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:e[+-][0-9]+)?")
OBJECT_TEXT = "[object Object]"
FLAT_JOINER = "\x1e"  # chr(30): joins a field and its object's field in records.flat
# `_like` words the trigram index can narrow, and the texts of values `search_text` leaves out:
# a word inside one of these cannot be narrowed by it.
_PLAIN_WORD = re.compile(r"[A-Za-z0-9 '@-]+")
# Three letters or digits in a row: what the trigram index needs to narrow at all (shorter
# text would make it read every entry).
_TRIGRAM = re.compile(r"[A-Za-z0-9]{3}")
_UNSEARCHED = ("false", "0", OBJECT_TEXT.lower())


@dataclass(frozen=True, slots=True)
class Statement:
    """SQL with psycopg placeholders (`%(p0)s`), and the values bound to them."""

    text: str
    params: dict[str, Any]


class _Parameters:
    """Bound parameters with generated names; only the names reach the SQL text."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def bind(self, value: Any, sql_type: str) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"CAST(%({name})s AS {sql_type})"


def _reads_like_json_path(segment: str) -> bool:
    """Segments `#>` reads the JavaScript way: not `length`, and nothing an array index could be."""
    return segment != "length" and not _INTEGER_LIKE.search(segment)


def _path_value(path: FieldPath, body: str, params: _Parameters) -> str:
    """The jsonb at `path` (lodash `_.get`): SQL NULL when missing, JSON null when null."""
    value = body
    run: list[str] = []
    for segment in path.segments:
        if _reads_like_json_path(segment):
            run.append(segment)
            continue
        if run:
            value = f"({value} #> {params.bind(run, 'text[]')})"
            run = []
        value = f"js_prop({value}, {params.bind(segment, 'text')})"
    if run:
        value = f"({value} #> {params.bind(run, 'text[]')})"
    if path.literal_key_first:
        key = params.bind(path.key, "text")
        return f"(CASE WHEN jsonb_exists({body}, {key}) THEN {body} -> {key} ELSE {value} END)"
    return value


def _is_number_text(text: str) -> bool:
    """Whether `text` is `String(n)` of a number: an integer below 1e21 (kept exactly), or
    what JavaScript writes for a double."""
    if _INTEGER.fullmatch(text):
        return text != "-0" and abs(int(text)) < 10**21
    if not _NUMBER.fullmatch(text) or not math.isfinite(float(text)):
        return False
    return js_number_to_string(float(text)) == text


def _equal_json_values(text: str) -> list[str]:
    """The JSON scalars whose JavaScript `String()` is `text`, as JSON texts."""
    values = [dumps(text)]
    if text in ("true", "false"):
        values.append(text)
    if _is_number_text(text):
        values.append(text)
    return values


def _equals_any(value: str, texts: list[str], params: _Parameters) -> str:
    """`String(value)` is one of `texts` (`value` is not null or missing)."""
    scalars = [json for text in texts for json in _equal_json_values(text)]
    tests = [
        f"{value} = ANY({params.bind(scalars, 'jsonb[]')})",
        f"(jsonb_typeof({value}) = 'array' "
        f"AND js_array_join({value}) = ANY({params.bind(texts, 'text[]')}))",
    ]
    if OBJECT_TEXT in texts:
        tests.append(f"jsonb_typeof({value}) = 'object'")
    return f"({' OR '.join(tests)})"


def _flat_paths(path: FieldPath) -> list[str] | None:
    """The names `records.flat` (migration 0005) enters this path's values under: a top-level
    field, or a field of a top-level object (chr(30) joins them); None for deeper paths,
    array indexes and `length`, which it does not enter."""
    if not all(_reads_like_json_path(segment) for segment in path.segments):
        return None
    if len(path.segments) == 1:
        return [path.segments[0]]
    if len(path.segments) == 2:
        nested = FLAT_JOINER.join(path.segments)
        return [path.key, nested] if path.literal_key_first else [nested]
    return None


def _flat_candidates(path: FieldPath, texts: list[str], params: _Parameters) -> str | None:
    """The `records.flat` hashes a record whose value at `path` has one of `texts` as its
    String() must hold (a superset: an array is entered as "holds an array"); None when the
    index cannot narrow this filter."""
    names = _flat_paths(path)
    if names is None or OBJECT_TEXT in texts:
        return None
    values = [*(json for text in texts for json in _equal_json_values(text)), "[]"]
    # Spelled out, so that the planner folds the hashes into constants and estimates how many
    # records hold them from the column's statistics.
    hashes = ", ".join(
        f"hashtext(js_flat_entry({params.bind(name, 'text')}, {params.bind(value, 'jsonb')}))"
        for name in names
        for value in values
    )
    return f"ARRAY[{hashes}]"


def _contains_pattern(text: str) -> str:
    """A LIKE pattern (SQL) matching any text that contains the SQL text `text` as it is."""
    escaped = f"replace(replace(replace({text}, '\\', '\\\\'), '%%', '\\%%'), '_', '\\_')"
    return f"('%%' || {escaped} || '%%')"


def _like_candidates(item: Filter, params: _Parameters) -> str:
    """For `_like` values that are plain words (letters, digits, spaces, `-`, `'`, `@`): a
    condition on `records.search_text` that every matching record meets, which the trigram
    index (migration 0010) answers; "" when it cannot narrow.

    Why every match meets it: the path has no array index and no `length`, so the filtered
    value lies inside the record, and its String() is a leaf's text, or (an array) the texts of
    its elements joined by commas, an object's being "[object Object]". A word without a comma
    lies inside one of those texts, and `search_text` holds every leaf's text lower-cased,
    except `false`'s, `0`'s and the empty string's: a word inside "false", "0" or
    "[object object]" is not narrowed. JavaScript's `i` flag equates an ASCII letter only with
    its other case, which lower-casing maps to the same letter."""
    if not all(_reads_like_json_path(segment) for segment in item.path.segments):
        return ""
    words = [value.text for value in item.values]
    if not words or not all(
        _PLAIN_WORD.fullmatch(word) and _TRIGRAM.search(word) for word in words
    ):
        return ""
    lowered = [word.lower() for word in words]
    if any(word in text for word in lowered for text in _UNSEARCHED):
        return ""
    tests = " OR ".join(
        f"p.search_text LIKE {_contains_pattern(params.bind(word, 'text'))}" for word in lowered
    )
    return f"({tests}) AND "


def _filter_condition(item: Filter, params: _Parameters) -> str:
    strings = [v.text for v in item.values if v.is_string]
    if item.operator is Operator.EQUALS and not strings:
        return "FALSE"  # a qs array or object is never `===` a field's text
    value = _path_value(item.path, "p.body", params)
    present = f"(jsonb_typeof({value}) <> 'null')"
    if item.operator is Operator.EQUALS:
        if item.path.segments == ("id",) and not item.path.literal_key_first:
            # id_key is String(id), with a unique index: the common `?id=1&id=2` is a lookup.
            return f"({present} AND p.id_key = ANY({params.bind(strings, 'text[]')}))"
        candidates = _flat_candidates(item.path, strings, params)
        exact = _equals_any(value, strings, params)
        return exact if candidates is None else f"(p.flat && {candidates} AND {exact})"
    if item.operator is Operator.NOT_EQUALS:
        if not strings:
            return present
        return f"({present} AND NOT {_equals_any(value, strings, params)})"
    if item.operator is Operator.LIKE:
        tests = " OR ".join(
            f"js_string({value}) ~ {params.bind(pattern, 'text')}" for pattern in item.patterns
        )
        candidates = _like_candidates(item, params)
        return f"({candidates}{present} AND ({tests}))"
    comparison = ">= 0" if item.operator is Operator.AT_LEAST else "<= 0"
    tests = " OR ".join(
        f"js_compare({value}, {params.bind(v.text, 'text')}, "
        f"{params.bind(number, 'float8')}) {comparison}"
        for v, number in zip(item.values, item.numbers, strict=True)
    )
    return f"({tests})"


def _has_key(collection: str, key: str, params: _Parameters) -> str:
    """Whether any record of the collection has this top-level key: the counts the triggers
    keep (migration 0008), no scan."""
    return (
        "(SELECT coalesce(sum(records), 0) > 0 FROM collection_fields "
        f"WHERE collection = {params.bind(collection, 'text')} "
        f"AND field = {params.bind(key, 'text')})"
    )


def _has_path(path: FieldPath, collection: str, params: _Parameters) -> str:
    """Whether any record of `collection` has `path` (lodash `_.has`; a JSON null counts). A
    top-level key is answered by the kept counts; a longer path is looked for only once its
    first field exists."""
    has = _has_key(collection, path.segments[0], params)
    if len(path.segments) > 1:
        first = params.bind(path.segments[0], "text")
        deep = _path_value(replace(path, literal_key_first=False), "body", params)
        has = (
            f"(CASE WHEN {has} THEN EXISTS (SELECT 1 FROM records "
            f"WHERE collection = {params.bind(collection, 'text')} "
            f"AND body ? {first} AND {deep} IS NOT NULL) ELSE FALSE END)"
        )
    if not path.literal_key_first:
        return has
    return f"({_has_key(collection, path.key, params)} OR {has})"


def build_presence_statement(collection: str, query: ListQuery) -> Statement | None:
    """One row with, for each plain filter (`ListQuery.prunable_filters`), whether any record
    of `collection` has its path; None when there is no such filter."""
    params = _Parameters()
    columns = [
        f"{_has_path(item.path, collection, params)} AS present{index}"
        for index, item in enumerate(query.prunable_filters)
    ]
    if not columns:
        return None
    return Statement(f"SELECT {', '.join(columns)}", params.values)


def _search_condition(search: str, params: _Parameters) -> str:
    """`q`: json-server looks through `for (key in record)`, so an object's or an array's
    values; a string record (`"tags": ["red"]`) yields its characters, one at a time, and any
    other value nothing."""
    if not search:
        return "FALSE"
    needle = f"js_lower({params.bind(search, 'text')})"
    if SEARCH_SEPARATOR not in search:
        found = f"(strpos(p.search_text, {needle}) > 0)"
        if _TRIGRAM.search(search):
            # LIKE lets the trigram index (migration 0010) find the candidates; strpos decides.
            found = f"(p.search_text LIKE {_contains_pattern(needle)} AND {found})"
    else:  # the separator itself is searched for: look value by value
        found = (
            "EXISTS (SELECT 1 FROM jsonb_path_query(p.body, 'strict $.**') AS items(item) "
            "WHERE jsonb_typeof(item) IN ('string', 'number', 'boolean') "
            "AND item NOT IN ('false'::jsonb, '0'::jsonb, '\"\"'::jsonb) "
            f"AND strpos(js_lower(js_string(item)), {needle}) > 0)"
        )
    return (
        f"({found} AND (jsonb_typeof(p.body) IN ('object', 'array') "
        f"OR (jsonb_typeof(p.body) = 'string' AND char_length({needle}) = 1)))"
    )


def _where(collection: str, query: ListQuery, params: _Parameters) -> str:
    conditions = [f"p.collection = {params.bind(collection, 'text')}"]
    if query.search is not None:
        conditions.append(_search_condition(query.search, params))
    conditions.extend(_filter_condition(item, params) for item in query.filters)
    return " AND ".join(conditions)


def _sort_columns(sort: tuple[SortKey, ...], params: _Parameters) -> tuple[list[str], list[str]]:
    """(select-list expressions, ORDER BY terms over their aliases)."""
    selected: list[str] = []
    ordering: list[str] = []
    for index, key in enumerate(sort):
        value = _path_value(key.path, "p.body", params)
        selected += [
            f"js_sort_rank({value}) AS sort{index}_rank",
            f"js_numeric({value}) AS sort{index}_number",
            f'(js_sort_text({value}) COLLATE "C") AS sort{index}_text',
        ]
        # Descending reverses all of ascending: missing, null, strings, then numbers.
        direction, nulls = ("DESC", "NULLS FIRST") if key.descending else ("ASC", "NULLS LAST")
        ordering += [
            f"sort{index}_rank {direction}",
            f"sort{index}_number {direction} {nulls}",
            f"sort{index}_text {direction} {nulls}",
        ]
    return selected, [*ordering, "seq"]


def _skipped_by_index(collection: str, query: ListQuery, params: _Parameters) -> str:
    """For a deep page of a whole collection: start at the first record of the page, found
    in the (collection, seq) index alone, rather than read and drop every record before it.
    The OFFSET that follows then skips nothing."""
    window = query.window
    if query.search is not None or query.filters or window is None:
        return ""
    if not 0 < window.start < window.end <= _BIGINT_LIMIT:
        return ""
    first = (
        "(SELECT s.seq FROM records AS s "
        f"WHERE s.collection = {params.bind(collection, 'text')} "
        f"ORDER BY s.collection, s.seq OFFSET {params.bind(window.start, 'bigint')} LIMIT 1)"
    )
    return f" AND p.seq >= {first}"


def _slice(query: ListQuery, params: _Parameters) -> str:
    if query.window is None:
        return ""
    start = max(-_BIGINT_LIMIT, min(query.window.start, _BIGINT_LIMIT))
    end = max(-_BIGINT_LIMIT, min(query.window.end, _BIGINT_LIMIT))
    if start >= 0 and end >= 0:
        return (
            f"LIMIT {params.bind(max(end - start, 0), 'bigint')} "
            f"OFFSET {params.bind(start, 'bigint')}"
        )
    # Negative bounds count from the end of the filtered list (JavaScript slice).
    first = (
        f"(CASE WHEN {params.bind(start, 'bigint')} < 0 "
        f"THEN greatest(total.n + {params.bind(start, 'bigint')}, 0) "
        f"ELSE least({params.bind(start, 'bigint')}, total.n) END)"
    )
    stop = (
        f"(CASE WHEN {params.bind(end, 'bigint')} < 0 "
        f"THEN greatest(total.n + {params.bind(end, 'bigint')}, 0) "
        f"ELSE least({params.bind(end, 'bigint')}, total.n) END)"
    )
    return (
        f"LIMIT (SELECT greatest({stop} - {first}, 0) FROM total) "
        f"OFFSET (SELECT {first} FROM total)"
    )


def _shaped_document(relations: Relations, params: _Parameters) -> tuple[str, str, str]:
    """(the record's JSON with `_embed`/`_expand` applied, the joins that needs, whether a
    listed record lacks the reference an `_expand` follows). Embedded keys come before
    expanded ones, whatever the query's order, as in json-server."""
    document = "page.document"
    joins: list[str] = []
    for index, embed in enumerate(relations.embeds):
        replacement = "CAST('[]' AS json)"
        if embed.collection is not None:
            # The children whose foreign key strictly equals (same JSON type) this record's id:
            # candidates from the index on `flat`, then compared exactly.
            key = params.bind(embed.foreign_key, "text")
            joins.append(
                "LEFT JOIN LATERAL (SELECT "
                "'[' || string_agg(e.document::text, ',' ORDER BY e.seq) || ']' AS documents "
                f"FROM records AS e WHERE e.collection = {params.bind(embed.collection, 'text')} "
                f"AND e.flat @> ARRAY[hashtext(js_flat_entry({key}, page.body -> 'id'))] "
                f"AND e.body -> {key} = page.body -> 'id') AS embedded{index} ON TRUE"
            )
            replacement = f"CAST(coalesce(embedded{index}.documents, '[]') AS json)"
        document = f"js_object_put({document}, {params.bind(embed.key, 'text')}, {replacement})"
    missing_references: list[str] = []
    for index, expand in enumerate(relations.expands):
        # The parent found by String(id); json-server fails on a record without the reference,
        # unless the parent collection is empty (then nothing is compared).
        target = params.bind(expand.collection, "text")
        reference = f"(page.body -> {params.bind(expand.foreign_key, 'text')})"
        joins.append(
            f"LEFT JOIN records AS expanded{index} ON expanded{index}.collection = {target} "
            f"AND expanded{index}.id_key = js_string({reference})"
        )
        missing_references.append(
            f"(coalesce(jsonb_typeof({reference}), 'null') = 'null' "
            f"AND EXISTS (SELECT 1 FROM records WHERE collection = {target}))"
        )
        document = (
            f"js_object_put({document}, {params.bind(expand.key, 'text')}, "
            f"expanded{index}.document)"
        )
    return document, " ".join(joins), " OR ".join(missing_references) or "FALSE"


def build_list_statement(
    collection: str, query: ListQuery, relations: Relations = NO_RELATIONS
) -> Statement:
    """One statement returning (total, body, missing_reference, mixed_sort, returned, seqs): the
    filtered count when the query slices, the selected records of `collection` as one JSON array
    text, whether `_expand` met a listed record without the reference json-server needs, whether
    a sort field mixes numbers and strings (then the body's order is not json-server's), and for
    the audit log how many records the body holds and their `seq`s (up to AUDIT_LIST_SEQS of
    them; NULL beyond). Plain filters are
    applied as given: drop the ones json-server ignores first (`build_presence_statement`,
    `keeping_present`)."""
    params = _Parameters()
    where = _where(collection, query, params)
    sort_selected, ordering = _sort_columns(query.sort, params)
    slicing = _slice(query, params)
    document, joins, missing = _shaped_document(relations, params)
    order = ", ".join(ordering)
    aliases = ", ".join(f"page.{term.split(' ', 1)[0]}" for term in ordering)
    record_columns = "p.document, p.body" if relations else "p.document"
    if query.window is None:
        total = "CAST(NULL AS bigint)"
        prelude = ""
        page = (
            f"SELECT {', '.join(['p.seq', record_columns, *sort_selected])} "
            f"FROM records AS p WHERE {where}"
        )
    elif not query.sort and query.search is None and not query.filters:
        # The whole collection in insertion order: its count is kept by the version triggers,
        # and the slice is read in primary-key order.
        total = "(SELECT n FROM total)"
        prelude = (
            "WITH total AS (SELECT coalesce(sum(records), 0) AS n FROM collection_versions "
            f"WHERE name = {params.bind(collection, 'text')}) "
        )
        skipped = _skipped_by_index(collection, query, params)
        if skipped:
            assert query.window is not None  # a deep page of the whole collection
            slicing = f"LIMIT {params.bind(query.window.end - query.window.start, 'bigint')}"
        page = (
            f"SELECT p.seq, {record_columns} FROM records AS p WHERE {where}{skipped} "
            f"ORDER BY p.collection, p.seq {slicing}"
        )
    elif not query.sort:
        # Filtered, in insertion order: one scan finds the matches, which are counted, and
        # the slice of them is read back by primary key.
        total = "(SELECT n FROM total)"
        prelude = (
            f"WITH matched AS MATERIALIZED (SELECT p.seq FROM records AS p WHERE {where}), "
            "total AS (SELECT count(*) AS n FROM matched) "
        )
        page = (
            f"SELECT p.seq, {record_columns} FROM (SELECT seq FROM matched "
            f"ORDER BY seq {slicing}) AS sliced JOIN records AS p ON p.seq = sliced.seq"
        )
    else:
        # One scan: the matches' sort keys are kept, counted and sliced; only the slice's
        # records are read back.
        total = "(SELECT n FROM total)"
        prelude = (
            "WITH matched AS MATERIALIZED ("
            f"SELECT {', '.join(['p.seq', *sort_selected])} FROM records AS p WHERE {where}), "
            "total AS (SELECT count(*) AS n FROM matched) "
        )
        page = (
            f"SELECT sliced.*, {record_columns} FROM (SELECT * FROM matched "
            f"ORDER BY {order} {slicing}) AS sliced JOIN records AS p ON p.seq = sliced.seq"
        )
    # Sliced: the sort keys of every match are in `matched`; otherwise every match is a row here.
    mixed = (
        f"coalesce((SELECT {_mixed_sort_types(query, '')} FROM matched), FALSE)"
        if query.window is not None and query.sort
        else f"coalesce({_mixed_sort_types(query, 'shaped.')}, FALSE)"
    )
    sql = (
        f"{prelude}SELECT {total} AS total, "
        f"coalesce('[' || string_agg(shaped.record, ',' ORDER BY {order}) || ']', '[]') AS body, "
        "coalesce(bool_or(shaped.missing_reference), FALSE) AS missing_reference, "
        f"{mixed} AS mixed_sort, {_AUDITED} "
        f"FROM (SELECT {document}::text AS record, ({missing}) AS missing_reference, {aliases}, "
        f"page.seq AS audited_seq FROM ({page}) AS page {joins}) AS shaped"
    )
    return Statement(sql, params.values)


def _mixed_sort_types(query: ListQuery, prefix: str) -> str:
    """Whether a sort field holds numbers (or booleans) beside strings (arrays, objects) among
    the matched records: lodash's comparison is no total order there, so PostgreSQL's cannot
    reproduce it (`build_matched_statement` and `build_ordered_statement` take over)."""
    tests = [
        f"(bool_or({prefix}sort{index}_number IS NOT NULL) "
        f"AND bool_or({prefix}sort{index}_text IS NOT NULL))"
        for index in range(len(query.sort))
    ]
    return " OR ".join(tests) or "FALSE"


def build_matched_statement(collection: str, query: ListQuery) -> Statement:
    """Every record of `collection` that `query` selects, unsorted and unsliced, as rows of
    (seq, JSON text) in insertion order: for sorting outside PostgreSQL."""
    params = _Parameters()
    where = _where(collection, query, params)
    return Statement(
        f"SELECT p.seq, p.document::text FROM records AS p WHERE {where} ORDER BY p.seq",
        params.values,
    )


# The audit log names the records of a list by seq up to this many, and counts them beyond.
AUDIT_LIST_SEQS = 100
_AUDITED = (
    f"count(*) AS returned, CASE WHEN count(*) <= {AUDIT_LIST_SEQS} "
    "THEN array_agg(shaped.audited_seq) END AS seqs"
)


def build_ordered_statement(seqs: list[int], relations: Relations = NO_RELATIONS) -> Statement:
    """One row (body, missing_reference) for the records `seqs` name, in that order, with
    `_embed`/`_expand` applied as `build_list_statement` applies them."""
    params = _Parameters()
    document, joins, missing = _shaped_document(relations, params)
    page = (
        "SELECT p.seq, p.document, p.body, chosen.position FROM unnest("
        f"{params.bind(seqs, 'bigint[]')}) WITH ORDINALITY AS chosen(seq, position) "
        "JOIN records AS p ON p.seq = chosen.seq"
    )
    sql = (
        "SELECT coalesce('[' || string_agg(shaped.record, ',' ORDER BY shaped.position) || ']', "
        "'[]') AS body, coalesce(bool_or(shaped.missing_reference), FALSE) AS missing_reference "
        f"FROM (SELECT {document}::text AS record, ({missing}) AS missing_reference, "
        f"page.position FROM ({page}) AS page {joins}) AS shaped"
    )
    return Statement(sql, params.values)
