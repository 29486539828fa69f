"""`js_object_put` on records that hold U+0000 or an unpaired surrogate (`"\\u0000"`).

Such text is stored as written, but PostgreSQL cannot de-escape it: `json_each` and
`json_object_keys` fail on the whole document ("\\u0000 cannot be converted to text"), so
`_embed` and `_expand` failed on every list that held one such record. Those documents now
take `js_object_put_escaped`, which splits the object's text into its top-level keys and
values with a regular expression, keeps both as written, and compares keys as the queryable
copy sees them (`js_queryable`: U+FFFD in place of the text PostgreSQL cannot hold). Every
other document keeps 0006's path.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tokens of JSON text: a string, one structural character, or a run of anything else
# (numbers, true, false, null). Depth counts the open objects and arrays around a token.
_ESCAPED = r"""
CREATE FUNCTION js_object_put_escaped(doc json, field text, new_value json) RETURNS json
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH tokens AS (
        SELECT found[1] AS token, n
        FROM regexp_matches(doc::text, '("(?:[^"\\]|\\.)*"|[][{},:]|[^][{},:"[:space:]]+)', 'g')
            WITH ORDINALITY AS matches(found, n)
    ), leveled AS (
        SELECT token, n, sum(CASE WHEN token IN ('{', '[') THEN 1
                                  WHEN token IN ('}', ']') THEN -1 ELSE 0 END)
                             OVER (ORDER BY n) AS depth
        FROM tokens
    ), numbered AS (
        SELECT token, n, depth,
               sum(CASE WHEN token = ',' AND depth = 1 THEN 1 ELSE 0 END)
                   OVER (ORDER BY n) AS entry
        FROM leveled
        WHERE n > 1
    ), entries AS (
        SELECT entry, (array_agg(token ORDER BY n))[1] AS key_text,
               array_to_string((array_agg(token ORDER BY n))[3:], '') AS value_text
        FROM numbered
        WHERE depth > 0 AND NOT (token = ',' AND depth = 1)
        GROUP BY entry
    ), named AS (
        SELECT entry, key_text, value_text, js_queryable(key_text::json) #>> '{}' AS name
        FROM entries
    )
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM named WHERE name = field) THEN (
            SELECT coalesce('{' || string_agg(
                key_text || ':'
                    || CASE WHEN name = field THEN new_value::text ELSE value_text END,
                ',' ORDER BY entry) || '}', '{}')
            FROM named WHERE name <> field OR new_value IS NOT NULL)::json
        WHEN new_value IS NULL THEN doc
        WHEN EXISTS (SELECT 1 FROM named)
            THEN (left(rtrim(doc::text), -1) || ',' || to_json(field)::text || ':'
                  || new_value::text || '}')::json
        ELSE ('{' || to_json(field)::text || ':' || new_value::text || '}')::json
    END;
END
"""

_OBJECT_PUT_HEAD = (
    "CREATE OR REPLACE FUNCTION js_object_put(doc json, field text, new_value json) "
    "RETURNS json LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN "
)
# 0006's body: `{...doc, [field]: value}` on the stored text, keeping every other key's text
# and place; a NULL value removes the key (JSON.stringify drops undefined).
_PARSED = """CASE
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
        END"""
# An escape of U+0000 or of a surrogate (paired ones too: rare, and the escaped path is exact).
_UNPARSABLE = r"""strpos(doc::text, '\u') > 0 AND doc::text ~* '\\u(0000|d[89a-f])'"""


def upgrade() -> None:
    op.execute(_ESCAPED)
    op.execute(
        f"{_OBJECT_PUT_HEAD} CASE WHEN {_UNPARSABLE} "
        f"THEN js_object_put_escaped(doc, field, new_value) ELSE {_PARSED} END"
    )


def downgrade() -> None:
    op.execute(f"{_OBJECT_PUT_HEAD} {_PARSED}")
    op.execute("DROP FUNCTION js_object_put_escaped(json, text, json)")
