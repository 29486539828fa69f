"""SQL functions with JavaScript's semantics for json-server's query language, and the
lower-cased text of every record's values that `q` searches.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTIONS = [
    # String(number) for a double: PostgreSQL's shortest round-trip digits, laid out the way
    # ECMAScript's Number::toString lays them out.
    """
    CREATE FUNCTION js_float_text(value float8) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET extra_float_digits = 1 AS $$
    DECLARE
        text_form text := abs(value)::text;
        mantissa text := split_part(text_form, 'e', 1);
        exponent int := coalesce(nullif(split_part(text_form, 'e', 2), '')::int, 0);
        digits text := replace(mantissa, '.', '');
        point int := length(split_part(mantissa, '.', 1)) + exponent;
        sign text := CASE WHEN value < 0 THEN '-' ELSE '' END;
        size int;
    BEGIN
        IF value = 0 THEN
            RETURN '0';
        END IF;
        point := point - (length(digits) - length(ltrim(digits, '0')));
        digits := rtrim(ltrim(digits, '0'), '0');
        size := length(digits);
        IF size <= point AND point <= 21 THEN
            RETURN sign || digits || repeat('0', point - size);
        ELSIF 0 < point AND point <= 21 THEN
            RETURN sign || left(digits, point) || '.' || substr(digits, point + 1);
        ELSIF -6 < point AND point <= 0 THEN
            RETURN sign || '0.' || repeat('0', -point) || digits;
        END IF;
        RETURN sign || left(digits, 1)
            || CASE WHEN size > 1 THEN '.' || substr(digits, 2) ELSE '' END
            || 'e' || CASE WHEN point > 0 THEN '+' ELSE '-' END || abs(point - 1)::text;
    END $$
    """,
    # String(number) for a JSON number; integers below 1e21 keep every digit.
    """
    CREATE FUNCTION js_number_text(value numeric) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN value = trunc(value) AND abs(value) < 1e21 THEN trunc(value)::text
                    ELSE js_float_text(value::float8) END
    $$
    """,
    # String(value) for any JSON value: arrays join with commas (null elements become ""),
    # objects are "[object Object]".
    """
    CREATE FUNCTION js_string(value jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE jsonb_typeof(value)
            WHEN 'string' THEN value #>> '{}'
            WHEN 'number' THEN js_number_text(value::numeric)
            WHEN 'boolean' THEN value #>> '{}'
            WHEN 'null' THEN 'null'
            WHEN 'array' THEN js_array_join(value)
            WHEN 'object' THEN '[object Object]'
        END
    $$
    """,
    """
    CREATE FUNCTION js_array_join(value jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(string_agg(
            CASE WHEN jsonb_typeof(item) = 'null' THEN '' ELSE js_string(item) END,
            ',' ORDER BY position), '')
        FROM jsonb_array_elements(value) WITH ORDINALITY AS items(item, position)
    $$
    """,
    # JavaScript's string length counts UTF-16 code units: two for characters above U+FFFF.
    """
    CREATE FUNCTION js_utf16_length(value text) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT char_length(value)
            + char_length(regexp_replace(value, '[^\\U00010000-\\U0010FFFF]', '', 'g'))
    $$
    """,
    # A text whose "C" (code point) order is JavaScript's UTF-16 code unit order: characters
    # U+E000-U+FFFF sort after those above U+FFFF (surrogate pairs), so they get a U+10FFFF prefix.
    """
    CREATE FUNCTION js_code_unit_key(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT regexp_replace(value, '([\\uE000-\\uFFFF])', chr(1114111) || '\\1', 'g')
    $$
    """,
    # value[key] in JavaScript for a key `#>` reads differently: array indexes must be canonical,
    # arrays and strings have a length, strings have indexed characters.
    """
    CREATE FUNCTION js_prop(value jsonb, key text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE jsonb_typeof(value)
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
        END
    $$
    """,
    # `value` compared with a query string as JavaScript's `<`/`>` do (negative, zero or
    # positive; NULL when incomparable): numbers and booleans against the query's Number()
    # (NULL for NaN), anything else as strings by code unit.
    """
    CREATE FUNCTION js_compare(value jsonb, query text, query_number float8) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE jsonb_typeof(value)
            WHEN 'number' THEN btfloat8cmp(value::float8, query_number)
            WHEN 'boolean' THEN btfloat8cmp((value = 'true')::int::float8, query_number)
            WHEN 'string' THEN
                bttextcmp(js_code_unit_key(value #>> '{}') COLLATE "C", js_code_unit_key(query))
            WHEN 'array' THEN bttextcmp(
                js_code_unit_key(js_array_join(value)) COLLATE "C", js_code_unit_key(query)
            )
            WHEN 'object' THEN bttextcmp('[object Object]' COLLATE "C", js_code_unit_key(query))
        END
    $$
    """,
    # lodash orderBy, ascending: values first, then null, then missing.
    """
    CREATE FUNCTION js_sort_rank(value jsonb) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN value IS NULL THEN 2 WHEN jsonb_typeof(value) = 'null' THEN 1 ELSE 0 END
    $$
    """,
    # Number(value) for numbers and booleans (true = 1); they sort numerically, before strings.
    """
    CREATE FUNCTION js_numeric(value jsonb) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE jsonb_typeof(value)
            WHEN 'number' THEN value::numeric
            WHEN 'boolean' THEN CASE WHEN value = 'true' THEN 1 ELSE 0 END
        END
    $$
    """,
    # Strings, arrays (joined) and objects sort as text by code unit; compare with COLLATE "C".
    """
    CREATE FUNCTION js_sort_text(value jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE jsonb_typeof(value)
            WHEN 'string' THEN js_code_unit_key(value #>> '{}')
            WHEN 'array' THEN js_code_unit_key(js_array_join(value))
            WHEN 'object' THEN '[object Object]'
        END
    $$
    """,
    # `{...doc, [field]: value}` on the stored text, keeping every other key's text and place;
    # a NULL value removes the key (JSON.stringify drops undefined).
    """
    CREATE FUNCTION js_object_put(doc json, field text, new_value json) RETURNS json
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE
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
        END
    $$
    """,
]

_DROP_ORDER = [
    "js_object_put(json, text, json)",
    "js_search_text(jsonb)",
    "js_lower(text)",
    "js_sort_text(jsonb)",
    "js_numeric(jsonb)",
    "js_sort_rank(jsonb)",
    "js_compare(jsonb, text, float8)",
    "js_prop(jsonb, text)",
    "js_utf16_length(text)",
    "js_code_unit_key(text)",
    "js_array_join(jsonb)",
    "js_string(jsonb)",
    "js_number_text(numeric)",
    "js_float_text(float8)",
]


def _lower_function() -> str:
    """JavaScript toLowerCase maps all of Unicode (İ -> i̇); ICU does too, where it is built in."""
    has_icu = (
        op.get_bind()
        .execute(sa.text("SELECT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu')"))
        .scalar_one()
    )
    collate = ' COLLATE "und-x-icu"' if has_icu else ""
    return f"""
    CREATE FUNCTION js_lower(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT lower(value{collate}) $$
    """


# What `q` searches: every value at any depth (not keys) except false, 0, "" and null, as
# String(value) lower-cased, joined by U+001F (app.query.sql.SEARCH_SEPARATOR).
_SEARCH_TEXT_FUNCTION = """
    CREATE FUNCTION js_search_text(doc jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(string_agg(js_lower(js_string(item)), chr(31)), '')
        FROM jsonb_path_query(doc, 'strict $.**') AS items(item)
        WHERE jsonb_typeof(item) IN ('string', 'number', 'boolean')
          AND item NOT IN ('false'::jsonb, '0'::jsonb, '""'::jsonb)
    $$
"""


def upgrade() -> None:
    # js_string and js_array_join call each other; check the bodies once both exist.
    op.execute("SET LOCAL check_function_bodies = off")
    for statement in _FUNCTIONS:
        op.execute(statement)
    op.execute(_lower_function())
    op.execute(_SEARCH_TEXT_FUNCTION)
    op.execute("SET LOCAL check_function_bodies = on")
    op.add_column(
        "patients",
        sa.Column(
            "search_text",
            sa.Text(),
            sa.Computed("js_search_text(document::jsonb)", persisted=True),
            nullable=False,
        ),
    )
    # Answers `?` (does any record have this field), which every `_page` request asks.
    # fastupdate off: a pending list would hide the index from the planner until a vacuum.
    op.create_index(
        "ix_patients_body",
        "patients",
        ["body"],
        postgresql_using="gin",
        postgresql_with={"fastupdate": "off"},
    )


def downgrade() -> None:
    op.drop_index("ix_patients_body", table_name="patients")
    op.drop_column("patients", "search_text")
    for signature in _DROP_ORDER:
        op.execute(f"DROP FUNCTION {signature}")
