"""Record history and the audit log.

`record_versions` keeps every version of every record (and of every singular resource),
written by triggers in the writer's own transaction, so a write through psql or the importer
is kept too; a DELETE (or TRUNCATE) keeps the last content. Each version carries the identity
of the request that made it, which the service passes in transaction-local settings
(`app.request_id`, `app.client_addr`, `app.origin`, `app.actor`); a write from elsewhere has
none, and `db_user` says who it was. Versions are numbered per record (collection and
`String(id)`).

`audit_log` is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE for every role; it is
partitioned by month, and retention drops whole partitions (`audit_log_prepare`,
`audit_log_drop_before`).

`records_create` takes the request's identity as a sixth argument, so a POST stays one
statement, and answers the new row's `seq` too.

Every function created here runs with the search path it was created with, so a logical
backup (pg_dump, then pg_restore with an empty search path) restores.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 13:00:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = """
CREATE TABLE record_versions (
    entry bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    collection text NOT NULL,
    record_id text,
    record_seq bigint,
    version integer NOT NULL,
    operation text NOT NULL,
    document json,
    changed_at timestamptz NOT NULL DEFAULT now(),
    request_id text,
    actor text,
    client_addr text,
    origin text,
    db_user text NOT NULL DEFAULT session_user,
    restored_from integer,
    CONSTRAINT pk_record_versions PRIMARY KEY (entry),
    CONSTRAINT ck_record_versions_operation CHECK (operation IN ('insert', 'update', 'delete'))
);
CREATE UNIQUE INDEX uq_record_versions_record_version
    ON record_versions (collection, record_id, version) NULLS NOT DISTINCT;
CREATE INDEX ix_record_versions_collection_entry ON record_versions (collection, entry);
CREATE INDEX ix_record_versions_record_seq ON record_versions (record_seq);
CREATE INDEX ix_record_versions_request_id ON record_versions (request_id);

CREATE TABLE audit_log (
    at timestamptz NOT NULL,
    request_id text NOT NULL,
    method text NOT NULL,
    path_shape text NOT NULL,
    resource text,
    status smallint NOT NULL,
    record_seqs bigint[],
    record_count integer,
    query_shape text[],
    client_addr text,
    origin text,
    actor text
) PARTITION BY RANGE (at);
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE INDEX ix_audit_log_record_seqs ON audit_log USING gin (record_seqs);
CREATE INDEX ix_audit_log_request_id ON audit_log (request_id);
"""

# The identity of the request writing in this transaction, '' when none was set.
_IDENTITY = """
CREATE FUNCTION request_setting(name text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN nullif(current_setting(name, true), '');
"""

# Statement-level: one INSERT per statement, whatever the number of rows (a COPY included).
# Versions are numbered per record; rows lock the record, so a record's writers take turns.
_HISTORY = """
CREATE FUNCTION keep_record_versions() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO record_versions (
        collection, record_id, record_seq, version, operation, document,
        request_id, actor, client_addr, origin, restored_from)
    SELECT c.collection, c.id_key, c.seq,
        coalesce(CASE WHEN c.id_key IS NULL THEN
                     (SELECT max(v.version) FROM record_versions AS v
                      WHERE v.collection = c.collection AND v.record_id IS NULL)
                 ELSE
                     (SELECT max(v.version) FROM record_versions AS v
                      WHERE v.collection = c.collection AND v.record_id = c.id_key)
                 END, 0)
            + row_number() OVER (PARTITION BY c.collection, c.id_key ORDER BY c.seq),
        lower(TG_OP), c.document,
        request_setting('app.request_id'), request_setting('app.actor'),
        request_setting('app.client_addr'), request_setting('app.origin'),
        request_setting('app.restored_from')::integer
    FROM changed AS c;
    RETURN NULL;
END $$;
CREATE FUNCTION keep_truncated_records() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO record_versions (
        collection, record_id, record_seq, version, operation, document,
        request_id, actor, client_addr, origin)
    SELECT r.collection, r.id_key, r.seq,
        coalesce(CASE WHEN r.id_key IS NULL THEN
                     (SELECT max(v.version) FROM record_versions AS v
                      WHERE v.collection = r.collection AND v.record_id IS NULL)
                 ELSE
                     (SELECT max(v.version) FROM record_versions AS v
                      WHERE v.collection = r.collection AND v.record_id = r.id_key)
                 END, 0)
            + row_number() OVER (PARTITION BY r.collection, r.id_key ORDER BY r.seq),
        'delete', r.document,
        request_setting('app.request_id'), request_setting('app.actor'),
        request_setting('app.client_addr'), request_setting('app.origin')
    FROM records AS r;
    RETURN NULL;
END $$;
CREATE FUNCTION keep_singular_version() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    kept collections%ROWTYPE;
BEGIN
    IF TG_OP = 'DELETE' THEN
        kept := OLD;
    ELSE
        kept := NEW;
    END IF;
    IF kept.kind <> 'singular' THEN
        RETURN NULL;
    END IF;
    INSERT INTO record_versions (
        collection, record_id, record_seq, version, operation, document,
        request_id, actor, client_addr, origin, restored_from)
    SELECT kept.name, NULL, NULL,
        coalesce((SELECT max(v.version) FROM record_versions AS v
                  WHERE v.collection = kept.name AND v.record_id IS NULL), 0) + 1,
        lower(TG_OP), kept.document,
        request_setting('app.request_id'), request_setting('app.actor'),
        request_setting('app.client_addr'), request_setting('app.origin'),
        request_setting('app.restored_from')::integer;
    RETURN NULL;
END $$;
CREATE TRIGGER records_history_insert AFTER INSERT ON records
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION keep_record_versions();
CREATE TRIGGER records_history_update AFTER UPDATE ON records
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION keep_record_versions();
CREATE TRIGGER records_history_delete AFTER DELETE ON records
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION keep_record_versions();
CREATE TRIGGER records_history_truncate BEFORE TRUNCATE ON records
    FOR EACH STATEMENT EXECUTE FUNCTION keep_truncated_records();
CREATE TRIGGER collections_history AFTER INSERT OR UPDATE OR DELETE ON collections
    FOR EACH ROW EXECUTE FUNCTION keep_singular_version();
"""

# History is pruned only on purpose: a session must say so first (`app.prune_history`).
_GUARDS = """
CREATE FUNCTION refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_ARGV[0] = 'prunable' AND TG_OP = 'DELETE'
       AND request_setting('app.prune_history') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER record_versions_append_only BEFORE UPDATE OR DELETE ON record_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change('prunable');
CREATE TRIGGER record_versions_no_truncate BEFORE TRUNCATE ON record_versions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('kept');
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change('kept');
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('kept');
"""

# One partition per month, named audit_log_YYYYMM; TRUNCATE triggers are not inherited, so
# each partition gets its own. Concurrent callers take turns on an advisory lock.
_PARTITIONS = """
CREATE FUNCTION audit_log_prepare(months_ahead integer) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    month_start date;
    partition_name text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit_log:partitions'));
    FOR step IN 0..months_ahead LOOP
        month_start := (date_trunc('month', now()) + make_interval(months => step))::date;
        partition_name := 'audit_log_' || to_char(month_start, 'YYYYMM');
        IF to_regclass(partition_name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
                partition_name, month_start, (month_start + interval '1 month')::date);
            EXECUTE format(
                'CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON %I '
                'FOR EACH STATEMENT EXECUTE FUNCTION refuse_change(''kept'')', partition_name);
        END IF;
    END LOOP;
END $$;
CREATE FUNCTION audit_log_drop_before(cutoff timestamptz) RETURNS SETOF text
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    partition_name text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit_log:partitions'));
    FOR partition_name IN
        SELECT child.relname FROM pg_inherits AS i
        JOIN pg_class AS child ON child.oid = i.inhrelid
        WHERE i.inhparent = 'audit_log'::regclass
          AND child.relname ~ '^audit_log_[0-9]{6}$'
          AND (to_date(substr(child.relname, 11), 'YYYYMM') + interval '1 month') <= cutoff
        ORDER BY child.relname
    LOOP
        EXECUTE format('DROP TABLE %I', partition_name);
        RETURN NEXT partition_name;
    END LOOP;
END $$;
SELECT audit_log_prepare(2);
"""

# As in 0005, with the request's identity (p_request: {"request_id", "client_addr", "origin",
# "actor"}) set for the history trigger, and the new row's seq in the answer.
_CREATE_FUNCTION = """
DROP FUNCTION records_create(text, text, text, numeric, text);
CREATE FUNCTION records_create(
    p_collection text, p_document text, p_id_key text, p_id_num numeric, p_placeholder text,
    p_request json
) RETURNS TABLE (outcome text, id_key text, document text, seq bigint)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    max_number numeric;
    has_numeric boolean;
    has_other boolean;
    new_id numeric;
    new_seq bigint;
    stored text := p_document;
    stored_key text := p_id_key;
BEGIN
    PERFORM set_config('app.request_id', coalesce(p_request ->> 'request_id', ''), true),
            set_config('app.client_addr', coalesce(p_request ->> 'client_addr', ''), true),
            set_config('app.origin', coalesce(p_request ->> 'origin', ''), true),
            set_config('app.actor', coalesce(p_request ->> 'actor', ''), true);
    -- app.services.records.id_lock_key: the lock every id-assigning writer of a collection takes
    PERFORM pg_advisory_xact_lock(hashtext('records:' || p_collection));
    IF EXISTS (SELECT 1 FROM records AS r
               WHERE r.collection = p_collection AND jsonb_typeof(r.body) <> 'object') THEN
        RETURN QUERY SELECT 'not_records'::text, NULL::text, NULL::text, NULL::bigint;
        RETURN;
    END IF;
    IF stored_key IS NULL THEN
        SELECT
            (SELECT r.id_num FROM records AS r
             WHERE r.collection = p_collection AND r.id_num IS NOT NULL
             ORDER BY r.id_num DESC LIMIT 1),
            EXISTS (SELECT 1 FROM records AS r
                    WHERE r.collection = p_collection AND r.id_num IS NOT NULL),
            EXISTS (SELECT 1 FROM records AS r
                    WHERE r.collection = p_collection AND r.id_num IS NULL)
        INTO max_number, has_numeric, has_other;
        IF NOT has_numeric AND NOT has_other THEN
            new_id := 1;
        ELSIF NOT has_other AND max_number = trunc(max_number)
              AND abs(max_number) < 9007199254740991 THEN
            new_id := trunc(max_number) + 1;
        ELSIF NOT has_other AND max_number = trunc(max_number) THEN
            RETURN QUERY SELECT 'unassignable'::text, NULL::text, NULL::text, NULL::bigint;
            RETURN;
        ELSE
            RETURN QUERY SELECT 'fallback'::text, NULL::text, NULL::text, NULL::bigint;
            RETURN;
        END IF;
        stored_key := new_id::text;
        stored := replace(p_document, '"' || p_placeholder || '"', stored_key);
    END IF;
    INSERT INTO records AS r (collection, id_key, id_num, document)
    VALUES (p_collection, stored_key, coalesce(p_id_num, new_id), stored::json)
    ON CONFLICT ON CONSTRAINT uq_records_collection DO NOTHING
    RETURNING r.seq INTO new_seq;
    IF FOUND THEN
        RETURN QUERY SELECT 'created'::text, stored_key, stored, new_seq;
    ELSIF p_id_key IS NULL THEN
        RETURN QUERY SELECT 'fallback'::text, NULL::text, NULL::text, NULL::bigint;
    ELSE
        RETURN QUERY SELECT 'duplicate'::text, NULL::text, NULL::text, NULL::bigint;
    END IF;
END $$;
"""


def upgrade() -> None:
    op.execute(_TABLES)
    op.execute(_IDENTITY)
    op.execute(_HISTORY)
    op.execute(_GUARDS)
    op.execute(_PARTITIONS)
    op.execute(_CREATE_FUNCTION)


_DROP = """
DROP FUNCTION records_create(text, text, text, numeric, text, json);
DROP TRIGGER collections_history ON collections;
DROP TRIGGER records_history_truncate ON records;
DROP TRIGGER records_history_delete ON records;
DROP TRIGGER records_history_update ON records;
DROP TRIGGER records_history_insert ON records;
DROP TABLE audit_log;
DROP TABLE record_versions;
DROP FUNCTION audit_log_drop_before(timestamptz);
DROP FUNCTION audit_log_prepare(integer);
DROP FUNCTION refuse_change();
DROP FUNCTION keep_singular_version();
DROP FUNCTION keep_truncated_records();
DROP FUNCTION keep_record_versions();
DROP FUNCTION request_setting(text);
"""


def downgrade() -> None:
    op.execute(_DROP)
    op.execute(_revision_0005()._CREATE_FUNCTION)


def _revision_0005() -> Any:
    """Revision 0005's module, whose `records_create` the downgrade puts back."""
    path = next(Path(__file__).parent.glob("*-0005_*.py"))
    spec = importlib.util.spec_from_file_location("revision_0005", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
