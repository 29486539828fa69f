"""The query functions of 0002 with SQL-standard bodies, so that a `pg_dump` restores.

pg_restore runs with an empty search_path: a function whose body is a string that calls
another function by its bare name fails there ("function js_string(jsonb) does not exist"),
first when the restored rows compute `search_text`. A SQL-standard body (`RETURN ...`,
`BEGIN ATOMIC ... END`) is resolved when it is created and dumped schema-qualified, and is
inlined into queries as before. `js_array_join` keeps a string body, with `js_string` named
with its schema: it is never inlined (it aggregates), and a string body breaks the
js_string <-> js_array_join cycle a dump could not order. `js_float_text` (PL/pgSQL) calls only
built-in functions, which an empty search_path still finds.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 12:00:00
"""

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@dataclass(frozen=True)
class _Function:
    signature: str  # name and arguments, as in CREATE FUNCTION
    returns: str
    body: str  # an expression (`RETURN`), or a query when `is_query`
    is_query: bool = False

    def standard(self) -> str:
        body = f"BEGIN ATOMIC {self.body}; END" if self.is_query else f"RETURN {self.body}"
        return f"{self._head()} {body}"

    def quoted(self) -> str:
        """As 0002 created it: a string body, resolved by the search_path at run time."""
        query = self.body if self.is_query else f"SELECT {self.body}"
        return f"{self._head()} AS $$ {query} $$"

    def _head(self) -> str:
        return (
            f"CREATE OR REPLACE FUNCTION {self.signature} RETURNS {self.returns} "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE"
        )


# In dependency order: each function is created after those it calls.
_FUNCTIONS = [
    _Function(
        "js_number_text(value numeric)",
        "text",
        """CASE WHEN value = trunc(value) AND abs(value) < 1e21 THEN trunc(value)::text
                ELSE js_float_text(value::float8) END""",
    ),
    _Function(
        "js_string(value jsonb)",
        "text",
        """CASE jsonb_typeof(value)
            WHEN 'string' THEN value #>> '{}'
            WHEN 'number' THEN js_number_text(value::numeric)
            WHEN 'boolean' THEN value #>> '{}'
            WHEN 'null' THEN 'null'
            WHEN 'array' THEN js_array_join(value)
            WHEN 'object' THEN '[object Object]'
        END""",
    ),
    _Function(
        "js_utf16_length(value text)",
        "int",
        """char_length(value)
            + char_length(regexp_replace(value, '[^\\U00010000-\\U0010FFFF]', '', 'g'))""",
    ),
    _Function(
        "js_code_unit_key(value text)",
        "text",
        "regexp_replace(value, '([\\uE000-\\uFFFF])', chr(1114111) || '\\1', 'g')",
    ),
    _Function(
        "js_prop(value jsonb, key text)",
        "jsonb",
        """CASE jsonb_typeof(value)
            WHEN 'object' THEN value -> key
            WHEN 'array' THEN CASE
                WHEN key = 'length' THEN to_jsonb(jsonb_array_length(value))
                WHEN key ~ '^(0|[1-9][0-9]{0,8})$' THEN value -> key::int
            END
            WHEN 'string' THEN CASE
                WHEN key = 'length' THEN to_jsonb(js_utf16_length(value #>> '{}'))
                WHEN key ~ '^(0|[1-9][0-9]{0,8})$' AND key::int < char_length(value #>> '{}')
                    THEN to_jsonb(substr(value #>> '{}', key::int + 1, 1))
            END
        END""",
    ),
    _Function(
        "js_compare(value jsonb, query text, query_number float8)",
        "int",
        """CASE jsonb_typeof(value)
            WHEN 'number' THEN btfloat8cmp(value::float8, query_number)
            WHEN 'boolean' THEN btfloat8cmp((value = 'true')::int::float8, query_number)
            WHEN 'string' THEN
                bttextcmp(js_code_unit_key(value #>> '{}') COLLATE "C", js_code_unit_key(query))
            WHEN 'array' THEN bttextcmp(
                js_code_unit_key(js_array_join(value)) COLLATE "C", js_code_unit_key(query)
            )
            WHEN 'object' THEN bttextcmp('[object Object]' COLLATE "C", js_code_unit_key(query))
        END""",
    ),
    _Function(
        "js_sort_rank(value jsonb)",
        "int",
        "CASE WHEN value IS NULL THEN 2 WHEN jsonb_typeof(value) = 'null' THEN 1 ELSE 0 END",
    ),
    _Function(
        "js_numeric(value jsonb)",
        "numeric",
        """CASE jsonb_typeof(value)
            WHEN 'number' THEN value::numeric
            WHEN 'boolean' THEN CASE WHEN value = 'true' THEN 1 ELSE 0 END
        END""",
    ),
    _Function(
        "js_sort_text(value jsonb)",
        "text",
        """CASE jsonb_typeof(value)
            WHEN 'string' THEN js_code_unit_key(value #>> '{}')
            WHEN 'array' THEN js_code_unit_key(js_array_join(value))
            WHEN 'object' THEN '[object Object]'
        END""",
    ),
    _Function(
        "js_object_put(doc json, field text, new_value json)",
        "json",
        """CASE
            WHEN EXISTS (SELECT 1 FROM json_object_keys(doc) AS present(name) WHERE name = field)
                THEN (
                    SELECT coalesce('{' || string_agg(
                        to_json(entries.key)::text || ':'
                            || CASE WHEN entries.key = field THEN new_value::text
                                    ELSE entries.value::text END,
                        ',' ORDER BY entries.position) || '}', '{}')
                    FROM json_each(doc) WITH ORDINALITY AS entries(key, value, position)
                    WHERE entries.key <> field OR new_value IS NOT NULL
                )::json
            WHEN new_value IS NULL THEN doc
            WHEN EXISTS (SELECT 1 FROM json_object_keys(doc))
                THEN (left(rtrim(doc::text), -1) || ',' || to_json(field)::text || ':'
                      || new_value::text || '}')::json
            ELSE ('{' || to_json(field)::text || ':' || new_value::text || '}')::json
        END""",
    ),
    _Function(
        "js_search_text(doc jsonb)",
        "text",
        """SELECT coalesce(string_agg(js_lower(js_string(item)), chr(31)), '')
        FROM jsonb_path_query(doc, 'strict $.**') AS items(item)
        WHERE jsonb_typeof(item) IN ('string', 'number', 'boolean')
          AND item NOT IN ('false'::jsonb, '0'::jsonb, '""'::jsonb)""",
        is_query=True,
    ),
]

_ARRAY_JOIN_QUERY = """SELECT coalesce(string_agg(
            CASE WHEN jsonb_typeof(item) = 'null' THEN '' ELSE {js_string}(item) END,
            ',' ORDER BY position), '')
        FROM jsonb_array_elements(value) WITH ORDINALITY AS items(item, position)"""


def _array_join(js_string: str) -> str:
    return (
        "CREATE OR REPLACE FUNCTION js_array_join(value jsonb) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE "
        f"AS $$ {_ARRAY_JOIN_QUERY.format(js_string=js_string)} $$"
    )


def _lower_body() -> str:
    """0002's choice, read back: lower() with ICU's collation where it was available."""
    has_icu = (
        op.get_bind()
        .execute(sa.text("SELECT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu')"))
        .scalar_one()
    )
    return 'lower(value COLLATE "und-x-icu")' if has_icu else "lower(value)"


def _lower() -> _Function:
    return _Function("js_lower(value text)", "text", _lower_body())


def upgrade() -> None:
    schema = op.get_bind().execute(sa.text("SELECT quote_ident(current_schema())")).scalar_one()
    op.execute(_array_join(f"{schema}.js_string"))
    for function in [_lower(), *_FUNCTIONS]:
        op.execute(function.standard())


def downgrade() -> None:
    for function in [_lower(), *_FUNCTIONS]:
        op.execute(function.quoted())
    op.execute(_array_join("js_string"))
