"""How many records of each collection have each top-level field, kept by triggers.

json-server drops a plain filter (`?doctorId=7`, and the one every nested route adds) when no
record of the collection has that field, so every such request first asks "does any record have
it?". The answer is a read of these counts instead of a scan: a statement's inserted and deleted
rows adjust them in the writer's transaction, on the stripe of the writer's connection (as the
collection versions are), so concurrent writers rarely wait for each other.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UPGRADE = """
CREATE TABLE collection_fields (
    collection text NOT NULL,
    field text NOT NULL,
    stripe smallint NOT NULL,
    records bigint NOT NULL,
    CONSTRAINT pk_collection_fields PRIMARY KEY (collection, field, stripe)
);
CREATE FUNCTION record_fields(body jsonb) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT jsonb_object_keys(CASE WHEN jsonb_typeof(body) = 'object' THEN body ELSE '{}' END);
END;
CREATE FUNCTION count_fields() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO collection_fields AS f (collection, field, stripe, records)
        SELECT n.collection, k.field, pg_backend_pid() % 16, count(*)
        FROM added AS n, record_fields(n.body) AS k(field) GROUP BY 1, 2
        ON CONFLICT (collection, field, stripe)
        DO UPDATE SET records = f.records + excluded.records;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO collection_fields AS f (collection, field, stripe, records)
        SELECT o.collection, k.field, pg_backend_pid() % 16, -count(*)
        FROM removed AS o, record_fields(o.body) AS k(field) GROUP BY 1, 2
        ON CONFLICT (collection, field, stripe)
        DO UPDATE SET records = f.records + excluded.records;
    ELSE
        INSERT INTO collection_fields AS f (collection, field, stripe, records)
        SELECT changes.collection, changes.field, pg_backend_pid() % 16, sum(changes.delta)
        FROM (
            SELECT n.collection, k.field, 1 AS delta
            FROM added AS n, record_fields(n.body) AS k(field)
            UNION ALL
            SELECT o.collection, k.field, -1 FROM removed AS o, record_fields(o.body) AS k(field)
        ) AS changes
        GROUP BY 1, 2 HAVING sum(changes.delta) <> 0
        ON CONFLICT (collection, field, stripe)
        DO UPDATE SET records = f.records + excluded.records;
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION forget_fields() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM collection_fields;
    RETURN NULL;
END $$;
CREATE TRIGGER records_fields_insert AFTER INSERT ON records
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION count_fields();
CREATE TRIGGER records_fields_update AFTER UPDATE ON records
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION count_fields();
CREATE TRIGGER records_fields_delete AFTER DELETE ON records
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION count_fields();
CREATE TRIGGER records_fields_truncate AFTER TRUNCATE ON records
    FOR EACH STATEMENT EXECUTE FUNCTION forget_fields();
INSERT INTO collection_fields (collection, field, stripe, records)
    SELECT r.collection, k.field, 0, count(*)
    FROM records AS r, record_fields(r.body) AS k(field) GROUP BY 1, 2;
"""

_DOWNGRADE = """
DROP TRIGGER records_fields_truncate ON records;
DROP TRIGGER records_fields_delete ON records;
DROP TRIGGER records_fields_update ON records;
DROP TRIGGER records_fields_insert ON records;
DROP FUNCTION forget_fields();
DROP FUNCTION count_fields();
DROP FUNCTION record_fields(jsonb);
DROP TABLE collection_fields;
"""


def upgrade() -> None:
    op.execute(_UPGRADE)


def downgrade() -> None:
    op.execute(_DOWNGRADE)
