"""A version number per collection, bumped by every statement that changes it.

A worker may reuse an answer only while the version it was computed at is still the current
one: any committed write (through the API, the importer or psql) bumps it in the writer's own
transaction, so a reused answer is never stale. The version is the sum of 16 counters, and a
writer bumps the one its connection is assigned to, so concurrent writers rarely wait for each
other's commit; every bump still changes the sum.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "collection_versions",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("stripe", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", "stripe", name=op.f("pk_collection_versions")),
    )
    op.execute(
        "INSERT INTO collection_versions (name, stripe, version) "
        "SELECT 'patients', stripe, 0 FROM generate_series(0, 15) AS stripe"
    )
    op.execute(
        """
        CREATE FUNCTION bump_patients_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE collection_versions SET version = version + 1
            WHERE name = 'patients' AND stripe = pg_backend_pid() % 16;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER patients_version AFTER INSERT OR UPDATE OR DELETE ON patients "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_patients_version()"
    )
    op.execute(
        "CREATE TRIGGER patients_version_truncate AFTER TRUNCATE ON patients "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_patients_version()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER patients_version_truncate ON patients")
    op.execute("DROP TRIGGER patients_version ON patients")
    op.execute("DROP FUNCTION bump_patients_version()")
    op.drop_table("collection_versions")
