"""`patients_create`: a POST's id assignment and insert in one statement.

The advisory lock that serialises id assignment is then held only inside PostgreSQL, for the
insert and its commit, never across a round trip to the service. The function covers a given
id, an empty collection and integer ids; for anything else (float or string ids) it answers
`fallback` and the service runs the general rule.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 12:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


PATIENTS_CREATE = """
        CREATE FUNCTION patients_create(
            p_document text, p_id_key text, p_id_num numeric, p_placeholder text
        ) RETURNS TABLE (outcome text, id_key text, document text)
        LANGUAGE plpgsql AS $$
        DECLARE
            max_number numeric;
            has_numeric boolean;
            has_other boolean;
            new_id numeric;
            stored text := p_document;
            stored_key text := p_id_key;
        BEGIN
            -- app.services.patients.ID_ASSIGNMENT_LOCK, the lock every id-assigning writer takes
            PERFORM pg_advisory_xact_lock(1885434985);
            IF stored_key IS NULL THEN
                SELECT
                    (SELECT p.id_num FROM patients AS p WHERE p.id_num IS NOT NULL
                     ORDER BY p.id_num DESC LIMIT 1),
                    EXISTS (SELECT 1 FROM patients AS p WHERE p.id_num IS NOT NULL),
                    EXISTS (SELECT 1 FROM patients AS p WHERE p.id_num IS NULL)
                INTO max_number, has_numeric, has_other;
                IF NOT has_numeric AND NOT has_other THEN
                    new_id := 1;
                ELSIF NOT has_other AND max_number = trunc(max_number) THEN
                    new_id := trunc(max_number) + 1;
                ELSE
                    RETURN QUERY SELECT 'fallback'::text, NULL::text, NULL::text;
                    RETURN;
                END IF;
                stored_key := new_id::text;
                stored := replace(p_document, '"' || p_placeholder || '"', stored_key);
            END IF;
            INSERT INTO patients (id_key, id_num, document)
            VALUES (stored_key, coalesce(p_id_num, new_id), stored::json)
            ON CONFLICT ON CONSTRAINT uq_patients_id_key DO NOTHING;
            IF FOUND THEN
                RETURN QUERY SELECT 'created'::text, stored_key, stored;
            ELSIF p_id_key IS NULL THEN
                RETURN QUERY SELECT 'fallback'::text, NULL::text, NULL::text;
            ELSE
                RETURN QUERY SELECT 'duplicate'::text, NULL::text, NULL::text;
            END IF;
        END
        $$
"""


def upgrade() -> None:
    op.execute(PATIENTS_CREATE)


def downgrade() -> None:
    op.execute("DROP FUNCTION patients_create(text, text, numeric, text)")
